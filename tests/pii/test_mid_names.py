"""Names in social text that no frame announces (``mid_names``): one listed name word capitalised inside a sentence
(``allow Dempsey to sit``), a full name written in lower case (``emma watson``), a found name written again in lower
case elsewhere in the column (``justin bieber``); months, towns' prepositions, everyday and chat words stay."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.mid_names import (
    english_names,
    lower_forms,
    lower_full_name,
    lower_full_name_pattern,
    mid_sentence_name,
    mostly_english,
)
from mlsecure.privacy.pii.social_names import CHAT_WORDS, SOCIAL_SLOTS, caps_name, everyday
from mlsecure.privacy.pii.spans import _compiled


def redact(*texts: str) -> list[str]:
    return list(transform_text(pl.Series("text", list(texts)), Method.REDACT, key=None).to_list())


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        (" allow Dempsey to", ["Dempsey"]),
        (" especially Dunn rolling", ["Dunn"]),
        (" s Dempsey again", ["Dempsey"]),
        (" the Easter bunny", []),  # after a determiner: a thing
        (" at Fulham", []),  # after a preposition of place: a town, a club
        (" by Feb", []),  # a month
        (" like Polish girls", []),  # an everyday word of the language (a nationality)
        (" met Gary Cahill", []),  # a run of two: ``name_windows`` reads it
        ("Dempsey again", []),  # no lower-case word before it: a sentence's first word
        (" about Haha", []),  # a chat word the lists hold as a name
    ],
)
def test_mid_sentence_name(run: str, expected: list[str]) -> None:
    assert mid_sentence_name(run) == expected


def test_lower_full_name_reads_a_given_name_and_a_surname() -> None:
    pattern = _compiled(lower_full_name_pattern())
    text = "Love how bad emma watson is at acting in the first film"
    matches = [m.group(0) for m in pattern.finditer(text)]
    assert [n for m in matches for n in lower_full_name(m)] == ["emma watson"]
    assert lower_full_name("emma said") == []  # ``said``: an everyday word, no surname
    assert lower_full_name("kata kau") == []  # listed names, but words English posts do not use as names


def test_lower_forms_of_found_names() -> None:
    cells = ["I met Justin Bieber today", "omg justin bieber is here", "justine came too", "mark my words, london"]
    names = ["Justin Bieber", "Mark", "London", "Justin"]
    assert lower_forms(cells, names) == ["justin bieber"]  # not ``mark`` (everyday), ``london`` (no given name)
    assert lower_forms(pl.Series("t", cells), names) == ["justin bieber"]  # the column's query says the same


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(w for w in everyday("en") if re.fullmatch(r"[a-z]{3,}", w))))
def test_no_everyday_word_is_taken_in_lower_case(word: str) -> None:
    """A found name that is also one of the language's everyday words (``Will``, ``Grace``) is never taken again in
    lower case: ``will`` and ``grace`` stay wherever the column writes them."""
    cells = [f"I told {word.title()} about it", f"and then {word} was there"]
    assert lower_forms(cells, [word.title()]) == []


@pytest.mark.parametrize("word", sorted(CHAT_WORDS))
def test_no_chat_word_is_taken_mid_sentence(word: str) -> None:
    assert mid_sentence_name(f" so {word.title()} again") == []


def test_unframed_names_are_redacted_and_ordinary_words_kept() -> None:
    out = redact(
        "Love how bad emma watson is at acting in the first potter film",
        "I knew it would be a bad idea to allow Coulter to sit in the stands",
        "omg Justin Bieber is in town",
        "i just want justin bieber to follow me",
        "We went to the Easter market in Hull on Feb 3 and bought polish",
    )
    assert "emma watson" not in out[0]
    assert "Coulter" not in out[1]
    assert "justin bieber" not in out[3]
    assert out[4] == "We went to the Easter market in Hull on Feb 3 and bought polish"


@pytest.mark.parametrize(
    ("match", "expected"),
    [
        ("y TALK KIRK", ["KIRK"]),  # a common given name alone in a run of capitals
        ("x HAPPY BIRTHDAY JUSTIN", ["JUSTIN"]),
        ("y BRENDA LEE", ["BRENDA LEE"]),  # a given name and a surname: the pair, not its parts
        ("y I LOVE YOU SO MUCH", []),
        ("y SEE YOU IN JUNE", []),  # a month, a given name too
        ("y GO HARD OR GO HOME", []),
    ],
)
def test_a_given_name_alone_in_capitals(match: str, expected: list[str]) -> None:
    assert caps_name(match) == expected


def framed(text: str) -> list[str]:
    """The names the social frames alone read in ``text`` (Python's ``re``, as a handful of cells are read)."""
    matches = [(m.group(0), read) for pattern, read in SOCIAL_SLOTS for m in _compiled(pattern).finditer(text)]
    return [name for match, read in matches for name in read(match)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Goodnight all !! see you tomorrow :) Michael I love you more than my life", "Michael"),  # after a smiley
        ("we miss you 😂 Kendrick you were the best", "Kendrick"),  # after an emoji
        ("But we will never leave you, Michael. All our love forever.", "Michael"),  # the one addressed
        ("I will always remember you, Kate, and your songs", "Kate"),
    ],
)
def test_frames_after_an_emoticon_and_after_you(text: str, name: str) -> None:
    assert name in framed(text)


