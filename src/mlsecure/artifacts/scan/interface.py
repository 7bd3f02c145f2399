"""The scanner contract: ``Blob`` (what is scanned), ``Issue`` (what was found), ``Scanner`` (one per
format) and its explicit registry.

A scanner reads bytes and reports issues; it never imports or executes what it reads. Anything it
cannot parse, does not support or stops reading because of a limit is an ``Issue`` too, so a scan
can never come back silently clean (fail closed).
"""

from __future__ import annotations

import io
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.errors import MLSecureError
from mlsecure.findings import Severity
from mlsecure.plugins import PluginRegistry


class ScanError(MLSecureError):
    """Base error of the scanner family (raised only for misuse, never for hostile input)."""


class Verdict(StrEnum):
    """An artifact's overall verdict, ordered safe < suspicious < malicious."""

    SAFE = "safe"
    SUSPICIOUS = "suspicious"
    MALICIOUS = "malicious"

    @property
    def rank(self) -> int:
        return ("safe", "suspicious", "malicious").index(self.value)


class IssueKind(StrEnum):
    """What an issue is about; each kind maps to one stable finding id (see ``report.py``)."""

    DANGEROUS_IMPORT = "dangerous-import"  # a known code-execution callable (os.system, eval, ...)
    RESOLVER_GADGET = "resolver-gadget"  # reaches arbitrary attributes/modules (getattr, attrgetter)
    UNVERIFIED_IMPORT = "unverified-import"  # a global outside the allowlist
    DYNAMIC_CALL = "dynamic-call"  # calling a computed callable, BUILD on a global, unresolvable global
    NESTED_PICKLE = "nested-pickle"  # bytes handed to pickle.loads and friends
    MALFORMED = "malformed"  # cannot be parsed: fail closed
    UNSUPPORTED = "unsupported"  # a format no scanner understands: fail closed
    RESOURCE_LIMIT = "resource-limit"  # the scan stopped at a limit: fail closed
    ARCHIVE_PATH = "archive-path"  # traversal, absolute names, symlinks
    ARCHIVE_BOMB = "archive-bomb"  # compression ratio / size
    ZIP_TAMPERING = "zip-tampering"  # CRC mismatch, odd flags, local name differs from the directory
    OBJECT_ARRAY = "object-array"  # NumPy object arrays (pickle inside)
    TENSOR_LAYOUT = "tensor-layout"  # safetensors header / offsets
    EXTERNAL_DATA = "external-data"  # ONNX external data escaping the model folder
    CUSTOM_OP = "custom-op"  # ONNX / TorchScript non-standard op domains
    INVALID_MODEL = "invalid-model"  # the format's own checker rejects the model
    EMBEDDED_CODE = "embedded-code"  # Keras Lambda layers, custom objects carrying code
    DANGEROUS_OP = "dangerous-op"  # TensorFlow file-system / py_func ops
    TEMPLATE_INJECTION = "template-injection"  # GGUF chat templates reaching Python internals
    CODE_FORMAT = "code-format"  # informational: the format can carry code (pickle)


MALICIOUS_KINDS = frozenset({IssueKind.DANGEROUS_IMPORT, IssueKind.RESOLVER_GADGET, IssueKind.EMBEDDED_CODE,
                             IssueKind.DANGEROUS_OP, IssueKind.TEMPLATE_INJECTION, IssueKind.EXTERNAL_DATA,
                             IssueKind.ARCHIVE_PATH, IssueKind.NESTED_PICKLE, IssueKind.DYNAMIC_CALL})


@dataclass(frozen=True)
class Issue:
    """One observation about one artifact (or a member inside it), with its evidence."""

    kind: IssueKind
    severity: Severity
    title: str
    member: str | None = None
    offset: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> Verdict:
        if self.severity <= Severity.LOW:
            return Verdict.SAFE
        if self.kind in MALICIOUS_KINDS and self.severity >= Severity.HIGH:
            return Verdict.MALICIOUS
        return Verdict.SUSPICIOUS

    def inside(self, member: str) -> Issue:
        """This issue seen from the container that holds ``member``."""
        inner = f"{member}!{self.member}" if self.member else member
        return Issue(self.kind, self.severity, self.title, inner, self.offset, self.evidence)



def worst_kept(issues: Iterable[Issue], limit: int, where: str = "") -> list[Issue]:
    """At most ``limit`` issues, the most severe kept (session 8: caps that kept the *first* 50 let 50 medium lines hide
    an ``--index-url`` or an ``os.system`` handler after them); the rest counted in one issue of their worst
    severity. Under the cap the order is unchanged."""
    found = list(issues)
    if len(found) <= limit:
        return found
    ordered = sorted(found, key=lambda i: i.severity, reverse=True)  # stable: the first of each severity stay first
    kept, rest = ordered[:limit], ordered[limit:]
    return [*kept, Issue(rest[0].kind, rest[0].severity, f"{where}{len(rest)} more issues like those above, not listed",
                         evidence={"more": len(rest)})]

