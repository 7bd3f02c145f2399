#!/usr/bin/env python3
"""The guide's scanner command line, forwarded to ``mlsecure scan``.

    python scripts/security_scan.py --scan robustness --model model.pt --framework pytorch --epsilon 0.03
    python scripts/security_scan.py --scan all --model model.pt --data train.csv

Every option of ``mlsecure scan`` is accepted (``--format``, ``--output``, ``--fail-on``, ``--holdout``, ...).
Like the CLI it builds one ``mlsecure.scan.Session``; from Python call ``mlsecure.scan(...)`` directly.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _import_main():  # type: ignore[no-untyped-def]
    try:
        from mlsecure.cli.main import main
    except ImportError:  # running from a checkout without `pip install -e .`
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        from mlsecure.cli.main import main
    return main


if __name__ == "__main__":
    sys.exit(_import_main()(["scan", *sys.argv[1:]]))
