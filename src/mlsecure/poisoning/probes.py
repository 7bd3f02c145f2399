"""Clean-geometry probes: datasets with NO poison whose classes differ in shape, spread and size.

Why: real classes almost never share one spread. A class more diffuse than its neighbours is
out-voted more than it out-votes (its tails reach into compact classes, theirs do not reach into
it), which is the one-way traffic the neighbour test reads as poison; on Gaussian classes one of them
1.4 x as spread, the session-5 default flagged 3 of 8 clean datasets. These probes are built
differently from ``suite.py`` (no shared linear map, no ``tanh``, no images): each family stresses
one kind of clean structure, plus real clean data from scikit-learn. Every probe is a pure function
of ``(name, seed)``. Seeds are split in advance: even seeds (2, 4, 6) were used to develop the
geometry null's class-scale rule, odd seeds (1, 3, 5, 7) only to report it.

Families (``CLEAN_PROBES``):

* ``spread-R``: 4 Gaussian classes in 8 dimensions, class spreads spaced geometrically from 1 to
  ``R`` (1.2, 1.4, 2, 3), class means ``N(0, 1.6^2)`` apart;
* ``spread3-1.4``: 3 classes of 200 rows, one class 1.4 x as spread (the session-5 false alarm);
* ``aniso``: 4 elongated classes in 10 dimensions, each with its own rotation and axis spreads
  log-uniform over a 1:10 range of variance;
* ``modes``: 4 classes in 8 dimensions, each a mixture of 2 or 3 Gaussian modes;
* ``student-t``: 4 heavy-tailed classes (multivariate Student t, 3 degrees of freedom) in 8 dimensions;
* ``imbalance``: 4 Gaussian classes of 700, 200, 120 and 70 rows (10:1), spreads 1 to 1.5;
* ``overlap``: 4 Gaussian classes whose means are close (``N(0, 0.7^2)``): most rows overlap;
* ``make-classification``, ``make-classification-imb``: scikit-learn's generator (hypercube
  clusters, 2 per class, no label noise), balanced and 6:3:1;
* ``digits``, ``wine``, ``iris``: scikit-learn's real data sets, features standardised, a random 85%
  of the rows per seed (breast_cancer has two classes, which the calibrated scan refuses).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mlsecure.errors import InputError

Probe = Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]
DESIGN_SEEDS: tuple[int, ...] = (2, 4, 6)
REPORT_SEEDS: tuple[int, ...] = (1, 3, 5, 7)


def clean_probe(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of the clean probe ``name`` (``CLEAN_PROBES``) drawn with ``seed``."""
    if name not in CLEAN_PROBES:
        raise InputError(f"unknown clean probe {name!r}; known: {', '.join(CLEAN_PROBES)}")
    x, y = CLEAN_PROBES[name](np.random.default_rng(seed + 104_729))
    return np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)


def _gaussian_classes(rng: np.random.Generator, sizes: list[int], spreads: list[float], dims: int,
                      centre_sd: float = 1.6) -> tuple[np.ndarray, np.ndarray]:
    centres = rng.normal(0.0, centre_sd, (len(sizes), dims))
    x = np.concatenate([centres[c] + spreads[c] * rng.normal(0.0, 1.0, (n, dims)) for c, n in enumerate(sizes)])
    return x, np.repeat(np.arange(len(sizes)), sizes)


def _spread(ratio: float) -> Probe:
    def make(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        spreads = list(ratio ** (np.arange(4) / 3.0))
        rng.shuffle(spreads)
        return _gaussian_classes(rng, [200] * 4, spreads, 8)

    return make


def _spread3(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _gaussian_classes(rng, [200] * 3, [1.4, 1.0, 1.0], 8)


def _aniso(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    dims, parts = 10, []
    centres = rng.normal(0.0, 2.0, (4, dims))
    for c in range(4):
        rotation, _ = np.linalg.qr(rng.normal(size=(dims, dims)))
        scales = np.sqrt(np.exp(rng.uniform(0.0, np.log(10.0), dims)))
        parts.append(centres[c] + (rng.normal(0.0, 1.0, (200, dims)) * scales) @ rotation.T)
    return np.concatenate(parts), np.repeat(np.arange(4), 200)


def _modes(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    dims, parts = 8, []
    for _ in range(4):
        centre = rng.normal(0.0, 1.6, dims)
        k = int(rng.integers(2, 4))
        offsets = centre + rng.normal(0.0, 1.3, (k, dims))
        which = rng.integers(0, k, 200)
        parts.append(offsets[which] + rng.normal(0.0, 0.7, (200, dims)))
    return np.concatenate(parts), np.repeat(np.arange(4), 200)


def _student(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    dims, df = 8, 3.0
    centres = rng.normal(0.0, 2.0, (4, dims))
    parts = [centres[c] + rng.normal(0.0, 1.0, (200, dims)) / np.sqrt(rng.chisquare(df, (200, 1)) / df)
             for c in range(4)]
    return np.concatenate(parts), np.repeat(np.arange(4), 200)


def _imbalance(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _gaussian_classes(rng, [700, 200, 120, 70], [1.0, 1.5, 1.2, 1.0], 8)


def _overlap(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _gaussian_classes(rng, [200] * 4, [1.0, 1.0, 1.0, 1.0], 8, centre_sd=0.7)


def _make_classification(weights: list[float] | None) -> Probe:
    def make(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.datasets import make_classification

        x, y = make_classification(n_samples=1000, n_features=16, n_informative=6, n_redundant=2,
                                   n_classes=3, n_clusters_per_class=2, weights=weights, flip_y=0.0,
                                   class_sep=1.2, random_state=int(rng.integers(2**31)))
        return x, y

    return make


def _real(loader: str) -> Probe:
    def make(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        from sklearn import datasets

        x, y = getattr(datasets, loader)(return_X_y=True)
        keep = np.sort(rng.choice(len(y), int(0.85 * len(y)), replace=False))
        x = np.asarray(x, dtype=np.float64)[keep]
        scale = x.std(axis=0)
        return (x - x.mean(axis=0)) / np.where(scale > 0, scale, 1.0), np.asarray(y)[keep]

    return make


CLEAN_PROBES: dict[str, Probe] = {
    "spread-1.2": _spread(1.2),
    "spread-1.4": _spread(1.4),
    "spread-2": _spread(2.0),
    "spread-3": _spread(3.0),
    "spread3-1.4": _spread3,
    "aniso": _aniso,
    "modes": _modes,
    "student-t": _student,
    "imbalance": _imbalance,
    "overlap": _overlap,
    "make-classification": _make_classification(None),
    "make-classification-imb": _make_classification([0.6, 0.3, 0.1]),
    "digits": _real("load_digits"),
    "wine": _real("load_wine"),
    "iris": _real("load_iris"),
}
