"""Scan pickle streams: raw pickles, joblib dumps (plain and compressed), legacy ``torch.save``.

The stream is emulated by ``pickle_vm.PickleVM`` (nothing is imported); each imported global is
judged by ``policy.classify``. Several pickles concatenated in one stream are all scanned; the
legacy PyTorch format's five stacked pickles are scanned before its raw storage bytes; joblib's
inline array buffers are skipped by their exact size so a payload placed after them is still seen;
bytes handed to ``pickle.loads`` and friends are scanned as nested pickles.

A joblib stream is read twice when it holds arrays: as ``joblib.load`` reads it (each
``NumpyArrayWrapper``'s bytes skipped by the size joblib computes, from the wrapper's merged
attributes, the last value of a key winning) and as ``pickle.load`` reads it (array bytes taken as
opcodes). Where joblib's size cannot be computed exactly the scan says so ("cannot verify", medium)
instead of guessing. The one nested loader a benign file uses (``torch.storage._load_from_bytes``, in
``pickle.dumps(tensor)``) is exempt per call site: every time the global is put on the stack it must be
called on bytes that were scanned clean there; passed anywhere else, it is judged as any global.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import contextlib
import dataclasses
import gzip
import hashlib
import importlib.util
import io
import lzma
import re
import warnings
import zlib
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar, cast

from mlsecure.artifacts.formats import ZFILE_HEADER, ArtifactFormat, compression_of, zfile_start
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.artifacts.scan.pickle_vm import (
    NO_FRAME,
    Big,
    Call,
    Container,
    Events,
    Glob,
    Opaque,
    PickleSyntaxError,
    PickleVM,
    Traversal,
)
from mlsecure.artifacts.scan.policy import Judgement, called, classify
from mlsecure.artifacts.scan.stored_callables import INERT, STORES_ITS_ARGUMENT, StoredStates, keep_arguments
from mlsecure.findings import Severity


class CannotVerify(PickleSyntaxError):
    """The stream is valid but what a loader does next cannot be computed exactly: medium, not skipped."""


class JoblibResumeUnknown(PickleSyntaxError):
    """Where ``joblib.load`` reads on after an array cannot be computed: the rest of the stream, which joblib runs,
    is not scanned, so this is high (session 13: a payload after such an array was "medium, cannot verify")."""


TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
NESTED_LOADERS = frozenset({("pickle", "loads"), ("_pickle", "loads"), ("cPickle", "loads"), ("dill", "loads"),
                            ("cloudpickle", "loads"), ("numpy", "loads"), ("torch.storage", "_load_from_bytes"),
                            ("torch", "load"), ("joblib", "load")})
BENIGN_NESTED = ("torch.storage", "_load_from_bytes")  # pickle.dumps(tensor) uses it; clean if its bytes are
# Functions that import their first string argument and return its attribute named by the second: a call resolves a
# global as GLOBAL does, with no GLOBAL opcode naming it. NumPy 1.x pickles a ufunc as
# ``numpy.core._ufunc_reconstruct("numpy", "log1p")``; ``_ufunc_reconstruct("os", "system")`` handed to an allowlisted
# caller (``torch._tensor._rebuild_from_type_v2`` calls its first argument) ran ``os.getcwd`` under pickle.loads
# (session 9). The pair a call resolves is judged like an imported global.
ARGUMENT_RESOLVERS = frozenset({("numpy.core", "_ufunc_reconstruct"), ("numpy._core", "_ufunc_reconstruct")})
# Allowlisted functions that call one of their arguments: ``torch._tensor._rebuild_from_type_v2(func, new_type, args,
# state)`` runs ``func(*args)``. A value computed while unpickling in that position is called as REDUCE would call it.
CALLS_ITS_ARGUMENT = {("torch._tensor", "_rebuild_from_type_v2"): 0}
# Allowlisted rebuild functions that run code of a class they are handed: ``copyreg._reconstructor(cls, base, state)``
# calls ``base.__new__(cls)`` / ``base.__init__`` and BUILD then calls ``cls.__setstate__``; NumPy's ``_reconstruct``
# creates the subtype (``__array_finalize__`` runs); torch's rebuilds make ``new_type``/``cls`` instances
# (``as_subclass``, ``_make_wrapper_subclass``, then ``__setstate__``). A global in these positions counts as called.
CALLS_ITS_CLASS: dict[tuple[str, str], tuple[int, ...]] = {
    ("copyreg", "_reconstructor"): (0, 1), ("copy_reg", "_reconstructor"): (0, 1),
    ("numpy.core.multiarray", "_reconstruct"): (0,), ("numpy._core.multiarray", "_reconstruct"): (0,),
    ("torch._tensor", "_rebuild_from_type_v2"): (0, 1), ("torch._utils", "_rebuild_wrapper_subclass"): (0,),
}
# Allowlisted torch rebuilds that apply a state argument with ``setattr`` (``torch._utils._set_obj_state``: every key of
# the dict and of the slot dict): a ``__class__`` key there swaps the rebuilt tensor's class as BUILD's slot state does.
SETATTR_STATE = {("torch._tensor", "_rebuild_from_type_v2"): 3, ("torch._utils", "_rebuild_parameter_with_state"): 3}
JOBLIB_WRAPPER = ("joblib.numpy_pickle", "NumpyArrayWrapper")
WRAPPER_INIT_ARGS = ("subclass", "shape", "order", "dtype", "allow_mmap", "numpy_array_alignment_bytes")
WRAPPER_INIT_DEFAULTS = {"allow_mmap": False, "numpy_array_alignment_bytes": 16}
MAX_DATA_PICKLES = 64  # pickles carried as data scanned per stream
TRAILING_WINDOW = 1 << 20  # bytes after a stream's last pickle searched for a hidden one
KEEP_BYTES = 1 << 16  # byte strings up to this size are kept (nested pickles); larger ones are skipped
BILLION = 10**9  # references a traversal of one unpickled object may follow: the "billion laughs" of its name
MAX_TRAVERSAL_NODES = 1_000_000  # distinct containers measured per pickle (~110 B each; beyond: not measured)
MAX_EXTRA_ISSUES = 200  # issues a stream lists one by one (beyond: counted, the worst summarised)
MAX_INSTANCES = 4096  # imports of one global tracked one by one (for the per-call-site exemption)


def deadline_of(session: Session) -> float | None:
    """When the pickle VM must stop: the top-level file's time budget (None for a budget-less test session)."""
    return session.budget.deadline if session.budget is not None else None


