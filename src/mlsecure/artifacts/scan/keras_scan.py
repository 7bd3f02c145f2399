"""Keras models without TensorFlow: ``.keras`` zips (config.json) and legacy ``.h5`` files.

A ``Lambda`` layer stores marshalled Python bytecode (or a function name) that Keras runs when it
rebuilds the model (CVE-2024-3660 and the ``safe_mode`` bypasses after it); layers and custom
objects naming a ``module``/``function`` outside Keras import arbitrary code. The ``.h5`` model
config is a JSON attribute; it is located in the file's bytes, so h5py is not needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.archive_scan import scan_zip
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.artifacts.scan.policy import classify
from mlsecure.findings import Severity

KERAS_MODULE_PREFIXES = ("keras", "tensorflow.keras", "tf_keras", "keras_nlp", "keras_hub", "keras_cv")
CODE_LAYERS = frozenset({"Lambda", "__lambda__", "TFOpLambda", "SlicingOpLambda"})


class KerasScanner(Scanner):
    name = "keras"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.KERAS_ZIP, ArtifactFormat.HDF5})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        if blob.head(4) == b"\x89HDF":
            return scan_h5(blob)
        return scan_zip(blob, session)


def scan_h5(blob: Blob) -> list[Issue]:
    data = blob.read_all()
    issues: list[Issue] = []
    configs = 0
    decoder = json.JSONDecoder()
    start = data.find(b'{"class_name"')
    while start >= 0:
        end = data.find(b"\x00", start)
        chunk = data[start : end if end > 0 else len(data)].decode("utf-8", errors="replace")
        try:
            config, _ = decoder.raw_decode(chunk)
        except ValueError:
            config = None
        if isinstance(config, dict):
            configs += 1
            issues.extend(scan_config(config))
        start = data.find(b'{"class_name"', start + 1 if config is None else start + len(chunk))
    if configs == 0:
        issues.append(Issue(IssueKind.CODE_FORMAT, Severity.INFO, "HDF5 file without a Keras model config"))
    return issues


def scan_config(config: Any, where: str = "config") -> list[Issue]:
    """Walk a Keras model config and report layers or objects that carry or import code."""
    issues: list[Issue] = []
    for path, node in _objects(config, where):
        class_name = node.get("class_name")
        raw_inner = node.get("config")
        inner: dict[str, Any] = raw_inner if isinstance(raw_inner, dict) else {}
        if class_name in CODE_LAYERS:
            payload = inner.get("function") or inner.get("code") or inner.get("value")
            issues.append(Issue(IssueKind.EMBEDDED_CODE, Severity.CRITICAL,
                                f"{class_name} layer at {path} carries Python code run on load",
                                evidence={"layer": str(inner.get("name", path)), "class_name": class_name,
                                          "function": str(payload)[:200]}))
        module = node.get("module")
        if isinstance(module, str) and not module.startswith(KERAS_MODULE_PREFIXES):
            name = str(node.get("registered_name") or class_name or "")
            name = name.split(">")[-1] if name else "?"
            judgement = classify(module, name if name.isidentifier() else "unknown")
            issues.append(Issue(judgement.kind if judgement.severity >= Severity.HIGH else IssueKind.EMBEDDED_CODE,
                                max(judgement.severity, Severity.MEDIUM),
                                f"object at {path} imports {module}.{name}: {judgement.reason}",
                                evidence={"module": module, "name": name}))
    return issues


def _objects(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        if "class_name" in value or "module" in value:
            yield path, value
        for key, child in value.items():
            yield from _objects(child, f"{path}.{key}")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _objects(child, f"{path}[{i}]")
