"""Model-free evidence that a row's label disagrees with its features.

``prototype_disagreement``: is the row closer to another class's prototype (the coordinate-wise median
of that class, robust to any minority of poison in it) than to its own class's prototype? A dirty-label
backdoor relabels rows of other classes, so its rows mostly look like their source class; clean rows
mostly look like their own. The thresholds use it to tell which side of a split is the poison.
"""

from __future__ import annotations

import numpy as np

from mlsecure.poisoning.detectors.interface import class_rows
from mlsecure.poisoning.detectors.label_noise import standardised_embedding
from mlsecure.poisoning.linalg import BLOCK


def prototype_disagreement(features: np.ndarray, labels: np.ndarray, *, max_dims: int = 32,
                           prepared: bool = False) -> np.ndarray:
    """``(n,)`` float: 1.0 where the nearest class median (standardised features) is another class.

    ``prepared=True``: ``features`` already are ``standardised_embedding(x, max_dims)``.
    """
    x = features.reshape(len(features), -1)
    _, codes = np.unique(np.asarray(labels), return_inverse=True)
    z = np.asarray(x, dtype=np.float64) if prepared else standardised_embedding(x, max_dims)
    groups = class_rows(codes)
    protos = np.stack([np.median(z[rows], axis=0) for rows in groups])
    out = np.empty(len(z))
    norms = (protos**2).sum(axis=1)
    for start in range(0, len(z), BLOCK):
        chunk = z[start:start + BLOCK]
        d2 = norms[None, :] - 2.0 * chunk @ protos.T
        out[start:start + BLOCK] = d2.argmin(axis=1) != codes[start:start + BLOCK]
    return out
