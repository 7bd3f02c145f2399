"""Dependency audit (guide sections 12.1 and 17): known vulnerabilities plus our own policy checks, for a
requirements file or for the running environment.

Vulnerability data: a local OSV export when ``offline_db`` is given (air-gapped, reproducible),
otherwise pip-audit online when ``online`` is true, otherwise none (and the result says so).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from mlsecure.findings import Finding, Location, Severity
from mlsecure.supply_chain.engines import InstalledPackage, installed_packages, pip_audit
from mlsecure.supply_chain.osv import OsvDatabase, Vulnerability
from mlsecure.supply_chain.policy import (
    ATLAS_SOFTWARE,
    OWASP,
    requirement_findings,
    typosquat_finding,
    vulnerability_findings,
)
from mlsecure.supply_chain.requirements import RequirementsFile, parse_requirements
from mlsecure.supply_chain.typosquat import check_name


@dataclass(frozen=True)
class AuditResult:
    """Findings of one audit, what it looked at, and what it could not check."""

    target: str
    findings: tuple[Finding, ...]
    metrics: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def audit_requirements(path: str | Path, *, offline_db: str | Path | None = None, online: bool = True,
                       timeout: float = 600) -> AuditResult:
    """Audit a requirements file: vulnerabilities of pinned versions and every policy check."""
    started = time.perf_counter()
    reqs = parse_requirements(path)
    findings = requirement_findings(reqs)
    pinned = [(e.name, e.pinned_version) for e in reqs.entries if e.name and e.pinned_version and e.url is None]
    notes: list[str] = []
    vulns: list[Vulnerability]
    engine: str
    if offline_db is not None:
        db = OsvDatabase(offline_db)
        vulns, engine = db.query(pinned), f"osv-offline:{db.path}"
        unpinned = [e.display_name for e in reqs.entries if e.pinned_version is None]
        if unpinned:
            notes.append(f"offline mode checks exact pins only; not checked: {', '.join(unpinned)}")
    elif online:
        all_pinned = all(e.pinned_version is not None and e.url is None for e in reqs.entries)
        vulns, skipped = pip_audit(requirements=Path(path), all_pinned=all_pinned, timeout=timeout)
        engine = "pip-audit"
        findings.extend(_not_audited(skipped, Location(path=str(path))))
    else:
        vulns, engine = [], "none"
        notes.append("no vulnerability data: pass an OSV export (--offline-db) or allow pip-audit online")
    where = _locations(reqs)
    findings.extend(vulnerability_findings(vulns, where=where))
    metrics = {"engine": engine, "requirements": len(reqs.entries), "pinned": len(pinned),
               "hashed": sum(1 for e in reqs.entries if e.hashes), "vulnerabilities": len(vulns),
               "seconds": round(time.perf_counter() - started, 3)}
    return AuditResult(str(path), tuple(findings), metrics, tuple(notes))


def audit_environment(*, offline_db: str | Path | None = None, online: bool = False,
                      timeout: float = 600) -> AuditResult:
    """Audit the running interpreter's installed distributions."""
    started = time.perf_counter()
    packages = installed_packages()
    findings = environment_findings(packages)
    notes: list[str] = []
    if offline_db is not None:
        db = OsvDatabase(offline_db)
        vulns, engine = db.query((p.name, p.version) for p in packages), f"osv-offline:{db.path}"
    elif online:
        vulns, skipped = pip_audit(requirements=None, all_pinned=True, timeout=timeout)
        engine = "pip-audit"
        findings.extend(_not_audited(skipped, Location()))
    else:
        vulns, engine = [], "none"
        notes.append("no vulnerability data: pass an OSV export (--offline-db) or use pip-audit online")
    findings.extend(vulnerability_findings(vulns))
    metrics = {"engine": engine, "packages": len(packages), "vulnerabilities": len(vulns),
               "seconds": round(time.perf_counter() - started, 3)}
    return AuditResult("python environment", tuple(findings), metrics, tuple(notes))


def environment_findings(packages: list[InstalledPackage]) -> list[Finding]:
    """Look-alike names and installs from remote URLs among installed distributions (PEP 610 records)."""
    out: list[Finding] = []
    for pkg in packages:
        squat = check_name(pkg.name)
        if squat is not None:
            out.append(typosquat_finding(pkg.name, squat.target, squat.kind, squat.distance,
                                         Location(member=f"{pkg.name} {pkg.version}")))
        if pkg.direct_url is None or urlparse(pkg.direct_url).scheme in ("file", ""):
            continue  # from the index, or a local checkout (an editable install of your own code)
        pinned = pkg.vcs_commit is not None or pkg.archive_hash is not None
        out.append(Finding(
            id="SUP-105", title=f"{pkg.name} {pkg.version} was installed from {pkg.direct_url}",
            severity=Severity.LOW if pinned else Severity.MEDIUM, owasp=OWASP, atlas=ATLAS_SOFTWARE,
            location=Location(member=f"{pkg.name} {pkg.version}"),
            evidence={"url": pkg.direct_url, "commit": pkg.vcs_commit, "archive_hash": pkg.archive_hash},
            remediation="Install from your package index with a pinned version and --hash.",
            description="Packages installed from a URL bypass the index's pins and vulnerability data.",
        ))
    return out


def _not_audited(skipped: list[str], location: Location) -> list[Finding]:
    """SUP-108: dependencies the vulnerability engine could not look up (unknown is not clean)."""
    if not skipped:
        return []
    return [Finding(
        id="SUP-108", title=f"{len(skipped)} dependencies could not be checked for known vulnerabilities",
        severity=Severity.LOW, owasp=OWASP, atlas=ATLAS_SOFTWARE, location=location,
        evidence={"skipped": skipped[:50], "count": len(skipped)},
        remediation="Run the audit where PyPI's vulnerability data is reachable, or offline with an OSV export "
        "(--offline-db PyPI/all.zip from osv-vulnerabilities.storage.googleapis.com).",
        description="pip-audit reports skipped dependencies as if nothing were found.",
    )]


def _locations(reqs: RequirementsFile) -> dict[str, Location]:
    return {e.name: Location(path=e.source, member=f"line {e.line}: {e.name}") for e in reqs.entries if e.name}
