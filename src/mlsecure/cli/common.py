"""Options and output handling shared by every command that produces a ``Report``."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from mlsecure.cli import exit_codes
from mlsecure.findings import Report, Severity
from mlsecure.report import FORMATS, render

if TYPE_CHECKING:
    from mlsecure.check import ProgressCallback

SEVERITY_NAMES = [s.value for s in Severity]


def add_output_options(parser: argparse.ArgumentParser, *, default_fail_on: str = "high") -> None:
    parser.add_argument("--format", choices=sorted(FORMATS), default="terminal",
                        help="report format (default: terminal)")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout "
                        "(never over an input; an existing file only with --force)")
    add_force_option(parser)
    parser.add_argument("--fail-on", choices=SEVERITY_NAMES, default=default_fail_on,
                        help=f"exit 1 when a finding is at or above this severity (default: {default_fail_on})")


def add_force_option(parser: argparse.ArgumentParser) -> None:
    """``--force``: let output files replace existing files (never an input)."""
    parser.add_argument("--force", action="store_true", help="replace output files that already exist")


def input_paths(args: argparse.Namespace, *, exclude: tuple[str, ...] = ("output",)) -> list[Path]:
    """Every path-valued argument except ``exclude``: what an output must never be written through."""
    paths: list[Path] = []
    for name, value in vars(args).items():
        if name in exclude:
            continue
        values = value if isinstance(value, list) else [value]
        paths.extend(v for v in values if isinstance(v, Path))
    return paths


def write_file(path: Path, text: str | bytes, args: argparse.Namespace, *, what: str = "output") -> None:
    """Write one output the safe way (``mlsecure.io.atomic_output``): never through an input, never over
    an existing file unless ``--force``, atomically."""
    from mlsecure.io.outputs import write_output

    others = [p for p in input_paths(args, exclude=()) if p is not path]  # every other path argument
    write_output(path, text, inputs=others, force=bool(getattr(args, "force", False)), what=what)


def emit_report(report: Report, args: argparse.Namespace) -> int:
    """Render ``report`` as ``--format`` to ``--output``/stdout; summary on stderr; exit code by ``--fail-on``."""
    fmt = args.format
    if fmt == "terminal" and args.output is None:
        render(report, "terminal", stream=sys.stdout)
    else:
        text = render(report, fmt)
        if args.output is not None:
            write_file(args.output, text if text.endswith("\n") else text + "\n", args, what="report")
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return exit_code(report, Severity(args.fail_on), quiet=fmt == "terminal" and args.output is None)


PLAIN_PROGRESS_SECONDS = 5.0


class PlainProgress:
    """Progress as plain lines for a pipe or CI log: a heartbeat thread prints the current stage and its
    percentage every ``interval`` seconds (nothing for work that ends sooner), so a long run is never
    silent and a log is not flooded."""

    def __init__(self, stream: TextIO, *, interval: float = PLAIN_PROGRESS_SECONDS) -> None:
        self._stream = stream
        self._interval = interval
        self._start = time.monotonic()
        self._state: tuple[str, float] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="mlsecure-progress", daemon=True)

    def __call__(self, task: str, fraction: float) -> None:
        self._state = (task, min(fraction, 1.0))  # a negative fraction: total unknown, no percentage

    def __enter__(self) -> PlainProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def line(self) -> str:
        elapsed = time.monotonic() - self._start
        if self._state is None:
            return f"mlsecure: [{elapsed:.0f}s] working"
        task, fraction = self._state
        percent = f" {round(100 * fraction)}%" if fraction >= 0 else ""
        return f"mlsecure: [{elapsed:.0f}s] {task}{percent}"

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            print(self.line(), file=self._stream, flush=True)


def exit_code(report: Report, fail_on: Severity, *, quiet: bool = False) -> int:
    """1 when a finding is at or above ``fail_on``, or when a requested check was not evaluated (a
    ``SCAN-00x`` finding, whatever its severity against ``fail_on``): exit 0 means every check ran."""
    from mlsecure.scan.runner import not_evaluated

    at_or_above = report.count_at_or_above(fail_on)
    unevaluated = [f for f in not_evaluated(report) if not f.severity >= fail_on]
    if not quiet:
        counts = ", ".join(f"{n} {s}" for s, n in report.by_severity().items() if n) or "no findings"
        print(f"mlsecure: {counts}; {len(report.checks_run)} checks run, {len(report.skipped)} skipped",
              file=sys.stderr)
    if unevaluated:
        names = ", ".join(dict.fromkeys(str(f.evidence.get("check") or f.check or f.id) for f in unevaluated))
        print(f"mlsecure: not evaluated: {names}; this fails the run whatever --fail-on is", file=sys.stderr)
    return exit_codes.FINDINGS if at_or_above or unevaluated else exit_codes.OK


@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[ProgressCallback]:
    """A rich progress bar on stderr for long work on a terminal; on a pipe or CI log, plain lines
    (``mlsecure: [12s] robustness 40%``) every ``PLAIN_PROGRESS_SECONDS``, so a long run is never silent.
    ``enabled=False`` shows nothing."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if enabled is False:
        yield lambda task, fraction: None
        return
    if not (console.is_terminal if enabled is None else enabled):
        with PlainProgress(sys.stderr) as plain:
            yield plain
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        tasks: dict[str, int] = {}

        def update(task: str, fraction: float) -> None:
            if task not in tasks:
                tasks[task] = int(progress.add_task(task, total=1.0))
            progress.update(tasks[task], completed=min(max(fraction, 0.0), 1.0))  # type: ignore[arg-type]

        yield update
