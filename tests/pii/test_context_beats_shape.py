"""A type confirmed by context beats one confirmed only by the value's shape, whichever pass ran first (issue 15,
session 9): the rule of ``claims.Claims`` and the values of real formats that fit two types."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlsecure.privacy.pii.claims import Claims, Evidence
from mlsecure.privacy.pii.spans import SMALL, confirmed_strings
from mlsecure.privacy.pii.types import PiiType

T = PiiType


def test_context_replaces_shape_and_not_the_reverse() -> None:
    found = Claims()
    found.setdefault("98532-1900", T.PHONE)  # a shape claim, as the name passes make them
    found.claim("98532-1900", T.ZIP_CODE, Evidence.CONTEXT)
    found.claim("98532-1900", T.SSN)  # shape after context: ignored
    found.claim("98532-1900", T.PHONE, Evidence.CONTEXT)  # context after context: first stays
    assert found == {"98532-1900": T.ZIP_CODE}
    assert found.evidence("98532-1900") is Evidence.CONTEXT


def test_equal_shape_evidence_keeps_the_first() -> None:
    found = Claims()
    found.claim("2800101400050", T.CREDIT_CARD)
    found.claim("2800101400050", T.NATIONAL_ID)
    assert found == {"2800101400050": T.CREDIT_CARD}
    assert found.evidence("2800101400050") is Evidence.SHAPE
    assert found.settled("2800101400050", Evidence.SHAPE)
    assert not found.settled("2800101400050", Evidence.CONTEXT)


@given(
    st.lists(
        st.tuples(st.sampled_from([T.PHONE, T.ZIP_CODE, T.SSN, T.NATIONAL_ID]), st.sampled_from(list(Evidence))),
        min_size=1,
        max_size=6,
    )
)
def test_the_winner_is_the_first_claim_of_the_strongest_evidence(claims: list[tuple[PiiType, Evidence]]) -> None:
    found = Claims()
    for pii_type, evidence in claims:
        found.claim("v", pii_type, evidence)
    strongest = max(e for _, e in claims)
    assert found["v"] is next(t for t, e in claims if e == strongest)
    assert found.evidence("v") is strongest


# (text, the string, its type): each value also fits another format, which its shape alone would give it
CONTEXT_WINS = [
    # a ZIP+4 after a state (an address frame) is phone-shaped; the phone pass runs first
    ("Ship to 1200 Harbor Ave, Olympia, WA 98532-1900 by Friday", "98532-1900", T.ZIP_CODE),
    # a Romanian CNP (python-stdnum's check) that also passes the payment-card check (MII 2, Luhn); the card
    # pass runs before the national-ID pass, which only reads it after its context word
    ("Pacient: CNP 2800101400050, internat.", "2800101400050", T.NATIONAL_ID),
    # a 3-2-4 number is SSN-shaped; after a phone word it is the phone number the writer gave
    ("Reach the desk by phone: 212-55-1234 after nine", "212-55-1234", T.PHONE),
    # a Canadian SIN is phone-shaped: after its context word it stays a SIN
    ("Applicant SIN 130 692 544 verified", "130 692 544", T.NATIONAL_ID),
]
# the same values with no context word or frame: the first shape stays
SHAPE_WINS = [
    ("Call 98532-1900 now", "98532-1900", T.PHONE),
    ("ref 2800101400050 attached", "2800101400050", T.CREDIT_CARD),
    ("the code 212-55-1234 was given", "212-55-1234", T.SSN),
    ("call 130 692 544 today", "130 692 544", T.PHONE),
    # "number" comes before every kind of number: no evidence of a phone (a phone-shaped SSN, a card)
    ("My social security number is 212-55-1234", "212-55-1234", T.SSN),
    ("my credit card number is 4111 1111 1111 1111", "4111 1111 1111 1111", T.CREDIT_CARD),
]


@pytest.mark.parametrize("cells", [1, SMALL + 6], ids=["python", "polars"])
@pytest.mark.parametrize(("text", "value", "pii_type"), CONTEXT_WINS + SHAPE_WINS)
def test_type_of_a_value_that_fits_two_formats(text: str, value: str, pii_type: PiiType, cells: int) -> None:
    found = confirmed_strings(pl.Series("t", [text] * cells))
    assert found.get(value) is pii_type


def test_context_and_shape_in_one_column() -> None:
    """One string, two cells: one gives it context, the other not; context decides for the column."""
    texts = ["ref 2800101400050 attached", "Pacient: CNP 2800101400050, internat."]
    assert confirmed_strings(pl.Series("t", texts)).get("2800101400050") is T.NATIONAL_ID


def test_context_that_fails_its_check_leaves_the_shape_and_takes_no_shorter_part() -> None:
    """A card after a phone word is no phone number: it stays a card, and no part of it becomes a phone."""
    found = confirmed_strings(pl.Series("t", ["card 4111 1111 1111 1111, phone 4111 1111 1111 1111"]))
    assert found == {"4111 1111 1111 1111": T.CREDIT_CARD}
