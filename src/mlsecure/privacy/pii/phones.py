"""Phone numbers of a column whose header does not say "phone": which numbering plans to read it in.

With a phone header the classifier accepts a national number valid in any of ``PHONE_REGIONS``. Without
one, trying every plan on every cell would type columns of random 8-10 digit ids as phones (some plan
admits most of them) and cost two dozen parses per failing cell. Instead the column names its own plans:

* a number written with its international prefix (``+49 30 1234567``, ``0033 6 12 34 56 78``) names its
  country, and is a phone number whether or not its plan still admits it (a reassigned or mistyped
  number still reaches or identifies someone; ``validators.phone_in_text`` reads running text the same
  way). A country code never starts with 0;
* a national number written as phone numbers are written (separators, a trunk ``0``, an area code in
  parentheses: ``06 12 34 56 78``, ``020 7946 0018``, ``(11) 91234-5678``) names the first plan of
  ``PHONE_REGIONS`` that admits it. It needs 8+ digits, and is not one when it has a one-digit group
  after the first (``1-47879-384-9``, an ISBN), is a date (``2021-09-05`` is a valid German number), is
  grouped 3-2-4 like a US SSN, splits like a postcode (``4700-123``, ``01310-100``), or is a bare run with a
  trunk 0 and fewer than 10 or more than 12 digits (an EAN-8 or EAN-13 code);
* a plan named by at least ``MIN_VOTES`` and ``VOTE_SHARE`` of the first ``PROBE`` candidates joins the
  caller's region.

Then each cell is valid when it is international, or valid in one of those plans. A bare run of digits
(``6948564642``) names no plan itself, but is read in the plans the rest of its column named; except a run
of 11 digits without a trunk 0 that is a mobile number of one plan only (``13812345678``, China's
mobiles, written bare).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache, partial

from mlsecure.privacy.pii.places import postcode_family
from mlsecure.privacy.pii.validators import PHONE_REGIONS, digits_of, phone, phone_shaped

PROBE = 40  # distinct candidates read to choose the column's numbering plans
MIN_VOTES = 2  # a plan one odd value alone admits is not the column's
VOTE_SHARE = 0.2  # nor one a few odd values admit (a trunk-zero barcode is a valid German number)
MIN_DIGITS, MAX_DIGITS = 7, 15  # E.164: at most 15 digits with the country code; Iceland's numbers have 7
NATIONAL_DIGITS = 8  # a national number without its country code: 7 digits is mostly a subscriber number alone
_POSTCODE_SPLITS = frozenset(("9999-999", "99999-999", "99999-9999", "99999-99999"))
TRUNK_DIGITS = (10, 12)  # a bare national number with its trunk 0: FR, DE, IT, JP 10, GB, IN, BR 11 digits
_INTERNATIONAL = re.compile(r"^(?:\+|00) ?\(?[1-9]")
_EXTENSION = re.compile(r" ?(?:x|ext\.?|#) ?\d{1,6}$")
_SSN_GROUPS = re.compile(r"\d{3}[- ]\d{2}[- ]\d{4}")
_GROUPS = re.compile(r"[^0-9]+")
_WRITTEN = re.compile(r"^0|[ ().\-/]")  # a trunk prefix or a separator: how people write phone numbers


def column_phone_validator(candidates: Sequence[str], region: str = "US") -> Callable[[str], bool]:
    """The validator for one column's phone-pattern matches (``candidates``, most frequent first)."""
    return partial(_valid, regions=column_regions(candidates, region))


def column_regions(candidates: Sequence[str], region: str = "US") -> tuple[str, ...]:
    """``region`` and the numbering plans the column's own numbers name (see the module docstring)."""
    votes: Counter[str] = Counter()
    probe = candidates[:PROBE]
    for text in probe:
        found = _named_region(_EXTENSION.sub("", text.strip()))
        if found is not None and found != region:
            votes[found] += 1
    need = max(MIN_VOTES, VOTE_SHARE * len(probe))
    return (region, *sorted(r for r, n in votes.items() if n >= need))


