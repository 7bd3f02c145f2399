"""A pure-Python reader of LZ4 frames, so lz4-compressed files are scanned instead of refused.

``joblib.dump(obj, "m.joblib", compress="lz4")`` writes an LZ4 frame around the pickle, and ``fsspec`` (behind
``pandas``, ``datasets``, ``np.load(fsspec.open(p, compression="infer").open())``) undoes ``.lz4`` when the ``lz4``
package is installed. Until session 9 the scanner refused every lz4 stream ("cannot be inspected", high): a benign
lz4 joblib model failed and a malicious one was only "unverified". The ``lz4`` package is not a dependency; the
format is small enough to read here (frame format 1.6.x and block format of github.com/lz4/lz4, ``doc/``):

* frame: magic ``04 22 4D 18``, FLG/BD bytes, optional 8-byte content size and 4-byte dictionary id, a header
  checksum byte, then blocks (4-byte little-endian size, high bit = stored uncompressed; optional 4-byte block
  checksum), a zero end mark and an optional 4-byte content checksum; frames may follow one another, and
  skippable frames (magic ``5X 2A 4D 18``) are skipped as ``lz4.frame`` does;
* block: sequences of a token (literal length high nibble, match length low nibble, 15 = more length bytes),
  literals, a 2-byte offset into the last 64 KiB of output and a match of length + 4 (may overlap itself).

Checksums are verified as ``lz4.frame`` verifies them (session 10; before, a frame it refuses was read anyway): a
failing header or block checksum, a block over the frame's declared block size or a content size that does not match
ends the stream there, as in the loader: "cannot decompress the rest" (high) with everything before it scanned, or
"cannot be decompressed" (medium) when nothing came before; a failing content checksum is found after the whole
frame was read (the loader had run it all by then too). A frame with a dictionary id is
refused: its bytes depend on a dictionary this file does not hold.
"""

from __future__ import annotations

import struct
from typing import IO

from mlsecure.artifacts.scan.framed import chunked_stream, copy_back
from mlsecure.artifacts.scan.xxhash32 import XXH32, xxh32

LZ4_MAGIC = b"\x04\x22\x4d\x18"
WINDOW = 1 << 16  # a match reaches back at most 64 KiB
_MAX_BLOCK = 4 * 1024 * 1024  # the largest block size a frame may declare (BD = 7)


class LZ4FormatError(ValueError):
    """The bytes are not a well-formed LZ4 frame (the reader stops there, like a loader would)."""


def lz4_stream(raw: IO[bytes]) -> IO[bytes]:
    """``raw`` (an LZ4 frame, read from its start) as a forward-only stream of the decompressed bytes."""
    raw.seek(0)
    return chunked_stream(_LZ4Frames(raw).next_block)


