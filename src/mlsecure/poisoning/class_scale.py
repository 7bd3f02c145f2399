"""Where a class is a real part of a neighbourhood, judged in that class's own spread and size.

Why: the geometry null (``neighbours.geometry_null``) draws a class only where it holds at least
``floor`` of a row's neighbourhood and has some of its own bulk nearby; a thin population inside
another class (injected rows) is thereby kept out of the null. But a clean class that is more
diffuse or much smaller than its neighbours is ALSO thin wherever it meets them: a diffuse class's
tails reach into a compact class's region at a few percent of its rows, a 10% class is a few percent
of every mixed neighbourhood. The floor dropped exactly those rows from the null, so their natural
one-way traffic became evidence: on clean Gaussian classes one of them 1.4 x as spread, 5 of 7
datasets of 3 classes got a finding, and a clean 6:3:1 ``make_classification`` table was flagged on
every seed (5-10% of its rows; ``probes.py``).

The rule here judges the floor in each class's own units: distances to rows of class ``a`` are
divided by ``a``'s typical spread (the median distance of its rows to their ``k``-th nearest row of
the class), and each class's neighbour count by its size. In those units a class with the same
density shape as its neighbours holds the same share whatever its spread and prevalence; a diffuse
or small class's tails hold their fair share and are drawn in the null (at their real, unscaled
share). Injected rows are not helped: they are a thin population relative to their source class
at ITS scale, and the target class's scale and size are set by its own rows (poison is a few
percent of them; the scale is a median).
Cost: one more pass of pairwise distances (Euclidean candidates) and, per label set, a re-ranking
of ``width`` candidates per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassScale:
    """Each row's Euclidean-nearest candidates and the per-class spreads that re-rank them."""

    candidates: np.ndarray  # (n, m): the m Euclidean-nearest rows (self excluded), nearest first
    distance: np.ndarray  # (n, m): their Euclidean distances
    scale: np.ndarray  # (L,): per class, the median distance of its rows to their k-th nearest row of the class


def class_scale(x: np.ndarray, codes: np.ndarray, n_classes: int, *, k: int = 10, width: int = 200,
                block: int = 256) -> ClassScale:
    """Candidates and class spreads of the rows ``x`` ``(n, d)`` under the labels ``codes``."""
    xf = np.asarray(x, dtype=np.float32).reshape(len(x), -1)
    n = len(xf)
    m = min(width, n - 1)
    sq = np.einsum("ij,ij->i", xf, xf)
    candidates = np.empty((n, m), dtype=np.int64)
    distance = np.empty((n, m), dtype=np.float32)
    for start in range(0, n, block):
        xb = xf[start:start + block]
        dist = np.maximum(sq[start:start + block, None] + sq[None, :] - 2.0 * (xb @ xf.T), 0.0)
        dist[np.arange(len(xb)), np.arange(start, start + len(xb))] = np.inf
        near = np.argpartition(dist, m - 1, axis=1)[:, :m]
        part = np.take_along_axis(dist, near, axis=1)
        order = np.argsort(part, axis=1, kind="stable")
        candidates[start:start + len(xb)] = np.take_along_axis(near, order, axis=1)
        distance[start:start + len(xb)] = np.sqrt(np.take_along_axis(part, order, axis=1))
    scale = np.ones(n_classes)
    for a in range(n_classes):
        rows = xf[codes == a]
        if len(rows) < 2:
            continue
        sq_a = np.einsum("ij,ij->i", rows, rows)
        within = np.maximum(sq_a[:, None] + sq_a[None, :] - 2.0 * (rows @ rows.T), 0.0)
        np.fill_diagonal(within, np.inf)
        kth = min(k, len(rows) - 1) - 1
        scale[a] = float(np.median(np.sqrt(np.partition(within, kth, axis=1)[:, kth])))
    positive = scale[scale > 0]
    scale = np.where(scale > 0, scale, positive.min() if len(positive) else 1.0)
    return ClassScale(candidates, distance, scale)


def own_scale_eligible(cs: ClassScale, codes: np.ndarray, n_classes: int, *, k: int, wide: int,
                       floor: float) -> np.ndarray:
    """``(n, L)`` boolean: class ``a`` holds at least ``floor`` of row ``i``'s neighbourhood in its own
    units (distances over ``a``'s spread, counts over ``a``'s size) AND at least ``floor * k`` of the
    row's ``k`` nearest (same units) are ``a``'s bulk (rows of ``a`` that keep their own majority)."""
    scaled = cs.distance / cs.scale[codes[cs.candidates]]
    wide = min(wide, cs.candidates.shape[1])
    order = np.argpartition(scaled, wide - 1, axis=1)[:, :wide]
    order = np.take_along_axis(order, np.argsort(np.take_along_axis(scaled, order, axis=1), axis=1), axis=1)
    graph = np.take_along_axis(cs.candidates, order, axis=1)
    weight = 1.0 / np.maximum(np.bincount(codes, minlength=n_classes), 1)
    share = _counts(graph, codes, n_classes) * weight
    share /= share.sum(axis=1, keepdims=True)
    near = graph[:, :k]
    vote = (_counts(near, codes, n_classes) * weight).argmax(axis=1)
    bulk = _counts(near, codes, n_classes, (vote[near] == codes[near]).ravel().astype(np.float64))
    eligible: np.ndarray = (share >= floor) & (bulk >= floor * k)
    return eligible


def _counts(graph: np.ndarray, codes: np.ndarray, n_classes: int, weights: np.ndarray | None = None) -> np.ndarray:
    """``(n, L)``: per row, how many of its ``graph`` neighbours carry each label (optionally weighted)."""
    cells = np.repeat(np.arange(len(graph)) * n_classes, graph.shape[1]) + codes[graph].ravel()
    counts: np.ndarray = np.bincount(cells, weights=weights, minlength=len(graph) * n_classes).astype(np.float64)
    return counts.reshape(len(graph), n_classes)
