"""The safety gate ``load_model`` passes every pickle-based file through before loading it.

* ``ensure_safe(path, trusted=())`` runs the full artifact scanner (``mlsecure.artifacts.scan``) and raises
  ``UnsafeArtifactError`` unless the file scans clean (nothing at or above ``medium``: no global
  outside the allowlist, nothing unparseable, nothing unsupported); globals from modules the user
  trusts (``--trust-module``) pass, and nothing else does;
* ``is_allowed(module, name)`` is the scanner's allowlist (exact pairs, ``scan/allowlist.py``);
* ``is_load_allowed(module, name)`` is the smaller load policy: only the entries a scikit-learn model,
  NumPy arrays and PyTorch tensors need (marked ``load`` in the allowlist);
* ``restricted_load(path)`` unpickles a raw pickle or a joblib dump (plain or zlib/gzip/bz2/xz
  compressed, with its inline NumPy buffers) resolving only load-policy globals, so even a file the
  scanner passed cannot reach pandas, pyarrow or torch.nn while being loaded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from mlsecure.errors import InputError, ModelLoadError, UnsafeArtifactError
from mlsecure.findings import Severity

BLOCKING = Severity.MEDIUM


def ensure_safe(path: Path, trusted: Sequence[str] = (), *, trustable: bool = False) -> tuple[tuple[str, str], ...]:
    """Raise ``UnsafeArtifactError`` unless ``path`` scans clean (nothing at or above ``medium``); return the
    ``(module, name)`` globals its pickles import, each now cleared.

    ``trusted`` (``--trust-module``) waives only "unverified import" issues of a global no list names (``medium``,
    or ``high`` because the loader calls it: trusting a module is trusting its classes to be constructed) whose
    module is a trusted one (or below it): a denylisted, resolver or code-execution global is never waived. A refusal
    that trust could lift names the ``--trust-module`` to pass in its first line, when the caller's loader
    honours trust (``trustable``: a ``torch.save`` archive)."""
    from mlsecure.artifacts.scan import scan_file

    result = scan_file(Path(path))
    blocking = sorted((i for i in result.issues if i.severity >= BLOCKING and not waived_by_trust(i, trusted)),
                      key=lambda i: -i.severity.rank)
    if blocking:
        reasons = tuple(f"{i.member + ': ' if i.member else ''}{i.title}" for i in blocking)
        raise UnsafeArtifactError(
            f"{path}: refused to load: {_refusal_reason(blocking, reasons[0], result, trustable=trustable)}", reasons)
    found: dict[tuple[str, str], None] = {}
    for issue in result.issues:
        for module, name in issue.evidence.get("imports", ()):
            found[(str(module), str(name))] = None
    return tuple(found)


def is_trusted(module: str, trusted: Sequence[str]) -> bool:
    """True when ``module`` is one of the ``trusted`` module names or inside one of them."""
    return any(module == t or module.startswith(t + ".") for t in trusted)


def waived_by_trust(issue: Any, trusted: Sequence[str]) -> bool:
    """Whether ``--trust-module`` ``trusted`` lifts this scanner issue (``_trustable``, from a trusted module)."""
    return bool(trusted) and _trustable(issue) and is_trusted(str(issue.evidence.get("module", "")), trusted)


def _trustable(issue: Any) -> bool:
    """An "unverified import" that trust can lift: a global that is medium because no list names it, or high only
    because the loader calls it (``policy.called``; the scanner marks both ``unlisted``), never one the denylist,
    a dangerous name or a resolver made high."""
    from mlsecure.artifacts.scan import IssueKind

    called_unlisted = issue.severity == Severity.HIGH and issue.evidence.get("unlisted") is True
    return issue.kind is IssueKind.UNVERIFIED_IMPORT and (issue.severity == Severity.MEDIUM or called_unlisted)


def _refusal_reason(blocking: list[Any], first: str, result: Any, *, trustable: bool) -> str:
    """Why, in one line; when every blocker is an unverified import from a named module, the trust to pass."""

    builtin = UNTRUSTABLE - {"__main__"}  # __main__ gets its own advice below
    trustable = trustable and all(_trustable(i) and str(i.evidence.get("module", "")) not in builtin for i in blocking)
    if not trustable:
        return (f"scan verdict {result.verdict.value} ({first}); run `mlsecure artifact scan` for the full "
                "analysis")
    names = sorted({str(i.evidence.get("global", "")) for i in blocking})
    modules = sorted({str(i.evidence.get("module", "")) for i in blocking})
    if "__main__" in modules:
        return (f"it imports {', '.join(names)}, outside the allowlist, from a script's __main__ (not importable "
                "by name): save model.state_dict() and pass --model-class MODULE:NAME instead")
    flags = " ".join(f"--trust-module {m}" for m in modules)
    return (f"it imports {', '.join(names)}, outside the allowlist; if you trust that code, pass {flags} "
            f"(Python: trust_modules={modules!r})")


UNTRUSTABLE = frozenset({"builtins", "__builtin__", "__builtins__", "__main__"})
"""Modules ``--trust-module`` never accepts (``__main__`` is whatever script runs the scan)."""


def check_trusted_modules(trusted: Sequence[str]) -> tuple[str, ...]:
    """The ``--trust-module`` names, validated: dotted identifiers, never builtins or a denylisted module."""
    from mlsecure.artifacts.scan.policy import DANGEROUS_MODULES, DANGEROUS_SUBTREES

    out: list[str] = []
    for name in [trusted] if isinstance(trusted, str) else trusted:
        if not name or not all(part.isidentifier() for part in name.split(".")):
            raise InputError(f"--trust-module {name!r}: expected a module name such as mypkg.models")
        if name in UNTRUSTABLE or any(name == d or name.startswith(d + ".") for d in DANGEROUS_MODULES) or any(
                name == s or name.startswith(s + ".") for s in DANGEROUS_SUBTREES):
            raise InputError(f"--trust-module {name}: a module that can run code, touch files or the network is "
                             "never trusted; trust the module that defines your model class")
        out.append(name)
    return tuple(dict.fromkeys(out))


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
