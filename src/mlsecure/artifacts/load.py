"""``load_model(path)``: the supply-chain gate between a file on disk and a ``Model``.

The format is sniffed from the bytes; pickle-based files pass the safety gate first and are then
loaded with a restricted unpickler (scikit-learn) or ``torch.load(weights_only=True)``; nothing is
unpickled with the stock, unrestricted loader. A full pickled torch module loads only when every global it
imports is allowlisted or from a module the user trusts (``trusted_pickle.py``).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlsecure.artifacts.formats import ArtifactFormat, detect_format
from mlsecure.artifacts.gate import check_trusted_modules, ensure_safe, ensure_safe_tree, restricted_load
from mlsecure.errors import InputError, InputShapeUnknownError, ModelLoadError, require
from mlsecure.models.interface import Model

METADATA_NAME = "mlsecure.json"
"""TorchScript extra file with ``input_shape``, ``n_classes``, ``clip_values`` (see ``save_torchscript``)."""

FRAMEWORK_FORMATS: dict[str, frozenset[ArtifactFormat]] = {
    "pytorch": frozenset({ArtifactFormat.TORCHSCRIPT, ArtifactFormat.TORCH_ZIP}),
    "sklearn": frozenset({ArtifactFormat.PICKLE, ArtifactFormat.JOBLIB}),
    "onnx": frozenset({ArtifactFormat.ONNX}),
}


def load_model(
    path: str | Path,
    framework: str | None = None,
    *,
    input_shape: tuple[int, ...] | None = None,
    clip_values: tuple[float, float] | None = None,
    model_class: str | None = None,
    model_code: str | Path | None = None,
    model_kwargs: dict[str, Any] | str | None = None,
    n_features: int | None = None,
    trust_modules: Sequence[str] = (),
) -> Model:
    """Load a model file (or a Hugging Face folder) as a ``Model`` after the safety gate; refuse with a reason
    otherwise. ``model_class``/``model_code`` name the class a state_dict file is loaded into (docs/models.md);
    ``n_features`` (the data's column count) lets a model that records no input shape get one;
    ``trust_modules`` (``--trust-module``) lets a full pickled torch module whose classes come from those
    modules load (``trusted_pickle.py``)."""
    path = Path(path)
    trust_modules = check_trusted_modules(trust_modules)
    if not path.exists():
        raise InputError(f"{path}: no such model file")
    from mlsecure.artifacts.sources import detect_source, load_model_source

    if model_class or model_code or detect_source(path) is not None:
        # Native sources (boosters, Keras, HF folders, state_dicts) pass the same scan before any library reads them.
        ensure_safe_tree(path)
        native = load_model_source(path, model_class=model_class, model_code=model_code, model_kwargs=model_kwargs,
                                   input_shape=input_shape, n_features=n_features, clip_values=clip_values)
        if native is not None:
            return native
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    fmt = detect_format(path)
    if framework is not None:
        if framework not in FRAMEWORK_FORMATS:
            raise InputError(f"unknown framework {framework!r}; choose from {', '.join(FRAMEWORK_FORMATS)}")
        if fmt not in FRAMEWORK_FORMATS[framework] and fmt is not ArtifactFormat.UNKNOWN:
            raise ModelLoadError(f"{path}: --framework {framework} but the file is {fmt.value}")
    match fmt:
        case ArtifactFormat.TORCHSCRIPT:
            ensure_safe(path)
            return _load_torchscript(path, input_shape, clip_values, n_features)
        case ArtifactFormat.TORCH_ZIP:
            cleared = ensure_safe(path, trust_modules, trustable=True)
            return _load_torch_zip(path, cleared, input_shape, clip_values, n_features)
        case ArtifactFormat.PICKLE | ArtifactFormat.JOBLIB:
            ensure_safe(path)
            return _load_sklearn_pickle(path, input_shape, clip_values)
        case ArtifactFormat.ONNX:
            from mlsecure.models.onnx_model import OnnxModel

            return OnnxModel(path, clip_values=clip_values)
        case ArtifactFormat.SAFETENSORS | ArtifactFormat.NUMPY | ArtifactFormat.NPZ:
            raise ModelLoadError(
                f"{path}: a {fmt.value} file holds weights only, not the architecture; load the weights into "
                "your module in Python and pass it to mlsecure.models.as_model()"
            )
        case _:
            raise ModelLoadError(
                f"{path}: not a model format mlsecure can load (detected: {fmt.value}); "
                "expected TorchScript/PyTorch, ONNX or a scikit-learn pickle"
            )


def save_torchscript(module: Any, path: str | Path, *, input_shape: tuple[int, ...],
                     clip_values: tuple[float, float] | None = None, example: Any = None,
                     train_data: str | None = None, holdout_data: str | None = None) -> None:
    """Save a torch module as TorchScript with the metadata ``load_model`` needs to rebuild the adapter.

    ``train_data``/``holdout_data`` name the model's data files relative to the model file, so a scan
    given only ``--model`` can still evaluate it (see ``recorded_data``).
    """
    torch = require("torch", "torch")
    module = module.eval()
    sample = example if example is not None else torch.zeros((1, *input_shape))
    scripted = torch.jit.trace(module, sample)
    with torch.no_grad():
        n_classes = int(module(sample).shape[1])
    meta = {"input_shape": list(input_shape), "n_classes": n_classes,
            "clip_values": list(clip_values) if clip_values else None,
            "train_data": train_data, "holdout_data": holdout_data}
    torch.jit.save(scripted, str(path), _extra_files={METADATA_NAME: json.dumps(meta)})


def recorded_data(path: str | Path) -> dict[str, Path]:
    """Data files a TorchScript model's metadata names (``train``/``holdout``), resolved next to the model.

    Reads the archive's metadata member directly: nothing is unpickled or executed. Only files that
    exist are returned; anything unreadable yields an empty mapping.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            member = next((n for n in archive.namelist() if n.endswith(f"extra/{METADATA_NAME}")), None)
            if member is None or archive.getinfo(member).file_size > 1_000_000:
                return {}
            meta = json.loads(archive.read(member))
    except (zipfile.BadZipFile, OSError, ValueError):
        return {}
    found: dict[str, Path] = {}
    for key, name in (("train", meta.get("train_data")), ("holdout", meta.get("holdout_data"))):
        if isinstance(name, str) and name and not Path(name).is_absolute() and ".." not in Path(name).parts:
            candidate = path.parent / name
            if candidate.is_file():
                found[key] = candidate
    return found


def _load_torchscript(path: Path, input_shape: tuple[int, ...] | None,
                      clip_values: tuple[float, float] | None, n_features: int | None = None) -> Model:
    torch = require("torch", "torch")
    from mlsecure.models.torch_model import TorchModel

    extra = {METADATA_NAME: ""}
    try:
        module = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    except Exception as exc:  # torch raises RuntimeError subclasses with long C++ traces
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelLoadError(f"{path}: torch cannot load this TorchScript archive: {reason}") from None
    meta = json.loads(extra[METADATA_NAME]) if extra[METADATA_NAME] else {}
    shape = input_shape or (tuple(meta["input_shape"]) if meta.get("input_shape") else None)
    if shape is None and n_features:
        from mlsecure.models.input_shape import infer_input_shape

        shape = infer_input_shape(module, n_features)
    if shape is None:
        raise InputShapeUnknownError(f"{path}: TorchScript model without recorded input shape: pass --input-shape "
                                     "(or --data, whose feature count is then tried)")
    clip = clip_values or (tuple(meta["clip_values"]) if meta.get("clip_values") else None)
    return TorchModel(module, input_shape=shape, n_classes=meta.get("n_classes"), clip_values=clip)


def _load_torch_zip(path: Path, cleared: Sequence[tuple[str, str]], input_shape: tuple[int, ...] | None,
                    clip_values: tuple[float, float] | None, n_features: int | None) -> Model:
    """A ``torch.save``'d module (its globals cleared by the gate), or a clear refusal for a state_dict."""
    torch = require("torch", "torch")
    from mlsecure.artifacts.trusted_pickle import load_torch_pickle
    from mlsecure.models.torch_model import TorchModel

    obj = load_torch_pickle(path, cleared)
    if not isinstance(obj, torch.nn.Module):
        raise ModelLoadError(
            f"{path}: holds a {type(obj).__name__} of weights (a state_dict), not a runnable model; pass "
            "--model-class MODULE:NAME (the class it belongs to), or export it with torch.jit.save or to ONNX"
        )
    module = obj.eval()
    shape = input_shape
    if shape is None and n_features:
        from mlsecure.models.input_shape import infer_input_shape

        shape = infer_input_shape(module, n_features)
    if shape is None:
        raise InputShapeUnknownError(f"{path}: a pickled torch module records no input shape: pass --input-shape "
                                     "(or --data, whose feature count is then tried)")
    return TorchModel(module, input_shape=shape, clip_values=clip_values)


def _load_sklearn_pickle(path: Path, input_shape: tuple[int, ...] | None,
                         clip_values: tuple[float, float] | None) -> Model:
    from mlsecure.models.sklearn_model import SklearnModel

    obj = restricted_load(path)
    if not hasattr(obj, "classes_"):
        raise ModelLoadError(f"{path}: holds a {type(obj).__name__}, not a fitted scikit-learn classifier")
    return SklearnModel(obj, input_shape=input_shape, clip_values=clip_values)
