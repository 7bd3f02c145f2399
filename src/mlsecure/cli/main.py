"""Entry point: ``main(argv) -> int``. Each command group is a module with ``register`` and ``run``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from mlsecure import __version__
from mlsecure.cli import exit_codes
from mlsecure.errors import MLSecureError

# Command-group modules, in the order ``mlsecure --help`` lists them. A module that is not part of
# this build (an optional capability not yet shipped) is left out of the parser.
COMMAND_MODULES: tuple[str, ...] = (
    "mlsecure.cli.scan_cmd",
    "mlsecure.cli.demo_cmd",
    "mlsecure.cli.catalog_cmd",
    "mlsecure.cli.artifact_cmd",
    "mlsecure.cli.privacy_cmd",
    "mlsecure.cli.deps_cmd",
    "mlsecure.cli.gateway_cmd",
    "mlsecure.cli.audit_cmd",
    "mlsecure.cli.version_cmd",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2 (its default is 2 too)."""

    def error(self, message: str) -> None:  # type: ignore[override]  # argparse's signature is NoReturn
        self.exit(exit_codes.ERROR, f"mlsecure: error: {message} (see --help)\n")


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = _Parser(prog="mlsecure", description="Secure machine-learning systems end to end.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    parser.add_argument("--version", action="version", version=f"mlsecure {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    handlers: dict[str, ModuleType] = {}
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        for command in module.register(subparsers):
            handlers[command] = module
    return parser, handlers


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return exit_codes.ERROR
    try:
        code: int = handlers[args.command].run(args)
        return code
    except MLSecureError as exc:
        if args.debug:
            raise
        print(f"mlsecure: error: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    except KeyboardInterrupt:
        print("mlsecure: interrupted", file=sys.stderr)
        return 130


def console_main() -> None:
    """The ``mlsecure`` console script."""
    sys.exit(main())


if __name__ == "__main__":
    console_main()
