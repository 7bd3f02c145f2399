"""``mlsecure deps audit -r requirements.txt | --env [--offline-db DB]`` and ``mlsecure deps db build``.

Exit codes: 0 every requested check ran and found nothing at or above ``--fail-on``; 1 findings at or
above ``--fail-on``; 2 bad input, or vulnerability data that could not be reached (one line on stderr
saying what was not checked and how to fix it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from mlsecure import __version__
from mlsecure.cli import exit_codes
from mlsecure.cli.common import add_output_options, emit_report
from mlsecure.cli.fail_closed import one_line_errors
from mlsecure.findings import Report

EXIT_CODES = ("exit codes: 0 every requested check ran, nothing at or above --fail-on; 1 findings at or above "
              "--fail-on; 2 bad input or vulnerability data unreachable (nothing checked)")


def register(subparsers: Any) -> list[str]:
    parser = subparsers.add_parser("deps", help="audit Python dependencies (vulnerabilities, pins, typosquats)",
                                   description="Audit Python dependencies for known vulnerabilities and "
                                   "supply-chain risks (OWASP ML06, ATLAS AML.T0010).", epilog=EXIT_CODES)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=type(parser))
    audit = verbs.add_parser("audit", help="audit a requirements file or the running environment",
                             description="Known vulnerabilities (pip-audit online, or an OSV database offline), "
                             "unpinned requirements, missing --hash pins, look-alike package names, installs "
                             "from URLs, --extra-index-url / --trusted-host. Vulnerability data that cannot be "
                             "reached is exit 2, never 'no vulnerabilities'.", epilog=EXIT_CODES)
    source = audit.add_mutually_exclusive_group(required=True)
    source.add_argument("-r", "--requirement", type=Path, metavar="FILE", help="requirements file to audit")
    source.add_argument("--env", action="store_true", help="audit the Python environment running mlsecure")
    audit.add_argument("--offline-db", type=Path, metavar="PATH",
                       help="OSV database (from `mlsecure deps db build`, OSV's PyPI all.zip, or a directory of "
                       "OSV JSON files): no network")
    audit.add_argument("--no-online", action="store_true",
                       help="without --offline-db, skip the vulnerability lookup (reported as SUP-109, medium)")
    audit.add_argument("--timeout", type=float, default=600, help="seconds allowed for pip-audit (default 600)")
    add_output_options(audit, default_fail_on="high")

    db = verbs.add_parser("db", help="build or refresh the offline vulnerability database (OSV format)",
                          description="Build or refresh the offline OSV database for `deps audit --offline-db`.")
    db_verbs = db.add_subparsers(dest="db_verb", metavar="VERB", parser_class=type(parser))
    build = db_verbs.add_parser(
        "build", help="build the database from OSV exports",
        description="Read OSV records (OSV's PyPI all.zip from "
        "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip, a directory of OSV JSON files, or "
        ".json records), keep the PyPI ones (newest 'modified' wins per id) and write one zip atomically.",
        epilog="exit codes: 0 built; 2 bad or missing source, or the output cannot be written")
    build.add_argument("--from", dest="sources", action="append", type=Path, required=True, metavar="SRC",
                       help="an OSV export: zip, directory or .json record (repeatable)")
    build.add_argument("--output", "-o", type=Path, required=True, metavar="DB", help="the database zip to write")
    how = build.add_mutually_exclusive_group()
    how.add_argument("--update", action="store_true", help="refresh: merge the sources into an existing DB")
    how.add_argument("--force", action="store_true", help="replace an existing DB instead of merging")
    parser.set_defaults(deps_parser=parser, db_parser=db)
    return ["deps"]


@one_line_errors
def run(args: argparse.Namespace) -> int:
    if args.verb == "db":
        if getattr(args, "db_verb", None) != "build":
            args.db_parser.print_help(sys.stderr)
            return exit_codes.ERROR
        return _build(args)
    if args.verb != "audit":
        args.deps_parser.print_help(sys.stderr)
        return exit_codes.ERROR
    from mlsecure.supply_chain.audit import audit_environment, audit_requirements

    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"mlsecure: deps audit [{time.monotonic() - started:4.0f} s]: {message}", file=sys.stderr, flush=True)

    online = not args.no_online
    if args.env:
        result = audit_environment(offline_db=args.offline_db, online=online and args.offline_db is None,
                                   timeout=args.timeout, progress=progress)
    else:
        result = audit_requirements(args.requirement, offline_db=args.offline_db, online=online,
                                    timeout=args.timeout, progress=progress)
    for note in result.notes:
        print(f"mlsecure: note: {note}", file=sys.stderr)
    report = Report(target=result.target, tool_version=__version__)
    report.extend(result.findings)
    report.metrics["dependency-audit"] = dict(result.metrics)
    report.checks_run.append("dependency-audit")
    return emit_report(report, args)


def _build(args: argparse.Namespace) -> int:
    from mlsecure.supply_chain.osv_build import build_database

    result = build_database(args.sources, args.output, update=args.update, overwrite=args.force)
    print(f"mlsecure: wrote {result.output}: {result.records} PyPI OSV records ({result.added} new, "
          f"{result.replaced} updated, {result.kept} kept from before; {result.other_ecosystems} of other "
          f"ecosystems left out); newest record modified {result.newest_modified}", file=sys.stderr)
    return exit_codes.OK
