"""Activation clustering (Chen et al. 2018, arXiv:1811.03728).

Per class: reduce the representations to ``n_components`` dimensions (the paper uses ICA to 10; here
PCA first, which the blocked covariance makes cheap, then FastICA when ``method="ica"``), split them
with 2-means, and judge the split by the smaller cluster's relative size and the silhouette score.
The per-sample score is the position along the line from the larger cluster's centroid (0) to the
smaller one's (1), so scores are continuous and thresholds can be calibrated like any other detector.
``split_class`` exposes the paper's class-level statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from mlsecure.poisoning.detectors.interface import Detector, class_rows
from mlsecure.poisoning.linalg import pca_reduce


@dataclass(frozen=True)
class ClusterSplit:
    """2-means split of one class: the smaller cluster's members, relative size and silhouette."""

    small: np.ndarray  # boolean mask over the class's rows
    relative_size: float
    silhouette: float
    position: np.ndarray  # 0 at the large centroid, 1 at the small centroid


class ActivationClusteringDetector(Detector):
    name = "activation_clustering"

    def __init__(self, *, n_components: int = 10, method: Literal["pca", "ica"] = "pca",
                 seed: int = 0) -> None:
        self.n_components = n_components
        self.method = method
        self.seed = seed

    def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x))
        for rows in class_rows(codes):
            if len(rows) < 4:
                continue
            out[rows] = split_class(x, rows, n_components=self.n_components, method=self.method,
                                    seed=self.seed).position
        return out


def split_class(x: np.ndarray, rows: np.ndarray, *, n_components: int = 10,
                method: Literal["pca", "ica"] = "pca", seed: int = 0,
                silhouette_sample: int = 2000) -> ClusterSplit:
    """2-means on the reduced representations of ``x[rows]`` (Chen et al.'s per-class step)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    k = min(n_components, x.shape[1], len(rows) - 1)
    reduced = pca_reduce(x, rows, k)
    if method == "ica":
        from sklearn.decomposition import FastICA

        reduced = FastICA(n_components=k, random_state=seed, whiten="unit-variance",
                          max_iter=400).fit_transform(reduced)
    km = KMeans(n_clusters=2, n_init=3, max_iter=100, random_state=seed).fit(reduced)
    assign = km.labels_
    small_id = int(np.argmin(np.bincount(assign, minlength=2)))
    small = assign == small_id
    c_small, c_large = km.cluster_centers_[small_id], km.cluster_centers_[1 - small_id]
    axis = c_small - c_large
    denom = float(axis @ axis) or 1.0
    position = (reduced - c_large) @ axis / denom
    rel = float(small.mean())
    sil = 0.0
    if 0 < small.sum() < len(small):
        sample = min(silhouette_sample, len(rows))
        sil = float(silhouette_score(reduced, assign, sample_size=sample, random_state=seed))
    return ClusterSplit(small=small, relative_size=rel, silhouette=sil, position=position)
