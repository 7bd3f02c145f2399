"""Tell a model file's format from its bytes, never from its name.

The extension is attacker-controlled (a pickle named ``model.onnx``); magic bytes and container
structure are not, so those decide.
"""

from __future__ import annotations

import json
import struct
import zipfile
from enum import Enum
from pathlib import Path

from mlsecure.errors import InputError


class ArtifactFormat(str, Enum):
    TORCHSCRIPT = "torchscript"  # zip with code/ and constants.pkl
    TORCH_ZIP = "pytorch"  # torch.save zip: <name>/data.pkl + tensors
    PICKLE = "pickle"  # a raw pickle stream (sklearn/joblib dumps, legacy torch.save)
    NUMPY = "numpy"  # .npy
    NPZ = "npz"  # zip of .npy members
    SAFETENSORS = "safetensors"
    ONNX = "onnx"
    KERAS_ZIP = "keras"  # Keras 3 .keras zip (config.json + weights)
    HDF5 = "hdf5"  # legacy Keras .h5
    GGUF = "gguf"
    ZIP = "zip"  # another zip archive
    TAR = "tar"
    UNKNOWN = "unknown"


PICKLE_BASED = frozenset({ArtifactFormat.TORCHSCRIPT, ArtifactFormat.TORCH_ZIP, ArtifactFormat.PICKLE})


def detect_format(path: str | Path) -> ArtifactFormat:
    """Sniff the format of ``path`` from its first bytes and, for zips, its member names."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with path.open("rb") as handle:
        head = handle.read(512)
    return detect_bytes(head, path)


def detect_bytes(head: bytes, path: Path | None = None) -> ArtifactFormat:
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(path) if path is not None else ArtifactFormat.ZIP
    if head.startswith(b"\x93NUMPY"):
        return ArtifactFormat.NUMPY
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return ArtifactFormat.HDF5
    if head.startswith(b"GGUF"):
        return ArtifactFormat.GGUF
    if len(head) >= 262 and head[257:262] == b"ustar":
        return ArtifactFormat.TAR
    if _is_safetensors(head):
        return ArtifactFormat.SAFETENSORS
    if _is_pickle(head):
        return ArtifactFormat.PICKLE
    if _is_onnx(head):
        return ArtifactFormat.ONNX
    return ArtifactFormat.UNKNOWN


def _zip_kind(path: Path) -> ArtifactFormat:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return ArtifactFormat.ZIP
    if any(n.endswith("/constants.pkl") or n == "constants.pkl" for n in names) and any(
        "/code/" in n or n.startswith("code/") for n in names
    ):
        return ArtifactFormat.TORCHSCRIPT
    if any(n.endswith("data.pkl") for n in names):
        return ArtifactFormat.TORCH_ZIP
    if names and all(n.endswith(".npy") for n in names):
        return ArtifactFormat.NPZ
    if "config.json" in names and any(n.endswith(".weights.h5") or n == "model.weights.h5" for n in names):
        return ArtifactFormat.KERAS_ZIP
    return ArtifactFormat.ZIP


def _is_pickle(head: bytes) -> bool:
    # Protocol 2+ starts with PROTO (0x80) and a version byte; protocols 0/1 start with an opcode
    # that builds a container or pushes a global.
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    return bool(head[:1]) and head[:1] in (b"(", b"]", b"}", b"c", b"\x8c") and not head.lstrip().startswith(b"{\"")


def _is_safetensors(head: bytes) -> bool:
    if len(head) < 10:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    if not 2 <= length <= 100_000_000 or head[8:9] != b"{":
        return False
    try:
        json.loads(head[8 : 8 + length]) if length <= len(head) - 8 else None
    except ValueError:
        return False
    return True


def _is_onnx(head: bytes) -> bool:
    # ModelProto starts with field 1 (ir_version, varint: tag 0x08) and names its producer or graph
    # soon after; require both so arbitrary binary data is not mistaken for ONNX.
    return head[:1] == b"\x08" and head[1:2] != b"" and head[1] < 0x20 and (b"\x12" in head[:16] or b"\x3a" in head[:64])
