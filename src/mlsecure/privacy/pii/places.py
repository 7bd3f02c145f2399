"""Place columns (city, postcode, street address) told apart by their values' statistics, for the
columns no recognizer claimed: headers in other languages or none at all (``c04``).

Each verdict combines several signals over a column's distinct values, never one alone:

* **city**: cells shaped like place names (letters of any script, capitalised or uncased, 1-6 words,
  no digits); the share that are GeoNames cities or carry a toponymic affix (``-burg``, ``-ville``,
  ``San ...``, ``...市``), each source having its part (``Reading``, ``Nice``, ``Bath``, ``Split`` are
  towns, but a column of capitalised common words carries no toponymic affixes); *against* it, the
  share that are ISO 3166-2 subdivisions or carry a region word (``... oblast``, ``...県``): a region
  column (state, province) is not a city column;
* **postcode**: cells in one of the national postcode formats of ``POSTCODE_FORMATS``, in several
  formats at once (a multi-country table) or in a format no plain number has (``1079 IL``,
  ``K1A 0B1``, ``12-345``, a leading zero);
* **street address**: a house number before or after 1-6 words, the words varying from row to row,
  with some rows confirmed by ``is_street_address`` (a street type of some country).

A header word of ``lexicons.PLACE_HEADERS`` (city, postcode, street in ~25 languages) lowers the bar;
a region header word blocks the city verdict.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from mlsecure.privacy.pii.address_shape import address_words, street_core
from mlsecure.privacy.pii.addresses import PREFIX_TYPES, SUFFIX_TYPES, is_street_address
from mlsecure.privacy.pii.gazetteer import fold, known_cities, known_towns
from mlsecure.privacy.pii.lexicons import (
    CITY_CONNECTORS,
    CITY_PREFIXES,
    CITY_SUFFIXES,
    PLACE_HEADERS,
    REGION_AFFIXES,
    REGION_WORDS,
    SETTLEMENT_WORDS,
    STREET_ENDINGS,
    STREET_TOKENS,
)
from mlsecure.privacy.pii.name_data import lexicon
from mlsecure.privacy.pii.types import PiiType

# Share of distinct values that must be place-shaped, of those that must be known or affixed places
# (random capitalised words, nationalities, colours, company and dish names: under 10% in the
# gazetteer), and the most a column may have in common with the region lists.
PLACE_SHAPE = 0.9
PLACE_EVIDENCE = 0.25
SOURCE_SHARE = 0.1  # each source (gazetteer, affixes) must have its part: common words are towns too
AFFIX_ALONE = 0.3  # invented or village names (``Lake Nicoleburgh``): affixes alone, 3x their share in surnames
HEADER_SHAPE = 0.6  # with a header word in its favour
TOWN_SHARE = 0.8  # of distinct place-shaped values in GeoNames' places of 500+ people (or affixed)
TOWN_DISTINCT = 20  # distinct values a column needs before villages count
TOWN_REGION = 0.4  # Estonian towns share their names with their parishes (ISO 3166-2)
# Beside a street column a place-shaped column needs less: a table of addresses writes its towns next to its
# streets. Faker's jobs and companies (32 locales) reach a fifth in the village list at most; surname and
# given-name columns reach 0.8 but are then nearly all names, so the names must stay under half the towns.
BESIDE_STREET_TOWNS = 0.4
BESIDE_STREET_NAMES = 0.5  # most share of person-name cells, as a fraction of the town share
MIN_DISTINCT = 5

# National postcode formats (UPU Postcode Directory / Google libaddressinput ``zip`` patterns), as
# shape families: ``9`` a digit, ``A`` a letter. Several countries share each family. Iceland's and the
# Faroes' three digits are left out: as short as any small number, and as a HIPAA-truncated ZIP (``021``).
POSTCODE_FORMATS: dict[str, str] = {
    "9999": r"\d{4}",  # AT BE CH DK NO HU AU NZ ZA PH LU ...
    "99999": r"\d{5}",  # US DE FR ES IT MX TR FI HR EE MY KR ...
    "999999": r"\d{6}",  # IN RU CN SG KZ BY RO VN ...
    "999 99": r"\d{3} \d{2}",  # CZ SK SE GR
    "99-999": r"\d{2}-\d{3}",  # PL
    "999-9999": r"\d{3}-\d{4}",  # JP
    "99999-999": r"\d{5}-\d{3}",  # BR
    "9999-999": r"\d{4}-\d{3}",  # PT
    "99999-9999": r"\d{5}-\d{4}",  # US ZIP+4
    "99999-99999": r"\d{5}-\d{5}",  # IR
    "9999 AA": r"\d{4} ?[A-Z]{2}",  # NL
    "A9A 9A9": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",  # CA
    "UK": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",  # GB (and loose shapes of it)
    "A99 AAAA": r"[A-Z]\d[\dW] ?[A-Z\d]{4}",  # IE Eircode
    "A9999AAA": r"[A-Z]\d{4}[A-Z]{3}",  # AR
    "9999999": r"\d{7}",  # IL (since 2013)
}
# A country prefix before the code (``DK-6477``, ``CH-8001``, ``D-10115``, ``LV-1010``): an ISO 3166 alpha-2
# code or an international vehicle sign; the rest must then be a postcode (``XY-1234`` is a product code).
_PREFIX = re.compile(r"^(?P<p>[A-Z]{1,3})-(?P<rest>\d[\d ]{2,7})$")
VEHICLE_SIGNS = frozenset(("A", "B", "D", "F", "I", "L", "N", "P", "S", "E", "H", "M", "V", "FL", "GB", "IRL",
                           "NL", "CH", "DK", "CZ", "SK", "PL", "LT", "LV", "EST", "FIN", "SLO", "HR", "RO", "BG"))
# Labels written before a postcode: Greek T.K. (tachydromikos kodikas, in Greek letters), German PLZ,
# French/Spanish/Italian/Portuguese C.P., Brazilian CEP, Czech/Slovak PSČ
_POSTCODE_LABEL = re.compile(r"^(?:Τ\.?\s?Κ\.?|PLZ|C\.?\s?P\.?|CEP|PSČ|PSC)[:.]?\s*(?=\d)")
DISTINCT_FAMILIES = frozenset({"99-999", "999-9999", "99999-999", "9999-999", "99999-9999", "99999-99999",
                               "9999 AA", "A9A 9A9", "UK", "A99 AAAA", "A9999AAA", "999 99"})
POSTCODE_SHARE = 0.9
FAMILY_SHARE = 0.05  # a format counts as present in a column when this share of cells has it

_FAMILY_NAMES = tuple(POSTCODE_FORMATS)
_FAMILIES = re.compile("^(?:" + "|".join(f"(?P<f{i}>{p})" for i, p in enumerate(POSTCODE_FORMATS.values())) + ")$")
PROBE = 100  # distinct values a rule looks at first; it stops there when they are far from its bar
PROBE_MARGIN = 0.25
_NUMBER = r"\d{1,5}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?){0,2}"
_WORDS = r"[^\W\d_][^\d]{0,60}?"
# the street's name may hold numbers of its own (``Calle 7 944``, ``언주213길 720``, ``Ulica 8. mája 5``)
_NAMED = r"[^\W\d_].{0,60}?"
_UNIT = r"(?:(?:Flat|Unit|Suite|Apt\.?|Apartment|Level|Shop|Lot) \d{1,5}[A-Za-z]?,? )?"  # ``Flat 23 846 Green Lane``
# Chinese and Japanese write the street and its number without a space: ``红旗路458号``, ``東直門南七条31号``
# a section (``段``), lane or alley number may come first (``長安路1段17號``); a building may be a letter (``A座``)
_CJK_STREET = (r"(?P<c>[\u3400-\u9fff\u3040-\u30ff]{2,20})(?:\d{1,4}[段巷弄])*"
               r"(?:\d{1,5}(?:-\d{1,5})?[号號番座]|[A-Za-z][座栋棟])")
_STREET_SHAPE = re.compile(rf"^(?:{_UNIT}{_NUMBER},? (?P<a>{_NAMED})|(?P<b>{_NAMED}),? (?:No\.? ?)?{_NUMBER}"
                           rf"|{_CJK_STREET})$")
STREET_SHAPE = 0.85
STREET_VARIETY = 0.05  # distinct word parts per distinct cell, and at least STREET_NAMES of them: many
STREET_NAMES = 10  # streets, not ``Room 1``..``Room 40`` or a few product lines with model numbers
STREET_CONFIRMED = 0.2  # cells with a street type of some country
# Greek, Icelandic and Mexican addresses often carry no street type (``Κρίτωνος 812``, ``594 Grímstunga``,
# ``Ojo de Agua 488``): a column is then streets when both parts vary as only addresses do, nearly every
# cell a street name of its own and a house number of its own, the names shaped like place names.
UNTYPED_NAMES = 0.3  # distinct names, distinct house numbers and distinct pairs per shaped distinct cell
UNTYPED_NUMBERS = 0.25  # Croatian and Hebrew house numbers are small (``Ilica 6``, ``Horvatovac 0a``)
UNTYPED_PAIRS = 0.9

# The word lists, folded as the values are (Hangul decomposes into its letters, accents drop).
_HEADERS = {kind: tuple(fold(w) for w in words) for kind, words in PLACE_HEADERS.items()}
_CITY_SUFFIXES = tuple(fold(s) for s in CITY_SUFFIXES)
_CITY_PREFIXES = frozenset(fold(p) for p in CITY_PREFIXES)
_CITY_CONNECTORS = frozenset(fold(c) for c in CITY_CONNECTORS)
_SETTLEMENT_WORDS = frozenset((*SETTLEMENT_WORDS, *(fold(w) for w in SETTLEMENT_WORDS)))
_REGION_WORDS = frozenset(fold(w) for w in REGION_WORDS)
_REGION_AFFIXES = tuple(fold(a) for a in REGION_AFFIXES)
_STREET_TOKENS = frozenset(fold(w) for w in (*STREET_TOKENS, *SUFFIX_TYPES, *PREFIX_TYPES))
_STREET_ENDINGS = tuple(fold(w) for w in STREET_ENDINGS)
# road, street, avenue, lane, alley, (Beijing) tiao, chome before the house number
_CJK_STREET_MARK = re.compile(r"[路街道巷弄条條衕丁目段][\d一二三四五六七八九十段巷弄]*"
                              r"(?:\d{1,5}[号號番座]|[A-Za-z][座栋棟])")
_BLOCK_NUMBER = re.compile(r"\d{1,4}-\d{1,4}-\d{1,4}")  # JP/KR block addresses: chome-ban-go


@dataclass(frozen=True)
class PlaceVerdict:
    pii_type: PiiType
    share: float  # of the column's cells
    recognizer: str
    why: str


def place_verdict(header: str, values: Sequence[str], counts: Sequence[int]) -> PlaceVerdict | None:
    """The place type of a column's distinct ``values`` (with their ``counts``), or None."""
    if len(values) < MIN_DISTINCT:
        return None
    kinds = header_kinds(header)
    for check in (_postcode, _street, _city):  # ``1079 IL`` is a postcode before it is a number and a word
        verdict = check(values, counts, kinds)
        if verdict is not None:
            return verdict
    return None


