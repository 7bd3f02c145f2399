"""Months, pronouns, countries and datelines of French, German, Dutch and Spanish text are no names
(``column_words``; the families read off the dev half of ``tests/pii/peers3``, benchmarks/pii.md 0z18)."""

from __future__ import annotations

import polars as pl
import pytest

from mlsecure.privacy.pii.column_words import dateline_places, main_languages, western_changes, western_person
from mlsecure.privacy.pii.spans import confirmed_strings
from mlsecure.privacy.pii.types import PiiType

GERMAN = ("der", "die", "und", "das", "ist", "nicht", "mit", "ein")
FRENCH = ("le", "les", "et", "est", "des", "une", "pas", "que")


@pytest.mark.parametrize(
    ("name", "langs", "kept"),
    [
        ("Mai", ("de",), None),  # a month (a listed given name, rank 90)
        ("Junij", ("nl",), None),  # the month in 19th-century Dutch spelling
        ("Dingsdag", ("nl",), None),
        ("Dito", ("nl",), None),  # the stock lists' ditto
        ("Ce", ("fr",), None),
        ("Man", ("de",), None),
        ("Schweiz", ("de",), None),  # a country in the column's language
        ("Irlande", ("fr",), None),  # a listed given name, but far below the top ones
        ("Mauricio", ("es",), "Mauricio"),  # Spanish for Mauritius, and a top given name: a person
        ("Guadalupe", ("es",), "Guadalupe"),  # Spanish for Guadeloupe
        ("Dominique", ("fr",), "Dominique"),  # French for Dominica
        ("Nur Schulze", ("de",), "Nur Schulze"),  # ``Nur`` is a common given name: kept whole
        ("Dieser Schritt", ("de",), None),  # a noun phrase after a German determiner
        ("Nun Schulze", ("de",), "Schulze"),
        ("Da Pozzo", ("de",), "Da Pozzo"),  # a particle opening a surname is no pronoun here
        ("Hans Castorp", ("de",), "Hans Castorp"),
        ("April", ("fr",), "April"),  # no French month: another language's word is left to the other rules
        ("Mai", ("en",), "Mai"),  # English is not read here
        ("Julio", ("es",), "Julio"),  # Spanish writes its months in lower case: a capitalised one is a name
        ("Domingo Cavallo", ("es",), "Domingo Cavallo"),  # and its weekdays
    ],
)
def test_western_person(name: str, langs: tuple[str, ...], kept: str | None) -> None:
    assert western_person(name, langs) == kept


def test_main_languages_are_the_most_written() -> None:
    # a German newspaper column also writes French ``le``, ``et``: German alone is read
    assert main_languages((*GERMAN, "le", "et", "que")) == ("de",)
    assert main_languages(("the", "and", "of", "is", "der", "die")) == ()  # English leads
    assert main_languages(("der",)) == ()  # too few words to tell


def test_dateline_place_but_not_after_a_title() -> None:
    cells = ["Paris, 22 avril. Les ouvriers sont en grève.", "Lyon, 3. mai. M. Lyon combat la taxe.", "Marie, 3 ans."]
    assert dateline_places(cells, ["Paris", "Lyon", "Marie"]) == {"Paris"}
    assert dateline_places(pl.Series("t", cells), ["Paris", "Lyon", "Marie"]) == {"Paris"}


def test_western_changes_reads_the_column() -> None:
    cells = ["Paris, 22 avril. Le conseil est réuni et les députés sont là."]
    assert western_changes(["Paris", "Ce", "Jean Jaurès"], FRENCH, cells) == {"Paris": None, "Ce": None}
    assert western_changes(["Paris", "Ce"], ("the", "and", "of"), cells) == {}


def test_a_german_market_report_keeps_its_months_and_its_person() -> None:
    texts = [
        "Weizen Mai 226,75, Juli 228,00. Roggen Mai 175,75. Man sagt, die Preise sind nicht fest und das ist gut.",
        "Der Händler Johann Etzmannsdorfer ist mit dem Ergebnis nicht zufrieden, sagt er.",
    ]
    found = {v for v, t in confirmed_strings(pl.Series("t", texts)).items() if t is PiiType.NAME}
    assert not found & {"Mai", "Juli", "Man"}
    assert any("Etzmannsdorfer" in v for v in found)
