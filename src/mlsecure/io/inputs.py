"""Open every input file one way: special files refused by ``stat``, compression and encoding detected.

``check_input(path)`` refuses a FIFO, device, socket or folder without opening it (opening a FIFO
blocks until a writer appears). ``open_input(path)`` returns the decompressed bytes as a stream:
gzip, bzip2, xz, zstd (with the ``zstandard`` extra) and single-member zip are recognised by their
magic bytes, never by the name, and the decompressed size is bounded (``max_decompressed``) so a
small bomb cannot become gigabytes. ``detect_encoding(head)`` reads byte-order marks and the pattern
of zero bytes (UTF-8 with or without BOM, UTF-16/32 LE/BE); text that does not decode is a
``DataFormatError`` naming the file and the byte offset.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Protocol

from mlsecure.errors import DataFormatError, InputError, LimitExceededError, MissingDependencyError, SpecialFileError


class ByteStream(Protocol):
    """What ``open_input`` yields: something to ``read`` bytes from."""

    def read(self, size: int = -1, /) -> bytes | None: ...


class _Closable(ByteStream, Protocol):
    def close(self) -> None: ...


MAX_RATIO: Final = 100  # decompressed bytes per compressed byte allowed beyond FLOOR_BYTES
FLOOR_BYTES: Final = 64 * 1024 * 1024
LIMIT_ENV: Final = "MLSECURE_MAX_DECOMPRESSED_BYTES"
MAGIC: Final = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PK\x03\x04", "zip"),
)
COMPRESSED_SUFFIXES: Final = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd",
                              ".zstd": "zstd", ".zip": "zip"}
BOMS: Final = (  # longest first: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_KINDS: Final = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
                 stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def check_input(path: str | Path, *, what: str = "input") -> os.stat_result:
    """``stat`` of a regular file, or an ``InputError`` saying why not (never opens the path)."""
    path = Path(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise input_os_error(path, exc, what) from None
    kind = _KINDS.get(stat.S_IFMT(info.st_mode))
    if kind is not None or not stat.S_ISREG(info.st_mode):
        raise SpecialFileError(f"{path}: the {what} is {kind or 'not a regular file'}; give a regular file")
    return info


def input_os_error(path: Path, exc: OSError, what: str = "input") -> InputError:
    """One line for an ``OSError`` met while reading ``path``."""
    if exc.errno == errno.ENOENT:
        return InputError(f"{path}: no such {what}" if what.endswith("file") else f"{path}: no such file (the {what})")
    if exc.errno == errno.ELOOP:
        return InputError(f"{path}: cannot read the {what}: symbolic link loop; point it at a real file")
    return InputError(f"{path}: cannot read the {what}: {exc.strerror or exc}")


def sniff_compression(head: bytes) -> str | None:
    """``gzip``/``bzip2``/``xz``/``zstd``/``zip`` from the first bytes, or None for uncompressed."""
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    return None


def decompression_limit(compressed_size: int) -> int:
    """The most decompressed bytes accepted: ``MLSECURE_MAX_DECOMPRESSED_BYTES`` if set, else
    ``max(64 MiB, 100 x compressed size)`` (text compresses 5-20x; a bomb 1000x and more)."""
    configured = os.environ.get(LIMIT_ENV)
    if configured:
        try:
            return max(int(configured), 1)
        except ValueError:
            raise InputError(f"${LIMIT_ENV} must be a number of bytes, got {configured!r}") from None
    return max(FLOOR_BYTES, MAX_RATIO * compressed_size)


@contextmanager
def open_input(path: str | Path, *, what: str = "input") -> Iterator[tuple[ByteStream, str | None]]:
    """``(stream, compression)``: the file's decompressed bytes, bounded; ``compression`` is None when the
    file was not compressed. Special files are refused before opening."""
    path = Path(path)
    info = check_input(path, what=what)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise input_os_error(path, exc, what) from None
    with raw:
        head = raw.read(8)
        raw.seek(0)
        compression = sniff_compression(head)
        if compression is None:
            yield raw, None
            return
        inner = _decompressor(path, raw, compression)
        try:
            yield _Bounded(inner, decompression_limit(info.st_size), path, compression), compression
        finally:
            inner.close()


def read_some(stream: ByteStream, size: int) -> bytes:
    """Up to ``size`` bytes (fewer at the end; ``b""`` at end of stream)."""
    return stream.read(size) or b""


def detect_encoding(head: bytes) -> tuple[str, int]:
    """``(codec, bom_length)`` from a byte-order mark or, without one, from where zero bytes fall
    (ASCII text in UTF-16-LE has a zero after every character); UTF-8 otherwise."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    sample = head[:4096]
    if len(sample) >= 8 and b"\x00" in sample:
        n = len(sample) // 4 * 4
        lanes = [sample[i:n:4].count(0) / (n // 4) for i in range(4)]
        if lanes[1] > 0.9 and lanes[2] > 0.9 and lanes[3] > 0.9 and lanes[0] < 0.5:
            return "utf-32-le", 0
        if lanes[0] > 0.9 and lanes[1] > 0.9 and lanes[2] > 0.9 and lanes[3] < 0.5:
            return "utf-32-be", 0
        odd = sample[1:n:2].count(0) / (n // 2)
        even = sample[0:n:2].count(0) / (n // 2)
        if odd > 0.6 and even < 0.2:
            return "utf-16-le", 0
        if even > 0.6 and odd < 0.2:
            return "utf-16-be", 0
    return "utf-8", 0


def decode_error(path: Path, codec: str, offset: int, compression: str | None) -> DataFormatError:
    where = f"byte offset {offset}" + (f" of the {compression}-decompressed data" if compression else "")
    return DataFormatError(f"{path}: not {codec.upper()} text (undecodable bytes at {where}); "
                           "re-save the file as UTF-8")


def iter_text(path: Path, stream: ByteStream, compression: str | None, *,
              chunk: int = 1 << 20) -> Iterator[str]:
    """Decode ``stream`` (encoding detected from its head) chunk by chunk; undecodable bytes raise
    ``DataFormatError`` with the absolute offset."""
    head = read_some(stream, chunk)
    codec, bom = detect_encoding(head)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = bom
    data = head[bom:]
    while True:
        try:
            text = decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise decode_error(path, codec, offset + exc.start, compression) from None
        if text:
            yield text
        if not data:
            return
        offset += len(data)
        data = read_some(stream, chunk)


def _decompressor(path: Path, raw: io.BufferedReader, compression: str) -> _Closable:
    import bz2
    import gzip
    import lzma

    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bzip2":
        return bz2.BZ2File(raw, mode="rb")
    if compression == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    if compression == "zstd":
        try:
            import zstandard  # type: ignore[import-not-found,unused-ignore]  # optional extra
        except ImportError:
            raise MissingDependencyError("zstandard (to read the zstd-compressed " f"{path.name})",
                                         "zstd") from None
        return zstandard.ZstdDecompressor().stream_reader(raw)  # type: ignore[no-any-return,unused-ignore]  # typed only when installed
    try:
        archive = zipfile.ZipFile(raw)
    except zipfile.BadZipFile as exc:
        raise DataFormatError(f"{path}: a damaged zip archive: {exc}") from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) != 1:
        raise DataFormatError(f"{path}: a zip archive with {len(members)} files; give an archive holding exactly "
                              "one table, or extract it first")
    if members[0].flag_bits & 0x1:
        raise DataFormatError(f"{path}: the zip member {members[0].filename!r} is encrypted")
    return archive.open(members[0])


class _Bounded(io.RawIOBase):
    """A read-only stream that raises ``LimitExceededError`` past ``limit`` bytes and turns the
    decompressors' errors into ``DataFormatError`` naming the file."""

    def __init__(self, inner: ByteStream, limit: int, path: Path, compression: str) -> None:
        self._inner = inner
        self._limit = limit
        self._path = path
        self._compression = compression
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]  # RawIOBase's buffer type
        want = min(len(buffer), self._limit + 1 - self.consumed)
        if want <= 0:
            raise self._too_large()
        try:
            data = read_some(self._inner, want)
        except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:
                raise input_os_error(self._path, exc) from None
            raise DataFormatError(f"{self._path}: damaged {self._compression} data: "
                                  f"{str(exc) or type(exc).__name__}") from None
        except Exception as exc:  # zstandard.ZstdError and other codec errors
            raise DataFormatError(f"{self._path}: damaged {self._compression} data: {exc}") from None
        n = len(data)
        buffer[:n] = data
        self.consumed += n
        if self.consumed > self._limit:
            raise self._too_large()
        return n

    def _too_large(self) -> LimitExceededError:
        return LimitExceededError(
            f"{self._path}: decompresses to more than {self._limit} bytes ({self._compression}); refused as a "
            f"possible decompression bomb (raise ${LIMIT_ENV} if the file is genuine)")
