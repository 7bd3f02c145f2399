"""The safety gate ``load_model`` passes every pickle-based file through before loading it.

* ``ensure_safe(path)`` runs the full artifact scanner (``mlsecure.artifacts.scan``) and raises
  ``UnsafeArtifactError`` unless the file scans clean (nothing at or above ``medium``: no global
  outside the allowlist, nothing unparseable, nothing unsupported);
* ``is_allowed(module, name)`` is the scanner's allowlist (exact pairs, ``scan/allowlist.py``);
* ``is_load_allowed(module, name)`` is the smaller load policy: only the entries a scikit-learn model,
  NumPy arrays and PyTorch tensors need (marked ``load`` in the allowlist);
* ``restricted_load(path)`` unpickles a raw pickle or a joblib dump (plain or zlib/gzip/bz2/xz
  compressed, with its inline NumPy buffers) resolving only load-policy globals, so even a file the
  scanner passed cannot reach pandas, pyarrow or torch.nn while being loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlsecure.errors import ModelLoadError, UnsafeArtifactError
from mlsecure.findings import Severity

BLOCKING = Severity.MEDIUM


def ensure_safe(path: Path) -> None:
    """Raise ``UnsafeArtifactError`` unless ``path`` scans clean (nothing at or above ``medium``)."""
    from mlsecure.artifacts.scan import scan_file

    result = scan_file(Path(path))
    blocking = sorted((i for i in result.issues if i.severity >= BLOCKING), key=lambda i: -i.severity.rank)
    if blocking:
        reasons = tuple(f"{i.member + ': ' if i.member else ''}{i.title}" for i in blocking)
        raise UnsafeArtifactError(
            f"{path}: refused to load: scan verdict {result.verdict.value} ({reasons[0]}); "
            "run `mlsecure artifact scan` for the full analysis",
            reasons,
        )


def ensure_safe_tree(path: Path) -> None:
    """``ensure_safe`` for a file, or for every file under a model folder (a Hugging Face checkpoint)."""
    path = Path(path)
    if path.is_dir():
        for member in sorted(p for p in path.rglob("*") if p.is_file() or p.is_symlink()):
            ensure_safe(member)
    else:
        ensure_safe(path)


def is_allowed(module: str, name: str) -> bool:
    """True when the global ``module.name`` is on the allowlist of legitimate checkpoint globals."""
    from mlsecure.artifacts.scan.policy import classify

    return classify(module, name).safe


def is_load_allowed(module: str, name: str) -> bool:
    """True when ``load_model``'s restricted unpickler may import ``module.name`` (the load policy)."""
    from mlsecure.artifacts.scan.policy import load_allowed

    return load_allowed(module, name)


def iter_globals(path: Path) -> Iterator[tuple[str, str, str]]:
    """Yield ``(where, module, name)`` for every global the pickles in ``path`` import.

    Raises ``UnsafeArtifactError`` when a pickle cannot be parsed (fail closed).
    """
    from mlsecure.artifacts.scan import IssueKind, scan_file

    path = Path(path)
    result = scan_file(path)
    for issue in result.issues:
        if issue.kind is IssueKind.MALFORMED and issue.severity >= Severity.HIGH:
            raise UnsafeArtifactError(f"{path}: {issue.title}", (issue.title,))
    for issue in result.issues:
        where = f"{path.name}!{issue.member}" if issue.member else path.name
        for module, name in issue.evidence.get("imports", ()):
            yield where, str(module), str(name)


def restricted_load(path: Path) -> Any:
    """Unpickle ``path`` (pickle or joblib, compressed or not) resolving only allowlisted globals."""
    import joblib.numpy_pickle as numpy_pickle

    from mlsecure.artifacts.formats import compression_of
    from mlsecure.artifacts.scan.pickle_scan import decompressed

    class _Restricted(numpy_pickle.NumpyUnpickler):  # type: ignore[misc]  # joblib is untyped
        def find_class(self, module: str, name: str) -> Any:
            if not is_load_allowed(module, name):
                raise UnsafeArtifactError(f"{path}: refused global {module}.{name} (not in the load policy)",
                                          (f"{module}.{name}",))
            return super().find_class(module, name)

    path = Path(path)
    with path.open("rb") as raw:
        compression = compression_of(raw.read(32))
        raw.seek(0)
        if compression == "lz4":
            raise ModelLoadError(f"{path}: lz4-compressed joblib files are not supported")
        stream, _end = decompressed(raw, compression, path.stat().st_size)
        try:
            return _Restricted(str(path), stream, False).load()
        except UnsafeArtifactError:
            raise
        except Exception as exc:  # any malformed pickle
            raise ModelLoadError(f"{path}: cannot unpickle: {exc}") from None
