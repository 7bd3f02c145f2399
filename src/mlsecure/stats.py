"""Binomial confidence bounds used across capabilities (robustness, certification, membership inference).

Clopper & Pearson (1934): the exact interval from Beta quantiles. One implementation, elementwise over
numpy arrays, with scalar conveniences on top.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import beta


def clopper_pearson_bounds(k: np.ndarray | int, n: np.ndarray | int,
                           confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided ``confidence`` interval for ``k`` successes in ``n`` trials, elementwise: ``(low, high)``,
    0 at ``k = 0`` and 1 at ``k = n`` (and ``(0, 1)`` where ``n = 0``)."""
    k_arr = np.asarray(k, dtype=np.float64)
    n_arr = np.broadcast_to(np.asarray(n, dtype=np.float64), k_arr.shape)
    a = (1.0 - confidence) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k_arr > 0, beta.ppf(a, np.maximum(k_arr, 1), n_arr - k_arr + 1), 0.0)
        high = np.where(k_arr < n_arr, beta.ppf(1 - a, k_arr + 1, np.maximum(n_arr - k_arr, 1)), 1.0)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The two-sided interval for one count, as floats."""
    if n <= 0:
        return 0.0, 1.0
    low, high = clopper_pearson_bounds(k, n, confidence)
    return float(low), float(high)


def clopper_pearson_lower(k: np.ndarray | int, n: int, alpha: float) -> np.ndarray:
    """One-sided ``(1 - alpha)`` lower bound, elementwise: the two-sided ``1 - 2 alpha`` interval's low end
    (equals statsmodels ``proportion_confint(k, n, alpha=2 * alpha, method="beta")[0]``)."""
    return clopper_pearson_bounds(k, n, 1.0 - 2.0 * alpha)[0]
