"""Krum and Multi-Krum (Blanchard, El Mhamdi, Guerraoui, Stainer 2017, NeurIPS, arXiv:1703.02757).

For client ``i`` write ``i → j`` when ``V_j`` is among the ``n - f - 2`` vectors closest to ``V_i``
(``j ≠ i``). The score is ``s(i) = Σ_{i→j} ||V_i - V_j||²`` (squared distances, Section 4); Krum
outputs ``V_{i*}`` with ``i* = argmin_i s(i)``; Multi-Krum averages the ``m`` lowest-scoring
vectors (``m = n - f`` by default, Section 5). The guarantee needs ``2f + 2 < n``.

The guide's sketch sums *unsquared* norms: same neighbour count (``dists[1:n-f-1]`` holds ``n-f-2``
entries once the zero self-distance is first), but a different score, which can pick another
client (``tests/federated/test_aggregators.py::test_krum_uses_squared_distances``).

Distances come from one Gram matrix: ``||a - b||² = ||a||² + ||b||² - 2 a·b`` on column-centred
rows (centring keeps the cancellation small), ``O(n² d)`` in BLAS (``dsyrk``, float64, over cache-sized
column blocks, so no ``(n, d)`` temporary) instead of ``n²`` Python loops. Every entry is certified:
with ``S = ||a||² + ||b||²`` (centred) the rounding error is at most ``γ S``, ``γ = 4 (c + d/c + 8) u``
(block length ``c``, ``u = 2^-53``; products of float32 are exact in float64); a pair whose bound exceeds
``RHO`` times its distance (near-duplicates: ``D < ~2e-4 S`` at ``d = 10^6``) is recomputed from its
difference, after one re-centred Gram on the rows involved when they are many. So every distance is
within relative ``RHO = 1e-8`` of exact arithmetic and Krum's choices are those of the direct
``Σ (a_k - b_k)²`` except on ties that close. The Gram diagonal doubles as the finiteness check.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from scipy.linalg.blas import dsyrk

from mlsecure.federated.aggregators.interface import (
    AggregationResult,
    AggregatorError,
    ByzantineRobust,
    NonFiniteInput,
)

GRAM_BLOCK = 4096  # columns per dsyrk call: an (n, 4096) float64 block is 3.2 MiB at n = 100
RHO = 1e-8  # every distance is within this relative error of exact arithmetic


def pairwise_sq_distances(x: np.ndarray) -> np.ndarray:
    """``D[i, j] = ||x_i - x_j||²`` for ``x`` of shape ``(n, d)``; ``(n, n)`` float64, zero diagonal.

    Raises ``NonFiniteInput`` when ``x`` holds a NaN or inf (seen on the Gram diagonal, no extra pass)."""
    n = x.shape[0]
    scale, exponent = 1.0, 0
    dist, bound = _gram_distances(x, np.arange(n), scale)
    if not np.isfinite(bound).all():
        if not np.isfinite(x).all():
            raise NonFiniteInput
        # finite float64 input whose squares overflow: scale by a power of two (exact) and undo at the end
        exponent = math.frexp(float(np.max(np.abs(x))))[1]
        scale = math.ldexp(1.0, -exponent)
        dist, bound = _gram_distances(x, np.arange(n), scale)
    loose = np.triu(bound > RHO * dist, k=1)
    rows = np.arange(n)
    while np.count_nonzero(loose) > 2 * n:  # many near-ties: re-centre on the rows involved (boosted outliers)
        sub = np.flatnonzero(loose.any(axis=0) | loose.any(axis=1))
        if len(sub) == len(rows):
            break
        rows = sub
        d_sub, b_sub = _gram_distances(x, rows, scale)
        block = np.ix_(rows, rows)
        redo = loose[block]
        dist[block] = np.where(redo, d_sub, dist[block])
        loose[block] = redo & (b_sub > RHO * d_sub)
    for i in np.flatnonzero(loose.any(axis=1)):
        _exact_row(x, int(i), np.flatnonzero(loose[i]), dist, scale)
    dist = np.triu(dist, k=1)
    dist += dist.T
    if exponent:
        with np.errstate(over="ignore"):  # a distance beyond float64's range is inf, as in exact arithmetic
            dist = np.ldexp(dist, 2 * exponent)
    return dist


def _gram_distances(x: np.ndarray, rows: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Upper triangles of the Gram distances of ``scale * x[rows]`` (centred on their mean) and of their
    rounding-error bounds ``γ (sq_i + sq_j)``."""
    d = x.shape[1]
    c = min(d, GRAM_BLOCK)
    sel = x if len(rows) == x.shape[0] else x[rows]  # a subset is copied once (rare: near-tie repair)
    buf = np.empty((sel.shape[0], c), dtype=np.float64)
    gram = np.zeros((sel.shape[0], sel.shape[0]), dtype=np.float64, order="F")
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf input shows on the diagonal, checked by the caller
        for s in range(0, d, c):
            b = buf[:, :min(d, s + c) - s]
            if scale == 1.0:
                np.copyto(b, sel[:, s:s + c])
            else:
                np.multiply(sel[:, s:s + c], scale, out=b)
            b -= b.mean(axis=0)
            gram = dsyrk(1.0, b.T, beta=1.0, c=gram, trans=1, overwrite_c=1)  # upper triangle of b @ b.T
    sq = np.diag(gram).copy()
    total = sq[:, None] + sq[None, :]
    with np.errstate(invalid="ignore", over="ignore"):
        dist = np.maximum(total - 2.0 * gram, 0.0)
    gamma = 4.0 * (c + math.ceil(d / c) + 8) * np.finfo(np.float64).eps / 2
    return dist, gamma * total