class PickleScanner(Scanner):
    name = "pickle"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.PICKLE, ArtifactFormat.JOBLIB})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        return scan_pickle_file(blob, session, compression_of(blob.head(32)))


def scan_uncompressed(blob: Blob, session: Session) -> list[Issue]:
    """``blob`` as ``pickle.load`` reads it, whatever compression its first bytes suggest (``BZh9`` is BINBYTES
    to the unpickler, ``V*M\x18`` a unicode string: a pickle may start like a bz2 or zstd stream)."""
    return scan_pickle_file(blob, session, None)


def scan_pickle_file(blob: Blob, session: Session, compression: str | None) -> list[Issue]:
    """Every pickle in ``blob`` once decompressed with ``compression`` (as ``joblib.load`` does)."""
    if compression == "zstd" and importlib.util.find_spec("zstandard") is None:
        return [Issue(IssueKind.UNSUPPORTED, Severity.HIGH, "zstd-compressed pickle (pandas.read_pickle reads .zst) "
                      "cannot be inspected without the zstandard package",
                      evidence={"compression": "zstd", "hint": 'pip install "mlsecure[zstd]"'})]
    try:
        with blob.open() as raw:
            stream, end = _tolerant(*decompressed(raw, compression, blob.size), compression)
            state = _State(session, stream, end)
            issues = scan_stream(stream, session, end=end, compression=compression, state=state)
        if state.joblib_arrays:  # pickle.load reads the array bytes as opcodes: scan that reading too
            with blob.open() as raw:
                stream, end = _tolerant(*decompressed(raw, compression, blob.size), compression)
                plain = _State(session, stream, end, joblib=False)
                scan_stream(stream, session, end=end, compression=compression, state=plain)
            issues = _merge_plain(issues, plain)
        failure = stream.error if isinstance(stream, _UntilBroken) else None
        if failure is not None:  # what was read before the corrupt or truncated part ran under joblib.load
            issues.append(Issue(IssueKind.MALFORMED, Severity.HIGH, f"cannot decompress the rest: {failure}",
                                evidence={"compression": compression}))
        return issues
    except _decompression_errors() as exc:
        return [Issue(IssueKind.MALFORMED, Severity.HIGH, f"cannot decompress: {exc}",
                      evidence={"compression": compression})]


def _tolerant(stream: IO[bytes], end: int | None, compression: str | None) -> tuple[IO[bytes], int | None]:
    return (stream, end) if compression is None else (cast(IO[bytes], _UntilBroken(stream)), end)


