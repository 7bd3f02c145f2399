"""``Victim``: the model under attack, as the attacks see it (torch scores, optional gradients, bounds).

``as_victim`` accepts a ``Model`` adapter, a raw torch module or a raw scikit-learn estimator. Gradient
access comes from a ``DifferentiableModel`` or, for scikit-learn linear models and MLPs, from their forward
re-expressed in torch (``sklearn_torch``); anything else is black-box and ``why_black_box`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlsecure.errors import InputError
from mlsecure.models.interface import DifferentiableModel, Model
from mlsecure.robustness.attacks.ops import Tensor


@dataclass
class Victim:
    """A model plus everything an attack needs: device, input bounds and a query counter.

    ``lo``/``hi`` are tensors broadcastable to ``(n, *input_shape)`` (per-feature bounds allowed) or
    ``None`` when the input domain is unbounded. ``queries`` counts sample evaluations made through
    ``scores`` (the black-box budget).
    """

    model: Model
    differentiable: DifferentiableModel | None
    device: Any
    lo: Tensor | None = None
    hi: Tensor | None = None
    why_black_box: str = ""
    queries: int = field(default=0)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.model.input_shape

    @property
    def n_classes(self) -> int:
        return self.model.n_classes

    def logits(self, x: Tensor) -> Tensor:
        """Differentiable logits ``(n, n_classes)``; only for white-box victims."""
        if self.differentiable is None:
            raise InputError(f"this attack needs gradients but the model is black-box: {self.why_black_box}")
        return self.differentiable.logits(x)

    def scores(self, x: Tensor) -> Tensor:
        """Log-probabilities (or logits) without gradients, shape ``(n, n_classes)``; counts queries."""
        import torch

        self.queries += int(x.shape[0])
        with torch.no_grad():
            if self.differentiable is not None:
                return self.differentiable.logits(x).detach()
            p = self.model.predict_proba(x.detach().cpu().numpy())
            return torch.from_numpy(np.log(np.clip(p, 1e-30, None))).to(device=x.device, dtype=x.dtype)

    def predict(self, x: Tensor) -> Tensor:
        """Arg-max class indices, ``(n,)``."""
        return self.scores(x).argmax(dim=1)

    def clamp(self, x: Tensor) -> Tensor:
        """``x`` clipped to the input domain (a no-op when unbounded)."""
        import torch

        if self.lo is None or self.hi is None:
            return x
        return torch.maximum(torch.minimum(x, self.hi), self.lo)


def as_victim(model: Any, *, sample_shape: tuple[int, ...] | None = None,
              bounds: tuple[Any, Any] | None = None, gradients: bool = True) -> Victim:
    """Resolve ``model`` to a ``Victim``; ``bounds`` overrides the model's ``clip_values``.

    ``gradients=False`` forces black-box access (used to test that black-box attacks do not beat white-box).
    """
    import torch

    from mlsecure.models.wrap import as_model
    from mlsecure.robustness.sklearn_torch import differentiable_sklearn

    if isinstance(model, torch.nn.Module | torch.jit.ScriptModule):
        if sample_shape is None:
            raise InputError("attacking a raw torch module needs the sample shape (pass an input batch)")
        model = as_model(model, input_shape=sample_shape)
    elif not isinstance(model, Model):
        model = as_model(model)
    diff: DifferentiableModel | None = None
    why = ""
    if isinstance(model, DifferentiableModel):
        diff = model
    else:
        diff, why = differentiable_sklearn(model)
    if not gradients and diff is not None:
        diff, why = None, "gradients disabled for this evaluation"
    device = diff.device if diff is not None else torch.device("cpu")
    lo, hi = _bounds(bounds if bounds is not None else model.clip_values, model.input_shape, device)
    return Victim(model=model, differentiable=diff, device=device, lo=lo, hi=hi, why_black_box=why)


def _bounds(bounds: tuple[Any, Any] | None, shape: tuple[int, ...], device: Any) -> tuple[Tensor | None, Tensor | None]:
    import torch

    if bounds is None:
        return None, None
    lo = np.broadcast_to(np.asarray(bounds[0], dtype=np.float32), shape)
    hi = np.broadcast_to(np.asarray(bounds[1], dtype=np.float32), shape)
    if np.any(~np.isfinite(lo)) or np.any(~np.isfinite(hi)) or np.any(hi < lo):
        raise InputError(f"input bounds must be finite with min <= max, got {bounds!r}")
    return (torch.from_numpy(np.array(lo, copy=True))[None].to(device),
            torch.from_numpy(np.array(hi, copy=True))[None].to(device))
