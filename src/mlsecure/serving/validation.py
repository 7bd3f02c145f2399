"""Input validation from the model's declared schema: shape, dtype, range, NaN/Inf, batch size.

A request body is ``{"inputs": [sample, ...]}`` where each sample is a nested list of numbers of the
model's ``input_shape``. Anything else is a ``ValidationFailure`` naming the exact field at fault
(``inputs[3][12]``) for a 422 answer. The common, valid case costs one ``json.loads`` and one
``numpy.asarray``; the exact field is searched for only once something is wrong.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlsecure.models.interface import Model

_FLOAT32_MAX = float(np.finfo(np.float32).max)


class ValidationFailure(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, kw_only=True)
class InputSchema:
    input_shape: tuple[int, ...]
    value_range: tuple[float, float] | None
    max_batch: int
    dtype: str = "float32"

    @classmethod
    def for_model(cls, model: Model, *, value_range: tuple[float, float] | None, max_batch: int) -> InputSchema:
        return cls(input_shape=tuple(model.input_shape), value_range=value_range or model.clip_values,
                   max_batch=max_batch)

    def json_schema(self) -> dict[str, Any]:
        """The request body as JSON Schema (used in the OpenAPI spec)."""
        leaf: dict[str, Any] = {"type": "number"}
        if self.value_range is not None:
            leaf.update(minimum=self.value_range[0], maximum=self.value_range[1])
        else:
            leaf.update(minimum=-_FLOAT32_MAX, maximum=_FLOAT32_MAX)
        sample = leaf
        for dim in reversed(self.input_shape):
            sample = {"type": "array", "items": sample, "minItems": dim, "maxItems": dim}
        return {
            "type": "object",
            "required": ["inputs"],
            "additionalProperties": False,
            "properties": {"inputs": {"type": "array", "items": sample, "minItems": 1, "maxItems": self.max_batch,
                                      "description": f"a batch of samples, each of shape {list(self.input_shape)}"}},
        }

    def parse(self, body: bytes) -> np.ndarray:
        """Decode and validate a request body; return a ``float32`` array ``(n, *input_shape)``."""
        try:
            if _LONG_INTEGER.search(body):  # orjson reads integers beyond 64 bits as floats; json keeps them exact
                raise ValueError("long integer literal")
            doc = _fast_loads(body)
        except ValueError:  # orjson is stricter (NaN literals, other encodings) or differs: json decides
            try:
                doc = json.loads(body)
            except (ValueError, RecursionError) as exc:
                raise ValidationFailure("body", f"not valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise ValidationFailure("body", f"expected a JSON object, got {_kind(doc)}")
        if len(doc) != 1 or "inputs" not in doc:
            extra = sorted(set(doc) - {"inputs"})
            if extra:
                raise ValidationFailure(extra[0] or '""', "unknown field (the body has only 'inputs')")
            raise ValidationFailure("inputs", "field required")
        inputs = doc["inputs"]
        if not isinstance(inputs, list):
            raise ValidationFailure("inputs", f"expected a list of samples, got {_kind(inputs)}")
        if not inputs:
            raise ValidationFailure("inputs", "batch is empty")
        if len(inputs) > self.max_batch:
            raise ValidationFailure("inputs", f"batch of {len(inputs)} samples exceeds the limit of {self.max_batch}")
        arr = self._fast_array(inputs, body)
        if arr is None:
            self._locate(inputs)  # raises with the exact field
            raise ValidationFailure("inputs", "not a numeric array")  # unreachable in practice
        if arr.shape[1:] != self.input_shape:
            self._locate(inputs)
        return self.check_values(arr)

    def check_values(self, arr: np.ndarray, field: Callable[[tuple[int, ...]], str] | None = None) -> np.ndarray:
        """``arr`` (float64, already of the schema's shape) as float32 once every value is finite and in
        range, else a ``ValidationFailure`` naming the first bad value (``field`` maps its index to a name)."""
        name = _field if field is None else field
        lo, hi = self.value_range if self.value_range is not None else (-_FLOAT32_MAX, _FLOAT32_MAX)
        # a configured range wider than float32's still ends at float32's (the rows are cast to float32: a larger
        # value would reach the model as infinity)
        if arr.size and max(lo, -_FLOAT32_MAX) <= arr.min() and arr.max() <= min(hi, _FLOAT32_MAX):
            return arr.astype(np.float32)  # the common case: one pass each, no masks
        bad = ~np.isfinite(arr)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValidationFailure(name(idx), f"{_number(arr[idx])} is not a finite number")
        if self.value_range is not None:
            lo, hi = self.value_range
            out = (arr < lo) | (arr > hi)
            if out.any():
                idx = tuple(int(i) for i in np.argwhere(out)[0])
                raise ValidationFailure(name(idx), f"{_number(arr[idx])} is outside the allowed range [{lo}, {hi}]")
        if (np.abs(arr) > _FLOAT32_MAX).any():
            idx = tuple(int(i) for i in np.argwhere(np.abs(arr) > _FLOAT32_MAX)[0])
            raise ValidationFailure(name(idx), "out of float32 range")
        return arr.astype(np.float32)

    @staticmethod
    def _fast_array(inputs: list[Any], body: bytes) -> np.ndarray | None:
        """``inputs`` as float64 when it is plainly numeric, else ``None`` (the slow, exact walk decides).

        A body with no string but the ``"inputs"`` key and no ``true``/``false``/``null`` literal holds
        only numbers and lists, so numpy may convert it directly (it would turn strings, booleans and
        ``None`` into numbers silently, which is why those bodies take the slow path).
        """
        if body.count(b'"') != 2 or b"true" in body or b"false" in body or b"null" in body:
            return None
        try:
            arr = np.asarray(inputs, dtype=np.float64)
        except (ValueError, TypeError, OverflowError):
            return None
        return arr

    def _locate(self, inputs: list[Any]) -> None:
        """Walk the nested lists and raise at the first field that breaks the schema."""
        for i, sample in enumerate(inputs):
            self._walk(sample, self.input_shape, (i,))
        raise ValidationFailure("inputs", "not a numeric array of the declared shape")

    def _walk(self, node: Any, shape: tuple[int, ...], path: tuple[int, ...]) -> None:
        if not shape:
            if isinstance(node, bool) or not isinstance(node, (int, float)):
                raise ValidationFailure(_field(path), f"expected a number, got {_kind(node)}")
            if isinstance(node, int) and abs(node) > _FLOAT32_MAX:
                raise ValidationFailure(_field(path), "out of float32 range")
            if isinstance(node, float) and not math.isfinite(node):
                raise ValidationFailure(_field(path), f"{_number(node)} is not a finite number")
            return
        if not isinstance(node, list):
            raise ValidationFailure(_field(path), f"expected a list of {shape[0]} values, got {_kind(node)}")
        if len(node) != shape[0]:
            raise ValidationFailure(_field(path), f"expected {shape[0]} values, got {len(node)}")
        for j, child in enumerate(node):
            self._walk(child, shape[1:], (*path, j))


def _orjson_loads() -> Callable[[bytes], Any]:
    """orjson's parser (10x the standard library's on arrays of floats) when installed, else ``json.loads``.

    Whatever orjson accepts, ``json.loads`` parses to the same objects; what it refuses goes to
    ``json.loads``, so the accepted bodies and the error messages do not depend on it."""
    try:
        import orjson
    except ImportError:
        return json.loads
    return orjson.loads


_fast_loads = _orjson_loads()
_LONG_INTEGER = re.compile(rb"\d{19}")
"""19 digits in a row: possibly an integer beyond 64 bits (a long float fraction also matches: json parses it
then, with the same result)."""


def _field(index: tuple[int, ...]) -> str:
    return "inputs" + "".join(f"[{i}]" for i in index)


def _number(v: Any) -> str:
    f = float(v)
    return "NaN" if math.isnan(f) else ("Infinity" if f > 0 else "-Infinity") if math.isinf(f) else repr(f)


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    return type(v).__name__
