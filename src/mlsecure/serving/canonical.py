"""The canonical JSON of a gateway answer (the bytes it signs), written by orjson where that gives the very same bytes.

``strict_json.canonical_json`` (the standard library's encoder, keys sorted) is the definition; it cost ~4% of
the gateway's CPU per request (``benchmarks/gateway.md``, session 6). orjson with ``OPT_SORT_KEYS`` writes the
same bytes for every document this module lets through: string keys only (orjson sorts them by UTF-8 bytes,
which is code-point order), strings byte-identical for every code point (``tests/gateway/test_gateway_overhead.py``
checks all of them), integers within 64 bits (orjson refuses larger ones), and floats that ``repr`` writes
without an exponent (0.0, or magnitude in [1e-4, 1e16); orjson writes 1e-05 as 0.00001). Anything else (NaN,
infinity, a tiny or huge float, a nested structure deeper than ``_MAX_DEPTH``, another type) goes to
``canonical_json``, which decides (and refuses NaN and infinity).
"""

from __future__ import annotations

from typing import Any

from mlsecure.strict_json import canonical_json

_orjson: Any
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson comes with the gateway extra; canonical_json alone is the same
    _orjson = None

_MAX_DEPTH = 8
"""A gateway answer nests 4 levels (answer, outputs, tensor, data); deeper documents take ``canonical_json``."""


def response_json(doc: dict[str, Any]) -> bytes:
    """``canonical_json(doc)``, byte for byte (see the module docstring)."""
    if _orjson is None or type(doc) is not dict or not _plain(doc, 0):
        return canonical_json(doc)
    try:
        return bytes(_orjson.dumps(doc, option=_orjson.OPT_SORT_KEYS))
    except TypeError:  # orjson.JSONEncodeError: a 65-bit integer, a lone surrogate: json decides (or refuses)
        return canonical_json(doc)


def _plain(doc: Any, depth: int) -> bool:
    """Whether every value in ``doc`` is one orjson writes exactly as ``canonical_json`` does (loops, not recursion
    or generators: this runs on every answer)."""
    stack: list[tuple[Any, int]] = [(doc, depth)]
    while stack:
        value, level = stack.pop()
        if level >= _MAX_DEPTH:
            return False
        items = value.values() if type(value) is dict else value
        if type(value) is dict:
            for key in value:
                if type(key) is not str:
                    return False
        for item in items:
            kind = type(item)
            if kind is float:
                number: float = item
                if not (number == 0.0 or 1e-4 <= abs(number) < 1e16):  # NaN fails both comparisons
                    return False
            elif kind is dict or kind is list:
                stack.append((item, level + 1))
            elif not (kind is str or kind is int or kind is bool or item is None):
                return False
    return True
