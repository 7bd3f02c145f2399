"""Where known-vulnerability data comes from: pip-audit online, or a local OSV export offline.

pip-audit is run as a subprocess (``python -m pip_audit -f json``), its documented interface; its
Python API is internal. It needs the network (PyPI's vulnerability data, and pip to resolve unpinned
requirements). The offline engine is ``osv.OsvDatabase``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from mlsecure.errors import SourceUnavailableError, require
from mlsecure.findings import Severity
from mlsecure.supply_chain.osv import Vulnerability

Notify = Callable[[str], None]
"""Receives a plain progress line (the CLI prints it on stderr)."""


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


def pip_audit(*, requirements: Path | None, all_pinned: bool, timeout: float = 600,
              progress: Notify | None = None) -> tuple[list[Vulnerability], list[str]]:
    """Run pip-audit on a requirements file (or, with None, on this interpreter's environment).

    Returns the vulnerabilities and the "name: reason" of every dependency pip-audit skipped. pip-audit
    calls a dependency "not found on PyPI" whenever PyPI's JSON API answers 404, which a proxy that only
    passes the package index also does: so when anything was skipped, a release that certainly exists
    is looked up too (``probe_vulnerability_service``), and if that fails as well nothing was checked
    and ``SourceUnavailableError`` says so. ``progress`` gets a line every ``HEARTBEAT_S`` seconds.
    """
    require("pip_audit", "supply")
    cmd = [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"]
    if requirements is not None:
        cmd += ["--requirement", str(requirements)]
        if all_pinned:
            cmd += ["--no-deps", "--disable-pip"]  # nothing to resolve: skip pip's temporary venv
    returncode, stdout, stderr = _run_with_heartbeat(cmd, timeout=timeout, progress=progress)
    if returncode not in (0, 1):
        raise SourceUnavailableError(f"pip-audit failed ({_last_line(stderr)}); {HOW_TO_FIX}")
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        raise SourceUnavailableError(f"pip-audit could not query the vulnerability data ({_last_line(stderr)}); "
                                     f"{HOW_TO_FIX}") from None
    skipped = skipped_by_pip_audit(report)
    if skipped:
        if progress is not None:
            progress(f"{len(skipped)} dependencies skipped by pip-audit; checking that PyPI's vulnerability data "
                     "is reachable")
        reason = probe_vulnerability_service(timeout=min(timeout, 20.0))
        if reason is not None:
            names = ", ".join(s.split(":", 1)[0] for s in skipped[:5]) + (" ..." if len(skipped) > 5 else "")
            raise SourceUnavailableError(f"known vulnerabilities not checked for {len(skipped)} dependencies "
                                         f"({names}): PyPI's vulnerability data is unreachable ({reason}); "
                                         f"{HOW_TO_FIX}")
    return parse_pip_audit(report), skipped


HOW_TO_FIX = ("run where https://pypi.org/pypi/<name>/<version>/json is reachable, or audit offline with "
              "--offline-db DB (build one: mlsecure deps db build --from PyPI-all.zip --output DB)")
PROBE_URL = "https://pypi.org/pypi/pip/24.0/json"
"""A release that certainly exists (pip 24.0): if PyPI's JSON API cannot show it, it shows nothing."""
HEARTBEAT_S = 5.0


def probe_vulnerability_service(*, url: str | None = None, timeout: float = 20.0) -> str | None:
    """None when PyPI's per-release JSON API (pip-audit's vulnerability source) answers; else why not."""
    import urllib.error
    import urllib.request

    url = url or PROBE_URL
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "mlsecure"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # a fixed https URL
            body = response.read(8 << 20)
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} for {url}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{url}: {reason}"
    try:
        data = json.loads(body)
    except ValueError:
        return f"{url} did not answer JSON"
    if not isinstance(data, dict) or "vulnerabilities" not in data:
        return f"{url} answered without a 'vulnerabilities' field"
    return None


def _run_with_heartbeat(cmd: list[str], *, timeout: float, progress: Notify | None) -> tuple[int, str, str]:
    """Run ``cmd``; every ``HEARTBEAT_S`` seconds tell ``progress`` it is still running."""
    started = time.monotonic()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        while True:
            left = timeout - (time.monotonic() - started)
            if left <= 0:
                proc.kill()
                proc.communicate()
                raise SourceUnavailableError(f"pip-audit did not finish in {timeout:.0f} s; {HOW_TO_FIX}")
            try:
                stdout, stderr = proc.communicate(timeout=min(HEARTBEAT_S, left))
            except subprocess.TimeoutExpired:
                if progress is not None:
                    progress(f"waiting for pip-audit ({time.monotonic() - started:.0f} s)")
                continue
            return proc.returncode, stdout, stderr


def _last_line(text: str) -> str:
    return (text.strip().splitlines() or ["no output"])[-1][:300]


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
