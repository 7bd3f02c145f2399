"""Counters are not phone or account numbers, in whatever order and with whatever gaps."""

from __future__ import annotations

import random

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii import PiiType
from mlsecure.privacy.pii.classify import classify_column


@settings(max_examples=25, deadline=None)
@given(start=st.integers(2_000_000_000, 9_000_000_000), gap=st.floats(1.0, 50.0), seed=st.integers(0, 2**16))
def test_shuffled_counters_with_gaps_are_not_pii(start: int, gap: float, seed: int) -> None:
    rng = random.Random(seed)
    ids = rng.sample(range(start, start + int(300 * gap) + 300), 300)
    verdict = classify_column("field_3", pl.Series([str(i) for i in ids]))
    assert verdict.pii_type is None, verdict.reasons


def test_phone_numbers_spread_over_the_plan_are_still_phones() -> None:
    rng = random.Random(0)
    phones = [f"({rng.choice([202, 212, 415, 617, 312])}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
              for _ in range(300)]
    assert classify_column("field_3", pl.Series(phones)).pii_type is PiiType.PHONE
    bare = [p.replace("(", "").replace(") ", "").replace("-", "") for p in phones]
    assert classify_column("phone", pl.Series(bare)).pii_type is PiiType.PHONE
