"""Dispatch: detect each artifact's format from its bytes, run its scanner, recurse, judge.

``scan_path`` walks files and directories; ``scan_blob`` is the recursion every container uses for
its members. Formats no scanner understands, and text files, are handled here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mlsecure.artifacts.formats import ArtifactFormat, detect_stream, is_text
from mlsecure.artifacts.scan import interface
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Limits, Session, Verdict
from mlsecure.errors import InputError
from mlsecure.findings import Severity


@dataclass(frozen=True)
class ArtifactResult:
    """The scan of one file: its format, verdict and issues (members' issues included)."""

    path: str
    format: ArtifactFormat
    verdict: Verdict
    issues: tuple[Issue, ...]
    size: int
    seconds: float

    @property
    def max_severity(self) -> Severity:
        return max((i.severity for i in self.issues), default=Severity.INFO)


def register_builtin_scanners() -> None:
    """Register the scanners shipped with mlsecure (idempotent)."""
    from mlsecure.artifacts.scan.archive_scan import ArchiveScanner
    from mlsecure.artifacts.scan.gguf_scan import GgufScanner
    from mlsecure.artifacts.scan.keras_scan import KerasScanner
    from mlsecure.artifacts.scan.numpy_scan import NumpyScanner
    from mlsecure.artifacts.scan.onnx_scan import OnnxScanner
    from mlsecure.artifacts.scan.pickle_scan import PickleScanner
    from mlsecure.artifacts.scan.safetensors_scan import SafetensorsScanner
    from mlsecure.artifacts.scan.savedmodel_scan import SavedModelScanner
    from mlsecure.artifacts.scan.torch_scan import TorchZipScanner

    for cls in (PickleScanner, TorchZipScanner, ArchiveScanner, NumpyScanner, SafetensorsScanner, OnnxScanner,
                KerasScanner, GgufScanner, SavedModelScanner):
        if cls.name not in interface.registered():
            interface.register(cls.name, cls)


def scan_path(path: str | Path, *, limits: Limits | None = None) -> list[ArtifactResult]:
    """Scan a file, or every file under a directory (symlinks are reported, not followed)."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise InputError(f"{path}: no such file or directory")
    return [scan_file(p, limits=limits) for p in _walk(path)]


def scan_paths(paths: Iterable[str | Path], *, limits: Limits | None = None) -> list[ArtifactResult]:
    results: list[ArtifactResult] = []
    for path in paths:
        results.extend(scan_path(path, limits=limits))
    return results


def scan_file(path: Path, *, limits: Limits | None = None) -> ArtifactResult:
    """Scan one file (never following it if it is a symlink)."""
    start = time.perf_counter()
    if path.is_symlink():
        target = str(path.readlink())
        issue = Issue(IssueKind.ARCHIVE_PATH, Severity.MEDIUM, f"symbolic link to {target!r} not followed",
                      evidence={"target": target})
        return ArtifactResult(str(path), ArtifactFormat.UNKNOWN, issue.verdict, (issue,), 0,
                              time.perf_counter() - start)
    blob = Blob(name=path.name, path=path)
    fmt = _detect(blob)
    issues = scan_blob(blob, Session(limits or Limits(), 0, _nested(limits or Limits())), fmt=fmt)
    verdict = max((i.verdict for i in issues), key=lambda v: v.rank, default=Verdict.SAFE)
    return ArtifactResult(str(path), fmt, verdict, tuple(issues), blob.size, time.perf_counter() - start)


def scan_blob(blob: Blob, session: Session, *, fmt: ArtifactFormat | None = None) -> list[Issue]:
    """Scan ``blob`` with the scanner of its detected format; problems become issues."""
    register_builtin_scanners()
    try:
        fmt = fmt or _detect(blob)
    except (OSError, ValueError) as exc:
        return [Issue(IssueKind.MALFORMED, Severity.HIGH, f"cannot read: {exc}")]
    if fmt is ArtifactFormat.TEXT:
        return _scan_text(blob)
    scanner = interface.scanner_for(fmt)
    if scanner is None:
        return [Issue(IssueKind.UNSUPPORTED, Severity.MEDIUM,
                      "unrecognised binary format: cannot verify it carries no code",
                      evidence={"format": fmt.value, "head": blob.head(16).hex()})]
    try:
        return scanner().scan(blob, session)
    except RecursionError:
        return [Issue(IssueKind.RESOURCE_LIMIT, Severity.HIGH, "structure nested too deeply to scan")]
    except MemoryError:
        return [Issue(IssueKind.RESOURCE_LIMIT, Severity.HIGH, "out of memory while scanning")]
    except Exception as exc:  # a scanner bug must not turn into a silent pass: fail closed
        return [Issue(IssueKind.MALFORMED, Severity.HIGH, f"{scanner.name} scanner could not parse the file: "
                      f"{type(exc).__name__}: {exc}")]


def _nested(limits: Limits) -> interface.NestedScan:
    def nested(blob: Blob, depth: int) -> list[Issue]:
        return scan_blob(blob, Session(limits, depth, nested))

    return nested


def _detect(blob: Blob) -> ArtifactFormat:
    with blob.open() as handle:
        head = handle.read(4096)
        seekable = handle.seekable()
        fmt = detect_stream(head, handle if seekable else None, blob.size)
    return ArtifactFormat.TEXT if fmt is ArtifactFormat.UNKNOWN and is_text(head) else fmt


def _scan_text(blob: Blob) -> list[Issue]:
    from mlsecure.artifacts.scan.keras_scan import scan_config
    from mlsecure.artifacts.scan.torch_scan import scan_torchscript_code

    if blob.size > 256 * 1024**2:
        return [Issue(IssueKind.CODE_FORMAT, Severity.INFO, "large text file (not parsed)")]
    text = blob.read_all().decode("utf-8", errors="replace")
    name = blob.name.replace("\\", "/")
    if name.endswith(".py") and ("code/" in name or name.startswith("code")):
        return scan_torchscript_code(text)
    if text.lstrip().startswith("{") and ('"class_name"' in text or '"chat_template"' in text):
        try:
            config = json.loads(text)
        except (ValueError, RecursionError):
            return [Issue(IssueKind.CODE_FORMAT, Severity.INFO, "text file")]
        return [*scan_config(config, blob.name), *_chat_templates(config)]
    return [Issue(IssueKind.CODE_FORMAT, Severity.INFO, "text file")]


def _chat_templates(config: object) -> list[Issue]:
    """Hugging Face ``tokenizer_config.json`` chat templates, checked like GGUF's."""
    from mlsecure.artifacts.scan.gguf_scan import INJECTION

    if not isinstance(config, dict):
        return []
    raw = config.get("chat_template")
    templates = [raw] if isinstance(raw, str) else [t.get("template") for t in raw if isinstance(t, dict)] \
        if isinstance(raw, list) else []
    issues = []
    for template in templates:
        if isinstance(template, str):
            hits = sorted({m.group(0) for m in INJECTION.finditer(template)})
            if hits:
                issues.append(Issue(IssueKind.TEMPLATE_INJECTION, Severity.CRITICAL,
                                    "chat_template reaches Python internals from the Jinja template",
                                    evidence={"patterns": hits[:10], "template": template[:300]}))
    return issues


def _walk(path: Path) -> list[Path]:
    if path.is_dir() and not path.is_symlink():
        return sorted(p for p in path.rglob("*") if p.is_file() or p.is_symlink())
    return [path]
