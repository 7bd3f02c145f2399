"""Names announced by other languages' honorifics, titles and reporting verbs (``locale_frames``), and confirmed
names with a case ending (``name_endings``). The sentences are the shapes of the third peer corpus
(``tests/pii/peers3``: Europeana's French, German and Dutch newspapers, NorNE, Turku NER, NerKor), written anew."""

from __future__ import annotations

import re

import pytest

from mlsecure.privacy.pii.locale_frames import INITIAL_RUN, LOCALE_SLOTS, initial_name
from mlsecure.privacy.pii.name_endings import inflected
from mlsecure.privacy.pii.text_mode import scan_texts
from mlsecure.privacy.pii.types import PiiType


def _read(text: str) -> list[str]:
    return sorted({p for pattern, read in LOCALE_SLOTS for m in re.finditer(pattern, text) for p in read(m.group(0))})


def _names(text: str) -> list[str]:
    (found,) = scan_texts([text])
    return [text[s.start : s.end] for s in found if s.pii_type is PiiType.NAME]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("conduit devant M. Fagard, commissaire du quartier.", ["Fagard"]),
        ("la confiance des électeurs envers MM. Limon et Meunier.", ["Limon", "Meunier"]),
        ("gesprochen hat Herrn Forst über die Reise.", ["Forst"]),
        (
            "voorgesteld door de heeren Thorbecke, Wintgens, ter Brugghen en Heemskerk:",
            ["Heemskerk", "Thorbecke", "Wintgens", "ter Brugghen"],
        ),
        ("Het woord was aan de heer van der Linde.", ["Linde", "van der Linde"]),
        ("Haluan kiittää esittelijä Jarzembowskia työstä.", ["Jarzembowskia"]),
        ("« Vi er glade », seier Ekre.", ["Ekre"]),
        ("Det er uetisk, sier Steinnes.", ["Steinnes"]),
        ('"Niet waar", aldus Van Diepenbeek.', ["Diepenbeek", "Van Diepenbeek"]),
        ("las amenazas no afectan, dijo Díez Canseco.", ["Canseco", "Díez Canseco"]),
        ("Meg fogják ölni Rjunoszuke urat?", ["Rjunoszuke"]),
        ("Áh, Green ezredes!", ["Green"]),
        ("Mme Calvet, artiste lyrique, qui chantait", ["Calvet"]),
        ("C. M. Donders geb. van Dooremaal, z.", ["Donders", "Dooremaal", "van Dooremaal"]),  # ``M.``: an initial here
    ],
)
def test_frames_read_the_person(text: str, names: list[str]) -> None:
    assert _read(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "The General Motors plant stood idle.",  # ``general`` only in lower case
        "in Hong Kong Disneyland today",  # ``kong`` only in lower case
        "Call Me Maybe was a hit.",  # ``Me`` is no honorific here
        "Wed. March 5 at noon",  # ``Wed.`` is Wednesday, not ``weduwe``
        "Le ministre des Finances a parlé.",  # a lower-case word ends the slot
        "Der Präsident der Republik, sagte Der Spiegel.",  # function words are no names
        "le président de la République",
    ],
)
def test_frames_read_no_person(text: str) -> None:
    assert _read(text) == []


def test_a_surname_named_once_by_title_is_redacted_where_it_stands_alone() -> None:
    text = "bei Herrn Johann Etzmannsdorser bekanntzugeben. Etzmannsdorser kam nicht."
    names = _names(text)
    assert "Etzmannsdorser" in " ".join(names) and names.count("Etzmannsdorser") >= 1


@pytest.mark.parametrize(
    ("words", "names", "expected"),
    [
        (["Obaman", "Obamaa", "Turun"], ["Barack Obama"], {"Obaman", "Obamaa"}),  # Turku is no confirmed name
        (["Évát", "Évához", "Évike"], ["Éva Kovács"], {"Évát", "Évához"}),  # ``a`` lengthened; ``-ike`` is no case
        (["Peterrel", "Peteral", "Ottel"], ["Peter", "Ott"], {"Peterrel"}),  # ``-val`` doubles a final consonant
        (["Bertelsens", "Bertelsen"], ["Bertelsen"], {"Bertelsens"}),  # the name itself is no inflected form
        (["Romania", "Romanin"], ["Roman"], {"Romanin"}),  # the partitive ``-ia`` is not read
        (["Bergen"], ["Berg"], set()),  # a city's name
        (["Anna"], ["An"], set()),  # stems of three letters or more
    ],
)
def test_inflected_forms_of_confirmed_names(words: list[str], names: list[str], expected: set[str]) -> None:
    assert inflected(words, names) == expected


def test_a_declined_form_that_is_a_word_of_the_column_language_is_left() -> None:
    words, names = ["Mussolinis", "Sachen", "Bills", "Kiinaan"], ["Benito Mussolini", "Sache", "Bill", "Kiina"]
    assert inflected(words, names) == {"Mussolinis", "Sachen", "Bills"}  # no dictionary language; no illative
    assert inflected(words, names, ("de",)) == {"Mussolinis"}  # ``Sachen`` is a German noun (``bills`` too)
    assert inflected(words, names, ("en",)) == {"Mussolinis", "Sachen"}  # ``bills`` is an English word


def test_a_stem_the_column_puts_in_a_place_case_is_a_place() -> None:
    names = ["Kiina", "Barack Obama"]
    assert inflected(["Kiinan", "Obaman"], names) == {"Kiinan", "Obaman"}
    assert inflected(["Kiinan", "Obaman", "Kiinassa"], names) == {"Obaman"}  # in China: China is a place


def test_a_declined_name_is_redacted_with_its_nominative() -> None:
    text = "Lodernek volt ideje Évát megfigyelni. Éva Kovács jött be, és közelebb hajolt Évához."
    assert {"Évát", "Évához"} <= set(_names(text))


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Mardi soir une femme de Saint-Servan, Mme L. après une scène assez violente.", ["L."]),
        ("Les flammes dévorèrent la maison de M. V. et la chambre.", ["V."]),
        ("Der Wirt, Herr K., hat es gesehen.", ["K."]),
        ("à M. L. Herr, de Morlaix", []),  # an initial before a surname: ``TITLED_RUN`` reads the surname
        ("Ecrire au journal, 1. A. Dupont", []),  # no honorific before the initial
    ],
)
def test_an_initial_after_an_honorific_stands_for_the_person(text: str, names: list[str]) -> None:
    # session 12: the old newspapers name a person by an initial (peers3 dev, French: ``Mme L.``, ``M. V.``, ``M. X.``)
    assert [n for m in re.finditer(INITIAL_RUN, text) for n in initial_name(m.group(0))] == names
