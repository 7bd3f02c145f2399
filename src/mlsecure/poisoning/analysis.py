"""``scan_poisoning``: run the detectors, threshold them, and judge each class.

The order follows the lesson in the module docs of ``threshold``: every backdoor (outlier) detector
first looks for an abnormal class, then separates inside it; label detectors vote on single rows.
A class verdict combines them:

* backdoor votes: the (detector, representation) pairs that found the class abnormal (the outlier
  detectors through the thresholds, SCAn's ``untangling`` through its own class test);
* label evidence: the share of the class's rows that the label detectors agree are mislabelled,
  against the floor set by the least-flagged half of the classes (binomial tail probability below
  ``1e-3``, at least ``min_label_share`` of the class and three times the floor).

When SCAn's ``untangling`` votes for a class, outlier votes that flagged the other side of that class
are dropped (see ``_drop_opposite_sides``).

Severity: ``high`` with two or more backdoor votes, or one vote whose flagged rows look like other
classes far more often than the rest of their class does
(``prototype_disagreement`` contrast ``>= 0.5``: rows relabelled from other classes, a dirty-label
backdoor), or one vote plus label evidence, or label evidence on at least ``2 * min_label_share``
of the class; ``medium`` with one vote or weaker label evidence alone.
Classes without either get no verdict, so clean data produces no finding.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from mlsecure.errors import InputError
from mlsecure.poisoning.detectors.ensemble import fuse_ranks
from mlsecure.poisoning.detectors.interface import DetectorKind, class_rows
from mlsecure.poisoning.detectors.label_noise import standardised_embedding
from mlsecure.poisoning.detectors.registry import create
from mlsecure.poisoning.evidence import prototype_disagreement
from mlsecure.poisoning.threshold import Thresholded, ThresholdRule, threshold_scores

Space = Literal["activations", "features"]
Level = Literal["high", "medium"]

BACKDOOR_DETECTORS = ("activation_clustering", "spectral", "spectre", "isolation_forest", "untangling")
LABEL_DETECTORS = ("knn", "confident_learning")
DEFAULT_DETECTORS = (*BACKDOOR_DETECTORS, *LABEL_DETECTORS)


@dataclass(frozen=True)
class DetectorRun:
    """One detector on one representation: its scores and its calibrated flags."""

    name: str
    space: Space
    kind: DetectorKind
    scores: np.ndarray
    result: Thresholded
    seconds: float

    @property
    def key(self) -> str:
        return self.name if self.space == "features" else f"{self.name}@{self.space}"


@dataclass(frozen=True)
class ClassVerdict:
    label: Any
    size: int
    rows: tuple[int, ...]  # flagged rows of this class, 0-based, sorted
    backdoor_votes: tuple[str, ...]
    label_share: float
    label_floor: float
    label_abnormal: bool
    severity: Level
    contrast: float = 0.0  # prototype-disagreement share of flagged rows minus the rest of the class


@dataclass(frozen=True)
class PoisoningScan:
    runs: tuple[DetectorRun, ...]
    verdicts: tuple[ClassVerdict, ...]
    suspicious: np.ndarray  # boolean (n,): rows in some verdict
    n: int

    def run(self, key: str) -> DetectorRun:
        for r in self.runs:
            if r.key == key:
                return r
        raise KeyError(key)

    def flagged_by(self, row: int) -> tuple[str, ...]:
        return tuple(r.key for r in self.runs if r.result.flagged[row])


def scan_poisoning(features: np.ndarray, labels: np.ndarray, *, representations: np.ndarray | None = None,
                   detectors: Sequence[str] = DEFAULT_DETECTORS, rule: ThresholdRule = "auto",
                   settings: Mapping[str, Mapping[str, Any]] | None = None, min_label_share: float = 0.15,
                   threshold_options: Mapping[str, Any] | None = None,
                   progress: Callable[[float], None] | None = None) -> PoisoningScan:
    """Score, threshold and judge. ``features`` are the model inputs (or the table's numeric columns),
    ``representations`` optional activations of the same rows (outlier detectors run on both)."""
    x = features.reshape(len(features), -1)
    y = np.asarray(labels)
    if len(y) != len(x):
        raise InputError(f"{len(x)} rows of features but {len(y)} labels")
    if representations is not None and len(representations) != len(x):
        raise InputError(f"{len(representations)} rows of activations but {len(x)} rows of features")
    spaces: list[tuple[Space, np.ndarray]] = [("features", x)]
    if representations is not None:
        spaces.insert(0, ("activations", representations.reshape(len(representations), -1)))
    # one standardised embedding serves the label detectors and the side evidence
    embedded = standardised_embedding(x, 32)
    jobs: list[tuple[str, Space, np.ndarray]] = []
    for name in detectors:
        if name == "ensemble":
            continue  # fused below from the backdoor detectors that ran
        if name in LABEL_DETECTORS:
            jobs.append((name, "features", embedded))
        elif name not in BACKDOOR_DETECTORS:
            jobs.append((name, "features", x))
        else:
            jobs.extend((name, space, data) for space, data in spaces)
    settings = dict(settings or {})
    for name in LABEL_DETECTORS:
        settings[name] = {"prepared": True, **settings.get(name, {})}
    opts = dict(threshold_options or {})
    evidence = prototype_disagreement(embedded, y, prepared=True)
    runs: list[DetectorRun] = []
    for i, (name, space, data) in enumerate(jobs):
        detector = create(name, **settings.get(name, {}))
        start = time.process_time()
        scores = detector.score(data, y)
        result = threshold_scores(scores, y, kind=detector.kind, rule=rule, side_evidence=evidence, **opts)
        runs.append(DetectorRun(name, space, detector.kind, scores, result, time.process_time() - start))
        if progress is not None:
            progress((i + 1) / (len(jobs) + 1))
    outlier_runs = [r for r in runs if r.kind == "outlier"]
    if len(outlier_runs) > 1:
        _, codes = np.unique(y, return_inverse=True)
        start = time.process_time()
        fused = fuse_ranks([r.scores for r in outlier_runs], codes)
        result = threshold_scores(fused, y, rule=rule, side_evidence=evidence, **opts)
        runs.append(DetectorRun("ensemble", outlier_runs[0].space, "outlier", fused, result,
                                time.process_time() - start))
    verdicts = _judge(runs, y, min_label_share, evidence)
    suspicious = np.zeros(len(y), dtype=bool)
    for v in verdicts:
        suspicious[list(v.rows)] = True
    if progress is not None:
        progress(1.0)
    return PoisoningScan(tuple(runs), verdicts, suspicious, len(y))


def _judge(runs: Sequence[DetectorRun], y: np.ndarray, min_label_share: float,
           evidence: np.ndarray) -> tuple[ClassVerdict, ...]:
    from scipy.stats import binom

    values, codes = np.unique(y, return_inverse=True)
    groups = class_rows(codes)
    label_runs = [r for r in runs if r.kind == "label"]
    agreed = np.ones(len(y), dtype=bool) if label_runs else np.zeros(len(y), dtype=bool)
    for r in label_runs:
        agreed &= r.result.flagged
    shares = np.array([agreed[rows].mean() for rows in groups])
    # the floor: label attacks concentrate in few classes; the least-flagged half shows the noise level
    floor = float(np.mean(np.sort(shares)[: max(1, len(shares) // 2)])) if len(shares) else 0.0
    verdicts = []
    for c, rows in enumerate(groups):
        label = values[c].item() if hasattr(values[c], "item") else values[c]
        votes = tuple(r.key for r in runs if r.kind in ("outlier", "class_test") and r.name != "ensemble"
                      and label in r.result.abnormal_classes)
        votes = _drop_opposite_sides(runs, votes, rows)
        k = int(agreed[rows].sum())
        p_tail = float(binom.sf(k - 1, len(rows), max(floor, 0.005))) if k else 1.0
        label_bad = bool(label_runs) and shares[c] >= min_label_share and shares[c] >= 3 * floor and p_tail < 1e-3
        if not votes and not label_bad:
            continue
        mask = np.zeros(len(y), dtype=bool)
        for r in runs:
            if r.key in votes:
                mask[rows] |= r.result.flagged[rows]
        if label_bad and not votes:  # a backdoor verdict lists the separated rows only
            mask[rows] |= agreed[rows]
        in_class = np.zeros(len(y), dtype=bool)
        in_class[rows] = True
        flagged_rows, rest = in_class & mask, in_class & ~mask
        contrast = (float(evidence[flagged_rows].mean()) - float(evidence[rest].mean())
                    if flagged_rows.any() and rest.any() else 0.0)
        strong = (len(votes) >= 2 or (bool(votes) and (label_bad or contrast >= 0.5))
                  or (label_bad and shares[c] >= 2 * min_label_share))
        level: Level = "high" if strong else "medium"
        verdicts.append(ClassVerdict(label, len(rows), tuple(int(i) for i in np.flatnonzero(mask)), votes,
                                     float(shares[c]), floor, label_bad, level, round(contrast, 4)))
    return tuple(verdicts)


def _drop_opposite_sides(runs: Sequence[DetectorRun], votes: tuple[str, ...], rows: np.ndarray) -> tuple[str, ...]:
    """When a class-test detector (SCAn) voted, drop outlier votes that flagged the *other* side of the
    class (under half of their rows shared with it): SCAn picks the side by the components' identities,
    the outlier thresholds by size and prototypes, which fail when the poison is most of the class."""
    tests = [r for r in runs if r.kind == "class_test" and r.key in votes]
    if not tests:
        return votes
    side = np.zeros(len(rows), dtype=bool)
    for r in tests:
        side |= r.result.flagged[rows]
    kept = []
    for r in runs:
        if r.key not in votes:
            continue
        mine = r.result.flagged[rows]
        if r.kind == "class_test" or not mine.any() or float(side[mine].mean()) >= 0.5:
            kept.append(r.key)
    return tuple(kept)
