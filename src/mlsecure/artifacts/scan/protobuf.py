"""A minimal protobuf wire-format reader: enough to walk TensorFlow and ONNX messages without their
libraries, and to tell one from the other by structure rather than by guessed bytes.

Only the wire format is decoded (varints, fixed 32/64, length-delimited, and the deprecated groups,
which are rejected); field meanings come from the caller's schema. Every length is checked against
the enclosing message, so hostile input raises ``ProtobufError``, never reads out of bounds.
"""

from __future__ import annotations

import contextlib
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from mlsecure.artifacts.scan.interface import Blob

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
MAX_FIELD = (1 << 29) - 1


class ProtobufError(ValueError):
    """The bytes are not a well-formed protobuf message."""


@dataclass(frozen=True)
class Field:
    number: int
    wire: int
    value: int  # the integer for VARINT/FIXED*, the payload offset for LENGTH
    length: int = 0  # the payload length for LENGTH


def read_varint(buf: bytes | memoryview, pos: int, end: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it."""
    result = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise ProtobufError("truncated or over-long varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(buf: bytes | memoryview, start: int = 0, end: int | None = None) -> Iterator[Field]:
    """Every field of the message in ``buf[start:end]``, in order."""
    end = len(buf) if end is None else end
    pos = start
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if not 1 <= number <= MAX_FIELD:
            raise ProtobufError(f"field number {number} out of range")
        if wire == VARINT:
            value, pos = read_varint(buf, pos, end)
            yield Field(number, wire, value)
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if pos + width > end:
                raise ProtobufError("truncated fixed-width field")
            yield Field(number, wire, int.from_bytes(buf[pos : pos + width], "little"))
            pos += width
        elif wire == LENGTH:
            length, pos = read_varint(buf, pos, end)
            if pos + length > end:
                raise ProtobufError(f"field {number}: {length} bytes run past the message end")
            yield Field(number, wire, pos, length)
            pos += length
        else:
            raise ProtobufError(f"field {number}: unsupported wire type {wire}")


def top_level(handle: IO[bytes], size: int, *, max_fields: int = 1 << 20) -> list[Field]:
    """The top-level fields of a message filling a seekable file, skipping payloads by seeking."""
    out: list[Field] = []
    pos = 0
    handle.seek(0)
    while pos < size:
        if len(out) >= max_fields:
            raise ProtobufError("too many top-level fields")
        chunk = handle.read(20)
        key, used = read_varint(chunk, 0, len(chunk))
        number, wire = key >> 3, key & 7
        if not 1 <= number <= MAX_FIELD:
            raise ProtobufError(f"field number {number} out of range")
        if wire == VARINT:
            value, after = read_varint(chunk, used, len(chunk))
            out.append(Field(number, wire, value))
            pos += after
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if used + width > len(chunk):
                raise ProtobufError("truncated fixed-width field")
            out.append(Field(number, wire, int.from_bytes(chunk[used : used + width], "little")))
            pos += used + width
        elif wire == LENGTH:
            length, after = read_varint(chunk, used, len(chunk))
            if pos + after + length > size:
                raise ProtobufError(f"field {number}: {length} bytes run past the end of the file")
            out.append(Field(number, wire, pos + after, length))
            pos += after + length
        else:
            raise ProtobufError(f"field {number}: unsupported wire type {wire}")
        handle.seek(pos)
    return out


def text(buf: bytes | memoryview, field: Field) -> str:
    return bytes(buf[field.value : field.value + field.length]).decode("utf-8", errors="replace")


@contextlib.contextmanager
def mapped(blob: Blob) -> Iterator[memoryview]:
    """The blob's bytes without copying a file into memory (mmap); members are already in memory."""
    if blob.path is None:
        yield memoryview(blob.read_all())
        return
    with blob.path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            yield memoryview(b"")
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            try:
                yield view
            finally:
                view.release()
