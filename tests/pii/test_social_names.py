"""Names in social-media text (``social_names``): the frames posts put a person in (thanks and greetings, a reply's
first word after its handles, a speaker's label, a possessive, ``X and I``, a name in capitals, a subject before
its verb) take the name; chat words, everyday words, products, towns and labels in the same frames stay."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.social_names import (
    CHAT_WORDS,
    SOCIAL_SLOTS,
    everyday,
    name_word,
    subject_word,
)
from mlsecure.privacy.pii.spans import _compiled


def redact(*texts: str) -> list[str]:
    return list(transform_text(pl.Series("text", list(texts)), Method.REDACT, key=None).to_list())


def framed(text: str) -> list[str]:
    """The names the social frames alone read in ``text`` (Python's ``re``, as a handful of cells are read)."""
    matches = [(m.group(0), read) for pattern, read in SOCIAL_SLOTS for m in _compiled(pattern).finditer(text)]
    return [name for match, read in matches for name in read(match)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("@karen_j12 thx hanna :)", "hanna"),  # lower case after a thanks, behind a reply handle
        ("Happy birthday Justin! have a great one", "Justin"),
        ("congrats george! well deserved", "george"),
        ("@JessLakey Jess, will you pack the sandwiches?", "Jess"),  # a reply's first word
        ("Kelsey you should dye your hair again", "Kelsey"),
        ("RT @bwecht: Rachel: Audrey, I love you.", "Rachel"),  # a speaker's label after a retweet's prefix
        ("We have so much time and so little to do. -Roald Dahl", "Roald Dahl"),  # a quotation's author
        ("Of course it would be a cross. Djourou's defending there.", None),  # no list holds Djourou: kept
        ("Paul ' s house is better", "Paul"),  # the possessive split from its word, as WNUT writes it
        ("Jess and I are cooooool. #bot", "Jess"),
        ("i was thinking about me and pete at the match", "pete"),
        ("Yay my brother Reno is home today", "Reno"),
        ("listening to Time is not Enough - BRENDA LEE ♫", "BRENDA LEE"),
        ("Stunning goal, I think Giroud scored twice", "Giroud"),
        ("Ending the show with Herbie & Freddie!", "Freddie"),  # two names joined by ``&``
        ("@ladytube @MistressStan Moran 🙈", "Moran"),  # a post that is a name and its handles and marks
    ],
)
def test_names_in_social_frames_are_redacted(text: str, name: str | None) -> None:
    (out,) = redact(text)
    if name is None:
        assert "Djourou" in out
        return
    assert re.search(rf"(?<!\w){re.escape(name)}(?!\w)", out) is None, out
    assert "[NAME]" in out


@pytest.mark.parametrize(
    "text",
    [
        "Haha I can't take it anymore",  # ``Haha``: a listed given name (571st), a chat word
        "Idk I'm sleeping @TheNick",
        "Love you bro! great person",
        "EDIT: guess who is already at -2 in 5 minutes.",  # a label in capitals
        "Revealed: the London club where the princes party",  # an everyday word as a label
        "Python's standard library is large",  # a surname far down the lists that is a word: a product
        "St. Luke's emergency department wait time is 12 minutes.",
        "Went to burger king with the parents, London.",  # a town closing a post
        "Will you go to the game tonight?",
        "Salt and Pepper for the table",  # a pair of words no list holds as given names
        "Paris 😍 #travel",  # a post that is a town
        "the lead booker's name will be printed on the tickets",  # a possessive in lower case
    ],
)
def test_look_alikes_in_social_frames_are_kept(text: str) -> None:
    assert framed(text) == []
    assert redact(text) == [text]


def test_a_name_found_in_one_post_goes_from_every_post_of_the_column() -> None:
    out = redact("@sam_w Jess, will you bring the cake?", "Jess was late again lol", "the jest was poor")
    assert out[1].startswith("[NAME]") and out[2] == "the jest was poor"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Sarah", True),
        ("Nadal", True),  # a surname no dictionary counts
        ("hanna", True),  # lower case: ``lower_names.raised``
        ("Grace", False),  # one of the 3,000 commonest English words
        ("Haha", False),  # chat
        ("Jordan", False),  # a country
        ("Python", False),  # a surname past rank 1,000 that the dictionaries count: a product
        ("McDonald", False),  # inner capitals
        ("Ed", False),  # under three letters
    ],
)
def test_name_word(word: str, expected: bool) -> None:
    assert name_word(word) is expected


def test_possessive_after_a_determiner_or_a_saint_is_no_person() -> None:
    assert framed("Paul's house is better") == ["Paul"]
    assert framed("the Paul's rights under this deed") == []  # a role or a defined term, not a person
    assert framed("St Paul's cathedral") == []


def test_a_label_in_lower_case_is_no_speaker() -> None:
    assert framed("nino: PR 123612C") == []  # Presidio's UK_NINO test strings: ``nino`` is also a listed name
    assert framed("Rachel: Audrey, I love you") == ["Rachel"]


def test_subject_word_reads_a_lone_word_before_its_verb() -> None:
    assert subject_word(" Giroud scored") == ["Giroud"]
    assert subject_word(" allow Giroud to") == []  # ``to`` is no verb
    assert subject_word(" the Python said") == []
    assert subject_word(" Giroud Olivier scored") == []  # a run of two words is ``name_windows``' to read


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(everyday("en") | CHAT_WORDS)), st.sampled_from(["title", "lower", "upper"]))
def test_no_everyday_or_chat_word_is_a_name_in_any_frame(word: str, case: str) -> None:
    """Every frame refuses a word among the 3,000 commonest of English or a chat word, in any case."""
    written = {"title": word.title(), "lower": word.lower(), "upper": word.upper()}[case]
    posts = [
        f"thanks {written}!",
        f"@someone {written}, will you come?",
        f"{written}: hello there",
        f"quote of the day - {written}",
        f"{written}'s new look",
        f"{written} and I went out",
        f"my friend {written} is here",
        f"going out, {written}.",
    ]
    assert [name for post in posts for name in framed(post)] == []


def test_a_role_noun_of_the_column_is_not_taken_by_the_social_frames() -> None:
    """``the Parent`` elsewhere in the column makes ``Parent's consent`` / ``Parent will`` / ``If to Parent:`` a
    contract's role noun; without the determiner the same frames still take a listed name (``Sarah``)."""
    contract = [
        "The obligations of the Parent under this Agreement are absolute.",
        "Parent's consent shall not be withheld. Parent will cause Merger Sub to perform.",
        "If to Parent: 100 Main Street",
    ]
    assert "Parent" in " ".join(framed(contract[1]) + framed(contract[2]))  # the frames alone do read it
    out = redact(*contract)
    assert all("Parent" in cell for cell in out), out
    posts = ["Sarah's cake was amazing", "Sarah will be there tonight"]
    assert not any("Sarah" in cell for cell in redact(*posts))
