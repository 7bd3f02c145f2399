"""Drift tests from (value, count) tables equal the local engine's tests on the expanded samples.

The oracle is ``governance.drift`` itself (``numeric_drift``, ``categorical_drift``), run on the rows the
counts stand for; hypothesis draws samples with many ties, as aggregated columns have.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.engines.tables.drift import _quantiles, weighted_categorical, weighted_numeric
from mlsecure.governance.drift import categorical_drift, numeric_drift

# at least 2 values a side: with one value on each, round(n m / (n + m)) = 0 and scipy.stats.kstwo warns
samples = st.lists(st.integers(-30, 30).map(lambda k: k / 4), min_size=2, max_size=80)


def _pairs(x: list[float]) -> tuple[np.ndarray, np.ndarray]:
    values, counts = np.unique(np.asarray(x), return_counts=True)
    return values, counts


@settings(max_examples=60, deadline=None)
@given(samples, samples)
def test_weighted_numeric_equals_numeric_drift(a: list[float], b: list[float]) -> None:
    expected = numeric_drift(np.asarray(a)[:, None], np.asarray(b)[:, None], bins=10)
    d, p, w_scaled, score = weighted_numeric(*_pairs(a), *_pairs(b), 10)
    assert np.isclose(d, expected.ks_statistic[0], rtol=0, atol=1e-12)
    assert np.isclose(p, expected.ks_pvalue[0], rtol=1e-9, atol=1e-12)
    assert np.isclose(w_scaled, expected.wasserstein_scaled[0], rtol=1e-9, atol=1e-12)
    assert np.isclose(score, expected.psi[0], rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(samples, st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_quantiles_from_counts_equal_numpy(a: list[float], qs: list[float]) -> None:
    assert np.allclose(_quantiles(*_pairs(a), np.asarray(qs)), np.quantile(np.asarray(a), qs), rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=120),
       st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=120))
def test_weighted_categorical_equals_categorical_drift(a: list[str], b: list[str]) -> None:
    expected = categorical_drift(np.asarray(a), np.asarray(b))
    chi2, p, score = weighted_categorical({v: a.count(v) for v in set(a)}, {v: b.count(v) for v in set(b)})
    assert np.isclose(chi2, expected.chi2, rtol=1e-9, atol=1e-12)
    assert np.isclose(p, expected.pvalue, rtol=1e-9, atol=1e-12)
    assert np.isclose(score, expected.psi, rtol=1e-9, atol=1e-12)
