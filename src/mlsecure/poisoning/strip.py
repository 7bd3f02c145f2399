"""STRIP (Gao et al. 2019, arXiv:1902.06531): a run-time detector of trigger-carrying inputs.

Threat model: a deployed model may hold a backdoor; an input carrying the trigger is classified as
the target whatever else the input shows. STRIP superimposes each input on ``n_overlays`` clean
held-out inputs, ``x_j' = clip(x + weight * clean_j)`` (the paper adds the images at full weight,
``weight=1``), and measures the mean Shannon
entropy of the predictions: a trigger keeps every overlay in the target class (low entropy), a clean
input's prediction scatters (high entropy). The detection boundary is the ``frr`` quantile of the
entropies of clean inputs (the false-rejection rate the operator accepts), as in the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlsecure.errors import InputError
from mlsecure.models.interface import Model


@dataclass(frozen=True)
class StripResult:
    entropy: np.ndarray  # (n,) mean overlay entropy in nats; low = likely trigger
    flagged: np.ndarray  # (n,) boolean: entropy below the boundary
    boundary: float
    frr: float


class Strip:
    """``Strip(model=..., clean=...)`` then ``detect(x)``; settings are keyword-only."""

    def __init__(self, *, model: Model, clean: np.ndarray, n_overlays: int = 16, weight: float = 1.0,
                 frr: float = 0.01, seed: int = 0) -> None:
        if len(clean) < 2:
            raise InputError("STRIP needs at least two clean held-out inputs to overlay")
        if not 0.0 < frr < 1.0:
            raise InputError(f"false-rejection rate must be in (0, 1), got {frr}")
        self.model = model
        self.clean = np.asarray(clean, dtype=np.float32)
        self.n_overlays = n_overlays
        self.weight = weight
        self.frr = frr
        self.seed = seed
        # calibrate on half of the clean set, overlaying with the other half
        half = len(self.clean) // 2
        reference = self.entropy(self.clean[:half], overlays=self.clean[half:])
        self.boundary = float(np.quantile(reference, frr))

    def entropy(self, x: np.ndarray, *, overlays: np.ndarray | None = None) -> np.ndarray:
        """Mean prediction entropy over the overlays, shape ``(n,)``."""
        pool = self.clean if overlays is None else overlays
        rng = np.random.default_rng(self.seed)
        x = np.asarray(x, dtype=np.float32)
        picks = rng.integers(0, len(pool), size=(len(x), self.n_overlays))
        lo, hi = self.model.clip_values or (float(self.clean.min()), float(self.clean.max()))
        mixed = x[:, None] + self.weight * pool[picks]
        mixed = np.clip(mixed, lo, hi).reshape(len(x) * self.n_overlays, *x.shape[1:])
        p = np.clip(self.model.predict_proba(mixed), 1e-12, 1.0)
        ent = -(p * np.log(p)).sum(axis=1).reshape(len(x), self.n_overlays)
        out: np.ndarray = ent.mean(axis=1)
        return out

    def detect(self, x: np.ndarray) -> StripResult:
        ent = self.entropy(x)
        return StripResult(ent, ent < self.boundary, self.boundary, self.frr)
