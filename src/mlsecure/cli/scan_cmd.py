"""``mlsecure scan``: run the registered checks against a model file and/or data."""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlsecure.cli.common import add_output_options, emit_report, input_paths, progress_bar
from mlsecure.cli.exit_codes import EPILOG
from mlsecure.errors import InputError
from mlsecure.io.outputs import check_output
from mlsecure.scan.runner import KNOWN_SCANS, select_checks

if TYPE_CHECKING:
    from mlsecure.scan.session import Session


MODEL_KINDS = """\
model kinds and the checks that apply (docs/models.md):
  torch (TorchScript, --model-class state_dict, --trust-module full pickle), Keras 3,
  Hugging Face image folder, linear scikit-learn pipeline:
      every check; robustness runs white-box (gradient) and black-box attacks
  XGBoost, LightGBM, tree scikit-learn models:
      every check; robustness runs black-box attacks only (trees have no useful gradient)
  Hugging Face text folder (--data: one text column and the label):
      membership, extraction, poisoning (on the model's embeddings); robustness,
      certified, inversion and fairness are skipped: they need numeric inputs
  a check whose inputs are missing is skipped with the reason in the report
"""


def register(subparsers: Any) -> list[str]:
    parser = subparsers.add_parser("scan", help="run security checks on a model and its data",
                                   description="Run security checks; --scan selects them (default: all).",
                                   epilog=f"{MODEL_KINDS}\n{textwrap.fill(EPILOG, 79, break_on_hyphens=False)}",
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_scan_arguments(parser)
    return ["scan"]


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``scan``; ``scripts/security_scan.py`` accepts exactly these."""
    parser.add_argument("--scan", action="append", metavar="NAME",
                        help=f"what to run: {', '.join(KNOWN_SCANS)}, or a check name; repeatable or "
                        "comma-separated (default: all)")
    parser.add_argument("--model", type=Path,
                        help="model file or folder: TorchScript/PyTorch, ONNX, scikit-learn pickle, XGBoost JSON/UBJ, "
                        "LightGBM text, Keras 3 .keras, a Hugging Face folder, or a state_dict with --model-class "
                        "(docs/models.md lists which checks apply to each)")
    parser.add_argument("--model-class", metavar="MODULE:NAME",
                        help="--model is a state_dict for this torch.nn.Module class (its code runs: your choice)")
    parser.add_argument("--model-code", type=Path, metavar="FILE.py",
                        help="the file defining --model-class (then give just NAME)")
    parser.add_argument("--model-kwargs", metavar="JSON", help="keyword arguments for --model-class, as JSON")
    parser.add_argument("--trust-module", action="append", default=[], metavar="NAME",
                        help="--model is a full pickled torch module (torch.save(model)) whose classes come from "
                        "module NAME: load it when the artifact scan finds nothing beyond the allowlist and NAME's "
                        "globals (NAME's code runs: your choice; the report records it as SUP-002); repeatable")
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
    parser.add_argument("--epsilon", type=_positive_float, action="append",
                        help="perturbation budget(s) in input units for robustness; repeatable")
    parser.add_argument("--max-samples", type=_positive_int, help="evaluate at most this many samples")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--export-suspicious", type=Path, help="poisoning: write flagged rows to this CSV")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="check-specific setting, e.g. --option attacks=pgd,square; CHECK.KEY=VALUE sets it on "
                        "one check (--option drift.alpha=0.01); --list-options shows each check's options")
    parser.add_argument("--engine", choices=["local", "spark"], default="local",
                        help="spark: the drift check's statistics as Spark aggregations over Parquet tables (--scan "
                        "drift only; pip install \"mlsecure[spark]\", Java 17); default: this process")
    parser.add_argument("--spark-master", metavar="URL",
                        help="Spark master for --engine spark (default local[*]; e.g. spark://host:7077)")
    parser.add_argument("--list-options", action="store_true",
                        help="list the options of the selected checks (names, types, defaults) and exit")
    add_output_options(parser)


def run(args: argparse.Namespace) -> int:
    if args.list_options:
        return _list_options(args)
    select_checks(args.scan or ["all"])  # an unknown scan name is the first thing reported
    if args.model is None and args.data is None:
        raise InputError("nothing to scan: give --model and/or --data")
    # refuse an unsafe output before any work, not after a long scan: never an input or a link to one,
    # never an existing file without --force
    _check_outputs(args, [])
    session = build_session(args)
    # again with what the session resolved: data recorded in the model file, paths given as --option values
    args.session_inputs = session.input_files()  # a list of paths: emit_report's writer refuses them too
    _check_outputs(args, args.session_inputs)
    for note in session.notes:
        print(f"mlsecure: {note}", file=sys.stderr)
    with progress_bar() as progress:
        report = session.run(progress=progress)
    return emit_report(report, args)


def _check_outputs(args: argparse.Namespace, read: list[Path]) -> None:
    for attr, what in (("output", "report"), ("export_suspicious", "--export-suspicious file")):
        path = getattr(args, attr)
        if path is not None:
            others = [p for p in [*input_paths(args, exclude=()), *read] if p is not path]
            check_output(path, inputs=others, force=args.force, what=what)


def build_session(args: argparse.Namespace) -> Session:
    """The scan session of ``mlsecure scan``'s arguments: the model loaded through the artifact gate,
    the data read once, the options validated against each selected check's ``Options``."""
    from mlsecure.scan.session import Session

    return Session(args.model, args.data, args.holdout, checks=args.scan or ["all"], options=parse_options(args.option),
                   label_column=args.label_column, exclude_columns=list(getattr(args, "exclude_column", None) or []),
                   framework=args.framework, input_shape=args.input_shape, model_class=args.model_class,
                   model_code=args.model_code, model_kwargs=args.model_kwargs,
                   trust_modules=tuple(getattr(args, "trust_module", None) or ()),
                   clip_values=tuple(args.clip_values) if args.clip_values else None, seed=args.seed,
                   epsilon=args.epsilon, max_samples=args.max_samples, export_suspicious=args.export_suspicious,
                   target=_target(args), engine=getattr(args, "engine", "local"),
                   spark_master=getattr(args, "spark_master", None))


def parse_options(items: list[str]) -> dict[str, str]:
    """``--option KEY=VALUE`` items as a mapping; the session converts each value by its declared type."""
    options: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--option {item!r}: expected KEY=VALUE")
        options[key] = value
    return options


def _list_options(args: argparse.Namespace) -> int:
    from mlsecure.scan.options import specs

    for cls in select_checks(args.scan or ["all"]):
        rows = specs(cls)
        print(f"{cls.name}:" + ("" if rows else " (no options)"))
        for spec in rows:
            print(f"  {spec.name}={spec.type_name} (default {spec.default!r}): {spec.help}")
    return 0


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


def _positive_float(text: str) -> float:
    """A budget is a positive finite number, refused before the model and data are read (not after)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a positive finite number")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected at least 1")
    return value
