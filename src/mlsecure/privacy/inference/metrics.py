"""How well a membership score separates members from non-members.

Convention: ``scores`` ``(n,)`` float, higher = "more likely a member"; ``is_member`` ``(n,)`` bool.

The headline is the true-positive rate at a low false-positive rate (Carlini et al. 2022,
arXiv:2112.03570, Sec. III): an attack that confidently identifies a few members is a privacy breach
even when its AUC is near 0.5. Rates come with exact Clopper-Pearson intervals, because at 0.1 % FPR
with a few hundred non-members the estimate moves in steps of ``1 / n_nonmembers``.

The empirical epsilon lower bound follows Jagielski et al. 2020 (arXiv:2006.07709): an
``(eps, delta)``-DP mechanism forces ``TPR <= e^eps FPR + delta`` and ``1 - FPR <= e^eps (1 - TPR) + delta``
for every threshold, so ``eps >= max(log((TPR - delta) / FPR), log((1 - FPR - delta) / (1 - TPR)))``.
The bound uses the Clopper-Pearson lower end of TPR and upper end of FPR at 18 thresholds picked by
a fixed FPR/FNR grid, Bonferroni-corrected (see ``_empirical_epsilon``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlsecure.errors import InputError
from mlsecure.stats import clopper_pearson as clopper_pearson  # re-exported (privacy.inference API)
from mlsecure.stats import clopper_pearson_bounds


@dataclass(frozen=True)
class Rate:
    """A binomial rate ``k / n`` with its two-sided Clopper-Pearson interval."""

    value: float
    low: float
    high: float
    k: int
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "ci_low": self.low, "ci_high": self.high, "k": self.k, "n": self.n}


@dataclass(frozen=True)
class AttackMetrics:
    """One attack's separation of members from non-members."""

    auc: float
    advantage: float  # max over thresholds of TPR - FPR (Yeom et al. 2018)
    tpr_at_1pct: Rate
    tpr_at_01pct: Rate
    fpr_achieved_1pct: float
    fpr_achieved_01pct: float
    epsilon_lower: float  # Clopper-Pearson lower bound at the best threshold
    epsilon_point: float  # point estimate at that threshold
    epsilon_upper: float  # Clopper-Pearson upper end at that threshold (may be inf)

    def to_dict(self) -> dict[str, Any]:
        return {
            "auc": self.auc, "advantage": self.advantage,
            "tpr_at_1pct_fpr": self.tpr_at_1pct.to_dict(), "tpr_at_0.1pct_fpr": self.tpr_at_01pct.to_dict(),
            "empirical_epsilon": {"lower_bound": self.epsilon_lower, "point": self.epsilon_point,
                                  "upper": self.epsilon_upper},
        }


def roc_counts(scores: np.ndarray, is_member: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int]:
    """True- and false-positive counts at every distinct threshold (descending), plus the totals.

    Threshold ``t`` flags ``scores >= t``; the first entry is the empty set (0, 0).
    """
    scores = np.asarray(scores, dtype=np.float64)
    member = np.asarray(is_member, dtype=bool)
    if scores.shape != member.shape or scores.ndim != 1:
        raise InputError(f"scores {scores.shape} and membership labels {member.shape} must be equal 1-D arrays")
    n_pos, n_neg = int(member.sum()), int((~member).sum())
    if n_pos == 0 or n_neg == 0:
        raise InputError("membership metrics need both members and non-members")
    scores = np.nan_to_num(scores, nan=-np.inf, posinf=np.finfo(np.float64).max, neginf=-np.finfo(np.float64).max)
    order = np.argsort(-scores, kind="mergesort")
    s, m = scores[order], member[order]
    tp, fp = np.cumsum(m), np.cumsum(~m)
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # last index of each tied group
    return np.r_[0, tp[last]], np.r_[0, fp[last]], n_pos, n_neg