@dataclass(frozen=True)
class Blob:
    """Bytes to scan: a file on disk (read lazily) or an in-memory member of a container."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    opener: Callable[[], IO[bytes]] | None = None  # a streamed archive member
    length: int | None = None  # the member's size when ``opener`` is set

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        if self.length is not None:
            return self.length
        return self.path.stat().st_size if self.path is not None else 0

    def open(self) -> IO[bytes]:
        if self.data is not None:
            return io.BytesIO(self.data)
        if self.opener is not None:
            return self.opener()
        if self.path is None:
            raise ScanError(f"{self.name}: blob without data, opener or path")
        return self.path.open("rb")

    def head(self, n: int = 4096) -> bytes:
        if self.data is not None:
            return self.data[:n]
        with self.open() as handle:
            return handle.read(n)

    def read_all(self) -> bytes:
        if self.data is not None:
            return self.data
        with self.open() as handle:
            return handle.read()


@dataclass(frozen=True)
class Limits:
    """Resource limits; reaching one is an issue (fail closed), never a silent stop."""

    max_depth: int = 6  # archives / nested pickles inside each other
    max_member_bytes: int = 4 * 1024**3  # decompressed size of one archive member read into memory
    max_total_bytes: int = 64 * 1024**3  # decompressed bytes of one archive in total
    max_ratio: float = 200.0  # compression ratio above which a member is a bomb (with size below)
    bomb_min_bytes: int = 64 * 1024**2  # ratio only matters above this decompressed size
    max_opcodes: int = 200_000_000
    max_memo: int = 10_000_000
    max_pickle_memory: int = 1 << 30  # estimated bytes the pickle emulator's values may hold
    max_nested_bytes: int = 256 * 1024**2  # nested pickle bytes kept for scanning
    max_header_bytes: int = 100 * 1024**2  # safetensors/npy/gguf headers
    max_members: int = 10_000  # archive members (at every depth together) scanned per top-level file
    max_seconds: float = 300.0  # wall-clock time per top-level file


class Budget:
    """What one top-level scan may still spend, shared by every nested scan of that file.

    Depth alone does not bound the work: a 10 kB zip of zips of zips can hold 10^5 leaves. Each
    member and each second counts against one budget; once spent, the scan reports it once and
    stops opening members (fail closed: "cannot verify", never a hang).
    """

    def __init__(self, limits: Limits) -> None:
        self.deadline = time.monotonic() + limits.max_seconds
        self.members_left = limits.max_members
        self.limits = limits
        self.exhausted: str | None = None
        self.reported = False
        self.pickle_memory = 0  # estimated bytes held by pickle emulators while a nested pickle is scanned

    def past_deadline(self) -> bool:
        """Whether the file's time limit has passed (for scanners that loop inside one member)."""
        return time.monotonic() > self.deadline

    def spend_member(self) -> Issue | None:
        """Count one member about to be scanned; an issue (once) when the budget is spent."""
        if self.exhausted is None:
            self.members_left -= 1
            if self.members_left < 0:
                self.exhausted = f"more than {self.limits.max_members} archive members"
            elif time.monotonic() > self.deadline:
                self.exhausted = f"the {self.limits.max_seconds:g}-second time limit"
        if self.exhausted is None:
            return None
        if self.reported:
            return _SILENT
        self.reported = True
        return Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                     f"scan stopped at {self.exhausted}: the remaining members are not verified",
                     evidence={"max_members": self.limits.max_members, "max_seconds": self.limits.max_seconds})


_SILENT = Issue(IssueKind.RESOURCE_LIMIT, Severity.INFO, "budget already reported")

NestedScan = Callable[[Blob, int], list[Issue]]
"""``nested(blob, depth)``: scan a blob found inside another (archive member, nested pickle)."""


@dataclass(frozen=True)
class Session:
    """What a scanner gets besides the blob: the limits, the depth, and the way to recurse."""

    limits: Limits
    depth: int
    nested: NestedScan
    budget: Budget | None = None  # None: a fresh budget per child (only for tests of one scanner)

    def scan_child(self, blob: Blob) -> list[Issue]:
        if self.depth + 1 > self.limits.max_depth:
            return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM, "nesting deeper than the scan limit: not verified",
                          evidence={"max_depth": self.limits.max_depth})]
        if self.budget is not None:
            spent = self.budget.spend_member()
            if spent is not None:
                return [] if spent is _SILENT else [spent]
        return self.nested(blob, self.depth + 1)

    @property
    def out_of_budget(self) -> bool:
        return self.budget is not None and self.budget.exhausted is not None


class Scanner(ABC):
    """Scans one family of formats. Subclasses set ``formats`` and implement ``scan``."""

    name: ClassVar[str]
    formats: ClassVar[frozenset[ArtifactFormat]]

    @abstractmethod
    def scan(self, blob: Blob, session: Session) -> Iterable[Issue]:
        """Every issue in ``blob``; hostile input becomes issues, never exceptions.

        Yield issues as they are found (a generator): if the scan still fails part-way (a
        ``RecursionError``, ``MemoryError`` or a bug), the engine keeps what was yielded and adds the
        failure as one more issue. A returned list is accepted too, but is lost whole on a failure.
        """


# the engine (``engine._ensure_registered``) registers the built-in scanners on first use
_scanners: PluginRegistry[type[Scanner]] = PluginRegistry("scanner", Scanner, error=ScanError)
register = _scanners.register
unregister = _scanners.unregister
registered = _scanners.classes


def scanner_for(fmt: ArtifactFormat) -> type[Scanner] | None:
    for cls in _scanners.classes().values():
        if fmt in cls.formats:
            return cls
    return None
