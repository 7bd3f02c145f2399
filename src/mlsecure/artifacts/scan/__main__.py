"""``python -m mlsecure.artifacts.scan PATH...``: the scanner with the lightest start-up.

Prints one ``verdict format path`` line per file and, for every issue at or above ``low``, its
severity, member, offset and title; exits 1 when any file is not ``safe`` (suitable for pre-commit
hooks, where start-up time matters). ``mlsecure artifact scan`` is the full command with reports.
"""

from __future__ import annotations

import sys

from mlsecure.artifacts.scan.engine import scan_paths
from mlsecure.errors import MLSecureError
from mlsecure.findings import Severity


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(__doc__ or "")
        return 0 if argv else 2
    try:
        results = scan_paths(argv)
    except MLSecureError as exc:
        sys.stderr.write(f"mlsecure: {exc}\n")
        return 2
    for result in results:
        sys.stdout.write(f"{result.verdict.value:<10} {result.format.value:<18} {result.path}\n")
        for issue in result.issues:
            if issue.severity >= Severity.LOW:
                where = (issue.member or "") + (f"@{issue.offset}" if issue.offset is not None else "")
                sys.stdout.write(f"    {issue.severity.value:<8} {where} {issue.title}\n")
    return 1 if any(r.verdict.value != "safe" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
