"""Street addresses in running text (``street_spans``): the shapes a sentence carries, and prose that only
looks like them."""

from __future__ import annotations

import pytest

from mlsecure.privacy.pii.street_spans import street_span
from mlsecure.privacy.pii.text_mode import scan_text
from mlsecure.privacy.pii.types import PiiType


def streets(text: str) -> list[str]:
    return [text[s.start:s.end] for s in scan_text(text) if s.pii_type is PiiType.STREET_ADDRESS]


@pytest.mark.parametrize(("text", "street"), [
    ("La livraison part au chemin des Vignes demain.", "chemin des Vignes"),  # FR, no house number
    ("Elle habite impasse Berthollet depuis mai.", "impasse Berthollet"),
    ("Wohnt jetzt in der ul. Marszałkowska 104/122 in Warschau.", "ul. Marszałkowska 104/122"),  # PL, abbreviated
    ("Biuro: pl. Marii Skłodowskiej-Curie 5, Kraków.", "pl. Marii Skłodowskiej-Curie 5"),  # hyphenated name
    ("Adresa: Na Příkopě 12, Praha.", "Na Příkopě 12"),  # CZ, a preposition names the street
    ("Adresa: Pod Lipami 5, Brno.", "Pod Lipami 5"),
    ("Moved to 12 Harbour Esplanade, Docklands.", "12 Harbour Esplanade"),  # AS/NZS 4819 road type
    ("Send it to Unit 4 18 Beach Parade, Coogee.", "Unit 4 18 Beach Parade"),
    ("Courier to H.No. 12-3-45, Banjara Hills, Hyderabad.", "H.No. 12-3-45, Banjara Hills"),  # IN marker
    ("Trasloco in Calle Mayor, 3.", "Calle Mayor, 3"),
    ("Recapito: piazza Navona, Roma.", "piazza Navona"),
    ("住所は千代田1丁目1番1号です。", "千代田1丁目1番1号"),  # JP: chōme, banchi, gō
    ("配送先 東京都千代田区千代田1-1 まで", "東京都千代田区千代田1-1"),  # JP: prefecture, ward, block numbers
    ("大阪府大阪市北区梅田３－１－１", "大阪府大阪市北区梅田３－１－１"),  # full-width digits and dashes
])
def test_streets_in_sentences(text: str, street: str) -> None:
    assert street in streets(text)


@pytest.mark.parametrize("text", [
    "We shipped via Email and the place Where it landed.",
    "Table 3 Left Panel shows the Boulevard.",
    "He met Na Li at the airport.",  # a preposition with no house number
    "Rue is a herb; calle means street.",
    "2023年10月1日に東京都で会議",  # a date and a prefecture: no block numbers
])
def test_prose_that_looks_like_a_street(text: str) -> None:
    assert streets(text) == []


def test_citations_and_years_are_refused_by_the_text_rules() -> None:
    # The cell patterns of ``addresses`` still take both (see benchmarks/pii.md): these are the text rules.
    assert street_span("et al. Science 301") is None
    assert street_span("1999 Harbour Esplanade") is None
    assert street_span("ul. Marszałkowska 104/122,") == "ul. Marszałkowska 104/122"