@pytest.mark.parametrize("text", ["I told you, cus it matters.", "see you, Tuesday!", "we adore you, London!"])
def test_after_you_a_chat_word_a_day_or_a_town_is_no_name(text: str) -> None:
    assert framed(text) == []


def test_a_word_the_column_writes_mostly_in_lower_case_is_a_word_of_it() -> None:
    """Lorem ipsum's ``Dolores`` at a sentence's start is no reason to take ``dolores`` from its other sentences."""
    cells = ["Dolores sit amet, dolores magna.", "Ut dolores eius dolores est.", "Dolores quia velit."]
    assert lower_forms(cells, ["Dolores"]) == []  # 4 times in lower case, twice capitalised (and a town)
    kenny = ["Kenny sit amet", "Kenny and Kenny again", "ut kenny est"]
    assert lower_forms(kenny, ["Kenny"]) == ["kenny"]  # once in lower case, three times capitalised
    assert lower_forms([*kenny, "a kenny b", "c kenny d", "e kenny f"], ["Kenny"]) == []  # four times in lower case


def test_mid_sentence_names_are_taken_only_in_a_column_of_english() -> None:
    english = redact("it was Dempsey again for the team and the fans", "I think the game was good")
    finnish = redact("ja sitten Dempsey taas oli hyvä", "se on niin kuin se on ja ei mitään")
    assert "Dempsey" not in english[0]
    assert "Dempsey" in finnish[0]


def test_a_column_is_english_where_its_function_words_are_mostly_english() -> None:
    assert mostly_english(["the", "and", "is", "you"])
    assert not mostly_english(["is", "was", "van", "een", "het", "niet", "zijn"])  # Dutch uses ``is``, ``was`` too
    assert not mostly_english(["the"])  # one function word is no evidence


def test_a_noun_of_another_language_in_the_column_is_no_name() -> None:
    """``im Haus`` in a German sentence of an English column: German capitalises its nouns, and German subtitles
    count ``haus`` more often than English ones."""
    assert english_names(["Haus", "Dempsey"], ["the", "is", "and", "not", "with", "der", "und"], ("en", "de")) == [
        "Dempsey"
    ]
    assert english_names(["Dempsey"], ["der", "und", "die", "nicht", "the"], ("en", "de")) == []  # mostly German


def test_a_place_taken_for_a_name_is_not_taken_again_in_lower_case() -> None:
    cells = ["We flew to South Africa", "belfast, south africa.", "South Africa again", "paris hilton", "Paris Hilton"]
    assert lower_forms(cells, ["South Africa", "Paris Hilton"]) == ["paris hilton"]