class _LZ4Frames:
    """Frames read one after the other: each call decodes one block (``b""`` for headers and end marks)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._history = bytearray()  # the last 64 KiB of output, for matches of linked blocks
        self._in_frame = False
        self._block_checksum = False
        self._content: XXH32 | None = None  # the running content checksum, when the frame carries one
        self._max_block = _MAX_BLOCK  # the frame's declared largest block (BD byte)
        self._declared_size: int | None = None  # the frame's content size field, when present
        self._decoded = 0

    def next_block(self) -> bytes | None:
        if not self._in_frame:
            return self._start_frame()
        (size,) = struct.unpack("<I", self._read_exact(4, "block size"))
        if size == 0:  # end mark
            if self._declared_size is not None and self._declared_size != self._decoded:
                raise LZ4FormatError(f"lz4 frame declares {self._declared_size} bytes and holds {self._decoded}: "
                                     "lz4.frame refuses it")
            if self._content is not None:
                _check(self._read_exact(4, "content checksum"), self._content.digest(), "content")
            self._in_frame = False
            return b""
        stored, size = bool(size & 0x80000000), size & 0x7FFFFFFF
        if size > self._max_block:
            raise LZ4FormatError(f"lz4 block of {size} bytes is over the frame's {self._max_block} bytes")
        data = self._read_exact(size, "block")
        if self._block_checksum:
            _check(self._read_exact(4, "block checksum"), xxh32(data), "block")
        block = bytes(data) if stored else decode_block(data, self._history, self._max_block)
        self._decoded += len(block)
        if self._content is not None:
            self._content.update(block)
        self._history += block
        if len(self._history) > WINDOW:
            del self._history[: len(self._history) - WINDOW]
        return block

    def _read_exact(self, n: int, what: str) -> bytes:
        data = self._raw.read(n)
        if len(data) != n:
            raise LZ4FormatError(f"lz4 stream ends inside the {what}")
        return data

    def _start_frame(self) -> bytes | None:
        magic = self._raw.read(4)
        if not magic:
            return None
        if len(magic) == 4 and magic[0] & 0xF0 == 0x50 and magic[1:] == b"\x2a\x4d\x18":  # skippable frame
            (skip,) = struct.unpack("<I", self._read_exact(4, "skippable frame size"))
            self._read_exact(skip, "skippable frame")
            return b""
        if magic != LZ4_MAGIC:
            # bytes after the last frame: lz4.frame stops with an error; nothing more is decoded
            raise LZ4FormatError("bytes after an lz4 frame are not another frame")
        descriptor = self._read_exact(2, "frame descriptor")
        flg, bd = descriptor
        if flg >> 6 != 1:
            raise LZ4FormatError(f"lz4 frame version {flg >> 6} is not 1")
        if flg & 0x02 or bd & 0x8F or bd >> 4 < 4:
            raise LZ4FormatError("lz4 frame descriptor has reserved bits set or no valid block size")
        self._max_block = 1 << (2 * (bd >> 4) + 8)  # 4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB
        self._declared_size = None
        self._decoded = 0
        if flg & 0x08:
            size_field = self._read_exact(8, "content size")
            descriptor += size_field
            (self._declared_size,) = struct.unpack("<Q", size_field)
        if flg & 0x01:
            raise LZ4FormatError("lz4 frame needs a dictionary this file does not hold")
        (header_checksum,) = self._read_exact(1, "header checksum")
        if header_checksum != xxh32(descriptor) >> 8 & 0xFF:
            raise LZ4FormatError("lz4 frame header checksum fails: lz4.frame refuses the frame")
        self._block_checksum = bool(flg & 0x10)
        self._content = XXH32() if flg & 0x04 else None
        self._history.clear()  # matches never cross frames
        self._in_frame = True
        return b""


def _check(stored: bytes, computed: int, what: str) -> None:
    (expected,) = struct.unpack("<I", stored)
    if expected != computed:
        raise LZ4FormatError(f"lz4 {what} checksum fails ({expected:#010x} stored, {computed:#010x} computed): "
                             "lz4.frame refuses the rest")


def decode_block(src: bytes, history: bytes | bytearray = b"", limit: int = _MAX_BLOCK) -> bytes:
    """One LZ4 block, whose matches may reach into ``history`` (the output before it, last 64 KiB); a block never
    decodes to more than ``limit`` bytes (the format's largest block: ``lz4`` refuses more)."""
    out = bytearray(history)
    start = len(out)
    cap = start + limit
    pos, end = 0, len(src)
    while pos < end:
        token = src[pos]
        pos += 1
        length = token >> 4
        if length == 15:
            length, pos = _more_length(src, pos, length)
        if length:
            if pos + length > end:
                raise LZ4FormatError("lz4 literals run past the block")
            out += src[pos : pos + length]
            pos += length
        if pos >= end:  # the last sequence has literals only
            break
        offset = src[pos] | src[pos + 1] << 8 if pos + 1 < end else 0
        pos += 2
        if offset == 0 or offset > len(out):
            raise LZ4FormatError(f"lz4 match offset {offset} reaches before the output (or the block ends in it)")
        length = token & 0x0F
        if length == 15:
            length, pos = _more_length(src, pos, length)
        length += 4
        if len(out) + length > cap:
            raise LZ4FormatError(f"lz4 block decodes to more than {limit} bytes")
        copy_back(out, offset, length)
    if len(out) > cap:
        raise LZ4FormatError(f"lz4 block decodes to more than {limit} bytes")
    return bytes(out[start:])


def _more_length(src: bytes, pos: int, length: int) -> tuple[int, int]:
    while True:
        if pos >= len(src):
            raise LZ4FormatError("lz4 block ends inside a length")
        byte = src[pos]
        pos += 1
        length += byte
        if byte != 255:
            return length, pos
