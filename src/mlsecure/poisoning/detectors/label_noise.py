"""Label-flip detectors: k-nearest-neighbour disagreement and confident learning.

Threat model: the attacker changes labels (random or ``source -> target`` flips, or the relabelling
half of a backdoor) but the features of a flipped row still look like its true class. Both scores
estimate, out of sample, the probability that the given label is wrong, so they are comparable across
classes and ``score > 0.5`` means "most of the evidence says another class".

* ``knn``: the share of the ``k`` nearest neighbours (standardised features, PCA-reduced to at most
  ``max_dims`` axes, neighbours drawn from at most ``max_reference`` rows) whose label differs.
* ``confident_learning`` (Northcutt, Jiang, Chuang 2021, arXiv:1911.00068): ``1 - p(given label)`` from
  out-of-fold probabilities of a logistic regression (``folds``-fold cross-validation);
  ``label_issues`` returns cleanlab's own per-class-threshold verdicts on the same probabilities.
"""

from __future__ import annotations

import numpy as np

from mlsecure.errors import require
from mlsecure.poisoning.detectors.interface import Detector
from mlsecure.poisoning.linalg import BLOCK, class_moments, project, top_eigenvectors


class KnnDisagreementDetector(Detector):
    name = "knn"
    kind = "label"

    def __init__(self, *, k: int = 10, max_dims: int = 32, max_reference: int = 10000, seed: int = 0,
                 prepared: bool = False) -> None:
        self.k = k
        self.prepared = prepared  # features are already a standardised embedding: use them as they are
        self.max_dims = max_dims
        self.max_reference = max_reference
        self.seed = seed

    def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        from sklearn.neighbors import NearestNeighbors

        z = np.asarray(x, dtype=np.float64) if self.prepared else standardised_embedding(x, self.max_dims)
        n = len(z)
        rng = np.random.default_rng(self.seed)
        ref = np.arange(n) if n <= self.max_reference else np.sort(rng.choice(n, self.max_reference, replace=False))
        k = min(self.k, len(ref) - 1)
        nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(z[ref])
        out = np.empty(n)
        for start in range(0, n, BLOCK):
            idx = nn.kneighbors(z[start:start + BLOCK], return_distance=False)
            neighbours = ref[idx]
            own = np.arange(start, min(start + BLOCK, n))[:, None]
            is_self = neighbours == own
            # drop the row itself when it is among its neighbours, else the farthest one
            drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
            keep = np.ones_like(is_self)
            keep[np.arange(len(keep)), drop] = False
            labels = codes[neighbours[keep].reshape(len(keep), k)]
            out[start:start + BLOCK] = np.mean(labels != codes[own], axis=1)
        return out


class ConfidentLearningDetector(Detector):
    name = "confident_learning"
    kind = "label"

    def __init__(self, *, folds: int = 5, max_dims: int = 32, seed: int = 0, prepared: bool = False) -> None:
        self.prepared = prepared  # features are already a standardised embedding: use them as they are
        self.folds = folds
        self.max_dims = max_dims
        self.seed = seed

    def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        probs = self.out_of_fold_probabilities(x, codes)
        out: np.ndarray = 1.0 - probs[np.arange(len(codes)), codes]
        return out

    def out_of_fold_probabilities(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """``(n, n_classes)`` probabilities, each row from a model that never saw that row."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        flat = np.asarray(x).reshape(len(x), -1)
        z = flat.astype(np.float64) if self.prepared else standardised_embedding(flat, self.max_dims)
        n_classes = int(codes.max()) + 1
        probs = np.full((len(z), n_classes), 1.0 / n_classes)
        counts = np.bincount(codes, minlength=n_classes)
        folds = int(min(self.folds, max(2, counts[counts > 0].min())))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.seed)
        for train, test in splitter.split(z, codes):
            model = LogisticRegression(max_iter=200, C=1.0).fit(z[train], codes[train])
            probs[np.ix_(test, model.classes_)] = model.predict_proba(z[test])
        return probs

    def label_issues(self, features: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Cleanlab's boolean verdict per row (``find_label_issues`` on the out-of-fold probabilities)."""
        cleanlab_filter = require("cleanlab.filter", "poisoning")
        x = features.reshape(len(features), -1)
        _, codes = np.unique(np.asarray(labels), return_inverse=True)
        probs = self.out_of_fold_probabilities(x, codes.astype(np.int64))
        # n_jobs=1: no multiprocessing pool forked from inside a library call (a fork of a process with threads
        # or a SIGTERM handler can hang in Pool.terminate); cleanlab's result does not depend on n_jobs
        mask: np.ndarray = cleanlab_filter.find_label_issues(codes, probs, n_jobs=1)
        return np.asarray(mask, dtype=bool)


def standardised_embedding(x: np.ndarray, max_dims: int) -> np.ndarray:
    """Features scaled to unit variance, projected on the top ``max_dims`` principal axes if wider."""
    rows = np.arange(len(x))
    mean, cov = class_moments(x, rows, max_rows=20000)
    std = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    std = np.where(std > 1e-12, std, 1.0)
    if x.shape[1] <= max_dims:
        return project(x, rows, mean, np.diag(1.0 / std))
    corr = cov / np.outer(std, std)
    _, basis = top_eigenvectors(corr, max_dims)
    return project(x, rows, mean, basis / std[:, None])
