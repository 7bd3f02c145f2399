"""Definitions the name and street rules share (``letters``, ``dict_names._SUBJECT_VERBS``): each is pinned to
what the modules defined on their own before (c56238d), so moving them changed no verdict and nothing drifts
unseen."""

from __future__ import annotations

import re
import sys

import polars as pl
import pytest

from mlsecure.privacy.pii import addresses, dict_names, letters, name_data, name_frames, names, street_spans

# The classes as the modules wrote them before (street_spans also inline, with regex escapes in a raw string)
OLD_NAME_UPPER, OLD_NAME_LOWER = "A-ZÀ-ÖØ-ÞĀ-ž", "a-zß-öø-ÿĀ-ž"
OLD_STREET_UPPER, OLD_STREET_LOWER = "A-ZÀ-ÖØ-Þ\u0100-\u017f", "a-zß-öø-ÿ\u0100-\u017f"
OLD_STREET_UPPER_INLINE = r"A-ZÀ-ÖØ-Þ\u0100-\u017f"
OLD_SUBJECT_VERBS = ("is", "was", "has", "had", "will", "would", "can", "could", "said", "says", "told", "asked",
                     "went", "lives", "lived", "works", "worked", "shouted", "wrote", "called", "met", "wants",
                     "wanted", "thinks", "thought", "knows", "knew", "loves", "loved", "gave", "got", "came")
EVERY_CODE_POINT = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def test_the_shared_ranges_are_the_strings_each_module_had() -> None:
    assert (letters.NAME_UPPER, letters.NAME_LOWER) == (OLD_NAME_UPPER, OLD_NAME_LOWER)
    assert (letters.STREET_UPPER, letters.STREET_LOWER) == (OLD_STREET_UPPER, OLD_STREET_LOWER)
    assert dict_names._UP is name_frames._UP is letters.NAME_UPPER
    assert dict_names._LO is name_frames._LO is letters.NAME_LOWER
    assert addresses._UPPER is street_spans._UPPER is letters.STREET_UPPER
    assert addresses._LOWER is street_spans._LOWER is letters.STREET_LOWER
    assert name_data._RARE_WORD.pattern == "[a-zß-öø-ÿĀ-ž]{3,}"
    # the two families differ in the long s alone (U+017F), which the street rules take and the name rules not
    assert letters.STREET_UPPER.replace("\u017f", "\u017e") == letters.NAME_UPPER


@pytest.mark.parametrize(("old", "new"), [
    (OLD_NAME_UPPER, letters.NAME_UPPER), (OLD_NAME_LOWER, letters.NAME_LOWER),
    (OLD_STREET_UPPER, letters.STREET_UPPER), (OLD_STREET_LOWER, letters.STREET_LOWER),
    (OLD_STREET_UPPER_INLINE, letters.STREET_UPPER),  # street_spans' Hungarian and Slavic rules
])
@pytest.mark.parametrize("flags", [0, re.IGNORECASE])
def test_every_code_point_is_in_the_old_class_exactly_when_in_the_new(old: str, new: str, flags: int) -> None:
    """Python's engine and Polars' (Rust), which both run these patterns, over all of Unicode."""
    old_hits = re.findall(f"[{old}]", EVERY_CODE_POINT, flags)
    assert old_hits == re.findall(f"[{new}]", EVERY_CODE_POINT, flags) and len(old_hits) > 150
    chars = pl.Series(list(EVERY_CODE_POINT[:0x3000]))
    case = "(?i)" if flags else ""
    assert chars.str.contains(f"{case}^[{old}]$").to_list() == chars.str.contains(f"{case}^[{new}]$").to_list()


def test_subject_verbs_are_the_old_set_and_the_shared_ones_come_from_lexicons() -> None:
    from mlsecure.privacy.pii.lexicons import MEETING_VERBS, PERSON_ACTS_DONE, SUBJECT_MODALS

    assert frozenset(OLD_SUBJECT_VERBS) == dict_names._SUBJECT_VERBS
    shared = dict_names._SUBJECT_VERBS & (frozenset(SUBJECT_MODALS) | MEETING_VERBS | PERSON_ACTS_DONE)
    assert shared == {"will", "would", "can", "could", "said", "says", "told", "asked", "met", "wrote"}
    # no verb is the start of another, so the order of the alternation in START_RUN cannot change a match
    assert not [(a, b) for a in OLD_SUBJECT_VERBS for b in OLD_SUBJECT_VERBS if a != b and b.startswith(a)]
    text = "Mehrudin shouted. Akifumi met us. Grace wrote back. Apple sells phones. Maria may go."
    found = [re.findall(r"[^\W\d_]+", m.group(0))[0] for m in re.finditer(dict_names.START_RUN, text)]
    assert found == ["Mehrudin", "Akifumi", "Grace"]


@pytest.mark.parametrize(("value", "record", "label"), [
    ("赫琳", "赫琳", "赫琳"), ("北京市", None, None), ("김주원", "김주원", "김주원"), ("서울병원", None, None),
    ("株式会社山田", None, "株式会社山田"),  # a company word refuses a record's first field only (as before)
])
def test_record_and_label_readers_share_one_ending_check(value: str, record: str | None, label: str | None) -> None:
    assert names.record_caseless(f" {value} ") == record
    assert names.labelled_name(f"To: {value}") == label
