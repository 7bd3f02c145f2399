"""Blocked linear algebra for per-class representations that need not fit in memory at once.

Every function walks the rows of ``x`` (an array or ``np.memmap`` of shape ``(n, d)``) in blocks of
``block`` rows and accumulates in float64, so peak extra memory is ``O(block * d + d * d)``.
"""

from __future__ import annotations

import numpy as np

BLOCK = 8192


def class_moments(x: np.ndarray, rows: np.ndarray, *, block: int = BLOCK,
                  max_rows: int | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(d,)`` and covariance ``(d, d)`` (divided by ``m - 1``) of ``x[rows]``, one block at a time.

    Uses a shifted sum of squares (shift = the first block's mean) so the result is stable when the
    features have a large offset; each block's Gram matrix is formed in float32 (after the shift) and
    accumulated in float64. ``max_rows`` estimates the moments from a uniform sample of that many rows
    (enough for a principal basis; every row is still projected).
    """
    if max_rows is not None and len(rows) > max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_rows, replace=False))
    d = x.shape[1]
    m = len(rows)
    if m == 0:
        return np.zeros(d), np.zeros((d, d))
    shift = np.asarray(x[rows[:block]], dtype=np.float64).mean(axis=0)
    total = np.zeros(d)
    gram = np.zeros((d, d))
    for start in range(0, m, block):
        chunk = (np.asarray(x[rows[start:start + block]], dtype=np.float64) - shift).astype(np.float32)
        total += chunk.sum(axis=0, dtype=np.float64)
        gram += (chunk.T @ chunk).astype(np.float64)
    mean_shifted = total / m
    cov = (gram - m * np.outer(mean_shifted, mean_shifted)) / max(m - 1, 1)
    return mean_shifted + shift, (cov + cov.T) / 2.0


def project(x: np.ndarray, rows: np.ndarray, mean: np.ndarray, basis: np.ndarray, *,
            block: int = BLOCK) -> np.ndarray:
    """``(x[rows] - mean) @ basis`` of shape ``(m, k)``, one block at a time (``basis`` is ``(d, k)``)."""
    out = np.empty((len(rows), basis.shape[1]))
    b32 = basis.astype(np.float32)
    for start in range(0, len(rows), block):
        chunk = (np.asarray(x[rows[start:start + block]], dtype=np.float64) - mean).astype(np.float32)
        out[start:start + block] = chunk @ b32
    return out


def top_eigenvectors(cov: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest eigenvalues (descending) and eigenvectors ``(d, k)`` of a symmetric matrix."""
    from scipy.linalg import eigh

    d = cov.shape[0]
    k = max(1, min(k, d))
    values, vectors = eigh(cov, subset_by_index=[d - k, d - 1])  # only the k largest (LAPACK evr)
    order = np.argsort(values)[::-1]
    return np.clip(values[order], 0.0, None), vectors[:, order]


def pca_reduce(x: np.ndarray, rows: np.ndarray, k: int, *, block: int = BLOCK,
               max_rows: int | None = 4096) -> np.ndarray:
    """The rows' coordinates on their own top-``k`` principal axes (fit on at most ``max_rows``)."""
    mean, cov = class_moments(x, rows, block=block, max_rows=max_rows)
    _, basis = top_eigenvectors(cov, min(k, max(len(rows) - 1, 1)))
    return project(x, rows, mean, basis, block=block)
