"""Small helpers shared by the red-team regression files: write bytes under a name, scan, and return what a
test asserts on (verdict, worst severity, issue titles)."""

from __future__ import annotations

from pathlib import Path

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.findings import Severity


def scan_named(tmp_path: Path, name: str, data: bytes | str) -> tuple[Verdict, Severity, list[str]]:
    """Write ``data`` to ``tmp_path/name`` (parents made) and scan it as the CLI would."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    result = scan_file(path)
    return result.verdict, result.max_severity, [i.title for i in result.issues]
