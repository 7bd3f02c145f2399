"""The verdict the CLI gives at its default threshold: flagged when any issue is medium or above."""

from __future__ import annotations

from pathlib import Path

from mlsecure.artifacts.scan import scan_path
from mlsecure.findings import Severity

DEFAULT_FAIL_ON = Severity.MEDIUM


def flagged(path: Path, fail_on: Severity = DEFAULT_FAIL_ON) -> tuple[bool, str]:
    """(flagged?, the highest issue as 'severity: title') for a sample file or folder."""
    issues = [i for result in scan_path(path) for i in result.issues]
    top = max(issues, key=lambda i: i.severity, default=None)
    why = f"{top.severity.name.lower()}: {top.title}" if top is not None else "no issues"
    return any(i.severity >= fail_on for i in issues), why
