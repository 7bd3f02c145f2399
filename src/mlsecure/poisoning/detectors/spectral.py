"""Spectral signatures (Tran, Li, Madry 2018, arXiv:1811.00636) and SPECTRE (Hayase et al. 2021,
arXiv:2104.11315).

Threat model: a backdoor leaves a sub-population inside the target class whose representations are
shifted along a common direction (the trigger feature). For the ``m`` rows of class ``c`` with
representations ``R`` (``m x d``), centred ``M = R - mean(R)``, the top right singular vector ``v`` of
``M`` points along that shift.

* Spectral signatures: the paper's score is ``(M_i . v)^2``. With a poisoned share ``eps`` of the
  class, clean rows sit at ``-eps * delta`` and poison at ``(1 - eps) * delta`` along ``v``, so the
  squared score separates them poorly when ``eps`` approaches 0.5 (ART's weakness on 40% poison).
  ``statistic="signed"`` (default) scores the signed projection, oriented so the minority tail is
  positive (positive skewness), which keeps the full separation ``delta``.
* SPECTRE: whiten the class with a *robust* mean and covariance (estimated on the clean majority, here
  by spectral filtering on the top ``k`` principal axes), then score with the quantum entropy
  (QUE) score ``tau_i = x_i^T Q x_i / tr(Q)`` with ``Q = exp(alpha (S - I) / (||S||_2 - 1))`` and ``S``
  the covariance of the whitened class (the detector returns ``log tau``). ``k = min(32, m / 10)``. Whitening makes the
  poison direction stand out even when the clean class has larger natural variance elsewhere.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from mlsecure.poisoning.detectors.interface import Detector, class_rows
from mlsecure.poisoning.linalg import class_moments, project, top_eigenvectors


class SpectralSignatureDetector(Detector):
    name = "spectral"

    def __init__(self, *, statistic: Literal["signed", "squared"] = "signed", max_rows: int | None = 8192) -> None:
        self.statistic = statistic
        self.max_rows = max_rows  # rows sampled per class to estimate the top singular vector

    def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x))
        for rows in class_rows(codes):
            if len(rows) < 3:
                continue
            mean, cov = class_moments(x, rows, max_rows=self.max_rows)
            _, v = top_eigenvectors(cov, 1)
            proj = project(x, rows, mean, v)[:, 0]
            out[rows] = proj**2 if self.statistic == "squared" else _orient(proj)
        return out


class SpectreDetector(Detector):
    name = "spectre"

    def __init__(self, *, n_components: int = 32, alpha: float = 4.0, support: float = 0.55) -> None:
        self.n_components = n_components
        self.alpha = alpha
        self.support = support

    def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x))
        for rows in class_rows(codes):
            k = min(self.n_components, x.shape[1], len(rows) // 10)
            if k < 1:
                continue
            mean, cov = class_moments(x, rows, max_rows=4096)
            _, basis = top_eigenvectors(cov, k)
            z = project(x, rows, mean, basis)
            tau = que_scores(robust_whiten(z, support=self.support), self.alpha)
            out[rows] = np.log(np.maximum(tau, 1e-12))  # monotone; makes the clean bulk near-Gaussian
        return out


def robust_whiten(z: np.ndarray, *, support: float = 0.55, step: float = 0.025) -> np.ndarray:
    """Whiten ``z`` (``m x k``) with a mean and covariance fit on a filtered ``support`` share of it.

    Spectral filtering (the robust-estimation step SPECTRE borrows from Diakonikolas et al. 2017,
    arXiv:1703.00893): repeatedly find the top principal direction of the rows kept so far and drop
    the ``step`` share of all rows lying farthest from the median along it, until ``support`` remain.
    A shifted sub-population dominates the top direction, so it is peeled off first. The estimate
    is then rescaled to consistency (median Mahalanobis distance vs. the chi-square median) and
    refit on every row inside the 97.5% chi-square ellipsoid.
    """
    from scipy.stats import chi2

    m, k = z.shape
    target = max(k + 2, int(np.ceil(support * m)))
    keep = np.arange(m)
    drop = max(1, int(step * m))
    while len(keep) - drop >= target:
        part = z[keep]
        _, vec = np.linalg.eigh(np.cov(part, rowvar=False).reshape(k, k))
        proj = np.abs((part - np.median(part, axis=0)) @ vec[:, -1])
        keep = keep[np.argsort(proj)[: len(keep) - drop]]
    mu = z[keep].mean(axis=0)
    cov = np.cov(z[keep], rowvar=False).reshape(k, k) + 1e-9 * np.eye(k)
    centred = z - mu
    dist = np.einsum("ij,jk,ik->i", centred, np.linalg.inv(cov), centred)
    cov *= float(np.median(dist[keep])) / float(chi2.ppf(0.5, k)) if len(keep) else 1.0
    dist = np.einsum("ij,jk,ik->i", centred, np.linalg.inv(cov), centred)
    inside = dist <= chi2.ppf(0.975, k)
    if inside.sum() > k + 1:
        mu = z[inside].mean(axis=0)
        cov = np.cov(z[inside], rowvar=False).reshape(k, k) + 1e-9 * np.eye(k)
    values, vectors = np.linalg.eigh(cov)
    inv_sqrt = vectors @ np.diag(1.0 / np.sqrt(np.clip(values, 1e-12, None))) @ vectors.T
    whitened: np.ndarray = (z - mu) @ inv_sqrt
    return whitened


def que_scores(w: np.ndarray, alpha: float = 4.0) -> np.ndarray:
    """Quantum-entropy outlier scores of whitened rows ``w`` (``m x k``), SPECTRE's eq. (3)."""
    from scipy.linalg import expm

    m, k = w.shape
    s = (w.T @ w) / max(m, 1)
    norm = float(np.linalg.norm(s, 2))
    scale = alpha / (norm - 1.0) if norm > 1.0 + 1e-9 else alpha
    q = expm(scale * (s - np.eye(k)))
    scores: np.ndarray = np.einsum("ij,jk,ik->i", w, q, w) / float(np.trace(q))
    return scores


def _orient(proj: np.ndarray) -> np.ndarray:
    """Flip the sign so the longer tail (the minority sub-population) is positive."""
    centred = proj - proj.mean()
    skew = float(np.mean(centred**3))
    out: np.ndarray = -proj if skew < 0 else proj
    return out


def _mad(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.4826 * np.median(np.abs(z - np.median(z, axis=0)), axis=0)
    return out
