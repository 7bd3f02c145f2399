"""The span and full-cell queries write ``\\d`` as ``[0-9]`` when no cell holds another decimal digit
(a compile-time saving): digits of other scripts must still be read as digits, as before."""

from __future__ import annotations

import polars as pl
import pytest

from mlsecure.privacy.pii.spans import ascii_digits, scan_spans

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"\d{3}-\d{4}", "[0-9]{3}-[0-9]{4}"),
    (r"[\d\s-]+", "[[0-9]\\s-]+"),  # a class inside a class: valid in Rust's regex syntax
    (r"\\d", r"\\d"),  # an escaped backslash followed by d is not a digit class
    (r"\\\d", r"\\[0-9]"),  # an escaped backslash, then a digit class
    (r"\D+", r"\D+"),  # only \d is rewritten
])
def test_ascii_digits_rewrites_only_unescaped_digit_classes(pattern: str, expected: str) -> None:
    assert ascii_digits(pattern) == expected


def test_phone_in_other_scripts_is_found_beside_ascii_cells() -> None:
    ascii_cells = ["call me at 415-555-0132 tomorrow", "nothing here"]
    for table in (FULLWIDTH, ARABIC_INDIC):
        other = [c.translate(table) for c in ascii_cells]
        alone = scan_spans(pl.Series(other))
        assert {k: v.value for k, v in alone.found.items()} == {"415-555-0132".translate(table): "phone"}
        mixed = scan_spans(pl.Series(ascii_cells + other))  # one non-ASCII digit keeps \d for every cell
        assert {k: v.value for k, v in mixed.found.items()} == {
            "415-555-0132": "phone", "415-555-0132".translate(table): "phone"}
    assert {k: v.value for k, v in scan_spans(pl.Series(ascii_cells)).found.items()} == {"415-555-0132": "phone"}


def test_numbers_in_other_scripts_get_the_same_checks_as_ascii() -> None:
    from mlsecure.privacy.pii.validators import credit_card, digits_of, ssn

    assert digits_of("０７８-０５-１１２０") == "078051120"
    for table in (FULLWIDTH, ARABIC_INDIC):
        assert not ssn("078-05-1120".translate(table))  # the SSA's advertised example number, in any script
        assert ssn("536-22-8726".translate(table))
        assert credit_card("4111 1111 1111 1111".translate(table))  # Luhn-valid test card
        assert not credit_card("4111 1111 1111 1112".translate(table))  # one digit off: Luhn fails
