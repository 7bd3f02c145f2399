"""Model sources beyond mlsecure's own files: native booster files, Hugging Face folders, Keras 3
archives, and a ``state_dict`` plus the user's model class.

``detect_source(path)`` recognises a kind from its bytes (or a folder's layout) and ``load_source``
loads it with the framework's own non-pickle loader after a size and format check. Nothing here
unpickles: boosters come from ``xgboost.Booster.load_model``/``lightgbm.Booster(model_file=)``,
transformers weights from safetensors only, Keras with ``safe_mode=True``, and state_dicts with
``torch.load(weights_only=True)`` or safetensors.
"""

from __future__ import annotations

import enum
import hashlib
import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

from mlsecure.errors import InputError, InputShapeUnknownError, ModelLoadError, UnsafeArtifactError, require
from mlsecure.models.interface import Model

MAX_MODEL_BYTES = 4 * 1024**3
"""Files above this are refused before any parser sees them (a booster or weights file this large is
almost certainly not what the user meant to scan)."""

_HEAD = 4096


class SourceKind(enum.Enum):
    XGBOOST_JSON = "xgboost-json"
    XGBOOST_UBJ = "xgboost-ubj"
    LIGHTGBM_TEXT = "lightgbm-text"
    HF_FOLDER = "transformers-folder"
    KERAS = "keras3"


def detect_source(path: str | Path) -> SourceKind | None:
    """The kind of ``path`` when it is one of this module's sources, else None (leave it to ``load_model``)."""
    path = Path(path)
    if path.is_dir():
        return SourceKind.HF_FOLDER if (path / "config.json").is_file() else None
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    stripped = head.lstrip()
    if stripped.startswith(b'{"learner"') or (stripped.startswith(b"{") and b'"learner"' in head[:64]):
        return SourceKind.XGBOOST_JSON
    if head.startswith(b"{") and re.match(rb"\{[LlIiU].{0,8}learner", head[:32], re.DOTALL):
        return SourceKind.XGBOOST_UBJ
    if head.startswith(b"tree\n") and b"\nversion=v" in head[:64]:
        return SourceKind.LIGHTGBM_TEXT
    if head.startswith(b"PK\x03\x04") and path.suffix == ".keras":
        return SourceKind.KERAS
    return None


def load_model_source(
    path: str | Path,
    *,
    model_class: str | None = None,
    model_code: str | Path | None = None,
    model_kwargs: dict[str, Any] | str | None = None,
    input_shape: tuple[int, ...] | None = None,
    n_features: int | None = None,
    clip_values: tuple[float, float] | None = None,
) -> Model | None:
    """The one entry point for ``load_model``/the CLI: a ``Model`` for the sources in this module, or None
    when ``path`` is none of them (then the caller's own loaders and gate apply).

    ``model_class``/``model_code`` mean ``path`` is a state_dict for that class; ``n_features`` (the data's
    column count) lets the input shape be inferred when ``input_shape`` is not given.
    """
    if model_class or model_code:
        return load_state_dict_model(path, model_class=model_class, model_code=model_code,
                                     model_kwargs=model_kwargs, input_shape=input_shape,
                                     n_features=n_features, clip_values=clip_values)
    kind = detect_source(path)
    if kind is None:
        return None
    return load_source(path, kind, clip_values=clip_values, input_shape=input_shape)


