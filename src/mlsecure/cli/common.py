"""Options and output handling shared by every command that produces a ``Report``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mlsecure.cli import exit_codes
from mlsecure.findings import Report, Severity
from mlsecure.report import FORMATS, render

if TYPE_CHECKING:
    from mlsecure.check import ProgressCallback

SEVERITY_NAMES = [s.value for s in Severity]


def add_output_options(parser: argparse.ArgumentParser, *, default_fail_on: str = "high") -> None:
    parser.add_argument("--format", choices=sorted(FORMATS), default="terminal",
                        help="report format (default: terminal)")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout")
    parser.add_argument("--fail-on", choices=SEVERITY_NAMES, default=default_fail_on,
                        help=f"exit 1 when a finding is at or above this severity (default: {default_fail_on})")


def emit_report(report: Report, args: argparse.Namespace) -> int:
    """Render ``report`` as ``--format`` to ``--output``/stdout; summary on stderr; exit code by ``--fail-on``."""
    fmt = args.format
    if fmt == "terminal" and args.output is None:
        render(report, "terminal", stream=sys.stdout)
    else:
        text = render(report, fmt)
        if args.output is not None:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return exit_code(report, Severity(args.fail_on), quiet=fmt == "terminal" and args.output is None)


def exit_code(report: Report, fail_on: Severity, *, quiet: bool = False) -> int:
    at_or_above = report.count_at_or_above(fail_on)
    if not quiet:
        counts = ", ".join(f"{n} {s}" for s, n in report.by_severity().items() if n) or "no findings"
        print(f"mlsecure: {counts}; {len(report.checks_run)} checks run, {len(report.skipped)} skipped",
              file=sys.stderr)
    return exit_codes.FINDINGS if at_or_above else exit_codes.OK


@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[ProgressCallback]:
    """A rich progress bar on stderr for long work; hidden when stderr is not a terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    show = console.is_terminal if enabled is None else enabled
    if not show:
        yield lambda task, fraction: None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        tasks: dict[str, int] = {}

        def update(task: str, fraction: float) -> None:
            if task not in tasks:
                tasks[task] = int(progress.add_task(task, total=1.0))
            progress.update(tasks[task], completed=min(max(fraction, 0.0), 1.0))  # type: ignore[arg-type]

        yield update
