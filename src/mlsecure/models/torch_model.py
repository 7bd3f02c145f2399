"""Adapter for torch ``nn.Module`` and TorchScript modules (a ``DifferentiableModel``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mlsecure.errors import ModelLoadError, require
from mlsecure.models.interface import AdapterAttributes
from mlsecure.models.torch_proba import SoftmaxOverLogits

if TYPE_CHECKING:
    import torch


class TorchModel(SoftmaxOverLogits, AdapterAttributes):
    """Wraps a torch module whose forward returns logits of shape ``(n, n_classes)``.

    The module is put in ``eval()`` mode once: attacks need deterministic forwards (dropout and
    batch-norm statistics frozen). Inputs stay on the module's device.
    """

    framework = "pytorch"

    def __init__(
        self,
        module: torch.nn.Module,
        *,
        input_shape: tuple[int, ...],
        n_classes: int | None = None,
        clip_values: tuple[float, float] | None = None,
        device: str | torch.device | None = None,
        batch_size: int = 512,
        classes: np.ndarray | None = None,
    ) -> None:
        torch = require("torch", "torch")
        self._torch = torch
        if device is None:
            first = next(iter(module.parameters()), None)
            device = first.device if first is not None else torch.device("cpu")
        self._device = torch.device(device)
        self.module = module.to(self._device).eval()
        self._input_shape = tuple(int(d) for d in input_shape)
        self._clip_values = clip_values
        self.batch_size = batch_size
        self._classes = classes
        self._n_classes = n_classes if n_classes is not None else self._probe_n_classes()

    def _probe_n_classes(self) -> int:
        probe = self._torch.zeros((1, *self._input_shape), device=self._device)
        try:
            with self._torch.no_grad():
                out = self.module(probe)
        except Exception as exc:  # the user's module rejected the shape we were told
            raise ModelLoadError(
                f"torch model does not accept inputs of shape {self._input_shape}: {exc}"
            ) from exc
        if out.ndim != 2:
            raise ModelLoadError(f"torch model must return (batch, n_classes) logits, got shape {tuple(out.shape)}")
        return int(out.shape[1])

    @property
    def device(self) -> torch.device:
        device: torch.device = self._device
        return device

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.module(x)
        return out
