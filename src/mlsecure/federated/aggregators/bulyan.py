"""Bulyan (El Mhamdi, Guerraoui, Rouault 2018, ICML, arXiv:1802.07927).

1. Selection: ``θ = n - 2f`` times, pick the Krum winner among the remaining updates and move it to
   the selection set ``S`` (Krum's neighbour count ``max(1, m - f - 2)`` on the ``m`` remaining;
   the distances are computed once).
2. Aggregation: for each coordinate ``j``, average the ``β = θ - 2f`` values of ``S`` closest to the
   coordinate-wise median of ``S``.

Needs ``n >= 4f + 3``. Bounds each coordinate's deviation by ``O(1/sqrt(d))`` of what Krum alone
allows (the paper's "leeway" argument against attacks hidden in high dimensions).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mlsecure.federated.aggregators.interface import AggregationResult, ByzantineRobust
from mlsecure.federated.aggregators.krum import pairwise_sq_distances


def bulyan_select(dist: np.ndarray, f: int) -> list[int]:
    """Indices of ``θ = n - 2f`` rows chosen by repeated Krum on the shrinking set (order of choice)."""
    n = dist.shape[0]
    remaining = list(range(n))
    chosen: list[int] = []
    for _ in range(n - 2 * f):
        sub = dist[np.ix_(remaining, remaining)].copy()
        np.fill_diagonal(sub, np.inf)
        k = max(1, len(remaining) - f - 2)
        k = min(k, len(remaining) - 1)
        scores = np.sort(sub, axis=1)[:, :k].sum(axis=1) if k > 0 else np.zeros(len(remaining))
        best = remaining[int(np.argmin(scores))]
        chosen.append(best)
        remaining.remove(best)
    return chosen


def closest_to_median_mean(s: np.ndarray, beta: int) -> np.ndarray:
    """Per column of ``s`` ``(θ, d)``, the mean of the ``beta`` entries closest to the column median."""
    med = np.median(s, axis=0)
    if beta >= s.shape[0]:
        return np.asarray(s.mean(axis=0))
    idx = np.argpartition(np.abs(s - med), beta - 1, axis=0)[:beta]
    return np.asarray(np.take_along_axis(s, idx, axis=0).mean(axis=0))


class Bulyan(ByzantineRobust):
    """Krum selection of ``n - 2f`` updates, then a coordinate-wise trimmed mean around their median."""

    name: ClassVar[str] = "bulyan"
    checks_finite: ClassVar[bool] = True  # pairwise_sq_distances sees NaN/inf on its Gram diagonal
    needs: ClassVar[tuple[int, int, str]] = (4, 3, "n >= 4f + 3")

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        chosen = bulyan_select(pairwise_sq_distances(x), self.f)
        beta = len(chosen) - 2 * self.f
        update = closest_to_median_mean(x[chosen], beta)
        return AggregationResult(update=update, selected=tuple(sorted(chosen)), info={"beta": float(beta)})
