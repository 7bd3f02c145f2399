"""SCAn: statistical contamination analysis (Tang, Wang, Tang, Zhang 2021, "Demon in the Variant",
USENIX Security, arXiv:1908.00686).

Threat model: a backdoor (dirty-label BadNets/blended, or clean-label) puts rows with a second
*identity* into one target class: the trigger. A representation ``r`` (``k``-dim) is modelled as
``r = mu + eps`` with the class identity ``mu ~ N(0, S_mu)`` and the within-class variation
``eps ~ N(0, S_eps)`` shared by every class (the "untangling" of identity and variation).
``S_mu, S_eps`` are fit by EM (``global_model``: E-step ``mu_c = S_eps (n_c S_mu + S_eps)^-1 S_mu F
sum_c r``, ``F = S_eps^-1``; M-step the covariances of the identities and of the residuals).

Per class ``c`` (``n`` rows): split it in two by EM under the global metric ``F`` (``two_identity_split``:
row ``i`` joins component 1 when ``(r_i - u1)^T F (r_i - u1) < (r_i - u2)^T F (r_i - u2)``), then the
log-likelihood ratio of "two identities" over "one identity" per row (``untangling_statistic``)::

    J_c = (1/n) sum_i [(r_i - mu)^T F (r_i - mu) - (r_i - u_g(i))^T F (r_i - u_g(i))]

A clean class is one identity plus variation the global model already explains, so ``J_c`` is small;
an infected class holds two. The class is infected when its anomaly index
``(J*_c - median) / (1.4826 MAD)`` over the classes (``J* = J / max J``) exceeds ``e^2 ~ 7.39``
(the paper's threshold).

Departures from the paper, all in the direction of needing less from the defender:

* The paper builds the global model on a small clean set. Here no clean set is needed: the model that
  tests class ``c`` is fit on the *other* classes only (leave-one-class-out), so the poison, which sits
  in the target class, cannot inflate ``S_eps`` and hide itself.
* Representations are first projected on the top ``n_components`` axes of the pooled within-class
  covariance (``S_eps`` of 512-dim activations is otherwise singular), with a small ridge.
* Which component is the poison: the smaller one, unless the larger one's identity (component mean)
  lies more than ``majority_factor`` (2) times farther, in the squared metric ``F``, from every other
  class's identity than the smaller one's. A trigger is a feature no natural class has, while the
  clean component of the target class is an ordinary class; this catches a clean-label attack on
  more than half of its class. The minority prior stays first because dirty-label poison from many
  source classes sits *between* the other classes' identities in raw features (a mixture), where
  the novelty rule alone picks the wrong side.

Scores (``kind = "class_test"``): rows of an infected class get the signed Fisher discriminant
``(r - (u_p + u_c) / 2)^T F (u_p - u_c)`` (positive: nearer the poison component); rows of the other
classes get the same discriminant shifted so its maximum is 0 (ranking kept, nothing flagged).
Needs at least ``min_classes`` classes (the MAD of ``J*`` over 2-4 classes is meaningless).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mlsecure.poisoning.detectors.interface import Detector, class_rows
from mlsecure.poisoning.linalg import class_moments, project, top_eigenvectors

THRESHOLD = math.exp(2.0)  # the paper's anomaly-index threshold


@dataclass(frozen=True)
class Untangling:
    """SCAn's result: per-row scores ``(n,)``, per-class ``statistic`` (``J``) and ``anomaly`` index
    ``(n_classes,)``, the infected classes and the rows on the poison side of each infected class."""

    scores: np.ndarray
    statistic: np.ndarray
    anomaly: np.ndarray
    infected: np.ndarray  # boolean (n_classes,)
    poison: np.ndarray  # boolean (n,)


class UntanglingDetector(Detector):
    name = "untangling"
    kind = "class_test"

    def __init__(self, *, n_components: int = 32, ridge: float = 1e-3, threshold: float = THRESHOLD,
                 min_classes: int = 5, max_iter: int = 100) -> None:
        self.n_components = n_components
        self.ridge = ridge
        self.threshold = threshold
        self.min_classes = min_classes
        self.max_iter = max_iter

    def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        return untangle(x, codes, n_components=self.n_components, ridge=self.ridge, threshold=self.threshold,
                        min_classes=self.min_classes, max_iter=self.max_iter).scores


def untangle(x: np.ndarray, codes: np.ndarray, *, n_components: int = 32, ridge: float = 1e-3,
             threshold: float = THRESHOLD, min_classes: int = 5, max_iter: int = 100,
             majority_factor: float = 2.0) -> Untangling:
    """SCAn on ``x`` ``(n, d)`` with class codes ``0..L-1`` ``(n,)`` (see the module docstring)."""
    groups = class_rows(codes)
    n_classes = len(groups)
    z = _within_class_basis(x, groups, n_components)
    z -= z.mean(axis=0)
    k = z.shape[1]
    counts = np.array([len(rows) for rows in groups], dtype=np.float64)
    sums = np.stack([z[rows].sum(axis=0) for rows in groups])
    scatters = np.stack([_scatter(z[rows]) for rows in groups])
    stat = np.zeros(n_classes)
    scores = np.zeros(len(z))
    splits: list[tuple[np.ndarray, np.ndarray]] = []  # per class: (poison side, signed discriminant)
    s_mu, _, ids = global_model(counts, sums, scatters, max_iter=max_iter)
    for c, rows in enumerate(groups):
        others = np.arange(n_classes) != c
        if len(rows) < 4 or others.sum() < 2:
            splits.append((np.zeros(len(rows), dtype=bool), np.zeros(len(rows))))
            continue
        # S_eps without class c (leave-one-class-out), around the EM identities of the other classes
        _, s_eps = _m_step(counts[others], sums[others] / counts[others, None], scatters[others], ids[others],
                           float(counts[others].sum()))
        s_eps = s_eps + ridge * float(np.trace(s_eps)) / k * np.eye(k)
        f = np.linalg.inv(s_eps)
        zc = z[rows]
        g = two_identity_split(zc, f, max_iter=max_iter)
        stat[c] = untangling_statistic(zc, s_mu, s_eps, g)
        if g.all() or not g.any():  # no split: nothing to orient, nothing to flag
            splits.append((np.zeros(len(rows), dtype=bool), np.zeros(len(rows))))
            continue
        # orientation: the component whose identity is farther from every other class's identity
        means = sums[others] / counts[others, None]
        u1, u0 = zc[g].mean(axis=0), zc[~g].mean(axis=0)
        d1, d0 = _nearest(u1, means, f), _nearest(u0, means, f)
        minority_is_first = bool(g.mean() <= 0.5)
        first = minority_is_first
        if (d0 > majority_factor * d1) if minority_is_first else (d1 > majority_factor * d0):
            first = not minority_is_first  # the majority's identity is far more novel: it is the poison
        poison_side = g if first else ~g
        up, uc = (u1, u0) if first else (u0, u1)
        disc = (zc - (up + uc) / 2.0) @ f @ (up - uc)
        splits.append((poison_side, disc))
    anomaly = anomaly_index(stat)
    infected = (anomaly > threshold) if n_classes >= min_classes else np.zeros(n_classes, dtype=bool)
    poison = np.zeros(len(z), dtype=bool)
    for c, rows in enumerate(groups):
        side, disc = splits[c]
        if infected[c] and side.any() and not side.all():
            scores[rows] = disc
            poison[rows] = disc > 0
        else:
            scores[rows] = disc - float(disc.max())
    return Untangling(scores, stat, anomaly, infected, poison)


def global_model(counts: np.ndarray, sums: np.ndarray, scatters: np.ndarray, *, max_iter: int = 100,
                 tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EM for ``(S_mu, S_eps)`` and the identities ``mu_c`` ``(L, k)`` from per-class sufficient
    statistics (SCAn's global model).

    ``counts`` ``(L,)``, ``sums`` ``(L, k)`` (sum of the rows of each class), ``scatters`` ``(L, k, k)``
    (each class's scatter about its own mean). Covariances are divided by ``N - 1`` like ``np.cov``
    over the ``N`` rows of the identity and residual vectors.
    """
    n = float(counts.sum())
    means = sums / counts[:, None]
    ids = means.copy()
    s_mu, s_eps = _m_step(counts, means, scatters, ids, n)
    for _ in range(max_iter):
        f = np.linalg.pinv(s_eps)
        # E-step: mu_c = S_eps (n_c S_mu + S_eps)^-1 S_mu F sum_c, all classes at once
        inner = np.linalg.pinv(counts[:, None, None] * s_mu[None] + s_eps[None])
        ids = np.einsum("cjk,ck->cj", inner, sums @ (s_mu @ f).T) @ s_eps.T
        new_mu, new_eps = _m_step(counts, means, scatters, ids, n)
        change = float(np.linalg.norm(new_mu - s_mu) + np.linalg.norm(new_eps - s_eps))
        s_mu, s_eps = new_mu, new_eps
        if change <= tol * float(np.linalg.norm(s_mu) + np.linalg.norm(s_eps) + 1e-300):
            break
    return s_mu, s_eps, ids


