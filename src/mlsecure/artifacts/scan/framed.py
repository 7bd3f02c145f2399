"""A forward-only stream over a compressed format decoded chunk by chunk (LZ4 frames, Snappy framing).

The decoders are pure Python (the formats' own libraries are not dependencies); each hands this reader a function
that decodes the next chunk, returns ``b""`` for a chunk that holds no data and ``None`` at the end of the stream.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO


def chunked_stream(next_chunk: Callable[[], bytes | None]) -> IO[bytes]:
    """The bytes ``next_chunk`` yields, as a buffered binary stream (``read``, ``readline``, forward ``seek``)."""
    return io.BufferedReader(_ChunkReader(next_chunk), 1 << 16)


class _ChunkReader(io.RawIOBase):
    def __init__(self, next_chunk: Callable[[], bytes | None]) -> None:
        self._next_chunk = next_chunk
        self._pending = bytearray()  # decoded and not yet read
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]  # RawIOBase's buffer type
        while not self._pending and not self._done:
            chunk = self._next_chunk()
            if chunk is None:
                self._done = True
            else:
                self._pending += chunk
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        del self._pending[:n]
        return n


def copy_back(out: bytearray, offset: int, length: int) -> None:
    """Append ``length`` bytes copied from ``offset`` bytes back in ``out`` (an LZ77 match: LZ4's and Snappy's). An
    overlapping copy (``offset < length``) repeats the last ``offset`` bytes; the caller has checked the offset."""
    begin = len(out) - offset
    if offset >= length:
        out += out[begin : begin + length]
    else:
        out += (out[begin:] * (length // offset + 1))[:length]
