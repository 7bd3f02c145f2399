"""``mlsecure privacy ...``: verbs from ``privacy_pii_cmd`` (audit, anonymize) and
``privacy_dp_cmd`` (dp epsilon|noise|plan|compose)."""

from __future__ import annotations

import argparse
from typing import Any

from mlsecure.cli.groups import add_group, run_group


def register(subparsers: Any) -> list[str]:
    return add_group(subparsers, "privacy", "PII audit and anonymization, differential-privacy planning",
                     ("mlsecure.cli.privacy_pii_cmd", "mlsecure.cli.privacy_dp_cmd"))


def run(args: argparse.Namespace) -> int:
    return run_group(args)
