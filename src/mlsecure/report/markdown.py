"""The Markdown report: for pull-request comments and wikis."""

from __future__ import annotations

from mlsecure.findings import Report
from mlsecure.report.tables import as_records, cell


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
    for check, metrics in report.to_dict()["metrics"].items():
        scalars = {k: v for k, v in metrics.items() if isinstance(v, (int, float, str, bool))}
        tables = {k: t for k, t in ((k, as_records(v)) for k, v in metrics.items()) if t is not None}
        if scalars or tables:
            lines += ["", f"## {check}"]
        if scalars:
            lines += ["", "| metric | value |", "|---|---|"]
            lines += [f"| {_cell(k)} | {_cell(_fmt(v))} |" for k, v in scalars.items()]
        for name, (header, rows) in tables.items():
            lines += ["", f"**{_cell(name)}**", "", "| " + " | ".join(map(_cell, header)) + " |",
                      "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(_cell(cell(v)) for v in row) + " |" for row in rows]
    if report.skipped:
        lines += ["", "## Skipped checks", ""]
        lines += [f"- **{s.check}**: {_cell(s.reason)}" for s in report.skipped]
    return "\n".join(lines) + "\n"


def _fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