@lru_cache(maxsize=4096)
def header_kinds(header: str) -> frozenset[str]:
    """Which of ``city``, ``postcode``, ``street``, ``region`` a column name's words say, in any of the
    languages of ``PLACE_HEADERS`` (split on non-letters and camelCase, compared case- and accent-folded)."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header)
    tokens = [t for t in re.split(r"[\W_\d]+", fold(spaced)) if t]
    compound = "".join(tokens)
    kinds = set()
    for kind, words in _HEADERS.items():
        for word in words:
            if word in tokens or ((len(word) >= 5 or (len(word) >= 2 and not word.isascii())) and word in compound):
                kinds.add(kind)
                break
    if len(kinds) > 1:  # ``addressLocality``, ``address_zip``: the more specific word says which part
        kinds.discard("street")
    return frozenset(kinds)


def _far_below(mask: Sequence[bool], counts: Sequence[int], need: float) -> bool:
    """Whether the first distinct values already put a column's share far below ``need``: the rest
    (less frequent) cannot bring it back."""
    return len(mask) >= PROBE and _share(mask, counts) < need - PROBE_MARGIN


def is_neutral_header(header: str) -> bool:
    """A column name that says nothing about its content: ``c05``, ``f_12``, ``field5``, ``Unnamed: 3``."""
    letters = re.sub(r"[\W\d_]+", "", header).casefold()
    return len(letters) <= 2 or letters in _GENERIC_HEADERS


_GENERIC_HEADERS = frozenset(("col", "column", "field", "var", "attr", "unnamed", "feature", "value", "data"))


def _share(mask: Sequence[bool], counts: Sequence[int]) -> float:
    total = sum(counts)
    return sum(c for m, c in zip(mask, counts, strict=True) if m) / total if total else 0.0


def _city(values: Sequence[str], counts: Sequence[int], kinds: frozenset[str]) -> PlaceVerdict | None:
    if "region" in kinds and "city" not in kinds:
        return None
    need = HEADER_SHAPE if "city" in kinds else PLACE_SHAPE
    cores = [place_core(v) for v in values[:PROBE]]
    if _far_below([is_place_shaped(core) for core, _ in cores], [1] * len(cores), need):
        return None
    cores += [place_core(v) for v in values[PROBE:]]
    shaped = [is_place_shaped(core) for core, _ in cores]
    if sum(shaped) / len(values) < need:
        return None
    places = [core for (core, _), s in zip(cores, shaped, strict=True) if s]
    gazetteer = known_cities(places)
    affixed = [designated or has_city_affix(core) for (core, designated), s in zip(cores, shaped, strict=True) if s]
    evidence = sum(g or a for g, a in zip(gazetteer, affixed, strict=True)) / len(places)
    region = sum(is_region(v) for v in places) / len(places)
    if "city" in kinds:
        if region > evidence:
            return None
        share = _share(shaped, counts)
        return PlaceVerdict(PiiType.CITY, share, "city_header",
                            f"column name says city; {share:.0%} of cells are place names")
    known, affix = sum(gazetteer) / len(places), sum(affixed) / len(places)
    both = known >= SOURCE_SHARE and affix >= SOURCE_SHARE and region < known
    if evidence < PLACE_EVIDENCE or not (both or (affix >= AFFIX_ALONE and region < affix)):
        return _towns(places, affixed, shaped, counts, region)
    share = _share(shaped, counts)
    return PlaceVerdict(PiiType.CITY, share, "city_statistics",
                        f"{sum(shaped)} of {len(values)} distinct values are place-shaped, {evidence:.0%} of those "
                        f"known cities (GeoNames) or with a toponymic affix, {region:.0%} regions")


def _towns(places: list[str], affixed: list[bool], shaped: list[bool], counts: Sequence[int],
           region: float) -> PlaceVerdict | None:
    """Villages and small towns (Hungarian, Estonian, Ukrainian, Norwegian...) that the 15,000+ gazetteer
    misses: nearly all of many distinct place-shaped values are GeoNames places of 500+ people or carry a
    toponymic affix. Colours, nationalities, dishes and company names reach a third at most (a few
    colours are villages too), and a colour column has too few distinct values."""
    if len(places) < TOWN_DISTINCT or region > TOWN_REGION:
        return None
    towns = known_towns(places)
    found = sum(t or a for t, a in zip(towns, affixed, strict=True)) / len(places)
    if found < TOWN_SHARE:
        return None
    share = _share(shaped, counts)
    return PlaceVerdict(PiiType.CITY, share, "town_gazetteer",
                        f"{len(places)} distinct place-shaped values, {found:.0%} of them GeoNames places of 500+ "
                        f"people or with a toponymic affix, {region:.0%} regions")


def towns_beside_streets(header: str, values: Sequence[str], counts: Sequence[int]) -> PlaceVerdict | None:
    """A city column that ``place_verdict`` left untyped (villages the gazetteer partly misses: Slovak,
    Hebrew, Taiwanese), in a table whose street column is already found (the caller asks only then):
    nearly all cells place-shaped, many distinct values, at least ``BESIDE_STREET_TOWNS`` of them GeoNames
    places of 500+ people or affixed, few regions, and person names (given names and surnames, which are
    towns too) far fewer than the towns."""
    if not is_neutral_header(header) and header_kinds(header) - {"city"}:
        return None  # a header that says street, postcode or region
    if len(values) < TOWN_DISTINCT or _far_below([is_place_shaped(place_core(v)[0]) for v in values[:PROBE]],
                                                 [1] * min(PROBE, len(values)), PLACE_SHAPE):
        return None
    cores = [place_core(v) for v in values]
    shaped = [is_place_shaped(core) for core, _ in cores]
    if sum(shaped) < PLACE_SHAPE * len(values):
        return None
    places = [core for (core, _), s in zip(cores, shaped, strict=True) if s]
    affixed = [designated or has_city_affix(core) for (core, designated), s in zip(cores, shaped, strict=True) if s]
    towns = sum(t or a for t, a in zip(known_towns(places), affixed, strict=True)) / len(places)
    region = sum(is_region(v) for v in places) / len(places)
    lex = lexicon()
    names = sum(all(lex.is_given(w) or lex.is_surname(w) for w in p.split()) for p in places) / len(places)
    if towns < BESIDE_STREET_TOWNS or region > TOWN_REGION or names > BESIDE_STREET_NAMES * towns:
        return None
    share = _share(shaped, counts)
    return PlaceVerdict(PiiType.CITY, share, "town_beside_street",
                        f"{len(places)} distinct place-shaped values beside a street column, {towns:.0%} of them "
                        f"GeoNames places of 500+ people or affixed, {names:.0%} person names, {region:.0%} regions")


def has_street_mark(value: str) -> bool:
    """A street type of some country (``is_street_address``, ``STREET_TOKENS`` as a word, ``STREET_ENDINGS``
    ending a word) or a Japanese/Korean block number (``29-23-1``)."""
    if is_street_address(value) or _BLOCK_NUMBER.search(value) or _CJK_STREET_MARK.search(value):
        return True
    words = [w.strip(".,") for w in fold(value).split()]
    libpostal = address_words()
    return any(w in _STREET_TOKENS or w in libpostal.street_types or
               (len(w) > 2 and (w.endswith(_STREET_ENDINGS) or w.endswith(libpostal.endings))) for w in words)


def is_place_shaped(value: str) -> bool:
    """A place name's shape: letters of any script (spaces, hyphens, apostrophes, dots, parentheses
    between), 1-6 words, the first letter capital or of a script without case; no digits."""
    v = value.strip()
    if not v or len(v) > 60 or not v[0].isalpha() or v[0].islower():
        return False
    # combining marks, and the zero-width (non-)joiners of Persian and Indic names (``بانه‌وره``)
    if any(not (c.isalpha() or c in " -'’.()/" or unicodedata.category(c) == "Mn" or c in "\u200c\u200d")
           for c in v):
        return False
    return len(v.split()) <= 6


def place_core(value: str) -> tuple[str, bool]:
    """A place name without a settlement word before it (``с. Кингисепп``, ``хутір Вовчанськ``, ``TP. Huế``)
    or a parenthesised region after it (``Октябрьский (Башк.)``, ``Valea Mare (Babeni)``), and whether it
    had the settlement word: that word alone says the cell is a place."""
    v = value.strip()
    if v.endswith(")"):
        v = _PAREN_TAIL.sub("", v) or v
    words = v.split(maxsplit=2)
    for k in (2, 1):  # lower-cased, not folded: the list holds both spellings (``thành phố``, ``thanh pho``)
        if len(words) > k and " ".join(words[:k]).lower().rstrip(".") in _SETTLEMENT_WORDS:
            return v.split(maxsplit=k)[k], True
    return v, False


_PAREN_TAIL = re.compile(r"\s*\([^()]{1,30}\)$")


def has_city_affix(value: str) -> bool:
    """A toponymic prefix (``San``, ``Bad``, ``Nowy``), a connecting word (``Boulogne-sur-Mer``, ``Frankfurt
    am Main``, ``Mníšek nad Popradom``) or a suffix (``-burg``, ``-ville``, ``-sk``, ``市``)."""
    words = fold(value).replace("-", " ").split()
    if not words:
        return False
    if len(words) > 1 and words[0] in _CITY_PREFIXES:
        return True
    if len(words) > 2 and any(w in _CITY_CONNECTORS for w in words[1:-1]):
        return True
    last = words[-1]
    if not last.endswith(_CITY_SUFFIXES):
        return False
    return any(last.endswith(s) and len(last) >= len(s) + (3 if s.isascii() else 1) for s in _CITY_SUFFIXES)


def is_region(value: str) -> bool:
    """An ISO 3166-2 subdivision name (``pycountry``), or a name with a region word or affix."""
    folded = fold(value)
    if folded in subdivision_names():
        return True
    words = folded.replace("-", " ").split()
    return any(w in _REGION_WORDS for w in words) or any(folded.endswith(a) for a in _REGION_AFFIXES)


@lru_cache(maxsize=1)
def subdivision_names() -> frozenset[str]:
    """Folded names of the ISO 3166-2 subdivisions (states, provinces, regions) of every country."""
    try:
        import pycountry
    except ImportError:  # the regions then only come from REGION_WORDS / REGION_AFFIXES
        return frozenset()
    return frozenset(fold(s.name) for s in pycountry.subdivisions if s.type not in LOCAL_SUBDIVISIONS)


# ISO 3166-2 types of town-level units (Slovenia's 212 municipalities, Hungary's cities with county rights,
# Estonia's parishes since 2017, Vietnam's centrally-run cities): named as their town, so no sign of a
# region column. Provinces named after their capitals (Italy's ``Torino``) stay regions.
LOCAL_SUBDIVISIONS = frozenset((
    "Municipality", "Urban municipality", "Rural municipality", "District municipality", "City municipality",
    "Special municipality", "Local council", "Commune", "Town", "City", "City with county rights", "Borough",
))


def postcode_family(value: str) -> str | None:
    """The national format ``value`` has (a key of ``POSTCODE_FORMATS``), after a country prefix or a
    postcode label (``ΤΚ 27521``, ``PLZ 10115``, ``CP 28001``)."""
    v = _POSTCODE_LABEL.sub("", value.strip().upper())
    prefixed = _PREFIX.match(v)
    if prefixed is not None:
        if prefixed.group("p") not in VEHICLE_SIGNS and prefixed.group("p") not in _country_codes():
            return None
        v = prefixed.group("rest")
    match = _FAMILIES.match(v)
    return _FAMILY_NAMES[int(match.lastgroup[1:])] if match is not None and match.lastgroup else None


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    try:
        import pycountry
    except ImportError:
        return frozenset()
    return frozenset(c.alpha_2 for c in pycountry.countries)


def _postcode(values: Sequence[str], counts: Sequence[int], kinds: frozenset[str]) -> PlaceVerdict | None:
    need = 0.6 if "postcode" in kinds else POSTCODE_SHARE
    if _far_below([postcode_family(v) is not None for v in values[:PROBE]], counts[:PROBE], need):
        return None
    families = [postcode_family(v) for v in values]
    share = _share([f is not None for f in families], counts)
    if share < need:
        return None
    present: dict[str, float] = {}
    for family, count in zip(families, counts, strict=True):
        if family is not None:
            present[family] = present.get(family, 0.0) + count
    total = sum(counts)
    present = {f: c / total for f, c in present.items() if c / total >= FAMILY_SHARE}
    leading_zero = _share([v.strip()[:1] == "0" and v.strip().isdigit() for v in values], counts)
    if "postcode" in kinds:
        why = f"column name says postcode; {share:.0%} of cells in national postcode formats"
    elif len(present) >= 2 and (leading_zero >= 0.02 or any(f in DISTINCT_FAMILIES for f in present)):
        why = (f"{share:.0%} of cells in national postcode formats, {len(present)} of them at once "
               f"({', '.join(sorted(present))})")
    elif any(f in DISTINCT_FAMILIES and s >= 0.5 for f, s in present.items()):
        why = f"{share:.0%} of cells in national postcode formats ({', '.join(sorted(present))})"
    else:
        return None
    if all(v.strip().isdigit() and 1900 <= int(v) <= 2100 for v in values):
        return None  # years
    return PlaceVerdict(PiiType.ZIP_CODE, share, "postcode_formats", why)


def _street(values: Sequence[str], counts: Sequence[int], kinds: frozenset[str]) -> PlaceVerdict | None:
    need = 0.6 if "street" in kinds else STREET_SHAPE
    matches = [_street_match(v) for v in values[:PROBE]]
    probe_numbered = _share([m is not None for m in matches], counts[:PROBE]) >= NUMBERED_SHARE
    if _far_below([m is not None or (probe_numbered and _named_street(v))
                   for v, m in zip(values, matches, strict=False)], counts[:PROBE], need):
        return None
    matches += [_street_match(v) for v in values[PROBE:]]
    numbered = _share([m is not None for m in matches], counts)
    # ``Strada Ioniță`` beside ``Strada Florea Nr. 73``: a street type and a name, no number, in a column
    # where many cells have numbers
    named = [m is None and numbered >= NUMBERED_SHARE and _named_street(v) for v, m in zip(values, matches,
                                                                                            strict=True)]
    shaped = [m is not None or n for m, n in zip(matches, named, strict=True)]
    share = _share(shaped, counts)
    if share < need:
        return None
    parts = [(m.group("a") or m.group("b") or m.group("c")) if m is not None else v
             for v, m, s in zip(values, matches, shaped, strict=True) if s]
    words = {p.casefold() for p in parts}
    confirmed = _share([s and has_street_mark(v) for v, s in zip(values, shaped, strict=True)], counts)
    if "street" in kinds:
        why = f"column name says street address; {share:.0%} of cells are a house number and a street name"
    elif len(words) >= max(STREET_NAMES, STREET_VARIETY * sum(shaped)) and confirmed >= STREET_CONFIRMED:
        why = (f"{share:.0%} of cells are a house number and words ({len(words)} distinct street names, "
               f"{confirmed:.0%} with a street type)")
    elif _untyped_streets(values, matches, [p for p, m in zip(parts, matches, strict=False) if m is not None],
                          words):
        why = (f"{share:.0%} of cells are a house number and a place-shaped name, {len(words)} distinct names "
               "and as many house numbers: streets of a country that writes no street type")
    else:
        return None
    return PlaceVerdict(PiiType.STREET_ADDRESS, share, "street_statistics", why)


NUMBERED_SHARE = 0.3  # of cells with a house number before street names without one count as streets


def _street_match(value: str) -> re.Match[str] | None:
    """The street shape of ``value`` as it is or once its district, units and house-number word are taken
    off; never for a cell without letters (ids, amounts, dates)."""
    v = value.strip()
    if not any(map(str.isalpha, v)):
        return None
    return _STREET_SHAPE.match(v) or _STREET_SHAPE.match(street_core(v))


def _named_street(value: str) -> bool:
    """A street type and a name, no digits (``Strada Ioniță``, ``boulevard Curdy``)."""
    v = value.strip()
    if not v or any(c.isdigit() for c in v):
        return False
    words = [w.strip(".,") for w in fold(v).split()]
    if not 2 <= len(words) <= 6:
        return False
    libpostal = address_words()
    return any(w in _STREET_TOKENS or w in libpostal.street_types for w in (words[0], words[-1]))


def _untyped_streets(values: Sequence[str], matches: Sequence[re.Match[str] | None], parts: Sequence[str],
                     words: set[str]) -> bool:
    """Both parts vary as only addresses do: many street names and many house numbers, nearly every cell a
    pair of its own, the names shaped like place names. A table of one town repeats its streets
    (Croatian ``Ilica 6``, ``Ilica 14``): the names need not be distinct per row, the pairs must."""
    numbers = {re.sub(r"\D", "", m.group(0).replace(m.group("a") or m.group("b") or m.group("c"), ""))
               for m in matches if m is not None}
    pairs = {m.group(0) for m in matches if m is not None}
    return (len(words) >= max(STREET_NAMES, UNTYPED_NAMES * len(parts))
            and len(numbers) >= max(STREET_NAMES, UNTYPED_NUMBERS * len(parts))
            and len(pairs) >= UNTYPED_PAIRS * len(parts)
            and sum(_street_name(p.strip(" ,.")) for p in parts) >= PLACE_SHAPE * len(parts)
            and len(values) >= STREET_NAMES)


def _street_name(part: str) -> bool:
    """Place-shaped and a word, not two or three capitals (``1244 QU`` is a Dutch postcode)."""
    return is_place_shaped(part) and len(part) >= 3 and not (part.isupper() and len(part) <= 3)


# Taiwan writes a postcode as its 3-digit area or as the area with 2 or 3 more digits, in one column
# (Google libaddressinput ``TW`` zip ``\d{3}(?:\d{2,3})?``); quantities and ids take every width between.
_AREA_WIDTHS = frozenset((3, 5, 6))


def area_and_long_postcodes(header: str, values: Sequence[str], counts: Sequence[int]) -> PlaceVerdict | None:
    """Postcodes written as a 3-digit area or its 5/6-digit long form (the caller asks only beside a city or
    street column and under a name that says nothing): every cell digits without a leading zero, both the
    short and a long width present (``FAMILY_SHARE`` each), no cell of 4 digits or of any other width, and
    the areas spread over most of ``100``..``999``."""
    cells = [v.strip() for v in values]
    if len(cells) < MIN_DISTINCT or not is_neutral_header(header):
        return None
    if not all(c.isascii() and c.isdigit() and c[0] != "0" and len(c) in _AREA_WIDTHS for c in cells):
        return None
    short = _share([len(c) == 3 for c in cells], counts)
    if short < FAMILY_SHARE or 1 - short < FAMILY_SHARE:
        return None
    areas = [int(c[:3]) for c in cells]
    if max(areas) - min(areas) < 450:
        return None
    return PlaceVerdict(PiiType.ZIP_CODE, 1.0, "postcode_beside_address",
                        f"3-digit postal areas ({short:.0%} of cells) and their 5/6-digit long forms, no other "
                        "width, beside a city or street column")


def one_country_postcodes(header: str, values: Sequence[str], counts: Sequence[int]) -> PlaceVerdict | None:
    """Postcodes of one country's format, told from other numbers by their company (the caller only
    asks beside a city or street column), by their spread (a country's codes cover most of their
    width's range, ``1010``..``9990``; a counter with gaps covers a stretch of it), and by a column name
    that says nothing (``c05``) or a leading zero, which no count or amount has (``page_views`` of five
    digits beside a city column is a count)."""
    if len(values) < MIN_DISTINCT:
        return None
    leading_zero = _share([v.strip()[:1] == "0" and v.strip().isdigit() for v in values], counts)
    if not (is_neutral_header(header) or leading_zero >= 0.01):
        return None
    families = [postcode_family(v) for v in values]
    share = _share([f is not None for f in families], counts)
    if share < POSTCODE_SHARE:
        return None
    digits = [v.strip() for v, f in zip(values, families, strict=True) if f is not None and v.strip().isdigit()]
    if digits:
        if len({len(d) for d in digits}) > 1:
            return None  # numbers of several widths: quantities, not a fixed-width code
        numbers = [int(d) for d in digits]
        if (max(numbers) - min(numbers)) < 0.5 * 10 ** len(digits[0]) or all(1900 <= x <= 2100 for x in numbers):
            return None
    present = sorted({f for f in families if f is not None})
    return PlaceVerdict(PiiType.ZIP_CODE, share, "postcode_beside_address",
                        f"{share:.0%} of cells in a national postcode format ({', '.join(present)}), "
                        "beside a city or street column")
