"""The second held-out table (``heldout_world.py``: faker in 16 locales, national ids of 9 countries,
headers our keyword lists do not hold, look-alike negatives) and the rules it led to, each checked on
its own general case."""

from __future__ import annotations

import polars as pl
import pytest
from heldout_world import World, generate_world

from mlsecure.privacy.pii import PiiType, anonymize_frame, audit_frame
from mlsecure.privacy.pii.addresses import is_street_address
from mlsecure.privacy.pii.text_mode import scan_text
from mlsecure.privacy.pii.validators import phone_in_text


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(600, seed=3)  # seeds 0-2 were looked at while fixing; this one was not


@pytest.mark.slow
def test_world_typed_columns(world: World) -> None:
    predicted = audit_frame(world.frame).types()
    wrong = {c: (t, predicted[c]) for c, t in world.labels.items() if predicted[c] != t}
    fp = sum(1 for c, p in predicted.items() if p is not None and world.labels[c] != p)
    assert fp == 0, wrong
    # ``locality`` (faker invents the cities of six locales) is found by its values' statistics (``places``)
    assert wrong == {}, wrong


@pytest.mark.slow
def test_world_typed_columns_without_headers() -> None:
    table = generate_world(600, seed=4, neutral_headers=True)
    predicted = audit_frame(table.frame).types()
    tp = sum(1 for c, t in table.labels.items() if t is not None and predicted[c] == t)
    fp = sum(1 for c, p in predicted.items() if p is not None and table.labels[c] != p)
    fn = sum(1 for c, t in table.labels.items() if t is not None and predicted[c] != t)
    assert tp / (tp + fp) >= 0.95 and tp / (tp + fn) >= 0.95, (tp, fp, fn)
    assert predicted["c04"] is PiiType.CITY and predicted["c05"] is PiiType.ZIP_CODE  # no header word


@pytest.mark.slow
def test_world_free_text_survival(world: World) -> None:
    notes = anonymize_frame(world.frame).frame.get_column("notes").to_list()
    survived: dict[PiiType, int] = {}
    planted: dict[PiiType, int] = {}
    for text, plants in zip(notes, world.planted, strict=True):
        for value, pii_type in plants:
            planted[pii_type] = planted.get(pii_type, 0) + 1
            survived[pii_type] = survived.get(pii_type, 0) + (value in text)
    assert survived[PiiType.EMAIL] == 0 and survived[PiiType.PHONE] == 0
    assert survived[PiiType.NAME] / planted[PiiType.NAME] <= 0.05


@pytest.mark.parametrize(("text", "names"), [
    ("Per Natan's request the file goes out today.", ["Natan"]),
    ("Customer Gianfrancesco Perozzo reported the parcel missing.", ["Gianfrancesco Perozzo"]),
    ("Customer 鈴木 翼 reported the parcel missing.", ["鈴木 翼"]),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_8_4) AppleWebKit/533.2 (KHTML, like Gecko)", []),
    ("Opera/8.90.(Windows 98; Win 9x 4.90; cs-CZ) Presto/2.9.186 Version/12.00", []),
])
def test_names_in_world_sentences(text: str, names: list[str]) -> None:
    assert [text[s.start:s.end] for s in scan_text(text) if s.pii_type is PiiType.NAME] == names


@pytest.mark.parametrize("address", ["Kyrkgatan 89", "Bjørnsonsgade 84", "al. Głowackiego 33/17",
                                     "plac Armii Krajowej 74", "Kristine-Roht-Platz 7", "Rua Augusta, 120"])
def test_addresses_of_more_countries(address: str) -> None:
    assert is_street_address(address)


@pytest.mark.parametrize("text", ["2108-04-08 08", "6531.11.3", "31.0.818.0"])
def test_versions_and_far_timestamps_are_not_phones(text: str) -> None:
    assert not phone_in_text(text, any_region=True)


def test_user_agents_are_not_free_text_with_pii() -> None:
    agents = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_8_4) AppleWebKit/533.2 (KHTML, like Gecko) Chrome/17.0.870.0",
              "Opera/8.90.(Windows 98; Win 9x 4.90; cs-CZ) Presto/2.9.186 Version/12.00",
              "Mozilla/5.0 (iPhone; CPU iPhone OS 14_2 like Mac OS X) AppleWebKit/534.1 Mobile/22B376 Safari/6531.11.3",
              "Mozilla/5.0 (X11; Linux i686; rv:1.9.6.20) Gecko/2108-04-08 08:35:02 Firefox/3.6.1"] * 10
    assert audit_frame(pl.DataFrame({"ua": agents})).verdict("ua").pii_type is None


@pytest.mark.parametrize(("text", "expected"), [
    ("Berliner Straße 5", True), ("Am Markt 3", True), ("Aarestrups Allé 813", True), ("Vstupní 27", True),
    ("Salita San Rocco 5", True), ("The Ring 5 times", False), ("Model Ring 5", False), ("Main Street", False),
])
def test_street_types_as_words_of_their_own(text: str, expected: bool) -> None:
    assert is_street_address(text) is expected
