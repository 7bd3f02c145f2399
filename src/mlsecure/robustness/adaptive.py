"""Adaptive-attack wrappers: EoT for randomized models, BPDA for non-differentiable preprocessing.

Athalye, Carlini & Wagner 2018, "Obfuscated Gradients Give a False Sense of Security", ICML,
arXiv:1802.00420: section 4.1 (BPDA: use the true, non-differentiable transform on the forward pass and
a differentiable approximation, by default the identity, on the backward pass) and 4.2 (Expectation over
Transformation: attack the average over the model's randomness). Both wrap a ``DifferentiableModel`` and
are ``DifferentiableModel``s themselves, so every attack and the evaluation run on them unchanged::

    evaluate_robustness(EoT(model, samples=16), x, y, epsilons=[8 / 255])
    PGD(eps=0.03)(BPDA(model, preprocess=jpeg_like), x, y)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mlsecure.errors import InputError
from mlsecure.models.interface import DifferentiableModel, ModelProxy
from mlsecure.robustness.attacks.ops import Tensor


class _Wrapper(ModelProxy):
    def __init__(self, model: DifferentiableModel) -> None:
        if not isinstance(model, DifferentiableModel):
            raise InputError("EoT/BPDA wrap a differentiable model (use as_model(module, input_shape=...))")
        super().__init__(model)
        self.inner: DifferentiableModel = model

    @property
    def device(self) -> Any:
        return self.inner.device


class EoT(_Wrapper):
    """Expectation over Transformation: logits averaged over ``samples`` forwards of a randomized model.

    The gradient of the average is the average gradient, the EoT estimator of eq. (3) in arXiv:1802.00420.
    ``predict_proba`` averages probabilities over the same number of draws.
    """

    def __init__(self, model: DifferentiableModel, *, samples: int = 8) -> None:
        super().__init__(model)
        if samples < 1:
            raise InputError(f"EoT needs samples >= 1, got {samples}")
        self.samples = int(samples)

    def logits(self, x: Tensor) -> Tensor:
        total = self.inner.logits(x)
        for _ in range(self.samples - 1):
            total = total + self.inner.logits(x)
        return total / self.samples

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = sum(self.inner.predict_proba(x) for _ in range(self.samples)) / self.samples  # type: ignore[assignment]
        return out


class BPDA(_Wrapper):
    """Backward Pass Differentiable Approximation: ``preprocess`` forward, ``approximation`` backward.

    ``model`` classifies preprocessed inputs; ``preprocess`` (torch in, torch out, same shape) may be
    non-differentiable (quantisation, JPEG, median filters); ``approximation`` defaults to the identity.
    """

    def __init__(self, model: DifferentiableModel, *, preprocess: Callable[[Tensor], Tensor],
                 approximation: Callable[[Tensor], Tensor] | None = None) -> None:
        super().__init__(model)
        self.preprocess = preprocess
        self.approximation = approximation

    def logits(self, x: Tensor) -> Tensor:
        import torch

        with torch.no_grad():
            real = self.preprocess(x.detach())
        approx = x if self.approximation is None else self.approximation(x)
        # forward value = preprocess(x); gradient = d approximation / dx (straight-through)
        return self.inner.logits(approx + (real - approx).detach())

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            xt = torch.from_numpy(np.array(x, dtype=np.float32, copy=True)).to(self.device)
            pre = self.preprocess(xt.reshape((len(xt), *self.input_shape))).cpu().numpy()
        return self.inner.predict_proba(pre)