def international(text: str) -> bool:
    """Written with a country code (``+`` or ``00``) a plan knows, 7 to 15 digits, and not a date."""
    t = _EXTENSION.sub("", text.strip())
    return _INTERNATIONAL.match(t) is not None and _country_of(t) is not None and phone_shaped(t, min_digits=MIN_DIGITS)


@lru_cache(maxsize=65536)  # the same numbers come back in every column and audit
def _valid(text: str, regions: tuple[str, ...]) -> bool:
    t = _EXTENSION.sub("", text.strip())
    if not _phone_like(t):
        return False
    if _INTERNATIONAL.match(t) is not None:
        return international(t)
    # the plans (cached) before the date check (a parse): most cells of a date column fail a plan first
    return _national_shape(t) and any(phone(t, r) for r in regions) and phone_shaped(t, min_digits=MIN_DIGITS)


def _named_region(text: str) -> str | None:
    if not _phone_like(text):
        return None
    if _INTERNATIONAL.match(text) is not None:
        return _country_of(text) if phone_shaped(text, min_digits=MIN_DIGITS) else None
    if text.isdigit() and text[0] != "0":
        return _bare_mobile_region(text)
    if _WRITTEN.search(text) is None or not _national_shape(text):
        return None  # a bare run of digits could be any id: it names no plan
    if text.isdigit() and not TRUNK_DIGITS[0] <= len(text) <= TRUNK_DIGITS[1]:
        return None  # ``05373249``: a trunk zero and fewer or more digits than national numbers have
    found = next((r for r in PHONE_REGIONS if phone(text, r)), None)
    return found if found is not None and phone_shaped(text, min_digits=MIN_DIGITS) else None


@lru_cache(maxsize=65536)
def _bare_mobile_region(text: str) -> str | None:
    """The one plan in which a bare run of 11 digits is a mobile number (``13812345678``: China writes its
    mobiles as 11 bare digits, no trunk prefix; so may Brazil, ``11912345678``). A run that is a mobile in
    two plans names neither. Ten digits name no plan: a third of random 10-digit ids are Indian, Italian or
    British mobiles. Random 11-digit ids are one plan's mobiles far below ``VOTE_SHARE`` (at most ~7%)."""
    if len(text) != BARE_MOBILE_DIGITS:
        return None
    import phonenumbers

    found = []
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and \
                phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
            found.append(region)
    return found[0] if len(found) == 1 else None


BARE_MOBILE_DIGITS = 11


def _phone_like(text: str) -> bool:
    """7 to 15 digits and not grouped as a US SSN (3-2-4: the NANP groups 3-3-4, and other plans' 9-digit
    numbers would take SSN columns). Dates (``2021-09-05`` is a valid German number) are ruled out after
    the plans, by ``phone_shaped``."""
    return MIN_DIGITS <= len(digits_of(text)) <= MAX_DIGITS and _SSN_GROUPS.fullmatch(text) is None


def _national_shape(text: str) -> bool:
    """Shaped as a national number with its area code: 8+ digits (7 is a subscriber number alone, or a
    Portuguese postcode ``4700-123``), no one-digit group after the first, and not in a postcode format
    that splits digits 4-3, 5-3, 5-4 or 5-5 (PT, BR, US ZIP+4, IR)."""
    return len(digits_of(text)) >= NATIONAL_DIGITS and not _single_digit_group(text) and \
        postcode_family(text) not in _POSTCODE_SPLITS


def _single_digit_group(text: str) -> bool:
    """A group of one digit after the first (``1-47879-384-9``, an ISBN's check digit): no national plan
    writes one (``validators.phone_written`` reads running text the same way)."""
    return any(len(g) == 1 for g in _GROUPS.split(text.strip("()+ "))[1:])


@lru_cache(maxsize=65536)
def _country_of(text: str) -> str | None:
    """The main region of the number's country code (``+44 ...`` -> ``GB``), or None."""
    import phonenumbers

    t = "+" + text[2:].lstrip() if text.startswith("00") else text
    try:
        number = phonenumbers.parse(t, None)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code is None:
        return None
    found = phonenumbers.region_code_for_country_code(number.country_code)
    return None if found in ("ZZ", "001") else str(found)
