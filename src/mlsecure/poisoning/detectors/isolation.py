"""Per-class Isolation Forest on PCA-reduced features: the guide's baseline (section 7.2).

Liu et al. 2008 (doi:10.1109/ICDM.2008.17). Each class is reduced to at most ``n_components``
principal axes (blocked covariance, so the class need not fit in memory twice) and scored by an
isolation forest fit on that class; the score is the negated ``score_samples`` (higher = easier to
isolate = more suspicious).
"""

from __future__ import annotations

import numpy as np

from mlsecure.poisoning.detectors.interface import Detector, class_rows
from mlsecure.poisoning.linalg import pca_reduce


class IsolationForestDetector(Detector):
    name = "isolation_forest"

    def __init__(self, *, n_components: int = 50, n_estimators: int = 100, seed: int = 42) -> None:
        self.n_components = n_components
        self.n_estimators = n_estimators
        self.seed = seed

    def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        from sklearn.ensemble import IsolationForest

        out = np.zeros(len(x))
        for rows in class_rows(codes):
            if len(rows) < 10:
                continue  # too few to model a class; left at 0 (not suspicious)
            reduced = pca_reduce(x, rows, min(self.n_components, x.shape[1], len(rows) - 1))
            forest = IsolationForest(n_estimators=self.n_estimators, random_state=self.seed)
            out[rows] = -forest.fit(reduced).score_samples(reduced)
        return out
