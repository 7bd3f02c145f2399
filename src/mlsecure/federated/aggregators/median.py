"""Coordinate-wise median (Yin, Chen, Ramchandran, Bartlett 2018, arXiv:1803.01498).

``Δ_j = med{Δ_{1j}, ..., Δ_{nj}}`` for each coordinate ``j``. Tolerates ``f < n/2`` Byzantine
clients per coordinate (breakdown point ``1/2``); the error bound of Yin et al. (Theorem 1) grows
with ``f/n`` and the spread of honest updates. Weights are ignored (the rule is unweighted). For even
``n`` the two middle values are averaged (``np.median``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from mlsecure.federated.aggregators.columns import sorted_blocks
from mlsecure.federated.aggregators.interface import AggregationResult, ByzantineRobust


class CoordinateMedian(ByzantineRobust):
    """Coordinate-wise median; ``f`` only sets the minimum ``n = 2f + 1``."""

    name: ClassVar[str] = "median"
    checks_finite: ClassVar[bool] = True
    coordinatewise: ClassVar[bool] = True

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        return AggregationResult(update=coordinate_median(list(x), x.dtype), selected=tuple(range(x.shape[0])))

    def _aggregate_columns(self, columns: Sequence[np.ndarray], w: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return coordinate_median(columns, dtype)


def coordinate_median(columns: Sequence[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """The coordinate-wise median of ``n`` client vectors (``np.median`` of the stacked ``(n, m)`` matrix along
    axis 0, as ``dtype``), by a cache-blocked sort along the client axis; ``NonFiniteInput`` on NaN/inf."""
    n = len(columns)
    out = np.empty(columns[0].shape[0], dtype=dtype)
    for span, s in sorted_blocks(columns, dtype):
        if n % 2:
            out[span] = s[:, n // 2]
        else:
            np.add(s[:, n // 2 - 1], s[:, n // 2], out=out[span])
            out[span] /= 2
    return out
