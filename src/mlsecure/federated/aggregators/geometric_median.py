"""Geometric median by smoothed Weiszfeld: RFA (Pillutla, Kakade, Harchaoui 2022, IEEE TSP, arXiv:1912.13445).

``v* = argmin_v Σ_i α_i ||v - x_i||`` (weights ``α_i``, e.g. example counts). Weiszfeld's fixed point
``v ← Σ_i β_i x_i / Σ_i β_i`` with ``β_i = α_i / max(ν, ||v - x_i||)`` (RFA Algorithm 2; the floor
``ν`` avoids division by zero when ``v`` hits a data point). Breakdown point ``1/2``: fewer than half
the weight can move ``v*`` only a bounded distance. Each iteration is two passes over ``(n, d)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from mlsecure.federated.aggregators.interface import AggregationResult, AggregatorError, ByzantineRobust


@dataclass(frozen=True)
class WeiszfeldResult:
    median: np.ndarray
    iterations: int
    objective: float
    converged: bool
    weights: np.ndarray  # the final β_i, normalised to sum to 1


def weiszfeld(x: np.ndarray, alpha: np.ndarray, *, max_iter: int = 100, tol: float = 1e-6,
              nu: float = 1e-8) -> WeiszfeldResult:
    """Smoothed Weiszfeld on ``x`` ``(n, d)`` with weights ``alpha`` ``(n,)``; stops when the objective
    ``Σ α_i ||v - x_i||`` improves by less than ``tol`` relative."""
    v = np.asarray(alpha.astype(x.dtype) @ x)
    obj = _objective(x, v, alpha)
    beta = alpha
    for it in range(1, max_iter + 1):
        dist = np.linalg.norm(x - v, axis=1)
        beta = alpha / np.maximum(nu, dist)
        beta = beta / beta.sum()
        v = np.asarray(beta.astype(x.dtype) @ x)
        new = _objective(x, v, alpha)
        if abs(obj - new) <= tol * max(new, 1e-300):
            return WeiszfeldResult(v, it, new, True, beta)
        obj = new
    return WeiszfeldResult(v, max_iter, obj, False, beta)


def _objective(x: np.ndarray, v: np.ndarray, alpha: np.ndarray) -> float:
    return float(alpha @ np.linalg.norm(x - v, axis=1))


class GeometricMedian(ByzantineRobust):
    """RFA: the (weighted) geometric median by smoothed Weiszfeld; ``f`` sets the minimum ``n = 2f + 1``."""

    name: ClassVar[str] = "geometric-median"
    uses_weights: ClassVar[bool] = True

    def __init__(self, *, f: int = 0, max_iter: int = 100, tol: float = 1e-6, nu: float = 1e-8) -> None:
        super().__init__(f=f)
        if max_iter < 1 or not tol > 0 or not nu > 0:
            raise AggregatorError("geometric median: max_iter >= 1, tol > 0 and nu > 0 are required")
        self.max_iter, self.tol, self.nu = max_iter, tol, nu

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        res = weiszfeld(x, w, max_iter=self.max_iter, tol=self.tol, nu=self.nu)
        return AggregationResult(update=res.median, selected=tuple(range(x.shape[0])), scores=res.weights,
                                 info={"iterations": float(res.iterations), "objective": res.objective,
                                       "converged": float(res.converged)})
