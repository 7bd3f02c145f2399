"""Read zip archives the way PyTorch's loader (miniz) does, not the way ``zipfile`` does.

``zipfile`` refuses members whose CRC does not match, whose flag bits announce encryption or
patched data, or whose local header names a different file than the central directory; PyTorch
loads all of these. A scanner that gives up there lets the payload through (picklescan
GHSA-7q5r-7gvp-wc82, GHSA-w8jq-xcqf-f792, CVE-2025-10156). So members are located through the
central directory, their data found through the local header's own length fields, and every
anomaly is returned as evidence instead of an exception.
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import zlib
from dataclasses import dataclass
from typing import IO

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_CENTRAL_FMT = struct.Struct("<4s2B5H3L5H2L")
_LOCAL_FMT = struct.Struct("<4s5H3L2H")
_METHODS = {0: "stored", 8: "deflate", 12: "bzip2", 14: "lzma", 99: "AES encryption"}
SUPPORTED_METHODS = frozenset({0, 8, 12, 14})
S_IFLNK = 0o120000


class ZipFormatError(ValueError):
    """The bytes are not a zip archive PyTorch could read either."""


@dataclass(frozen=True)
class ZipEntry:
    name: str
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int
    external_attr: int
    create_system: int

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")

    @property
    def is_symlink(self) -> bool:
        return self.create_system == 3 and (self.external_attr >> 16) & 0o170000 == S_IFLNK


@dataclass(frozen=True)
class ZipDirectory:
    entries: tuple[ZipEntry, ...]
    anomalies: tuple[str, ...]
    start: int = 0  # where the archive's first local header is: bytes before it belong to no member
    end: int = 0  # the end of the end-of-central-directory record and its comment
    views: int = 1  # how many central directories the loaders read (more than one: each lists other members)


def read_directory(handle: IO[bytes], file_size: int) -> ZipDirectory:
    """Parse the end-of-central-directory record (zip64 too) and every central entry.

    Loaders disagree on where the central directory is, so every directory one of them reads is listed
    (and the disagreement is an anomaly): torch's miniz takes the classic end record, with the zip64 record
    the locator points at only for saturated fields, at the recorded offset; Python's zipfile (``np.load``
    of ``.npz``, Keras ``.keras``) takes the zip64 record right before the locator whenever one is there,
    and always shifts offsets by the bytes found before the archive.
    """
    tail_len = min(file_size, 65_535 + 22)
    handle.seek(file_size - tail_len)
    tail = handle.read(tail_len)
    at = tail.rfind(_EOCD)
    while at >= 0 and len(tail) - at < 22:  # the signature's bytes inside the record's own fields (miniz skips them)
        at = tail.rfind(_EOCD, 0, at)
    if at < 0:
        raise ZipFormatError("no end-of-central-directory record")
    _sig, _disk, _cd_disk, _n_here, count, cd_size, cd_offset, clen = struct.unpack("<4s4H2LH", tail[at : at + 22])
    eocd_pos = file_size - tail_len + at
    archive_end = min(file_size, eocd_pos + 22 + clen)
    anomalies: list[str] = []
    locator = tail[at - 20 : at] if at >= 20 else b""
    python = (count, cd_size, cd_offset, eocd_pos)
    if locator[:4] == _EOCD64_LOCATOR and eocd_pos >= 76:  # Python: the zip64 record just before the locator
        handle.seek(eocd_pos - 76)
        rec = handle.read(56)
        if rec[:4] == _EOCD64:
            python = (*struct.unpack("<3Q", rec[32:56]), eocd_pos - 76)
    if (count == 0xFFFF or cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF) and locator[:4] == _EOCD64_LOCATOR:
        (eocd64_pos,) = struct.unpack("<Q", locator[8:16])
        handle.seek(eocd64_pos)
        rec = handle.read(56)
        if rec[:4] != _EOCD64:
            raise ZipFormatError("zip64 end-of-central-directory record missing")
        count, cd_size, cd_offset = struct.unpack("<3Q", rec[32:56])
        eocd_pos = eocd64_pos
    if cd_offset + cd_size > eocd_pos:
        raise ZipFormatError("central directory runs past its end record")
    views: list[tuple[int, int, int, int]] = []  # (where a directory is read, its size, the offset shift, its count)
    concat = eocd_pos - cd_size - cd_offset  # > 0 when bytes were put in front without fixing offsets
    if concat <= 0 or _is_central(handle, cd_offset):
        views.append((cd_offset, cd_size, 0, count))
    if concat > 0 and _is_central(handle, cd_offset + concat):
        views.append((cd_offset + concat, cd_size, concat, count))
        anomalies.append(
            f"two central directories: torch's miniz reads the one at offset {cd_offset}, Python's zipfile the "
            f"one {concat} bytes later (both scanned)" if len(views) == 2
            else f"{concat} bytes precede the archive without its offsets being adjusted")
    if not views:
        views.append((cd_offset, cd_size, 0, count))
    py_count, py_size, py_offset, py_end = python
    py_concat = py_end - py_size - py_offset
    py_view = (py_offset + py_concat, py_size, py_concat, py_count)
    if py_concat >= 0 and all(v[:3] != py_view[:3] for v in views) and _is_central(handle, py_view[0]):
        views.append(py_view)
        anomalies.append(f"Python's zipfile reads a central directory at offset {py_view[0]} (from the zip64 record) "
                         "that torch's miniz does not (both scanned)")
    entries: list[ZipEntry] = []
    seen: set[tuple[str, int]] = set()
    for where, size, shift, listed_count in views:
        handle.seek(where)
        listed = _central_entries(handle.read(size), shift)
        if len(listed) != listed_count:
            anomalies.append(f"central directory lists {len(listed)} entries, end record says {listed_count}")
        for entry in listed:
            if (entry.name, entry.header_offset) not in seen:
                seen.add((entry.name, entry.header_offset))
                entries.append(entry)
    first = min((e.header_offset for e in entries), default=views[0][0])
    return ZipDirectory(tuple(entries), tuple(anomalies), min(first, *(v[0] for v in views)), archive_end, len(views))


def _is_central(handle: IO[bytes], offset: int) -> bool:
    handle.seek(offset)
    return handle.read(4) == _CENTRAL


def _central_entries(directory: bytes, concat: int) -> list[ZipEntry]:
    """The entries of one central directory, their local-header offsets shifted by ``concat``."""
    entries: list[ZipEntry] = []
    pos = 0
    while pos + _CENTRAL_FMT.size <= len(directory) and directory[pos : pos + 4] == _CENTRAL:
        fields = _CENTRAL_FMT.unpack_from(directory, pos)
        (_s, _v, system, _need, flags, method, _t, _d, crc, csize, usize, nlen, elen, clen, _dn, _ia, ext, off) = fields
        start = pos + _CENTRAL_FMT.size
        raw_name = directory[start : start + nlen]
        extra = directory[start + nlen : start + nlen + elen]
        usize, csize, off = _zip64_sizes(extra, usize, csize, off)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        entries.append(ZipEntry(name, method, flags, crc, csize, usize, off + concat, ext, system))
        pos = start + nlen + elen + clen
    return entries


def _zip64_sizes(extra: bytes, usize: int, csize: int, off: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<2H", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 1:
            values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            if off == 0xFFFFFFFF and values:
                off = values.pop(0)
        pos += 4 + size
    return usize, csize, off


def data_offset(handle: IO[bytes], entry: ZipEntry) -> tuple[int, list[str]]:
    """Where ``entry``'s data starts (from its local header) and the header's anomalies."""
    handle.seek(entry.header_offset)
    header = handle.read(_LOCAL_FMT.size)
    if len(header) < _LOCAL_FMT.size or header[:4] != _LOCAL:
        raise ZipFormatError(f"{entry.name}: no local file header at offset {entry.header_offset}")
    (_s, _v, flags, method, _t, _d, _crc, _cs, _us, nlen, elen) = _LOCAL_FMT.unpack(header)
    local_name = handle.read(nlen).decode("utf-8", errors="replace")
    anomalies = []
    if local_name != entry.name:
        anomalies.append(f"local header names {local_name!r}, central directory {entry.name!r}")
    if flags & 0x61 or entry.flags & 0x61:
        anomalies.append(f"flag bits 0x{entry.flags:04x} (encrypted/patched) that PyTorch ignores")
    if method != entry.method:
        anomalies.append(f"local method {method} differs from central method {entry.method}")
    return entry.header_offset + _LOCAL_FMT.size + nlen + elen, anomalies


def open_member(handle: IO[bytes], entry: ZipEntry, *, owns: bool = False) -> tuple[IO[bytes], list[str]]:
    """A readable stream of ``entry``'s decompressed bytes and its anomalies.

    The stream stops at the declared size plus one byte, counted while inflating (the loaders read no
    further, and a header that lies about the size must not make the scanner inflate gigabytes).
    The stream shares ``handle``; with ``owns=True`` closing the stream closes ``handle`` too.
    """
    start, anomalies = data_offset(handle, entry)
    raw = Range(handle, start, entry.compressed_size, owns=owns)
    stream: io.RawIOBase
    cap = entry.size + 1
    match entry.method:
        case 0:
            stream = raw
        case 8:
            stream = _Inflate(raw, zlib.decompressobj(-15), cap)
        case 12:
            stream = _Inflate(raw, bz2.BZ2Decompressor(), cap)
        case 14:
            stream = _LzmaMember(raw, cap)
        case _:
            raise ZipFormatError(f"{entry.name}: compression method {entry.method} is not supported")
    return io.BufferedReader(stream, 1 << 16), anomalies


def read_member(handle: IO[bytes], entry: ZipEntry, limit: int) -> tuple[bytes, list[str]]:
    """The decompressed member as the loaders see it (never past its declared size, nor ``limit``
    bytes) with anomalies (CRC checked, not enforced)."""
    stream, anomalies = open_member(handle, entry)
    data = stream.read(min(limit, entry.size) + 1)
    if len(data) > entry.size:
        anomalies.append(f"inflates past its declared {entry.size} bytes (loaders stop there; the rest is not read)")
        data = data[: entry.size]
    if len(data) > limit:
        raise ZipFormatError(f"{entry.name}: larger than the {limit}-byte member limit")
    if zlib.crc32(data) != entry.crc and not entry.flags & 0x8 and not entry.flags & 0x1:
        anomalies.append(f"CRC mismatch (stored {entry.crc:08x}, actual {zlib.crc32(data):08x}) that PyTorch ignores")
    return data, anomalies


def method_name(method: int) -> str:
    return _METHODS.get(method, f"method {method}")


class Range(io.RawIOBase):
    """A read-only window ``[start, start+length)`` of a seekable file."""

    def __init__(self, handle: IO[bytes], start: int, length: int, *, owns: bool = False) -> None:
        self._handle, self._start, self._length, self._pos, self._owns = handle, start, length, 0, owns

    def close(self) -> None:
        if self._owns and not self.closed:
            self._handle.close()
        super().close()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._length}[whence]
        self._pos = max(0, min(self._length, base + offset))
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        remaining = self._length - self._pos
        n = remaining if size is None or size < 0 else min(size, remaining)
        if n <= 0:
            return b""
        self._handle.seek(self._start + self._pos)
        data = self._handle.read(n)
        self._pos += len(data)
        return data

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # RawIOBase's buffer type
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Inflate(io.RawIOBase):
    """Stream a DEFLATE/bzip2 member; forward seeks read and discard."""

    def __init__(self, raw: Range, decomp: zlib._Decompress | bz2.BZ2Decompressor, cap: int = 1 << 62) -> None:
        self._raw, self._d, self._buf, self._off, self._pos, self._eof = raw, decomp, b"", 0, 0, False
        self._cap = cap  # decompressed bytes never go past this, whatever the stream holds

    def close(self) -> None:
        self._raw.close()
        super().close()

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        target = offset if whence == 0 else self._pos + offset
        if target < self._pos:
            raise OSError("backward seek in a compressed member")
        while self._pos < target:
            if not self.read(min(target - self._pos, 1 << 20)):
                break
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        want = 1 << 62 if size is None or size < 0 else size
        want = min(want, self._cap - self._pos)
        while len(self._buf) - self._off < want and not self._eof:
            chunk = self._raw.read(1 << 16)
            if not chunk:
                self._eof = True
                break
            budget = max(self._cap - self._pos - (len(self._buf) - self._off), 1)
            if not isinstance(self._d, bz2.BZ2Decompressor | lzma.LZMADecompressor):  # zlib
                out = self._d.decompress(chunk, budget)
                if self._d.unconsumed_tail:  # not inflated yet: read again on the next call
                    self._raw.seek(self._raw.tell() - len(self._d.unconsumed_tail))
            else:
                out = self._d.decompress(chunk, budget)
            self._buf = self._buf[self._off :] + out
            self._off = 0
        out = self._buf[self._off : self._off + want]
        self._off += len(out)
        self._pos += len(out)
        return out

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]  # RawIOBase's buffer type
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _LzmaMember(_Inflate):
    """Zip's LZMA members carry a 4-byte version/size prefix and raw LZMA1 properties."""

    def __init__(self, raw: Range, cap: int = 1 << 62) -> None:
        head = raw.read(4)
        props_len = struct.unpack("<H", head[2:4])[0] if len(head) == 4 else 0
        props = raw.read(props_len)
        filters = [lzma._decode_filter_properties(lzma.FILTER_LZMA1, props)]  # type: ignore[attr-defined]  # stdlib private helper, the zipfile module uses it too
        super().__init__(raw, lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters), cap)  # type: ignore[arg-type]  # same read interface


def zlib_stream(handle: IO[bytes], start: int = 0) -> IO[bytes]:
    """A buffered stream of a zlib-wrapped file (joblib's ``compress=('zlib', n)``; old "ZF" files from ``start``)."""
    handle.seek(0, 2)
    size = handle.tell()
    return io.BufferedReader(_Inflate(Range(handle, start, max(size - start, 0)), zlib.decompressobj()), 1 << 16)
