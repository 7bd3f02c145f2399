"""Regenerate the peer corpus into a folder and print one line per sample: id, label, path.

    PYTHONPATH=src:tests/artifacts_scan python -m peer_corpus OUT_DIR [--scan]

``--scan`` also scans each sample with mlsecure and prints the verdict against the label.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from peer_corpus import build, labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m peer_corpus")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--scan", action="store_true", help="scan each sample with mlsecure (--fail-on medium)")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    paths = build(args.folder)
    manifest = labels()
    wrong = 0
    for sid, path in paths.items():
        label = manifest[sid]
        line = f"{sid}\t{'malicious' if label.malicious else 'benign'}\t{path}"
        if args.scan:
            from peer_corpus.judge import flagged

            hit, why = flagged(path)
            ok = hit == label.malicious
            wrong += not ok
            line += f"\t{'ok' if ok else ('MISS' if label.malicious else 'FALSE-POSITIVE')}\t{why}"
        sys.stdout.write(line + "\n")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
