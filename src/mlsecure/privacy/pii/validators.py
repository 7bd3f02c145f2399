"""Checksums and structural rules that turn a pattern match into evidence (or counter-evidence).

Each validator takes one candidate string (already matching its recognizer's pattern) and returns
whether it is a valid instance. They are pure functions, called only on pattern matches from a sample.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache

Validator = Callable[[str], bool]

_NON_DIGIT = re.compile(r"\D")


def digits_of(text: str) -> str:
    return _NON_DIGIT.sub("", text)


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
    """13-19 digits, a known issuer prefix (IIN) and a valid Luhn check digit."""
    digits = digits_of(text)
    if not 13 <= len(digits) <= 19 or not luhn(digits):
        return False
    two, four = int(digits[:2]), int(digits[:4])
    return (
        digits[0] == "4"  # Visa
        or 51 <= two <= 55 or 2221 <= four <= 2720  # Mastercard
        or two in (34, 37)  # Amex
        or digits.startswith(("6011", "65", "644", "645", "646", "647", "648", "649"))  # Discover
        or 3528 <= four <= 3589  # JCB
        or two in (36, 38, 39) or 300 <= int(digits[:3]) <= 305  # Diners
        or digits.startswith("62")  # UnionPay
    )


_SSN_INVALID = {"078051120", "219099999", "123456789"}  # advertised/example numbers (SSA)


def ssn(text: str) -> bool:
    """SSA rules: area 001-665, 667-899; group 01-99; serial 0001-9999; not the known example numbers."""
    digits = digits_of(text)
    if len(digits) != 9 or digits in _SSN_INVALID:
        return False
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    return 0 < area < 900 and area != 666 and group != 0 and serial != 0


IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
    "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31,
    "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24,
    "XK": 20,
}


def iban(text: str) -> bool:
    """ISO 13616: the country's length and ISO 7064 mod 97-10 == 1."""
    compact = re.sub(r"[\s-]", "", text).upper()
    if len(compact) < 15 or IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


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
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(d[:12]))
    return (10 - total % 10) % 10 == int(d[12])


def ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
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
    return _phone_cached(text.strip(), region)


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


def parse_date(text: str) -> _dt.date | None:
    t = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return _dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
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
