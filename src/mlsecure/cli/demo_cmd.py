"""``mlsecure demo``: train a small digits model, scan it with every check, write the reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mlsecure.cli import exit_codes
from mlsecure.cli.common import add_force_option, progress_bar
from mlsecure.io.outputs import check_output, write_output
from mlsecure.report import render

DEMO_FILES = ("model.pt", "train.csv", "holdout.csv", "serving.csv")  # what prepare_demo writes into --workdir


def register(subparsers: Any) -> list[str]:
    parser = subparsers.add_parser(
        "demo", help="train a small model on built-in data and run every check on it",
        description="Trains an MLP on scikit-learn's digits, saves it as TorchScript with its train/holdout "
        "CSVs and a simulated drifted serving feed (serving.csv), runs every registered check, prints a summary "
        "and writes mlsecure-report.html/.json (an existing report or --workdir file is replaced only with --force).")
    parser.add_argument("--workdir", type=Path, default=Path("mlsecure-demo"),
                        help="where the model and CSVs are written (default: ./mlsecure-demo)")
    parser.add_argument("--report-prefix", type=Path, default=Path("mlsecure-report"),
                        help="report files are PREFIX.html and PREFIX.json (default: ./mlsecure-report)")
    parser.add_argument("--seed", type=int, default=0)
    add_force_option(parser)
    return ["demo"]


def run(args: argparse.Namespace) -> int:
    from mlsecure.demo import prepare_demo, run_demo

    html_path = args.report_prefix.with_name(args.report_prefix.name + ".html")
    json_path = args.report_prefix.with_name(args.report_prefix.name + ".json")
    for path in (html_path, json_path):  # refused before minutes of training, not after
        check_output(path, force=args.force, what="demo report")
    if args.workdir.is_dir():  # `demo --workdir .` must not replace the user's own model.pt or train.csv unasked
        for name in DEMO_FILES:
            check_output(args.workdir / name, force=args.force, what="demo file")
    print(f"mlsecure demo: training a digits MLP and writing it to {args.workdir}/", file=sys.stderr)
    files = prepare_demo(args.workdir, seed=args.seed)
    with progress_bar() as progress:
        report = run_demo(files, progress=progress, seed=args.seed)
    render(report, "terminal", stream=sys.stdout)
    write_output(html_path, render(report, "html"), force=args.force, what="demo report")
    write_output(json_path, render(report, "json"), force=args.force, what="demo report")
    print(f"mlsecure demo: wrote {html_path} and {json_path}", file=sys.stderr)
    return exit_codes.OK
