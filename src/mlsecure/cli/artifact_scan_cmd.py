"""``mlsecure artifact scan PATH...`` and ``mlsecure artifact convert MODEL --to safetensors``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mlsecure import __version__
from mlsecure.cli import exit_codes
from mlsecure.cli.common import add_output_options, emit_report

_VERDICT_STYLE = {"safe": "green", "suspicious": "yellow", "malicious": "bold red"}


def register(verbs: Any) -> None:
    scan = verbs.add_parser("scan", help="find code execution hidden in model files (never loads them)",
                            description="Scan model files, directories and archives for code that runs on "
                                        "load: pickle globals, nested pickles, Keras Lambda layers, ONNX external "
                                        "data, GGUF chat templates, zip tricks. Nothing is imported or executed.")
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or directories (recursive)")
    scan.add_argument("--engine", choices=["local", "ray"], default="local",
                      help="ray: each file is one Ray task (pip install \"mlsecure[ray]\"); default: this process")
    scan.add_argument("--ray-address", metavar="ADDRESS", help="a Ray cluster (default: a local one of 2 CPUs)")
    add_output_options(scan, default_fail_on="medium")
    scan.set_defaults(handler=run_scan)

    convert = verbs.add_parser("convert", help="write a safe safetensors copy of a model's weights",
                               description="Scan MODEL and, only if it is clean, write its weights as safetensors.")
    convert.add_argument("model", type=Path, metavar="MODEL")
    convert.add_argument("--to", choices=["safetensors"], default="safetensors")
    convert.add_argument("--output", "-o", type=Path, help="destination (default: MODEL with .safetensors)")
    convert.add_argument("--force", action="store_true", help="overwrite the destination")
    convert.set_defaults(handler=run_convert)


def run_scan(args: argparse.Namespace) -> int:
    from mlsecure.artifacts.scan import build_report, scan_paths
    from mlsecure.io.inputs import check_input

    for path in args.paths:  # a FIFO would block the scanner forever; a folder is walked
        if not path.is_dir():
            check_input(path, what="artifact")
    if getattr(args, "engine", "local") == "ray" or getattr(args, "ray_address", None):
        from mlsecure.engines import get_engine
        from mlsecure.engines.artifacts import scan_paths_on

        engine = get_engine(args.engine, workers=2, address=args.ray_address)
        try:
            results = scan_paths_on(engine, args.paths)
        finally:
            engine.close()
    else:
        results = scan_paths(args.paths)
    report = build_report(results, target=" ".join(str(p) for p in args.paths), tool_version=__version__)
    if args.format == "terminal" and args.output is None:
        from rich.console import Console

        console = Console(stderr=True, highlight=False)
        for r in results:
            style = _VERDICT_STYLE[r.verdict.value]
            console.print(f"[{style}]{r.verdict.value:>10}[/{style}]  {r.format.value:<18} {r.path}")
    return emit_report(report, args)


def run_convert(args: argparse.Namespace) -> int:
    from mlsecure.artifacts.convert import convert
    from mlsecure.io.outputs import check_output

    destination = args.output or args.model.with_suffix(".safetensors")
    # never through the model itself (also not a hard or symbolic link to it); existing only with --force
    check_output(destination, inputs=[args.model], force=args.force, what="converted model")
    result = convert(args.model, destination, to=args.to, overwrite=args.force)
    print(f"mlsecure: wrote {result.tensors} tensors ({result.bytes_written} bytes) to {result.destination} "
          f"(source sha256 {result.source_sha256[:16]}...)", file=sys.stderr)
    return exit_codes.OK
