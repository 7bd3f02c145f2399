"""Supply-chain checks on the model file itself (OWASP ML06)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mlsecure.artifacts.formats import PICKLE_BASED, ArtifactFormat, detect_format
from mlsecure.check import Check, CheckResult, Requirement, ScanContext
from mlsecure.findings import Finding, Location, Severity

if TYPE_CHECKING:
    from mlsecure.artifacts.scan.engine import ArtifactResult


class SerializationCheck(Check):
    """Flags model files whose format can carry code (pickle), whatever their extension."""

    name = "serialization"
    title = "Model serialization format"
    group = "supply-chain"
    owasp = ("ML06",)
    atlas = ("AML.T0010.003", "AML.T0011.000")
    requires = frozenset({Requirement.MODEL_FILE})

    def run(self, ctx: ScanContext) -> CheckResult:
        root = ctx.need_model_path()
        # a model folder (Hugging Face) is judged file by file: one pickle-based member is enough to load code
        paths = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        formats = {path: detect_format(path) for path in paths}
        pickled = {path: fmt for path, fmt in formats.items() if fmt in PICKLE_BASED}
        metrics: dict[str, object] = {"format": "folder" if root.is_dir() else formats[root].value,
                                      "pickle_based": bool(pickled)}
        if root.is_dir():
            metrics["formats"] = sorted({f.value for f in formats.values()})
        return CheckResult(tuple(self._finding(path, fmt) for path, fmt in pickled.items()), metrics)

    def _finding(self, path: Path, fmt: ArtifactFormat) -> Finding:
        torchscript = fmt is ArtifactFormat.TORCHSCRIPT
        return Finding(
            id="SUP-001",
            title=f"Model is stored in a pickle-based format ({fmt.value})",
            # TorchScript's pickles are read by torch's C++ unpickler, which resolves only torch types;
            # full pickles (torch.save of objects, sklearn/joblib dumps) can run any code on load.
            severity=Severity.LOW if torchscript else Severity.MEDIUM,
            owasp="ML06",
            atlas=self.atlas,
            location=Location(path=str(path)),
            evidence={"format": fmt.value},
            remediation="Convert the weights to safetensors or export the model to ONNX; pickle can run "
            "arbitrary code when loaded (`mlsecure artifact convert MODEL --to safetensors`).",
            description="Pickle-based model files execute code on load; anyone who can replace the file "
            "can run code on every machine that loads it.",
        )


class ArtifactScanCheck(Check):
    """Runs the full artifact scanner on the model file: code hidden in pickles, archives, configs."""

    name = "artifact-scan"
    title = "Model artifact scan (code execution in the model file)"
    group = "supply-chain"
    owasp = ("ML06",)
    atlas = ("AML.T0011.000", "AML.T0010.003", "AML.T0018.002")
    requires = frozenset({Requirement.MODEL_FILE})

    def run(self, ctx: ScanContext) -> CheckResult:
        from mlsecure.artifacts.scan import scan_path, to_findings

        path = ctx.need_model_path()
        ctx.progress("artifact scan", 0.0)
        results = [_under_trust(r, ctx.trusted_modules) for r in scan_path(path)]
        ctx.progress("artifact scan", 1.0)
        findings = tuple(f for r in results for f in to_findings(r))
        metrics = {
            "artifacts": len(results),
            "verdict": max((r.verdict for r in results), key=lambda v: v.rank).value if results else "safe",
            "formats": sorted({r.format.value for r in results}),
            "seconds": round(sum(r.seconds for r in results), 4),
        }
        return CheckResult(findings, metrics)


def _under_trust(result: ArtifactResult, trusted: tuple[str, ...]) -> ArtifactResult:
    """``result`` with each issue that ``--trust-module`` lifts kept at ``medium``, saying so: the user vouched for
    that module's classes, which the loader constructs (high only because it calls them); every other issue, and the
    record of the trust itself (SUP-002), stand."""
    from mlsecure.artifacts.gate import waived_by_trust

    if not trusted:
        return result
    issues = tuple(
        replace(i, severity=Severity.MEDIUM, title=f"{i.title} (its module is trusted with --trust-module)")
        if i.severity > Severity.MEDIUM and waived_by_trust(i, trusted) else i
        for i in result.issues)
    return replace(result, issues=issues)


CHECKS: tuple[type[Check], ...] = (SerializationCheck, ArtifactScanCheck)