def load_source(
    path: str | Path,
    kind: SourceKind | None = None,
    *,
    clip_values: tuple[float, float] | None = None,
    input_shape: tuple[int, ...] | None = None,
) -> Model:
    """Load a file or folder that ``detect_source`` recognises; refuse with one clear line otherwise."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such model file or folder")
    kind = kind or detect_source(path)
    if kind is None:
        raise ModelLoadError(
            f"{path}: not an XGBoost (JSON/UBJ), LightGBM text, Keras 3 or Hugging Face transformers model"
        )
    if kind is SourceKind.HF_FOLDER:
        from mlsecure.models.hf_model import load_hf_folder

        return load_hf_folder(path, clip_values=clip_values, input_shape=input_shape)
    _check_size(path)
    if kind in (SourceKind.XGBOOST_JSON, SourceKind.XGBOOST_UBJ):
        return _load_xgboost(path, clip_values)
    if kind is SourceKind.LIGHTGBM_TEXT:
        return _load_lightgbm(path, clip_values)
    from mlsecure.models.keras_model import load_keras_file

    return load_keras_file(path, clip_values=clip_values)


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise ModelLoadError(f"{path}: {size} bytes is over the {MAX_MODEL_BYTES}-byte limit for model files")
    if size == 0:
        raise ModelLoadError(f"{path}: empty file")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _load_xgboost(path: Path, clip_values: tuple[float, float] | None) -> Model:
    xgb = require("xgboost", "xgboost")
    from mlsecure.models.xgboost_model import XGBoostModel

    booster = xgb.Booster()
    try:
        booster.load_model(str(path))
    except Exception as exc:  # XGBoostError carries the C++ parser's message
        raise ModelLoadError(f"{path}: XGBoost cannot read this model file: {_first_line(exc)}") from None
    return XGBoostModel(booster, clip_values=clip_values)


def _load_lightgbm(path: Path, clip_values: tuple[float, float] | None) -> Model:
    lgb = require("lightgbm", "lightgbm")
    from mlsecure.models.lightgbm_model import LightGBMModel

    try:
        booster = lgb.Booster(model_file=str(path))
    except Exception as exc:  # LightGBMError carries the parser's message
        raise ModelLoadError(f"{path}: LightGBM cannot read this model file: {_first_line(exc)}") from None
    return LightGBMModel(booster, clip_values=clip_values)


# --- state_dict + the user's model class ---------------------------------------------------------


def load_state_dict_model(
    weights: str | Path,
    *,
    model_class: str | None = None,
    model_code: str | Path | None = None,
    model_kwargs: dict[str, Any] | str | None = None,
    input_shape: tuple[int, ...] | None = None,
    n_features: int | None = None,
    clip_values: tuple[float, float] | None = None,
) -> Model:
    """Instantiate the user's ``nn.Module`` class and load a ``state_dict`` into it.

    ``model_class`` is ``MODULE:NAME`` (an importable module) or, with ``model_code=FILE.py``, just
    ``NAME`` (or ``FILE.py:NAME`` style ``MODULE:NAME`` ignored in favour of the file). Running that
    code is the user's explicit choice; the weights themselves are read without unpickling objects
    (``torch.load(weights_only=True)``, or safetensors). ``input_shape`` wins; otherwise it is inferred
    from ``n_features`` (the data's column count).
    """
    torch = require("torch", "torch")
    from mlsecure.models.input_shape import infer_input_shape
    from mlsecure.models.torch_model import TorchModel

    cls = resolve_model_class(model_class, model_code)
    kwargs = _parse_kwargs(model_kwargs)
    try:
        module = cls(**kwargs)
    except Exception as exc:  # the user's constructor rejected the arguments
        raise ModelLoadError(f"{cls.__name__}(**{kwargs}) failed: {_first_line(exc)}") from None
    if not isinstance(module, torch.nn.Module):
        raise ModelLoadError(f"{cls.__name__} is not a torch.nn.Module subclass")
    state = read_state_dict(weights)
    apply_state_dict(module, state, Path(weights))
    module.eval()
    if input_shape is None:
        if n_features is None:
            raise InputShapeUnknownError(f"{weights}: pass --input-shape, or --data so the shape can be inferred")
        input_shape = infer_input_shape(module, n_features)
    return TorchModel(module, input_shape=input_shape, clip_values=clip_values)


def resolve_model_class(model_class: str | None, model_code: str | Path | None = None) -> type:
    """The class named by ``MODULE:NAME``, or by ``NAME`` inside the Python file ``model_code``."""
    if not model_class:
        raise ModelLoadError(
            "a state_dict needs --model-class MODULE:NAME (or --model-code FILE.py --model-class NAME)"
        )
    if model_code is not None:
        code = Path(model_code)
        if not code.is_file() or code.suffix != ".py":
            raise InputError(f"{code}: --model-code must name an existing .py file")
        name = model_class.rsplit(":", 1)[-1]
        digest = hashlib.sha256(str(code.resolve()).encode()).hexdigest()[:12]
        module_name = f"mlsecure_user_model_{digest}"
        spec = importlib.util.spec_from_file_location(module_name, code)
        if spec is None or spec.loader is None:
            raise ModelLoadError(f"{code}: cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses and pickling-free torch code look modules up here
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(module_name, None)
            raise ModelLoadError(f"{code}: importing it failed: {_first_line(exc)}") from None
        where = str(code)
    else:
        mod_name, sep, name = model_class.partition(":")
        if not sep or not mod_name or not name:
            raise InputError(f"--model-class {model_class!r}: expected MODULE:NAME, e.g. mypkg.nets:Classifier")
        try:
            module = importlib.import_module(mod_name)
        except ImportError as exc:
            raise ModelLoadError(f"--model-class {model_class}: cannot import {mod_name}: {_first_line(exc)}") from None
        where = mod_name
    obj: Any = module
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise ModelLoadError(f"{where} has no class {name!r}")
    if not isinstance(obj, type):
        raise ModelLoadError(f"{where}:{name} is a {type(obj).__name__}, not a class")
    return obj


def _parse_kwargs(model_kwargs: dict[str, Any] | str | None) -> dict[str, Any]:
    if model_kwargs is None:
        return {}
    if isinstance(model_kwargs, dict):
        return model_kwargs
    try:
        parsed = json.loads(model_kwargs)
    except ValueError as exc:
        raise InputError(f"--model-kwargs is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise InputError("--model-kwargs must be a JSON object, e.g. '{\"hidden\": 64}'")
    return parsed


_CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model")


def read_state_dict(weights: str | Path) -> dict[str, Any]:
    """Tensors by name from a ``.safetensors`` file or a ``torch.save``'d dict, never unpickling objects.

    A training checkpoint ``{"state_dict": {...}, "epoch": ...}`` yields its ``state_dict`` (or
    ``model_state_dict``/``model``) entry.
    """
    torch = require("torch", "torch")
    path = Path(weights)
    if not path.is_file():
        raise InputError(f"{path}: no such weights file")
    _check_size(path)
    with path.open("rb") as fh:
        head = fh.read(16)
    if path.suffix == ".safetensors":
        safetensors_torch = require("safetensors.torch", "supply")
        try:
            return dict(safetensors_torch.load_file(str(path), device="cpu"))
        except Exception as exc:
            raise ModelLoadError(f"{path}: not a readable safetensors file: {_first_line(exc)}") from None
    if not (head.startswith(b"PK\x03\x04") or head[:1] == b"\x80"):
        raise ModelLoadError(f"{path}: not a torch.save file or a .safetensors file")
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        if "weights_only" in str(exc) or type(exc).__name__ == "UnpicklingError":
            raise UnsafeArtifactError(
                f"{path}: refused: reading it needs arbitrary Python objects, not only tensors (a pickled "
                "module? load those through the pickle gate instead)",
                (_first_line(exc),),
            ) from None
        raise ModelLoadError(f"{path}: torch cannot read this file: {_first_line(exc)}") from None
    if isinstance(obj, dict) and not _all_tensors(obj):
        for key in _CHECKPOINT_KEYS:
            inner = obj.get(key)
            if isinstance(inner, dict) and inner and _all_tensors(inner):
                return dict(inner)
    if not isinstance(obj, dict) or not obj or not _all_tensors(obj):
        raise ModelLoadError(
            f"{path}: holds a {type(obj).__name__} that is not a state_dict (a dict of tensors, or a checkpoint "
            f"with one under {'/'.join(_CHECKPOINT_KEYS)})"
        )
    return dict(obj)


def _all_tensors(d: dict[Any, Any]) -> bool:
    torch = require("torch", "torch")
    return all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in d.items())


def apply_state_dict(module: Any, state: dict[str, Any], source: Path) -> None:
    """``load_state_dict`` that names missing and unexpected keys (and shape clashes) in one error.

    A ``module.`` prefix on every key (saved from ``DataParallel``) is dropped when the model has none.
    """
    own = set(module.state_dict())
    if state and all(k.startswith("module.") for k in state) and not any(k.startswith("module.") for k in own):
        state = {k[len("module.") :]: v for k, v in state.items()}
    missing = sorted(own - set(state))
    unexpected = sorted(set(state) - own)
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing keys {_few(missing)}")
        if unexpected:
            parts.append(f"unexpected keys {_few(unexpected)}")
        raise ModelLoadError(f"{source}: state_dict does not fit {type(module).__name__}: {'; '.join(parts)}")
    own_state = module.state_dict()
    clashes = [
        f"{k} {tuple(v.shape)} vs model {tuple(own_state[k].shape)}"
        for k, v in state.items()
        if tuple(v.shape) != tuple(own_state[k].shape)
    ]
    if clashes:
        raise ModelLoadError(f"{source}: state_dict shapes do not fit {type(module).__name__}: {_few(clashes)}")
    module.load_state_dict(state, strict=True)


def _few(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")

