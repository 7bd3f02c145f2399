"""Names ranked past ``name_data.MAX_RANK`` (``names_rare.txt.gz``), read only by ``dict_names``' guarded positions:
found there, never where a word of the language stands."""

from __future__ import annotations

import gzip
import random

import pytest

from mlsecure.privacy.pii.dict_names import mid_names, start_name
from mlsecure.privacy.pii.name_data import RARE, is_rare_name, lexicon
from mlsecure.privacy.pii.text_mode import scan_text
from mlsecure.privacy.pii.types import PiiType


def names(text: str) -> set[str]:
    return {text[s.start:s.end] for s in scan_text(text) if s.pii_type is PiiType.NAME}


def test_bisection_agrees_with_a_set() -> None:
    listed = gzip.decompress(RARE.read_bytes()).decode().split()
    assert listed == sorted(listed) and len(listed) > 100_000
    known = set(listed)
    rng = random.Random(7)
    probes = [w for w in rng.sample(listed, 500) for w in (w, w[:-1], w + "a", w[1:])]
    probes += [listed[0], listed[-1], "aaa", "zzzzzz"]
    assert [is_rare_name(w) for w in probes] == [w in known for w in probes]
    assert is_rare_name("MEHRUDIN") and is_rare_name("Shovda")


def test_rare_names_are_past_the_main_lists() -> None:
    for name in ("Mehrudin", "Shovda"):
        assert not lexicon().is_given(name) and not lexicon().is_surname(name)
    # words of one of the seven languages were left out when the list was derived
    assert not any(is_rare_name(w) for w in ("Haskell", "Erlang", "Turing"))


# each missed before the rare list (ranks 2001-10000) was read
@pytest.mark.parametrize(("text", "expected"), [
    ("He is hurt, but Mehrudin just has to get to the station.", {"Mehrudin"}),
    ("The keys are with Shovda and not in the office.", {"Shovda"}),
    ("Mehrudin shouted at the driver and the bus left without him.", {"Mehrudin"}),
])
def test_rare_names_found_in_person_positions(text: str, expected: set[str]) -> None:
    assert expected <= names(text)


@pytest.mark.parametrize("text", [
    "We wrote the parser in Haskell and the queue in Erlang, then moved the logs to Excel.",
    "The Turing test is not the only test of this kind, and the Library has the book.",
    "Shovda",  # a lone word: no sentence, no position, no reading
])
def test_words_and_bare_tokens_kept(text: str) -> None:
    assert not names(text)


def test_readers_take_rare_names_only_where_unknown() -> None:
    assert mid_names("but Mehrudin", ("en",)) == ["Mehrudin"]
    assert start_name("Shovda said", ("en",)) == "Shovda"
    assert mid_names("xqzv Mehrudin", ("en",)) == []  # the word before is no common word of the column's languages
