"""Scan results as the shared vocabulary: one ``Finding`` per issue (``ART-NNN``), in a ``Report``."""

from __future__ import annotations

from collections.abc import Sequence

from mlsecure.artifacts.scan.engine import ArtifactResult
from mlsecure.artifacts.scan.interface import Issue, IssueKind
from mlsecure.findings import Finding, Location, Report, Severity

CHECK_NAME = "artifact-scan"
UNSAFE = "AML.T0011.000"  # Unsafe AI Artifacts
SUPPLY_CHAIN = "AML.T0010.003"  # AI Supply Chain Compromise: Model
EMBED_MALWARE = "AML.T0018.002"  # Manipulate AI Model: Embed Malware

FINDING_IDS: dict[IssueKind, tuple[str, str]] = {
    IssueKind.DANGEROUS_IMPORT: ("ART-001", "Imports a code-execution callable"),
    IssueKind.RESOLVER_GADGET: ("ART-002", "Imports a resolver gadget (arbitrary attribute/module access)"),
    IssueKind.UNVERIFIED_IMPORT: ("ART-003", "Imports a global outside the allowlist"),
    IssueKind.DYNAMIC_CALL: ("ART-004", "Calls or resolves code computed while loading"),
    IssueKind.NESTED_PICKLE: ("ART-005", "Unpickles embedded bytes (nested pickle)"),
    IssueKind.MALFORMED: ("ART-006", "Cannot be parsed"),
    IssueKind.UNSUPPORTED: ("ART-007", "Format not supported: not verified"),
    IssueKind.RESOURCE_LIMIT: ("ART-008", "Scan stopped at a resource limit"),
    IssueKind.ARCHIVE_PATH: ("ART-009", "Archive path traversal or link"),
    IssueKind.ARCHIVE_BOMB: ("ART-010", "Decompression or expansion bomb (denial of service)"),
    IssueKind.ZIP_TAMPERING: ("ART-011", "Zip structure tampered with"),
    IssueKind.OBJECT_ARRAY: ("ART-012", "NumPy object array (pickle inside)"),
    IssueKind.TENSOR_LAYOUT: ("ART-013", "Invalid safetensors layout"),
    IssueKind.EXTERNAL_DATA: ("ART-014", "ONNX external data outside the model folder"),
    IssueKind.CUSTOM_OP: ("ART-015", "Custom operator domain needs native code"),
    IssueKind.INVALID_MODEL: ("ART-016", "Model rejected by its format checker"),
    IssueKind.EMBEDDED_CODE: ("ART-017", "Carries or imports code outside the weights (config, metadata, executable)"),
    IssueKind.DANGEROUS_OP: ("ART-018", "Graph uses file-system or Python operators"),
    IssueKind.TEMPLATE_INJECTION: ("ART-019", "Chat template reaches Python internals"),
    IssueKind.CODE_FORMAT: ("ART-020", "Serialization format summary"),
}
CODE_KINDS = frozenset({IssueKind.DANGEROUS_IMPORT, IssueKind.RESOLVER_GADGET, IssueKind.DYNAMIC_CALL,
                        IssueKind.NESTED_PICKLE, IssueKind.EMBEDDED_CODE, IssueKind.DANGEROUS_OP,
                        IssueKind.TEMPLATE_INJECTION})
REMEDIATION = {
    "code": "Do not load this file. Obtain the model from its original publisher, verify its signature or "
            "hash, or re-export the weights to safetensors/ONNX from a trusted environment.",
    "unverified": "Review the imported globals; if they are your own trusted classes, load the file in an "
                  "isolated environment and re-save the weights as safetensors (`mlsecure artifact convert`).",
    "parse": "Treat the file as untrusted: the scanner could not verify it. Re-download it, or convert it to a "
             "format that cannot carry code.",
}


def to_findings(result: ArtifactResult, *, min_severity: Severity = Severity.LOW) -> list[Finding]:
    """Findings for one artifact's issues at or above ``min_severity`` (info issues become metrics)."""
    return [_finding(result, issue) for issue in result.issues if issue.severity >= min_severity]


def build_report(results: Sequence[ArtifactResult], *, target: str, tool_version: str) -> Report:
    report = Report(target=target, tool_version=tool_version)
    for result in results:
        report.extend(to_findings(result))
    report.metrics[CHECK_NAME] = {
        "artifacts": len(results),
        "malicious": sum(r.verdict.value == "malicious" for r in results),
        "suspicious": sum(r.verdict.value == "suspicious" for r in results),
        "safe": sum(r.verdict.value == "safe" for r in results),
        "bytes": sum(r.size for r in results),
        "seconds": round(sum(r.seconds for r in results), 4),
        "verdicts": {r.path: {"format": r.format.value, "verdict": r.verdict.value,
                              "max_severity": r.max_severity.value} for r in results},
    }
    report.checks_run.append(CHECK_NAME)
    return report


def _finding(result: ArtifactResult, issue: Issue) -> Finding:
    fid, title = FINDING_IDS[issue.kind]
    code = issue.kind in CODE_KINDS and issue.severity >= Severity.HIGH
    atlas = (UNSAFE, SUPPLY_CHAIN, EMBED_MALWARE) if code else (UNSAFE, SUPPLY_CHAIN)
    if code:
        remediation = REMEDIATION["code"]
    elif issue.kind in (IssueKind.UNVERIFIED_IMPORT, IssueKind.OBJECT_ARRAY):
        remediation = REMEDIATION["unverified"]
    else:
        remediation = REMEDIATION["parse"]
    evidence = {"verdict": issue.verdict.value, "format": result.format.value, **issue.evidence}
    reason = issue.evidence.get("reason")
    return Finding(
        id=fid,
        title=f"{issue.title[:1].upper()}{issue.title[1:]}",
        severity=issue.severity,
        owasp="ML06",
        atlas=atlas,
        location=Location(path=result.path, member=issue.member, offset=issue.offset),
        evidence=evidence,
        remediation=remediation,
        check=CHECK_NAME,
        description=f"{title}. {result.path} ({result.format.value}) scanned {result.verdict.value}"
                    + (f": {reason}." if reason else "."),
    )
