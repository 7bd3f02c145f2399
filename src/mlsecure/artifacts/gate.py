"""The safety gate ``load_model`` passes every pickle-based file through before loading it.

``ensure_safe(path)`` raises ``UnsafeArtifactError`` when the file's pickles import anything outside
the allowlist of what legitimate torch / numpy / scikit-learn checkpoints need. It reads opcodes with
``pickletools`` and never imports or executes what it reads. The full artifact scanner
(``mlsecure.artifacts.scan``) supersedes this minimal pass when it is installed.
"""

from __future__ import annotations

import pickletools
import zipfile
from collections.abc import Iterator
from pathlib import Path

from mlsecure.errors import UnsafeArtifactError

SAFE_MODULE_PREFIXES = (
    "sklearn.",
    "numpy.",
    "scipy.sparse.",
    "torch.",
    "collections.",
    "joblib.numpy_pickle.",
    "_codecs.",
    "__torch__.",  # TorchScript classes, resolved by torch's C++ loader from the archive's own code
)
SAFE_MODULES = frozenset({"numpy", "torch", "collections", "_codecs", "copyreg"})
SAFE_BUILTINS = frozenset({"slice", "complex", "set", "frozenset", "bytearray", "range", "dict", "list",
                           "tuple", "int", "float", "bool", "str", "bytes", "object"})
DENIED_NAMES = frozenset({"system", "popen", "eval", "exec", "getattr", "__import__", "open", "load", "loads",
                          "attrgetter", "methodcaller", "import_module", "run_path", "run_module", "call",
                          "check_output", "Popen", "compile", "apply", "_load", "spawn", "fetch_openml"})


def ensure_safe(path: Path) -> None:
    """Raise ``UnsafeArtifactError`` unless every global the file's pickles import is allowlisted."""
    reasons = [f"{where}: imports {module}.{name}" for where, module, name in iter_globals(path)
               if not is_allowed(module, name)]
    if reasons:
        raise UnsafeArtifactError(
            f"{path}: refused to load: the file imports code outside the safe allowlist ({reasons[0]}); "
            "run `mlsecure artifact scan` for the full analysis",
            tuple(reasons),
        )


def is_allowed(module: str, name: str) -> bool:
    if name.split(".")[-1] in DENIED_NAMES:
        return False
    if module == "builtins" or module == "__builtin__":
        return name in SAFE_BUILTINS
    if module == "copyreg":
        return name == "_reconstructor"
    return module in SAFE_MODULES or module.startswith(SAFE_MODULE_PREFIXES)


def iter_globals(path: Path) -> Iterator[tuple[str, str, str]]:
    """Yield ``(where, module, name)`` for each global imported by the pickles in ``path``."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".pkl"):
                    yield from _pickle_globals(archive.read(member), f"{path.name}!{member}")
        return
    yield from _pickle_globals(path.read_bytes(), path.name)


def _pickle_globals(data: bytes, where: str) -> Iterator[tuple[str, str, str]]:
    """Emulate just enough of the stack to resolve STACK_GLOBAL's two string operands."""
    strings: list[str] = []
    memo: dict[int, str] = {}
    pos = 0
    while pos < len(data):
        try:
            ops = list(pickletools.genops(data[pos:]))
        except Exception as exc:  # malformed stream: fail closed
            raise UnsafeArtifactError(f"{where}: malformed pickle stream: {exc}", (str(exc),)) from None
        if not ops:
            return
        for op, arg, _offset in ops:
            if op.name == "GLOBAL" or op.name == "INST":
                module, _, name = str(arg).partition(" ")
                yield where, module, name
            elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
                strings.append(str(arg))
            elif op.name in ("BINPUT", "LONG_BINPUT", "PUT") and strings:
                memo[int(arg)] = strings[-1]
            elif op.name == "MEMOIZE" and strings:
                memo[len(memo)] = strings[-1]
            elif op.name in ("BINGET", "LONG_BINGET", "GET"):
                if int(arg) in memo:
                    strings.append(memo[int(arg)])
            elif op.name == "STACK_GLOBAL":
                if len(strings) < 2:
                    raise UnsafeArtifactError(f"{where}: STACK_GLOBAL with unresolvable operands", ())
                yield where, strings[-2], strings[-1]
        last_op, _, last_offset = ops[-1]
        pos += last_offset + 1
        while pos < len(data) and data[pos : pos + 1] in (b"\x00", b"\n", b" "):
            pos += 1
        if pos < len(data) and not (data[pos] == 0x80 or data[pos : pos + 1] in (b"(", b"}", b"]", b"c")):
            return  # trailing non-pickle bytes (e.g. joblib's raw array data) end the scan
