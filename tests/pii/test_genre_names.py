"""Names that a genre's conventions point at (``genre_names``): citations, initials, reference lists, calls in
dialogue, ``X, who`` and ``X's wife``, the bench and case parties: known answers, the look-alikes that must stay
(months, tables, places, everyday words, abbreviations), and the redaction of a column. The names are made up or
common surnames; the shapes are those of the genres in ``tests/pii/peers4`` (GUM, CrossNER)."""

from __future__ import annotations

import re

import polars as pl
import pytest

from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.genre_names import (
    BENCH,
    CALLED,
    CASE,
    CITED,
    INITIALLED,
    OWNED,
    PEOPLE_LIST,
    POINTED,
    REFERENCE_LIST,
    TURN_END,
    TURN_START,
    bench_names,
    called_names,
    case_parties,
    cited_authors,
    initialled,
    owned,
    people_beside,
    pointed,
    referenced,
    turn_end,
    turn_start,
)

EN = ("en",)


def read(pattern: str, reader: object, text: str) -> list[str]:
    assert callable(reader)
    return [n for m in re.finditer(pattern, text) for n in reader(m.group(0), EN)]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "visual skills (Kowalczyk, Polat, Scalzo, & Bavelier, 2010); objects",
            ["Kowalczyk", "Polat", "Scalzo", "Bavelier"],
        ),
        ("(Dye & Bavelier, 2010; Feng, Spence, & Pratt, 2007)", ["Bavelier", "Feng", "Spence", "Pratt"]),
        (
            "a museum visit (Filippini Fantoni et al., 2013; Heidenreich & Turano 2011)",
            ["Filippini Fantoni", "Heidenreich", "Turano"],
        ),
        ("the map, adapted from Palmeri and Gazio (1995), shows", ["Palmeri", "Gazio"]),
        ("members of Sapir’s (1971) group", ["Sapir"]),
        ("Image: Tetreault et al, 2013", ["Tetreault"]),
        ("in 1939 Hastings, pp. 336 and 392", ["Hastings"]),
    ],
)
def test_cited_authors(text: str, names: list[str]) -> None:
    assert read(CITED, cited_authors, text) == names


@pytest.mark.parametrize(
    "text",
    [
        "the Soma cube (Sep 1958), the game (Dec 1959)",  # months
        "as shown (Table 2, 2010) and (Figure 4, 2011)",  # everyday words
        "population figures (Senegal, 2007)",  # a country
    ],
)
def test_citation_look_alikes_stay(text: str) -> None:
    assert read(CITED, cited_authors, text) == []


def test_initials_before_a_surname_and_reference_lists() -> None:
    text = "effort by G. A. Miller, C. D. Fellbaum and J. R. R. Tolkien. The U.S. Army and D.C. Comics agreed."
    assert read(INITIALLED, initialled, text) == ["G. A. Miller", "C. D. Fellbaum", "J. R. R. Tolkien"]
    refs = "media .Kara S, Spickermann D, Weckbecker A, Leggewie C (2014) Bioreductions"
    assert read(REFERENCE_LIST, referenced, refs) == ["Kara S", "Spickermann D", "Weckbecker A", "Leggewie C"]
    assert read(REFERENCE_LIST, referenced, "Vitamin D, Omega A") == []  # two items are no list


def test_calls_in_dialogue() -> None:
    assert read(CALLED, called_names, "“Robert,” my mom says, irritated.") == ["Robert"]
    assert read(CALLED, called_names, "“Daniels! Peterson! Rye ...” a voice called") == ["Daniels", "Peterson", "Rye"]
    assert read(CALLED, called_names, "“Help!” she cried. “Amazing,” he said.") == []
    assert read(TURN_START, turn_start, "Okay.\nKendra, just let it go.") == ["Kendra"]
    assert read(TURN_START, turn_start, "Well, no. Paris, the capital, is big.") == []  # a word, a place
    assert read(TURN_END, turn_end, "That's low, Jennifer. Go.") == ["Jennifer"]
    assert read(TURN_END, turn_end, "We flew on, to Paris. Then home.") == []


@pytest.mark.parametrize(
    ("pattern", "reader", "text", "names"),
    [
        (POINTED, pointed, "it was edited by Graindor Mabuse, who also wrote", ["Graindor Mabuse"]),
        (POINTED, pointed, "In 1997 Thrunberg and his colleagues developed", ["Thrunberg"]),
        (POINTED, pointed, "Former House Speaker Newt Gingrich and his wife", ["Newt Gingrich"]),
        (POINTED, pointed, "The company and its staff", []),
        (OWNED, owned, "Goldberg's breakthrough came in 1985", ["Goldberg"]),
        (OWNED, owned, "Apple's products and Canada's wife", []),  # no person's noun; a country
        (
            BENCH,
            bench_names,
            "BURGER, C.J., and DOUGLAS, BRENNAN, and POWELL, JJ., joined",
            ["BURGER", "DOUGLAS", "BRENNAN", "POWELL"],
        ),
        (CASE, case_parties, "in Lynch v. Overholser and Texas v. Bruckner", ["Lynch", "Overholser", "Bruckner"]),
    ],
)
def test_person_frames(pattern: str, reader: object, text: str, names: list[str]) -> None:
    assert read(pattern, reader, text) == names


def test_a_list_that_names_people_gives_its_other_items() -> None:
    def beside(text: str, known: list[str]) -> set[str]:
        return people_beside([m.group(0) for m in re.finditer(PEOPLE_LIST, text)], known, EN)

    text = "writers Mark Twain, Robert Louis Stevenson, Morris and Goscinny, and Neil Gaiman."
    assert beside(text, ["Mark Twain", "Robert Louis Stevenson", "Neil Gaiman"]) == {"Morris", "Goscinny"}
    # the sentence's first word before the first item; initials before a surname no list holds
    text = "With Sepp Hochreiter, Y. Bengio, P. Frasconi, and Jürgen Schmidhuber."
    assert beside(text, ["Sepp Hochreiter", "Jürgen Schmidhuber"]) == {"Y. Bengio", "P. Frasconi"}
    # one name in full is not enough; single-word "names" (a planet misread) are no evidence
    assert beside("Mark Twain, Morris, Goscinny and Smithers", ["Mark Twain"]) == set()
    assert beside("Mercury, Venus, Mars and Jupiter", ["Mars", "Jupiter"]) == set()
    # an everyday word in the list stays (a company's name is taken: ``Microsoft`` here, a known cost)
    assert "Water" not in beside("Bill Gates, Steve Jobs, Microsoft and Water", ["Bill Gates", "Steve Jobs"])


def test_a_column_is_redacted_where_the_genre_points() -> None:
    texts = pl.Series(
        "t",
        [
            "Video games help (Kowalczyk & Bavelier, 2010).",
            "“Robert,” my mom says. Kendra, just let it go.",
            "Samuels v. Mackell was cited by BLACKMUN, J., in full.",
            "Results for Table 2 (2010) and the U.S. Army.",
        ],
    )
    out = transform_text(texts, Method.REDACT, key=None).to_list()
    for name in ("Kowalczyk", "Bavelier", "Robert", "Kendra", "Samuels", "Mackell", "BLACKMUN"):
        assert all(name not in t for t in out), name
    assert out[3] == texts[3]
