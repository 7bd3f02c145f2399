"""Names in text written without capitals (``lower_names``): the name words are raised, the usual rules read
the text again, and the names come back in lower case. Everyday words, other languages and capitalised
text are left as they were."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.lower_names import raised, recase


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
