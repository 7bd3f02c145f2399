"""Rank fusion of several detectors (Cormack et al. 2009 reciprocal-rank fusion, here mean-rank).

Each member's scores are first put on a common footing inside their class (robust z-score against
the class median and MAD, so a class whose scores sit far above its own bulk stays high), then turned
into global ranks in ``[0, 1]``; the fused score is the mean rank. Averaging ranks, not raw scores,
keeps one detector's scale from dominating and needs no per-detector calibration.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlsecure.errors import InputError
from mlsecure.poisoning.detectors.interface import Detector, class_rows


class RankFusionDetector(Detector):
    name = "ensemble"

    def __init__(self, *, members: Sequence[Detector]) -> None:
        if not members:
            raise InputError("a rank-fusion ensemble needs at least one member detector")
        self.members = tuple(members)

    def _score(self, x: np.ndarray, codes: np.ndarray) -> np.ndarray:
        return fuse_ranks([m.score(x, codes) for m in self.members], codes)


def fuse_ranks(member_scores: Sequence[np.ndarray], codes: np.ndarray) -> np.ndarray:
    """Mean over members of the global rank (in ``[0, 1]``) of each row's within-class robust z-score."""
    from scipy.stats import rankdata

    n = len(codes)
    groups = class_rows(codes)
    total = np.zeros(n)
    for scores in member_scores:
        z = np.zeros(n)
        for rows in groups:
            s = scores[rows]
            med = float(np.median(s))
            mad = max(1.4826 * float(np.median(np.abs(s - med))), 1e-12)
            z[rows] = (s - med) / mad
        total += (rankdata(z) - 1.0) / max(n - 1, 1)
    out: np.ndarray = total / len(member_scores)
    return out