class _UntilBroken:
    """A decompressed stream that ends where its compressed data breaks (truncated, corrupt) instead of raising:
    ``joblib.load`` unpickles as it decompresses, so every opcode before the break has already run. Before,
    the error replaced what was found, and a truncated gzip whose pickle called ``print`` first was
    "compressed data that is not a pickle" (safe)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.error: str | None = None

    def _guard(self, read: Any, *args: Any) -> bytes:
        if self.error is not None:
            return b""
        try:
            data: bytes = read(*args)
        except _decompression_errors() as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            return b""
        return data

    def read(self, size: int = -1) -> bytes:
        return self._guard(self.inner.read, size)

    def readline(self, size: int = -1) -> bytes:
        return self._guard(self.inner.readline, size)

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self.inner.seek(offset, whence)
        except _decompression_errors() as exc:
            if self.error is None:
                self.error = f"{type(exc).__name__}: {exc}"
            return self.inner.tell()

    def tell(self) -> int:
        return self.inner.tell()

    def seekable(self) -> bool:
        return self.inner.seekable()

    def close(self) -> None:
        self.inner.close()


def _decompression_errors() -> tuple[type[BaseException], ...]:
    from mlsecure.artifacts.scan.lz4_frame import LZ4FormatError
    from mlsecure.artifacts.scan.snappy_frame import SnappyFormatError

    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, lzma.LZMAError, LZ4FormatError,
                                               SnappyFormatError)
    try:
        import zstandard
    except ImportError:
        return errors
    return (*errors, zstandard.ZstdError)


def scan_stream(stream: IO[bytes], session: Session, *, end: int | None, base: int = 0,
                compression: str | None = None, max_pickles: int | None = None,
                state: _State | None = None) -> list[Issue]:
    """Scan every pickle in ``stream`` (from ``base`` up to ``end`` or EOF)."""
    state = state if state is not None else _State(session, stream, end)
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
        except (RecursionError, MemoryError) as exc:  # keep what was found: a critical import must stay critical
            what = "a structure nested too deeply" if isinstance(exc, RecursionError) else "out of memory"
            state.extra.append(Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                                     f"cannot verify: {what} to scan the rest", offset=vm.pos,
                                     evidence={"pickle_index": index, "error": type(exc).__name__}))
            break
        index += 1
        if vm.shared:  # without values pushed again, a traversal follows at most one reference per opcode
            state.check_traversal(vm, value)
        pos = vm.pos
        if index == 1 and value == TORCH_LEGACY_MAGIC:
            legacy = True
        if (legacy and index == 5) or index == max_pickles:
            break  # the legacy format's raw storage bytes follow: torch never unpickles them
    state.finish(index, legacy, compression)
    return state.issues()


def _merge_plain(issues: list[Issue], plain: _State) -> list[Issue]:
    """Add what ``pickle.load`` would import beyond what ``joblib.load`` does (its errors are expected)."""
    seen = {str(i.evidence.get("global")) for i in issues if "global" in i.evidence}
    seen |= {key for key in plain.globals if _judge(plain.globals[key]).safe}
    extra_offsets = {(i.title, i.offset) for i in issues}
    added = [i.inside("read by pickle.load (joblib array bytes as opcodes)") for i in plain.issues()
             if i.kind is not IssueKind.CODE_FORMAT and i.kind is not IssueKind.MALFORMED
             and str(i.evidence.get("global", "")) not in seen and (i.title, i.offset) not in extra_offsets]
    return [*issues, *added]


@dataclass
class _GlobalSeen:
    module: str
    name: str
    offsets: list[int] = field(default_factory=list)
    opcodes: set[str] = field(default_factory=set)
    count: int = 0
    instances: list[Glob] = field(default_factory=list)
    overflow: bool = False
    called: bool = False  # REDUCE/INST/OBJ/NEWOBJ/BUILD reached it: a loader would call it before failing
    called_later: bool = False  # an allowlisted object stores it and calls it after loading (stored_callables)


def _judge(seen: _GlobalSeen) -> Judgement:
    """The global's verdict; an unlisted one the loader calls is high (an argument resolver's call is judged by
    the pair it resolves instead, in ``_State.resolved``)."""
    judgement = classify(seen.module, seen.name)
    if seen.called and (seen.module, seen.name) not in ARGUMENT_RESOLVERS:
        return called(judgement)
    if seen.called_later:
        return called(judgement, "the loaded object stores it and calls it after loading")
    return judgement


class _State:
    """Collects what the VM reports across all pickles of one stream."""

    def __init__(self, session: Session, stream: IO[bytes], end: int | None, *, joblib: bool = True) -> None:
        self.session, self.stream, self.end = session, stream, end
        self.globals: dict[str, _GlobalSeen] = {}
        self.extra: list[Issue] = []
        self.exempt_calls: dict[int, int] = {}  # id(Glob) -> its calls on bytes scanned clean at that site
        self.events = Events(self.on_global, self.on_call, self.on_build, self.on_problem, self.on_config)
        self.opcodes = 0
        self.joblib = joblib
        self.joblib_arrays = 0
        self.data_pickles: list[tuple[int, bytes]] = []
        self.nested_hashes: set[str] = set()
        self.current: PickleVM | None = None
        self.overflow = 0  # issues past MAX_EXTRA_ISSUES: counted, the worst kept for one summary issue
        self.overflow_worst: Issue | None = None
        self.stored = StoredStates()  # states that may hold callables called after loading (followed at the end)
        self.stored_args = self.stored.states  # the same list: call arguments worth following are kept in it

    def add(self, issue: Issue) -> None:
        """One issue of this stream (a 2-byte opcode must not cost an issue each without bound)."""
        if len(self.extra) < MAX_EXTRA_ISSUES:
            self.extra.append(issue)
            return
        self.overflow += 1
        if self.overflow_worst is None or issue.severity > self.overflow_worst.severity:
            self.overflow_worst = issue

    def vm(self, pos: int) -> PickleVM:
        limits = self.session.limits
        self.current = PickleVM(self.stream, pos, self.events, keep_bytes=KEEP_BYTES, max_opcodes=limits.max_opcodes,
                                max_memo=limits.max_memo, end=self.end,
                                after_build=self.after_build if self.joblib else None, on_data=self.on_data,
                                max_memory=limits.max_pickle_memory, deadline=deadline_of(self.session),
                                outer_memory=self.held_outside)
        return self.current

    def held_outside(self) -> int:
        """Pickle memory held by the scans this stream is nested in (one budget per top-level file)."""
        return self.session.budget.pickle_memory if self.session.budget is not None else 0

    def on_data(self, data: bytes, offset: int) -> None:
        """A literal that is a pickle, or its hex or base64 text: kept to scan as data at the end."""
        if len(self.data_pickles) < MAX_DATA_PICKLES:
            inner = embedded_pickle(data)
            if inner is not None:
                self.data_pickles.append((offset, inner))

    # -- events ------------------------------------------------------------------------------------
    def on_global(self, glob: Glob) -> None:
        key = f"{glob.module}.{glob.name}"
        seen = self.globals.setdefault(key, _GlobalSeen(glob.module, glob.name))
        if len(seen.instances) < MAX_INSTANCES:
            seen.instances.append(glob)
        else:
            seen.overflow = True  # too many to track per call site: no nested-loader exemption
        seen.count += 1
        seen.opcodes.add(glob.opcode)
        if len(seen.offsets) < 8:
            seen.offsets.append(glob.offset)

    def on_call(self, call: Call) -> None:
        func = call.func
        if isinstance(func, Glob):
            seen = self.globals.get(f"{func.module}.{func.name}")
            if seen is not None:
                seen.called = True
            args = call.args  # a constructor keeps its arguments (stored_callables.py); plain values skipped inline
            if type(args) is not tuple or not INERT.issuperset(map(type, args)):
                keep_arguments(args, self.stored_args)
            pair = (func.module, func.name)  # built once: this runs for every call of a large pickle
            for handed in CALLS_ITS_CLASS.get(pair, ()):
                self.mark_called(call.args, handed)
            for stored in STORES_ITS_ARGUMENT.get(pair, ()):
                self.mark_called(call.args, stored, later=True)
            if pair in NESTED_LOADERS:
                self.nested(func, call)
            if pair in ARGUMENT_RESOLVERS:
                self.resolved(func, call)
            position = CALLS_ITS_ARGUMENT.get(pair)
            if position is not None and isinstance(call.args, tuple) and len(call.args) > position:
                self.called_argument(func, call, call.args[position])
            position = SETATTR_STATE.get(pair)
            if position is not None and isinstance(call.args, tuple) and len(call.args) > position:
                self.state_dunders(call.args[position], call.offset, dict_by_setattr=True,
                                   by=f"{func.module}.{func.name}")
                self.stored.add(call.args[position], call.offset)
            return
        if isinstance(func, Opaque):
            return  # an unresolved global or extension code: already reported
        self.add(Issue(
            IssueKind.DYNAMIC_CALL, Severity.HIGH,
            f"{call.opcode} calls a value computed while unpickling ({_describe(func)})",
            offset=call.offset, evidence={"opcode": call.opcode, "callable": _describe(func)}))

    def mark_called(self, args: Any, position: int, *, later: bool = False) -> None:
        """The global at ``args[position]`` runs when the call it is handed to runs (``later``: when the object that
        stores it is used after loading)."""
        if isinstance(args, tuple) and len(args) > position and isinstance(args[position], Glob):
            seen = self.globals.get(f"{args[position].module}.{args[position].name}")
            if seen is None:
                return
            if later:
                seen.called_later = True
            else:
                seen.called = True

    def resolved(self, func: Glob, call: Call) -> None:
        """A call of an ``ARGUMENT_RESOLVERS`` function: the global its string arguments name, judged."""
        resolver = f"{func.module}.{func.name}"
        args = call.args if isinstance(call.args, tuple) else ()
        if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
            judged = classify(args[0], args[1])
            if judged.severity > Severity.LOW:
                self.add(Issue(judged.kind, judged.severity,
                               f"{resolver} resolves {args[0][:80]}.{args[1][:80]}: {judged.reason}",
                               offset=call.offset, evidence={"resolver": resolver, "module": args[0][:200],
                                                             "name": args[1][:200]}))
            return
        self.add(Issue(IssueKind.RESOLVER_GADGET, Severity.HIGH,
                       f"{resolver} resolves a global from arguments that are not constant strings",
                       offset=call.offset, evidence={"resolver": resolver, "arguments": _describe(call.args)}))

    def called_argument(self, func: Glob, call: Call, argument: Any) -> None:
        """An argument ``func`` calls: an imported global is judged as such; anything computed is a dynamic call."""
        if isinstance(argument, Glob | Opaque):
            return
        caller = f"{func.module}.{func.name}"
        self.add(Issue(
            IssueKind.DYNAMIC_CALL, Severity.HIGH,
            f"{caller} calls a value computed while unpickling ({_describe(argument)})",
            offset=call.offset, evidence={"caller": caller, "callable": _describe(argument)}))

    def on_build(self, target: Any, state: Any, offset: int) -> None:
        if isinstance(target, Glob):
            self.add(Issue(
                IssueKind.DYNAMIC_CALL, Severity.HIGH,
                f"BUILD sets attributes on the imported global {target.module}.{target.name}",
                offset=offset, evidence={"opcode": "BUILD", "global": f"{target.module}.{target.name}"}))
        self.state_dunders(state, offset, dict_by_setattr=False, by="BUILD")
        self.stored.add(state, offset)

    def called_after_loading(self) -> None:
        """Marks the globals the loaded objects store and call later (``stored_callables.py``), at the stream's end.

        Being called changes the verdict of an unlisted global only; a stream without one (a forest of allowlisted
        scikit-learn classes, ~1,200 states) skips the walk, which cost it ~10% of its scan time."""
        if not any(not seen.called and classify(seen.module, seen.name).unlisted for seen in self.globals.values()):
            return  # the states stay: a later call, after more pickles of the stream, may still need them
        exhausted = self.stored.walk.exhausted
        for stored in self.stored.called():
            self.mark_called((stored,), 0, later=True)
        if self.stored.walk.exhausted and not exhausted:
            self.add(Issue(
                IssueKind.DYNAMIC_CALL, Severity.MEDIUM,
                "cannot verify: the loaded objects' states are too large to follow for the callables they store "
                "and call after loading", offset=self.stored.last_offset,
                evidence={"problem": "stored callables not followed"}))

    def state_dunders(self, state: Any, offset: int, *, dict_by_setattr: bool, by: str) -> None:
        """A state's slot dict (BUILD's second item, or ``torch._utils._set_obj_state``'s two dicts) is applied with
        ``setattr``: ``__class__`` there swaps the object's class, and the loader then runs that class's methods
        (``__del__`` when the object is dropped) without ever calling it (session 10: an unlisted class's ``__del__``
        ran under pickle.loads). A plain dict state with ``__class__`` counts too: a ``__setstate__`` applying its
        dict with ``setattr`` is a common idiom."""
        pair = isinstance(state, tuple) and len(state) == 2
        plain, slots = (state[0], state[1]) if pair else (state, None)
        if isinstance(slots, Container) and slots.kind == "dict":
            self.slot_dunders(slots, offset, by)
        if isinstance(plain, Container) and plain.kind == "dict":
            if dict_by_setattr:
                self.slot_dunders(plain, offset, by)
            elif "__class__" in plain.pairs:
                self.slot_dunders(Container("dict", pairs={"__class__": plain.pairs["__class__"]}), offset, by)

    def slot_dunders(self, slots: Container, offset: int, by: str) -> None:
        """Each dunder ``slots`` sets with ``setattr`` is high; a global assigned as the class counts as called."""
        for key, value in slots.pairs.items():
            if not (isinstance(key, str) and key.startswith("__") and key.endswith("__")):
                continue
            if key == "__class__" and isinstance(value, Glob):
                self.mark_called((value,), 0)
            self.add(Issue(
                IssueKind.DYNAMIC_CALL, Severity.HIGH,
                f"{by} sets {key[:40]} with setattr ({_describe(value)}): the loaded object's behaviour is replaced",
                offset=offset, evidence={"by": by, "attribute": key[:200]}))

    def on_config(self, key: str, value: str, offset: int) -> None:
        """A dict item that names code for ``hydra.utils.instantiate`` / jsonargparse, or an OmegaConf
        interpolation: a checkpoint's hyper-parameters are instantiated after loading (Lightning, NeMo). Judged
        like the same item in a YAML config, but an unknown class is low here: nothing is imported on load."""
        from mlsecure.artifacts.scan.config_imports import config_item_issues

        for issue in config_item_issues(key, value, pickled=True):
            self.add(dataclasses.replace(issue, offset=offset))

    def on_problem(self, kind: str, message: str, offset: int) -> None:
        if kind == "expansion":  # a resource attack on the loader: like a decompression bomb, no code runs
            self.add(Issue(IssueKind.ARCHIVE_BOMB, Severity.MEDIUM, message, offset=offset,
                                    evidence={"problem": kind}))
            return
        issue_kind = IssueKind.MALFORMED if kind == "framing" else IssueKind.DYNAMIC_CALL
        self.add(Issue(issue_kind, Severity.HIGH, message, offset=offset, evidence={"problem": kind}))

    def check_traversal(self, vm: PickleVM, value: Any) -> None:
        """A billion-laughs result: loading shares references, but anything that walks the object without a
        memo (printing, ``==``, JSON, most validators) follows every shared reference again. The shared
        values are sized first (cheap: usually few and small); the result is walked only if they could
        reach the limit."""
        walk = Traversal(cap=BILLION, max_nodes=MAX_TRAVERSAL_NODES)
        bound = vm.traversal_bound(walk)
        if bound is None or bound < BILLION:
            return
        offset = vm.pos - 1
        size = walk.size(value)
        if size is not None and size >= BILLION:
            self.add(Issue(
                IssueKind.ARCHIVE_BOMB, Severity.MEDIUM,
                f"expansion bomb: the unpickled object holds over {BILLION:,} references when walked (shared "
                "values counted each time they are reached): printing, comparing or serialising it exhausts "
                "time and memory", offset=offset, evidence={"problem": "expansion", "references": size}))

    def after_build(self, vm: PickleVM, target: Any) -> None:
        if _constructed_class(target) != JOBLIB_WRAPPER:
            return
        self.joblib_arrays += 1
        subclass = (target.attrs or {}).get("subclass")
        if isinstance(subclass, Glob):  # NumPy 1.x: joblib calls ``_reconstruct(subclass, ...)`` on it
            self.mark_called((subclass,), 0)
        try:
            _skip_joblib_array(vm, target)
        except CannotVerify as exc:
            raise JoblibResumeUnknown(f"{exc}; joblib.load reads on past the array and runs what it finds there",
                                      exc.offset) from None

    # -- nested pickles --------------------------------------------------------------------------
    def nested(self, func: Glob, call: Call) -> None:
        args = call.args
        payload = args[0] if isinstance(args, tuple) and args else None
        loader = f"{func.module}.{func.name}"
        if isinstance(payload, Call) and isinstance(payload.args, tuple) and payload.args \
                and isinstance(payload.args[0], Big):  # a long protocol-2 text: read it back to encode it
            text = self.reread(payload.args[0])
            if isinstance(text, bytes):
                with contextlib.suppress(UnicodeDecodeError):
                    payload.args = (text.decode("utf-8", "surrogatepass"), *payload.args[1:])
        payload = _latin1_bytes(payload)
        if isinstance(payload, Big):
            payload = self.reread(payload)
        if not isinstance(payload, bytes):
            self.add(Issue(
                IssueKind.NESTED_PICKLE, Severity.HIGH,
                f"{loader} is called on data that cannot be inspected statically", offset=call.offset,
                evidence={"loader": loader, "argument": _describe(payload)}))
            return
        budget = self.session.budget
        held = self.current.memory_in_use() - self.held_outside() if self.current is not None else 0
        if budget is not None:  # the nested scan runs while this VM's values are alive: one budget for both
            budget.pickle_memory += held
        try:
            inner = [i.inside(f"nested pickle at offset {call.offset}")
                     for i in self.session.scan_child(Blob(name=f"{loader} argument", data=payload))]
        finally:
            if budget is not None:
                budget.pickle_memory -= held
        clean = all(i.severity <= Severity.LOW for i in inner)
        # the exemption belongs to this call site and these bytes: REDUCE(loader, (bytes,)) scanned clean
        self.nested_hashes.add(hashlib.sha256(payload).hexdigest())
        exempt = (clean and (func.module, func.name) == BENIGN_NESTED and call.opcode == "REDUCE"
                  and isinstance(args, tuple) and len(args) == 1)
        if exempt:
            self.exempt_calls[id(func)] = self.exempt_calls.get(id(func), 0) + 1
        self.add(Issue(
            IssueKind.NESTED_PICKLE, Severity.LOW if exempt else Severity.HIGH,
            f"{loader} unpickles {len(payload)} embedded bytes" + (" (scanned clean)" if clean else ""),
            offset=call.offset, evidence={"loader": loader, "nested_bytes": len(payload),
                                          "sha256": hashlib.sha256(payload).hexdigest()}))
        self.extra.extend(inner)

    def trailing_pickles(self, start: int) -> None:
        """Pickles hidden after junk that ends the stream: loaders stop at the junk, a resyncing reader not."""
        if self.end is None or not self.stream.seekable():
            return
        self.stream.seek(start)
        tail = self.stream.read(min(self.end - start, TRAILING_WINDOW))
        at = tail.find(b"\x80")
        while at >= 0 and len(self.data_pickles) < MAX_DATA_PICKLES:
            inner = embedded_pickle(tail[at:]) if tail[at + 1:at + 2] in (b"\x02", b"\x03", b"\x04", b"\x05") else None
            if inner is not None:
                self.data_pickles.append((start + at, inner))
                break
            at = tail.find(b"\x80", at + 1)

    def data_pickle_issues(self) -> list[Issue]:
        """Pickles carried as data (bytes, hex, base64): nothing here loads them; whoever does runs them."""
        out: list[Issue] = []
        for offset, inner in self.data_pickles:
            if hashlib.sha256(inner).hexdigest() in self.nested_hashes:
                continue  # already scanned where a nested loader is called on it
            where = f"pickle carried as data at offset {offset}"
            found = [i.inside(where) for i in self.session.scan_child(Blob(name=where, data=inner))]
            worst = max((i.severity for i in found), default=Severity.INFO)
            if worst <= Severity.LOW:
                continue
            out.append(Issue(IssueKind.NESTED_PICKLE, min(worst, Severity.HIGH),
                             f"a pickle carried as data ({len(inner)} bytes) is unsafe to load: whoever unpickles "
                             "it runs what it imports", offset=offset,
                             evidence={"nested_bytes": len(inner), "sha256": hashlib.sha256(inner).hexdigest()}))
            out.extend(dataclasses.replace(i, severity=min(i.severity, Severity.HIGH)) for i in found)
        return out

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
        if isinstance(exc, JoblibResumeUnknown):
            self.add(Issue(IssueKind.MALFORMED, Severity.HIGH, f"cannot verify the rest of the stream: {message}",
                           offset=exc.offset, evidence={"pickle_index": index, "cannot_verify": True}))
        elif isinstance(exc, CannotVerify):
            self.add(Issue(IssueKind.MALFORMED, Severity.MEDIUM, f"cannot verify: {message}",
                                    offset=exc.offset, evidence={"pickle_index": index, "cannot_verify": True}))
        elif "resource limit" in message:
            self.add(Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                                    f"cannot verify: scan stopped: {message}",
                                    offset=exc.offset, evidence={"pickle_index": index}))
        elif index == 0:
            self.add(Issue(IssueKind.MALFORMED, Severity.HIGH, f"malformed pickle: {message}",
                                    offset=exc.offset, evidence={"opcodes_read": vm.opcodes}))
        elif vm.opcodes <= 1:
            self.add(Issue(IssueKind.MALFORMED, Severity.LOW,
                                    "non-pickle bytes follow the last pickle (never unpickled)",
                                    offset=exc.offset, evidence={"pickles": index}))
            self.trailing_pickles(exc.offset)
        else:
            self.add(Issue(IssueKind.MALFORMED, Severity.MEDIUM,
                                    f"a further pickle after pickle #{index} is malformed: {message}",
                                    offset=exc.offset, evidence={"pickles": index}))

    def finish(self, pickles: int, legacy: bool, compression: str | None) -> None:
        self.summary = {"pickles": pickles, "legacy_torch": legacy, "compression": compression,
                        "globals": sorted(self.globals),
                        "imports": [[g.module, g.name] for g in self.globals.values()]}

    def issues(self) -> list[Issue]:
        self.called_after_loading()
        out: list[Issue] = []
        for key, seen in self.globals.items():
            judgement = _judge(seen)
            if judgement.safe or (not seen.overflow
                                  and all(g.pushes == self.exempt_calls.get(id(g), 0) for g in seen.instances)):
                continue
            out.append(Issue(judgement.kind, judgement.severity, f"imports {key}",
                             offset=seen.offsets[0],
                             evidence={"global": key, "reason": judgement.reason, "module": seen.module,
                                       "name": seen.name,
                                       "opcodes": sorted(seen.opcodes), "offsets": seen.offsets,
                                       "count": seen.count, "called": seen.called,
                                       "called_after_loading": seen.called_later,
                                       "unlisted": judgement.unlisted}))
        out.extend(self.extra)
        worst = self.overflow_worst
        if worst is not None:
            out.append(Issue(worst.kind, worst.severity, f"{self.overflow} further issues not listed; the worst: "
                             f"{worst.title}", offset=worst.offset, evidence={"not_listed": self.overflow}))
        out.extend(self.data_pickle_issues())
        out.append(Issue(IssueKind.CODE_FORMAT, Severity.INFO,
                         f"pickle stream: {len(self.globals)} distinct globals", evidence=self.summary))
        return out


def embedded_pickle(data: bytes) -> bytes | None:
    """``data`` if it is a protocol 2-5 pickle, or the pickle its hex or base64 text decodes to."""
    candidates = [data]
    if data[:1] in (b"8", b"g"):
        try:
            candidates.append(bytes.fromhex(data.decode("ascii")) if data[:1] == b"8"
                              else base64.b64decode(data, validate=True))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            return None
    for candidate in candidates:
        if candidate[:1] == b"\x80" and candidate[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05") \
                and candidate.rstrip(b"\x00")[-1:] == b".":
            return candidate
    return None


def _latin1_bytes(value: Any) -> Any:
    """Protocol 2 writes bytes as ``_codecs.encode(text, "latin1")``: the bytes that call returns."""
    if (isinstance(value, Call) and isinstance(value.func, Glob) and value.opcode == "REDUCE"
            and (value.func.module, value.func.name) == ("_codecs", "encode") and isinstance(value.args, tuple)
            and len(value.args) == 2 and isinstance(value.args[0], str) and value.args[1] in ("latin1", "latin-1")):
        try:
            return value.args[0].encode("latin-1")
        except UnicodeEncodeError:
            return value
    return value


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
    """Skip what ``NumpyArrayWrapper.read`` reads right after the wrapper's BUILD, as joblib computes it."""
    if vm.pos < vm.frame_end != NO_FRAME:
        raise CannotVerify("a joblib array wrapper is built inside a FRAME: joblib reads its bytes after the "
                           "frame, the rest of the frame later", wrapper.offset)
    vm.frame_end = NO_FRAME  # the frame (if any) ended right here; the array bytes follow outside any frame
    attrs = _wrapper_attrs(wrapper)
    if "shape" not in attrs or "dtype" not in attrs:
        raise PickleSyntaxError("joblib array wrapper without shape or dtype (joblib.load fails here)",
                                wrapper.offset)
    itemsize, hasobject = _dtype_info(attrs["dtype"], wrapper.offset)
    if hasobject:
        inner = PickleVM(vm.stream, vm.pos, vm.events, keep_bytes=vm.keep_bytes, max_opcodes=vm.max_opcodes,
                         max_memo=vm.max_memo, end=vm.end, after_build=vm.after_build, max_memory=vm.max_memory,
                         deadline=vm.deadline, outer_memory=vm.memory_in_use)
        inner.run()
        vm.pos = inner.pos
    else:
        count = _element_count(attrs["shape"], wrapper.offset)
        if itemsize == 0:
            raise PickleSyntaxError("joblib array of item size 0 (joblib.load fails here)", wrapper.offset)
        if attrs.get("numpy_array_alignment_bytes") is not None:
            vm.skip(vm.read(1)[0])
        vm.skip(count * itemsize)
    vm.stack[-1] = Opaque("ndarray")


