"""Parts of a postal address that the street shapes of ``street_spans`` leave out, by the frame they sit in.

- a secondary unit (``Suite 282``, ``Apt. 902``, ``Apartment 4B``, ``Flat 3``): part of the address it follows;
- a US military address (``PSC 6293, Box 8158 / APO AP 04336``, ``USNS Møller / FPO AA 85844``): USPS's format;
- a house number, words and a number opening a line or following ``at``/``is``/``to`` (``233 Erzsébet tér 19``,
  ``5049 Harjukuja 54``): the building number of a street written number first;
- a postcode after a country's name closing a line (``Hungary 34796``): the address's postcode;
- a US ZIP code or ZIP+4 after a city and a state's name or USPS abbreviation (``Stamford, CT 06902``,
  ``Oklahoma City, Oklahoma 73106``, ``WA 98532-1900``): USPS Publication 28's last line (city, state, ZIP);
- a UK street without a house number (``Aston House, Cornwall Avenue, London, N3 1LF``): a segment of
  capitalised words ending in a Royal Mail thoroughfare type, in a comma-separated address whose postcode
  follows within four segments (the postcode is the evidence; without it ``Church Road`` is prose);
- a place in a residence slot (``grew up in Remniku``, ``moved here from Kenosha``, ``based in KURZENKIRCHEN``),
  after a house number and a comma closing the line (``Rua do Arenque 1634, Goiânia``), or on the line before a
  country and postcode in an address block (``Domoszló\n Hungary 34796``): a city (sub-state geography, which
  HIPAA's Safe Harbor removes; a country's name is left).

Each is a pattern (Rust's regex syntax that Python's ``re`` also reads) run over the whole column by ``spans``
and a reader giving ``(value, type)`` pairs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from mlsecure.privacy.pii.lexicons import FUNCTION_WORDS
from mlsecure.privacy.pii.name_data import fold
from mlsecure.privacy.pii.name_frames import cased
from mlsecure.privacy.pii.types import PiiType
from mlsecure.privacy.pii.validators import UK_POSTCODE, zip_code

UNIT_RUN = r"\b(?:Suite|SUITE|suite|Ste\.|Apt\.?|APT\.?|apt\.?|Apartment|apartment|Flat|flat) ?#?[0-9]{1,5}[A-Za-z]?\b"
MILITARY_RUN = (r"(?:(?i:PSC|CMR|Unit) [0-9]{1,5},? (?i:Box) [0-9]{1,5}|(?:USNS|USS|USCGC) [^\W\d_]+(?: [^\W\d_]+)?)"
                r"[ \t]*\n?[ \t]*(?i:APO|FPO|DPO) (?i:AA|AE|AP) [0-9]{5}")
NUMBER_FIRST_RUN = (r"(?:^|\n|>[ \t]?|\b(?:at|is|to|address:?) )[0-9]{1,6} (?:[^\W\d_]+\.? ){1,4}"
                    r"[0-9]{1,5}[A-Za-z]?\b")


@cache
def _countries() -> tuple[str, ...]:
    import pycountry

    names: set[str] = set()
    for c in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(c, attr, None)
            if value and "," not in value and "(" not in value:
                names.add(value)
    return tuple(sorted(names, key=len, reverse=True))


@cache
def country_zip_run() -> str:
    alternation = "|".join(re.escape(n).replace(r"\ ", " ") for n in _countries())
    return rf"(?:^|\n|, ?)[ \t>]*(?:{alternation}),? [0-9]{{3,6}}(?: [0-9]{{2,3}})?[ \t]*(?:$|\n)"


# USPS Publication 28 appendix B: the states, DC and the territories, by name and two-letter abbreviation
US_STATES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida",
    "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
    "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada",
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio", "Oklahoma",
    "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah",
    "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming", "District of Columbia",
    "Puerto Rico", "Guam", "American Samoa", "Virgin Islands", "Northern Mariana Islands",
)
US_STATE_CODES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
    "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
    "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "AS", "VI", "MP",
)
# the codes also as written with periods (``N.Y.``, ``D.C``)
_STATE = "|".join((*sorted((*US_STATES, *(s.upper() for s in US_STATES)), key=len, reverse=True), *US_STATE_CODES,
                   *(rf"{c[0]}\.{c[1]}\.?" for c in US_STATE_CODES)))
# the city's last word (capitalised or in capitals), the state, and the ZIP code ending its word
STATE_ZIP_RUN = (rf"\b[A-Z][A-Za-z'’.-]*,? (?:{_STATE}),? [0-9]{{5}}(?:-[0-9]{{4}})?\b")
# Royal Mail's common thoroughfare types (not ``Park``, ``Hill``, ``Green``, ``View``: places as often as streets)
UK_THOROUGHFARES = ("Street", "St", "Road", "Rd", "Avenue", "Ave", "Lane", "Ln", "Drive", "Dr", "Close", "Crescent",
                    "Way", "Place", "Pl", "Square", "Sq", "Terrace", "Gardens", "Grove", "Mews", "Row", "Walk",
                    "Parade", "Boulevard", "Blvd", "Court", "Ct", "Drove", "Wharf", "Yard")
UK_STREET_RUN = (rf"(?:^|\n|, ?)(?:[0-9]{{1,4}}[A-Za-z]? )?(?:[A-Z][a-z'’-]+ ){{1,3}}"
                 rf"(?:{'|'.join(UK_THOROUGHFARES)}),"
                 rf"(?: [^,\n]{{1,40}},){{0,3}}(?: [^,\n]{{1,30}})? ?{UK_POSTCODE}\b")
_ZIP_TAIL = re.compile(r"[0-9]{5}(?:-[0-9]{4})?$")

_PLACE = r"[^\W\d_]+(?:-[^\W\d_]+)*(?: [^\W\d_]+(?:-[^\W\d_]+)*){0,2}"
_RESIDENCE = ("grew up in", "lives in", "live in", "living in", "lived in", "resides in", "resident of", "born in",
              "moved here from", "moved from", "moved to", "originally from", "based in", "located in", "hometown is",
              "i'm in", "i am in", "we are in", "relocated to", "home town of")
RESIDENCE_RUN = (r"\b(?:" + cased(_RESIDENCE) + r") "
                 + _PLACE + r"(?:$|[.,;:!?\n])")
# a number-first street (``NUMBER_FIRST_RUN``'s shape), a comma and the place closing the line
AFTER_NUMBER_RUN = (r"(?:^|\n|>[ \t]?|\b(?:at|is|to|address:?) )[0-9]{1,6} (?:[^\W\d_]+\.? ){1,4}"
                    r"[0-9]{1,5}[A-Za-z]?, " + _PLACE + r"[ \t]*(?:$|\n)")


@cache
def country_folds() -> frozenset[str]:
    return frozenset(fold(n) for n in _countries())


def _place_words(value: str) -> bool:
    """Capitalised or upper-case words, none a closed-class word nor a country's name."""
    words = value.split()
    return (bool(words) and all(w[:1].isupper() for w in words) and fold(value) not in country_folds()
            and not any(fold(w) in FUNCTION_WORDS for w in words))


