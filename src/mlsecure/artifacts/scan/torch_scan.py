"""PyTorch artifacts: ``torch.save`` zips, TorchScript archives, the legacy tar format.

Zip checkpoints are read through ``zipread`` (as PyTorch's miniz does). Every member is judged by
its bytes: ``data.pkl`` under any folder name, ``constants.pkl``, ``.debug_pkl`` and any other member
that starts like a pickle are scanned; the tensor storages (``<archive>/data/<key>``,
``<archive>/constants/<key>``) are raw numbers PyTorch never unpickles, so only their first bytes are read
(a 1.5 GB checkpoint costs the time of its pickles): ``np.load`` of the same file as an ``.npz`` parses every
member that starts with the ``.npy`` magic, whatever its name, and unpickles its object arrays. TorchScript
``code/`` members are checked for operators outside PyTorch's own namespaces.
"""

from __future__ import annotations

import lzma
import pickletools
import re
import struct
import zlib
from collections.abc import Iterator
from typing import IO, ClassVar, cast

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.archive_scan import scan_zip
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.artifacts.scan.pickle_scan import deadline_of, scan_stream
from mlsecure.artifacts.scan.pickle_vm import Events, Glob, PickleSyntaxError, PickleVM
from mlsecure.artifacts.scan.zipread import ZipEntry, ZipFormatError, data_offset, open_member
from mlsecure.findings import Severity

STORAGE_FOLDERS = frozenset({"data", "constants"})
STANDARD_OP_NAMESPACES = frozenset({"aten", "prim", "quantized", "_caffe2", "_quantized", "profiler",
                                    "_test", "quantized_decomposed", "torchvision", "image"})
_OPS = re.compile(r"\bops\.([A-Za-z_][A-Za-z0-9_]*)\.")
# TorchBind class namespaces torch 2.13 registers itself (``torch._C._jit_get_custom_class_schemas()``); a class from
# any other namespace, like an operator, needs a native library the host loaded (session 12: it was not reported)
STANDARD_CLASS_NAMESPACES = frozenset({"_nnapi", "aten", "backendutils", "c10d", "dist_rpc", "mkldnn", "profiling",
                                       "quantized", "rnn", "sparse"})
_CLASSES = re.compile(r"\bclasses\.([A-Za-z_][A-Za-z0-9_]*)\.")
# the legacy tar members whose pickles are interleaved with raw bytes: ``legacy_load`` extracts them by these exact
# names and needs no other member (no ``sys_info``: session 13 found a tar without it ran and was scanned "low")
LEGACY_RECORD_MEMBERS = frozenset({"storages", "tensors"})
STORAGE_ELEMENT_SIZES = {"DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "BFloat16Storage": 2,
                         "LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1,
                         "BoolStorage": 1, "ComplexFloatStorage": 8, "ComplexDoubleStorage": 16}


class TorchZipScanner(Scanner):
    name = "torch-zip"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.TORCH_ZIP, ArtifactFormat.TORCHSCRIPT})

    def scan(self, blob: Blob, session: Session) -> Iterator[Issue]:
        with blob.open() as handle:  # one handle for every storage's first bytes
            yield from scan_zip(blob, session,
                                skip=lambda entry: is_storage_member(entry) and not _npy_member(handle, entry))


def is_storage_member(entry: ZipEntry) -> bool:
    """``<archive>/data/<key>`` and ``<archive>/constants/<key>``: raw tensor bytes, never unpickled by torch."""
    parts = entry.name.split("/")
    return len(parts) >= 3 and parts[-2] in STORAGE_FOLDERS and not parts[-1].endswith(".pkl")


def is_torchscript_code(name: str) -> bool:
    """A member ``torch.jit.load`` compiles as TorchScript: ``<archive>/code/<module path>.py``. Its miniz reader
    looks names up without regard to ASCII case (``mz_zip_reader_locate_file`` with flags 0), so ``CODE/__TORCH__.PY``
    is compiled too; session 12: such a member calling ``torch.from_file(..., shared=True)`` overwrote a file and
    was "text file" (info)."""
    parts = name.replace("\\", "/").lower().split("/")
    return parts[-1].endswith(".py") and "code" in parts[:-1]


NPY_MAGIC = b"\x93NUMPY"