def _wrapper_attrs(wrapper: Call) -> dict[Any, Any]:
    """The wrapper's ``__dict__``: ``__init__``'s arguments when it ran, then every BUILD merged in order."""
    attrs: dict[Any, Any] = {}
    func = wrapper.func
    if (isinstance(func, Glob) and (func.module, func.name) == JOBLIB_WRAPPER
            and wrapper.opcode in ("REDUCE", "OBJ", "INST")):  # __init__ ran (NEWOBJ, _reconstructor: not)
        args = wrapper.args
        if not isinstance(args, tuple) or not 4 <= len(args) <= len(WRAPPER_INIT_ARGS):
            raise PickleSyntaxError("NumpyArrayWrapper called with the wrong arguments (joblib.load fails)",
                                    wrapper.offset)
        attrs.update(WRAPPER_INIT_DEFAULTS)
        attrs.update(zip(WRAPPER_INIT_ARGS, args, strict=False))
    attrs.update(wrapper.attrs or {})
    if any(type(k) is not str for k in attrs):
        # ``load_build`` stores any key as it is: a call returning "numpy_array_alignment_bytes" sets the attribute,
        # so joblib reads a padding byte the scanner did not (session 13: the stream resynchronised on a payload
        # joblib ran while the scan said "safe"). joblib writes plain names; a computed one hides where it reads on.
        raise CannotVerify("joblib array wrapper state with a computed key", wrapper.offset)
    return attrs


