"""Names no frame announces (``dict_names``): a capitalised listed name that is no word of the column's
languages (pyspellchecker's lists); dictionary words, places and product names in several languages kept."""

from __future__ import annotations

import pytest

from mlsecure.privacy.pii.dict_names import languages, mid_names, start_name, words
from mlsecure.privacy.pii.text_mode import scan_text, scan_texts
from mlsecure.privacy.pii.types import PiiType


def names(text: str) -> set[str]:
    return {text[s.start:s.end] for s in scan_text(text) if s.pii_type is PiiType.NAME}


# each missed by the frame rules before this one (checked against the previous code)
@pytest.mark.parametrize(("text", "expected"), [
    ("He is hurt, but Akifumi just has to get to the station.", {"Akifumi"}),
    ("It was Aslak who paid the bill at the end of the night.", {"Aslak"}),
    ("In the end Akifumi paid the bill and the tip.", {"Akifumi"}),
    ("Ayer por la tarde Bogdana llegó con los papeles para la reunión.", {"Bogdana"}),
    ("Le dossier est chez Bogdana pour la signature et le contrôle.", {"Bogdana"}),
    ("Der Schlüssel ist bei Aslak und nicht im Büro.", {"Aslak"}),
])
def test_unannounced_names_found(text: str, expected: set[str]) -> None:
    assert expected <= names(text)


@pytest.mark.parametrize("text", [
    "The team deployed it on Kubernetes and Python last week, then moved the logs to Excel.",
    "We moved the files from Dropbox to the Library folder, and the Backup is on Tuesday.",
    "Der Hund und die Katze spielen mit dem Ball im Garten, nicht im Haus.",
    "Le chat est sur la Table avec les Enfants, et le Soleil brille.",
    "El presidente de la República habló con los ministros del Gobierno.",
    "Het is een mooie dag en ik ga met de Fiets naar de Markt.",
    "Il gatto è sulla Tavola con i Bambini, non nel Giardino.",
])
def test_dictionary_words_kept(text: str) -> None:
    assert not names(text)


def test_column_of_two_languages_uses_both_dictionaries() -> None:
    texts = ["The invoice is late and the client is not happy with this.", "Der Hund und die Katze sind nicht im Haus."]
    assert all(not [s for s in found if s.pii_type is PiiType.NAME] for found in scan_texts(texts))


def test_readers() -> None:
    assert languages(["the", "and", "und"]) == ("en",)
    assert set(languages(["the", "and", "der", "und"])) == {"en", "de"}
    assert languages(["foo", "the"]) == ()
    assert "grace" in words("en") and "akifumi" not in words("en")
    assert mid_names("but Akifumi", ("en",)) == ["Akifumi"]
    assert mid_names("with Grace", ("en",)) == []  # a word of English, whatever the name lists say
    assert mid_names("add Grzegorz Brzęczyszczykiewicz", ("en",)) == ["Grzegorz Brzęczyszczykiewicz"]
    assert mid_names("xqzv Akifumi", ("en",)) == []  # the word before is no common word: another language
    assert mid_names("of The Great Big Akifumi", ("en",)) == []  # a Title Case heading
    assert start_name("Aslak shouted", ("en",)) == "Aslak"
    assert start_name("Monday was", ("en",)) is None
