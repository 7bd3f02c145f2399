"""The Open Inference Protocol (KServe v2) front: request decoding, metadata and response encoding.

Only tensors in JSON (``data`` row-major, flat or nested); the binary-tensor extension is refused with a
422 naming the field, so a ``tritonclient`` user sets ``binary_data=False``. The one input tensor is
checked like a ``/v1`` body: its name, datatype (FP32/FP64/INT*/UINT*), shape ``[n, *input_shape]`` with
``1 <= n <= max_batch``, integral values for integer types, then the schema's finite/range checks, each
failure naming the field (``inputs[0].data[17]``). Outputs are the hardened predictions: ``label``
(top-1, ``[n]``) and, unless labels only, ``top_labels`` and ``probability`` (``[n, k]``, rounded).
"""

from __future__ import annotations

import json
import math
from array import array
from itertools import chain
from typing import Any

import numpy as np

from mlsecure.serving.validation import InputSchema, ValidationFailure, _fast_loads

DATATYPES: dict[str, Any] = {
    "FP32": np.float32, "FP64": np.float64,
    "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
    "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
}
_REQUEST_KEYS = frozenset({"id", "parameters", "inputs", "outputs", "model_name", "model_version"})
"""The OIP request fields, plus ``model_name``/``model_version``, which KServe's Python client puts in the body."""
_INPUT_KEYS = frozenset({"name", "shape", "datatype", "data", "parameters"})


def output_names(labels_only: bool) -> tuple[str, ...]:
    return ("label",) if labels_only else ("label", "top_labels", "probability")