def _element_count(shape: Any, offset: int) -> int:
    """``np.multiply.reduce([np.int64(x) for x in shape])``: int64 arithmetic, wrapping on overflow."""
    dims = shape.items if isinstance(shape, Container) and shape.kind == "list" else shape
    if not isinstance(dims, (tuple, list)) or not all(type(d) in (int, bool) for d in dims):
        raise CannotVerify(f"joblib array shape is not a tuple of integers ({_describe(shape)})", offset)
    if any(d < 0 for d in dims):
        raise PickleSyntaxError("joblib array with a negative dimension (joblib.load fails here)", offset)
    if any(d >= 1 << 63 for d in dims):
        raise PickleSyntaxError("joblib array dimension overflows int64 (joblib.load fails here)", offset)
    count = 1
    for d in dims:
        count = (count * int(d)) & ((1 << 64) - 1)
    if count >= 1 << 63:
        raise PickleSyntaxError("joblib array size wraps negative (joblib.load fails here)", offset)
    exact = 1
    for d in dims:
        exact *= int(d)
    if exact != count:
        raise CannotVerify("joblib array size overflows int64 (memory-mapped and read sizes differ)", offset)
    return count


_DESCR = re.compile(r"^[a-zA-Z?][a-zA-Z]?[0-9]{0,9}$")


