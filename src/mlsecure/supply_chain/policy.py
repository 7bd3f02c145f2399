"""Our own requirement checks, beyond known vulnerabilities: pins, hash pins, look-alike names,
installs from URLs, and index options that open the door to dependency confusion.

Each function returns ``Finding``s (OWASP ML06; ATLAS AML.T0010.001 AI Supply Chain Compromise: AI
Software, and AML.T0011.001 Malicious Package for look-alike names).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlparse

from mlsecure.findings import Finding, Location, Severity
from mlsecure.supply_chain.osv import Vulnerability
from mlsecure.supply_chain.requirements import RequirementEntry, RequirementsFile
from mlsecure.supply_chain.typosquat import check_name

OWASP = "ML06"
ATLAS_SOFTWARE = ("AML.T0010", "AML.T0010.001")
ATLAS_PACKAGE = ("AML.T0010.001", "AML.T0011.001")


def vulnerability_findings(vulns: Iterable[Vulnerability], *,
                           where: dict[str, Location] | None = None) -> list[Finding]:
    """SUP-101 for each advisory affecting a pinned or installed version."""
    out = []
    for v in vulns:
        fix = f"upgrade {v.package} to {v.fix_versions[0]} or later" if v.fix_versions else (
            f"no fixed release of {v.package} is known: remove it or isolate it")
        out.append(Finding(
            id="SUP-101", title=f"{v.package} {v.version} has a known vulnerability ({v.id})",
            severity=v.severity, owasp=OWASP, atlas=ATLAS_SOFTWARE,
            location=(where or {}).get(v.package, Location(member=v.package)),
            evidence={"package": v.package, "version": v.version, "advisory": v.id, "aliases": list(v.aliases),
                      "fix_versions": list(v.fix_versions), "cvss": v.score, "url": v.url},
            remediation=fix.capitalize() + "; re-pin with --hash after upgrading.",
            description=v.summary,
        ))
    return out


def requirement_findings(reqs: RequirementsFile) -> list[Finding]:
    """Pins, hashes, look-alike names, URL installs and index options of a requirements file."""
    out: list[Finding] = []
    unhashed: list[RequirementEntry] = []
    for entry in reqs.entries:
        loc = Location(path=entry.source, member=f"line {entry.line}: {entry.display_name}")
        squat = check_name(entry.name) if entry.name else None
        if squat is not None:
            out.append(typosquat_finding(entry.name or "", squat.target, squat.kind, squat.distance, loc))
        if entry.url is not None:
            out.append(_url_finding(entry, loc))
        elif entry.pinned_version is None:
            out.append(Finding(
                id="SUP-102", title=f"{entry.display_name} is not pinned to one version ({entry.text})",
                severity=Severity.MEDIUM, owasp=OWASP, atlas=ATLAS_SOFTWARE, location=loc,
                evidence={"requirement": entry.text, "specifier": entry.specifier or "(any version)"},
                remediation="Pin an exact version (name==X.Y.Z) and generate hashes, e.g. "
                "`pip-compile --generate-hashes` or `uv pip compile --generate-hashes`.",
                description="An unpinned requirement installs whatever is newest at install time, including a "
                "hijacked or malicious release.",
            ))
        if not entry.hashes and entry.url is None:
            unhashed.append(entry)
    if unhashed:
        names = [e.display_name for e in unhashed]
        out.append(Finding(
            id="SUP-103", title=f"{len(unhashed)} of {len(reqs.entries)} requirements have no --hash pin",
            severity=Severity.LOW, owasp=OWASP, atlas=ATLAS_SOFTWARE, location=Location(path=reqs.path),
            evidence={"unhashed": names, "total": len(reqs.entries)},
            remediation="Add --hash=sha256:... for every requirement (pip-compile --generate-hashes) and install "
            "with `pip install --require-hashes`, so a replaced file on the index cannot be installed.",
            description="Without hash pins pip trusts whatever bytes the index serves for a version.",
        ))
    out.extend(_index_findings(reqs))
    return out


def typosquat_finding(name: str, target: str, kind: str, distance: int, loc: Location) -> Finding:
    """SUP-104: a package named like a popular one."""
    return Finding(
        id="SUP-104", title=f"{name!r} looks like a typosquat of {target!r}",
        severity=Severity.HIGH if kind == "confusable" or distance <= 1 else Severity.MEDIUM,
        owasp=OWASP, atlas=ATLAS_PACKAGE, location=loc,
        evidence={"name": name, "imitates": target, "match": kind, "edit_distance": distance},
        remediation=f"Check the name: did you mean {target!r}? Remove {name!r} unless you know its maintainers.",
        description="Typosquatted packages copy a popular package's name with one character off and run code "
        "at install or import time.",
    )


def _url_finding(entry: RequirementEntry, loc: Location) -> Finding:
    url = entry.url or ""
    parsed = urlparse(url.split("+", 1)[1] if url.split(":", 1)[0].count("+") else url)
    vcs = url.startswith(("git+", "hg+", "svn+", "bzr+"))
    local = parsed.scheme in ("", "file")
    insecure = parsed.scheme == "http"
    pinned_commit = vcs and "@" in parsed.path and len(parsed.path.rsplit("@", 1)[1]) >= 40
    if insecure:
        severity, why = Severity.HIGH, "over plain http (anyone on the path can swap it)"
    elif entry.hashes or pinned_commit:
        severity, why = Severity.LOW, "pinned by hash or commit"
    elif local:
        severity, why = Severity.LOW, "from a local path or file"
    else:
        severity, why = Severity.MEDIUM, "from a URL or branch that can change under the same address"
    kind = "VCS" if vcs else "local path" if local else "URL"
    return Finding(
        id="SUP-105", title=f"{entry.display_name} is installed from a {kind}, not the package index",
        severity=severity, owasp=OWASP, atlas=ATLAS_SOFTWARE, location=loc,
        evidence={"url": url, "editable": entry.editable, "why": why, "hashes": list(entry.hashes)},
        remediation="Publish the package to your own index and pin name==version with --hash; if you must keep "
        "the URL, use https and pin a full commit id (VCS) or a --hash (archives).",
        description="Direct references bypass version pinning and the index's vulnerability data.",
    )


def _index_findings(reqs: RequirementsFile) -> list[Finding]:
    out: list[Finding] = []
    for source, line, url in reqs.extra_index_urls:
        out.append(Finding(
            id="SUP-106", title=f"--extra-index-url {url} allows dependency confusion",
            severity=Severity.HIGH, owasp=OWASP, atlas=ATLAS_PACKAGE,
            location=Location(path=source, member=f"line {line}"),
            evidence={"option": "--extra-index-url", "url": url},
            remediation="Use a single --index-url that proxies PyPI and serves your private packages (or pin with "
            "--hash): pip takes the highest version from *any* index, so a public package named like "
            "a private one wins (the PyTorch torchtriton compromise of December 2022).",
            description="pip merges candidates from every index; an attacker can publish your private names on PyPI.",
        ))
    for source, line, url in reqs.index_urls:
        if urlparse(url).scheme == "http":
            out.append(Finding(
                id="SUP-106", title=f"--index-url {url} uses plain http", severity=Severity.HIGH, owasp=OWASP,
                atlas=ATLAS_SOFTWARE, location=Location(path=source, member=f"line {line}"), evidence={"url": url},
                remediation="Serve the index over https.",
                description="Packages fetched over http can be replaced in transit.",
            ))
    for source, line, host in reqs.trusted_hosts:
        out.append(Finding(
            id="SUP-107", title=f"--trusted-host {host} turns off TLS verification", severity=Severity.MEDIUM,
            owasp=OWASP, atlas=ATLAS_SOFTWARE, location=Location(path=source, member=f"line {line}"),
            evidence={"host": host},
            remediation="Give the index a valid certificate (or add its CA with --cert) instead of --trusted-host.",
            description="Without certificate checks a machine in the middle can serve any package.",
        ))
    return out
