"""US postal conventions in free text (issue 15, libpostal's addresses): USPS Publication 28 delivery lines and
the city-state-ZIP last line, with look-alikes that must stay untouched.

Known answers: each input's expected redaction is written out; the look-alikes (a phone number after a state-like
word, ``NW`` as a word of prose, a range of years) are texts whose digits and capitals resemble an address.
"""

from __future__ import annotations

import re

import pytest

from mlsecure.privacy.pii.address_frames import STATE_ZIP_RUN, state_zip
from mlsecure.privacy.pii.addresses import SPAN_PATTERN as CELL_STREET
from mlsecure.privacy.pii.anonymize import Method, transform_text
from mlsecure.privacy.pii.frame import polars
from mlsecure.privacy.pii.spans import SMALL
from mlsecure.privacy.pii.street_spans import USPS_STREET
from mlsecure.privacy.pii.types import PiiType

REDACTED = [
    # a directional after the street type: the span takes it whole
    ("1600 Pennsylvania Ave NW, Washington", "[STREET_ADDRESS], Washington"),
    ("5276 Old Mill Rd NE, Atlanta", "[STREET_ADDRESS], Atlanta"),
    ("Ship it to 44 Elm St SW today.", "Ship it to [STREET_ADDRESS] today."),
    # a ZIP code or ZIP+4 after a city and a state (abbreviation or name): a postcode, ZIP+4 included
    ("Stamford, CT 06902", "Stamford, CT [ZIP_CODE]"),
    ("Oklahoma City, Oklahoma 73106", "Oklahoma City, Oklahoma [ZIP_CODE]"),
    ("Olympia, WA 98532-1900", "Olympia, WA [ZIP_CODE]"),
    ("Gadsden, AL, 35950-2049", "Gadsden, AL, [ZIP_CODE]"),
    # capitals, USPS suffix abbreviations, ranged and lettered house numbers, ordinal street names
    ("103 BEAL PKWY SE, FT WALTON BEACH", "[STREET_ADDRESS], FT WALTON BEACH"),
    ("912-914 8TH ST, CLARKSTON", "[STREET_ADDRESS], CLARKSTON"),
    ("1036-1038 MC CARROLL ST", "[STREET_ADDRESS]"),
    ("99-40 63rd Rd, Queens", "[STREET_ADDRESS], Queens"),
]

UNTOUCHED = [
    "The NW corner of the field was wet.",
    "Data from 2019-2020 was used.",
    "Versions 3.1-3.4 ran on 2 NEW HOSTS.",
    "He had 2 HEAD CT SCANS last week.",
    "Turn NW at the fork, then go 3 miles.",
]


def _redact(texts: list[str]) -> list[str]:
    return list(transform_text(polars().Series("text", texts), Method.REDACT, key=None).to_list())


@pytest.mark.parametrize(("text", "expected"), REDACTED)
def test_us_convention_redacted(text: str, expected: str) -> None:
    assert _redact([text]) == [expected]


@pytest.mark.parametrize("text", UNTOUCHED)
def test_look_alike_untouched(text: str) -> None:
    assert _redact([text]) == [text]


def test_phone_after_state_like_word_stays_phone() -> None:
    # seven digits after ``NY`` are no ZIP code: still a phone number, never a postcode
    assert _redact(["Call me at NY 555-1234 tomorrow."]) == ["Call me at NY [PHONE] tomorrow."]
    assert re.search(STATE_ZIP_RUN, "Call me at NY 555-1234") is None
    assert re.search(STATE_ZIP_RUN, "Call NY 212-555-0100") is None


def test_state_zip_reader() -> None:
    assert state_zip("Stamford, CT 06902") == [("06902", PiiType.ZIP_CODE)]
    assert state_zip("Olympia, WA 98532-1900") == [("98532-1900", PiiType.ZIP_CODE)]
    assert state_zip("Boston, MA 00012") == []  # ZIP3 000 is not in use: no ZIP code


def test_directional_never_cut_in_half() -> None:
    # whole or not at all, in the cell pattern and in the running-text one
    for pattern in (CELL_STREET, USPS_STREET):
        for text in ("1600 Pennsylvania Ave NW, x", "5276 Old Mill Rd NE", "123 Main St SE Montreal"):
            match = re.search(pattern, text)
            assert match is not None
            end = match.group(0).rstrip(",")
            assert not text[len(end):len(end) + 1].isalpha(), (pattern[:20], text, end)


def test_capitals_line_must_end() -> None:
    assert re.search(USPS_STREET, "912-914 8TH ST, CLARKSTON").group(0) == "912-914 8TH ST,"  # type: ignore[union-attr]
    assert re.search(USPS_STREET, "2 HEAD CT SCANS") is None


def test_large_column_same_answers() -> None:
    # above ``SMALL`` cells the patterns run in Polars (Rust's regex): the same redactions
    texts = [t for t, _ in REDACTED] + UNTOUCHED
    repeats = SMALL // len(texts) + 2
    expected = ([e for _, e in REDACTED] + UNTOUCHED) * repeats
    assert _redact(texts * repeats) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Aston House, Cornwall Avenue, London, N3 1LF", "Cornwall Avenue"),
    ("Victoria Institute, The Blvd, ST6 6BD, United Kingdom", "The Blvd"),
    ("29 Lottbridge Drove, Eastbourne, East Sussex BN23 6QD", "29 Lottbridge Drove"),
])
def test_uk_street_before_postcode(text: str, expected: str) -> None:
    out = _redact([text])[0]
    assert expected not in out and "[STREET_ADDRESS]" in out


@pytest.mark.parametrize("text", ["Meet me on Church Road, ok?", "We walked down Church Road, then home."])
def test_uk_street_needs_postcode(text: str) -> None:
    assert _redact([text]) == [text]


def test_dotted_state_and_counts_after_states() -> None:
    assert _redact(["Brooklyn, N.Y. 11211"]) == ["Brooklyn, N.Y. [ZIP_CODE]"]
    assert state_zip("In Texas 25000") == []  # a count after a state, no city before it


@pytest.mark.parametrize(("text", "expected"), [
    ("5850 US Highway 431, STE 1, Albertville", "[STREET_ADDRESS], STE 1, Albertville"),
    ("Drive to 12 COUNTY ROAD 9 tonight", "Drive to [STREET_ADDRESS] tonight"),
])
def test_numbered_highway(text: str, expected: str) -> None:
    assert _redact([text]) == [expected]


def test_highway_needs_house_number() -> None:
    assert _redact(["Take US Highway 431 north for 2 miles."]) == ["Take US Highway 431 north for 2 miles."]
