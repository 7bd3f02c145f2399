"""Keras 3 ``.keras`` archives on the torch backend (a ``DifferentiableModel``).

Before Keras parses anything, the archive's ``config.json`` is read as JSON and refused when it holds a
``Lambda`` or ``TFSMLayer`` layer or an object from outside the ``keras`` package (custom code); Keras
then loads it with ``safe_mode=True``. The torch backend makes the loaded model a ``torch.nn.Module``, so gradient
attacks run on it. ``KERAS_BACKEND`` is set to ``torch`` only when Keras was not imported yet and the
variable is unset; a process already on another backend gets a clear error instead.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlsecure.errors import ModelLoadError, UnsafeArtifactError, require
from mlsecure.models.interface import AdapterAttributes
from mlsecure.models.torch_proba import SoftmaxOverLogits

if TYPE_CHECKING:
    import torch

MAX_CONFIG_BYTES = 64 * 1024**2
CODE_LAYERS = {
    "Lambda": "a Lambda layer carries Python code (Keras safe_mode refuses it too)",
    "TFSMLayer": "a TFSMLayer loads an external TensorFlow SavedModel (CVE-2026-1462 bypassed safe_mode with it)",
}
_REQUIRED = ("config.json", "model.weights.h5")


def check_keras_archive(path: Path) -> dict[str, Any]:
    """The archive's model config, after the zip/layout check and the Lambda/custom-object refusals."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [n for n in _REQUIRED if n not in names]
            if missing:
                raise ModelLoadError(f"{path}: not a Keras 3 archive (no {', '.join(missing)})")
            if archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
                raise ModelLoadError(f"{path}: config.json over {MAX_CONFIG_BYTES} bytes, refused")
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelLoadError(f"{path}: not a readable .keras archive: {exc}") from None
    if not isinstance(config, dict):
        raise ModelLoadError(f"{path}: config.json is not a JSON object")
    for node in _walk(config):
        class_name = node.get("class_name")
        if isinstance(class_name, str) and class_name in CODE_LAYERS:
            raise UnsafeArtifactError(f"{path}: refused: {CODE_LAYERS[class_name]}", (class_name,))
        module = node.get("module")
        if isinstance(module, str) and "class_name" in node and not (module == "keras" or module.startswith("keras.")):
            raise UnsafeArtifactError(
                f"{path}: refused: {node['class_name']} comes from module {module!r}, not from Keras; "
                "custom objects need their code, which a scan does not run",
                (f"{module}.{node['class_name']}",),
            )
    return config


def _walk(obj: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def import_keras_torch() -> Any:
    """``keras`` on the torch backend, or a ``ModelLoadError`` saying why not."""
    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = require("keras", "keras")
    backend = keras.backend.backend()
    if backend != "torch":
        raise ModelLoadError(
            f"Keras runs on the {backend!r} backend in this process; mlsecure needs KERAS_BACKEND=torch "
            "(set it before anything imports keras)"
        )
    return keras


def load_keras_file(path: str | Path, *, clip_values: tuple[float, float] | None = None) -> KerasModel:
    """Load a ``.keras`` file with ``safe_mode=True`` after ``check_keras_archive``."""
    path = Path(path)
    check_keras_archive(path)
    keras = import_keras_torch()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Keras' own numpy-2 copy= notice
            model = keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises ValueError/TypeError with the offending config
        text = str(exc).strip()
        raise ModelLoadError(f"{path}: Keras cannot load it: {text.splitlines()[0] if text else exc!r}") from None
    return KerasModel(model, clip_values=clip_values)


class KerasModel(SoftmaxOverLogits, AdapterAttributes):
    """A Keras 3 classifier whose last layer gives logits, softmax probabilities or one sigmoid unit.

    ``logits`` returns real logits for all three: ``log p`` for softmax outputs (softmax of it is ``p``
    again) and ``[0, logit p]`` for a single sigmoid unit, so attacks get usable gradients.
    """

    framework = "keras"

    def __init__(self, model: Any, *, clip_values: tuple[float, float] | None = None, batch_size: int = 512) -> None:
        torch = require("torch", "torch")
        self._torch = torch
        self.model = model
        shape = tuple(model.input_shape[1:]) if isinstance(model.input_shape, tuple) else ()
        if not shape or any(d is None for d in shape):
            raise ModelLoadError(f"Keras model has input shape {model.input_shape}: one fixed-size input is needed")
        self._input_shape = tuple(int(d) for d in shape)
        out_shape = model.output_shape
        if not isinstance(out_shape, tuple) or len(out_shape) != 2 or out_shape[1] is None:
            raise ModelLoadError(f"Keras model output shape {out_shape} is not (batch, n_classes)")
        units = int(out_shape[1])
        self._output = _output_kind(model.layers[-1] if model.layers else None)
        if self._output == "sigmoid" and units != 1:
            raise ModelLoadError(f"Keras model ends in {units} sigmoid units (multi-label); mlsecure needs classes")
        self._n_classes = 2 if units == 1 else units
        if units == 1 and self._output != "sigmoid":
            raise ModelLoadError("Keras model has one output unit without a sigmoid: not a classifier")
        first = next(iter(model.parameters()), None)
        self._device = first.device if first is not None else torch.device("cpu")
        self._clip_values = clip_values
        self._classes = None
        self.batch_size = batch_size

    @property
    def device(self) -> torch.device:
        device: torch.device = self._device
        return device

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        th = self._torch
        out: torch.Tensor = self.model(x)
        if self._output == "softmax":
            log_p: torch.Tensor = th.log(out.clamp_min(1e-12))
            return log_p
        if self._output == "sigmoid":
            p = out.reshape(-1).clamp(1e-12, 1 - 1e-12)
            z = th.log(p) - th.log1p(-p)
            stacked: torch.Tensor = th.stack([th.zeros_like(z), z], dim=1)
            return stacked
        return out


def _output_kind(layer: Any) -> str:
    """``softmax``, ``sigmoid`` or ``logits``, from the last layer's activation (or a Softmax layer)."""
    if layer is None:
        return "logits"
    if type(layer).__name__ == "Softmax":
        return "softmax"
    activation = layer.get_config().get("activation") if hasattr(layer, "get_config") else None
    if isinstance(activation, dict):
        activation = activation.get("config", {}).get("name") or activation.get("class_name")
    if activation in ("softmax", "sigmoid"):
        return str(activation)
    return "logits"
