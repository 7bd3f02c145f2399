"""Where known-vulnerability data comes from: pip-audit online, or a local OSV export offline.

pip-audit is run as a subprocess (``python -m pip_audit -f json``), its documented interface; its
Python API is internal. It needs the network (PyPI's vulnerability data, and pip to resolve unpinned
requirements). The offline engine is ``osv.OsvDatabase``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from mlsecure.errors import CheckError, require
from mlsecure.findings import Severity
from mlsecure.supply_chain.osv import Vulnerability


@dataclass(frozen=True)
class InstalledPackage:
    """A distribution in the running environment, and where it was installed from (PEP 610)."""

    name: str
    version: str
    direct_url: str | None = None
    editable: bool = False
    vcs_commit: str | None = None
    archive_hash: str | None = None


def installed_packages() -> list[InstalledPackage]:
    """Every distribution visible to this interpreter (``importlib.metadata``; no subprocess)."""
    seen: dict[str, InstalledPackage] = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        canonical = canonicalize_name(name)
        if canonical in seen:
            continue  # the first on sys.path wins, as at import time
        seen[canonical] = _with_origin(canonical, dist.version, dist.read_text("direct_url.json"))
    return sorted(seen.values(), key=lambda p: p.name)


def _with_origin(name: str, version: str, direct_url: str | None) -> InstalledPackage:
    if not direct_url:
        return InstalledPackage(name, version)
    try:
        data = json.loads(direct_url)
    except json.JSONDecodeError:
        return InstalledPackage(name, version)
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str):
        return InstalledPackage(name, version)
    dir_info = data.get("dir_info") or {}
    vcs = data.get("vcs_info") or {}
    archive = data.get("archive_info") or {}
    return InstalledPackage(name, version, url, editable=bool(dir_info.get("editable")),
                            vcs_commit=vcs.get("commit_id"), archive_hash=archive.get("hash") or
                            next(iter((archive.get("hashes") or {}).items()), (None, None))[1])


def pip_audit(*, requirements: Path | None, all_pinned: bool,
              timeout: float = 600) -> tuple[list[Vulnerability], list[str]]:
    """Run pip-audit on a requirements file (or, with None, on this interpreter's environment).

    Returns the vulnerabilities and the "name: reason" of every dependency pip-audit skipped (it prints
    "No known vulnerabilities found" even when it could look nothing up).
    """
    require("pip_audit", "supply")
    cmd = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    if requirements is not None:
        cmd += ["--requirement", str(requirements)]
        if all_pinned:
            cmd += ["--no-deps", "--disable-pip"]  # nothing to resolve: skip pip's temporary venv
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise CheckError(f"pip-audit did not finish in {timeout:.0f} s; use --offline-db for an offline "
                         "audit") from None
    if proc.returncode not in (0, 1):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise CheckError(f"pip-audit failed ({last}); offline? use --offline-db with an OSV export")
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise CheckError("pip-audit did not print JSON") from None
    return parse_pip_audit(report), skipped_by_pip_audit(report)


def skipped_by_pip_audit(report: Any) -> list[str]:
    """``name: reason`` for each dependency pip-audit could not audit."""
    deps = report.get("dependencies", []) if isinstance(report, dict) else []
    return [f"{d.get('name')}: {d['skip_reason']}" for d in deps if isinstance(d, dict) and d.get("skip_reason")]


def parse_pip_audit(report: Any) -> list[Vulnerability]:
    """Vulnerabilities from pip-audit's JSON (``{"dependencies": [{"name", "version", "vulns": [...]}]}``)."""
    deps = report.get("dependencies", []) if isinstance(report, dict) else report
    out: list[Vulnerability] = []
    for dep in deps if isinstance(deps, list) else []:
        if not isinstance(dep, dict):
            continue
        out.extend(
            Vulnerability(
                id=str(vuln.get("id")), package=canonicalize_name(str(dep.get("name"))),
                version=str(dep.get("version")), aliases=tuple(vuln.get("aliases") or ()),
                summary=str(vuln.get("description") or "")[:300], fix_versions=tuple(vuln.get("fix_versions") or ()),
                severity=Severity.HIGH,  # pip-audit's PyPI service carries no severity
            )
            for vuln in dep.get("vulns") or ()
        )
    return out
