"""``mlsecure deps audit -r requirements.txt | --env [--offline-db PATH]``: the dependency audit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mlsecure import __version__
from mlsecure.cli import exit_codes
from mlsecure.cli.common import add_output_options, emit_report
from mlsecure.findings import Report


def register(subparsers: Any) -> list[str]:
    parser = subparsers.add_parser("deps", help="audit Python dependencies (vulnerabilities, pins, typosquats)",
                                   description="Audit Python dependencies for known vulnerabilities and "
                                   "supply-chain risks (OWASP ML06, ATLAS AML.T0010).")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=type(parser))
    audit = verbs.add_parser("audit", help="audit a requirements file or the running environment",
                             description="Known vulnerabilities (pip-audit online, or an OSV export offline), "
                             "unpinned requirements, missing --hash pins, look-alike package names, installs "
                             "from URLs, --extra-index-url / --trusted-host.")
    source = audit.add_mutually_exclusive_group(required=True)
    source.add_argument("-r", "--requirement", type=Path, metavar="FILE", help="requirements file to audit")
    source.add_argument("--env", action="store_true", help="audit the Python environment running mlsecure")
    audit.add_argument("--offline-db", type=Path, metavar="PATH",
                       help="OSV database export (directory of OSV JSON files, or PyPI all.zip): no network")
    audit.add_argument("--no-online", action="store_true",
                       help="without --offline-db, skip the vulnerability lookup instead of calling pip-audit")
    audit.add_argument("--timeout", type=float, default=600, help="seconds allowed for pip-audit (default 600)")
    add_output_options(audit, default_fail_on="high")
    parser.set_defaults(deps_parser=parser)
    return ["deps"]


def run(args: argparse.Namespace) -> int:
    if args.verb != "audit":
        args.deps_parser.print_help(sys.stderr)
        return exit_codes.ERROR
    from mlsecure.supply_chain.audit import audit_environment, audit_requirements

    online = not args.no_online
    if args.env:
        result = audit_environment(offline_db=args.offline_db, online=online and args.offline_db is None,
                                   timeout=args.timeout)
    else:
        result = audit_requirements(args.requirement, offline_db=args.offline_db, online=online,
                                    timeout=args.timeout)
    for note in result.notes:
        print(f"mlsecure: note: {note}", file=sys.stderr)
    report = Report(target=result.target, tool_version=__version__)
    report.extend(result.findings)
    report.metrics["dependency-audit"] = dict(result.metrics)
    report.checks_run.append("dependency-audit")
    return emit_report(report, args)
