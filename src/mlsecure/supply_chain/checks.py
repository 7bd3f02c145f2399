"""``mlsecure scan --scan supply-chain`` checks: the dependency audit and the optional external scanners.

Options (``--option key=value``): ``requirements`` (a requirements file; without one the running
environment is audited), ``offline_db`` (an OSV export directory or zip), ``online`` (``true``/``false``:
use pip-audit when no offline database is given; default true for a requirements file, false for the
environment), ``source`` (a directory for trivy / gitleaks / checkov), and for the signature check
``signature`` (a bundle from ``mlsecure artifact sign``), ``pub`` (the signer's public key),
``signed_path`` (what was signed, when not the ``--model`` file itself) and ``require_clean_scan``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlsecure.check import Check, CheckResult, Inapplicable, Requirement, ScanContext, opt
from mlsecure.errors import SourceUnavailableError
from mlsecure.findings import Finding, Location, Severity
from mlsecure.supply_chain.external import TOOLS, available_tools, run_external

if TYPE_CHECKING:
    from mlsecure.supply_chain.audit import AuditResult


class DependencyAuditCheck(Check):
    """Known-vulnerable, unpinned, unhashed, look-alike and URL-installed dependencies."""

    name = "dependency-audit"
    title = "Python dependency audit"
    group = "supply-chain"
    owasp = ("ML06",)
    atlas = ("AML.T0010", "AML.T0010.001", "AML.T0011.001")

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        requirements: Path | None = opt(None, "requirements or lock file to audit (default: the installed environment)")
        offline_db: Path | None = opt(None, "offline vulnerability database")
        online: bool | None = opt(None, "query the online advisory database")

    def run(self, ctx: ScanContext) -> CheckResult:
        from mlsecure.supply_chain.audit import audit_environment, audit_requirements  # packaging: lazily

        requirements = ctx.option("requirements", None)
        offline_db = ctx.option("offline_db", None)
        online = ctx.bool_option("online", requirements is not None)
        ctx.progress("dependency audit", 0.0)
        try:
            if requirements is not None:
                result = audit_requirements(Path(str(requirements)), offline_db=offline_db, online=online)
            else:
                result = audit_environment(offline_db=offline_db, online=online)
        except SourceUnavailableError as exc:
            if offline_db is not None or not online:
                raise
            # the vulnerability data could not be reached: keep our own checks, and fail on what is missing
            result = _without_vulnerabilities(requirements, str(exc))
        ctx.progress("dependency audit", 1.0)
        if ctx.option("online", None) is None:
            # nobody turned the lookup off: vulnerabilities not checked by default is a failing finding (high),
            # as when the lookup fails; --option online=false keeps it medium (not checked, on request)
            result = _unchecked_fails(result)
        metrics = dict(result.metrics)
        metrics["target"] = result.target
        if result.notes:
            metrics["notes"] = list(result.notes)
        return CheckResult(result.findings, metrics)


class ExternalScannersCheck(Check):
    """trivy, gitleaks and checkov on a source directory, when they are installed."""

    name = "external-scanners"
    title = "trivy / gitleaks / checkov"
    group = "supply-chain"
    owasp = ("ML06",)
    atlas = ("AML.T0010", "AML.T0055")

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        source: Path | None = opt(None, "source tree the external scanners read")

    def applicable(self, ctx: ScanContext) -> str | None:
        if not any(available_tools().values()):
            return Inapplicable(f"none of {', '.join(TOOLS)} is on PATH")
        if ctx.option("source", None) is None:
            return Inapplicable("give --option source=DIR to run "
                                + ", ".join(t for t, p in available_tools().items() if p))
        return None

    def run(self, ctx: ScanContext) -> CheckResult:
        runs = run_external(Path(str(ctx.option("source", "."))))
        findings = tuple(f for r in runs for f in r.findings)
        metrics = {r.tool: ("ran" if r.ran else r.note) for r in runs}
        return CheckResult(findings, metrics)


class SignatureCheck(Check):
    """The model's files match a signature made with the expected key (SIG-001 when they do not)."""

    name = "signature"
    title = "Model signature"
    group = "supply-chain"
    owasp = ("ML06",)
    atlas = ("AML.T0010.003", "AML.T0018")
    requires = frozenset({Requirement.MODEL_FILE})

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        signature: Path | None = opt(None, "signature file of the model")
        pub: str | None = opt(None, "public key (file or PEM) that verifies the signature")
        signed_path: Path | None = opt(None, "the signed file (default: the model file)")
        require_clean_scan: bool | None = opt(None, "also require the signed file to scan clean")

    def applicable(self, ctx: ScanContext) -> str | None:
        if ctx.option("signature", None) is None or ctx.option("pub", None) is None:
            return Inapplicable("give --option signature=MODEL.sig.json --option pub=KEY.pub to verify the model's "
                                "signature")
        return None

    def run(self, ctx: ScanContext) -> CheckResult:
        from mlsecure.artifacts.signing import load_public_key, read_signature, verify_model

        target = Path(str(ctx.option("signed_path", ctx.need_model_path())))
        signature = Path(str(ctx.option("signature", "")))
        result = verify_model(target, read_signature(signature), load_public_key(str(ctx.option("pub", ""))),
                              require_clean_scan=ctx.bool_option("require_clean_scan", False),
                              signature_path=signature, progress=ctx.progress)
        metrics = {"valid": result.valid, "files": result.files, "bytes": result.total_bytes,
                   "subject_sha256": result.root_digest, "key_algorithm": result.key_algorithm}
        if result.valid:
            return CheckResult((), metrics)
        finding = Finding(
            id="SIG-001", title=f"{target} does not match its signature ({len(result.problems)} problem(s))",
            severity=Severity.CRITICAL, owasp="ML06", atlas=self.atlas, location=Location(path=str(target)),
            evidence={"problems": [{"kind": p.kind, "path": p.path, "message": p.message} for p in result.problems],
                      "signature": str(signature)},
            remediation="Do not load this model: restore it from a trusted source and verify again "
            "(`mlsecure artifact verify`); re-sign only after reviewing every change listed.",
            description="The model's files were modified, added, removed or renamed after signing, or the "
            "signature is not from the expected key.",
        )
        return CheckResult((finding,), metrics)


def _unchecked_fails(result: AuditResult) -> AuditResult:
    from dataclasses import replace

    findings = tuple(replace(f, severity=Severity.HIGH, title=f"{f.title}; pass --option online=true, --option "
                             "offline_db=DB, or --option online=false to accept it")
                     if f.id == "SUP-109" and f.severity < Severity.HIGH else f for f in result.findings)
    return replace(result, findings=findings)


def _without_vulnerabilities(requirements: Any, reason: str) -> AuditResult:
    """Our own checks, and SUP-109 (high: fails by default) for the vulnerability lookup that failed."""
    from mlsecure.supply_chain.audit import AuditResult, audit_environment, audit_requirements, not_checked_finding

    base = (audit_requirements(Path(str(requirements)), online=False) if requirements is not None
            else audit_environment(online=False))
    where = Location(path=str(requirements)) if requirements is not None else Location()
    findings = [f for f in base.findings if f.id != "SUP-109"]
    findings.append(not_checked_finding(f"the vulnerability lookup failed: {reason}", where))
    return AuditResult(base.target, tuple(findings), {**base.metrics, "engine": "none"},
                       (f"vulnerability lookup failed: {reason}", *base.notes))


CHECKS: tuple[type[Check], ...] = (DependencyAuditCheck, SignatureCheck, ExternalScannersCheck)