def _dtype_info(dtype: Any, offset: int) -> tuple[int, bool]:
    """(itemsize, hasobject) of a pickled ``numpy.dtype(descr, align, copy)`` with its BUILD state."""
    if not (isinstance(dtype, Call) and isinstance(dtype.func, Glob) and dtype.func.name == "dtype"
            and dtype.func.module in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray")
            and isinstance(dtype.args, tuple) and dtype.args and isinstance(dtype.args[0], str)
            and _DESCR.match(dtype.args[0])):
        raise CannotVerify(f"joblib array dtype is not a plain numpy.dtype ({_describe(dtype)})", offset)
    import numpy as np

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated type codes ("a5") still build
            base = np.dtype(dtype.args[0])
    except (TypeError, ValueError):
        raise PickleSyntaxError(f"numpy cannot build dtype {dtype.args[0]!r} (joblib.load fails here)",
                                offset) from None
    state = dtype.state
    if state is None:
        return base.itemsize, base.hasobject
    if not (isinstance(state, tuple) and len(state) in (8, 9) and state[2] is None
            and all(type(v) is int for v in (state[5], state[7]))):
        raise CannotVerify("joblib array dtype state is not a plain (version, order, ..., flags) tuple", offset)
    elsize, flags = state[5], state[7]
    if state[3] is not None or state[4] is not None:
        _check_fields(state[3], state[4], offset)  # a structured dtype (scikit-learn's tree nodes)
    itemsize = base.itemsize
    if elsize > 0 and itemsize == 0:
        itemsize = elsize
    elif elsize > 0 and elsize != itemsize:
        raise CannotVerify(f"dtype state item size {elsize} differs from {dtype.args[0]!r}", offset)
    if bool(flags & 1) != base.hasobject:
        raise CannotVerify("dtype state object flag differs from its type", offset)
    return itemsize, base.hasobject


