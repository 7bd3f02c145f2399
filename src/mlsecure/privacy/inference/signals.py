"""Per-record membership signals computed from a model's outputs.

Shapes: ``probs`` ``(n, k)`` class probabilities, ``logits`` ``(n, k)``, ``y`` ``(n,)`` column indices.
Every signal is oriented so that *higher means more likely a member*.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

EPS = 1e-12


def true_class_prob(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``p_y``: the probability of the record's own label."""
    return np.asarray(probs[np.arange(len(y)), y], dtype=np.float64)


def neg_loss(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``-CE = log p_y`` (Yeom et al. 2018, arXiv:1709.01604: members have lower loss)."""
    return np.asarray(np.log(np.clip(true_class_prob(probs, y), EPS, 1.0)), dtype=np.float64)


def max_confidence(probs: np.ndarray) -> np.ndarray:
    """``max_j p_j``: label-free confidence (Salem et al. 2019, arXiv:1806.01246)."""
    return np.asarray(probs.max(axis=1), dtype=np.float64)


def neg_entropy(probs: np.ndarray) -> np.ndarray:
    """``-H(p)``: members get sharper (lower-entropy) predictions (Salem et al. 2019)."""
    p = np.clip(probs, EPS, 1.0)
    return np.asarray((p * np.log(p)).sum(axis=1), dtype=np.float64)


def neg_modified_entropy(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``-Mentr`` of Song & Mittal 2021 (arXiv:2003.10595): entropy that also uses the label.

    ``Mentr = -(1 - p_y) log p_y - sum_{j != y} p_j log(1 - p_j)``.
    """
    p = np.clip(probs, EPS, 1.0 - EPS)
    py = p[np.arange(len(y)), y]
    terms = -p * np.log(1.0 - p)
    terms[np.arange(len(y)), y] = 0.0
    mentr = -(1.0 - py) * np.log(py) + terms.sum(axis=1)
    return np.asarray(-mentr, dtype=np.float64)


def scaled_logit(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """LiRA's statistic ``log(p_y / (1 - p_y))`` from probabilities (Carlini et al. 2022, eq. 4).

    Computed as ``log p_y - log sum_{j != y} p_j``; saturates at about +/-27.6 where probabilities
    were rounded to 0 or 1 (use ``scaled_logit_from_logits`` when logits are available).
    """
    p = np.asarray(probs, dtype=np.float64)
    py = p[np.arange(len(y)), y]
    others = p.sum(axis=1) - py
    return np.asarray(np.log(np.clip(py, EPS, None)) - np.log(np.clip(others, EPS, None)), dtype=np.float64)


def scaled_logit_from_logits(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``z_y - logsumexp_{j != y} z_j``: the same statistic without saturation."""
    z = np.asarray(logits, dtype=np.float64)
    zy = z[np.arange(len(y)), y].copy()
    masked = z.copy()
    masked[np.arange(len(y)), y] = -np.inf
    return np.asarray(zy - logsumexp(masked, axis=1), dtype=np.float64)