def _npy_member(handle: IO[bytes], entry: ZipEntry) -> bool:
    """Whether ``np.load`` would parse the member as an array (it checks the magic, not the name); a member
    whose first bytes cannot be read is not skipped either (the scan reports why)."""
    try:
        if entry.method == 0:  # torch stores storages: read the 6 bytes in place
            start, _anomalies = data_offset(handle, entry)
            handle.seek(start)
            return handle.read(min(len(NPY_MAGIC), entry.compressed_size)) == NPY_MAGIC
        stream, _anomalies = open_member(handle, entry)
        return stream.read(len(NPY_MAGIC)) == NPY_MAGIC
    except (ZipFormatError, OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
        return True


def scan_torchscript_code(text: str) -> list[Issue]:
    """Operators from namespaces PyTorch does not ship need a native library loaded by the host; ``aten::save``
    and ``aten::from_file`` (the only operators of torch 2.13's 4,374 schemas that take a file name) write or map
    any file when the model runs (``from_file(..., shared=True)`` writes through to it), and so do torchvision's
    ``image::write_file`` / ``image::read_file``, registered by ``import torchvision`` (session 12: the ``image``
    namespace counted as standard, so a model writing any file through it was "safe")."""
    # TorchScript's lexer skips blanks, comments and backslash-newlines around dots (``torch . ops . x . y`` and
    # ``torch.ops.\<newline>x.y`` compile): collapse them before matching
    compact = _AROUND_DOTS.sub(".", _BLANKS.sub(" ", text))  # two linear passes (one pattern backtracked: n^2)
    called = {f"aten::{m.group(1)}" if m.group(1) else f"image::{m.group(2)}" for m in _FILE_OPS.finditer(compact)}
    return _operator_issues({m.group(1) for m in _OPS.finditer(compact)},
                            {m.group(1) for m in _CLASSES.finditer(compact)}, called)


def is_mobile_bytecode(name: str) -> bool:
    """``<archive>/bytecode.pkl``: what ``torch.jit.mobile._load_for_lite_interpreter`` runs (found ignoring case)."""
    return name.replace("\\", "/").rpartition("/")[2].lower() == "bytecode.pkl"


def bytecode_operator_issues(blob: Blob) -> list[Issue]:
    """The operators and classes a lite-interpreter model names, judged as in TorchScript code.

    ``bytecode.pkl`` lists each method's operators as ``("aten::from_file", "")`` string pairs; the lite interpreter
    needs no ``code/`` member, so before session 12 a model calling ``aten::from_file`` with its code members removed
    overwrote a file under ``_load_for_lite_interpreter`` and was "safe". Strings are read with ``pickletools`` (every
    string opcode decoded, escapes included); nothing is unpickled."""
    if blob.size > MAX_BYTECODE_BYTES:
        return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                      f"cannot verify: mobile bytecode of {blob.size} bytes is over the {MAX_BYTECODE_BYTES >> 20} MiB "
                      "read for operator names")]
    names: set[str] = set()
    try:
        for _opcode, arg, _pos in pickletools.genops(blob.read_all()):
            if isinstance(arg, str) and ("::" in arg or "classes." in arg):  # any length: names are unbounded
                names.add(arg)
    except (ValueError, EOFError, struct.error, UnicodeDecodeError):
        pass  # the pickle scan of the same bytes reports the malformed stream; the names read so far are judged
    operators = [m for m in map(_OPERATOR_NAME.fullmatch, names) if m]
    classes = {m.group(1) for name in names for m in _CLASSES.finditer(name)}
    return _operator_issues({m.group(1) for m in operators}, classes,
                            {m.group(0) for m in operators if m.group(0) in FILE_OPS})


MAX_BYTECODE_BYTES = 256 * 1024**2
_OPERATOR_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)::([A-Za-z_][A-Za-z0-9_]*)")
MOBILE_FLATBUFFER_ID = b"PTMF"  # file identifier (bytes 4-8) of _save_for_lite_interpreter(_use_flatbuffer=True)


def is_mobile_flatbuffer(head: bytes) -> bool:
    return head[4:8] == MOBILE_FLATBUFFER_ID


def flatbuffer_operator_issues(blob: Blob, session: Session, chunk: int = 16 * 1024**2,
                               overlap: int = 4096) -> list[Issue]:
    """A flatbuffer mobile model: its operator table names operators as plain ``ns::op`` strings (a flatbuffer
    string has no escapes) and its ``jit_sources`` hold TorchScript code ``torch.jit.load`` compiles; both are
    searched in the raw bytes, chunk by chunk. Before session 12 such a file calling ``aten::from_file`` ran under
    ``_load_for_lite_interpreter`` and was "unrecognised binary data" (low)."""
    found: dict[str, Issue] = {}
    with blob.open() as handle:
        tail = b""
        while data := handle.read(chunk):
            if session.budget is not None and session.budget.past_deadline():
                found["deadline"] = Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM, "cannot verify: the time limit "
                                          f"was reached {handle.tell() >> 20} MiB into the mobile flatbuffer")
                break
            window = tail + data
            text = window.decode("latin-1")
            operators = list(_OPERATOR_NAME.finditer(text))
            names = _operator_issues({m.group(1) for m in operators}, set(),
                                     {m.group(0) for m in operators if m.group(0) in FILE_OPS})
            for issue in [*names, *scan_torchscript_code(text)]:
                found.setdefault(issue.title, issue)
            tail = window[-overlap:]
    return list(found.values())


