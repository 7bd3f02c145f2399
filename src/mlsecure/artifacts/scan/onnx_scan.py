"""ONNX models: the ONNX checker, external-data paths, custom operator domains.

An initializer stored as external data names a file relative to the model; a path that is absolute,
climbs out with ``..`` or goes through a symlink makes the runtime read any file on the host
(ONNX GHSA-6wg6-76wp-6g6v class). Operators from domains ONNX Runtime does not ship need a custom-op
library that the loader must register: native code outside the model's review.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.findings import Severity

STANDARD_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training",
                              "com.microsoft", "com.microsoft.nchwc", "com.ms.internal.nhwc",
                              "com.microsoft.experimental", "ai.onnx.contrib"})


class OnnxScanner(Scanner):
    name = "onnx"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.ONNX})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        try:
            import onnx
        except ImportError:
            return [Issue(IssueKind.UNSUPPORTED, Severity.MEDIUM,
                          "ONNX model not verified: install the onnx package (pip install \"mlsecure[onnx]\")")]
        try:
            model = onnx.load_model_from_string(blob.read_all())
        except Exception as exc:  # protobuf raises DecodeError and friends for hostile bytes
            return [Issue(IssueKind.MALFORMED, Severity.HIGH, f"not a parseable ONNX model: {exc}")]
        folder = blob.path.absolute().parent if blob.path is not None else None
        issues = check_model(model, folder)
        if not model.HasField("graph") or not model.opset_import:
            issues.append(Issue(IssueKind.INVALID_MODEL, Severity.MEDIUM,
                                "no ONNX graph or opset in the file: not verified as a model"))
        try:
            # Informational only: the checker rejects some models every runtime loads (and resolves
            # external data against the working directory), so it never decides the verdict.
            onnx.checker.check_model(model)
        except Exception as exc:  # onnx.checker.ValidationError and C++ errors
            issues.append(Issue(IssueKind.INVALID_MODEL, Severity.INFO,
                                f"the ONNX checker reports: {str(exc).splitlines()[0][:300]}"))
        return issues


def external_locations(path: Path) -> frozenset[str]:
    """The normalised external-data locations a model file names (relative to its folder)."""
    try:
        stat = path.stat()
    except OSError:
        return frozenset()
    key = (str(path.absolute()), stat.st_mtime_ns, stat.st_size)
    if key not in _LOCATIONS:
        if len(_LOCATIONS) > 256:
            _LOCATIONS.clear()
        _LOCATIONS[key] = _read_locations(path)
    return _LOCATIONS[key]


_LOCATIONS: dict[tuple[str, int, int], frozenset[str]] = {}


def _read_locations(path: Path) -> frozenset[str]:
    try:
        import onnx

        model = onnx.load_model(str(path), load_external_data=False)
    except Exception:  # not a model, or no onnx package: names nothing
        return frozenset()
    found = set()
    for tensor in _tensors(model.graph):
        if tensor.data_location == 1:
            entries = {_text(e.key): _text(e.value) for e in tensor.external_data}
            location = normalised(entries.get("location", ""))
            if location is not None:
                found.add(location)
    return frozenset(found)


def normalised(location: str) -> str | None:
    """``location`` normalised as a relative POSIX path, or None if it is absolute or leaves its folder."""
    posix = location.replace("\\", "/")
    if not posix or posix.startswith("/") or (len(posix) > 1 and posix[1] == ":") or "\x00" in posix:
        return None
    norm = posixpath.normpath(posix)
    if norm == ".." or norm.startswith("../") or norm == ".":
        return None
    return norm


def check_model(model: Any, folder: Path | None) -> list[Issue]:
    """External-data paths and operator domains of a parsed ``ModelProto``."""
    issues: list[Issue] = []
    local_domains = {f.domain for f in model.functions}
    local_ops = {(f.domain, f.name) for f in model.functions}
    domains = {o.domain for o in model.opset_import} | {n.domain for n in _nodes(model.graph)}
    for domain in sorted(domains - STANDARD_DOMAINS - local_domains):
        ops = sorted({n.op_type for n in _nodes(model.graph) if n.domain == domain})
        issues.append(Issue(IssueKind.CUSTOM_OP, Severity.MEDIUM,
                            f"operators from custom domain {domain!r} need a native custom-op library",
                            evidence={"domain": domain, "ops": ops[:20]}))
    unknown = sorted({(n.domain or "ai.onnx", n.op_type) for n in _nodes(model.graph)
                      if n.domain in STANDARD_ONNX_DOMAINS and not _registered(n.op_type, n.domain)
                      and (n.domain, n.op_type) not in local_ops})
    if unknown:
        issues.append(Issue(IssueKind.CUSTOM_OP, Severity.MEDIUM,
                            f"operators no ONNX opset defines: {', '.join(op for _, op in unknown[:10])} "
                            "(a runtime needs a custom kernel library for them)",
                            evidence={"ops": [f"{d}::{op}" for d, op in unknown[:20]]}))
    for tensor in _tensors(model.graph):
        if tensor.data_location != 1:  # TensorProto.EXTERNAL
            continue
        entries = {_text(e.key): _text(e.value) for e in tensor.external_data}
        try:
            issue = check_external(_text(tensor.name), entries.get("location", ""), folder)
        except (ValueError, OSError) as exc:  # NUL bytes, over-long names
            issue = Issue(IssueKind.EXTERNAL_DATA, Severity.HIGH, f"unusable external data path: {exc}",
                          evidence={"location": entries.get("location", "")[:200]})
        if issue is not None:
            issues.append(issue)
    return issues


def check_external(tensor: str, location: str, folder: Path | None) -> Issue | None:
    evidence = {"tensor": tensor, "location": location}
    posix = location.replace("\\", "/")
    if not posix or posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return Issue(IssueKind.EXTERNAL_DATA, Severity.CRITICAL,
                     f"external data of {tensor!r} is an absolute path {location!r}: reads any file", evidence=evidence)
    norm = normalised(location)
    if norm is None:  # judged by where the normalised path lands, so "sub/../w.bin" stays inside
        return Issue(IssueKind.EXTERNAL_DATA, Severity.CRITICAL,
                     f"external data of {tensor!r} escapes the model folder ({location!r})", evidence=evidence)
    if folder is None:
        return Issue(IssueKind.EXTERNAL_DATA, Severity.LOW,
                     f"external data file {location!r} of {tensor!r} not checked (model inside an archive)",
                     evidence=evidence)
    target = folder / norm
    if _through_symlink(folder, target):
        return Issue(IssueKind.EXTERNAL_DATA, Severity.HIGH,
                     f"external data of {tensor!r} goes through a symlink ({location!r})", evidence=evidence)
    if not target.resolve().is_relative_to(folder.resolve()):
        return Issue(IssueKind.EXTERNAL_DATA, Severity.CRITICAL,
                     f"external data of {tensor!r} resolves outside the model folder", evidence=evidence)
    if not target.is_file():  # whatever is put there later is read at load time: not verified
        return Issue(IssueKind.EXTERNAL_DATA, Severity.MEDIUM,
                     f"external data file {location!r} of {tensor!r} is missing", evidence=evidence)
    return None


STANDARD_ONNX_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml", "ai.onnx.preview.training"})


def _registered(op_type: str, domain: str) -> bool:
    """Whether any ONNX opset defines ``op_type`` in ``domain`` (from the onnx package's own schemas)."""
    import onnx.defs

    return bool(onnx.defs.has(op_type, "" if domain == "ai.onnx" else domain))


def _nodes(graph: Any) -> Iterator[Any]:
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.HasField("g"):
                yield from _nodes(attr.g)
            for sub in attr.graphs:
                yield from _nodes(sub)


def _tensors(graph: Any) -> Iterator[Any]:
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            yield from attr.tensors
            if attr.HasField("g"):
                yield from _tensors(attr.g)
            for sub in attr.graphs:
                yield from _tensors(sub)


def _through_symlink(folder: Path, target: Path) -> bool:
    step = target
    while step != folder and folder in step.parents:
        if step.is_symlink():
            return True
        step = step.parent
    return False


def _text(value: str | bytes) -> str:
    """protobuf hands back bytes for strings that are not valid UTF-8."""
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")