def two_identity_split(zc: np.ndarray, f: np.ndarray, *, max_iter: int = 100) -> np.ndarray:
    """Boolean ``(m,)``: SCAn's EM split of one class into two identities under the metric ``f``.

    Deterministic start: the sign of the projection on the class's top principal axis after whitening
    with ``f`` (the paper starts at random).
    """
    values, vectors = np.linalg.eigh(f)
    white = (zc - zc.mean(axis=0)) @ (vectors * np.sqrt(np.clip(values, 0.0, None)))
    _, _, vt = np.linalg.svd(white, full_matrices=False)
    g: np.ndarray = white @ vt[0] > 0
    for _ in range(max_iter):
        if g.all() or not g.any():
            break
        u1, u2 = zc[g].mean(axis=0), zc[~g].mean(axis=0)
        new = (u1 @ f @ u1 - u2 @ f @ u2) - 2.0 * zc @ f @ (u1 - u2) < 0
        if np.array_equal(new, g):
            break
        g = new
    return g


def untangling_statistic(zc: np.ndarray, s_mu: np.ndarray, s_eps: np.ndarray, g: np.ndarray) -> float:
    """``J``: mean per-row log-likelihood ratio of two identities (split ``g``) over one.

    The one-identity mean is the posterior ``mu = S_eps (m S_mu + S_eps)^-1 S_mu F sum_i r_i``.
    """
    f = np.linalg.inv(s_eps)
    m = len(zc)
    mu = s_eps @ np.linalg.pinv(m * s_mu + s_eps) @ s_mu @ f @ zc.sum(axis=0)
    u = np.zeros_like(zc)
    for side in (g, ~g):
        if side.any():
            u[side] = zc[side].mean(axis=0)
    one = np.einsum("ij,jk,ik->i", zc - mu, f, zc - mu)
    two = np.einsum("ij,jk,ik->i", zc - u, f, zc - u)
    return float(np.mean(one - two))


