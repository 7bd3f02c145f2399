"""A model seen through per-feature min-max scaling, for range-relative budgets on tabular data.

One L-inf budget in raw units means nothing when one feature spans 0-4000 and another 0-0.1: it barely
touches the first and overwhelms the second. Attacking ``z = (x - lo) / span`` in ``[0, 1]^d`` instead
makes ``eps`` a fraction of *each* feature's observed range. The wrapper keeps gradient access when the
wrapped model has it (torch, or scikit-learn models re-expressed in torch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlsecure.models.interface import DifferentiableModel, Model, ModelProxy


class RangeNormalized(ModelProxy):
    """``predict_proba(z) = model.predict_proba(lo + z * span)`` with ``clip_values = (0, 1)``."""

    def __init__(self, model: Model, lo: np.ndarray, span: np.ndarray) -> None:
        super().__init__(model)
        self.lo = np.asarray(lo, dtype=np.float64).reshape(model.input_shape)
        self.span = np.asarray(span, dtype=np.float64).reshape(model.input_shape)

    @property
    def clip_values(self) -> tuple[float, float] | None:
        return (0.0, 1.0)

    def to_unit(self, x: np.ndarray) -> np.ndarray:
        """Raw inputs to ``[0, 1]`` coordinates (constant features map to 0)."""
        safe = np.where(self.span > 0, self.span, 1.0)
        return np.where(self.span > 0, (np.asarray(x, dtype=np.float64) - self.lo) / safe, 0.0).astype(np.float32)

    def from_unit(self, z: np.ndarray) -> np.ndarray:
        return (self.lo + np.asarray(z, dtype=np.float64) * self.span).astype(np.float32)

    def predict_proba(self, z: np.ndarray) -> np.ndarray:
        return self.inner.predict_proba(self.from_unit(z))


class DifferentiableRangeNormalized(RangeNormalized):
    """The same, with ``logits(z) = inner.logits(lo + z * span)`` on the inner model's device."""

    def __init__(self, model: Model, differentiable: DifferentiableModel, lo: np.ndarray, span: np.ndarray) -> None:
        super().__init__(model, lo, span)
        import torch

        self.differentiable = differentiable
        self._lo_t = torch.as_tensor(self.lo, dtype=torch.float32, device=differentiable.device)
        self._span_t = torch.as_tensor(self.span, dtype=torch.float32, device=differentiable.device)

    @property
    def device(self) -> Any:
        return self.differentiable.device

    def logits(self, z: Any) -> Any:
        return self.differentiable.logits(self._lo_t + z * self._span_t)


def range_normalized(model: Model, lo: np.ndarray, span: np.ndarray) -> RangeNormalized:
    """Wrap ``model``; gradient access is kept when ``as_victim`` finds one for it."""
    from mlsecure.robustness.victim import as_victim

    victim = as_victim(model)
    if victim.differentiable is not None:
        return DifferentiableRangeNormalized(model, victim.differentiable, lo, span)
    return RangeNormalized(model, lo, span)
