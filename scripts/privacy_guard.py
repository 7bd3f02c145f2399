#!/usr/bin/env python3
"""The guide's PII commands, as a thin shim over ``mlsecure privacy``:

    python scripts/privacy_guard.py audit --data train.csv
    python scripts/privacy_guard.py anonymize --input data.csv [--output clean.csv]
"""

from __future__ import annotations

import sys
from pathlib import Path


def _main() -> int:
    try:
        from mlsecure.cli.main import main
    except ImportError:  # running from a checkout without an install
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        from mlsecure.cli.main import main
    return main(["privacy", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(_main())
