"""Run the selected checks against one ``ScanContext`` and merge the results into one ``Report``.

Selection: ``all``, a group name (``robustness``) or a check name, comma-separated. A check whose
inputs are missing is skipped with the reason in the report, never silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlsecure import __version__
from mlsecure.check import Check, ScanContext
from mlsecure.errors import CheckError, InputError
from mlsecure.findings import Report, Skipped
from mlsecure.scan.registry import all_checks, groups

# Scan names the guide's command lines use; each maps to the group(s) it selects.
SCAN_ALIASES: dict[str, tuple[str, ...]] = {
    "supply-chain": ("supply-chain",),
    "robustness": ("robustness",),
    "certified": ("certified",),
    "poisoning": ("poisoning",),
    "membership": ("membership",),
    "extraction": ("extraction",),
    "inversion": ("inversion",),
    "privacy": ("privacy", "membership", "extraction", "inversion"),
    "fairness": ("fairness",),
    "drift": ("drift",),
    "secrets": ("secrets",),
}
KNOWN_SCANS = ("all", *SCAN_ALIASES)


def select_checks(selection: Sequence[str]) -> list[type[Check]]:
    """Resolve scan names to check classes; an unknown name is an ``InputError`` listing the options."""
    available = all_checks()
    by_group = groups()
    chosen: dict[str, type[Check]] = {}
    for raw in selection:
        for name in (part.strip() for part in raw.split(",") if part.strip()):
            if name == "all":
                chosen.update(available)
            elif name in available:
                chosen[name] = available[name]
            elif name in by_group or name in SCAN_ALIASES:
                for group in SCAN_ALIASES.get(name, (name,)):
                    chosen.update({n: available[n] for n in by_group.get(group, [])})
                if not any(by_group.get(g) for g in SCAN_ALIASES.get(name, (name,))):
                    raise ScanNotAvailableError(name)
            else:
                options = sorted({*KNOWN_SCANS, *by_group, *available})
                raise InputError(f"unknown scan {name!r}; choose from: {', '.join(options)}")
    return list(chosen.values())


class ScanNotAvailableError(InputError):
    """A scan the guide names whose capability is not installed in this build."""

    def __init__(self, name: str) -> None:
        super().__init__(f"scan {name!r} is not available yet in this version of mlsecure: no check provides it")
        self.scan = name


def run_scan(checks: Sequence[type[Check]], ctx: ScanContext, *, target: str) -> Report:
    """Run each check; merge findings, metrics and figures; record skips with their reasons."""
    report = Report(target=target, tool_version=__version__)
    for cls in checks:
        check = cls()
        missing = check.missing(ctx)
        if missing:
            needs = ", ".join(r.value for r in missing)
            report.skipped.append(Skipped(check.name, f"needs {needs}, which this scan was not given"))
            continue
        reason = check.applicable(ctx)
        if reason:
            report.skipped.append(Skipped(check.name, reason))
            continue
        ctx.progress(check.title, 0.0)
        try:
            result = check.execute(ctx)
        except CheckError as exc:
            report.skipped.append(Skipped(check.name, f"could not complete: {exc}"))
            continue
        ctx.progress(check.title, 1.0)
        report.checks_run.append(check.name)
        report.extend(result.findings)
        if result.metrics:
            report.metrics[check.name] = dict(result.metrics)
        for fig_name, figure in result.figures.items():
            report.figures[f"{check.name}.{fig_name}"] = figure
    return report
