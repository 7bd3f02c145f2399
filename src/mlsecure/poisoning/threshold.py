"""Calibrated thresholds: turn per-sample suspicion scores into a flagged set, with its expected FPR.

The lesson from measuring per-class quotas (the guide's ``contamination=0.05`` per class, Tran et al.'s
``1.5 * eps`` per class): a backdoor lives in ONE target class, so quotas sized from the overall poison
rate waste flags on clean classes and cap recall in the target class. ``auto`` therefore finds the
abnormal class first, then separates within it:

1. In each class, split the scores in two by Otsu's rule (the 1-D 2-means cut that maximises the
   between-group variance) and record ``eta2`` = between-group / total variance. A unimodal class gives
   ``eta2`` near ``2/pi ~ 0.64`` (Gaussian) to ~0.85 (skewed); a class holding a separated
   sub-population gives ``eta2`` near 1.
2. A class is abnormal when ``eta2 >= min_eta2`` and ``eta2`` is a high outlier among the classes
   (robust z-score ``>= min_z`` against the median and MAD of all classes' ``eta2``).
3. In an abnormal class the upper Otsu group is flagged; nothing is flagged in the other classes.
   The expected false-positive rate is read off the classes judged clean: the share of their rows
   whose robust z-score (class median and MAD) exceeds the cut, in the same units.

Label-noise scores (``kind="label"``) estimate the probability that a label is wrong and are
thresholded globally at ``label_cut`` (default 0.5: most of the evidence says another class); a
class whose flagged share is abnormally high (binomial tail ``< 1e-3`` against the floor of the
least-flagged half of the classes) is the target of a flip and is cut at its own Otsu threshold when
that is lower. The expected FPR of the label rule is that floor.

Class-test scores (``kind="class_test"``, e.g. SCAn's ``untangling``) carry the detector's own class
decision: rows scored ``> 0`` are flagged, and a class with any is abnormal. The expected FPR is the
Gaussian overlap of the two components of each flagged class, ``Phi(-Delta / 2)`` with
``Delta^2`` the gap between the mean scores of its two sides (the discriminant's units).

Other rules: ``contamination`` (flag the top ``factor * rate * n`` overall, or per class with
``per_class=True``: Tran et al.'s rule is ``factor=1.5`` per class) and ``reference`` (a clean
reference split: flag scores above the ``1 - fpr`` quantile of the reference rows of the same class,
so the expected FPR is ``fpr`` by construction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from mlsecure.errors import InputError
from mlsecure.poisoning.detectors.interface import DetectorKind, class_rows

ThresholdRule = Literal["auto", "contamination", "reference"]


@dataclass(frozen=True)
class ClassProfile:
    """The suspicion profile of one class under one detector."""

    label: object
    size: int
    eta2: float  # Otsu between-group / total variance of the scores
    z: float  # robust z-score of eta2 among the classes
    abnormal: bool
    flagged: int


@dataclass(frozen=True)
class Thresholded:
    """The flagged rows of one score vector and how they were chosen."""

    flagged: np.ndarray  # boolean mask (n,)
    rule: str
    expected_fpr: float
    flagged_share: float
    classes: tuple[ClassProfile, ...] = field(default=())

    @property
    def abnormal_classes(self) -> tuple[object, ...]:
        return tuple(c.label for c in self.classes if c.abnormal)


def threshold_scores(scores: np.ndarray, labels: np.ndarray, *, kind: DetectorKind = "outlier",
                     rule: ThresholdRule = "auto", min_eta2: float = 0.89, min_z: float = 1.0,
                     label_cut: float = 0.5, rate: float | None = None, factor: float = 1.5,
                     per_class: bool = False, reference: np.ndarray | None = None,
                     fpr: float = 0.01, side_evidence: np.ndarray | None = None) -> Thresholded:
    """Flag rows by ``rule`` (see the module docstring); ``reference`` is a boolean mask of clean rows.

    ``side_evidence`` (optional, ``(n,)``, higher = more likely poison, e.g. ``prototype_disagreement``)
    picks which Otsu group of an abnormal class is flagged under ``auto``: the group with the higher
    mean evidence. Without it the upper group is flagged, which assumes the poison is the minority of
    its class; when poison outnumbers the clean rows of the target class the evidence is what keeps the
    flags on the right side.
    """
    scores = np.asarray(scores, dtype=np.float64)
    values, codes = np.unique(np.asarray(labels), return_inverse=True)
    if scores.shape != codes.shape:
        raise InputError(f"{len(scores)} scores but {len(codes)} labels")
    match rule:
        case "auto":
            if kind == "label":
                return _label_cut(scores, codes, values, label_cut)
            if kind == "class_test":
                return _sign_cut(scores, codes, values)
            return _target_class_first(scores, codes, values, min_eta2, min_z, side_evidence)
        case "contamination":
            if rate is None or not 0.0 < rate < 1.0:
                raise InputError(f"the contamination rule needs a poison rate in (0, 1), got {rate}")
            return _contamination(scores, codes, values, rate, factor, per_class)
        case "reference":
            if reference is None or reference.shape != scores.shape:
                raise InputError("the reference rule needs a boolean mask of clean reference rows")
            return _reference(scores, codes, values, reference.astype(bool), fpr)
        case _:
            raise InputError(f"unknown threshold rule {rule!r}; choose auto, contamination or reference")


def otsu(values: np.ndarray) -> tuple[float, float]:
    """Otsu's cut of 1-D ``values``: ``(threshold, eta2)``; rows ``> threshold`` form the upper group.

    Exact, ``O(m log m)``: every cut between sorted neighbours is scored by the between-group
    variance ``w0 w1 (mu0 - mu1)^2`` from cumulative sums.
    """
    s = np.sort(np.asarray(values, dtype=np.float64))
    m = len(s)
    total = float(s.var())
    if m < 2 or total <= 0.0:
        return (float(s[-1]) if m else 0.0), 0.0
    csum = np.cumsum(s)
    k = np.arange(1, m)
    mu0 = csum[:-1] / k
    mu1 = (csum[-1] - csum[:-1]) / (m - k)
    between = (k / m) * ((m - k) / m) * (mu0 - mu1) ** 2
    between[s[1:] == s[:-1]] = -1.0  # only cut between distinct values
    best = int(np.argmax(between))
    return float(s[best]), float(max(between[best], 0.0) / total)


def robust_z(values: np.ndarray) -> np.ndarray:
    """``(v - median) / (1.4826 * MAD)``, with the MAD floored to keep ties finite."""
    med = float(np.median(values))
    mad = 1.4826 * float(np.median(np.abs(values - med)))
    scale = max(mad, 1e-3 * max(abs(med), 1.0), 1e-12)
    out: np.ndarray = (values - med) / scale
    return out


def _target_class_first(scores: np.ndarray, codes: np.ndarray, values: np.ndarray, min_eta2: float,
                        min_z: float, side_evidence: np.ndarray | None) -> Thresholded:
    groups = class_rows(codes)
    cuts, etas = [], []
    for rows in groups:
        cut, eta = otsu(scores[rows]) if len(rows) >= 10 else (np.inf, 0.0)
        cuts.append(cut)
        etas.append(eta)
    eta_arr = np.asarray(etas)
    z = robust_z(eta_arr) if len(groups) >= 5 else np.where(eta_arr >= min_eta2, np.inf, 0.0)
    abnormal = (eta_arr >= min_eta2) & (z >= min_z)
    flagged = np.zeros(len(scores), dtype=bool)
    clean_z = [_class_z(scores[rows]) for rows, bad in zip(groups, abnormal, strict=True) if not bad]
    fprs = []
    profiles = []
    for c, rows in enumerate(groups):
        count = 0
        if abnormal[c]:
            upper = scores[rows] > cuts[c]
            chosen = upper
            if side_evidence is not None and 0 < upper.sum() < len(rows):
                ev = side_evidence[rows]
                if float(ev[~upper].mean()) > float(ev[upper].mean()):
                    chosen = ~upper
            flagged[rows[chosen]] = True
            count = int(chosen.sum())
            lower = scores[rows][~upper]
            med = float(np.median(lower))
            mad = max(1.4826 * float(np.median(np.abs(lower - med))), 1e-12)
            cut_z = (cuts[c] - med) / mad
            if clean_z:
                fprs.append(float(np.mean(np.concatenate(clean_z) > cut_z)))
        profiles.append(ClassProfile(values[c].item() if hasattr(values[c], "item") else values[c],
                                     len(rows), float(eta_arr[c]), float(z[c]), bool(abnormal[c]), count))
    return Thresholded(flagged, "auto", float(np.mean(fprs)) if fprs else 0.0,
                       float(flagged.mean()), tuple(profiles))


def _class_z(s: np.ndarray) -> np.ndarray:
    med = float(np.median(s))
    mad = max(1.4826 * float(np.median(np.abs(s - med))), 1e-12)
    out: np.ndarray = (s - med) / mad
    return out


def _label_cut(scores: np.ndarray, codes: np.ndarray, values: np.ndarray, cut: float) -> Thresholded:
    """Global cut, then class-first: a class with an abnormal share of likely-wrong labels (a
    targeted flip's target) is split at its own Otsu cut when that is lower, since the prior that a
    row of that class was flipped is high there."""
    from scipy.stats import binom

    flagged = scores > cut
    groups = class_rows(codes)
    shares = np.array([flagged[rows].mean() for rows in groups])
    # the noise floor: label attacks concentrate in few classes, the least-flagged half shows the rest
    floor = float(np.mean(np.sort(shares)[: max(1, len(shares) // 2)]))
    profiles = []
    for c, rows in enumerate(groups):
        k = int(flagged[rows].sum())
        p_tail = float(binom.sf(k - 1, len(rows), max(floor, 0.005))) if k else 1.0
        abnormal = bool(shares[c] >= max(3 * floor, floor + 0.05) and p_tail < 1e-3 and len(rows) >= 10)
        if abnormal:
            class_cut, _ = otsu(scores[rows])
            if class_cut < cut:
                flagged[rows] = scores[rows] > class_cut
        label = values[c].item() if hasattr(values[c], "item") else values[c]
        profiles.append(ClassProfile(label, len(rows), float("nan"), float("nan"), abnormal,
                                     int(flagged[rows].sum())))
    return Thresholded(flagged, "label", floor, float(flagged.mean()), tuple(profiles))


def _sign_cut(scores: np.ndarray, codes: np.ndarray, values: np.ndarray) -> Thresholded:
    """Flag ``score > 0``; the detector already decided which classes hold a second population."""
    from scipy.stats import norm

    flagged = scores > 0.0
    profiles, fprs = [], []
    for c, rows in enumerate(class_rows(codes)):
        mine = flagged[rows]
        if mine.any() and not mine.all():
            gap = float(scores[rows][mine].mean() - scores[rows][~mine].mean())
            fprs.append(float(norm.cdf(-np.sqrt(max(gap, 0.0)) / 2.0)))
        label = values[c].item() if hasattr(values[c], "item") else values[c]
        profiles.append(ClassProfile(label, len(rows), float("nan"), float("nan"), bool(mine.any()),
                                     int(mine.sum())))
    return Thresholded(flagged, "class_test", float(np.mean(fprs)) if fprs else 0.0, float(flagged.mean()),
                       tuple(profiles))


def _contamination(scores: np.ndarray, codes: np.ndarray, values: np.ndarray, rate: float, factor: float,
                   per_class: bool) -> Thresholded:
    flagged = np.zeros(len(scores), dtype=bool)
    share = min(factor * rate, 1.0)
    pools: Sequence[np.ndarray] = class_rows(codes) if per_class else [np.arange(len(scores))]
    for rows in pools:
        count = round(share * len(rows))
        if count:
            flagged[rows[np.argsort(scores[rows])[::-1][:count]]] = True
    # if exactly `rate` of the rows are poison and all are caught, the rest of the flags are false
    expected_fpr = max(share - rate, 0.0) / (1.0 - rate)
    return Thresholded(flagged, "contamination", expected_fpr, float(flagged.mean()),
                       _plain_profiles(flagged, codes, values))


def _reference(scores: np.ndarray, codes: np.ndarray, values: np.ndarray, reference: np.ndarray,
               fpr: float) -> Thresholded:
    if not 0.0 < fpr < 1.0:
        raise InputError(f"target false-positive rate must be in (0, 1), got {fpr}")
    flagged = np.zeros(len(scores), dtype=bool)
    for rows in class_rows(codes):
        ref = scores[rows[reference[rows]]]
        if len(ref) == 0:
            continue  # no clean reference for this class: nothing can be calibrated, nothing flagged
        # the ceil((m + 1)(1 - fpr))-th smallest reference score: a conformal cut whose FPR is <= fpr
        rank = int(np.ceil((len(ref) + 1) * (1.0 - fpr)))
        cut = np.inf if rank > len(ref) else float(np.sort(ref)[rank - 1])
        mine = rows[~reference[rows]]
        flagged[mine] = scores[mine] > cut
    return Thresholded(flagged, "reference", fpr, float(flagged.mean()), _plain_profiles(flagged, codes, values))


def _plain_profiles(flagged: np.ndarray, codes: np.ndarray, values: np.ndarray) -> tuple[ClassProfile, ...]:
    out = []
    for c, rows in enumerate(class_rows(codes)):
        count = int(flagged[rows].sum())
        label = values[c].item() if hasattr(values[c], "item") else values[c]
        out.append(ClassProfile(label, len(rows), float("nan"), float("nan"), False, count))
    return tuple(out)
