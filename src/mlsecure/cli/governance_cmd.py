"""``mlsecure governance checklist|compliance|fairness``: the guide's security checklist evaluated from a
scan report, the GDPR / CCPA-CPRA / HIPAA compliance matrix, and the group-fairness audit."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from mlsecure.cli import exit_codes
from mlsecure.cli.common import add_force_option, add_output_options, emit_report, write_file
from mlsecure.cli.groups import run_group
from mlsecure.errors import InputError

TEXT_FORMATS = ("terminal", "json", "md")


def register(subparsers: Any) -> list[str]:
    help_text = "security checklist, compliance matrix and fairness audit"
    parser = subparsers.add_parser("governance", help=help_text, description=help_text)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=type(parser))

    checklist = verbs.add_parser(
        "checklist", help="the guide's ML security checklist, marked from a scan report",
        description="Mark each checklist item satisfied / failed / not evaluated from a JSON scan report "
        "(mlsecure scan --format json). Items no check measured stay 'not evaluated'.")
    checklist.add_argument("--report", type=Path, help="a JSON report from mlsecure scan (default: none)")
    checklist.add_argument("--format", choices=TEXT_FORMATS, default="terminal", help="output format")
    checklist.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")
    add_force_option(checklist)
    checklist.add_argument("--fail-on-failed", action="store_true", help="exit 1 when an item failed")
    checklist.set_defaults(handler=run_checklist)

    compliance = verbs.add_parser(
        "compliance", help="GDPR / CCPA-CPRA / HIPAA requirements and the mlsecure tools that support them",
        description="The guide's cross-regulation matrix and per-regulation tables, each row linked to the "
        "mlsecure capability that supports it. Not legal advice.")
    compliance.add_argument("--regulation", choices=("gdpr", "ccpa", "hipaa"), help="show one regulation only")
    compliance.add_argument("--format", choices=TEXT_FORMATS, default="terminal", help="output format")
    compliance.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")
    add_force_option(compliance)
    compliance.set_defaults(handler=run_compliance)

    fairness = verbs.add_parser(
        "fairness", help="group-fairness audit of a model on labelled data",
        description="Per-group selection rate, accuracy, TPR/FPR with bootstrap intervals; demographic parity "
        "(four-fifths rule) and equalized odds. The sensitive column is dropped from the features unless the "
        "model's input width shows it was trained on it.")
    fairness.add_argument("--model", type=Path, required=True, help="model file (loaded through the artifact gate)")
    fairness.add_argument("--data", type=Path, required=True, help="labelled evaluation table")
    fairness.add_argument("--sensitive", required=True, help="the sensitive-attribute column")
    fairness.add_argument("--sensitive-file", type=Path,
                          help="table holding --sensitive, row-aligned with --data (default: --data itself)")
    fairness.add_argument("--label-column", help="label column (default: label/target/y/class)")
    fairness.add_argument("--positive", help="favourable label (default: second class of a binary model)")
    fairness.add_argument("--framework", choices=["pytorch", "sklearn", "onnx"], help="expected framework")
    fairness.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates (default 1000)")
    fairness.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")
    fairness.add_argument("--ratio-threshold", type=float, default=0.8, help="four-fifths rule (default 0.8)")
    fairness.add_argument("--eo-threshold", type=float, default=0.1, help="equalized-odds limit (default 0.1)")
    fairness.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    add_output_options(fairness)
    fairness.set_defaults(handler=run_fairness)
    parser.set_defaults(group_parser=parser)
    return ["governance"]


def run(args: argparse.Namespace) -> int:
    return run_group(args)


def run_checklist(args: argparse.Namespace) -> int:
    from mlsecure.findings import Report
    from mlsecure.governance.checklist import ItemStatus, evaluate_checklist, summary
    from mlsecure.governance.render import checklist_json, checklist_markdown

    report = None
    if args.report is not None:
        from mlsecure.io.inputs import check_input

        check_input(args.report, what="scan report")  # a FIFO would block the read forever
        try:
            report = Report.from_json(args.report.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"{args.report}: cannot read the report ({exc.strerror})") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # AttributeError: JSON not an object
            raise InputError(f"{args.report}: not an mlsecure JSON report ({exc})") from None
        except RecursionError:
            raise InputError(f"{args.report}: not an mlsecure JSON report (nested too deeply)") from None
    results = evaluate_checklist(report)
    name = str(args.report) if args.report else None
    if args.format == "json":
        _write(checklist_json(results, report=name), args)
    elif args.format == "md":
        _write(checklist_markdown(results, report=name), args)
    else:
        _checklist_terminal(results, name, args)
    counts = summary(results)
    print("mlsecure: checklist " + ", ".join(f"{n} {s}" for s, n in counts.items()), file=sys.stderr)
    failed = counts[ItemStatus.FAILED.value]
    return exit_codes.FINDINGS if args.fail_on_failed and failed else exit_codes.OK


def run_compliance(args: argparse.Namespace) -> int:
    from mlsecure.governance.render import compliance_json, compliance_markdown

    if args.format == "json":
        _write(compliance_json(args.regulation), args)
    elif args.format == "md":
        _write(compliance_markdown(args.regulation), args)
    else:
        _compliance_terminal(args.regulation, args)
    return exit_codes.OK


def run_fairness(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from mlsecure.governance.checks import FairnessCheck
    from mlsecure.scan.options import as_mapping
    from mlsecure.scan.session import Session

    options: dict[str, Any] = {
        "sensitive": args.sensitive, "sensitive_file": args.sensitive_file, "positive": args.positive,
        "n_boot": args.n_boot, "confidence": args.confidence, "ratio_threshold": args.ratio_threshold,
        "eo_threshold": args.eo_threshold,
    }
    try:
        session = Session(args.model, args.data, checks="fairness", options=options, label_column=args.label_column,
                          framework=args.framework, seed=args.seed, target=f"{args.model} + {args.data}",
                          use_recorded_data=False)
    except InputError as exc:
        raise InputError(str(exc).replace("--option sensitive_file=FILE", "--sensitive-file")) from None
    ctx = replace(session.context, options=as_mapping(session.check_options["fairness"]))
    reason = FairnessCheck().applicable(ctx)
    if reason:
        raise InputError(reason.replace("--option sensitive=COLUMN", "--sensitive").replace(
            "--option positive=LABEL", "--positive"))
    report = session.run()
    for skipped in report.skipped:
        raise InputError(skipped.reason)
    return emit_report(report, args)


def _write(text: str, args: argparse.Namespace) -> None:
    if args.output is not None:
        write_file(args.output, text, args)
    else:
        sys.stdout.write(text)


def _console(output: Path | None) -> Any:
    from rich.console import Console

    if output is None:
        return Console()
    return Console(file=io.StringIO(), width=160, no_color=True)  # written by _finish through write_file


def _finish(console: Any, args: argparse.Namespace) -> None:
    if args.output is not None:
        write_file(args.output, console.file.getvalue(), args)


def _checklist_terminal(results: Any, report: str | None, args: argparse.Namespace) -> None:
    from rich.markup import escape
    from rich.table import Table

    from mlsecure.governance.checklist import ItemStatus, Phase

    style = {ItemStatus.SATISFIED: "green", ItemStatus.FAILED: "bold red", ItemStatus.NOT_EVALUATED: "dim"}
    console = _console(args.output)
    console.print(f"ML security checklist (evidence: {report or 'none'})", markup=False)
    for phase in Phase:
        table = Table(title=phase.value, title_justify="left", show_lines=False, expand=True)
        table.add_column("Item", ratio=3)
        table.add_column("OWASP", ratio=1)
        table.add_column("Status", no_wrap=True, min_width=13)
        table.add_column("Evidence / how", ratio=6)
        for r in results:
            if r.item.phase is phase:
                how = "\n".join((r.reason, *r.evidence))
                owasp = "all" if len(r.item.owasp) == 10 else ", ".join(r.item.owasp) or "-"
                table.add_row(escape(r.item.title), owasp,
                              f"[{style[r.status]}]{r.status.value}[/]", escape(how))
        console.print(table)
    _finish(console, args)


def _compliance_terminal(regulation: str | None, args: argparse.Namespace) -> None:
    from rich.table import Table

    from mlsecure.governance.compliance import COMPLIANCE_MATRIX, REGULATIONS

    keys = [regulation] if regulation else list(REGULATIONS)
    console = _console(args.output)
    matrix = Table(title="Cross-regulation compliance matrix (quoted from the guide; not legal advice)",
                   title_justify="left", expand=True)
    matrix.add_column("Action")
    for k in keys:
        matrix.add_column(k.upper())
    matrix.add_column("mlsecure")
    for a in COMPLIANCE_MATRIX:
        matrix.add_row(a.action, *(a.cell(k) for k in keys), "\n".join(s.command for s in a.support) or "-")
    console.print(matrix)
    for k in keys:
        reg = REGULATIONS[k]
        table = Table(title=f"{reg.name}: {reg.applies_to}", title_justify="left", expand=True)
        for col in ("Requirement", "ML implication", "Implementation", "mlsecure"):
            table.add_column(col)
        for r in reg.requirements:
            table.add_row(r.name, r.ml_implication, r.implementation,
                          "\n".join(s.command for s in r.support) or "-")
        console.print(table)
    _finish(console, args)
