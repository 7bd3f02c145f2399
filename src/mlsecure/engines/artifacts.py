"""``artifact scan`` of a folder tree on an engine: one task per file, results in path order."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from mlsecure.errors import InputError

if TYPE_CHECKING:
    from mlsecure.artifacts.scan import ArtifactResult
    from mlsecure.engines import Engine


def files_under(paths: Iterable[str | Path]) -> list[Path]:
    """Every non-directory under each path, sorted per path (the order ``scan_paths`` reports in)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise InputError(f"{path}: no such file or directory")
        if path.is_dir() and not path.is_symlink():
            out.extend(sorted(p for p in path.rglob("*") if p.is_symlink() or not p.is_dir()))
        else:
            out.append(path)
    return out


def _scan_one(path: Path) -> list[ArtifactResult]:
    from mlsecure.artifacts.scan import scan_path

    return scan_path(path)


def scan_paths_on(engine: Engine, paths: Iterable[str | Path]) -> list[ArtifactResult]:
    """Same results as ``mlsecure.artifacts.scan.scan_paths(paths)``, each file scanned as one task."""
    return [r for batch in engine.map(_scan_one, files_under(paths)) for r in batch]
