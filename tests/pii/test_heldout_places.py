"""Place columns from value statistics (``places.py``), each rule on its general case: multi-country
postcodes, streets of many conventions, cities of many scripts; and the look-alikes each rule must leave
alone (regions, common words, product codes, years, room numbers)."""

from __future__ import annotations

import random

import polars as pl
import pytest

from mlsecure.privacy.pii import PiiType
from mlsecure.privacy.pii.classify import classify_column
from mlsecure.privacy.pii.places import has_city_affix, header_kinds, is_place_shaped, is_region, postcode_family


def _type(values: list[str], name: str = "c07", repeat: int = 2) -> PiiType | None:
    return classify_column(name, pl.Series(name, values * repeat, dtype=pl.Utf8)).pii_type


@pytest.mark.parametrize(("header", "kinds"), [
    ("Wohnort", {"city"}), ("città", {"city"}), ("addressLocality", {"city"}), ("市区町村", {"city"}),
    ("Postleitzahl", {"postcode"}), ("code_postal", {"postcode"}), ("郵便番号", {"postcode"}),
    ("kod_pocztowy", {"postcode"}), ("Straße", {"street"}), ("dirección", {"street"}), ("주소", {"street"}),
    ("bundesland", {"region"}), ("województwo", {"region"}), ("created_by", set()), ("market_cap", set()),
    ("order_id", set()), ("status", set()),
])
def test_header_words_across_languages(header: str, kinds: set[str]) -> None:
    assert header_kinds(header) == kinds


@pytest.mark.parametrize(("value", "family"), [
    ("SW1A 1AA", "UK"), ("K1A 0B1", "A9A 9A9"), ("1012 AB", "9999 AA"), ("00-950", "99-999"),
    ("100-0001", "999-9999"), ("01310-100", "99999-999"), ("1000-001", "9999-999"), ("114 55", "999 99"),
    ("D02 X285", "A99 AAAA"), ("C1425DQA", "A9999AAA"), ("CH-8001", "9999"), ("DK-2100", "9999"),
    ("XY-1234", None), ("AB-12345-M", None), ("12.50", None), ("hello", None),
])
def test_postcode_families(value: str, family: str | None) -> None:
    assert postcode_family(value) == family


MULTI_POSTCODES = ["SW1A 1AA", "10115", "75008", "1012 AB", "00-950", "100-0001", "01310-100", "114 55",
                   "8001", "2100", "K1A 0B1", "28013", "00184", "560001", "3000", "0150", "1000-001", "D02 X285"]


def test_postcodes_of_many_countries_without_a_header() -> None:
    assert _type(MULTI_POSTCODES) is PiiType.ZIP_CODE


@pytest.mark.parametrize("values", [
    [str(y) for y in range(1960, 2020)],  # years
    [f"{n}" for n in range(10_000, 99_999, 1_637)],  # five-digit numbers, one format, no leading zeros
    [f"{a}{b}-{n}" for a, b, n in zip("ABCDEFGHJKLMNPQRSTUV", "QWXZYQWXZYQWXZYQWXZY", range(1000, 9999, 450),
                                     strict=False)],  # product codes
])
def test_numbers_and_codes_are_not_postcodes(values: list[str]) -> None:
    assert _type(values) is not PiiType.ZIP_CODE


STREETS = ["Sundgauer Straße 351", "1387 Ballyknock Trail", "Singrova 1070", "435 Sint-Maartenstraat",
           "Rua Ernesto Costa 484", "Ojo de Agua 488", "Reisgasse 977", "164 Jansvej", "Ulica Jadranska 465",
           "Na Házené 56", "Fredrikinkatu 1315", "Ceglédi utca 880", "ул. Лазенки 7-я 972", "弘前市 29-23-1",
           "Νικολάου Χρήστου 1290", "Arslanbörü Sokağı 519", "45 Krossveien", "Grailichgasse 514",
           "Zelgmatt 276", "K Parlamentu 823"]


def test_streets_of_many_conventions_without_a_header() -> None:
    assert _type(STREETS) is PiiType.STREET_ADDRESS


@pytest.mark.parametrize("values", [
    [f"Room {n}" for n in range(100, 140)],
    [f"{m} {n}" for m in ("iPhone", "Galaxy S", "Pixel", "Model") for n in range(3, 13)],
    [f"Gate {g}{n}" for g in "ABC" for n in range(1, 14)],
])
def test_numbered_things_are_not_streets(values: list[str]) -> None:
    assert _type(values) is not PiiType.STREET_ADDRESS


CITIES = ["Isny", "La Orotava", "Ragusa", "Polanów", "Cordeirópolis", "Kırşehir", "Ρέθυμνο", "Loviisa",
          "Jessheim", "Rožňava", "Судогда", "松阪市", "Zalalövő", "Fontaine", "Kaposvár", "Riihimäki", "Hadsund",
          "Bischofshofen", "Nykøbing Sjælland", "Velika Gorica", "Sankt Pölten", "Brighouse", "Eskilstuna",
          "Wolfsburg", "Villeneuve", "Stamford", "Kingston upon Hull", "Новосибирск", "San Remo", "越谷市"]
