"""Street addresses, per addressing convention, in a cell or inside running text.

Three shapes cover the countries we read:

* number first, street type last (US, UK, IE, AU, CA, IN: ``12 Main Street``, ``141 Hodges Mountains``):
  US-shaped candidates are parsed with ``usaddress`` (a CRF trained on US addresses, which knows the
  USPS Publication 28 street suffixes) when it is installed, else need a street-type word;
* street type first (FR, ES, IT, PT: ``5 rue de la Paix``, ``Calle Mayor 3``, ``Via Roma, 10``), with
  the types of voie of each country's address register (FR BAN/FANTOIR, ES INE, IT ISTAT DUG);
* compound street names (DE, AT, CH, NL, BE, Nordic: ``Hauptstraße 5``, ``Keizersgracht 12``, ``Kyrkgatan 8``),
  or the same types as a word of their own (``Berliner Straße 5``, ``Aarestrups Allé 813``);
* CZ and SK streets named by an adjective or genitive alone (``Vstupní 27``).

Each needs a house number, so a street name alone (``Main Street``) is not an address.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mlsecure.privacy.pii.letters import STREET_LOWER as _LOWER
from mlsecure.privacy.pii.letters import STREET_UPPER as _UPPER

_WORD = rf"[{_UPPER}][{_LOWER}'’.-]*"  # Title Case; MTLC or AST0 inside an IBAN are not street words

SUFFIX_TYPES = (  # USPS Publication 28 (C1) and Royal Mail's common thoroughfare types, most frequent
    "Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Ln", "Drive", "Dr", "Court", "Ct",
    "Place", "Pl", "Terrace", "Way", "Circle", "Cir", "Parkway", "Pkwy", "Highway", "Hwy", "Square", "Sq", "Trail",
    "Loop", "Row", "Alley", "Close", "Crescent", "Gardens", "Mews", "Grove", "Hill", "Park", "View", "Green",
    "Walk", "Path", "Pike", "Plaza", "Ridge", "Run", "Point", "Crossing", "Creek", "Heights", "Estates", "Marg",
    "Nagar", "Chowk", "Gali", "Colony",
)
PREFIX_TYPES = (  # FR types de voie, ES tipos de vía, IT denominazioni urbanistiche generiche, PT/BR
    "rue", "avenue", "av", "boulevard", "bd", "place", "chemin", "allée", "impasse", "quai", "route", "cours",
    "passage", "square", "calle", "c/", "avenida", "avda", "plaza", "paseo", "camino", "carrer", "callejón",
    "cuesta", "ronda", "travesía", "glorieta", "carretera", "pasaje", "rambla", "via", "viale", "piazza", "corso",
    "vicolo", "largo", "contrada", "strada", "borgo", "piazzale", "lungomare", "rua", "praça", "travessa",
    "stretto", "salita", "traversa", "vico", "rotonda", "galleria", "lungolago", "lungotevere", "rione", "calata",
    "circonvallazione", "passeggiata", "sentiero", "discesa",
    "alameda", "estrada", "rodovia",
    # PL (TERYT ULIC cechy), CZ
    "ul", "ulica", "al", "aleja", "pl", "plac", "os", "osiedle", "rondo", "náměstí", "nám", "třída", "nábřeží",
)
COMPOUND_TYPES = (  # DE, AT, CH, NL, BE, Nordic: the street type is the end of one word
    "straße", "strasse", "str", "weg", "gasse", "platz", "allee", "ring", "damm", "ufer", "chaussee", "steig",
    "straat", "laan", "gracht", "plein", "kade", "singel", "dreef", "hof", "baan", "pad", "steeg", "dijk", "park",
    "boulevard", "markt", "alle", "allé",
    # SE, DK, NO, FI: the same compound street names
    "gatan", "gata", "vägen", "väg", "torget", "torg", "gränd", "backen", "stigen", "gade", "vej", "torv", "stræde",
    "vænget", "gate", "veien", "vei", "plass", "katu", "tie", "polku", "kuja",
)

_NUMBER = r"\d{1,6}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)?"
_UNIT = r"(?:,? (?:Apt|Suite|Ste|Unit|Flat|Fl|#)\.? ?[\w-]+)?"
# the last word ends in a mark (``St.``) or at a word's end: ``N`` of ``Ave NW`` is no word, so a directional is
# taken whole or not at all
_LAST_WORD = rf"[{_UPPER}](?:[{_LOWER}'’.-]*[.'’-]|[{_LOWER}'’.-]*\b)"
NUMBER_FIRST = (rf"\b{_NUMBER},? (?:{_WORD} ){{0,3}}{_LAST_WORD}(?: (?:NE|NW|SE|SW|N|S|E|W)\b)?{_UNIT}")
_PARTICLE = r"(?:de|del|de la|des|du|di|della|delle|dei|do|da|dos|las|los|la|le|les|d'|l')"
TYPE_FIRST = (rf"(?:\b{_NUMBER}(?:bis|ter)?,? )?\b(?i:{'|'.join(re.escape(t) for t in PREFIX_TYPES)})\.? "
              rf"(?:{_PARTICLE} ?)*{_WORD}(?: (?:{_PARTICLE} ?)*{_WORD}){{0,3}}(?:,? {_NUMBER}\b)?")
# ``Hauptstraße 5``, ``Roht-Platz 7``, and the type as a word of its own: ``Berliner Straße 5``, ``Am Markt 3``
SEPARATE_TYPES = ("straße", "strasse", "str", "weg", "gasse", "platz", "allee", "allé", "markt", "damm", "ufer",
                  "chaussee", "steig", "gade", "vej", "torv")  # not ``Ring``, ``Park``, ``Hof``: English words too
COMPOUND = (rf"\b[{_UPPER}][{_LOWER}A-Z-]*(?i:{'|'.join(COMPOUND_TYPES)})\.? {_NUMBER}\b"
            rf"|\b[{_UPPER}][{_LOWER}A-Z-]* (?:{_WORD} )?(?i:{'|'.join(SEPARATE_TYPES)})\.? {_NUMBER}\b")
# CZ, SK: streets named by an adjective or a genitive alone (``Vstupní 27``, ``Kotrčová 1``, ``Bazovského 1``)
ADJECTIVE = rf"\b[{_UPPER}][{_LOWER}]+(?:ová|ova|ská|cká|ní|ého) {_NUMBER}\b"
SPAN_PATTERN = f"{NUMBER_FIRST}|{TYPE_FIRST}|{COMPOUND}|{ADJECTIVE}"


def is_street_address(text: str) -> bool:
    """Whether ``text`` (a whole cell or a candidate span) is a street address with a house number."""
    t = text.strip()
    if not any(map(str.isdigit, t)):
        return False
    if _compiled(rf"^(?:{COMPOUND}|{ADJECTIVE})").search(t):
        return True
    if _compiled(rf"^(?:{TYPE_FIRST})").search(t):
        return True
    match = _compiled(rf"^(?:{NUMBER_FIRST})").search(t)
    return match is not None and _number_first(match.group(0))


def _number_first(candidate: str) -> bool:
    """``12 Main Street``: usaddress must find a house number and a street type or unit; without it, a
    street word after the name must be one of ``SUFFIX_TYPES`` (so ``5 Street Fighter games``, a type word
    straight after the number with no name before it, is no street)."""
    words = [w.strip(".,") for w in candidate.split()]
    try:
        import usaddress  # type: ignore[import-untyped]
    except ImportError:
        return any(w in SUFFIX_TYPES for w in words[2:])
    try:
        tags, kind = usaddress.tag(candidate)
    except usaddress.RepeatedLabelError:
        return False
    if kind != "Street Address" or "AddressNumber" not in tags:
        return any(w in SUFFIX_TYPES for w in words[2:])
    return "StreetNamePostType" in tags or "OccupancyType" in tags or any(w in SUFFIX_TYPES for w in words[1:])


@lru_cache(maxsize=16)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
