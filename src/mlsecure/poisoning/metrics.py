"""Metrics for a simulated attack: how well the flags match the poison, and whether removing the
flagged rows and retraining removes the backdoor.

Attack success rate (ASR): the share of test inputs whose true class is not the target that the model
assigns to the target once the trigger is applied (Gu et al. 2017's metric).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlsecure.errors import InputError
from mlsecure.poisoning.simulate import Trigger

Predictor = Callable[[np.ndarray], np.ndarray]
"""``predict(x) -> labels`` of shape ``(n,)``."""
Trainer = Callable[[np.ndarray, np.ndarray], Predictor]
"""``train(x, y) -> predict``: fits a fresh model on the given rows."""


@dataclass(frozen=True)
class DetectionMetrics:
    precision: float
    recall: float
    f1: float
    flagged: int
    poisoned: int
    true_positives: int


@dataclass(frozen=True)
class RemovalEffect:
    """Backdoor success and clean accuracy of a model trained with and without the flagged rows."""

    asr_before: float
    asr_after: float
    accuracy_before: float
    accuracy_after: float
    removed: int


def detection_metrics(flagged: np.ndarray, poisoned: np.ndarray) -> DetectionMetrics:
    """Precision, recall and F1 of boolean ``flagged`` against boolean ground truth ``poisoned``.

    Conventions: precision is 1.0 when nothing is flagged (no false alarm was raised), recall is 1.0
    when nothing is poisoned; F1 is their harmonic mean (0 when both are 0).
    """
    flagged = np.asarray(flagged, dtype=bool)
    poisoned = np.asarray(poisoned, dtype=bool)
    if flagged.shape != poisoned.shape:
        raise InputError(f"flags of shape {flagged.shape} but ground truth of shape {poisoned.shape}")
    tp = int(np.sum(flagged & poisoned))
    precision = tp / int(flagged.sum()) if flagged.any() else 1.0
    recall = tp / int(poisoned.sum()) if poisoned.any() else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return DetectionMetrics(precision, recall, f1, int(flagged.sum()), int(poisoned.sum()), tp)


def attack_success_rate(predict: Predictor, x: np.ndarray, y: np.ndarray, *, trigger: Trigger,
                        target: int) -> float:
    """Share of non-target test rows classified as ``target`` after the trigger is applied."""
    keep = np.asarray(y) != target
    if not keep.any():
        raise InputError("attack success needs test rows whose class is not the target")
    pred = np.asarray(predict(trigger.apply(np.asarray(x)[keep])))
    return float(np.mean(pred == target))


def removal_effect(train: Trainer, x: np.ndarray, y: np.ndarray, flagged: np.ndarray, *,
                   x_test: np.ndarray, y_test: np.ndarray, trigger: Trigger, target: int) -> RemovalEffect:
    """Train on all rows and on the rows not flagged; compare ASR and clean test accuracy."""
    flagged = np.asarray(flagged, dtype=bool)
    before = train(x, y)
    after = train(x[~flagged], y[~flagged])
    return RemovalEffect(
        asr_before=attack_success_rate(before, x_test, y_test, trigger=trigger, target=target),
        asr_after=attack_success_rate(after, x_test, y_test, trigger=trigger, target=target),
        accuracy_before=float(np.mean(before(x_test) == y_test)),
        accuracy_after=float(np.mean(after(x_test) == y_test)),
        removed=int(flagged.sum()),
    )