def parse_infer(body: bytes, schema: InputSchema, input_name: str, labels_only: bool, *,
                model: tuple[str, str] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """An OIP inference request body -> (``float32`` rows, context with the request ``id`` and the
    requested output names). ``model``: the served (name, version), which a body's ``model_name`` and
    ``model_version`` must name if present."""
    try:
        doc = _fast_loads(body)
    except ValueError:
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise ValidationFailure("body", f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ValidationFailure("body", "expected a JSON object")
    for key in doc:
        if key not in _REQUEST_KEYS:
            raise ValidationFailure(str(key) or '""', "unknown field (an inference request has id, parameters, "
                                                      "inputs, outputs, model_name, model_version)")
    for key, served in zip(("model_name", "model_version"), model or ("", ""), strict=True):
        value = doc.get(key)
        if value is not None and (not isinstance(value, str) or (model is not None and value != served)):
            raise ValidationFailure(key, f"expected {served!r}, the model this endpoint serves")
    req_id = doc.get("id")
    if req_id is not None and (not isinstance(req_id, str) or len(req_id) > 256):
        raise ValidationFailure("id", "expected a string of at most 256 characters")
    if not isinstance(doc.get("parameters", {}), dict):
        raise ValidationFailure("parameters", "expected an object")
    inputs = doc.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise ValidationFailure("inputs", "expected a list with one input tensor")
    if len(inputs) != 1:
        raise ValidationFailure("inputs", f"this model takes one input tensor, got {len(inputs)}")
    x = _tensor(inputs[0], schema, input_name, plain=b"true" not in body and b"false" not in body)
    names = output_names(labels_only)
    requested: list[str] | None = None
    outputs = doc.get("outputs")
    if outputs is not None:
        if not isinstance(outputs, list):
            raise ValidationFailure("outputs", "expected a list of requested outputs")
        requested = []
        for i, out in enumerate(outputs):
            name = out.get("name") if isinstance(out, dict) else None
            if name not in names:
                raise ValidationFailure(f"outputs[{i}].name", f"unknown output {name!r} (outputs: {', '.join(names)})")
            requested.append(name)
    return x, {"id": req_id, "outputs": requested}


def _tensor(t: Any, schema: InputSchema, input_name: str, *, plain: bool = False) -> np.ndarray:
    """The one input tensor as ``float32`` rows. ``plain``: the body has no ``true``/``false`` literal, so a
    numeric numpy array made from ``data`` cannot hide a boolean (numpy reads True as 1.0)."""
    f = "inputs[0]"
    if not isinstance(t, dict):
        raise ValidationFailure(f, "expected a tensor object")
    for key in t:
        if key not in _INPUT_KEYS:
            raise ValidationFailure(f"{f}.{key}", "unknown field")
    for key in ("name", "shape", "datatype", "data"):
        if key not in t:
            raise ValidationFailure(f"{f}.{key}", "field required")
    params = t.get("parameters", {})
    if not isinstance(params, dict):
        raise ValidationFailure(f"{f}.parameters", "expected an object")
    if "binary_data_size" in params:
        raise ValidationFailure(f"{f}.parameters.binary_data_size", "binary tensor data is not accepted; send the "
                                                                     "tensor as JSON (tritonclient: binary_data=False)")
    if t["name"] != input_name:
        raise ValidationFailure(f"{f}.name", f"unknown input {t['name']!r}; this model's input is {input_name!r}")
    dtype_name = t["datatype"]
    if dtype_name not in DATATYPES:
        raise ValidationFailure(f"{f}.datatype", f"{dtype_name!r} is not one of {', '.join(DATATYPES)}")
    shape = t["shape"]
    want = list(schema.input_shape)
    if (not isinstance(shape, list) or len(shape) != len(want) + 1
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in shape) or shape[1:] != want):
        raise ValidationFailure(f"{f}.shape", f"expected [n, {', '.join(map(str, want))}], got {shape!r}")
    n = shape[0]
    if n < 1:
        raise ValidationFailure(f"{f}.shape", "batch is empty")
    if n > schema.max_batch:
        raise ValidationFailure(f"{f}.shape", f"batch of {n} samples exceeds the limit of {schema.max_batch}")
    data = t["data"]
    if not isinstance(data, list):
        raise ValidationFailure(f"{f}.data", "expected a list of numbers")
    if plain and dtype_name in _FLOAT_TYPES:
        fast = _plain_floats(data, shape, schema)
        if fast is not None:
            return fast
    flat = _numbers(data, f"{f}.data")
    size = int(np.prod(shape))
    if flat.size != size:
        raise ValidationFailure(f"{f}.data", f"{flat.size} values for shape {shape} (needs {size})")
    np_dtype = DATATYPES[dtype_name]
    if np.issubdtype(np_dtype, np.integer):
        info = np.iinfo(np_dtype)
        bad = (flat != np.floor(flat)) | (flat < info.min) | (flat > info.max)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValidationFailure(f"{f}.data[{i}]", f"{flat[i]!r} is not a {dtype_name} value")
    elif dtype_name == "FP32":
        big = np.abs(flat) > np.finfo(np.float32).max
        if big.any():
            i = int(np.argmax(big))
            raise ValidationFailure(f"{f}.data[{i}]", "out of FP32 range")
    arr = flat.reshape(shape)

    def name(index: tuple[int, ...]) -> str:
        return f"{f}.data[{int(np.ravel_multi_index(index, arr.shape))}]"

    return schema.check_values(arr, name)


_FLOAT_TYPES = frozenset({"FP32", "FP64"})
_FP32_MAX = float(np.finfo(np.float32).max)


def _plain_floats(data: list[Any], shape: list[int], schema: InputSchema) -> np.ndarray | None:
    """The common valid FP32/FP64 tensor in four numpy calls (array, min, max, cast), or None when anything
    is unusual (integers only, another shape, a value out of range, NaN, a schema range wider than FP32):
    then the exact path below decides and names the field. Only for a body without boolean literals.

    A float64 array built from parsed JSON holds only numbers: strings, nulls and objects give another dtype
    (or an error), ragged nests an error; a value inside ``[lo, hi]`` with both within FP32's range passes every
    check of the exact path (finite, FP32 range, schema range), so the answer is the same."""
    lo, hi = schema.value_range if schema.value_range is not None else (-_FP32_MAX, _FP32_MAX)
    if lo < -_FP32_MAX or hi > _FP32_MAX:
        return None
    size = math.prod(shape)
    if len(data) == size <= _FLAT_MAX and set(map(type, data)) == _ONLY_FLOAT:
        return _flat_floats(data, shape, lo, hi)
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError, OverflowError):
        return None
    if arr.dtype != np.float64 or arr.size != math.prod(shape):
        return None
    if arr.ndim != len(shape):
        if arr.ndim != 1:
            return None
        arr = arr.reshape(shape)
    elif list(arr.shape) != shape:
        return None
    if not (lo <= arr.min() and arr.max() <= hi):  # NaN fails both comparisons
        return None
    return arr.astype(np.float32)


_FLAT_MAX = 65_536
_ONLY_FLOAT = {float}


