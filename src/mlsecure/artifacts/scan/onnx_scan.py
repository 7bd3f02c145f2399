"""ONNX models: the ONNX checker, external-data paths, custom operator domains.

An initializer stored as external data names a file relative to the model; a path that is absolute,
climbs out with ``..`` or goes through a symlink makes the runtime read any file on the host
(ONNX GHSA-6wg6-76wp-6g6v class). Operators from domains ONNX Runtime does not ship need a custom-op
library that the loader must register: native code outside the model's review.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePath
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
        issues = check_model(model, blob.path.parent if blob.path is not None else None)
        try:
            onnx.checker.check_model(model)
        except Exception as exc:  # onnx.checker.ValidationError and C++ errors
            issues.append(Issue(IssueKind.INVALID_MODEL, Severity.MEDIUM,
                                f"the ONNX checker rejects the model: {str(exc).splitlines()[0][:300]}"))
        return issues


def check_model(model: Any, folder: Path | None) -> list[Issue]:
    """External-data paths and operator domains of a parsed ``ModelProto``."""
    issues: list[Issue] = []
    local_domains = {f.domain for f in model.functions}
    domains = {o.domain for o in model.opset_import} | {n.domain for n in _nodes(model.graph)}
    for domain in sorted(domains - STANDARD_DOMAINS - local_domains):
        ops = sorted({n.op_type for n in _nodes(model.graph) if n.domain == domain})
        issues.append(Issue(IssueKind.CUSTOM_OP, Severity.MEDIUM,
                            f"operators from custom domain {domain!r} need a native custom-op library",
                            evidence={"domain": domain, "ops": ops[:20]}))
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
    pure = PurePath(location.replace("\\", "/"))
    drive = len(location) > 1 and location[1] == ":"
    if not location or pure.is_absolute() or location.startswith(("/", "\\")) or drive:
        return Issue(IssueKind.EXTERNAL_DATA, Severity.CRITICAL,
                     f"external data of {tensor!r} is an absolute path {location!r}: reads any file", evidence=evidence)
    if ".." in pure.parts:
        return Issue(IssueKind.EXTERNAL_DATA, Severity.CRITICAL,
                     f"external data of {tensor!r} escapes the model folder ({location!r})", evidence=evidence)
    if folder is None:
        return Issue(IssueKind.EXTERNAL_DATA, Severity.LOW,
                     f"external data file {location!r} of {tensor!r} not checked (model inside an archive)",
                     evidence=evidence)
    target = folder / location
    if _through_symlink(folder, target):
        return Issue(IssueKind.EXTERNAL_DATA, Severity.HIGH,
                     f"external data of {tensor!r} goes through a symlink ({location!r})", evidence=evidence)
    if not target.resolve().is_relative_to(folder.resolve()):
        return Issue(IssueKind.EXTERNAL_DATA, Severity.CRITICAL,
                     f"external data of {tensor!r} resolves outside the model folder", evidence=evidence)
    if not target.is_file():
        return Issue(IssueKind.EXTERNAL_DATA, Severity.MEDIUM,
                     f"external data file {location!r} of {tensor!r} is missing", evidence=evidence)
    return None


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
