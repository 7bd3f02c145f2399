"""Name what a file is once every code-carrying parse has refuted it.

Only reached for bytes that are not a pickle prefix (the engine tries that first), not an archive
and not a model format: images, TensorFlow checkpoint shards, ONNX external-data files. Naming
them is for the reader of the report; the safety argument is the refuted parse, not the name.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind
from mlsecure.findings import Severity

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"WEBP", 8, "WebP image"),
    (b"II*\x00", 0, "TIFF image"),
    (b"MM\x00*", 0, "TIFF image"),
    (b"%PDF-", 0, "PDF document"),
    (b"WAVE", 8, "WAV audio"),
    (b"fLaC", 0, "FLAC audio"),
    (b"OggS", 0, "Ogg media"),
    (b"PAR1", 0, "Parquet table"),
    (b"ARROW1", 0, "Arrow IPC file"),
)
SSTABLE_MAGIC = struct.pack("<Q", 0xDB4775248B80FB57)  # LevelDB/TensorFlow table footer (variables.index)
_TF_SHARD = re.compile(r"^(?P<prefix>.+)\.data-\d{5}-of-\d{5}$")


_EXECUTABLES: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "ELF executable or shared library"),
    (b"MZ", "DOS/Windows (PE) executable"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "Mach-O executable"),
    (b"\xfe\xed\xfa\xcf", "Mach-O executable"),
    (b"\x00asm", "WebAssembly module"),
)


def describe_data(blob: Blob, head: bytes) -> Issue:
    """An info issue naming recognised data, a medium one for native code, a low one for the rest."""
    if python_bytecode(head):  # a sourceless .pyc in a code folder is imported; one in __pycache__ shadows its .py
        return Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM,
                     "compiled Python bytecode (.pyc): Python imports it without, or in place of, its source "
                     "(an unchecked-hash .pyc is never compared with the .py); not verified",
                     evidence={"data": "python-bytecode", "magic": head[:4].hex()})
    for magic, what in _EXECUTABLES:
        if head.startswith(magic):  # no model loader runs it, but it is code, not model data
            return Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM, f"{what} among model files: code, not data",
                         evidence={"data": what})
    for magic, at, what in _MAGIC:
        if head[at : at + len(magic)] == magic:
            return Issue(IssueKind.CODE_FORMAT, Severity.INFO, f"{what} (data: no loader runs it as code)",
                         evidence={"data": what})
    if blob.size <= 16 * 1024**2 and _is_protobuf(blob):
        return Issue(IssueKind.CODE_FORMAT, Severity.INFO, "protobuf message (data: no loader runs it as code)",
                     evidence={"data": "protobuf"})
    if _tail(blob, 8) == SSTABLE_MAGIC:
        return Issue(IssueKind.CODE_FORMAT, Severity.INFO, "TensorFlow/LevelDB table (checkpoint index): data",
                     evidence={"data": "sstable"})
    if blob.path is not None:
        shard = _TF_SHARD.match(blob.name)
        index = blob.path.with_name(f"{shard.group('prefix')}.index") if shard else None
        if index is not None and index.is_file() and _file_tail(index, 8) == SSTABLE_MAGIC:
            return Issue(IssueKind.CODE_FORMAT, Severity.INFO,
                         f"TensorFlow checkpoint data shard of {index.name}: raw tensor bytes",
                         evidence={"data": "tf-checkpoint-shard", "index": index.name})
        model = _onnx_model_referencing(blob.path)
        if model is not None:
            return Issue(IssueKind.CODE_FORMAT, Severity.INFO,
                         f"external tensor data of the ONNX model {model}: raw tensor bytes",
                         evidence={"data": "onnx-external-data", "model": model})
    return Issue(IssueKind.UNSUPPORTED, Severity.LOW,
                 "unrecognised binary data: it is no pickle, archive or model format, so no loader this scanner "
                 "knows runs it as code", evidence={"head": head[:16].hex()})


def python_bytecode(head: bytes) -> bool:
    """A ``.pyc`` header: a 2-byte version magic and ``\\r\\n``, then a marshalled code object (type ``c``, with or
    without the reference flag) after the 8-, 12- or 16-byte header of Python 2 / 3.3-3.6 / 3.7+."""
    return len(head) >= 17 and head[2:4] == b"\r\n" and any(head[at] in (0x63, 0xE3) for at in (8, 12, 16))


def _is_protobuf(blob: Blob) -> bool:
    from mlsecure.artifacts.scan.protobuf import ProtobufError, fields

    data = blob.read_all()
    if len(data) < 2 or data[0] not in (0x08, 0x0A, 0x10, 0x12):  # field 1 or 2 first, as writers emit them
        return False
    try:
        return sum(1 for _ in fields(data)) > 0
    except ProtobufError:
        return False


def _tail(blob: Blob, n: int) -> bytes:
    if blob.size < n:
        return b""
    if blob.data is not None:
        return blob.data[-n:]
    with blob.open() as handle:
        if not handle.seekable():
            return b""
        handle.seek(blob.size - n)
        return handle.read(n)


def _file_tail(path: Path, n: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(0, 2)
        if handle.tell() < n:
            return b""
        handle.seek(-n, 2)
        return handle.read(n)


def _onnx_model_referencing(path: Path) -> str | None:
    """The name of an ONNX model beside ``path`` whose external data names ``path``."""
    from mlsecure.artifacts.scan.onnx_scan import external_locations

    for folder in (path.parent, path.parent.parent):
        relative = path.relative_to(folder).as_posix()
        for model in sorted(folder.glob("*.onnx"))[:64]:
            if model != path and model.is_file() and relative in external_locations(model):
                return model.name
    return None