def _flat_floats(data: list[float], shape: list[int], lo: float, hi: float) -> np.ndarray | None:
    """``_plain_floats`` for a flat list of Python floats, checked with builtins and cast to float32 by ``array``
    (C's double-to-float conversion, round to nearest as numpy's ``astype``): one numpy call instead of four,
    whose dispatch dominated decoding once the caches were cold (``benchmarks/gateway.md``, session 7).

    ``sum`` is NaN when any value is (``min``/``max`` alone can step over a NaN); an infinity fails the range."""
    total = sum(data)
    if total != total or not (lo <= min(data) and max(data) <= hi):
        return None
    return np.frombuffer(array("f", data), dtype=np.float32).reshape(shape)


def _numbers(data: list[Any], field: str) -> np.ndarray:
    """``data`` (flat or nested) as flat float64; only numbers (no booleans, strings, nulls)."""
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError):
        raise ValidationFailure(field, "nested lists of unequal lengths") from None
    if arr.dtype.kind not in "fiu" or _has_bool(data, arr.ndim):
        flat = list(_flatten(data))
        for i, v in enumerate(flat):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValidationFailure(f"{field}[{i}]", f"expected a number, got {type(v).__name__}")
        raise ValidationFailure(field, "not a numeric array")
    try:
        return arr.astype(np.float64).ravel()
    except OverflowError:
        raise ValidationFailure(field, "a value is out of range") from None


def _has_bool(data: list[Any], depth: int) -> bool:
    """Whether a rectangular nest of numbers ``depth`` lists deep holds a boolean (numpy reads True as 1);
    flattened and typed in C (``chain``, ``map(type)``): a per-element Python loop cost more than the rest
    of the request's validation."""
    items: Any = data
    for _ in range(depth - 1):
        items = chain.from_iterable(items)
    return bool in set(map(type, items))


def _flatten(data: Any) -> Any:
    if isinstance(data, list):
        for v in data:
            yield from _flatten(v)
    else:
        yield data


def model_metadata(*, name: str, version: str, platform: str, input_name: str, input_shape: tuple[int, ...],
                   labels: list[Any], labels_only: bool, top_k: int) -> dict[str, Any]:
    """``GET /v2/models/{name}``: the front's tensors (the hardened outputs, not the upstream's)."""
    n_labels = len(labels) if labels else 0  # 0: an upstream whose classes are not configured
    k = min(top_k, n_labels) if top_k > 0 and n_labels else (top_k if top_k > 0 else (n_labels or -1))
    label_type = _label_datatype(labels) if labels else "INT64"
    outputs: list[dict[str, Any]] = [{"name": "label", "datatype": label_type, "shape": [-1]}]
    if not labels_only:
        outputs += [{"name": "top_labels", "datatype": label_type, "shape": [-1, k]},
                    {"name": "probability", "datatype": "FP64", "shape": [-1, k]}]
    return {"name": name, "versions": [version], "platform": platform,
            "inputs": [{"name": input_name, "datatype": "FP32", "shape": [-1, *input_shape]}], "outputs": outputs}


def infer_response(*, model_name: str, model_version: str, request_id: str, input_hash: str, served_at: float,
                   predictions: list[dict[str, Any]], context: dict[str, Any]) -> dict[str, Any]:
    """The OIP inference response for hardened ``predictions`` (``OutputPolicy.apply``'s rows)."""
    n = len(predictions)
    labels = [p["label"] for p in predictions]
    label_type = _label_datatype(labels)
    outputs: list[dict[str, Any]] = [{"name": "label", "datatype": label_type, "shape": [n],
                                      "data": _label_data(labels, label_type)}]
    if "top" in predictions[0]:
        k = len(predictions[0]["top"])
        top = [t["label"] for p in predictions for t in p["top"]]
        top_type = _label_datatype(top)
        outputs.append({"name": "top_labels", "datatype": top_type, "shape": [n, k],
                        "data": _label_data(top, top_type)})
        outputs.append({"name": "probability", "datatype": "FP64", "shape": [n, k],
                        "data": [t["probability"] for p in predictions for t in p["top"]]})
    requested = context.get("outputs")
    if requested is not None:
        outputs = [o for o in outputs if o["name"] in requested]
    return {"model_name": model_name, "model_version": model_version, "id": context.get("id") or request_id,
            "parameters": {"request_id": request_id, "input_sha256": input_hash, "served_at": served_at},
            "outputs": outputs}


def _label_datatype(labels: list[Any]) -> str:
    return "INT64" if all(isinstance(v, int) and not isinstance(v, bool) for v in labels) else "BYTES"


def _label_data(labels: list[Any], datatype: str) -> list[Any]:
    return labels if datatype == "INT64" else [str(v) for v in labels]
