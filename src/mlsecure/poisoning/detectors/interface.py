"""The detector contract: ``score(features, labels) -> per-sample suspicion scores``.

Higher scores are more suspicious. Scores are comparable within a class for every detector (the
thresholds in ``poisoning.threshold`` work class by class), and across classes for the label-noise
detectors (``kind = "label"``), whose scores are the model-free probability that a label is wrong.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Literal, final

import numpy as np

from mlsecure.errors import InputError

DetectorKind = Literal["outlier", "label", "class_test"]


class DetectorError(InputError):
    """Features or labels a detector cannot score (wrong shapes, too few samples, non-finite values)."""


class Detector(ABC):
    """One poisoning detector. Settings are keyword-only constructor arguments."""

    name: ClassVar[str]
    kind: ClassVar[DetectorKind] = "outlier"
    """``outlier``: finds a sub-population inside a class (backdoors); ``label``: finds wrong labels;
    ``class_test``: tests each class itself and scores the rows it flags ``> 0``, all others ``<= 0``."""

    @final
    def score(self, features: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Suspicion score per sample, shape ``(n,)``, float64, higher = more suspicious.

        ``features`` is ``(n, ...)`` (flattened to ``(n, d)``; an ``np.memmap`` is read in blocks),
        ``labels`` is ``(n,)`` of any hashable dtype.
        """
        x = features.reshape(len(features), -1) if features.ndim != 2 else features
        y = np.asarray(labels)
        if y.ndim != 1 or len(y) != len(x):
            raise DetectorError(f"{self.name}: {len(x)} samples but labels of shape {y.shape}")
        if len(x) < 2:
            raise DetectorError(f"{self.name}: need at least 2 samples, got {len(x)}")
        _, codes = np.unique(y, return_inverse=True)
        out = np.asarray(self._score(x, codes.astype(np.int64)), dtype=np.float64)
        if out.shape != (len(x),):
            raise DetectorError(f"{self.name}: produced {out.shape} scores for {len(x)} samples")
        if not np.isfinite(out).all():
            raise DetectorError(f"{self.name}: non-finite scores (are there NaN/inf features?)")
        return out

    @abstractmethod
    def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Scores for ``x`` of shape ``(n, d)`` and class codes ``0..k-1`` of shape ``(n,)``."""


def class_rows(codes: np.ndarray) -> list[np.ndarray]:
    """Row indices of each class code, in code order."""
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return list(np.split(order, bounds))
