"""Entry point: ``main(argv) -> int``. Each command group is a module with ``register`` and ``run``."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import ModuleType

from mlsecure import __version__
from mlsecure.cli import exit_codes
from mlsecure.errors import MLSecureError

# Command name -> the module that registers it, in the order ``mlsecure --help`` lists them. A module
# that is not part of this build (an optional capability not yet shipped) is left out of the parser.
COMMANDS: dict[str, str] = {
    "scan": "mlsecure.cli.scan_cmd",
    "demo": "mlsecure.cli.demo_cmd",
    "catalog": "mlsecure.cli.catalog_cmd",
    "artifact": "mlsecure.cli.artifact_cmd",
    "privacy": "mlsecure.cli.privacy_cmd",
    "deps": "mlsecure.cli.deps_cmd",
    "gateway": "mlsecure.cli.gateway_cmd",
    "audit": "mlsecure.cli.audit_cmd",
    "governance": "mlsecure.cli.governance_cmd",
    "secrets": "mlsecure.cli.secrets_cmd",
    "federated": "mlsecure.cli.federated_cmd",
    "data": "mlsecure.cli.encrypt_cmd",
    "version": "mlsecure.cli.version_cmd",
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2 (its default is 2 too)."""

    def error(self, message: str) -> None:  # type: ignore[override]  # argparse's signature is NoReturn
        self.exit(exit_codes.ERROR, f"mlsecure: error: {message} (see --help)\n")


def build_parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    """The parser with every command, or with ``only`` that one (start-up imports just what runs)."""
    parser = _Parser(prog="mlsecure", description="Secure machine-learning systems end to end.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    parser.add_argument("--version", action="version", version=f"mlsecure {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    handlers: dict[str, ModuleType] = {}
    modules = [COMMANDS[only]] if only in COMMANDS else list(COMMANDS.values())
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        for command in module.register(subparsers):
            handlers[command] = module
    _add_exit_codes(parser)
    return parser, handlers


def _add_exit_codes(parser: argparse.ArgumentParser) -> None:
    """Every command's ``--help`` ends with its exit codes (one shared text, exit_codes.EPILOG)."""
    if not parser.epilog:
        parser.epilog = exit_codes.EPILOG
    elif "exit code" not in parser.epilog:  # a command that states its own exit codes keeps them
        parser.epilog = f"{parser.epilog} {exit_codes.EPILOG}"
    for action in parser._actions:  # argparse has no public accessor for sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                _add_exit_codes(sub)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser, handlers = build_parser(command)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return exit_codes.ERROR
    try:
        with _terminate_as_interrupt():
            code: int = handlers[args.command].run(args)
        return code
    except Terminated:
        print("mlsecure: terminated", file=sys.stderr)
        return 143
    except MLSecureError as exc:
        if args.debug:
            raise
        print(f"mlsecure: error: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    except OSError as exc:
        # a file system refusal not already turned into an MLSecureError (disk full, read-only folder,
        # permission, link loop): one line naming the file, never a traceback
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"mlsecure: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return exit_codes.ERROR
    except KeyboardInterrupt:
        print("mlsecure: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not a verdict: never a traceback, never exit 1 ("findings") or 0
        if args.debug:
            raise
        reason = str(exc).splitlines()[0] if str(exc) else ""
        print(f"mlsecure: error: internal error ({type(exc).__name__}{': ' + reason if reason else ''}); nothing "
              "was concluded: rerun with --debug for the traceback and report it", file=sys.stderr)
        return exit_codes.ERROR


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI timeout, ``kill``) raised as an exception, so every ``finally`` runs: the atomic writers
    remove their ``.partial`` files instead of leaving them behind as the default handler would."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield  # signal handlers can only be set from the main thread
        return

    def raise_terminated(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def console_main() -> None:
    """The ``mlsecure`` console script."""
    sys.exit(main())


if __name__ == "__main__":
    console_main()
