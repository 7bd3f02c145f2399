"""JSON that someone else may have written: bounded, strict, and the one canonical encoding we sign.

Reading (``loads``, ``read_json_file``): the size is checked before parsing and the nesting depth right
after (a document nested deeper than Python's parser can recurse is refused, never a ``RecursionError``);
``NaN``/``Infinity`` literals and duplicate object keys are refused, because two readers could see two
different documents in the same bytes (a first-wins reader sees one value, Python's last-wins reader
another).

The canonical encoding (``canonical_json``): UTF-8, object keys sorted by code point, no whitespace
(``,`` and ``:`` separators), non-ASCII characters written as themselves (not ``\\u`` escapes), no
``NaN``/``Infinity``; numbers as Python's ``json`` writes them (integers in decimal, floats by ``repr``).
``require_canonical`` accepts bytes only when they are exactly that encoding of what they parse to, so
a signature over them covers one document and one reading of it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mlsecure.errors import InputError, LimitExceededError
from mlsecure.private_files import read_regular_file

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted (signature bundles and manifests need about 8)."""
MAX_BYTES = 256 * 1024 * 1024
"""Largest JSON document read (a signature of a model with a million files is about 200 MB)."""

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> bytes:
    """The canonical encoding of ``value`` (see the module docstring): the one every signed or hashed
    JSON in mlsecure uses (artifact signatures, HMAC manifests, audit events, gateway responses)."""
    try:
        return _ENCODER.encode(value).encode("utf-8")  # one encoder, not one per call as json.dumps makes
    except ValueError as exc:  # NaN or infinity
        raise InputError(f"cannot encode canonical JSON: {exc}") from None




def loads(data: bytes | str, *, what: str, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """Parse ``data`` strictly: size, depth, no NaN/Infinity, no duplicate keys. ``what`` names it."""
    if len(data) > max_bytes:
        raise LimitExceededError(f"{what}: {len(data)} bytes of JSON, more than the {max_bytes} allowed")
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                           parse_float=_finite_float)
    except RecursionError:
        raise LimitExceededError(f"{what}: JSON nested too deeply (at most {max_depth} levels)") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{what}: not UTF-8 text (byte offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{what}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except _StrictError as exc:
        raise InputError(f"{what}: {exc}") from None
    depth = nesting_depth(value)
    if depth > max_depth:
        raise LimitExceededError(f"{what}: JSON nested {depth} levels deep (at most {max_depth})")
    return value


def read_json_file(path: str | Path, *, what: str, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """``loads`` of a regular file (FIFOs and devices refused at once, size checked by ``fstat``)."""
    raw = read_regular_file(path, what=what, max_bytes=max_bytes)
    return loads(raw, what=f"{path}: {what}", max_depth=max_depth, max_bytes=max_bytes)


def read_json_object(path: str | Path, *, what: str, max_depth: int = MAX_DEPTH,
                     max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """``read_json_file`` that must hold an object."""
    value = read_json_file(path, what=what, max_depth=max_depth, max_bytes=max_bytes)
    if not isinstance(value, dict):
        raise InputError(f"{path}: the {what} must be a JSON object, not {type(value).__name__}")
    return value


def require_canonical(data: bytes, *, what: str, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """The document in ``data`` when ``data`` is exactly its canonical encoding; else ``InputError``."""
    value = loads(data, what=what, max_depth=max_depth, max_bytes=max_bytes)
    if canonical_json(value) != data:
        raise InputError(f"{what}: not in canonical JSON form (sorted keys, no whitespace, UTF-8)")
    return value


def nesting_depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children if isinstance(child, (dict, list)))
    return deepest


class _StrictError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _StrictError(f"duplicate key {key!r:.60} in a JSON object")
        out[key] = value
    return out


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _StrictError(f"{text[:40]} is out of the range of a finite number")
    return value


def _no_constant(name: str) -> Any:
    raise _StrictError(f"{name} is not a JSON number")
