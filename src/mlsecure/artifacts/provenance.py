"""Model provenance (guide section 12.2) and the scan verdict that travels with a signature.

``ModelProvenance`` carries the guide's fields; ``scan_verdict`` runs the model-file scanner
(``mlsecure.artifacts.scan``) over the artifact when that package is installed and otherwise records
"not-scanned" with the reason, so ``verify --require-clean-scan`` refuses rather than guesses.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from mlsecure import __version__
from mlsecure.errors import InputError, MLSecureError
from mlsecure.strict_json import read_json_object

PROVENANCE_PREDICATE = "https://mlsecure.dev/ModelProvenance/v1"
ScanStatus = Literal["clean", "unsafe", "not-scanned"]


@dataclass(frozen=True)
class ModelProvenance:
    """Where a model came from: the guide's ``ModelProvenance`` fields, all JSON values."""

    model_name: str
    model_version: str = ""
    model_hash: str = ""
    framework: str = ""
    training_data_hash: str = ""
    training_data_uri: str = ""
    code_commit: str = ""
    code_repo: str = ""
    training_started: str = ""
    training_completed: str = ""
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()
    environment: Mapping[str, Any] = field(default_factory=dict)
    author: str = ""
    approvals: tuple[Mapping[str, Any], ...] = ()
    notes: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["dependencies"] = list(self.dependencies)
        out["approvals"] = [dict(a) for a in self.approvals]
        out["hyperparameters"] = dict(self.hyperparameters)
        out["metrics"] = dict(self.metrics)
        out["environment"] = dict(self.environment)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def manifest_hash(self) -> str:
        """SHA-256 of the sorted-key JSON (the guide's ``compute_manifest_hash``)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "provenance") -> ModelProvenance:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"{source}: unknown provenance field(s) {', '.join(unknown)}; "
                             f"expected some of {', '.join(sorted(known))}")
        if not isinstance(data.get("model_name"), str) or not data["model_name"]:
            raise InputError(f"{source}: 'model_name' is required and must be a non-empty string")
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name in ("hyperparameters", "metrics", "environment"):
                _expect(isinstance(value, Mapping), source, f.name, "an object")
                kwargs[f.name] = dict(value)
            elif f.name == "dependencies":
                _expect(isinstance(value, list) and all(isinstance(v, str) for v in value), source, f.name,
                        "a list of strings")
                kwargs[f.name] = tuple(value)
            elif f.name == "approvals":
                _expect(isinstance(value, list) and all(isinstance(v, Mapping) for v in value), source, f.name,
                        "a list of objects")
                kwargs[f.name] = tuple(dict(v) for v in value)
            else:
                _expect(isinstance(value, str), source, f.name, "a string")
                kwargs[f.name] = value
        return cls(**kwargs)


def load_provenance(path: str | Path) -> ModelProvenance:
    """Read a provenance JSON file (the guide's ``ModelProvenance.to_json`` output)."""
    data = read_json_object(path, what="provenance")  # strict and bounded: a regular file, depth, no NaN
    return ModelProvenance.from_dict(data, source=str(path))


def _expect(ok: bool, source: str, name: str, what: str) -> None:
    if not ok:
        raise InputError(f"{source}: provenance field {name!r} must be {what}")


@dataclass(frozen=True)
class ScanVerdict:
    """What the artifact scanner said about the model's files when it was signed."""

    status: ScanStatus
    scanner: str
    scanner_version: str
    files_scanned: int = 0
    issues: tuple[str, ...] = ()  # "path: title" for each issue above low
    note: str = ""

    @property
    def clean(self) -> bool:
        return self.status == "clean"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "scanner": self.scanner, "scanner_version": self.scanner_version,
                "files_scanned": self.files_scanned, "issues": list(self.issues), "note": self.note}

    @classmethod
    def from_dict(cls, data: Any) -> ScanVerdict:
        if not isinstance(data, Mapping) or data.get("status") not in ("clean", "unsafe", "not-scanned"):
            return cls("not-scanned", "", "", note="no scan verdict recorded")
        return cls(status=data["status"], scanner=str(data.get("scanner", "")),
                   scanner_version=str(data.get("scanner_version", "")),
                   files_scanned=int(data.get("files_scanned", 0)),
                   issues=tuple(str(i) for i in data.get("issues", ())), note=str(data.get("note", "")))


def scan_verdict(files: Iterable[tuple[str, Path]]) -> ScanVerdict:
    """Scan ``(name, path)`` files with ``mlsecure.artifacts.scan``; "not-scanned" (and why) without it."""
    files = list(files)
    try:
        scan_module: Any = importlib.import_module("mlsecure.artifacts.scan")
    except ImportError:
        scan_module = None
    verdict = _full_scan(scan_module, files) if scan_module is not None else None
    if verdict is None:
        return ScanVerdict("not-scanned", "", "", files_scanned=0,
                           note="the artifact scanner (mlsecure.artifacts.scan) is not available in this "
                                "installation: the signature records no scan verdict")
    return verdict


def _full_scan(module: Any, files: list[tuple[str, Path]]) -> ScanVerdict | None:
    """Run ``mlsecure.artifacts.scan.scan_file`` on each file; None when that entry point is missing."""
    scan_file = getattr(module, "scan_file", None)
    if not callable(scan_file):
        return None
    issues: list[str] = []
    for name, path in files:
        try:
            result = scan_file(path)
        except MLSecureError as exc:
            issues.append(f"{name}: scan failed: {exc}")
            continue
        verdict = str(getattr(result.verdict, "value", result.verdict))
        if verdict == "safe":
            continue
        titles = [str(i.title) for i in result.issues if str(getattr(i.verdict, "value", i.verdict)) != "safe"]
        issues.extend(f"{name}: {verdict}: {title}" for title in titles or [f"verdict {verdict}"])
    return ScanVerdict("unsafe" if issues else "clean", "mlsecure.artifacts.scan", __version__,
                       files_scanned=len(files), issues=tuple(issues))


def provenance_predicate(provenance: ModelProvenance | None, scan: ScanVerdict, *, signed_at: str) -> dict[str, Any]:
    """The predicate of the provenance statement: the record, the scan verdict, the signing tool."""
    return {
        "provenance": provenance.to_dict() if provenance is not None else None,
        "scan": scan.to_dict(),
        "signer": {"tool": "mlsecure", "version": __version__, "signed_at": signed_at},
    }
