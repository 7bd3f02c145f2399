"""Clipping rules: norm bounding and centered clipping.

- ``NormBound`` (Sun, Kairouz, Suresh, McMahan 2019, arXiv:1911.07963): scale each update to norm at
  most ``M``, ``Δ_k · min(1, M / ||Δ_k||)``, then take the weighted mean. Limits what one boosted
  (model-replacement) update can do; not robust to many small-norm attackers.
- ``CenteredClipping`` (Karimireddy, He, Jaggi 2021, ICML, arXiv:2012.10333, Eq. 3):
  ``v ← v + (1/n) Σ_i (x_i - v) · min(1, τ / ||x_i - v||)``, iterated ``L`` times from a centre ``v``.
  The paper starts from the previous round's aggregate (momentum); this stateless version starts
  from the coordinate-wise median. With ``tau=None`` the radius is the median distance of the updates
  to that start (a data-driven choice; the paper tunes ``τ``).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from mlsecure.federated.aggregators.interface import AggregationResult, Aggregator, AggregatorError, ByzantineRobust


def clip_rows(x: np.ndarray, max_norm: float | np.ndarray) -> np.ndarray:
    """Each row of ``x`` scaled to L2 norm at most ``max_norm``; rows already inside are unchanged."""
    norms = np.linalg.norm(x, axis=1)
    scale = np.minimum(1.0, np.asarray(max_norm) / np.maximum(norms, 1e-300))
    return np.asarray(x * scale[:, None].astype(x.dtype))


def centered_clip(x: np.ndarray, w: np.ndarray, center: np.ndarray, tau: float, iterations: int) -> np.ndarray:
    """Karimireddy et al.'s centered clipping from ``center`` with radius ``tau``, ``iterations`` times."""
    v = center.astype(x.dtype, copy=True)
    for _ in range(iterations):
        diff = x - v
        norms = np.linalg.norm(diff, axis=1)
        scale = w * np.minimum(1.0, tau / np.maximum(norms, 1e-300))
        v = v + np.asarray(scale.astype(x.dtype) @ diff)
    return v


class NormBound(Aggregator):
    """Clip every update to norm ``max_norm`` (default: the median update norm), then average."""

    name: ClassVar[str] = "norm-bound"
    uses_weights: ClassVar[bool] = True

    def __init__(self, *, max_norm: float | None = None) -> None:
        if max_norm is not None and not max_norm > 0:
            raise AggregatorError(f"norm bound: max_norm must be positive, got {max_norm}")
        self.max_norm = max_norm

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        bound = self.max_norm if self.max_norm is not None else float(np.median(np.linalg.norm(x, axis=1)))
        return AggregationResult(update=np.asarray(w.astype(x.dtype) @ clip_rows(x, bound)),
                                 selected=tuple(range(x.shape[0])), info={"max_norm": bound})


class CenteredClipping(ByzantineRobust):
    """Centered clipping around the coordinate-wise median; ``f`` sets the minimum ``n = 2f + 1``."""

    name: ClassVar[str] = "centered-clipping"
    uses_weights: ClassVar[bool] = True

    def __init__(self, *, f: int = 0, tau: float | None = None, iterations: int = 3) -> None:
        super().__init__(f=f)
        if tau is not None and not tau > 0:
            raise AggregatorError(f"centered clipping: tau must be positive, got {tau}")
        if iterations < 1:
            raise AggregatorError(f"centered clipping: iterations must be at least 1, got {iterations}")
        self.tau, self.iterations = tau, iterations

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        start = np.median(x, axis=0)
        tau = self.tau if self.tau is not None else float(np.median(np.linalg.norm(x - start, axis=1)))
        tau = max(tau, 1e-12)
        return AggregationResult(update=centered_clip(x, w, start, tau, self.iterations),
                                 selected=tuple(range(x.shape[0])), info={"tau": tau})
