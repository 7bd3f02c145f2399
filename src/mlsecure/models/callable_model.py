"""Adapter for any function that returns probabilities (remote endpoints, custom runtimes)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mlsecure.errors import InputError
from mlsecure.models.interface import AdapterAttributes, as_batch, softmax


class CallableModel(AdapterAttributes):
    """Wraps ``fn(x) -> (n, n_classes)`` scores; ``outputs='logits'`` soft-maxes them first."""

    framework = "callable"

    def __init__(
        self,
        fn: Callable[[np.ndarray], np.ndarray],
        *,
        n_classes: int,
        input_shape: tuple[int, ...],
        clip_values: tuple[float, float] | None = None,
        outputs: str = "proba",
        classes: np.ndarray | None = None,
    ) -> None:
        if outputs not in ("proba", "logits"):
            raise InputError(f"outputs must be 'proba' or 'logits', got {outputs!r}")
        self.fn = fn
        self._n_classes = n_classes
        self._input_shape = tuple(input_shape)
        self._clip_values = clip_values
        self._outputs = outputs
        self._classes = classes

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        x = as_batch(np.asarray(x), self._input_shape)
        out = np.asarray(self.fn(x), dtype=np.float64)
        if out.shape != (len(x), self._n_classes):
            raise InputError(f"model function returned shape {out.shape}, expected {(len(x), self._n_classes)}")
        return softmax(out) if self._outputs == "logits" else out
