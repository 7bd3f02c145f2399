"""Coordinate-wise trimmed mean (Yin, Chen, Ramchandran, Bartlett 2018, arXiv:1803.01498).

For each coordinate ``j`` remove the ``k`` largest and ``k`` smallest of ``{Δ_{ij}}`` and average the
remaining ``n - 2k`` (Yin et al. Definition 2 with ``β = k/n``; tolerates ``f <= k`` Byzantine
clients, needs ``β < 1/2``). ``k`` is ``f`` by default, or ``floor(β n)`` when ``beta`` is given
(then equal to ``scipy.stats.trim_mean(x, beta, axis=0)``). Weights are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from mlsecure.federated.aggregators.columns import sorted_blocks
from mlsecure.federated.aggregators.interface import AggregationResult, AggregatorError, ByzantineRobust


def trimmed_mean(x: np.ndarray, k: int) -> np.ndarray:
    """Mean over axis 0 of ``x`` ``(n, d)`` after dropping the ``k`` smallest and ``k`` largest per column."""
    return trimmed_mean_columns(list(x), k, x.dtype)


def trimmed_mean_columns(columns: Sequence[np.ndarray], k: int, dtype: np.dtype) -> np.ndarray:
    """``trimmed_mean`` of the ``n`` client vectors ``columns`` (as ``dtype``), by a cache-blocked sort along the
    client axis; ``NonFiniteInput`` on NaN/inf."""
    n = len(columns)
    if not 0 <= 2 * k < n:
        raise AggregatorError(f"trimmed mean: cannot trim {k} from each side of {n} values")
    out = np.empty(columns[0].shape[0], dtype=dtype)
    for span, s in sorted_blocks(columns, dtype):
        np.mean(s[:, k:n - k], axis=1, out=out[span])
    return out


class TrimmedMean(ByzantineRobust):
    """Trim ``k = f`` (or ``floor(beta * n)``) values from each end of every coordinate, then average."""

    name: ClassVar[str] = "trimmed-mean"
    checks_finite: ClassVar[bool] = True
    coordinatewise: ClassVar[bool] = True

    needs: ClassVar[tuple[int, int, str]] = (2, 1, "n > 2f")

    def __init__(self, *, f: int = 0, beta: float | None = None) -> None:
        super().__init__(f=f)
        if beta is not None and not 0 <= beta < 0.5:
            raise AggregatorError(f"trimmed mean: beta must be in [0, 0.5), got {beta}")
        self.beta = beta

    def trim_count(self, n: int) -> int:
        return self.f if self.beta is None else math.floor(self.beta * n)

    def min_clients(self) -> int:
        return super().min_clients() if self.beta is None else 1

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        k = self.trim_count(x.shape[0])
        return AggregationResult(update=trimmed_mean(x, k), selected=tuple(range(x.shape[0])),
                                 info={"trimmed_per_side": float(k)})

    def _aggregate_columns(self, columns: Sequence[np.ndarray], w: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return trimmed_mean_columns(columns, self.trim_count(len(columns)), dtype)