def anomaly_index(stat: np.ndarray) -> np.ndarray:
    """``(J* - median) / (1.4826 MAD)`` with ``J* = J / max J``; one-sided use (large is infected)."""
    if len(stat) == 0 or float(np.max(stat)) <= 0.0:
        return np.zeros(len(stat))
    a = stat / float(np.max(stat))
    med = float(np.median(a))
    mad = 1.4826 * float(np.median(np.abs(a - med)))
    out: np.ndarray = (a - med) / max(mad, 1e-12)
    return out


def _within_class_basis(x: np.ndarray, groups: list[np.ndarray], n_components: int) -> np.ndarray:
    """Rows projected on the top axes of the pooled within-class covariance (blocked, float64)."""
    d = x.shape[1]
    pooled = np.zeros((d, d))
    total = 0
    for rows in groups:
        if len(rows) > 1:
            _, cov = class_moments(x, rows, max_rows=8192)
            pooled += cov * (min(len(rows), 8192) - 1)
            total += min(len(rows), 8192) - 1
    pooled /= max(total, 1)
    values, basis = top_eigenvectors(pooled, min(n_components, d))
    keep = values > 1e-9 * max(float(values[0]), 1e-300)
    basis = basis[:, keep] if keep.any() else basis[:, :1]
    all_rows = np.arange(len(x))
    out: np.ndarray = project(x, all_rows, np.zeros(d), basis).astype(np.float64)
    return out


def _scatter(zc: np.ndarray) -> np.ndarray:
    centred = zc - zc.mean(axis=0)
    out: np.ndarray = centred.T @ centred
    return out


def _m_step(counts: np.ndarray, means: np.ndarray, scatters: np.ndarray, ids: np.ndarray,
            n: float) -> tuple[np.ndarray, np.ndarray]:
    """Covariances of the identity vectors ``ids[class]`` and residuals ``r - ids[class]`` over rows."""
    w = counts[:, None]
    mean_u = (w * ids).sum(axis=0) / n
    du = ids - mean_u
    s_mu = (du.T * counts) @ du / max(n - 1.0, 1.0)
    off = means - ids  # each class's mean residual
    mean_e = (w * off).sum(axis=0) / n
    de = off - mean_e
    s_eps = (scatters.sum(axis=0) + (de.T * counts) @ de) / max(n - 1.0, 1.0)
    return (s_mu + s_mu.T) / 2.0, (s_eps + s_eps.T) / 2.0


def _nearest(u: np.ndarray, means: np.ndarray, f: np.ndarray) -> float:
    diff = means - u
    return float(np.min(np.einsum("ij,jk,ik->i", diff, f, diff)))
