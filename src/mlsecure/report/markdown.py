"""The Markdown report: for pull-request comments and wikis."""

from __future__ import annotations

from mlsecure.findings import Report


def render(report: Report) -> str:
    lines = [f"# mlsecure report: {_cell(report.target)}", "",
             f"mlsecure {report.tool_version}, {report.created}", "", "## Summary", "",
             "| severity | findings |", "|---|---|"]
    lines += [f"| {s} | {n} |" for s, n in report.by_severity().items()]
    lines += ["", "## Findings", ""]
    if report.findings:
        lines += ["| severity | id | OWASP | ATLAS | title | where | remediation |", "|---|---|---|---|---|---|---|"]
        for f in report.sorted_findings():
            lines.append(f"| {f.severity.value} | {f.id} | {f.owasp} | {', '.join(f.atlas)} | {_cell(f.title)} | "
                         f"{_cell(f.location.describe())} | {_cell(f.remediation)} |")
    else:
        lines.append("No findings.")
    for check, metrics in report.metrics.items():
        scalars = {k: v for k, v in metrics.items() if isinstance(v, (int, float, str, bool))}
        if scalars:
            lines += ["", f"## {check}", "", "| metric | value |", "|---|---|"]
            lines += [f"| {_cell(k)} | {_cell(_fmt(v))} |" for k, v in scalars.items()]
    if report.skipped:
        lines += ["", "## Skipped checks", ""]
        lines += [f"- **{s.check}**: {_cell(s.reason)}" for s in report.skipped]
    return "\n".join(lines) + "\n"


def _fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