REGIONS = ["Sachsen", "Thüringen", "Hauts-de-France", "Aragón", "Utrecht", "Kujawsko-pomorskie", "Troms",
           "Etelä-Pohjanmaa", "Manitoba", "Oxfordshire", "Plzeňský", "Trenčiansky", "Calabria", "埼玉県",
           "인천광역시", "Калининградская область", "Békés", "Powys", "Burgenland", "Uri", "Coahuila",
           "Järva maakond", "Bayern", "Toscana", "Kocaeli", "Ancona", "Udine", "Ragusa", "Navarra", "Zeeland"]


def test_cities_of_many_scripts_without_a_header() -> None:
    assert _type(CITIES) is PiiType.CITY


@pytest.mark.parametrize("values", [
    REGIONS,
    ["Table", "River", "Window", "Garden", "Orange", "Reading", "Nice", "Mobile", "Split", "Bath", "Paper",
     "Stone", "Light", "Green", "Market", "Summer", "Winter", "Bridge", "Castle", "Forest"],
    ["Acme Holdings", "Diehl Metall", "Globex", "Initech", "Umbrella Corp", "Stark Industries", "Wayne Enterprises",
     "Hooli", "Vandelay Industries", "Soylent", "Cyberdyne Systems", "Tyrell", "Wonka Industries", "Oscorp"],
    ["Beige", "Gelb", "Ruskea", "Roze", "Barna", "Grün", "Crimson", "Azure", "Teal", "Magenta", "Ochre", "Indigo"],
])
def test_regions_and_common_words_are_not_cities(values: list[str]) -> None:
    assert _type(values) is not PiiType.CITY


def test_region_header_blocks_the_city_statistics() -> None:
    assert _type(CITIES, name="province") is not PiiType.CITY


def test_place_features() -> None:
    assert is_place_shaped("Fontaine-l'Evêque") and is_place_shaped("越谷市") and is_place_shaped("Sankt Pölten")
    assert not is_place_shaped("zelený") and not is_place_shaped("Route 66") and not is_place_shaped("A & B")
    assert has_city_affix("Wolfsburg") and has_city_affix("San Remo") and has_city_affix("越谷市")
    assert has_city_affix("Новосибирск") and not has_city_affix("Berg") and not has_city_affix("Garden")
    assert is_region("Bayern") and is_region("埼玉県") and is_region("Järva maakond") and not is_region("Isny")


def test_one_country_postcodes_beside_a_city_column() -> None:
    from mlsecure.privacy.pii import audit_frame

    cities = (CITIES * 4)[:100]
    codes = [f"{1010 + 89 * i}" for i in range(100)]  # four digits spread over 1010..9821 (AT, CH, DK, NO, ...)
    random.Random(0).shuffle(codes)
    counts = [f"{12_000 + 877 * i}" for i in range(100)]  # five-digit counts, no leading zero
    frame = pl.DataFrame({"c01": cities, "c02": codes, "views": counts})
    types = audit_frame(frame).types()
    assert types["c01"] is PiiType.CITY and types["c02"] is PiiType.ZIP_CODE and types["views"] is None
    # without a city or street column beside them the same numbers say nothing
    assert audit_frame(frame.select("c02", "views")).types() == {"c02": None, "views": None}
    # a counter with gaps covers a stretch of its width's range, not the whole of it
    assert audit_frame(frame.with_columns(pl.Series("c02", [f"{40_000 + 7 * i}" for i in range(100)]).shuffle(1))
                       ).types()["c02"] is None


def test_organisations_named_after_people_are_not_names() -> None:
    universities = ["Johannes Kepler Universität Linz", "Sigmund Freud Privatuniversität Wien", "Karl Landsteiner "
                    "Privatuniversität", "Anton Bruckner Privatuniversität Linz", "Universidade Fernando Pessoa",
                    "Stanford University", "Schmidt GmbH", "Maria Keller AG", "Johnson & Johnson Inc",
                    "Fundación Juan March"]
    assert _type(universities, repeat=3) is None


@pytest.mark.parametrize("values", [
    ["Σωτήρης Αθανασιάδης", "Φοίβη Γιάγκου", "Λάζαρος Αγγελίδης", "Νικόλαος Παπαδόπουλος", "Μαρία Γεωργίου",
     "Ελένη Κωνσταντίνου", "Γιώργος Δημητρίου", "Κατερίνα Ιωάννου", "Δημήτρης Νικολάου", "Άννα Παππά"],
    ["Иван Петров", "Мария Иванова", "Алексей Смирнов", "Ольга Кузнецова", "Дмитрий Попов", "Анна Соколова",
     "Сергей Лебедев", "Елена Козлова", "Андрей Новиков", "Татьяна Морозова"],
])
def test_names_in_other_scripts(values: list[str]) -> None:
    assert _type(values, repeat=3) is PiiType.NAME


def test_street_marks_of_more_conventions() -> None:
    from mlsecure.privacy.pii.places import has_street_mark

    for value in ("Ceglédi utca 880", "ул. Лазенки 972", "Fredrikinkatu 1315", "Atatürk Caddesi 5",
                  "보라매로 837", "宝塚市 66-47-85", "Sügislase tänav 9"):
        assert has_street_mark(value), value
    assert not has_street_mark("Nothing Phone 2") and not has_street_mark("Room 204")
