"""Tell a model file's format from its bytes, never from its name.

The extension is attacker-controlled (a pickle named ``model.onnx``); magic bytes and container
structure are not, so those decide. Zip archives are listed with ``scan.zipread`` (the way PyTorch
reads them), so a checkpoint ``zipfile`` rejects is still recognised as a checkpoint.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
import struct
import tarfile
import zlib
from enum import StrEnum
from pathlib import Path
from typing import IO

from mlsecure.errors import InputError


class ArtifactFormat(StrEnum):
    TORCHSCRIPT = "torchscript"  # zip with code/ and constants.pkl
    TORCH_ZIP = "pytorch"  # torch.save zip: <name>/data.pkl + tensors
    PICKLE = "pickle"  # a raw pickle stream (sklearn/joblib dumps, legacy torch.save)
    JOBLIB = "joblib-compressed"  # a zlib/gzip/bz2/xz/lz4-compressed pickle (joblib.dump(compress=...))
    NUMPY = "numpy"  # .npy
    NPZ = "npz"  # zip of .npy members
    SAFETENSORS = "safetensors"
    ONNX = "onnx"
    KERAS_ZIP = "keras"  # Keras 3 .keras zip (config.json + weights)
    HDF5 = "hdf5"  # legacy Keras .h5
    SAVEDMODEL = "tf-savedmodel"  # TensorFlow saved_model.pb
    GGUF = "gguf"
    ZIP = "zip"  # another zip archive
    TAR = "tar"
    SEVENZIP = "7z"
    TFLITE = "tflite"  # TensorFlow Lite flatbuffer (identifier TFL3)
    TEXT = "text"  # UTF-8 text (configs, READMEs); only the scanner uses it: detect_format says UNKNOWN
    DATA = "data"  # recognised non-code data (images, checkpoint shards); only the scanner uses it
    UNKNOWN = "unknown"


PICKLE_BASED = frozenset({ArtifactFormat.TORCHSCRIPT, ArtifactFormat.TORCH_ZIP, ArtifactFormat.PICKLE,
                          ArtifactFormat.JOBLIB})
SEVENZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_PICKLE_OPENERS = frozenset(b"(]}c\x8c)")
_TF_OP_HINTS = (b"tensorflow", b"serving_default", b"saved_model_main_op", b"VarHandleOp", b"StatefulPartitionedCall")


def detect_format(path: str | Path) -> ArtifactFormat:
    """Sniff the format of ``path`` from its first bytes and, for zips, its member names."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with path.open("rb") as handle:
        head = handle.read(4096)
        return detect_stream(head, handle, path.stat().st_size)


