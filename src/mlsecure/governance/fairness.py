"""Group-fairness audit: per-group selection rate, accuracy, TPR and FPR (fairlearn ``MetricFrame``),
demographic-parity difference/ratio and equalized-odds difference, with bootstrap confidence intervals.

Definitions (Hardt, Price & Srebro 2016, arXiv:1610.02413; fairlearn's ``between_groups`` method),
for a positive label ``p``, groups ``g`` of a sensitive attribute ``A``:

- selection rate ``SR_g = P(Ŷ = p | A = g)``; accuracy ``ACC_g = P(Ŷ = Y | A = g)``;
  ``TPR_g = P(Ŷ = p | Y = p, A = g)``; ``FPR_g = P(Ŷ = p | Y ≠ p, A = g)``.
- demographic-parity difference ``max_g SR_g - min_g SR_g``; ratio ``min_g SR_g / max_g SR_g`` (the
  EEOC four-fifths rule flags a ratio below 0.8, 29 CFR 1607.4(D));
- equalized-odds difference ``max(range_g TPR_g, range_g FPR_g)``.

A group with no positive (negative) labels has an undefined TPR (FPR): it is reported as NaN and left
out of the equalized-odds range (fairlearn would count it as 0, which invents a disparity).

Confidence intervals come from a stratified bootstrap: each group's rows are resampled with
replacement, group sizes held fixed. Every metric is a function of the group's five confusion cells
(TP, FP, FN, correct TN, wrong TN: a multiclass "negative" can be mispredicted as another negative),
and resampling ``n_g`` rows with replacement draws those cells from ``Multinomial(n_g, cells / n_g)``,
so the bootstrap is exact and costs ``O(B x groups)`` instead of ``O(B x n)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np

from mlsecure.errors import InputError, require

METRICS: tuple[str, ...] = ("selection_rate", "accuracy", "tpr", "fpr")
"""The per-group metrics, in report order."""

TP, FP, FN, TN_RIGHT, TN_WRONG = range(5)
N_CELLS = 5


@dataclass(frozen=True)
class Interval:
    """A point estimate with its bootstrap percentile interval (NaN bounds when undefined)."""

    value: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float | None]:
        return {"value": _json(self.value), "low": _json(self.low), "high": _json(self.high)}


@dataclass(frozen=True)
class GroupMetrics:
    """One group's size, confusion cells and metrics (each with its interval)."""

    group: str
    count: int
    positives: int  # rows with Y = p
    cells: tuple[int, int, int, int, int]  # TP, FP, FN, correct TN, wrong TN
    metrics: Mapping[str, Interval]

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "count": self.count, "positives": self.positives,
                **{name: self.metrics[name].to_dict() for name in METRICS}}


@dataclass(frozen=True)
class FairnessAudit:
    """The audit of one sensitive attribute."""

    attribute: str
    positive_label: str
    groups: tuple[GroupMetrics, ...]
    demographic_parity_difference: Interval
    demographic_parity_ratio: Interval
    equalized_odds_difference: Interval
    accuracy_difference: Interval
    n_boot: int
    confidence: float

    @property
    def disparities(self) -> dict[str, Interval]:
        return {
            "demographic_parity_difference": self.demographic_parity_difference,
            "demographic_parity_ratio": self.demographic_parity_ratio,
            "equalized_odds_difference": self.equalized_odds_difference,
            "accuracy_difference": self.accuracy_difference,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"attribute": self.attribute, "positive_label": self.positive_label, "n_boot": self.n_boot,
                "confidence": self.confidence, "groups": [g.to_dict() for g in self.groups],
                **{k: v.to_dict() for k, v in self.disparities.items()}}


