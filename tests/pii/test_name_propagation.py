"""A full name's parts used alone in the same text (``name_parts.spread``) and an unknown word beside a
confirmed name (``name_parts.extend``): known answers with look-alikes that must stay, and properties."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.name_parts import _alone, extend, parts, spread

EN = ("en",)


def redact(*texts: str) -> list[str]:
    return list(transform_text(pl.Series("text", list(texts)), Method.REDACT, key=None).to_list())


@pytest.mark.parametrize(("text", "gone"), [
    # the part alone later in the same text, and its possessive
    ("The film was directed by Philip Latourelle in Lyon. Critics loved it and Latourelle won a prize.",
     "Latourelle"),
    ("Please call Anna Wiśniewska about the invoice. Wiśniewska's office is on the third floor.", "Wiśniewska"),
    ("Dr. Henrik Aaltonen joined the team in March. Since then Aaltonen has led the audit.", "Aaltonen"),
])
def test_part_alone_after_full_name_is_redacted(text: str, gone: str) -> None:
    (out,) = redact(text)
    assert gone not in out
    assert "[NAME]" in out


@pytest.mark.parametrize(("text", "kept"), [
    # a listed name that is an everyday word stays a word elsewhere in the text
    ("Please call May Okonkwo today. The review is due in May.", "May"),
    ("Please call Will Okonkwo today. Will you send the file?", "Will"),
    ("Please call Grace Okonkwo today. Grace period ends soon.", "Grace"),
])
def test_everyday_words_are_not_spread(text: str, kept: str) -> None:
    (out,) = redact(text)
    assert out.count(kept) == 1  # the name's own occurrence is gone, the word's is not


def test_parts_keep_dictionary_words_titles_and_places() -> None:
    assert parts("Auto Buch", ("de",)) == []  # German nouns, listed as no name
    assert parts("Magellan Health", EN) == []  # ``Health``: an organisation word, no person
    assert parts("Dr. Latourelle", EN) == []  # a title and one word: no full name
    assert parts("Jan Kowalski", EN) == ["Jan", "Kowalski"]
    assert parts("Anna Smith", EN) == ["Anna", "Smith"]  # ``smith``: past the 10,000 commonest English words
    assert parts("May Brown", EN) == []  # both among the commonest English words
    assert parts("Klettern Freund", ()) == []  # no dictionary: only a run opening with a given name
    assert parts("Angela Carder", EN) == ["Angela", "Carder"]  # ``carder``: at the subtitle list's floor count
    assert parts("Ed Magedson", EN) == ["Magedson"]  # a two-letter given name still makes a full name
    assert parts("Joaquin de la Pazuela", EN) == ["Joaquin", "Pazuela"]  # particles are no evidence against
    assert parts("D. Fleming", EN) == ["Fleming"]  # initials and a listed surname
    assert parts("U.S. Steel", EN) == [] and parts("J. Crew", EN) == []  # no listed name after the initial
    assert parts("Line Separator", EN) == []  # ``separator``: a word the list counts, no name list holds


def test_spread_needs_the_full_name_in_the_same_text() -> None:
    texts = ["Anna Nowak opened the ticket.", "Nowak closed it on Friday."]
    assert spread(texts, ["Anna Nowak"], EN) == set()  # a part in another text is no evidence
    assert spread([texts[0] + " " + texts[1]], ["Anna Nowak"], EN) == {"Nowak"}


def test_spread_not_when_more_texts_use_the_word_without_the_person() -> None:
    texts = ["Haskell Curry studied logic, and Haskell is named after him.",
             "Haskell compiles to native code.", "We rewrote the parser in Haskell last year."]
    assert spread(texts, ["Haskell Curry"], EN) == set()  # a programming language, 2 texts to 1
    assert spread([*texts[:2], "Curry's logic was new."], ["Haskell Curry"], EN) == {"Haskell"}


def test_spread_takes_a_part_written_in_capitals_in_the_same_text() -> None:
    """A headline above the story names the person by a capitalised surname (``HARRISON`` after ``Kenny
    Harrison``); the capitals form follows the same rules as the word as written."""
    story = "ATHLETICS - HARRISON WINS IN ZURICH.\nKenny Harrison won the triple jump on Wednesday."
    assert spread([story], ["Kenny Harrison"], EN) == {"HARRISON"}
    assert spread(["HARRISON WINS IN ZURICH."], ["Kenny Harrison"], EN) == set()  # no full name in that text
    # an everyday word stays a word in capitals too (``MAY`` of ``May Okonkwo``: no part at all)
    assert spread(["SALES UP IN MAY.\nMay Okonkwo reported it."], ["May Okonkwo"], EN) == set()
    assert spread(["HARRISONVILLE NEWS.\nKenny Harrison spoke."], ["Kenny Harrison"], EN) == set()  # whole words
    (out,) = redact(story)
    assert "HARRISON" not in out and "Harrison" not in out and "ZURICH" in out


def test_spread_whole_words_only() -> None:
    text = "Jan Kowalskiego and Jan Kowalski met. Kowalskiego left."
    assert spread([text], ["Jan Kowalski"], EN) == set()  # ``Kowalski`` alone only inside a longer word


@pytest.mark.parametrize(("run", "names", "expected"), [
    (" Dzhambek Ivanov said", {"Ivanov"}, {"Dzhambek Ivanov"}),
    (" met Anna Wojciechowska-Krausówna", {"Anna"}, {"Anna Wojciechowska-Krausówna"}),
    (" Monday Ivanov", {"Ivanov"}, set()),  # a dictionary word
    (" Armenomonastiro Cyprus", {"Cyprus"}, set()),  # a country, and a town beside it
    (" Piermark Drive Ivanov Points", {"Ivanov"}, set()),  # a street's words
    (" Dzhambek Ivanov", set(), set()),
])
def test_extend(run: str, names: set[str], expected: set[str]) -> None:
    assert extend([run], names, EN) == expected


def test_extend_needs_a_language() -> None:
    assert extend([" Dzhambek Ivanov said"], {"Ivanov"}, ()) == set()


_WORDS = ["Anna", "Nowak", "Jan", "Kowalski", "Kowalskiego", "Haskell", "Curry", "the", "met", "and", "'s", "."]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join), min_size=1, max_size=8))
def test_spread_python_and_polars_agree(texts: list[str]) -> None:
    names = ["Anna Nowak", "Jan Kowalski", "Haskell Curry"]
    found = spread(texts, names, EN)
    assert found == spread(pl.Series("t", texts), names, EN)
    for part in found:  # each spread word is a part of a name that some text holds beside it, alone
        assert any(part in parts(n, EN) and n in t and t.replace(n, "").count(part) for n in names for t in texts)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Kowalski", "Kowalskiego", "x", "_", "1", " ", "'s", "é", "Jan Kowalski", "."]),
                max_size=8).map("".join))
def test_alone_is_the_whole_word_pattern(text: str) -> None:
    """``_alone``'s ``str.find`` scan answers as the letter-fenced pattern does, outside the full names."""
    fulls = ["Jan Kowalski"] if "Jan Kowalski" in text else []
    expected = re.search(r"(?<![^\W_])Kowalski(?![^\W_])", text.replace("Jan Kowalski", "\x00")) is not None
    assert _alone("Kowalski", text, fulls) == expected
