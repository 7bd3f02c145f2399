"""``mlsecure version``."""

from __future__ import annotations

import argparse
import platform
from typing import Any

from mlsecure import __version__
from mlsecure.cli import exit_codes


def register(subparsers: Any) -> list[str]:
    subparsers.add_parser("version", help="print the mlsecure version")
    return ["version"]


def run(args: argparse.Namespace) -> int:
    del args
    print(f"mlsecure {__version__} (Python {platform.python_version()})")
    return exit_codes.OK