def detect_stream(head: bytes, handle: IO[bytes] | None, size: int) -> ArtifactFormat:
    """Detect from ``head``; ``handle`` (seekable, the whole artifact) lets zips and tars be listed."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return (_zip_kind(handle, size) or ArtifactFormat.ZIP) if handle is not None else ArtifactFormat.ZIP
    if handle is not None and _has_zip_end(handle, size):
        # data prepended to a zip: a zip only if its central directory really parses
        kind = _zip_kind(handle, size, strict=True)
        if kind is not None:
            return kind
    if handle is not None and not head.startswith(HDF5_MAGIC) and hdf5_offset(handle, size) is not None:
        return ArtifactFormat.HDF5  # a user block before the superblock (h5py/Keras still open the file)
    if head[:1] in (b"\x08", b"\x12") and handle is not None:
        kind = _protobuf_kind(handle, size)
        if kind is not None:
            return kind
    if compression_of(head) == "bz2" and handle is not None:
        handle.seek(0)
        head = handle.read(2 * 1024**2)  # bzip2 emits nothing before a whole (up to 900 kB) block
    fmt = detect_bytes(head)
    tag_like = bool(head) and head[0] >= 0x08 and head[0] & 7 in (0, 1, 2, 5)
    if fmt is ArtifactFormat.UNKNOWN and handle is not None and tag_like:
        # Protobuf parsers take fields in any order: an ONNX model written graph-first (ORT loads it) starts with
        # another tag than ir_version's 0x08. Until session 4 such a model was "unrecognised binary data" (safe).
        kind = _protobuf_kind(handle, size)
        if kind in (ArtifactFormat.ONNX, ArtifactFormat.SAVEDMODEL):
            return kind
    return fmt


HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def hdf5_offset(handle: IO[bytes], size: int) -> int | None:
    """Where the HDF5 superblock is: libhdf5 looks at offset 0 and at every power of two from 512 (a "user
    block" of any bytes may come first), so a Keras ``.h5`` need not start with the magic."""
    offset = 0
    try:
        while offset + len(HDF5_MAGIC) <= size:
            handle.seek(offset)
            if handle.read(len(HDF5_MAGIC)) == HDF5_MAGIC:
                return offset
            offset = 512 if offset == 0 else offset * 2
    finally:
        handle.seek(0)
    return None


def detect_bytes(head: bytes, path: Path | None = None) -> ArtifactFormat:
    """Detect from the first bytes alone (zips are reported as ``ZIP`` unless ``path`` is given)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if path is None:
            return ArtifactFormat.ZIP
        with path.open("rb") as handle:
            return _zip_kind(handle, path.stat().st_size) or ArtifactFormat.ZIP
    if head.startswith(b"\x93NUMPY"):
        return ArtifactFormat.NUMPY
    if head.startswith(HDF5_MAGIC):
        return ArtifactFormat.HDF5
    if head.startswith(b"GGUF"):
        return ArtifactFormat.GGUF
    if head.startswith(SEVENZIP_MAGIC):
        return ArtifactFormat.SEVENZIP
    if head[4:8] == b"TFL3":  # flatbuffer: root offset, then the file identifier
        return ArtifactFormat.TFLITE
    if is_tar_header(head):
        return ArtifactFormat.TAR
    if _is_safetensors(head):  # before compression: an 8-byte length can start like a zlib header
        return ArtifactFormat.SAFETENSORS
    compression = compression_of(head)
    if compression is not None:
        inner = _decompress_head(head, compression)
        if is_tar_header(inner):
            return ArtifactFormat.TAR
        # joblib.load decompresses and unpickles whatever is inside: the scanner parses the inner
        # bytes as a pickle (any first opcode) and calls them data only if that parse fails.
        return ArtifactFormat.JOBLIB if compression in ("lz4", "zstd", "snappy") or inner else ArtifactFormat.UNKNOWN
    if _is_safetensors(head):
        return ArtifactFormat.SAFETENSORS
    if _is_pickle(head):
        return ArtifactFormat.PICKLE
    if _is_savedmodel(head):
        return ArtifactFormat.SAVEDMODEL
    if _is_onnx(head):
        return ArtifactFormat.ONNX
    return ArtifactFormat.UNKNOWN


def is_tar_header(head: bytes) -> bool:
    """Whether ``tarfile`` accepts ``head``'s first block as a member header: its checksum rule, not the ``ustar``
    magic, which pre-POSIX (V7) headers lack. ``torch.load`` (legacy tar format) and ``pandas.read_pickle`` of a
    ``.tar`` read such archives; before session 13 they were "unrecognised binary data" (low)."""
    if len(head) < tarfile.BLOCKSIZE:
        return False
    if head[257:262] == b"ustar":
        return True
    try:
        tarfile.TarInfo.frombuf(head[: tarfile.BLOCKSIZE], "utf-8", "surrogateescape")
    except (tarfile.HeaderError, ValueError, OverflowError):
        return False
    return True


ZFILE_HEADER = 21  # joblib < 0.9.3 ("ZF" files): b"ZF", the pickle's length in 19 hex characters, one zlib stream


def zfile_start(head: bytes) -> int | None:
    """Where the zlib stream of an old joblib "ZF" file starts, found as joblib's ``read_zfile`` finds it.

    ``joblib.load`` still reads these (``numpy_pickle_compat``): None where its ``int(length, 16)`` raises,
    so joblib would fail before unpickling anything.
    """
    if not head.startswith(b"ZF") or len(head) < ZFILE_HEADER:
        return None
    try:
        int(head[2:ZFILE_HEADER], 16)
    except ValueError:
        return None
    return ZFILE_HEADER + 1 if head[ZFILE_HEADER : ZFILE_HEADER + 1] == b" " else ZFILE_HEADER


def compression_of(head: bytes) -> str | None:
    """The compressor joblib (or anyone) wrapped a stream in, from its magic bytes (give 32 bytes)."""
    if zfile_start(head) is not None:
        return "zfile"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and head[3:4].isdigit():
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"\x5d\x00\x00"):
        return "lzma"
    if head.startswith(b"\x04\x22\x4d\x18"):
        return "lz4"
    if head.startswith(b"\xff\x06\x00\x00sNaPpY"):  # Snappy framing (python-snappy, fsspec compression="snappy")
        return "snappy"
    if head.startswith(ZSTD_MAGIC) or (len(head) >= 4 and head[0] & 0xF0 == 0x50 and head[1:4] == b"\x2a\x4d\x18"):
        return "zstd"  # a frame, or a skippable frame before one (pandas.read_pickle("model.pkl.zst") reads it)
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    return None


def _decompress_head(head: bytes, compression: str) -> bytes:
    try:
        match compression:
            case "gzip":
                return gzip.GzipFile(fileobj=io.BytesIO(head)).read1(1024)
            case "bz2":
                return bz2.BZ2Decompressor().decompress(head, 1024)
            case "xz" | "lzma":
                return lzma.LZMADecompressor().decompress(head, 1024)
            case "zlib":
                return zlib.decompressobj().decompress(head, 1024)
            case "zfile":
                return zlib.decompressobj().decompress(head[zfile_start(head) or 0 :], 1024)
            case "zstd":
                return _zstd_head(head)
    except (OSError, EOFError, zlib.error, lzma.LZMAError):
        return b""
    return b""


def _zstd_head(head: bytes) -> bytes:
    """The first decompressed bytes (only a tar inside matters here: a zstd file is scanned as joblib anyway)."""
    try:
        import zstandard
    except ImportError:
        return b""
    try:
        out: bytes = zstandard.ZstdDecompressor().decompressobj().decompress(head)
    except zstandard.ZstdError:
        return b""
    return out[:1024]


def _has_zip_end(handle: IO[bytes], size: int) -> bool:
    if size < 22:
        return False
    handle.seek(max(0, size - 65_557))
    found = b"PK\x05\x06" in handle.read()
    handle.seek(0)
    return found


def _zip_kind(handle: IO[bytes], size: int, *, strict: bool = False) -> ArtifactFormat | None:
    from mlsecure.artifacts.scan.zipread import ZipFormatError, read_directory

    try:
        names = [e.name for e in read_directory(handle, size).entries]
    except (ZipFormatError, OSError, ValueError):
        return None if strict else ArtifactFormat.ZIP
    if strict and not names:
        return None
    return zip_kind_from_names(names)


def zip_kind_from_names(names: list[str]) -> ArtifactFormat:
    if any(n.endswith("/constants.pkl") or n == "constants.pkl" for n in names) and any(
        "/code/" in n or n.startswith("code/") for n in names
    ):
        return ArtifactFormat.TORCHSCRIPT
    if any(n.endswith("data.pkl") for n in names) and any("/data/" in n or n.endswith("/version") for n in names):
        return ArtifactFormat.TORCH_ZIP
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return ArtifactFormat.TORCH_ZIP
    if names and all(n.endswith(".npy") for n in names):
        return ArtifactFormat.NPZ
    if "config.json" in names and any(n.endswith(".h5") for n in names):
        return ArtifactFormat.KERAS_ZIP
    return ArtifactFormat.ZIP


def _is_pickle(head: bytes) -> bool:
    # Protocol 2+ starts with PROTO (0x80) and a version byte; protocols 0/1 start with an opcode
    # that builds a container, pushes a global or a constant.
    if len(head) >= 2 and head[0] == 0x80 and 0 <= head[1] <= 5:
        return True
    if re.match(rb"I-?\d+\n|L-?\d+L?\n|N\.|F-?\d", head):
        return True  # protocol-0 scalars
    if not head or head[0] not in _PICKLE_OPENERS:
        return False
    if head[:1] == b"c":  # GLOBAL: "module\nname\n"
        first = head[1:].split(b"\n", 1)[0]
        return 0 < len(first) < 256 and all(part.isidentifier() for part in first.decode("latin-1").split("."))
    return not head.lstrip().startswith((b'{"', b"{\n", b"[\n", b'["'))


def _protobuf_kind(handle: IO[bytes], size: int) -> ArtifactFormat | None:
    """SavedModel or ONNX, told apart by the fields of the top-level message (both start with field 1);
    ``UNKNOWN`` for any other well-formed message, None when the bytes are no protobuf.

    ``SavedModel`` has only ``saved_model_schema_version`` (1) and ``meta_graphs`` (2); an ONNX
    ``ModelProto`` has its ``graph`` (7) and ``opset_import`` (8).
    """
    from mlsecure.artifacts.scan.protobuf import LENGTH, VARINT, ProtobufError, top_level

    try:
        top = top_level(handle, size, max_fields=4096)
    except (ProtobufError, OSError):
        return None
    finally:
        handle.seek(0)
    wires = {f.number: f.wire for f in top}
    if wires.get(2) == LENGTH and wires.get(1, VARINT) == VARINT and set(wires) <= {1, 2}:
        metas = [f for f in top if f.number == 2]
        return ArtifactFormat.SAVEDMODEL if all(_is_meta_graph(handle, f.value, f.length) for f in metas) else None
    if (wires.get(1) == VARINT and (wires.get(7) == LENGTH or wires.get(8) == LENGTH)) or (
            wires.get(7) == LENGTH and wires.get(8) == LENGTH):
        return ArtifactFormat.ONNX
    return ArtifactFormat.UNKNOWN  # another well-formed protobuf (fingerprint.pb...): no byte heuristics after


def _is_meta_graph(handle: IO[bytes], start: int, length: int) -> bool:
    """A ``MetaGraphDef``: only message fields 1-9, a ``graph_def`` (2) among them."""
    from mlsecure.artifacts.scan.protobuf import LENGTH, ProtobufError, fields

    if length > 64 * 1024**2:
        return True  # too large to re-read for detection; the scanner parses it with limits
    handle.seek(start)
    data = handle.read(length)
    try:
        found = {(f.number, f.wire) for f in fields(data)}
    except ProtobufError:
        return False
    return (2, LENGTH) in found and all(1 <= n <= 9 and w == LENGTH for n, w in found)


def _is_safetensors(head: bytes) -> bool:
    if len(head) < 10:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return 2 <= length <= 100_000_000 and head[8:9] == b"{" and head[9:10] in (b'"', b"}", b" ", b"\n", b"\t", b"\r")


def _is_savedmodel(head: bytes) -> bool:
    return head[:1] == b"\x08" and head[2:3] == b"\x12" and any(h in head for h in _TF_OP_HINTS)


def _is_onnx(head: bytes) -> bool:
    # ModelProto starts with field 1 (ir_version, varint: tag 0x08) and names its producer or graph
    # soon after; require both so arbitrary binary data is not mistaken for ONNX.
    return (head[:1] == b"\x08" and head[1:2] != b"" and head[1] < 0x20
            and (b"\x12" in head[:16] or b"\x3a" in head[:64]))


def is_text(head: bytes) -> bool:
    """UTF-8 text without NUL bytes (the scanner reports such files as ``TEXT``)."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a multi-byte character cut at the end of the head
    return True



def wide_text_encoding(head: bytes) -> str | None:
    """The UTF-16/32 encoding of a text that ``json.loads(bytes)`` (Keras's and skops's reading of an archive's
    ``config.json``/``schema.json``) and PyYAML's byte reader decode: a byte-order mark, or the NUL pattern of
    ASCII text that ``json.detect_encoding`` reads. ``None`` for anything else, or for bytes that do not decode
    to printable text in that encoding (binary data that happens to start ``X\\0X\\0``), or without a mark to
    ASCII first."""
    if len(head) < 4:
        return None
    encoding = json.detect_encoding(head)
    if not encoding.startswith(("utf-16", "utf-32")):
        return None
    unit = 4 if encoding.startswith("utf-32") else 2
    sample = head[: len(head) - len(head) % unit]
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # a surrogate pair cut at the end of the head is fine
            return None
        text = sample[: exc.start].decode(encoding)
    if not text or not all(c.isprintable() or c in "\t\n\r\f\v\ufeff" for c in text):
        return None
    # without a byte-order mark json only guesses from NULs: ASCII text starts the way it guessed (float data whose
    # high bytes are zero decodes to printable CJK as UTF-32, so its first characters must be ASCII)
    bom = head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))
    return encoding if bom or text[:64].isascii() else None


def decode_text(raw: bytes) -> str:
    """Text as its loaders decode it: UTF-16/32 (``wide_text_encoding``), else UTF-8 with a byte-order mark
    dropped (``json.loads(bytes)`` and PyYAML skip it; Python source accepts it), undecodable bytes replaced."""
    encoding = wide_text_encoding(raw[:4096])
    if encoding is not None:
        return raw.decode(encoding, errors="replace").lstrip("\ufeff")
    return raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