def _operator_issues(namespaces: set[str], classes: set[str], file_ops: set[str]) -> list[Issue]:
    issues = [Issue(IssueKind.CUSTOM_OP, Severity.MEDIUM,
                    f"TorchScript code calls custom operator namespace torch.ops.{namespace}",
                    evidence={"namespace": namespace})
              for namespace in sorted(namespaces - STANDARD_OP_NAMESPACES)]
    issues.extend(Issue(IssueKind.CUSTOM_OP, Severity.MEDIUM,
                        f"TorchScript code uses custom class namespace torch.classes.{namespace}",
                        evidence={"namespace": namespace})
                  for namespace in sorted(classes - STANDARD_CLASS_NAMESPACES))
    issues.extend(Issue(IssueKind.DANGEROUS_OP, Severity.HIGH,
                        f"TorchScript code calls {op}, which {FILE_OPS[op]} when the model runs",
                        evidence={"op": op})
                  for op in sorted(file_ops))
    return issues


FILE_OPS = {"aten::save": "writes a pickle to a path the code names",
            "aten::from_file": "maps a file the code names (shared=True writes through to it)",
            "image::write_file": "writes a tensor's bytes to a path the code names (torchvision, fopen 'wb')",
            "image::read_file": "reads any file the code names into a tensor (torchvision)"}
_BLANKS = re.compile(r"(?:\s|\\\r?\n|#[^\n]*)+")  # every run of blanks, comments, line continuations -> " "
_AROUND_DOTS = re.compile(r" ?\. ?")
_FILE_OPS = re.compile(r"\b(?:(?:torch|aten)\.(save|from_file)|ops\.image\.(write_file|read_file))\b")


def scan_legacy_tar_member(name: str, blob: Blob, session: Session) -> list[Issue]:
    """The legacy tar format's ``storages``/``tensors`` members interleave pickles with raw bytes."""
    issues: list[Issue] = []
    with blob.open() as stream:
        state_issues = _legacy_records(stream, name, blob.size, session)
    issues.extend(state_issues)
    return issues


def _legacy_records(stream: IO[bytes], name: str, size: int, session: Session) -> list[Issue]:
    """Scan each record pickle and skip the raw bytes between them by their declared size."""
    issues: list[Issue] = []
    pos = 0

    def one_pickle() -> object:
        nonlocal pos
        stream.seek(pos)
        found = scan_stream(cast(IO[bytes], _Window(stream, pos)), session, end=None, max_pickles=1)
        issues.extend(i for i in found if i.kind is not IssueKind.CODE_FORMAT)
        stream.seek(pos)
        vm = PickleVM(stream, pos, _NO_EVENTS, keep_bytes=1 << 16, max_opcodes=session.limits.max_opcodes,
                      max_memo=session.limits.max_memo, end=size, max_memory=session.limits.max_pickle_memory,
                      deadline=deadline_of(session))
        value = vm.run()
        pos = vm.pos
        return value

    try:
        count = one_pickle()
        if not isinstance(count, int):
            raise PickleSyntaxError(f"{name}: record count is not an integer", pos)
        for _ in range(count):
            record = one_pickle()
            stream.seek(pos)
            if name == "storages":
                storage_type = record[2] if isinstance(record, tuple) and len(record) == 3 else None
                elsize = STORAGE_ELEMENT_SIZES.get(storage_type.name, 0) if isinstance(storage_type, Glob) else 0
                if not elsize:
                    raise PickleSyntaxError("storage record without a known storage type", pos)
                (numel,) = struct.unpack("<q", stream.read(8))
                pos += 8 + _not_negative(numel, "storage size", pos) * elsize
            else:
                (ndim,) = struct.unpack("<i", stream.read(4))
                pos += 8 + 16 * _not_negative(ndim, "tensor ndim", pos) + 8
        if name == "storages":
            one_pickle()  # storage views
    except (PickleSyntaxError, struct.error) as exc:
        issues.append(Issue(IssueKind.MALFORMED, Severity.HIGH, f"legacy torch {name} member: {exc}",
                            offset=pos))
    return issues


def _not_negative(count: int, what: str, pos: int) -> int:
    """A negative size would move the record reader backwards (torch's own reader fails on it)."""
    if count < 0:
        raise PickleSyntaxError(f"negative {what} {count}", pos)
    return count


class _Window:
    """A view of ``stream`` whose offset 0 is ``start`` (so one pickle can be scanned in place)."""

    def __init__(self, stream: IO[bytes], start: int) -> None:
        self._stream, self._start = stream, start
        stream.seek(start)

    def read(self, n: int = -1) -> bytes:
        return self._stream.read(n)

    def readline(self, limit: int = -1) -> bytes:
        return self._stream.readline(limit)

    def tell(self) -> int:
        return self._stream.tell() - self._start

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset + (self._start if whence == 0 else 0), whence) - self._start


def _ignore(*_args: object) -> None:
    return None


_NO_EVENTS = Events(_ignore, _ignore, _ignore, _ignore)
