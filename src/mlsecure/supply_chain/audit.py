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

from mlsecure.errors import InputError
from mlsecure.findings import Finding, Location, Severity
from mlsecure.supply_chain.engines import InstalledPackage, Notify, installed_packages, pip_audit
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
                       timeout: float = 600, progress: Notify | None = None) -> AuditResult:
    """Audit a requirements file: vulnerabilities of pinned versions and every policy check.

    Vulnerability data that cannot be reached raises ``SourceUnavailableError`` (nothing was checked);
    ``online=False`` without ``offline_db`` is a SUP-109 finding (not checked, on request)."""
    started = time.perf_counter()
    tell = progress or _quiet
    reqs = parse_requirements(path)
    if not reqs.entries:
        raise InputError(f"{path}: no requirement in the file (empty, or only comments and options): nothing to "
                         "audit; give the requirements or lock file of the project")
    findings = requirement_findings(reqs)
    pinned = [(e.name, e.pinned_version) for e in reqs.entries if e.name and e.pinned_version and e.url is None]
    notes: list[str] = []
    vulns: list[Vulnerability]
    engine: str
    if offline_db is not None:
        db = OsvDatabase(offline_db)
        tell(f"matching {len(pinned)} pinned requirements against the offline OSV database {db.path}")
        vulns, engine = db.query(pinned), f"osv-offline:{db.path}"
        notes.extend(db.notes())
        unpinned = [e.display_name for e in reqs.entries if e.pinned_version is None]
        if unpinned:
            notes.append(f"offline mode checks exact pins only; not checked: {', '.join(unpinned)}")
    elif online:
        all_pinned = all(e.pinned_version is not None and e.url is None for e in reqs.entries)
        tell(f"querying PyPI's vulnerability data with pip-audit for {len(reqs.entries)} requirements")
        vulns, skipped = pip_audit(requirements=Path(path), all_pinned=all_pinned, timeout=timeout, progress=tell)
        engine = "pip-audit"
        findings.extend(_not_audited(skipped, Location(path=str(path))))
    else:
        vulns, engine = [], "none"
        findings.append(not_checked_finding("the vulnerability lookup was turned off (--no-online)",
                                            Location(path=str(path)), severity=Severity.MEDIUM))
    where = _locations(reqs)
    findings.extend(vulnerability_findings(vulns, where=where))
    metrics = {"engine": engine, "requirements": len(reqs.entries), "pinned": len(pinned),
               "hashed": sum(1 for e in reqs.entries if e.hashes), "vulnerabilities": len(vulns),
               "seconds": round(time.perf_counter() - started, 3)}
    return AuditResult(str(path), tuple(findings), metrics, tuple(notes))


def audit_environment(*, offline_db: str | Path | None = None, online: bool = False,
                      timeout: float = 600, progress: Notify | None = None) -> AuditResult:
    """Audit the running interpreter's installed distributions (errors as ``audit_requirements``)."""
    started = time.perf_counter()
    tell = progress or _quiet
    packages = installed_packages()
    findings = environment_findings(packages)
    notes: list[str] = []
    if offline_db is not None:
        db = OsvDatabase(offline_db)
        tell(f"matching {len(packages)} installed packages against the offline OSV database {db.path}")
        vulns, engine = db.query((p.name, p.version) for p in packages), f"osv-offline:{db.path}"
        notes.extend(db.notes())
    elif online:
        tell(f"querying PyPI's vulnerability data with pip-audit for {len(packages)} installed packages")
        vulns, skipped = pip_audit(requirements=None, all_pinned=True, timeout=timeout, progress=tell)
        engine = "pip-audit"
        findings.extend(_not_audited(skipped, Location()))
    else:
        vulns, engine = [], "none"
        findings.append(not_checked_finding("no vulnerability source was given (--offline-db, or online)",
                                            Location(), severity=Severity.MEDIUM))
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


def not_checked_finding(reason: str, location: Location, *, severity: Severity = Severity.HIGH) -> Finding:
    """SUP-109: known vulnerabilities were not looked up at all (not checked is not clean)."""
    return Finding(
        id="SUP-109", title=f"Known vulnerabilities not checked: {reason}",
        severity=severity, owasp=OWASP, atlas=ATLAS_SOFTWARE, location=location,
        evidence={"reason": reason},
        remediation="Audit where PyPI's vulnerability data is reachable, or offline with --offline-db DB "
        "(`mlsecure deps db build --from PyPI-all.zip --output DB`).",
        description="Without vulnerability data the audit covers pins, hashes and names only.",
    )


def _not_audited(skipped: list[str], location: Location) -> list[Finding]:
    """SUP-108: dependencies that PyPI (reachable: see ``pip_audit``) does not know (unknown is not clean)."""
    if not skipped:
        return []
    return [Finding(
        id="SUP-108", title=f"{len(skipped)} dependencies are unknown to PyPI's vulnerability data",
        severity=Severity.HIGH, owasp=OWASP, atlas=ATLAS_SOFTWARE, location=location,
        evidence={"skipped": skipped[:50], "count": len(skipped)},
        remediation="Check these (private or removed) packages against your own advisories, e.g. an offline "
        "OSV database that includes them (--offline-db), or accept them with --fail-on critical.",
        description="PyPI answered for other releases but has no record of these, so nothing is known about "
        "their vulnerabilities; pip-audit reports them as if nothing were found.",
    )]


def _quiet(message: str) -> None:
    del message


def _locations(reqs: RequirementsFile) -> dict[str, Location]:
    return {e.name: Location(path=e.source, member=f"line {e.line}: {e.name}") for e in reqs.entries if e.name}
