"""Optional scanners from the guide's checklist (section 17): trivy (vulnerable OS/language packages),
gitleaks (committed secrets) and checkov (infrastructure-as-code). Each runs when its binary is on
PATH; its SARIF 2.1.0 output is merged into our findings. When a tool is absent we say so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsecure.findings import Finding, Location, Severity

TOOLS: tuple[str, ...] = ("trivy", "gitleaks", "checkov")
_IDS = {"trivy": "SUP-120", "gitleaks": "SUP-121", "checkov": "SUP-122"}
_ATLAS = {"trivy": ("AML.T0010.001",), "gitleaks": ("AML.T0055",), "checkov": ("AML.T0010",)}


@dataclass(frozen=True)
class ToolRun:
    """What one external tool did: its findings, or why it did not run."""

    tool: str
    ran: bool
    findings: tuple[Finding, ...] = ()
    note: str = ""


def available_tools() -> dict[str, str | None]:
    """Tool name to its path on PATH (None when absent)."""
    return {tool: shutil.which(tool) for tool in TOOLS}


def run_external(source: Path, *, timeout: float = 600) -> list[ToolRun]:
    """Run every available tool on ``source``; absent tools come back with ``ran=False`` and a note."""
    runs: list[ToolRun] = []
    for tool, exe in available_tools().items():
        if exe is None:
            runs.append(ToolRun(tool, False, note=f"{tool} is not on PATH; install it to include its checks"))
            continue
        with tempfile.TemporaryDirectory(prefix=f"mlsecure-{tool}-") as tmp:
            out = Path(tmp) / "out.sarif"
            cmd = _command(tool, exe, source, out)
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                runs.append(ToolRun(tool, False, note=f"{tool} did not finish in {timeout:.0f} s"))
                continue
            produced = out if out.exists() else next(Path(tmp).rglob("*.sarif"), None)
            if produced is None:
                last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                runs.append(ToolRun(tool, False, note=f"{tool} wrote no SARIF (exit {proc.returncode}: {last})"))
                continue
            try:
                sarif = json.loads(produced.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                runs.append(ToolRun(tool, False, note=f"{tool} SARIF unreadable: {exc}"))
                continue
            runs.append(ToolRun(tool, True, tuple(sarif_findings(sarif, tool))))
    return runs


def _command(tool: str, exe: str, source: Path, out: Path) -> list[str]:
    match tool:
        case "trivy":
            return [exe, "fs", "--quiet", "--format", "sarif", "--output", str(out), str(source)]
        case "gitleaks":
            return [exe, "detect", "--no-git", "--source", str(source), "--report-format", "sarif",
                    "--report-path", str(out), "--exit-code", "0", "--no-banner"]
        case _:
            return [exe, "-d", str(source), "-o", "sarif", "--output-file-path", str(out.parent), "--quiet"]


def sarif_findings(sarif: Any, tool: str) -> list[Finding]:
    """Findings from a SARIF 2.1.0 log: one per result, severity from ``security-severity`` or ``level``."""
    out: list[Finding] = []
    runs = sarif.get("runs", []) if isinstance(sarif, Mapping) else []
    for run in runs if isinstance(runs, list) else []:
        rules = {r.get("id"): r for r in (run.get("tool", {}).get("driver", {}).get("rules") or [])
                 if isinstance(r, Mapping)}
        for result in run.get("results") or []:
            if not isinstance(result, Mapping):
                continue
            rule_id = str(result.get("ruleId", "?"))
            rule = rules.get(rule_id, {})
            message = str((result.get("message") or {}).get("text", rule_id))
            path, line = _location(result)
            out.append(Finding(
                id=_IDS.get(tool, "SUP-129"), title=f"{tool}: {message.splitlines()[0][:160]}",
                severity=_severity(result, rule), owasp="ML06", atlas=_ATLAS.get(tool, ("AML.T0010",)),
                location=Location(path=path, member=f"line {line}" if line else None),
                evidence={"tool": tool, "rule": rule_id, "line": line},
                remediation=str((rule.get("help") or {}).get("text", "")) or f"See {tool}'s rule {rule_id}.",
                description=str((rule.get("shortDescription") or {}).get("text", "")),
            ))
    return out


def _location(result: Mapping[str, Any]) -> tuple[str | None, int | None]:
    locations = result.get("locations") or []
    if not locations or not isinstance(locations[0], Mapping):
        return None, None
    physical = locations[0].get("physicalLocation") or {}
    uri = (physical.get("artifactLocation") or {}).get("uri")
    line = (physical.get("region") or {}).get("startLine")
    return (str(uri) if uri else None), (int(line) if isinstance(line, int) else None)


def _severity(result: Mapping[str, Any], rule: Mapping[str, Any]) -> Severity:
    props = rule.get("properties") or {}
    score = props.get("security-severity") if isinstance(props, Mapping) else None
    try:
        value = float(score) if score is not None else None
    except (TypeError, ValueError):
        value = None
    if value is not None:
        return (Severity.CRITICAL if value >= 9 else Severity.HIGH if value >= 7 else
                Severity.MEDIUM if value >= 4 else Severity.LOW if value > 0 else Severity.INFO)
    level = result.get("level", "warning")
    return {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW}.get(str(level), Severity.INFO)