def _check_fields(names: Any, fields: Any, offset: int) -> None:
    """A structured dtype's fields must be plain numeric dtypes (an object field changes joblib's path)."""
    if not (isinstance(names, tuple) and all(isinstance(n, str) for n in names)
            and isinstance(fields, Container) and fields.kind == "dict" and not fields.unhashable
            and set(fields.pairs) == set(names)):
        raise CannotVerify("structured dtype with fields that cannot be read", offset)
    for spec in fields.pairs.values():
        if not (isinstance(spec, tuple) and len(spec) in (2, 3) and type(spec[1]) is int):
            raise CannotVerify("structured dtype field is not (dtype, offset)", offset)
        if _dtype_info(spec[0], offset)[1]:
            raise CannotVerify("structured dtype with an object field", offset)


def _describe(value: Any) -> str:
    calls = 0
    while isinstance(value, Call) and calls < 4:  # a chain of calls on calls: iterative, never recursion
        value, calls = value.func, calls + 1
    prefix = "result of calling " * calls
    if isinstance(value, Call):
        return f"{prefix}... (a longer chain of calls)"
    if isinstance(value, Glob):
        return f"{prefix}{value.module}.{value.name}"
    if isinstance(value, Big):
        return f"{prefix}{value.size} bytes"
    if isinstance(value, Container):
        return f"{prefix}{value.kind}"
    if isinstance(value, Opaque):
        return f"{prefix}{value.what}"
    return f"{prefix}{type(value).__name__}"


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
        case "zlib" | "zfile":
            from mlsecure.artifacts.scan.zipread import zlib_stream

            raw.seek(0)
            start = (zfile_start(raw.read(ZFILE_HEADER + 1)) or 0) if compression == "zfile" else 0
            return zlib_stream(raw, start), None
        case "zstd":
            return _zstd_stream(raw), None
        case "lz4":
            from mlsecure.artifacts.scan.lz4_frame import lz4_stream

            return lz4_stream(raw), None
        case "snappy":
            from mlsecure.artifacts.scan.snappy_frame import snappy_stream

            return snappy_stream(raw), None
        case _:
            raise OSError(f"unknown compression {compression}")


def _zstd_stream(raw: IO[bytes]) -> IO[bytes]:
    """A zstd stream read across frames (pandas' ``read_pickle`` decompresses ``.zst``): forward reads only."""
    try:
        import zstandard
    except ImportError:
        raise OSError("zstd-compressed: install the zstandard package to scan it") from None
    raw.seek(0)
    reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=False)
    return cast(IO[bytes], io.BufferedReader(reader, 1 << 16))