def audit_fairness(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sensitive: np.ndarray,
    *,
    positive: Any = 1,
    attribute: str = "sensitive",
    positive_name: str | None = None,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    engine: Literal["fairlearn", "numpy"] = "fairlearn",
    bootstrap: BootstrapDesign = "stratified",
) -> FairnessAudit:
    """Audit predictions ``y_pred`` against labels ``y_true`` across the groups of ``sensitive``.

    Shapes: all three ``(n,)``; labels in one label space, ``positive`` one of its values.
    ``positive_name`` is how reports show ``positive`` (e.g. the class name behind an index).
    ``n_boot = 0`` skips the bootstrap (intervals are then NaN). ``engine`` computes the point
    estimates with fairlearn's ``MetricFrame`` (the reference, default) or from the confusion cells
    with numpy (the same numbers to 1e-12, tested; ~100x cheaper on large tables). ``bootstrap`` picks
    the resampling design (see ``BootstrapDesign``; ``rows`` is fairlearn's, for comparable intervals).
    """
    y_true, y_pred, sensitive = _validate(y_true, y_pred, sensitive, n_boot, confidence)
    names, codes = np.unique(sensitive.astype(str), return_inverse=True)
    if len(names) < 2:
        raise InputError(f"sensitive attribute {attribute!r} has a single group ({str(names[0])!r}); need two or more")
    cells = confusion_cells(y_true, y_pred, codes, len(names), positive=positive)
    if engine == "fairlearn":
        point = _metric_frame(y_true, y_pred, sensitive.astype(str), positive, names)
    elif engine == "numpy":
        point = metrics_from_cells(cells)
    else:
        raise InputError(f"unknown fairness engine {engine!r}; expected 'fairlearn' or 'numpy'")
    boot = bootstrap_cells(cells, n_boot=n_boot, seed=seed, design=bootstrap)  # (B, G, 5)
    boot_metrics = metrics_from_cells(boot)
    alpha = (1.0 - confidence) / 2.0
    groups = []
    for g, name in enumerate(names):
        per = {m: Interval(float(point[m][g]), *_quantiles(boot_metrics[m][:, g], alpha)) for m in METRICS}
        c = cells[g]
        groups.append(GroupMetrics(str(name), int(c.sum()), int(c[TP] + c[FN]),
                                   (int(c[0]), int(c[1]), int(c[2]), int(c[3]), int(c[4])), per))
    point_disp = disparities({m: np.asarray(point[m])[None, :] for m in METRICS})
    boot_disp = disparities(boot_metrics)
    interval = {k: Interval(float(point_disp[k][0]), *_quantiles(boot_disp[k], alpha)) for k in point_disp}
    return FairnessAudit(
        attribute=attribute, positive_label=str(positive) if positive_name is None else positive_name,
        groups=tuple(groups),
        demographic_parity_difference=interval["demographic_parity_difference"],
        demographic_parity_ratio=interval["demographic_parity_ratio"],
        equalized_odds_difference=interval["equalized_odds_difference"],
        accuracy_difference=interval["accuracy_difference"],
        n_boot=n_boot, confidence=confidence,
    )


def confusion_cells(y_true: np.ndarray, y_pred: np.ndarray, codes: np.ndarray, n_groups: int, *,
                    positive: Any) -> np.ndarray:
    """Counts ``(G, 5)`` of TP, FP, FN, correct TN, wrong TN per group code (one ``bincount``)."""
    t = y_true == positive
    p = y_pred == positive
    cell = np.where(t, np.where(p, TP, FN), np.where(p, FP, np.where(y_true == y_pred, TN_RIGHT, TN_WRONG)))
    counts = np.bincount(codes * N_CELLS + cell, minlength=n_groups * N_CELLS)
    return counts.reshape(n_groups, N_CELLS).astype(np.int64)


BootstrapDesign = Literal["stratified", "rows"]
"""``stratified``: each group's rows resampled, group sizes fixed (the audit's default: a group's interval
never mixes in another group's size noise); ``rows``: all rows resampled together, group sizes random
(fairlearn's ``MetricFrame(n_boot=...)`` design). Both are exact resamplings of rows, done on the cells."""


def bootstrap_cells(cells: np.ndarray, *, n_boot: int, seed: int,
                    design: BootstrapDesign = "stratified") -> np.ndarray:
    """Bootstrap replicates of the cells ``(G, 5)``, shaped ``(n_boot, G, 5)``.

    Resampling ``n_g`` rows of a group with replacement draws its cells from ``Multinomial(n_g, cells_g / n_g)``
    (``stratified``); resampling all ``n`` rows draws the whole table from ``Multinomial(n, cells / n)``
    (``rows``). Either way the replicate has exactly the distribution of the row bootstrap it names.
    """
    rng = np.random.default_rng(seed)
    if n_boot == 0:
        return np.zeros((0, *cells.shape), dtype=np.int64)
    if design == "rows":
        total = int(cells.sum())
        flat: np.ndarray = rng.multinomial(total, cells.ravel() / max(total, 1), size=n_boot)
        return flat.reshape(n_boot, *cells.shape)
    n = cells.sum(axis=1)
    p = cells / np.maximum(n, 1)[:, None]
    out: np.ndarray = rng.multinomial(n, p, size=(n_boot, len(n)))
    return out


