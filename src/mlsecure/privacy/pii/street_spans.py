"""Street addresses in running text that the cell patterns of ``addresses`` leave out.

``addresses`` reads a street the way a table cell holds one. Free text adds shapes a sentence carries
without a house number or with the number elsewhere, each tied to a published convention:

* a street named by an unambiguous type word and no number (``chemin Dupont``, ``rue Girard``): the
  types of voie of FR BAN, ES INE, IT ISTAT DUG, PT/BR, PL TERYT and CZ RÚIAN that are not also common
  words of English (``via``, ``place``, ``route`` and ``square`` are left to the cell patterns);
* a street name of hyphenated words (``pl. Skłodowskiej-Curie 058``) after any type word of ``addresses``;
* CZ and SK streets named by a preposition (``U Podjezdu 68``, ``Ve Žlíbku 87``, ``Před Skalkami II 5``);
* number first with the road types of AS/NZS 4819 (Australia, New Zealand) and USPS Publication 28
  beyond the most frequent ones (``566 Townsend Promenade``, ``33 Farley Approach``), an optional unit
  before it (``Unit 38 566 ...``, ``6/170 ...``), and street names in Han or kana (``194 森 Street``);
* Indian addresses after a house-number marker (``H.No. 81, Shere Nagar``, ``Plot No. 12, ...``);
* Japanese addresses by their block numbers: chōme, banchi and gō (``千代田1丁目1番1号``), or a
  prefecture and municipality followed by numbers (``東京都千代田区千代田1-1``).

Each rule needs its own evidence (a type word, a preposition plus a house number, a marker), so a run of
capitalised words alone is never a street. Generic English words among the road types (``End``, ``Top``,
``Line``, ``Link``, ``Cross``, ``Common``, ``Key``...) are left out.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mlsecure.privacy.pii.addresses import PREFIX_TYPES, SUFFIX_TYPES
from mlsecure.privacy.pii.letters import STREET_LOWER as _LOWER
from mlsecure.privacy.pii.letters import STREET_UPPER as _UPPER

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
# A capitalised word, hyphenated parts included (``Skłodowskiej-Curie``), or a Roman numeral (``II``).
_WORD = rf"(?:(?:O['’]|Mc|Mac)?[{_UPPER}][{_LOWER}'’]+(?:-[{_UPPER}]?[{_LOWER}'’]+)*|[IVX]{{1,4}})"
_PARTICLE = r"(?:de|del|de la|des|du|di|della|delle|dei|do|da|dos|las|los|la|le|les|d'|l')"
_NUMBER = r"\d{1,6}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)?"
_NAME = rf"(?:{_PARTICLE} ?)*{_WORD}(?: (?:{_PARTICLE} ?)*{_WORD}){{0,3}}"

# Types of voie that are not words of English prose, so that the type and a capitalised name make a street
# even without a house number.
STANDALONE_TYPES = (
    "rue", "chemin", "impasse", "allée", "boulevard", "quai", "avenue",  # FR
    "calle", "avenida", "carrer", "callejón", "travesía", "carretera", "paseo",  # ES
    "viale", "piazza", "vicolo", "piazzale", "contrada", "lungomare", "corso", "canale",  # IT
    "rua", "travessa", "praça", "rodovia",  # PT, BR
    "ulica", "aleja", "osiedle",  # PL
    "náměstí", "nábřeží", "třída",  # CZ
)
_ABBREVIATED = ("ul", "al", "pl", "os", "av", "bd", "avda", "nám")  # with their dot, and a house number after

# AS/NZS 4819 road types and USPS Publication 28 (C1) suffixes not in ``addresses.SUFFIX_TYPES``, without the
# ones that are everyday English words.
MORE_SUFFIX_TYPES = (
    "Access", "Alleyway", "Amble", "Approach", "Arcade", "Bend", "Boulevarde", "Brae", "Broadway", "Bypass",
    "Causeway", "Chase", "Circuit", "Circus", "Close", "Concourse", "Copse", "Corso", "Courtyard", "Cove",
    "Crest", "Crossing", "Crossroad", "Crossway", "Cul-de-sac", "Dale", "Dell", "Drive", "Driveway",
    "Esplanade", "Expressway", "Fairway", "Freeway", "Glade", "Glen", "Grange", "Greenway", "Gully", "Highroad",
    "Laneway", "Lookout", "Mall", "Meander", "Motorway", "Nook", "Parade", "Parkway", "Pathway", "Piazza",
    "Plateau", "Promenade", "Quay", "Quays", "Ramble", "Retreat", "Ride", "Ridgeway", "Rise", "Riverway",
    "Riviera", "Roadway", "Rotary", "Strand", "Terrace", "Thoroughfare", "Tollway", "Turnpike", "Vale",
    "Viaduct", "Villas", "Vista", "Wade", "Walkway", "Wharf", "Wynd", "Anex", "Bayou", "Bluff", "Bluffs",
    "Brook", "Burg", "Canyon", "Cape", "Cliffs", "Commons", "Corners", "Curve", "Divide", "Estate", "Ferry",
    "Forge", "Freeway", "Gateway", "Glens", "Harbor", "Harbour", "Haven", "Hollow", "Inlet", "Isle", "Junction",
    "Knoll", "Knolls", "Landing", "Manor", "Meadow", "Meadows", "Mill", "Mills", "Orchard", "Oval", "Overpass",
    "Pines", "Plains", "Prairie", "Radial", "Ranch", "Rapids", "Ridges", "Shoal", "Shores", "Skyway", "Spur",
    "Stravenue", "Summit", "Trace", "Trafficway", "Underpass", "Valley", "Ville", "Ganj", "Bazar",
)

# USPS Publication 28 (C1): the standard suffix abbreviations, as the USPS prints them in capitals (``103 BEAL
# PKWY SE``) or as Title Case ones (``99-40 63rd Rd``); ``PT`` (Point) is left out, a clinical abbreviation too
USPS_ABBREVIATIONS = (
    "ALY", "ANX", "ARC", "AVE", "AV", "BYU", "BLVD", "BND", "BYP", "CSWY", "CTR", "CIR", "CT", "CTS", "CV", "CRES",
    "CRST", "XING", "XRD", "CURV", "DR", "DRS", "EST", "ESTS", "EXPY", "EXT", "FWY", "GDNS", "GTWY", "GLN", "GRN",
    "GRV", "HBR", "HTS", "HWY", "HOLW", "JCT", "LN", "LNDG", "LOOP", "MNR", "MDWS", "MEWS", "PKWY", "PIKE", "PL",
    "PLZ", "RDG", "RD", "RDS", "ROW", "RTE", "SQ", "ST", "STRA", "TER", "TPKE", "TRL", "TRCE", "VW", "WAY", "WAYS",
)
_DIRECTIONAL = "NE|NW|SE|SW|N|S|E|W"
# a house number, a range of them or one with a letter (``912-914``, ``99-40``, ``2455-B``), as USPS writes them
_US_NUMBER = r"\d{1,6}(?:-\d{1,6})?(?:-?[A-Z])?"
_CAPS_WORD = r"(?:[A-Z][A-Z'’]+|\d{1,4}(?:ST|ND|RD|TH))"
_TITLE_WORD = r"(?:[A-Z][a-z'’]+|\d{1,4}(?:st|nd|rd|th))"
_CAPS_SUFFIX = "|".join(sorted(USPS_ABBREVIATIONS, key=len, reverse=True))
_TITLE_SUFFIX = "|".join(sorted((a.title() for a in USPS_ABBREVIATIONS), key=len, reverse=True))
# Publication 28's delivery line: number, pre-directional, name, suffix, post-directional (whole or not at all).
# In capitals the line must end there (a comma, the line's end): ``2 HEAD CT SCANS`` is no street.
USPS_STREET = (rf"\b{_US_NUMBER}(?: (?:{_DIRECTIONAL}))? (?:(?:{_CAPS_WORD} ){{1,3}}(?:{_CAPS_SUFFIX})"
               rf"(?: (?:{_DIRECTIONAL}))?(?:,|(?m:$))"
               rf"|(?:{_TITLE_WORD} ){{1,3}}(?:{_TITLE_SUFFIX})\b(?: (?:{_DIRECTIONAL})\b)?)")
# Publication 28's highways and routes, named by their number (``5850 US Highway 431``, ``12 COUNTY ROAD 9``)
USPS_HIGHWAY = (r"\b\d{1,6}(?:-?[A-Z])? (?:US|State|STATE|County|COUNTY|Interstate|INTERSTATE) "
                r"(?:Highway|HIGHWAY|Hwy|HWY|Route|ROUTE|Rte|RTE|Road|ROAD|Rd|RD) \d{1,4}[A-Z]?\b")
_UNIT = r"(?:(?:Unit|Apt|Flat|Suite|Shop|Lot)\.? ?[0-9A-Za-z-]+,? |\d{1,4}/)?"
# a street name in Han or kana, or in capitalised Greek or Cyrillic words (``194 森 Street``, ``7204 Хрисанка Knolls``)
_STREET_WORD = rf"(?:{_WORD}|[{_CJK}]{{1,6}}|[\u0386-\u03ab\u0400-\u042f][\u03ac-\u03ce\u0430-\u045f]+)"
_SUFFIXES = "|".join(sorted({*SUFFIX_TYPES, *MORE_SUFFIX_TYPES}, key=len, reverse=True))
_PREFIXES = "|".join(re.escape(t) for t in sorted(PREFIX_TYPES, key=len, reverse=True))
_CZ_PREPOSITIONS = "U|V|Ve|Na|Nad|Pod|Za|K|Ke|Před|Mezi|Pri|Pred|Pod"

_JP_DIGIT = "[0-9\uff10-\uff19]"
_JP_DASH = "[-\u2212\uff0d\u30fc]"
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\u30f6\u30b1"  # place names: kanji, and ヶ/ケ; kana particles end them
_JP_BLOCKS = (rf"[{_KANJI}]{{0,12}}{_JP_DIGIT}{{1,3}}丁目(?:{_JP_DIGIT}{{1,4}}(?:番地?|{_JP_DASH}))?"
              rf"(?:{_JP_DIGIT}{{1,4}}号?)?"
              rf"|[{_KANJI}]{{1,4}}[都道府県][{_KANJI}]{{1,8}}[市区町村郡][{_KANJI}]{{0,8}}{_JP_DIGIT}{{1,4}}"
              rf"(?:(?:{_JP_DASH}|番地?){_JP_DIGIT}{{1,4}}){{1,2}}号?")

SPAN_RULES: tuple[str, ...] = (
    # type word and name, a house number before or after it when there is one
    rf"(?:\b{_NUMBER},? )?\b(?i:{'|'.join(STANDALONE_TYPES)}) {_NAME}(?:,? {_NUMBER}\b)?",
    rf"(?:\bet )?(?:\b{_NUMBER},? )?\b(?i:{_PREFIXES})\.? {_NAME},? {_NUMBER}\b",
    rf"(?:\bet )?\b(?i:{'|'.join(_ABBREVIATED)})\. {_NAME},? {_NUMBER}\b",  # ``et al. Nature 2020``: matched, refused
    rf"\b(?:{_CZ_PREPOSITIONS}) {_WORD}(?: {_WORD})? {_NUMBER}\b",
    rf"(?:\b{_UNIT})?\b{_NUMBER},? (?:{_STREET_WORD} ){{1,3}}(?:{_SUFFIXES})\b",
    rf"\b(?:H\. ?No|House No|Flat No|Plot No|Door No)\.? ?\d[\d/-]{{0,12}}[A-Za-z]?,? {_WORD}(?: {_WORD}){{0,2}}",
    _JP_BLOCKS,
    USPS_STREET,
    USPS_HIGHWAY,
)


# Streets of more conventions, each with its own evidence (libpostal's street types and house-number words):
_CYR = "\u0400-\u04ff"
_CYR_TYPES = ("ул", "улица", "пр", "просп", "проспект", "пер", "переулок", "бул", "бульвар", "ш", "шоссе", "наб",
              "набережная", "пл", "площадь", "ал", "алл", "аллея", "туп", "тупик", "проезд", "вул", "вулиця",
              "провулок", "площа", "парк", "узвіз", "сквер", "майдан", "набережна", "шосе", "алея", "проїзд")
_RO_TYPES = ("Strada", "Str", "Bulevardul", "Bd", "Bdul", "Aleea", "Calea", "Intrarea", "Șoseaua", "Soseaua", "Sos",
             "Drumul", "Piața", "Piata", "Splaiul", "Fundătura", "Fundatura")
_HU_TYPES = ("utca", "út", "tér", "körút", "krt", "köz", "sor", "sétány", "rakpart", "fasor", "dűlő", "lépcső")
_LATIN_EXT = "A-Za-zÀ-ÖØ-öø-ÿ\u0100-\u024f\u1e00-\u1eff"
_ADDRESS_LABELS = (  # the word "address" in the languages of libpostal's dictionaries we read
    "address", "adresse", "anschrift", "lieferadresse", "wohnadresse", "dirección", "direccion", "domicilio",
    "indirizzo", "endereço", "morada", "adres", "adresa", "adresas", "adrese", "adresse de livraison", "osoite",
    "lakcím", "cím", "διεύθυνση", "адрес", "адреса", "адреса доставки", "адрес доставки", "כתובת", "عنوان",
    "住所", "地址", "收件地址", "주소", "alamat", "địa chỉ", "adresi", "teslimat adresi",
)
_LABEL_USES = ("delivery", "postal", "mailing", "home", "street", "billing", "shipping", "residential",
               "correspondence", "registered")
_NOT_STREET = ("IP", "IPv4", "IPv6", "MAC", "e-mail", "email", "web", "wallet", "memory", "return", "bitcoin",
               "server", "host")


def _cased(words: tuple[str, ...]) -> str:
    """The words as written and capitalised: explicit case variants keep the automaton small where ``(?i:)``
    would add every Unicode case folding of every letter."""
    return "|".join(sorted({v for w in words for v in (w, w[:1].upper() + w[1:], w.upper())}, key=len, reverse=True))


# what ``address`` also names: a machine's, a mailbox's, a function's (refused in ``street_span``)
_NOT_STREET_LABEL = re.compile(rf"^(?:{_cased(_NOT_STREET)})\b")
ADDRESS_LABEL = (rf"(?:\b(?:{_cased(_NOT_STREET)}) )?\b(?:(?:{_cased(_LABEL_USES)}) )?(?:{_cased(_ADDRESS_LABELS)})"
                 rf" ?[:：] ?[^\n;]{{1,80}}")
_LABEL_HEAD = re.compile(r"^[^:：]*[:：] ?")
_SENTENCE_END = re.compile(r"\.(?=\s|$)|$")

_ANY_UPPER = rf"{_UPPER}\u0386\u0388-\u038f\u0391-\u03ab\u0400-\u042f"
# a street after a verb of post or residence (``mailed to Kaptol 198``, ``lives at Na grbe 35``): a capitalised
# word (or a Hebrew or Arabic one), up to three more words, and a house number
_POST_VERBS = ("mailed", "posted", "shipped", "delivered", "forwarded", "dispatched")
_HOME_VERBS = ("lives", "living", "resides", "residing")
_SLOT_STREET = (rf"(?:[{_ANY_UPPER}][^\s,.;:]*|[\u0590-\u05ff\u0600-\u06ff]+)(?: [^\s,.;:]+){{0,3}} "
                rf"\d{{1,5}}[A-Za-z]?(?:[/-]\d{{1,4}}[A-Za-z]?)?\b")
SENT_TO = rf"\b(?:(?:{_cased(_POST_VERBS)}) to|(?:{_cased(_HOME_VERBS)}) at) {_SLOT_STREET}"
_SENT_HEAD = re.compile(r"(?i)^(?:mailed|posted|shipped|delivered|forwarded|dispatched|lives|living|resides|residing)"
                        r" (?:to|at) ")

MORE_SPAN_RULES: tuple[str, ...] = (
    SENT_TO,
    # any street after an address label (``Delivery address: Ανεμοδουρίου 93``, ``Adresse : Pšatnik 2a``):
    # the label is the evidence, a house number is required, the value ends with its sentence
    ADDRESS_LABEL,
    # ID: ``Jl.``/``Gg.``/``Gang`` and the street, then ``No.`` and the number (``Jl. Moch. Ramdan No. 11``)
    r"\b(?:Jl|Jln|Jalan|Gg|Gang)\.? [^\n;]{1,40}? No\. ?\d{1,5}[A-Za-z]?\b",
    # ES/AR: a street type, the name and ``N°`` before the number (``Diagonal Tucumán N° 5052``)
    r"\b(?:Avenida|Av|Diagonal|Calle|Blv|Bv|Boulevard|Pasaje|Ruta|Camino)\.? [^\n;]{1,40}? N[°º] ?\d{1,5}\b",
    # EL: a street in the genitive, Greek capitalised words and a house number (``Ανεμοδουρίου 93``, ``Κώστου 485-545``)
    r"(?:Οδός )?\b[\u0386\u0388-\u038f\u0391-\u03ab][\u0390\u03ac-\u03ce]+(?: [\u0386\u0388-\u038f\u0391-\u03ab]"
    r"[\u0390\u03ac-\u03ce]+){0,2}(?:ου|ού|ης|ής|ας|άς|ων|ών|η|ή|α|ά) \d{1,4}(?:-\d{1,4})?\b",
    # SK: a street named by its adjective alone, Slovak endings after a long vowel (``Svidnícka 820``)
    rf"\b[{_UPPER}][{_LOWER}]+(?:ska|cka|ova) \d{{1,4}}[a-z]?\b",
    # FI: compound names whose type ends the word, beyond ``katu``/``tie`` (``Runokylänbulevardi 6``)
    rf"\b[{_UPPER}][{_LOWER}]+(?:bulevardi|puistikko|raitti|väylä|kaari|aukio|rinne|ranta|katu|tie|kuja|polku) "
    rf"\d{{1,4}}[a-z]?\b",
    # RU/UK/BG: a street type and a capitalised name, then the house number (``ул. Ленина 5``, ``улице Ленина, 5``)
    r"\b(?i:ул|улица|улице|улицы|просп|проспект|пер|переулок|бул|бульвар|наб|набережная|пл|площадь|шоссе|вул"
    r"|вулиця|вулиці|провулок)\.? [\u0400-\u042f][\u0430-\u045f'-]+(?: [\u0400-\u042f][\u0430-\u045f'-]+){0,2},? "
    r"\d{1,4}[\u0430-\u044f]?(?:/\d{1,4})?\b",
    # TR: a name, the street type (cadde, sokak, bulvar, mahalle, yol) and the house number, ``No:`` before it
    # or not (``Bağdat Caddesi No. 45``, ``Atatürk Cad. No: 12``, ``Gül Sokak 7``)
    rf"\b[{_UPPER}][{_LOWER}]+(?: [{_UPPER}][{_LOWER}]+){{0,2}} (?i:cad|cd|caddesi|sok|sk|sokak|sokağı|bulvarı|blv"
    rf"|mah|mahallesi|yolu)\.?,? (?:No ?[:.]? ?)?\d{{1,5}}[A-Za-z]?(?:/\d{{1,4}})?\b",
    # SL/HR: a street type, a preposition and a name (``Cesta na Prevoje 139``, ``Pot v Podgorje 9c``)
    rf"\b(?:Cesta|Pot|Ulica|Trg|Put|Steza) (?:na|v|pod|za|k|ob|pri|do|u|od|sv\.) [{_UPPER}][{_LOWER}]+"
    rf" \d{{1,4}}[a-z]?\b",
    # RU/UK/BG: a street type, the street's name, and a house-number word before the number (``ул. Ленина,
    # д. 5 кв. 12``, ``вулиця Хрещатик, буд. 22``); the number word is the evidence
    rf"\b(?i:{'|'.join(_CYR_TYPES)})\.? [^\n;]{{1,60}}?,? (?:д|буд|дом|будинок)\. ?{_NUMBER}"
    rf"(?: (?:кв|к|корп|стр|оф)\. ?{_NUMBER})*",
    # RO: a type of the Romanian street register and a name, a house number after ``Nr.`` and block,
    # staircase, floor and flat numbers when given (``Strada Florilor Nr. 73 Bl. 32 Sc. 2 Ap. 21``)
    rf"\b(?:{'|'.join(_RO_TYPES)})\.? {_WORD}(?: +Nr\. ?{_NUMBER}| +(?:Bl|Sc|Et|Ap)\. ?[0-9A-Za-z]{{1,4}}"
    rf"| {_WORD}){{0,8}}",
    # HU: a name of one to three words, the street type, the house number and its dot (``Petőfi Sándor utca 68.``)
    rf"\b[{_UPPER}][{_LATIN_EXT}-]+(?: [{_LATIN_EXT}-]+){{0,2}} (?:{'|'.join(_HU_TYPES)})\.? "
    rf"\d{{1,4}}(?:/[A-Za-z0-9]{{1,3}})?\.?",
    # SL, HR, SK: a name (an adjective or genitive) and the street type after it (``Zevnikova ulica 3``,
    # ``Obrežna steza 2``, ``Ilički trg 5b``)
    rf"\b[{_UPPER}][{_LATIN_EXT}]+ (?:ulica|cesta|steza|pot|trg|put|obala|ulice|námestie|nábrežie"
    rf"|šetalište|prečac|odvojak|vijenac|stube|štradon)"
    rf" \d{{1,4}}[a-z]?\b",
    # ZH/TW: a road (路 街 道 巷 弄), sections and lanes, and the number (``南京路12号``, ``中山路A座``)
    rf"[{_CJK}]{{1,10}}[路街道巷弄](?:\d{{1,4}}[段巷弄])*(?:\d{{1,5}}(?:-\d{{1,5}})?[号號]|[A-Za-z][座栋棟])",
    # KO: the road name ending in 로/길/거리 and its building number (``테헤란로 152``, ``언주213길 720-3``)
    # (a counter after the number, ``택시로 10분``, is no building number: the number must end a word)
    r"(?:[\uac00-\ud7a3]+(?:시|도|구|군) ){0,3}[\uac00-\ud7a3]+[0-9\uac00-\ud7a3]*(?:로|길|거리|\d가) (?:지하)?\d{1,5}"
    r"(?:-\d{1,5})?\b(?: \([0-9\uac00-\ud7a3]+\))?",
    # VI: ``Số`` and a number, then a street word (``Số 12 Đường Lê Lợi``, ``Số 6/51 Hẻm 9 Phố Huế``)
    rf"\b(?:Số )?\d{{1,4}}(?:/\d{{1,4}}){{0,2}} (?i:đường|phố|ngõ|hẻm|khu|khóm|kiệt)"
    rf"(?: (?:số \d{{1,4}}|[A-ZÀ-ÖØ-Þ\u0100-\u024f\u1e00-\u1eff][{_LATIN_EXT}]*)){{1,6}}",
)

# One expression for all the rules (one regex pass over the text instead of six); where two rules match at
# the same place the earlier one wins, so the rules needing the most evidence come first.
SPAN_PATTERN = "|".join(f"(?:{rule})" for rule in (*MORE_SPAN_RULES, SPAN_RULES[6], SPAN_RULES[5], SPAN_RULES[3],
                                                     SPAN_RULES[2], SPAN_RULES[1], SPAN_RULES[0], SPAN_RULES[7],
                                                     SPAN_RULES[8], SPAN_RULES[4]))
_YEAR_FIRST = re.compile(r"(?:19|20)\d\d [^\d]")


def street_span(match: str) -> str | None:
    """The street in a match of ``SPAN_RULES`` (trailing punctuation off), or None: a citation (``et al.
    Nature 2020``), or a year before a place name (``In 2019 Central Park ...``; a house number 1900-2099
    written before a street is given up for it)."""
    value = match.strip().rstrip(".,;:")
    if (head := _LABEL_HEAD.match(value)) is not None and re.fullmatch(ADDRESS_LABEL, value):
        if _NOT_STREET_LABEL.match(value):
            return None
        return _inner(value[head.end():]) or _labelled(value[head.end():])
    if (sent := _SENT_HEAD.match(value)) is not None:
        return _inner(value[sent.end():]) or value[sent.end():]
    return None if value.startswith("et ") or _YEAR_FIRST.match(value) else value


def _labelled(value: str) -> str | None:
    """The street after an address label: up to the first sentence end whose last word holds a digit (``Jl.
    Moch. Ramdan No. 11. Recipient`` -> ``... No. 11``), else to the first that holds a digit at all; None
    without a house number, or for an e-mail or a hexadecimal address."""
    value = re.split(r"[:：](?! ?\d)", value)[0]  # the next label's text is not this street's (``No: 12`` is)
    pieces = [value[:m.start()].strip(" ,") for m in _SENTENCE_END.finditer(value)]
    numbered = [p for p in pieces if any(c.isdigit() for c in p)]
    ending = [p for p in numbered if any(c.isdigit() for c in p.split()[-1])]
    street = (ending or numbered or [""])[0]
    if len(street) < 4 or "@" in street or street.lower().startswith("0x") or not any(c.isalpha() for c in street):
        return None
    return street


def _inner(value: str) -> str | None:
    """A street of the other rules inside the text after a label or a verb (``南昌路l座``, ``rue de Beguin``)."""
    match = _rest().search(value)
    return None if match is None else street_span(match.group(0))


@lru_cache(maxsize=1)
def _rest() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{rule})" for rule in (*MORE_SPAN_RULES[2:], *SPAN_RULES)))
