"""The one Clopper-Pearson implementation against scipy's exact binomial interval."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from mlsecure.stats import clopper_pearson, clopper_pearson_bounds, clopper_pearson_lower


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (1, 1000), (537, 1000)])
def test_matches_scipy_exact_interval(k: int, n: int) -> None:
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    assert clopper_pearson(k, n) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_elementwise_bounds_equal_the_scalar_ones() -> None:
    k = np.array([0, 1, 5, 9, 10])
    low, high = clopper_pearson_bounds(k, 10, 0.9)
    assert [(float(a), float(b)) for a, b in zip(low, high, strict=True)] == \
        [clopper_pearson(int(i), 10, 0.9) for i in k]
    assert clopper_pearson(0, 0) == (0.0, 1.0)
    assert float(clopper_pearson_lower(7, 10, 0.05)) == pytest.approx(clopper_pearson(7, 10, 0.9)[0])
