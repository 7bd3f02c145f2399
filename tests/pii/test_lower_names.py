"""Names in text written without capitals (``lower_names``): the name words are raised, the usual rules read
the text again, and the names come back in lower case. Everyday words, other languages and capitalised
text are left as they were."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii import spans
from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.initials import initial_surname
from mlsecure.privacy.pii.lower_names import lower_names, one_case, raised, recase
from mlsecure.privacy.pii.types import PiiType


def redact(*texts: str) -> list[str]:
    return list(transform_text(pl.Series("text", list(texts)), Method.REDACT, key=None).to_list())


@pytest.mark.parametrize(("text", "gone"), [
    ("follow up with benjamin a seiler in a couple of months.", "seiler"),
    ("follow up with monika kowalczyk in a couple of months.", "kowalczyk"),
    ("selma is from stillwater supercomputing inc.", "selma"),
])
def test_lower_case_names_are_redacted(text: str, gone: str) -> None:
    (out,) = redact(text)
    assert gone not in out and "[NAME]" in out


@pytest.mark.parametrize("text", [
    "i will go there in may with mark and rosa, then bill the client.",
    "we planted an olive tree by the river and the grace period ended.",
    "nagy a ház és a kert, egy szép nap volt",  # Hungarian: no dictionary here knows most of its words
    "my religion does not allow speaking to bots, they are evil",  # ``bots``: a listed given name, a plural
    "sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium.",
])
def test_lower_case_look_alikes_kept(text: str) -> None:
    assert redact(text) == [text]


def test_recase_raises_only_name_words_and_initials() -> None:
    assert recase("follow up with benjamin a seiler in a couple of months.") == (
        "follow up with Benjamin A Seiler in a couple of months.")
    assert recase("Follow up with benjamin seiler.") is None  # a capital: the usual rules read it as written
    assert recase("we met in may and will call mark.") is None  # everyday words only
    assert not raised("will") and not raised("may") and not raised("john") and not raised("israel")
    assert raised("seiler") and raised("selma") and not raised("Seiler")


def test_a_capitalised_name_does_not_make_its_lower_case_letters_a_name() -> None:
    out = redact("Please call Will Seiler today.", "i will send the file to the office.")
    assert out == ["Please call [NAME] today.", "i will send the file to the office."]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["anna", "seiler", "a", "met", "with", "the", "will", "may", "in", "office", ".",
                                 "selma", "kowalczyk", "and"]), max_size=14).map(" ".join))
def test_recase_changes_case_only(text: str) -> None:
    out = recase(text)
    if out is not None:
        assert out.lower() == text and len(out) == len(text) and out != text


# All capitals (``one_case``): headlines and shouting, read from their lower-case form, names taken back in capitals
@pytest.mark.parametrize(("text", "gone"), [
    ("CRICKET - LARA ENDURES ANOTHER MISERABLE DAY.", "LARA"),
    ("FOLLOW UP WITH BENJAMIN A SEILER IN A COUPLE OF MONTHS.", "SEILER"),
    ("FOLLOW UP WITH MONIKA KOWALCZYK IN A COUPLE OF MONTHS.", "KOWALCZYK"),
])
def test_all_capitals_names_are_redacted(text: str, gone: str) -> None:
    (out,) = redact(text)
    assert gone not in out and "[NAME]" in out
    kept = out.replace("[NAME]", "")
    assert kept == kept.upper()  # the rest keeps its capitals


@pytest.mark.parametrize("text", [
    "NASA AND THE USA SIGNED IT; THE CEO OF IBM AGREED.",
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.',
    "I WILL GO THERE IN MAY WITH MARK AND ROSA, THEN BILL THE CLIENT.",
    "NAGY A HÁZ ÉS A KERT, EGY SZÉP NAP VOLT",
    "WATCH OUT: THE GRACE PERIOD ENDS IN JUNE.",
])
def test_all_capitals_look_alikes_kept(text: str) -> None:
    assert redact(text) == [text]


def test_recase_reads_capitals_in_lower_case() -> None:
    assert recase("CRICKET - LARA ENDURES ANOTHER MISERABLE DAY.") == (
        "cricket - Lara endures another miserable day.")
    assert recase("FOLLOW UP WITH BENJAMIN A SEILER.") == "follow up with Benjamin A Seiler."
    assert recase("THE CEO WILL CALL.") is None  # everyday words only
    assert recase("Cricket - LARA endures") is None  # mixed case: the usual rules read it as written
    assert one_case("İSTANBUL LARA") is None  # ``İ`` grows in lower case: spans would not map back


def test_a_name_read_from_capitals_is_taken_back_in_capitals() -> None:
    assert list(lower_names({"Lara": PiiType.NAME, "Benjamin A Seiler": PiiType.NAME}, capitals=True)) == [
        "LARA", "BENJAMIN A SEILER"]
    assert list(lower_names({"Lara": PiiType.NAME})) == ["lara"]
    out = redact("CRICKET - LARA ENDURES ANOTHER MISERABLE DAY.", "the office is closed today.")
    assert out == ["CRICKET - [NAME] ENDURES ANOTHER MISERABLE DAY.", "the office is closed today."]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["ANNA", "SEILER", "A", "MET", "WITH", "THE", "WILL", "MAY", "IN", "OFFICE", ".",
                                 "SELMA", "KOWALCZYK", "AND", "NASA"]), max_size=14).map(" ".join))
def test_recase_of_capitals_changes_case_only(text: str) -> None:
    out = recase(text)
    if out is not None:
        assert out.upper() == text and len(out) == len(text) and any(c.isupper() for c in out)


def test_a_headline_line_in_capitals_above_its_story() -> None:
    text = "CRICKET - LARA ENDURES ANOTHER MISERABLE DAY.\nThe West Indies lost again in Melbourne."
    assert redact(text) == ["CRICKET - [NAME] ENDURES ANOTHER MISERABLE DAY.\nThe West Indies lost again in Melbourne."]


def test_capitals_in_a_large_column_take_the_batch_query() -> None:
    cells = ["CRICKET - LARA ENDURES ANOTHER MISERABLE DAY. | The West Indies lost again.", "ACTIVE",
             'THE SOFTWARE IS PROVIDED "AS IS"', *(f"order {i} shipped" for i in range(80))]
    out = redact(*cells)
    assert out[0] == "CRICKET - [NAME] ENDURES ANOTHER MISERABLE DAY. | The West Indies lost again."
    assert out[1:] == cells[1:]


# An initial and a listed surname (``initials``)
@pytest.mark.parametrize(("match", "person"), [
    (" S. Waugh", "S. Waugh"), ("(R. Healy", "R. Healy"), ("J. Gillespie", "J. Gillespie"), ("M.Taylor", "M.Taylor"),
    ("T Gillespie", "T Gillespie"),  # ``t`` is no word of a dictionary here
    ("A Stewart", None), ("I Healy", None),  # ``A``, ``I``: words, not initials, without a full stop
    ("S. Army", None), ("A. Love", None), ("U. States", None),  # everyday words, not listed surnames
    ("P. Zzyzxq", None),  # not in the lists
])
def test_initial_surname(match: str, person: str | None) -> None:
    assert initial_surname(match) == person


def test_initials_and_surnames_are_redacted_in_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # the initials rules alone: ``A Stewart`` is no initial and surname (the learned scorer, session 12, may still
    # take ``Stewart`` as the surname it is; that is its own test's business)
    monkeypatch.setattr(spans, "LEARNED_NAMES", False)
    assert redact("Guests: I. Healy, P. Zzyzxq", "the U.S. Army and A Stewart sandwich") == [
        "Guests: [NAME], P. Zzyzxq", "the U.S. Army and A Stewart sandwich"]
    # in a list of three whose other two are confirmed names, the unlisted one is taken too
    # (``genre_names.people_beside``)
    assert redact("Guests: I. Healy, P. Zzyzxq, J. Gillespie.") == ["Guests: [NAME], [NAME], [NAME]."]
    # under a team sheet's label every member is a person, listed or not (``results_tables.SQUAD``)
    assert redact("Did not bat: I. Healy, P. Zzyzxq, J. Gillespie.") == ["Did not bat: [NAME], [NAME], [NAME]."]
