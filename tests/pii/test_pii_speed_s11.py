"""Session 11's speed rewrites answer as the loops they replaced.

Each rewrite runs the same ``str`` method per character through ``map``/``filter`` (or a slice) instead of a
Python-level loop; the old formula is kept here as the oracle and both are compared on any text, Unicode digits
and letters included (``²``, ``٣``, ``Ⅻ`` are where ``isdigit``, ``isdecimal`` and ``isalpha`` part ways).
The whole outputs are compared by ``benchmarks/pii_equivalence.py`` on the real-text corpora.
"""

from __future__ import annotations

import re

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii.spans import Span, _placeholder, ascii_digits, located_spans, located_spans_each
from mlsecure.privacy.pii.types import PiiType
from mlsecure.privacy.pii.validators import ean13

_TRICKY = st.sampled_from(["0", "1", "7", "9", "²", "٣", "０", "Ⅻ", "a", "É", "_", " ", "-", "x", "ß"])
_TEXT = st.one_of(st.text(max_size=20), st.lists(_TRICKY, max_size=20).map("".join))


def _placeholder_before(value: str) -> bool:
    digits = [c for c in value if c.isdigit()]
    return len(digits) >= 6 and len(set(digits[:-1])) == 1 and not any(c.isalpha() for c in value)


def _ean13_sum_before(digits: str) -> int:
    return sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits[:12]))


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_placeholder_equals_the_loop_it_replaced(value: str) -> None:
    assert _placeholder(value) == _placeholder_before(value)


def test_placeholder_known_answers() -> None:
    assert _placeholder("000000000")  # one repeated digit
    assert _placeholder("1111111112")  # ... before a check digit
    assert _placeholder("111-111-1112")
    assert not _placeholder("123456789")
    assert not _placeholder("AA111111")  # letters: a code, not a placeholder
    assert not _placeholder("11111")  # too short to tell


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_ean13_equals_the_weighted_loop(digits: str) -> None:
    assert ean13(digits) == ((10 - _ean13_sum_before(digits) % 10) % 10 == int(digits[12]))


def test_ean13_known_answers() -> None:
    # GS1's worked example (gs1.org check digit calculator): 400638133393 -> check digit 1
    assert ean13("4006381333931")
    assert not ean13("4006381333932")
    assert ean13("978-0-306-40615-7")  # an ISBN-13 is an EAN-13 (digits taken from the text)


def test_ascii_digits_cached_and_unchanged() -> None:
    pattern = r"\d{3}-\\d-[\d]"
    first = ascii_digits(pattern)
    assert first == r"[0-9]{3}-\\d-[[0-9]]"
    assert ascii_digits(pattern) is first  # the second call is the cached string


_WORDS = st.sampled_from(["Ann", "Anna", "Annabel", "al", "algo", "Lee", "Leeds", "URL", "URL832", "555-0100", "é", ""])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(_WORDS, st.sampled_from([" ", ", ", "x", "\n"])), max_size=12).map("".join),
        min_size=1,
        max_size=8,
    ),
    st.sets(_WORDS, max_size=6),
)
def test_located_spans_each_equals_the_whole_alternation(texts: list[str], strings: set[str]) -> None:
    """Searching each text with only the patterns it contains gives the spans of the whole alternation (the
    empty string, which matches everywhere, included)."""
    found = {s: (PiiType.PHONE if s[:1].isdigit() else PiiType.NAME) for s in strings}
    patterns = sorted(strings, key=len, reverse=True)  # longest first, as ``located_patterns`` orders them
    whole = re.compile("|".join(re.escape(p) for p in patterns)) if patterns else None
    expected = [located_spans(t, found, whole) if whole else [] for t in texts]
    assert located_spans_each(pl.Series("t", texts, dtype=pl.Utf8), found, patterns) == expected


def test_located_spans_each_known_answer() -> None:
    found = {"Ann": PiiType.NAME, "555-0100": PiiType.PHONE}
    patterns = ["555-0100", "Annabel", "Ann"]  # ``Annabel`` stands for itself: no span
    got = located_spans_each(pl.Series("t", ["Ann: 555-0100", "Annabel", "none"]), found, patterns)
    assert got == [[Span(0, 3, PiiType.NAME), Span(5, 13, PiiType.PHONE)], [], []]
