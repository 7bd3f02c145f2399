"""``mlsecure artifact ...``: verbs from ``artifact_scan_cmd`` (scan, convert) and
``artifact_sign_cmd`` (keygen, sign, verify, sbom)."""

from __future__ import annotations

import argparse
from typing import Any

from mlsecure.cli.groups import add_group, run_group


def register(subparsers: Any) -> list[str]:
    return add_group(subparsers, "artifact", "scan, convert, sign and verify model artifacts",
                     ("mlsecure.cli.artifact_scan_cmd", "mlsecure.cli.artifact_sign_cmd"))


def run(args: argparse.Namespace) -> int:
    return run_group(args)