def roc(scores: np.ndarray, is_member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(fpr, tpr)`` arrays from the empty set to everything flagged."""
    tp, fp, n_pos, n_neg = roc_counts(scores, is_member)
    return fp / n_neg, tp / n_pos


def evaluate(scores: np.ndarray, is_member: np.ndarray, *, delta: float = 0.0,
             confidence: float = 0.95) -> AttackMetrics:
    """All metrics of one attack's scores."""
    tp, fp, n_pos, n_neg = roc_counts(scores, is_member)
    tpr, fpr = tp / n_pos, fp / n_neg
    auc = float(np.trapezoid(tpr, fpr))
    at1, f1 = _tpr_at(tp, fp, n_pos, n_neg, 0.01, confidence)
    at01, f01 = _tpr_at(tp, fp, n_pos, n_neg, 0.001, confidence)
    lo, pt, hi = _empirical_epsilon(tp, fp, n_pos, n_neg, delta, confidence)
    return AttackMetrics(auc=auc, advantage=float(np.max(tpr - fpr)), tpr_at_1pct=at1, tpr_at_01pct=at01,
                         fpr_achieved_1pct=f1, fpr_achieved_01pct=f01, epsilon_lower=lo, epsilon_point=pt,
                         epsilon_upper=hi)


def _tpr_at(tp: np.ndarray, fp: np.ndarray, n_pos: int, n_neg: int, target: float,
            confidence: float) -> tuple[Rate, float]:
    """Best TPR among thresholds whose FPR is at most ``target`` (0 FPR always qualifies)."""
    ok = fp <= math.floor(target * n_neg + 1e-9)
    i = int(np.argmax(np.where(ok, tp, -1)))
    k = int(tp[i])
    low, high = clopper_pearson(k, n_pos, confidence)
    return Rate(k / n_pos, low, high, k, n_pos), float(fp[i] / n_neg)


EPSILON_GRID = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)


def _empirical_epsilon(tp: np.ndarray, fp: np.ndarray, n_pos: int, n_neg: int, delta: float,
                       confidence: float) -> tuple[float, float, float]:
    """Lower bound, point and upper end of the epsilon an attack proves, maximised over a fixed grid.

    Candidate thresholds: the largest flagged set with FPR <= g, and the smallest with FNR <= g, for
    g in ``EPSILON_GRID`` (18 candidates); each interval is at ``1 - alpha / 18`` (Bonferroni), so the
    maximum is a valid ``confidence`` lower bound up to the data-dependent choice of thresholds.
    """
    tpr, fpr = tp / n_pos, fp / n_neg
    cand = set()
    for g in EPSILON_GRID:
        cand.add(int(np.nonzero(fp <= g * n_neg)[0].max()))
        cand.add(int(np.nonzero(n_pos - tp <= g * n_pos)[0].min()))
    idx = np.array(sorted(cand))
    alpha = (1.0 - confidence) / (2 * len(EPSILON_GRID))
    t, f = tp[idx], fp[idx]
    tpr_lo, tpr_hi = clopper_pearson_bounds(t, n_pos, 1.0 - alpha)
    fpr_lo, fpr_hi = clopper_pearson_bounds(f, n_neg, 1.0 - alpha)
    tpr, fpr = tpr[idx], fpr[idx]
    lower = np.maximum(_log_ratio(tpr_lo - delta, fpr_hi), _log_ratio(1 - fpr_hi - delta, 1 - tpr_lo))
    point = np.maximum(_log_ratio(tpr - delta, fpr), _log_ratio(1 - fpr - delta, 1 - tpr))
    upper = np.maximum(_log_ratio(tpr_hi - delta, fpr_lo), _log_ratio(1 - fpr_lo - delta, 1 - tpr_hi))
    i = int(np.argmax(lower))
    return max(0.0, float(lower[i])), max(0.0, float(point[i])), max(0.0, float(upper[i]))


def _log_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(num <= 0, -np.inf, np.where(den <= 0, np.inf, np.log(np.maximum(num, 1e-300))
                                                   - np.log(np.maximum(den, 1e-300))))
    return np.asarray(out, dtype=np.float64)