def residence(match: str) -> list[tuple[str, PiiType]]:
    """``grew up in Remniku.``: the capitalised words after a verb of living somewhere."""
    low = match.lower()
    cue = max(low.rfind(w) + len(w) for w in _RESIDENCE if w in low)
    value = match[cue:].strip(" \t\n.,;:!?")
    return [(value, PiiType.CITY)] if _place_words(value) else []


def after_number(match: str) -> list[tuple[str, PiiType]]:
    """``86036 Rua do Arenque 1634, Goiânia``: the place after a number-first street and a comma at the line's end."""
    street, _, value = match.strip(" \t\n").rpartition(", ")
    value = value.strip()
    if not number_first("\n" + _HEAD.sub("", street).strip()):
        return []
    return [(value, PiiType.CITY)] if _place_words(value) else []


def before_country(match: str) -> list[tuple[str, PiiType]]:
    """``Domoszló\n Hungary 34796``: the line before a country and its postcode in an address block."""
    value = match.strip("\n").split("\n", 1)[0].strip(" \t>")
    return [(value, PiiType.CITY)] if _place_words(value) else []


@cache
def before_country_run() -> str:
    alternation = "|".join(re.escape(n).replace(r"\ ", " ") for n in _countries())
    return rf"\n[ \t>]*{_PLACE}[ \t]*\n[ \t>]*(?:{alternation}),? [0-9]{{3,6}}"


def unit(match: str) -> list[tuple[str, PiiType]]:
    """``Suite 282``: a secondary unit designator and its number."""
    return [(match.strip(), PiiType.STREET_ADDRESS)]


def military(match: str) -> list[tuple[str, PiiType]]:
    """``PSC 6293, Box 8158\\nAPO AP 04336``: the whole military address."""
    return [(match.strip(), PiiType.STREET_ADDRESS)]


_HEAD = re.compile(r"^(?:\n|>[ \t]?|(?:at|is|to|address:?) )")


def number_first(match: str) -> list[tuple[str, PiiType]]:
    """``233 Erzsébet tér 19``: a number, one to four words the first of them capitalised (none a closed-class
    word), and a number."""
    value = _HEAD.sub("", match).strip()
    words = value.split()[1:-1]
    if not words or not words[0][:1].isupper() or (words[0].isupper() and len(words[0]) > 1):
        return []
    if any(fold(w.rstrip(".")) in FUNCTION_WORDS for w in words):
        return []
    return [(value, PiiType.STREET_ADDRESS)]


def country_zip(match: str) -> list[tuple[str, PiiType]]:
    """``Hungary 34796``: the number after a country's name at a line's end is its postcode."""
    value = re.search(r"[0-9]{3,6}(?: [0-9]{2,3})?(?=[ \t]*\n?$)", match)
    return [(value.group(0), PiiType.ZIP_CODE)] if value else []


def state_zip(match: str) -> list[tuple[str, PiiType]]:
    """``Stamford, CT 06902``: the ZIP code (or ZIP+4) after a city and a state, when its ZIP3 is in use; not
    after a closed-class word (``In Texas 25000 homes``: a count, no city before the state)."""
    if fold(match.split()[0].rstrip(",")) in FUNCTION_WORDS:
        return []
    value = _ZIP_TAIL.search(match.strip())
    return [(value.group(0), PiiType.ZIP_CODE)] if value and zip_code(value.group(0)) else []


def uk_street(match: str) -> list[tuple[str, PiiType]]:
    """``Cornwall Avenue`` of ``, Cornwall Avenue, London, N3 1LF``: the segment before the first comma."""
    value = match.lstrip("\n, ").split(",", 1)[0].strip()
    return [(value, PiiType.STREET_ADDRESS)] if value else []


def address_slots() -> tuple[tuple[str, Callable[[str], list[tuple[str, PiiType]]]], ...]:
    return ((UNIT_RUN, unit), (MILITARY_RUN, military), (NUMBER_FIRST_RUN, number_first),
            (country_zip_run(), country_zip), (STATE_ZIP_RUN, state_zip), (UK_STREET_RUN, uk_street),
            (RESIDENCE_RUN, residence),
            (AFTER_NUMBER_RUN, after_number),
            (before_country_run(), before_country))
