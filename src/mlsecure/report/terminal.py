"""The terminal report: a severity summary and a findings table, coloured by severity (rich)."""

from __future__ import annotations

import io
from typing import IO

from rich.console import Console
from rich.table import Table

from mlsecure.findings import Report, Severity, jsonable
from mlsecure.report.tables import as_records, cell

MAX_TERMINAL_ROWS = 10

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(report: Report, *, stream: IO[str] | None = None) -> str:
    """Print to ``stream`` (colours when it is a terminal) or return plain text."""
    buffer = io.StringIO()
    console = Console(file=stream or buffer, width=None if stream else 120, soft_wrap=False,
                      force_terminal=None if stream else False)
    console.print(f"[bold]mlsecure report[/bold] for {report.target}  (mlsecure {report.tool_version})")
    summary = "  ".join(f"[{SEVERITY_STYLE[Severity(s)]}]{s}: {n}[/]" for s, n in report.by_severity().items())
    console.print(summary)
    table = Table(title="Findings", show_lines=False)
    for column in ("severity", "id", "OWASP", "ATLAS", "title", "where"):
        table.add_column(column, overflow="fold")
    for f in report.sorted_findings():
        table.add_row(f"[{SEVERITY_STYLE[f.severity]}]{f.severity.value}[/]", f.id, f.owasp,
                      ", ".join(f.atlas), f.title, f.location.describe())
    if report.findings:
        console.print(table)
    else:
        console.print("No findings.")
    for check, metrics in report.metrics.items():
        shown = {k: v for k, v in metrics.items() if isinstance(v, (int, float, str, bool)) and v is not None}
        if shown:
            metrics_table = Table(title=f"{check}: metrics", show_header=False)
            metrics_table.add_column("metric")
            metrics_table.add_column("value", justify="right")
            for key, value in list(shown.items())[:20]:
                metrics_table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
            console.print(metrics_table)
        for key, value in metrics.items():
            records = as_records(jsonable(value))
            if records is None:
                continue
            header, rows = records
            record_table = Table(title=f"{check}: {key}")
            for column in header:
                record_table.add_column(column, overflow="fold")
            for row in rows[:MAX_TERMINAL_ROWS]:
                record_table.add_row(*(cell(v) for v in row))
            console.print(record_table)
            if len(rows) > MAX_TERMINAL_ROWS:
                console.print(f"  ... {len(rows) - MAX_TERMINAL_ROWS} more rows in --format json/html")
    if report.skipped:
        console.print("[bold]Skipped[/bold]")
        for skip in report.skipped:
            console.print(f"  {skip.check}: {skip.reason}")
    return buffer.getvalue()