def metrics_from_cells(cells: np.ndarray) -> dict[str, np.ndarray]:
    """Selection rate, accuracy, TPR, FPR from cells ``(..., G, 5)``; NaN where a rate is undefined."""
    c = cells.astype(np.float64)
    n = c.sum(axis=-1)
    pos = c[..., TP] + c[..., FN]
    neg = c[..., FP] + c[..., TN_RIGHT] + c[..., TN_WRONG]
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "selection_rate": (c[..., TP] + c[..., FP]) / n,
            "accuracy": (c[..., TP] + c[..., TN_RIGHT]) / n,
            "tpr": np.where(pos > 0, c[..., TP] / pos, np.nan),
            "fpr": np.where(neg > 0, c[..., FP] / neg, np.nan),
        }


def disparities(metrics: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Between-group disparities from per-group metrics ``(B, G)`` (NaN groups left out), each ``(B,)``."""
    sr = metrics["selection_rate"]
    hi, lo = _nanmax(sr), _nanmin(sr)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(hi > 0, lo / hi, 1.0)  # every group selected at rate 0: parity holds
    eo = np.fmax(_nanmax(metrics["tpr"]) - _nanmin(metrics["tpr"]), _nanmax(metrics["fpr"]) - _nanmin(metrics["fpr"]))
    acc = metrics["accuracy"]
    return {
        "demographic_parity_difference": hi - lo,
        "demographic_parity_ratio": ratio,
        "equalized_odds_difference": eo,
        "accuracy_difference": _nanmax(acc) - _nanmin(acc),
    }


def _metric_frame(y_true: np.ndarray, y_pred: np.ndarray, sensitive: np.ndarray, positive: Any,
                  names: np.ndarray) -> dict[str, np.ndarray]:
    """Point estimates through fairlearn's ``MetricFrame`` (one-vs-rest for ``positive``), by group."""
    metrics_mod = require("fairlearn.metrics", "fairness")
    from sklearn.metrics import accuracy_score

    yt = (y_true == positive).astype(np.int64)
    yp = (y_pred == positive).astype(np.int64)
    # One frame over the binarized labels; accuracy needs the raw labels, so it reads them by row index.
    index = np.arange(len(y_true))

    def acc(t: np.ndarray, p: np.ndarray, *, rows: np.ndarray) -> float:
        del t, p
        return float(accuracy_score(y_true[rows], y_pred[rows]))

    fns: dict[str, Callable[..., float]] = {
        "selection_rate": partial(metrics_mod.selection_rate, pos_label=1),
        "accuracy": acc,
        "tpr": partial(metrics_mod.true_positive_rate, pos_label=1),
        "fpr": partial(metrics_mod.false_positive_rate, pos_label=1),
    }
    frame = metrics_mod.MetricFrame(metrics=fns, y_true=yt, y_pred=yp, sensitive_features=sensitive,
                                    sample_params={"accuracy": {"rows": index}})
    table = frame.by_group.reindex([str(n) for n in names])
    pos = np.bincount(np.searchsorted(names, sensitive), weights=yt, minlength=len(names))
    counts = np.bincount(np.searchsorted(names, sensitive), minlength=len(names))
    out = {m: table[m].to_numpy(dtype=np.float64) for m in METRICS}
    out["tpr"] = np.where(pos > 0, out["tpr"], np.nan)  # fairlearn returns 0 for an undefined rate
    out["fpr"] = np.where(counts - pos > 0, out["fpr"], np.nan)
    return out


def _validate(y_true: np.ndarray, y_pred: np.ndarray, sensitive: np.ndarray, n_boot: int,
              confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_true, y_pred, sensitive = np.asarray(y_true), np.asarray(y_pred), np.asarray(sensitive)
    for name, arr in (("y_true", y_true), ("y_pred", y_pred), ("sensitive", sensitive)):
        if arr.ndim != 1:
            raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not len(y_true) == len(y_pred) == len(sensitive):
        raise InputError(f"length mismatch: {len(y_true)} labels, {len(y_pred)} predictions, "
                         f"{len(sensitive)} sensitive values")
    if len(y_true) == 0:
        raise InputError("no rows to audit")
    if n_boot < 0:
        raise InputError(f"n_boot must be >= 0, got {n_boot}")
    if not 0.0 < confidence < 1.0:
        raise InputError(f"confidence must be in (0, 1), got {confidence}")
    return y_true, y_pred, sensitive


def _quantiles(values: np.ndarray, alpha: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def _nanmax(a: np.ndarray) -> np.ndarray:
    filled = np.where(np.isnan(a), -np.inf, a).max(axis=-1)
    return np.where(np.isinf(filled), np.nan, filled)


def _nanmin(a: np.ndarray) -> np.ndarray:
    filled = np.where(np.isnan(a), np.inf, a).min(axis=-1)
    return np.where(np.isinf(filled), np.nan, filled)


def _json(value: float) -> float | None:
    return round(value, 6) if np.isfinite(value) else None
