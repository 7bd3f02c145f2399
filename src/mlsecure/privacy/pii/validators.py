"""Checksums and structural rules that turn a pattern match into evidence (or counter-evidence).

Each validator takes one candidate string (already matching its recognizer's pattern) and returns
whether it is a valid instance. They are pure functions, called only on pattern matches from a sample.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

Validator = Callable[[str], bool]

_NON_DIGIT = re.compile(r"\D")


def digits_of(text: str) -> str:
    """The decimal digits of ``text`` as ASCII: a number written in fullwidth or Arabic-Indic digits gets
    the same checks (Luhn, blocklists, ranges) as the same number in 0-9."""
    digits = _NON_DIGIT.sub("", text)
    if digits.isascii():
        return digits
    return "".join(str(unicodedata.decimal(ch, 0)) for ch in digits)


def luhn(text: str) -> bool:
    """ISO/IEC 7812-1 Luhn mod-10 check over the digits of ``text``."""
    digits = digits_of(text)
    if len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def credit_card(text: str) -> bool:
    """13-19 digits, a payment-card Major Industry Identifier (ISO/IEC 7812-1: first digit 1-6, i.e.
    airlines, travel, banking and merchandising; UATP, Dankort and Maestro included) and a valid Luhn digit.
    The issuer lists change every year; the MII and the check digit do not."""
    digits = digits_of(text)
    if not 13 <= len(digits) <= 19 or digits[0] not in "123456" or (digits[0] == "1" and len(digits) != 15):
        return False  # MII 1 is UATP, 15 digits
    return luhn(digits) and len(set(digits[:-1])) > 1


_SSN_INVALID = {"078051120", "219099999", "123456789"}  # advertised/example numbers (SSA)


def ssn(text: str) -> bool:
    """SSA rules: area 001-665, 667-899; group 01-99; serial 0001-9999; not the known example numbers."""
    digits = digits_of(text)
    if len(digits) != 9 or digits in _SSN_INVALID or len(set(_NON_DIGIT.findall(text.strip()))) > 1:
        return False
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    return 0 < area < 900 and area != 666 and group != 0 and serial != 0


def iban(text: str) -> bool:
    """ISO 13616: the country's BBAN format from the SWIFT IBAN registry (python-stdnum ships the whole
    registry, so every country in it is covered) and ISO 7064 mod 97-10 == 1."""
    from mlsecure.privacy.pii.national_ids import compact

    _iban = _stdnum_iban()
    letters = [c for c in text[2:] if c.isalpha()]
    if any(c.islower() for c in text[:2]) or len({c.islower() for c in letters}) > 1:
        return False  # ``LV80 bANK ...``: one case throughout the BBAN (``MC11 ... h79`` is written so)
    value = compact(text)
    try:
        return bool(_iban.validate(value, check_country=False))
    except Exception:  # stdnum raises its own exception classes on malformed input: not valid
        return False


@lru_cache(maxsize=1)
def _stdnum_iban() -> Any:
    """``stdnum.iban``, imported on first use (python-stdnum is the ``pii`` extra)."""
    from mlsecure.errors import require

    require("stdnum", "pii")
    from stdnum import iban as module

    return module


def aba_routing(text: str) -> bool:
    """ABA routing transit number: prefix 00-12, 21-32, 61-72, 80 and 3-7-1 weighted checksum."""
    d = digits_of(text)
    if len(d) != 9:
        return False
    prefix = int(d[:2])
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    n = [int(c) for c in d]
    return (3 * (n[0] + n[3] + n[6]) + 7 * (n[1] + n[4] + n[7]) + (n[2] + n[5] + n[8])) % 10 == 0


def npi(text: str) -> bool:
    """CMS National Provider Identifier: 10 digits starting 1 or 2, Luhn over '80840' + the digits."""
    d = digits_of(text)
    return len(d) == 10 and d[0] in "12" and luhn("80840" + d)


def npi_issued(text: str) -> bool:
    """An NPI as CMS has issued them so far: the format allows a first digit of 1 or 2 (45 CFR 162.406,
    the 2004 final rule), every one of the ~8 million NPIs in NPPES starts with 1. Used for a bare
    number with no context word, where a Luhn digit alone (one number in ten) says little."""
    return npi(text) and digits_of(text)[0] == "1"


_VIN_VALUES = {**{str(i): i for i in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
               **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin(text: str) -> bool:
    """ISO 3779 / 49 CFR 565.15: 17 characters without I, O, Q and the mod-11 check digit at position 9."""
    v = text.strip().upper()
    if len(v) != 17 or any(c not in _VIN_VALUES for c in v):
        return False
    total = sum(_VIN_VALUES[c] * w for c, w in zip(v, _VIN_WEIGHTS, strict=True))
    check = total % 11
    return v[8] == ("X" if check == 10 else str(check))


def ean13(text: str) -> bool:
    """GS1 EAN-13 / GTIN-13 check digit (weights 1, 3 alternating): a barcode, i.e. *not* PII."""
    d = digits_of(text)
    if len(d) != 13:
        return False
    total = sum(map(int, d[0:12:2])) + 3 * sum(map(int, d[1:12:2]))  # weight 1 at even places, 3 at odd
    return (10 - total % 10) % 10 == int(d[12])


def ip_address(text: str) -> bool:
    """An IPv4 or IPv6 address (zone ids, brackets and IPv4-mapped forms included) or a CIDR range.
    Bare ``::`` (the unspecified address) is not one: it names no host."""
    t = text.strip().strip("[]")
    if t.count("/") == 1:
        address, prefix = t.split("/")
        if not prefix.isdigit():
            return False
        try:
            ipaddress.ip_network(f"{address.split('%')[0]}/{prefix}", strict=False)
        except ValueError:
            return False
        return True
    if t == "::":
        return False
    try:
        ipaddress.ip_address(t.split("%")[0] if ":" in t else t)
    except ValueError:
        return False
    return True


_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}$")


def email(text: str) -> bool:
    """RFC 5321 shape with an alphabetic TLD; no network look-up (no public-suffix download)."""
    t = text.strip()
    return bool(_EMAIL.match(t)) and ".." not in t and not t.split("@")[0].startswith(".")


def phone(text: str, region: str = "US") -> bool:
    """A number ``phonenumbers`` considers valid, parsed with ``region`` as the default country."""
    return _phone_cached(_without_extension(text.strip()), region)


PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "IE", "PT", "PL", "SE", "IL", "IN",
                 "CA", "AU", "BR", "MX", "JP", "CN", "SG", "ZA")


def phone_any_region(text: str) -> bool:
    """Valid as a national number of one of ``PHONE_REGIONS`` (or as an international one)."""
    value = _without_extension(text.strip())
    return any(_phone_cached(value, r) for r in PHONE_REGIONS)


# compiled once: these run for every phone and URL candidate (``re``'s module functions look their cache up each call)
_INTERNATIONAL = re.compile(r"(?:\+|00) ?\(?[1-9]")  # a country code never starts with 0
_NON_DIGITS = re.compile(r"[^0-9]+")
_EXTENSION = re.compile(r" ?(?:x|ext\.?|#) ?\d{1,6}$")
_HOST_END = re.compile(r"[/:?#]")


def phone_in_text(text: str, region: str = "US", *, any_region: bool = False) -> bool:
    """A phone number inside running text: valid for ``region``, or written with its international prefix.
    With ``any_region`` (the anonymizer's setting: a redacted number costs little, a leaked one a lot) also
    any phone-shaped number (``phone_shaped``: 7 to 15 digits, written with the phone pattern's digits,
    spaces, dots, dashes, slashes and parentheses), valid in some numbering plan or not: an unlisted,
    since-reassigned or mistyped number still reaches or identifies someone, and libphonenumber's plans
    reject many real ones (``(0009) 191937``, bare ``331143414``). Dates are never phone numbers."""
    t = text.strip()
    if _date_like(t, shapes=not any_region):
        return False
    if _INTERNATIONAL.match(t) is not None and phone_shaped(t):
        return True  # a country code never starts with 0
    if not any_region:  # reporting, not redacting: a run of digits needs its context word (``phone_written``)
        return phone_written(t, region)
    return phone(t, region) or (not _QUANTITY.fullmatch(t) and phone_shaped(t, min_digits=LOCAL_DIGITS))


def phone_written(text: str, region: str = "US") -> bool:
    """Valid for ``region`` and written as phone numbers are: with separators, none of its groups after
    the first a single digit. A bare run of digits carries no sign of being a phone number (an order,
    account or provider number is as likely): inside running text it is one only after a context word.
    ``2123 25870 1`` has the digits of a New York number and the grouping of an Australian Medicare card
    (its issue number last): no numbering plan writes a one-digit group."""
    t = _without_extension(text.strip())
    if t.isdigit() or any(len(g) == 1 for g in _NON_DIGITS.split(t.strip("()+ "))[1:]):
        return False
    return phone(t, region)


def phone_after_number_word(text: str) -> bool:
    """After a word as vague as "number": the whole candidate is a number libphonenumber's matcher finds
    in one of ``PHONE_REGIONS`` (valid, with the trunk prefix where the region's plan requires it), so
    ``order number 2023-00451`` or ``number 12345678`` stay what they are."""
    t = _without_extension(text.strip())
    return not _date_like(t, shapes=False) and any(_matched_whole(t, r) for r in PHONE_REGIONS)


@lru_cache(maxsize=65536)
def _matched_whole(text: str, region: str) -> bool:
    import phonenumbers

    matches = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    return any(m.raw_string == text for m in matches)


LOCAL_DIGITS = 7  # a subscriber number without its area code (``369 5069``, ``092 48 34``)
# A count written with thousands separators after a one-digit lead (``8 336 817``, ``1.000.000``): no
# numbering plan groups a phone number that way.
_QUANTITY = re.compile(r"[1-9]([ .'\u00a0\u202f])\d{3}(?:\1\d{3})+")


def phone_shaped(text: str, *, min_digits: int = 8) -> bool:
    """E.164 shape: 8 (or ``min_digits``) to 15 digits, for a number written with ``+`` or found after a
    phone context word; the number plan is not checked (a made-up or since-reassigned number is still a
    phone number). Dates, timestamps and year ranges are not."""
    digits = digits_of(_without_extension(text.strip()))
    return min_digits <= len(digits) <= 15 and not _date_like(text.strip(), shapes=False)


_DATE_SHAPE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_TIMESTAMP = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4})[ T]\d")
# A dotted version (``6531.11.3``, ``31.0.818.0``): no numbering plan writes a one-digit group between dots.
_VERSION = re.compile(r"\d+(?:\.\d+)*\.\d(?:\.\d+)*|\d+(?:\.\d+)+\.\d")
_YEARS = re.compile(r"(?:1[89]|20)\d\d ?[-/] ?(?:1[89]|20)\d\d")  # ``2019-2023``, ``1999/2000``


def _date_like(text: str, *, shapes: bool = True) -> bool:
    """A date, a date-shaped triple (with ``shapes``), a range of years, a dotted version, or a date with its time
    (``2022-01-26 04:56``, of which a phone pattern takes ``2022-01-26 04``): never a phone number."""
    if (shapes and _DATE_SHAPE.fullmatch(text)) or date(text) or _YEARS.fullmatch(text):
        return True
    stamp = _TIMESTAMP.match(text)  # any year: ``Gecko/2108-04-08 08:35:02`` in a user agent is a timestamp
    return (stamp is not None and parse_date(stamp.group(1)) is not None) or _VERSION.fullmatch(text) is not None


def _without_extension(text: str) -> str:
    return _EXTENSION.sub("", text)


@lru_cache(maxsize=65536)
def _phone_cached(text: str, region: str) -> bool:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%m-%d-%Y",
                 "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y")
_TEXT_DATE_FORMATS = _DATE_FORMATS[7:]
# The numeric formats of ``_DATE_FORMATS`` as one expression (strptime's own %Y, %m and %d patterns), with
# the order in which strptime would try them for each separator: month first before day first for ``/``.
_D, _M = r"(3[01]|[12]\d|0[1-9]|[1-9])", r"(1[0-2]|0[1-9]|[1-9])"
# Hungarian, Croatian and Serbian end a numeric date with a dot (``2001.05.03.``, ``03.05.2001.``); Korean,
# Hungarian and Lithuanian write the year first with dots.
# CLDR's short formats put a space after each dot in Korean, Hungarian, Slovene, Slovak and Croatian
# (``2001. 5. 3.``, ``3. 5. 2001``).
_YEAR_FIRST = re.compile(r"(\d{4})([-/]|\. ?)(\d{1,2})\2(\d{1,2})\.?")
_YEAR_LAST = re.compile(r"(\d{1,2})([-/]|\. ?)(\d{1,2})\2(\d{4})(?:\.| г\.?)?")  # Bulgarian: the year's abbreviation
_CJK_DATE = re.compile(r"(\d{4}) ?[年년] ?(\d{1,2}) ?[月월] ?(\d{1,2}) ?[日일]")  # 2001年5月3日, 2001년 5월 3일
# ``3 mai 2001``, ``3. März 2001``, ``3 de mayo de 2001``, ``3 мая 2001``; and ``Mai 3, 2001``
_DAY_MONTH = re.compile(r"(\d{1,2})\.? (?:de )?([^\W\d_]{3,12})\.?,? (?:de )?(\d{4})(?: г\.?| m\.)?")
_MONTH_DAY = re.compile(r"([^\W\d_]{3,12})\.? (\d{1,2}),? (\d{4})")
_ORDERS = {"/": ("md", "dm"), "-": ("dm", "md"), ".": ("dm",)}
_PART = {"d": re.compile(_D), "m": re.compile(_M)}


def parse_date(text: str) -> _dt.date | None:
    """The date in one of ``_DATE_FORMATS`` (what ``datetime.strptime`` would return trying them in order;
    numeric forms are read with one regular expression instead of eleven strptime calls)."""
    t = text.strip()
    if match := _YEAR_FIRST.fullmatch(t):
        return _ymd(match.group(1), match.group(3), match.group(4))
    if match := _YEAR_LAST.fullmatch(t):
        a, sep, b, year = match.groups()
        for order in _ORDERS[sep.strip()]:
            month, day = (a, b) if order == "md" else (b, a)
            if (found := _ymd(year, month, day)) is not None:
                return found
        return None
    if not any(map(str.isalpha, t)):
        return None
    if match := _CJK_DATE.fullmatch(t):
        return _ymd(match.group(1), match.group(2), match.group(3))
    for fmt in _TEXT_DATE_FORMATS:
        try:
            return _dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    return _named_month(t)


def _named_month(text: str) -> _dt.date | None:
    """A date with its month written out in one of the languages of ``months``."""
    from mlsecure.privacy.pii.months import month_number

    if match := _DAY_MONTH.fullmatch(text):
        day, word, year = match.groups()
    elif match := _MONTH_DAY.fullmatch(text):
        word, day, year = match.groups()
    else:
        return None
    month = month_number(word)
    return None if month is None else _ymd(year, str(month), day)


def _ymd(year: str, month: str, day: str) -> _dt.date | None:
    if not (_PART["m"].fullmatch(month) and _PART["d"].fullmatch(day)):
        return None
    try:
        return _dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def date(text: str) -> bool:
    """A calendar date between 1900 and 2100 in one of the common formats."""
    parsed = parse_date(text)
    return parsed is not None and 1900 <= parsed.year <= 2100


# US ZIP3 prefixes not in use (USPS); a 5-digit value starting with one of them is not a ZIP code.
_UNUSED_ZIP3 = {"000", "001", "002", "003", "004", "213", "269", "343", "345", "348", "353", "419", "428",
                "429", "517", "518", "519", "529", "533", "536", "552", "568", "578", "579", "589", "621",
                "632", "642", "643", "659", "663", "682", "694", "695", "696", "697", "698", "699", "702",
                "709", "715", "732", "742", "771", "817", "818", "819", "839", "848", "849", "854", "858",
                "861", "862", "866", "867", "868", "869", "876", "886", "887", "888", "892", "896", "899",
                "909", "929", "987"}


def zip_code(text: str) -> bool:
    d = text.strip()
    return len(d) in (5, 10) and d[:5].isdigit() and d[:3] not in _UNUSED_ZIP3


def age(text: str) -> bool:
    t = text.strip()
    return t.isdigit() and 0 <= int(t) <= 120


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def crypto_address(text: str) -> bool:
    """Bitcoin base58check (version 0x00/0x05, double-SHA-256 checksum), bech32 shape, or Ethereum hex."""
    t = text.strip()
    if t.startswith("0x"):
        return len(t) == 42 and all(c in "0123456789abcdefABCDEF" for c in t[2:])
    if t.lower().startswith("bc1"):
        return 14 <= len(t) <= 74 and all(c in "qpzry9x8gf2tvdw0s3jn54khce6mua7l" for c in t[3:].lower())
    if not 25 <= len(t) <= 35 or any(c not in _B58 for c in t):
        return False
    value = 0
    for c in t:
        value = value * 58 + _B58.index(c)
    raw = value.to_bytes(25, "big") if value.bit_length() <= 200 else b""
    if len(raw) != 25 or raw[0] not in (0, 5):
        return False
    return hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


def always(text: str) -> bool:
    del text
    return True


def mac_address(text: str) -> bool:
    """EUI-48 in colon, dash or Cisco dot notation, one separator throughout; not the all-zero or
    broadcast address (they name no device)."""
    t = text.strip()
    separators = {c for c in t if not c.isalnum()}
    hex_digits = digits_of_hex(t).lower()
    return len(separators) == 1 and len(hex_digits) == 12 and hex_digits not in ("0" * 12, "f" * 12)


def digits_of_hex(text: str) -> str:
    return "".join(c for c in text if c in "0123456789abcdefABCDEF")


# Generic top-level domains and the second-level labels under which country codes register names
# (``co.uk``, ``com.br``): a bare ``name.tld`` is only taken for a web address with one of these, so
# ``setup.py`` or ``model.pt`` are not URLs.
_GENERIC_TLDS = frozenset(("com", "org", "net", "edu", "gov", "mil", "int", "info", "biz", "io", "ai", "app",
                           "dev", "cloud", "online", "site", "tech", "xyz", "me", "tv"))
_SECOND_LEVEL = frozenset(("co", "com", "org", "net", "ac", "gov", "edu", "gob", "gouv", "ne", "or", "go"))


def domain(text: str) -> bool:
    """A bare domain name whose suffix is a generic TLD or ``<co|com|org|ac|gov...>.<country code>``; not one-letter
    labels before a Title Case suffix (``S.Com.``: an abbreviation, as firms write their legal form)."""
    labels = text.strip().lower().rstrip(".").split(".")
    if len(labels) < 2 or any(not label or label.startswith("-") or label.endswith("-") for label in labels):
        return False
    tld = labels[-1]
    if all(len(label) == 1 for label in labels[:-1]) and text.strip().rstrip(".").split(".")[-1].istitle():
        return False  # ``S.Com.``, ``S.A.Com``: a firm's abbreviation (sociedad comanditaria), written Title Case
    if tld in _GENERIC_TLDS:
        return any(c.isalpha() for c in labels[-2])
    return len(tld) == 2 and len(labels) >= 3 and labels[-2] in _SECOND_LEVEL


def url(text: str) -> bool:
    """``http(s)://`` or ``www.`` followed by a host with a dot and an alphabetic top-level label."""
    t = text.strip()
    rest = t.split("://", 1)[1] if "://" in t else t
    host = _HOST_END.split(rest.split("@")[-1], maxsplit=1)[0].strip("[]")
    if host.startswith("www."):
        host = host[4:]
    labels = host.split(".")
    return (len(labels) >= 2 and labels[-1].isalpha() and len(labels[-1]) >= 2) or ip_address(host)


# BS 7666 postcode rules (UK Government Data Standards Catalogue; the regular expression published with
# the ONS Postcode Directory): letters that never occur in each position are excluded.
UK_POSTCODE = (r"(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
               r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})")
