"""ONNX models: the ONNX checker, external-data paths, custom operator domains.

An initializer stored as external data names a file relative to the model; a path that is absolute,
climbs out with ``..`` or goes through a symlink makes the runtime read any file on the host
(ONNX GHSA-6wg6-76wp-6g6v class). Operators from domains ONNX Runtime does not ship need a custom-op
library that the loader must register: native code outside the model's review.

The model is mapped and walked with the wire-format reader (``onnx_wire``), never read whole into
memory: tensor payloads are skipped by their length. Only the informational ONNX checker parses the
file with protobuf, and only up to ``CHECKER_MAX``.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.artifacts.scan.onnx_wire import OnnxModel, parse_model
from mlsecure.artifacts.scan.protobuf import ProtobufError, mapped
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
        if blob.path is None and blob.data is None and blob.size > MAX_IN_MEMORY:
            return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                          f"cannot verify: ONNX archive member of {blob.size} bytes is over the "
                          f"{MAX_IN_MEMORY >> 20} MiB read into memory", evidence={"max_bytes": MAX_IN_MEMORY})]
        try:
            with mapped(blob) as buf:
                model = parse_model(buf)
                checker_input = bytes(buf) if len(buf) <= CHECKER_MAX else None
        except (ProtobufError, OSError, ValueError) as exc:
            return [Issue(IssueKind.MALFORMED, Severity.HIGH, f"not a parseable ONNX model: {exc}")]
        folder = blob.path.absolute().parent if blob.path is not None else None
        issues = check_model(model, folder)  # what was read before a limit or bad bytes is judged too
        if model.limit is not None:
            issues.append(Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                                f"cannot verify the rest of the ONNX model: {model.limit}"))
        if model.error is not None:
            issues.append(Issue(IssueKind.MALFORMED, Severity.HIGH, f"malformed ONNX message part-way: {model.error}"))
        if not model.has_graph or not model.opset_domains:
            issues.append(Issue(IssueKind.INVALID_MODEL, Severity.MEDIUM,
                                "no ONNX graph or opset in the file: not verified as a model"))
        if checker_input is None:
            issues.append(Issue(IssueKind.INVALID_MODEL, Severity.INFO,
                                f"the ONNX checker was not run (the file is over {CHECKER_MAX >> 20} MiB)"))
            return issues
        try:
            # Informational only: the checker rejects some models every runtime loads (and resolves
            # external data against the working directory), so it never decides the verdict.
            onnx.checker.check_model(onnx.load_model_from_string(checker_input))
        except Exception as exc:  # onnx.checker.ValidationError, protobuf's DecodeError and C++ errors
            issues.append(Issue(IssueKind.INVALID_MODEL, Severity.INFO,
                                f"the ONNX checker reports: {str(exc).splitlines()[0][:300] if str(exc) else exc!r}"))
        return issues


MAX_IN_MEMORY = 1024**3  # an archive member (not mappable) is read into memory up to this size
CHECKER_MAX = 256 * 1024**2  # the (informational) ONNX checker parses the whole file with protobuf


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
        with mapped(Blob(name=path.name, path=path)) as buf:
            model = parse_model(buf)
    except (ProtobufError, OSError, ValueError):  # not a model: names nothing
        return frozenset()
    found = set()
    for tensor in model.tensors:
        if tensor.external:
            location = normalised(tensor.entries.get("location", ""))
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


def check_model(model: OnnxModel, folder: Path | None) -> list[Issue]:
    """External-data paths and operator domains of a parsed model (its graph, subgraphs and functions)."""
    issues: list[Issue] = []
    local_domains = {domain for domain, _ in model.functions}
    domains = model.opset_domains | {n.domain for n in model.nodes}
    for domain in sorted(domains - STANDARD_DOMAINS - local_domains):
        ops = sorted({n.op_type for n in model.nodes if n.domain == domain})
        issues.append(Issue(IssueKind.CUSTOM_OP, Severity.MEDIUM,
                            f"operators from custom domain {domain!r} need a native custom-op library",
                            evidence={"domain": domain, "ops": ops[:20]}))
    unknown = sorted({(n.domain or "ai.onnx", n.op_type) for n in model.nodes
                      if n.domain in STANDARD_ONNX_DOMAINS and not _registered(n.op_type, n.domain)
                      and (n.domain, n.op_type) not in model.functions})
    if unknown:
        issues.append(Issue(IssueKind.CUSTOM_OP, Severity.MEDIUM,
                            f"operators no ONNX opset defines: {', '.join(op for _, op in unknown[:10])} "
                            "(a runtime needs a custom kernel library for them)",
                            evidence={"ops": [f"{d}::{op}" for d, op in unknown[:20]]}))
    for tensor in model.tensors:
        if not tensor.external:
            continue
        location = tensor.entries.get("location", "")
        try:
            issue = check_external(tensor.name, location, folder)
        except (ValueError, OSError) as exc:  # NUL bytes, over-long names
            issue = Issue(IssueKind.EXTERNAL_DATA, Severity.HIGH, f"unusable external data path: {exc}",
                          evidence={"location": location[:200]})
        if issue is not None:
            issues.append(issue)
    return issues


ORT_MEMORY_TAG = "*/_ORT_MEM_ADDR_/*"  # onnxruntime's marker for external data held in process memory


def check_external(tensor: str, location: str, folder: Path | None) -> Issue | None:
    evidence = {"tensor": tensor, "location": location}
    if location == ORT_MEMORY_TAG:  # the "offset" is then a raw address; onnxruntime 1.32 refuses it in files
        return Issue(IssueKind.EXTERNAL_DATA, Severity.CRITICAL,
                     f"external data of {tensor!r} names onnxruntime's in-memory address marker: a runtime that "
                     "accepts it from a model file reads process memory at the address in 'offset'", evidence=evidence)
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


def _through_symlink(folder: Path, target: Path) -> bool:
    step = target
    while step != folder and folder in step.parents:
        if step.is_symlink():
            return True
        step = step.parent
    return False
