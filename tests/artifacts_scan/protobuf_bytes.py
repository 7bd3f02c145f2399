"""Protocol-buffer wire encoding for building crafted ONNX / SavedModel / Keras-metadata files byte by byte
(the tests must not depend on onnx or tensorflow to write the shapes an attacker would)."""

from __future__ import annotations


def varint(n: int) -> bytes:
    """Base-128 varint, least significant group first."""
    out = b""
    while True:
        out += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
        n >>= 7
        if not n:
            return out


def msg(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2): sub-message, string or bytes."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def vint(number: int, value: int) -> bytes:
    """A varint field (wire type 0)."""
    return varint(number << 3) + varint(value)
