"""Adapter for ONNX models through onnxruntime (black-box: probabilities only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mlsecure.errors import ModelLoadError, require
from mlsecure.models.interface import AdapterAttributes, as_batch, softmax


class OnnxModel(AdapterAttributes):
    """Runs an ONNX classifier on the CPU execution provider.

    The output used is the first one that is a float tensor of shape ``(n, k)``; if its rows are not
    probabilities already (non-negative, summing to 1) they are treated as logits and soft-maxed.
    scikit-learn exports (skl2onnx) with ``zipmap=False`` work as they are.
    """

    framework = "onnx"

    def __init__(
        self,
        model: str | Path | bytes | Any,
        *,
        clip_values: tuple[float, float] | None = None,
        classes: np.ndarray | None = None,
    ) -> None:
        ort = require("onnxruntime", "onnx")
        if isinstance(model, (str, Path, bytes)):
            try:
                source = str(model) if isinstance(model, Path) else model
                model = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise ModelLoadError(f"onnxruntime cannot load the model: {exc}") from exc
        self.session = model
        inputs = model.get_inputs()
        if len(inputs) != 1:
            raise ModelLoadError(f"ONNX model has {len(inputs)} inputs; only single-input classifiers are supported")
        self._input_name = inputs[0].name
        shape = inputs[0].shape
        self._input_shape = tuple(int(d) if isinstance(d, int) else -1 for d in shape[1:])
        self._dtype = np.float64 if "double" in inputs[0].type else np.float32
        self._output_name = self._pick_output()
        self._clip_values = clip_values
        self._classes = classes
        if -1 in self._input_shape:
            raise ModelLoadError(f"ONNX input {self._input_name!r} has a dynamic sample shape {shape}")
        self._n_classes = int(self._run(np.zeros((1, *self._input_shape), self._dtype)).shape[1])
        self._outputs_proba: bool | None = None  # decided once, on the first real batch

    def _pick_output(self) -> str:
        for out in self.session.get_outputs():
            if ("tensor(float" in out.type or "tensor(double" in out.type) and len(out.shape) == 2:
                return str(out.name)
        raise ModelLoadError("ONNX model has no (batch, classes) float output; export sklearn models with zipmap=False")

    def _run(self, x: np.ndarray) -> np.ndarray:
        (out,) = self.session.run([self._output_name], {self._input_name: x.astype(self._dtype)})
        out = np.asarray(out, dtype=np.float64)
        if out.ndim != 2:
            raise ModelLoadError(f"ONNX output has shape {out.shape}, expected (batch, classes)")
        return out

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        x = as_batch(np.asarray(x), self._input_shape)
        out = self._run(x)
        if self._outputs_proba is None and len(out):
            self._outputs_proba = bool(np.all(out >= -1e-6) and np.allclose(out.sum(axis=1), 1.0, atol=1e-4))
        return out if self._outputs_proba else softmax(out)
