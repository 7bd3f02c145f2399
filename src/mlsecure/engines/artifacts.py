"""``artifact scan`` of a folder tree on an engine: files in contiguous batches, results in path order.

A Ray task costs about a millisecond to schedule; a small model file scans in about half of that, so
one task per file is slower than one process (``benchmarks/bench_scale.py``). Files go in batches of
``batch`` (default: enough for 8 batches per worker, at most 64 files), each batch one task.
"""

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


def _scan_batch(paths: list[Path]) -> list[ArtifactResult]:
    from mlsecure.artifacts.scan import scan_path

    return [r for p in paths for r in scan_path(p)]


def scan_paths_on(engine: Engine, paths: Iterable[str | Path], *, batch: int | None = None
                  ) -> list[ArtifactResult]:
    """Same results as ``mlsecure.artifacts.scan.scan_paths(paths)``, ``batch`` files per engine task."""
    files = files_under(paths)
    size = batch or max(1, min(64, len(files) // (8 * engine.workers)))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    return [r for done in engine.map(_scan_batch, chunks) for r in done]
