"""What the extractors of peers' YAML rule examples share: reading a bare git mirror, and the command line
(``--git-dir`` a ``fetch``-ed mirror, ``--commit``, ``--out`` the JSON written beside the tests)."""

from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any


def git(git_dir: str, *args: str) -> str:
    """One git command on the bare mirror; its stdout."""
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True,
                          text=True).stdout


def run(description: str, extract: Callable[[str, str], dict[str, Any]],
        summary: Callable[[dict[str, Any]], str]) -> None:
    """Parse the command line, extract at the resolved commit, write the JSON and print ``summary``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--git-dir", required=True)
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    commit = git(args.git_dir, "rev-parse", args.commit).strip()
    document = extract(args.git_dir, commit)
    args.out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(summary(document))
