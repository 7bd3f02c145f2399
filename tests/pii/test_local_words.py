"""Function words and countries of Finnish, Hungarian and Norwegian text are no names (``local_words``).

The families come from the dev half of issue 15's third corpus (``tests/pii/peers3``: Turku NER, NerKor, NorNE),
where words were taken from texts that name no one (``Sen``, ``Olen``, ``Suomen``, ``Tanskasta``); the sentences
here are written for the test, not copied from it."""

from __future__ import annotations

import pytest

from mlsecure.privacy.pii.frame import polars
from mlsecure.privacy.pii.local_words import country_names, is_local_country, local_person
from mlsecure.privacy.pii.spans import confirmed_strings
from mlsecure.privacy.pii.types import PiiType

FINNISH = "Hän oli myös ja kertoi, että"  # four Finnish function words: the column is Finnish
HUNGARIAN = "Nem tudom, hogy volt és egy"


def test_country_names_come_from_pycountrys_translations() -> None:
    assert {"suomi", "ruotsi", "tanska", "jordania"} <= country_names("fi")
    assert {"magyarország", "dánia"} <= country_names("hu")
    assert {"norge", "danmark"} <= country_names("no")
    # a name the language writes as English does is left to the gazetteer: Norwegian ``Jordan`` stays a person's
    assert "jordan" not in country_names("no")
    assert all(" " not in name for lang in ("fi", "hu", "no") for name in country_names(lang))


@pytest.mark.parametrize(
    ("word", "lang", "expected"),
    [
        ("Suomi", "fi", True),
        ("Suomen", "fi", True),  # genitive, -e- read back to -i
        ("Suomesta", "fi", True),
        ("Tanskasta", "fi", True),  # not ``Tanskanen``'s partitive
        ("Jordanian", "fi", True),  # Jordania's genitive
        ("Jordanin", "fi", False),  # Jordan's genitive: a person
        ("Virtasen", "fi", False),
        ("Magyarországon", "hu", True),
        ("Dániában", "hu", True),  # the lengthened vowel read back
        ("Petert", "hu", False),
        ("Norges", "no", True),
        ("Hitlers", "no", False),
        ("Suomen", "hu", False),  # the column's language decides
    ],
)
def test_a_country_in_its_own_language_declined_or_not(word: str, lang: str, expected: bool) -> None:
    assert is_local_country(word, lang) is expected


@pytest.mark.parametrize(
    ("name", "langs", "expected"),
    [
        ("Sen", ("fi",), None),
        ("Olen", ("fi",), None),
        ("Tai", ("fi",), None),
        ("tai sen", ("fi",), None),  # a run of function words
        ("Suomen", ("fi",), None),
        ("Miksi Carla", ("fi",), "Carla"),  # ``why Carla``: the rest of the run is kept
        ("Bár Cacau", ("hu",), "Bár Cacau"),  # ``although``, but ``Bár`` is also a common given name: kept whole
        ("Jo Tomkins", ("fi",), "Jo Tomkins"),  # ``jo`` (already) is left out: a given name
        ("Amartya Sen", ("fi",), "Amartya Sen"),  # a function word after the first word is a surname
        ("Sen", (), "Sen"),  # no declining language found: nothing is dropped
        ("Olen", ("hu",), "Olen"),
        ("Aki", ("hu",), None),
        ("Ingen", ("no",), None),
        ("Hans", ("no",), "Hans"),  # Norwegian ``his``, but a common given name there: kept
        ("Matti Virtanen", ("fi",), "Matti Virtanen"),
    ],
)
def test_function_words_and_countries_are_taken_off_a_name(
    name: str, langs: tuple[str, ...], expected: str | None
) -> None:
    assert local_person(name, langs) == expected


def _names(cells: list[str]) -> set[str]:
    return {v for v, t in confirmed_strings(polars().Series("t", cells)).items() if t is PiiType.NAME}


def test_a_finnish_column_keeps_its_countries_and_its_people() -> None:
    names = _names(
        [
            f"{FINNISH} tuonti Tanskasta kasvoi. Tai ainakin niin sanottiin.",
            f"{FINNISH} Amartya Sen sanoi niin.",
            f"{FINNISH} Matti Virtanen tuli, ja Virtasen auto jäi.",
        ]
    )
    assert "Tanskasta" not in names  # taken as ``Tanskanen`` before
    assert {"Amartya Sen", "Matti Virtanen", "Virtasen"} <= names


def test_a_hungarian_function_word_is_no_name_in_any_case() -> None:
    names = _names([f"{HUNGARIAN} autó. Magyarországon és Dániában is kapható.", f"{HUNGARIAN} Kovács Péter szerint."])
    assert "Kovács Péter" in names
    assert not names & {"Magyarországon", "Dániában", "volt", "Volt"}
