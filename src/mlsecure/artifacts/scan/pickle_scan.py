"""Scan pickle streams: raw pickles, joblib dumps (plain and compressed), legacy ``torch.save``.

The stream is emulated by ``pickle_vm.PickleVM`` (nothing is imported); each imported global is
judged by ``policy.classify``. Several pickles concatenated in one stream are all scanned; the
legacy PyTorch format's five stacked pickles are scanned before its raw storage bytes; joblib's
inline array buffers are skipped by their exact size so a payload placed after them is still seen;
bytes handed to ``pickle.loads`` and friends are scanned as nested pickles.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import math
import zlib
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar, cast

from mlsecure.artifacts.formats import ArtifactFormat, compression_of
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.artifacts.scan.pickle_vm import (
    Big,
    Call,
    Container,
    Events,
    Glob,
    Opaque,
    PickleSyntaxError,
    PickleVM,
)
from mlsecure.artifacts.scan.policy import classify
from mlsecure.findings import Severity

TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
NESTED_LOADERS = frozenset({("pickle", "loads"), ("_pickle", "loads"), ("cPickle", "loads"), ("dill", "loads"),
                            ("cloudpickle", "loads"), ("numpy", "loads"), ("torch.storage", "_load_from_bytes"),
                            ("torch", "load"), ("joblib", "load")})
BENIGN_NESTED = ("torch.storage", "_load_from_bytes")  # pickle.dumps(tensor) uses it; clean if its bytes are
KEEP_BYTES = 1 << 16  # byte strings up to this size are kept (nested pickles); larger ones are skipped


class PickleScanner(Scanner):
    name = "pickle"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.PICKLE, ArtifactFormat.JOBLIB})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        compression = compression_of(blob.head(16))
        if compression == "lz4":
            return [Issue(IssueKind.UNSUPPORTED, Severity.HIGH, "lz4-compressed joblib file cannot be inspected",
                          evidence={"compression": "lz4", "hint": "recompress with zlib/gzip/xz to scan it"})]
        try:
            with blob.open() as raw:
                stream, end = decompressed(raw, compression, blob.size)
                return scan_stream(stream, session, end=end, compression=compression)
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            return [Issue(IssueKind.MALFORMED, Severity.HIGH, f"cannot decompress: {exc}",
                          evidence={"compression": compression})]


def scan_stream(stream: IO[bytes], session: Session, *, end: int | None, base: int = 0,
                compression: str | None = None, max_pickles: int | None = None) -> list[Issue]:
    """Scan every pickle in ``stream`` (from ``base`` up to ``end`` or EOF)."""
    state = _State(session, stream, end)
    pos = base
    index = 0
    legacy = False
    while True:
        vm = state.vm(pos)
        try:
            value = vm.run()
        except PickleSyntaxError as exc:
            state.syntax_error(exc, vm, index)
            break
        index += 1
        pos = vm.pos
        if index == 1 and value == TORCH_LEGACY_MAGIC:
            legacy = True
        if (legacy and index == 5) or index == max_pickles:
            break  # the legacy format's raw storage bytes follow: torch never unpickles them
    state.finish(index, legacy, compression)
    return state.issues()


@dataclass
class _GlobalSeen:
    module: str
    name: str
    offsets: list[int] = field(default_factory=list)
    opcodes: set[str] = field(default_factory=set)
    count: int = 0


class _State:
    """Collects what the VM reports across all pickles of one stream."""

    def __init__(self, session: Session, stream: IO[bytes], end: int | None) -> None:
        self.session, self.stream, self.end = session, stream, end
        self.globals: dict[str, _GlobalSeen] = {}
        self.extra: list[Issue] = []
        self.loaders_used: set[int] = set()
        self.clean_loaders: set[str] = set()
        self.dirty_loaders: set[str] = set()
        self.events = Events(self.on_global, self.on_call, self.on_build, self.on_problem)
        self.opcodes = 0

    def vm(self, pos: int) -> PickleVM:
        limits = self.session.limits
        return PickleVM(self.stream, pos, self.events, keep_bytes=KEEP_BYTES, max_opcodes=limits.max_opcodes,
                        max_memo=limits.max_memo, end=self.end, after_build=self.after_build)

    # -- events ------------------------------------------------------------------------------------
    def on_global(self, glob: Glob) -> None:
        key = f"{glob.module}.{glob.name}"
        seen = self.globals.setdefault(key, _GlobalSeen(glob.module, glob.name))
        seen.count += 1
        seen.opcodes.add(glob.opcode)
        if len(seen.offsets) < 8:
            seen.offsets.append(glob.offset)

    def on_call(self, call: Call) -> None:
        func = call.func
        if isinstance(func, Glob):
            if (func.module, func.name) in NESTED_LOADERS:
                self.loaders_used.add(id(func))
                self.nested(func, call)
            return
        if isinstance(func, Opaque):
            return  # an unresolved global or extension code: already reported
        self.extra.append(Issue(
            IssueKind.DYNAMIC_CALL, Severity.HIGH,
            f"{call.opcode} calls a value computed while unpickling ({_describe(func)})",
            offset=call.offset, evidence={"opcode": call.opcode, "callable": _describe(func)}))

    def on_build(self, target: Any, state: Any, offset: int) -> None:
        if isinstance(target, Glob):
            self.extra.append(Issue(
                IssueKind.DYNAMIC_CALL, Severity.HIGH,
                f"BUILD sets attributes on the imported global {target.module}.{target.name}",
                offset=offset, evidence={"opcode": "BUILD", "global": f"{target.module}.{target.name}"}))

    def on_problem(self, kind: str, message: str, offset: int) -> None:
        self.extra.append(Issue(IssueKind.DYNAMIC_CALL, Severity.HIGH, message, offset=offset,
                                evidence={"problem": kind}))

    def after_build(self, vm: PickleVM, target: Any) -> None:
        if _constructed_class(target) != ("joblib.numpy_pickle", "NumpyArrayWrapper"):
            return
        _skip_joblib_array(vm, target)

    # -- nested pickles --------------------------------------------------------------------------
    def nested(self, func: Glob, call: Call) -> None:
        args = call.args
        payload = args[0] if isinstance(args, tuple) and args else None
        loader = f"{func.module}.{func.name}"
        if isinstance(payload, Big):
            payload = self.reread(payload)
        if not isinstance(payload, bytes):
            self.extra.append(Issue(
                IssueKind.NESTED_PICKLE, Severity.HIGH,
                f"{loader} is called on data that cannot be inspected statically", offset=call.offset,
                evidence={"loader": loader, "argument": _describe(payload)}))
            return
        inner = [i.inside(f"nested pickle at offset {call.offset}")
                 for i in self.session.scan_child(Blob(name=f"{loader} argument", data=payload))]
        clean = all(i.severity <= Severity.LOW for i in inner)
        benign = (func.module, func.name) == BENIGN_NESTED
        (self.clean_loaders if clean and benign else self.dirty_loaders).add(loader)
        self.extra.append(Issue(
            IssueKind.NESTED_PICKLE, Severity.LOW if clean and benign else Severity.HIGH,
            f"{loader} unpickles {len(payload)} embedded bytes" + (" (scanned clean)" if clean else ""),
            offset=call.offset, evidence={"loader": loader, "nested_bytes": len(payload)}))
        self.extra.extend(inner)

    def reread(self, big: Big) -> bytes | Big:
        if self.end is None or big.size > self.session.limits.max_nested_bytes:
            return big
        here = self.stream.tell()
        try:
            self.stream.seek(big.offset)
            data = self.stream.read(big.size)
        finally:
            self.stream.seek(here)
        return data if len(data) == big.size else big

    # -- the end -----------------------------------------------------------------------------------
    def syntax_error(self, exc: PickleSyntaxError, vm: PickleVM, index: int) -> None:
        self.opcodes += vm.opcodes
        message = str(exc)
        if index > 0 and vm.opcodes <= 1 and message == "stream ended without STOP":
            return  # clean end after the last pickle
        if "resource limit" in message:
            self.extra.append(Issue(IssueKind.RESOURCE_LIMIT, Severity.HIGH, f"scan stopped: {message}",
                                    offset=exc.offset, evidence={"pickle_index": index}))
        elif index == 0:
            self.extra.append(Issue(IssueKind.MALFORMED, Severity.HIGH, f"malformed pickle: {message}",
                                    offset=exc.offset, evidence={"opcodes_read": vm.opcodes}))
        elif vm.opcodes <= 1:
            self.extra.append(Issue(IssueKind.MALFORMED, Severity.LOW,
                                    "non-pickle bytes follow the last pickle (never unpickled)",
                                    offset=exc.offset, evidence={"pickles": index}))
        else:
            self.extra.append(Issue(IssueKind.MALFORMED, Severity.MEDIUM,
                                    f"a further pickle after pickle #{index} is malformed: {message}",
                                    offset=exc.offset, evidence={"pickles": index}))

    def finish(self, pickles: int, legacy: bool, compression: str | None) -> None:
        self.summary = {"pickles": pickles, "legacy_torch": legacy, "compression": compression,
                        "globals": sorted(self.globals),
                        "imports": [[g.module, g.name] for g in self.globals.values()]}

    def issues(self) -> list[Issue]:
        out: list[Issue] = []
        for key, seen in self.globals.items():
            judgement = classify(seen.module, seen.name)
            if judgement.safe or (key in self.clean_loaders and key not in self.dirty_loaders):
                continue
            out.append(Issue(judgement.kind, judgement.severity, f"imports {key}",
                             offset=seen.offsets[0],
                             evidence={"global": key, "reason": judgement.reason, "module": seen.module,
                                       "name": seen.name,
                                       "opcodes": sorted(seen.opcodes), "offsets": seen.offsets,
                                       "count": seen.count}))
        out.extend(self.extra)
        out.append(Issue(IssueKind.CODE_FORMAT, Severity.INFO,
                         f"pickle stream: {len(self.globals)} distinct globals", evidence=self.summary))
        return out


def _constructed_class(value: Any) -> tuple[str, str] | None:
    """The class a ``Call`` instantiates (directly or through ``copyreg._reconstructor``)."""
    if not isinstance(value, Call) or not isinstance(value.func, Glob):
        return None
    func = value.func
    if (func.module, func.name) in (("copyreg", "_reconstructor"), ("copy_reg", "_reconstructor")):
        args = value.args
        if isinstance(args, tuple) and args and isinstance(args[0], Glob):
            return args[0].module, args[0].name
        return None
    return func.module, func.name


def _skip_joblib_array(vm: PickleVM, wrapper: Call) -> None:
    """Skip the raw array bytes joblib writes right after a ``NumpyArrayWrapper``'s BUILD."""
    state = wrapper.state
    pairs = state.pairs if isinstance(state, Container) else {}
    shape = pairs.get("shape")
    itemsize, hasobject = _dtype_info(pairs.get("dtype"))
    if hasobject:
        inner = PickleVM(vm.stream, vm.pos, vm.events, keep_bytes=vm.keep_bytes, max_opcodes=vm.max_opcodes,
                         max_memo=vm.max_memo, end=vm.end, after_build=vm.after_build)
        inner.run()
        vm.pos = inner.pos
    else:
        if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape) or itemsize is None:
            raise PickleSyntaxError("joblib array wrapper with an unreadable shape or dtype", wrapper.offset)
        if pairs.get("numpy_array_alignment_bytes") is not None:
            vm.skip(vm.read(1)[0])
        vm.skip(math.prod(shape) * itemsize)
    vm.stack[-1] = Opaque("ndarray")


