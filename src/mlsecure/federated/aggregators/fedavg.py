"""FedAvg: the weighted mean of client updates (McMahan et al. 2017, arXiv:1602.05629).

``Δ = Σ_k (n_k / n) Δ_k`` with ``n_k`` the client's example count. Not robust: one Byzantine client
moves the mean arbitrarily far (breakdown point ``0``). The baseline every robust rule is measured
against, and the floor of their cost (one pass over the ``(n, d)`` matrix).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from mlsecure.federated.aggregators.columns import weighted_sum
from mlsecure.federated.aggregators.interface import AggregationResult, Aggregator


def weighted_mean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``w @ x`` for ``x`` of shape ``(n, d)`` and weights ``(n,)`` summing to 1; keeps ``x``'s dtype.

    Accumulated row by row in cache-sized blocks (``columns.weighted_sum``), so a NaN/inf in any row, even
    one with weight 0, reaches the result; ``NonFiniteInput`` then."""
    return weighted_sum(list(x), w, x.dtype)


class FedAvg(Aggregator):
    """Weighted average (weights = example counts); no Byzantine tolerance."""

    name: ClassVar[str] = "fedavg"
    uses_weights: ClassVar[bool] = True
    coordinatewise: ClassVar[bool] = True
    checks_finite: ClassVar[bool] = True

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        return AggregationResult(update=weighted_mean(x, w), selected=tuple(range(x.shape[0])))

    def _aggregate_columns(self, columns: Sequence[np.ndarray], w: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return weighted_sum(columns, w, dtype)
