"""Command groups whose verbs live in several modules (``artifact``, ``privacy``).

Each verb module exposes ``register(verbs) -> None`` and sets ``handler=`` on its parsers; a module not
part of this build is left out.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from mlsecure.cli import exit_codes


def add_group(subparsers: Any, name: str, help_text: str, verb_modules: Sequence[str]) -> list[str]:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=type(parser))
    for module_name in verb_modules:
        try:
            importlib.import_module(module_name).register(verbs)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    parser.set_defaults(group_parser=parser)
    return [name]


def run_group(args: argparse.Namespace) -> int:
    handler = getattr(args, "handler", None)
    if handler is None:
        args.group_parser.print_help(sys.stderr)
        return exit_codes.ERROR
    code: int = handler(args)
    return code
