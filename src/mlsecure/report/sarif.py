"""SARIF 2.1.0, the format GitHub code scanning ingests.

One rule per finding id, one result per finding. Severity maps to SARIF ``level`` and to GitHub's
``security-severity`` score; OWASP and ATLAS ids become rule tags. Findings without a file get the scan
target as their location, since code scanning drops results that have none.
"""

from __future__ import annotations

import json
from typing import Any

from mlsecure.catalog import atlas_catalog, owasp_risk
from mlsecure.findings import Finding, Report, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
         Severity.LOW: "note", Severity.INFO: "note"}
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "3.0", Severity.INFO: "0.0"}


def render(report: Report) -> str:
    return json.dumps(to_sarif(report), indent=2) + "\n"


def to_sarif(report: Report) -> dict[str, Any]:
    findings = report.sorted_findings()
    rule_ids: list[str] = []
    rules: list[dict[str, Any]] = []
    for f in findings:
        if f.id not in rule_ids:
            rule_ids.append(f.id)
            rules.append(_rule(f))
    results = [_result(f, rule_ids.index(f.id), report.target) for f in findings]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mlsecure",
                "version": report.tool_version,
                "semanticVersion": report.tool_version.split("+")[0],
                "informationUri": "https://github.com/mlsecure/mlsecure",
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "note", "message": {"text": f"check {s.check} skipped: {s.reason}"}}
                    for s in report.skipped
                ],
            }],
            "results": results,
            "properties": {"metrics": report.to_dict()["metrics"], "checksRun": report.checks_run},
        }],
    }


def _rule(f: Finding) -> dict[str, Any]:
    catalog = atlas_catalog()
    atlas = [f"{t} {catalog.display_name(t)}" for t in f.atlas if t in catalog.techniques]
    risk = owasp_risk(f.owasp)
    help_text = f.remediation or risk.mitigations[0]
    return {
        "id": f.id,
        "name": "".join(w.capitalize() for w in f.check.replace("-", " ").replace("_", " ").split()) or f.id,
        "shortDescription": {"text": f.title},
        "fullDescription": {"text": f.description or f"{risk.id} {risk.name}: {risk.description}"},
        "help": {"text": help_text, "markdown": f"**{risk.id} {risk.name}**\n\n{help_text}\n\nATLAS: "
                 + (", ".join(atlas) or "n/a")},
        "defaultConfiguration": {"level": LEVEL[f.severity]},
        "properties": {
            "tags": ["security", f"owasp-{f.owasp.lower()}", *(t.lower() for t in f.atlas)],
            "security-severity": SECURITY_SEVERITY[f.severity],
        },
    }


def _result(f: Finding, rule_index: int, target: str) -> dict[str, Any]:
    loc = f.location
    uri = loc.path or target.split(" + ")[0] or "."
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(uri)}}
    if loc.offset is not None:
        physical["region"] = {"byteOffset": loc.offset, "byteLength": 1}
    location: dict[str, Any] = {"physicalLocation": physical}
    logical = [{"name": name, "kind": kind} for name, kind in
               ((loc.member, "member"), (loc.column, "column"), (loc.endpoint, "endpoint")) if name]
    if logical:
        location["logicalLocations"] = logical
    message = f.title + (f" ({loc.describe()})" if loc.describe() else "")
    return {
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {"mlsecureFinding/v1": f"{f.id}:{loc.describe()}"},
        "properties": {"severity": f.severity.value, "owasp": f.owasp, "atlas": list(f.atlas),
                       "evidence": f.to_dict()["evidence"], "rows": list(loc.rows)},
    }


def _uri(path: str) -> str:
    return path.replace("\\", "/").replace(" ", "%20")