def _exact_row(x: np.ndarray, i: int, cols: np.ndarray, dist: np.ndarray, scale: float) -> None:
    """``dist[i, cols]`` recomputed from the differences ``x[cols] - x[i]`` in float64 (blocked)."""
    acc = np.zeros(len(cols))
    d = x.shape[1]
    for s in range(0, d, GRAM_BLOCK):
        diff = x[cols, s:s + GRAM_BLOCK].astype(np.float64) * scale - x[i, s:s + GRAM_BLOCK].astype(np.float64) * scale
        acc += np.einsum("ij,ij->i", diff, diff)
    dist[i, cols] = acc


def krum_scores(dist: np.ndarray, f: int) -> np.ndarray:
    """``s(i)``: the sum of the ``n - f - 2`` smallest ``D[i, j]``, ``j ≠ i``, for each row of ``D``."""
    n = dist.shape[0]
    k = n - f - 2
    if k < 1:
        raise AggregatorError(f"Krum needs n > 2f + 2 clients (at least {2 * f + 3} for f={f}), got {n}")
    off = dist.copy()
    np.fill_diagonal(off, np.inf)
    return np.asarray(np.sort(off, axis=1)[:, :k].sum(axis=1))


class Krum(ByzantineRobust):
    """Output the single update with the lowest Krum score."""

    name: ClassVar[str] = "krum"
    checks_finite: ClassVar[bool] = True
    needs: ClassVar[tuple[int, int, str]] = (2, 3, "n > 2f + 2")

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        scores = krum_scores(pairwise_sq_distances(x), self.f)
        best = int(np.argmin(scores))
        return AggregationResult(update=x[best].copy(), selected=(best,), scores=scores)


class MultiKrum(ByzantineRobust):
    """Average the ``m`` updates with the lowest Krum scores (``m = n - f`` when not given)."""

    name: ClassVar[str] = "multi-krum"
    checks_finite: ClassVar[bool] = True

    needs: ClassVar[tuple[int, int, str]] = (2, 3, "n > 2f + 2")

    def __init__(self, *, f: int = 0, m: int | None = None) -> None:
        super().__init__(f=f)
        if m is not None and m < 1:
            raise AggregatorError(f"Multi-Krum: m must be at least 1, got {m}")
        self.m = m

    def min_clients(self) -> int:
        return max(super().min_clients(), self.m or 0)

    def requirement(self) -> str:
        return super().requirement() + (f" and n >= m={self.m}" if self.m else "")

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        scores = krum_scores(pairwise_sq_distances(x), self.f)
        m = self.m if self.m is not None else x.shape[0] - self.f
        chosen = np.sort(np.argsort(scores, kind="stable")[:m])
        return AggregationResult(update=mean_rows(x, chosen), selected=tuple(int(i) for i in chosen),
                                 scores=scores)


def mean_rows(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``x[rows].mean(axis=0)`` bit for bit (rows added in order, then divided) without copying ``x[rows]``."""
    out: np.ndarray = np.array(x[rows[0]])
    for i in rows[1:]:
        out += x[i]
    np.true_divide(out, len(rows), out=out, casting="unsafe")
    return out
