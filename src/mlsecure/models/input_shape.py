"""``infer_input_shape``: the per-sample shape of a torch model that records none, from the data's width."""

from __future__ import annotations

import math
from typing import Any

from mlsecure.errors import ModelLoadError, require


def infer_input_shape(module: Any, n_features: int) -> tuple[int, ...]:
    """The first of ``(n_features,)`` and, for a model starting with a convolution, ``(C, L)`` or
    ``(C, s, s)`` that the module accepts (a zero batch of one gives ``(1, n_classes)`` logits).

    On a mismatch the error names both numbers: what the first layer expects and what the data has.
    """
    if n_features < 1:
        raise ModelLoadError(f"cannot infer the model's input shape from data with {n_features} feature columns")
    torch = require("torch", "torch")
    first = _first_weight(module)
    expected = _expected_features(first)
    if expected is not None and expected != n_features:
        raise ModelLoadError(
            f"model expects {expected} input features, data has {n_features}: pass the matching --data "
            "or --input-shape"
        )
    candidates = [(n_features,), *_conv_shapes(first, n_features)]
    last_error = ""
    for shape in candidates:
        probe = torch.zeros((1, *shape), device=_device(module, torch))
        try:
            with torch.no_grad():
                out = module(probe)
        except Exception as exc:  # the user's module rejects this shape; try the next candidate
            last_error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            continue
        if getattr(out, "ndim", 0) == 2:
            return shape
        last_error = f"output has shape {tuple(getattr(out, 'shape', ()))}, not (batch, n_classes)"
    tried = " or ".join(str(s) for s in candidates)
    raise ModelLoadError(
        f"model does not accept the data's {n_features} features as input shape {tried} ({last_error}); "
        "pass --input-shape"
    )


_LAYERS = {"Linear": 2, "Conv1d": 3, "Conv2d": 4}


def _first_weight(module: Any) -> Any:
    """The weight of the first Linear/Conv1d/Conv2d layer (TorchScript keeps the class in
    ``original_name``), or None when there is none or an Embedding comes first (token ids, not features)."""
    for _, sub in module.named_modules():
        kind = getattr(sub, "original_name", None) or type(sub).__name__
        if kind == "Embedding":
            return None
        weight = getattr(sub, "weight", None)
        if kind in _LAYERS and weight is not None and getattr(weight, "ndim", 0) == _LAYERS[kind]:
            return weight
    return None


def _expected_features(weight: Any) -> int | None:
    """A first Linear layer fixes the flat feature count: its weight is ``(out, in)``."""
    if weight is not None and weight.ndim == 2:
        return int(weight.shape[1])
    return None


def _conv_shapes(weight: Any, n_features: int) -> list[tuple[int, ...]]:
    """``(C, L)`` for Conv1d and ``(C, s, s)`` (square images) for Conv2d, when the count divides evenly."""
    if weight is None or weight.ndim not in (3, 4):
        return []
    channels = int(weight.shape[1])
    if n_features % channels:
        return []
    per_channel = n_features // channels
    if weight.ndim == 3:
        return [(channels, per_channel)]
    side = math.isqrt(per_channel)
    return [(channels, side, side)] if side * side == per_channel else []


def _device(module: Any, torch: Any) -> Any:
    first = next(iter(module.parameters()), None)
    return first.device if first is not None else torch.device("cpu")
