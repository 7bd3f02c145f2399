"""Run the selected checks against one ``ScanContext`` and merge the results into one ``Report``.

Selection: ``all``, a group name (``robustness``) or a check name, comma-separated. A check whose
inputs are missing is skipped with the reason in the report, never silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mlsecure import __version__
from mlsecure.check import Check, Inapplicable, Requirement, ScanContext, text_skip_reason
from mlsecure.errors import CheckError, InputError, UnsafeArtifactError
from mlsecure.findings import Finding, Location, Report, Severity, Skipped
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


def named_checks(selection: Sequence[str]) -> frozenset[str]:
    """The checks the user asked for by name or group (not through ``all``): such a check that cannot run
    is a failing finding, not a quiet skip."""
    names = [p.strip() for raw in selection for p in raw.split(",") if p.strip() and p.strip() != "all"]
    return frozenset(check.name for check in select_checks(names)) if names else frozenset()


class ScanNotAvailableError(InputError):
    """A scan the guide names whose capability is not installed in this build."""

    def __init__(self, name: str) -> None:
        super().__init__(f"scan {name!r} is not available yet in this version of mlsecure: no check provides it")
        self.scan = name


MODEL_NEEDS = frozenset({Requirement.MODEL, Requirement.DIFFERENTIABLE_MODEL})
# The runner's own findings for a check that did not measure anything: a refused model (SCAN-001/003), a check
# that raised (SCAN-002), a check requested that could not run (SCAN-004). Each fails a scan whatever
# --fail-on says: exit 0 promises that every requested check ran.
NOT_EVALUATED_IDS = frozenset({"SCAN-001", "SCAN-002", "SCAN-003", "SCAN-004"})


def not_evaluated(report: Report) -> list[Finding]:
    """The findings of ``report`` that say a check could not be evaluated (``NOT_EVALUATED_IDS``)."""
    return [f for f in report.findings if f.id in NOT_EVALUATED_IDS]


def run_scan(checks: Sequence[type[Check]], ctx: ScanContext, *, target: str,
             model_refusal: UnsafeArtifactError | None = None,
             check_options: Mapping[str, Mapping[str, Any]] | None = None,
             required: frozenset[str] = frozenset()) -> Report:
    """Run each check; merge findings, metrics and figures; record skips with their reasons.

    ``model_refusal``: the artifact gate refused ``ctx.model_path``. The artifact scan then always runs
    (its findings say why), and every selected check that needed the model is a failing ``SCAN-001``
    finding "not evaluated", never a quiet skip. A check that raises ``CheckError`` is ``SCAN-002``.
    ``check_options``: check name to the typed settings it sees as ``ctx.options`` (the scan session's
    validated ``Options``); without it every check sees ``ctx.options``.
    ``required``: checks the user named; one of them skipped (inputs missing, not applicable) is also a
    failing ``SCAN-004`` finding, so an explicit ``--scan NAME`` never ends in exit 0 unchecked."""
    shared = ctx
    report = Report(target=target, tool_version=__version__)
    if model_refusal is not None:
        artifact = all_checks().get("artifact-scan")
        if artifact is not None and artifact not in checks:
            checks = [artifact, *checks]
        report.findings.append(_refused(ctx, model_refusal))
    for cls in checks:
        check = cls()
        if check_options is not None and cls.name in check_options:
            ctx = replace(shared, options=check_options[cls.name])
        else:
            ctx = shared
        missing = check.missing(ctx)
        if missing and model_refusal is not None and MODEL_NEEDS & set(missing):
            report.skipped.append(Skipped(check.name, f"not evaluated: the model was refused by the artifact "
                                                      f"gate ({_first_line(model_refusal)})"))
            report.findings.append(_not_evaluated(check, ctx, model_refusal))
            continue
        if missing:
            needs = ", ".join(r.value for r in missing)
            _skip(report, check, Inapplicable(f"needs {needs}, which this scan was not given"), required)
            continue
        reason = text_skip_reason(check, ctx) or check.applicable(ctx)
        if reason:
            _skip(report, check, reason, required)
            continue
        ctx.progress(check.title, 0.0)
        try:
            result = check.execute(ctx)
        except CheckError as exc:
            report.skipped.append(Skipped(check.name, f"could not complete: {exc}"))
            report.findings.append(_incomplete(check, exc))
            continue
        ctx.progress(check.title, 1.0)
        report.checks_run.append(check.name)
        report.extend(result.findings)
        if result.metrics:
            report.metrics[check.name] = dict(result.metrics)
        for fig_name, figure in result.figures.items():
            report.figures[f"{check.name}.{fig_name}"] = figure
    return report


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _not_evaluated(check: Check, ctx: ScanContext, refusal: UnsafeArtifactError) -> Finding:
    return Finding(
        id="SCAN-001",
        title=f"{check.title}: not evaluated, the model file was refused by the artifact gate",
        severity=Severity.HIGH,
        owasp="ML06",
        atlas=("AML.T0011.000",),
        location=Location(path=str(ctx.model_path) if ctx.model_path else None),
        evidence={"check": check.name, "refusal": _first_line(refusal), "reasons": list(refusal.reasons[:5])},
        remediation="Replace the model file with one that scans clean (export to ONNX, TorchScript or "
        "safetensors); see the artifact-scan findings for what the file would run when loaded.",
        check=check.name,
        description="The model was never loaded because loading it could run code, so this check could "
        "not measure anything; its result is unknown, not clean.",
    )


def _refused(ctx: ScanContext, refusal: UnsafeArtifactError) -> Finding:
    return Finding(
        id="SCAN-003",
        title="The artifact gate refused to load the model file",
        severity=Severity.HIGH,
        owasp="ML06",
        atlas=("AML.T0011.000", "AML.T0010.003"),
        location=Location(path=str(ctx.model_path) if ctx.model_path else None),
        evidence={"refusal": _first_line(refusal), "reasons": list(refusal.reasons[:5])},
        remediation="Do not load this file with pickle/torch.load; export the model to ONNX or TorchScript, "
        "or its weights to safetensors, from a trusted source.",
        check="artifact-gate",
        description="Loading the file would need arbitrary Python objects (code can run on load), so it was "
        "never loaded.",
    )


def _skip(report: Report, check: Check, reason: str, required: frozenset[str]) -> None:
    """List the skip; a check the user named, or one whose given inputs could not be evaluated (a reason
    that is not ``Inapplicable``: a limit hit, data the check cannot read), is also a failing SCAN-004."""
    report.skipped.append(Skipped(check.name, str(reason)))
    named = check.name in required
    if named or not isinstance(reason, Inapplicable):
        report.findings.append(Finding(
            id="SCAN-004",
            title=f"{check.title}: " + ("requested but not evaluated" if named
                                        else "the given inputs could not be evaluated"),
            severity=Severity.HIGH,
            owasp=check.owasp[0] if check.owasp else "ML06",
            atlas=tuple(check.atlas),
            evidence={"check": check.name, "reason": str(reason)},
            remediation="Give the check what the reason names (or drop it from --scan); until then its result "
            "is unknown.",
            check=check.name,
        ))


def _incomplete(check: Check, exc: CheckError) -> Finding:
    return Finding(
        id="SCAN-002",
        title=f"{check.title}: could not complete",
        severity=Severity.HIGH,
        owasp=check.owasp[0] if check.owasp else "ML06",
        atlas=tuple(check.atlas),
        evidence={"check": check.name, "error": _first_line(exc)},
        remediation="Fix the cause named in the evidence and run the scan again; until then this check's "
        "result is unknown.",
        check=check.name,
    )