def _dtype_info(dtype: Any) -> tuple[int | None, bool]:
    if not isinstance(dtype, Call) or not isinstance(dtype.args, tuple) or not dtype.args:
        return None, False
    descr = dtype.args[0]
    if not isinstance(descr, str) or not descr:
        return None, False
    state = dtype.state if isinstance(dtype.state, tuple) else ()
    flags = state[7] if len(state) > 7 and isinstance(state[7], int) else 0
    if descr[0] == "O" or flags & 1:
        return None, True
    elsize = state[5] if len(state) > 5 and isinstance(state[5], int) else -1
    if elsize > 0:
        return elsize, False
    digits = "".join(c for c in descr if c.isdigit())
    return (int(digits) if digits else None), False


def _describe(value: Any) -> str:
    if isinstance(value, Glob):
        return f"{value.module}.{value.name}"
    if isinstance(value, Call):
        return f"result of calling {_describe(value.func)}"
    if isinstance(value, Big):
        return f"{value.size} bytes"
    if isinstance(value, Container):
        return value.kind
    if isinstance(value, Opaque):
        return value.what
    return type(value).__name__


def decompressed(raw: IO[bytes], compression: str | None, size: int) -> tuple[IO[bytes], int | None]:
    match compression:
        case None:
            return raw, size if raw.seekable() else None
        case "gzip":
            return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")), None
        case "bz2":
            return cast(IO[bytes], bz2.BZ2File(raw, "rb")), None
        case "xz" | "lzma":
            return cast(IO[bytes], lzma.LZMAFile(raw, "rb")), None
        case "zlib":
            from mlsecure.artifacts.scan.zipread import zlib_stream

            return zlib_stream(raw), None
        case _:
            raise OSError(f"unknown compression {compression}")
