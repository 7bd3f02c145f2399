"""``mlsecure scan``: run the registered checks against a model file and/or data."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from mlsecure.check import ScanContext
from mlsecure.cli.common import add_output_options, emit_report, input_paths, progress_bar
from mlsecure.data import Dataset
from mlsecure.errors import InputError, UnsafeArtifactError
from mlsecure.io.inputs import check_input
from mlsecure.io.outputs import check_output
from mlsecure.scan.runner import KNOWN_SCANS, run_scan, select_checks


def register(subparsers: Any) -> list[str]:
    parser = subparsers.add_parser("scan", help="run security checks on a model and its data",
                                   description="Run security checks; --scan selects them (default: all).")
    add_scan_arguments(parser)
    return ["scan"]


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``scan``; ``scripts/security_scan.py`` accepts exactly these."""
    parser.add_argument("--scan", action="append", metavar="NAME",
                        help=f"what to run: {', '.join(KNOWN_SCANS)}, or a check name; repeatable or "
                        "comma-separated (default: all)")
    parser.add_argument("--model", type=Path, help="model file (TorchScript/PyTorch, ONNX, scikit-learn pickle)")
    parser.add_argument("--framework", choices=["pytorch", "sklearn", "onnx"],
                        help="expected framework; the format is still detected from the file's bytes")
    parser.add_argument("--data", type=Path, help="training (or evaluation) data: CSV/TSV/Parquet/JSONL/NPZ")
    parser.add_argument("--holdout", type=Path, help="data NOT used for training (membership inference)")
    parser.add_argument("--label-column", help="name of the label column (default: label/target/y/class)")
    parser.add_argument("--exclude-column", action="append", default=[], metavar="COLUMN",
                        help="a column that is not a model input (an id, a timestamp, a sensitive attribute): "
                        "dropped before the model sees the data; repeatable. The fairness check's "
                        "--option sensitive=COLUMN is excluded this way automatically")
    parser.add_argument("--input-shape", type=_shape, help="shape of one sample, e.g. 1,8,8")
    parser.add_argument("--clip-values", type=float, nargs=2, metavar=("MIN", "MAX"),
                        help="valid input range of the model (default: from the model file)")
    parser.add_argument("--epsilon", type=float, action="append",
                        help="perturbation budget(s) in input units for robustness; repeatable")
    parser.add_argument("--max-samples", type=int, help="evaluate at most this many samples")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--export-suspicious", type=Path, help="poisoning: write flagged rows to this CSV")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="check-specific setting, e.g. --option attacks=pgd,square")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    checks = select_checks(args.scan or ["all"])
    if args.model is None and args.data is None:
        raise InputError("nothing to scan: give --model and/or --data")
    # refuse an unsafe output before any work, not after a long scan: never an input or a link to one,
    # never an existing file without --force
    for attr, what in (("output", "report"), ("export_suspicious", "--export-suspicious file")):
        path = getattr(args, attr)
        if path is not None:
            others = [p for p in input_paths(args, exclude=()) if p is not path]
            check_output(path, inputs=others, force=args.force, what=what)
    ctx, refusal = build_context(args)
    with progress_bar() as progress:
        ctx = replace(ctx, progress=progress)
        report = run_scan(checks, ctx, target=_target(args), model_refusal=refusal)
    return emit_report(report, args)


def build_context(args: argparse.Namespace) -> tuple[ScanContext, UnsafeArtifactError | None]:
    """Load the model through the artifact gate and the data through the table loaders; the second
    value is the gate's refusal of the model file (the model is then None and never loaded)."""
    from mlsecure.artifacts.load import load_model, recorded_data

    if args.model is not None:
        check_input(args.model, what="model file")  # a FIFO or device is refused before anything opens it
    if args.model is not None and (args.data is None or args.holdout is None):
        recorded = recorded_data(args.model)
        for key, attr in (("train", "data"), ("holdout", "holdout")):
            if getattr(args, attr) is None and key in recorded:
                print(f"mlsecure: using --{attr} {recorded[key]} recorded in {args.model}", file=sys.stderr)
                setattr(args, attr, recorded[key])
    clip = tuple(args.clip_values) if args.clip_values else None
    model = None
    refusal = None
    if args.model is not None:
        try:
            model = load_model(args.model, args.framework, input_shape=args.input_shape, clip_values=clip)
        except UnsafeArtifactError as exc:
            # Never load it; the artifact scan reports why and every model check fails as not evaluated.
            print(f"mlsecure: not loading the model: {exc}", file=sys.stderr)
            refusal = exc
    # Columns that are not model inputs are dropped; a sensitive attribute (fairness) is one of them: its
    # check reads it from the raw table, the model never sees it.
    exclude = list(getattr(args, "exclude_column", None) or [])
    sensitive = next((o.partition("=")[2] for o in args.option if o.startswith("sensitive=")), None)
    data = _load(args.data, args.label_column, exclude, sensitive) if args.data else None
    # the holdout (possibly recorded in the model file) may lack a column the data has: nothing to drop there
    holdout = _load(args.holdout, args.label_column, exclude, sensitive, strict=data is None) \
        if args.holdout else None
    if model is not None:
        data = data.reshaped(model.input_shape) if data is not None else None
        holdout = holdout.reshaped(model.input_shape) if holdout is not None else None
    options: dict[str, Any] = {
        "epsilon": args.epsilon,
        "max_samples": args.max_samples,
        "seed": args.seed,
        "export_suspicious": args.export_suspicious,
        "framework": args.framework,
    }
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--option {item!r}: expected KEY=VALUE")
        options[key.replace("-", "_")] = value
    return ScanContext(model=model, model_path=args.model, data=data, holdout=holdout,
                       data_path=args.data, options=options), refusal


def _load(path: Path, label_column: str | None, exclude: list[str], sensitive: str | None, *,
          strict: bool = True) -> Dataset:
    """The dataset at ``path`` without the ``exclude`` columns (each must exist when ``strict``) and
    ``sensitive`` (if present)."""
    from mlsecure.data import dataset_from_table, load_dataset, load_table

    if path.suffix.lower() in (".npy", ".npz"):
        if exclude:
            raise InputError(f"{path}: --exclude-column needs a table with named columns, not an array file")
        return load_dataset(path, label_column=label_column)
    if not exclude and sensitive is None:
        return load_dataset(path, label_column=label_column)
    table = load_table(path)
    missing = [c for c in exclude if c not in table.columns]
    if missing and strict:
        raise InputError(f"{path}: --exclude-column {missing[0]!r} is not a column of this table "
                         f"(columns: {', '.join(map(str, table.columns[:20]))})")
    drop = [c for c in dict.fromkeys([*exclude, *([sensitive] if sensitive else [])]) if c in table.columns]
    if label_column is not None and label_column in drop:
        raise InputError(f"{path}: the label column {label_column!r} cannot also be excluded")
    return dataset_from_table(table.drop(columns=drop), label_column=label_column, source=str(path))


def _target(args: argparse.Namespace) -> str:
    parts = [str(p) for p in (args.model, args.data) if p is not None]
    return " + ".join(parts)


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(p) for p in text.replace("x", ",").split(",") if p.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a shape: {text!r} (expected e.g. 1,8,8)") from None
    if not shape or any(d <= 0 for d in shape):
        raise argparse.ArgumentTypeError(f"not a shape: {text!r}")
    return shape
