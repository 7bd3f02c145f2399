"""Issue 13, bypass classes 1 and 2, with generated variants (every opcode that can start a pickle,
every container a loader opens), and the benign look-alikes that must not be flagged.

Each malicious sample is first shown to run: CPython's own unpickler, with a ``find_class`` that
records instead of importing, loads it and asks for ``os.system`` (the oracle). Nothing is executed.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickle
import pickletools
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan import IssueKind, Verdict, scan_file
from mlsecure.findings import Severity

PAYLOAD = b"cos\nsystem\n(S'echo class-1'\ntR."  # protocol 0: GLOBAL os.system, MARK, STRING, TUPLE, REDUCE

# A minimal instance of every opcode that can run first on an empty stack and memo, followed by what
# leaves the stack empty again (POP or POP_MARK), so the payload after it runs.
OPENERS: dict[str, bytes] = {
    "INT": b"I7\n0", "LONG": b"L7L\n0", "FLOAT": b"F1.5\n0", "STRING": b"S'x'\n0", "UNICODE": b"Vx\n0",
    "NONE": b"N0", "BININT": b"J\x07\x00\x00\x000", "BININT1": b"K\x070", "BININT2": b"M\x07\x000",
    "BINFLOAT": b"G" + struct.pack(">d", 1.5) + b"0", "BINSTRING": b"T\x01\x00\x00\x00x0",
    "SHORT_BINSTRING": b"U\x01x0", "BINUNICODE": b"X\x01\x00\x00\x00x0", "SHORT_BINUNICODE": b"\x8c\x01x0",
    "BINUNICODE8": b"\x8d" + struct.pack("<Q", 1) + b"x0", "BINBYTES": b"B\x01\x00\x00\x00x0",
    "SHORT_BINBYTES": b"C\x01x0", "BINBYTES8": b"\x8e" + struct.pack("<Q", 1) + b"x0",
    "BYTEARRAY8": b"\x96" + struct.pack("<Q", 1) + b"x0", "EMPTY_TUPLE": b")0", "EMPTY_LIST": b"]0",
    "EMPTY_DICT": b"}0", "EMPTY_SET": b"\x8f0", "NEWTRUE": b"\x880", "NEWFALSE": b"\x890",
    "LONG1": b"\x8a\x01\x070", "LONG4": b"\x8b\x01\x00\x00\x00\x070", "MARK": b"(1", "GLOBAL": b"cos\nsep\n0",
    "PROTO": b"\x80\x02", "FRAME": b"",  # FRAME wraps the whole rest: built in _with_opener
}
# Opcodes that need something the plain unpickler lacks on an empty start (memo, persistent_load,
# the copyreg extension registry, out-of-band buffers) or that end the stream: pickle.load raises.
CANNOT_START = {"GET", "BINGET", "LONG_BINGET", "PERSID", "EXT1", "EXT2", "EXT4", "NEXT_BUFFER", "STOP"}


def _with_opener(name: str) -> bytes:
    if name == "FRAME":
        return b"\x95" + struct.pack("<Q", len(PAYLOAD)) + PAYLOAD
    return OPENERS[name] + PAYLOAD


def _runs_os_system(data: bytes) -> bool:
    """The oracle: CPython's unpickler reaches find_class('os', 'system') and completes the call."""
    asked: list[tuple[str, str]] = []

    class Recorder(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> object:
            asked.append((module, name))
            return lambda *args: None

    Recorder(io.BytesIO(data)).load()
    return ("os", "system") in asked


def test_openers_cover_every_opcode_that_can_start_a_pickle() -> None:
    # pickletools lists what each opcode pops; those popping nothing (or only a MARK) can come first.
    # PUT/BINPUT/LONG_BINPUT pop nothing but memoize the top of an empty stack: the unpickler raises.
    startable = {op.name for op in pickletools.opcodes
                 if not op.stack_before or op.stack_before == [pickletools.markobject]}
    startable -= {"PUT", "BINPUT", "LONG_BINPUT"}
    assert len(startable) > 30
    assert startable - CANNOT_START - {"FRAME"} <= set(OPENERS)


@pytest.mark.parametrize("opener", sorted(OPENERS))
def test_class1_protocol0_pickle_is_never_text(tmp_path: Path, opener: str) -> None:
    data = _with_opener(opener)
    assert _runs_os_system(data)
    for name in ("model.pkl", "README.md", "notes.txt"):
        path = tmp_path / name
        path.write_bytes(data)
        result = scan_file(path)
        assert result.verdict is Verdict.MALICIOUS, (opener, name, result.issues)
        assert result.format is not ArtifactFormat.TEXT


def _torch_zip(data_pkl: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/version", "3\n")
        z.writestr("archive/data/0", b"\x00" * 16)
    return buf.getvalue()


def _tar(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _sevenzip(name: str, data: bytes) -> bytes:
    py7zr = pytest.importorskip("py7zr")
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as archive:
        archive.writef(io.BytesIO(data), name)
    return buf.getvalue()


CONTAINERS = {
    "torch-zip": _torch_zip,
    "zip": lambda d: _zip({"payload.txt": d}),
    "tar": lambda d: _tar("model.pkl", d),
    "tar.gz": lambda d: gzip.compress(_tar("model.pkl", d)),
    "7z": lambda d: _sevenzip("model.pkl", d),
    "gzip (joblib)": gzip.compress,
    "bz2 (joblib)": bz2.compress,
    "xz (joblib)": lzma.compress,
    "zlib (joblib)": zlib.compress,
}


def _zip(members: dict[str, bytes], **kwargs: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", **kwargs) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("container", sorted(CONTAINERS))
@pytest.mark.parametrize("opener", ["UNICODE", "STRING", "NONE", "BININT1", "INT", "MARK"])
def test_class1_inside_every_container(tmp_path: Path, container: str, opener: str) -> None:
    data = _with_opener(opener)
    path = tmp_path / "model.bin"
    path.write_bytes(CONTAINERS[container](data))
    result = scan_file(path)
    assert result.verdict is Verdict.MALICIOUS, (container, opener, result.issues)


class _Payload:
    def __reduce__(self) -> tuple[object, ...]:
        import os

        return os.system, ("echo class-2",)


@pytest.mark.parametrize("protocol", range(6))
@pytest.mark.parametrize("tail", ["torch-zip", "zip", "zip-offsets-fixed", "tar", "7z", "gzip"])
def test_class2_pickle_with_an_archive_appended(tmp_path: Path, protocol: int, tail: str) -> None:
    """Loaders run the leading pickle (pickle.load, legacy torch.load); the archive after it is a decoy."""
    evil = pickle.dumps(_Payload(), protocol=protocol)
    path = tmp_path / "model.pt"
    if tail == "zip-offsets-fixed":  # zipfile in append mode writes a zip whose offsets count the pickle
        path.write_bytes(evil)
        with zipfile.ZipFile(path, "a") as z:
            z.writestr("archive/data.pkl", pickle.dumps({"w": 1}))
    else:
        decoy = {"torch-zip": lambda: _torch_zip(pickle.dumps({"w": 1}, protocol=2)),
                 "zip": lambda: _zip({"a.txt": b"hello"}), "tar": lambda: _tar("a.txt", b"hello"),
                 "7z": lambda: _sevenzip("a.txt", b"hello"), "gzip": lambda: gzip.compress(b"hello")}[tail]()
        path.write_bytes(evil + decoy)
    data = path.read_bytes()
    asked: list[tuple[str, str]] = []

    class Recorder(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> object:
            asked.append((module, name))
            return lambda *args: None

    Recorder(io.BytesIO(data)).load()
    assert asked and asked[0][1] == "system"
    result = scan_file(path)
    assert result.verdict is Verdict.MALICIOUS, (tail, protocol, result.issues)


def test_class2_pickle_appended_after_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "model.zip"
    path.write_bytes(_zip({"a.txt": b"hello"}) + pickle.dumps(_Payload()))
    result = scan_file(path)
    assert result.verdict is Verdict.MALICIOUS
    assert any("after the archive" in (i.member or "") for i in result.issues)


BENIGN_TEXT = [
    b"Very nice model\nThis readme explains it.\n",  # V then T: a 'pickle prefix' that fails
    b"(c) 2024 The Authors\nAll rights reserved.\n",  # MARK then GLOBAL of a module that cannot exist
    b"Instructions\n1. install\n",
    b'{"architectures": ["Bert"], "hidden_size": 8}\n',
    b"cos,system\n1,2\n",  # CSV: GLOBAL of a non-identifier module
    b"# Title\n\nSome text.\n",
    b"S'unterminated\n",
    b"hello world\n",
    b"cat\ndog\nbird\n",  # a label file: GLOBAL of a module that is not installed, then garbage
    b"install\nrun make\n",  # INST of a module that is not installed
]


@pytest.mark.parametrize("data", BENIGN_TEXT)
def test_text_that_is_no_pickle_stays_text(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "README.md"
    path.write_bytes(data)
    result = scan_file(path)
    assert result.verdict is Verdict.SAFE
    assert result.format is ArtifactFormat.TEXT
    assert result.max_severity <= Severity.LOW


def test_png_named_pt_is_data(tmp_path: Path) -> None:
    # picklescan tests/test_scanner.py test_scan_file_path: the PNG signature named bad_pytorch.pt is clean
    path = tmp_path / "bad_pytorch.pt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40)
    result = scan_file(path)
    assert result.verdict is Verdict.SAFE
    assert result.format is ArtifactFormat.DATA
    assert [i.severity for i in result.issues] == [Severity.INFO]


def test_encrypted_zip_member_is_cannot_verify_not_malformed(tmp_path: Path) -> None:
    raw = bytearray(_zip({"test.txt": bytes(range(256)) * 4}))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(sig)
        raw[at + flag_at] |= 0x01  # the traditional-encryption flag
    path = tmp_path / "protected.zip"
    path.write_bytes(bytes(raw))
    result = scan_file(path)
    assert result.verdict is Verdict.SUSPICIOUS
    assert result.max_severity is Severity.MEDIUM
    assert any(i.kind is IssueKind.UNSUPPORTED and "encrypted" in i.title for i in result.issues)


def test_tf_checkpoint_files_are_data(tmp_path: Path) -> None:
    folder = tmp_path / "variables"
    folder.mkdir()
    (folder / "variables.index").write_bytes(b"\x00" * 40 + struct.pack("<Q", 0xDB4775248B80FB57))
    (folder / "variables.data-00000-of-00001").write_bytes(struct.pack("<64f", *range(64)))
    for name in ("variables.index", "variables.data-00000-of-00001"):
        result = scan_file(folder / name)
        assert result.verdict is Verdict.SAFE
        assert result.format is ArtifactFormat.DATA, result.issues


@pytest.mark.parametrize("magic", [b"MZ\x90\x00", b"\x7fELF\x02\x01\x01", b"\xcf\xfa\xed\xfe"])
def test_native_executables_are_code_not_data(tmp_path: Path, magic: bytes) -> None:
    # modelaudit tests/test_false_positive_fixes.py::test_malicious_files_still_detected (an MZ .bin)
    path = tmp_path / "model.bin"
    path.write_bytes(magic + b"\x90\x00" * 64)
    result = scan_file(path)
    assert result.verdict is Verdict.SUSPICIOUS
    assert any(i.kind is IssueKind.EMBEDDED_CODE and i.severity is Severity.MEDIUM for i in result.issues)
