"""A pure-Python reader of the Snappy framing format, so snappy-framed files are scanned instead of called data.

``fsspec.open(path, compression="snappy")`` (python-snappy's ``StreamDecompressor``) undoes this framing before a
caller's ``pickle.load`` or ``np.load``; until session 9 such a file was "unrecognised binary data" (low). Format
(github.com/google/snappy, ``framing_format.txt`` and ``format_description.txt``):

* framing: chunks of a type byte and a 3-byte little-endian length. ``0xff`` is the stream identifier
  (``sNaPpY``, may repeat where streams were concatenated), ``0x00`` compressed data and ``0x01`` uncompressed data
  (each after a 4-byte masked CRC-32C, and at most 65,536 bytes once decoded), ``0x02``-``0x7f`` reserved (a reader
  must stop), ``0x80``-``0xfe`` skippable;
* block: a varint of the decoded length, then elements whose tag's low two bits say literal, or a copy with a 1-,
  2- or 4-byte offset back into the block's own output.

CRCs are not verified (python-snappy does; a stream it rejects is not run, and reading it anyway only scans more).
"""

from __future__ import annotations

from typing import IO

from mlsecure.artifacts.scan.framed import chunked_stream, copy_back

SNAPPY_MAGIC = b"\xff\x06\x00\x00sNaPpY"
MAX_CHUNK = 65536  # the framing format's largest decoded chunk


class SnappyFormatError(ValueError):
    """The bytes are not a well-formed Snappy stream (the reader stops there, like python-snappy)."""


def snappy_stream(raw: IO[bytes]) -> IO[bytes]:
    """``raw`` (Snappy-framed, read from its start) as a forward-only stream of the decompressed bytes."""
    raw.seek(0)

    def next_chunk() -> bytes | None:
        header = raw.read(4)
        if not header:
            return None
        if len(header) != 4:
            raise SnappyFormatError("snappy stream ends inside a chunk header")
        kind, length = header[0], int.from_bytes(header[1:], "little")
        body = raw.read(length)
        if len(body) != length:
            raise SnappyFormatError("snappy stream ends inside a chunk")
        if kind == 0xFF:
            if body != b"sNaPpY":
                raise SnappyFormatError("snappy stream identifier is not sNaPpY")
            return b""
        if kind in (0x00, 0x01):
            if length < 4:
                raise SnappyFormatError("snappy data chunk shorter than its checksum")
            data = decode_block(body[4:]) if kind == 0x00 else body[4:]
            if len(data) > MAX_CHUNK:
                raise SnappyFormatError(f"snappy chunk decodes to {len(data)} bytes, over {MAX_CHUNK}")
            return data
        if kind <= 0x7F:
            raise SnappyFormatError(f"reserved unskippable snappy chunk type {kind:#04x}")
        return b""  # skippable chunk or padding

    return chunked_stream(next_chunk)


def decode_block(src: bytes, limit: int = MAX_CHUNK) -> bytes:
    """One Snappy block (varint length, literals and copies); it may not declare more than ``limit`` bytes."""
    expected, pos = _varint(src)
    if expected > limit:
        raise SnappyFormatError(f"snappy block declares {expected} bytes, over {limit}")
    out = bytearray()
    end = len(src)
    while pos < end:
        tag = src[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                length = int.from_bytes(src[pos : pos + extra], "little")
                pos += extra
            length += 1
            if pos + length > end:
                raise SnappyFormatError("snappy literal runs past the block")
            out += src[pos : pos + length]
            pos += length
        else:
            if kind == 1:
                length = ((tag >> 2) & 7) + 4
                offset = (tag >> 5) << 8 | (src[pos] if pos < end else 0)
                pos += 1
            else:
                width = 2 if kind == 2 else 4
                length = (tag >> 2) + 1
                offset = int.from_bytes(src[pos : pos + width], "little")
                pos += width
            if pos > end or offset == 0 or offset > len(out):
                raise SnappyFormatError(f"snappy copy offset {offset} reaches before the output")
            copy_back(out, offset, length)
        if len(out) > expected:
            raise SnappyFormatError(f"snappy block decodes past its declared {expected} bytes")
    if len(out) != expected:
        raise SnappyFormatError(f"snappy block decodes to {len(out)} bytes, not the declared {expected}")
    return bytes(out)


def _varint(src: bytes) -> tuple[int, int]:
    value, shift = 0, 0
    for pos, byte in enumerate(src[:5]):
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos + 1
        shift += 7
    raise SnappyFormatError("snappy block length is not a varint of at most 5 bytes")
