"""NumPy ``.npy`` files: the header is parsed as a literal; object arrays carry a pickle.

``np.load(allow_pickle=True)`` unpickles whatever follows the header of an object array, so that
pickle is scanned like any other (NumPy 2.x writes it with protocol 3+).
"""

from __future__ import annotations

import ast
import re
import struct
from typing import Any, ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.artifacts.scan.pickle_scan import scan_stream
from mlsecure.findings import Severity


class NumpyScanner(Scanner):
    name = "numpy"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.NUMPY})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        with blob.open() as handle:
            prefix = handle.read(10)
            if len(prefix) < 10:
                return [Issue(IssueKind.MALFORMED, Severity.HIGH, "truncated .npy header")]
            major = prefix[6]
            if major == 1:
                (length,) = struct.unpack("<H", prefix[8:10])
                start = 10
            else:
                handle.seek(8)
                (length,) = struct.unpack("<I", handle.read(4))
                start = 12
            if length > session.limits.max_header_bytes:
                return [Issue(IssueKind.RESOURCE_LIMIT, Severity.HIGH, f".npy header of {length} bytes")]
            handle.seek(start)
            raw = handle.read(length)
            try:
                header = ast.literal_eval(raw.decode("latin-1"))
            except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
                return [Issue(IssueKind.MALFORMED, Severity.HIGH, f".npy header is not a Python literal: {exc}")]
            if not isinstance(header, dict) or not {"descr", "fortran_order", "shape"} <= set(header):
                return [Issue(IssueKind.MALFORMED, Severity.HIGH, ".npy header lacks descr/fortran_order/shape")]
            if not has_object(header["descr"]):
                return [Issue(IssueKind.CODE_FORMAT, Severity.INFO, "numeric .npy array",
                              evidence={"descr": str(header["descr"]), "shape": str(header["shape"])})]
            issues = [Issue(IssueKind.OBJECT_ARRAY, Severity.LOW,
                            "object array: loading it needs allow_pickle=True (the pickle after the header is "
                            "scanned)", offset=start + length, evidence={"descr": str(header["descr"])})]
            handle.seek(start + length)
            issues.extend(scan_stream(handle, session, end=blob.size, base=start + length))
            return issues


# A dtype string that positively names no object field: numpy's type codes and names for numbers, text,
# bytes, void and dates, optionally byte-ordered, sized and with a sub-array shape. Anything else (``O``,
# ``object``, ``f8,O``, a StringDType ``T``, a name numpy adds later) counts as possibly object: ``np.load``
# decides with ``np.dtype(descr).hasobject``, and a syntax test must never be the weaker of the two.
_ORDER = r"[<>|=]?"
_UNIT = r"(?:\[\d*[a-zA-Z]+\])?"
_PLAIN_TYPE = re.compile(
    r"(?:\(\s*(?:\d+\s*,?\s*)*\)\s*)?" + _ORDER + r"(?:"
    r"[?bBhHiIlLqQpPefdgFDG]|[biufc]\d+|[SUVa]\d*|[mM]8?" + _UNIT
    + r"|(?:bool|int|uint|float|complex)(?:8|16|32|64|128|256)?_?|str_?|bytes_?|void\d*"
    r"|datetime64" + _UNIT + r"|timedelta64" + _UNIT
    + r"|half|single|double|longdouble|byte|ubyte|short|ushort|intc|uintc|long|ulong|longlong|ulonglong"
    r"|intp|uintp|csingle|cdouble|clongdouble)"
)


def has_object(descr: Any) -> bool:
    """True unless ``descr`` positively describes a dtype without object fields (fail closed)."""
    if isinstance(descr, str):  # numpy also reads comma-separated field lists here: "f8,O"
        return not all(_PLAIN_TYPE.fullmatch(part.strip()) for part in descr.split(","))
    if isinstance(descr, list):  # structured: [(name, dtype[, shape]), ...]
        return any(not isinstance(f, tuple) or len(f) < 2 or has_object(f[1]) for f in descr)
    return True  # an unexpected descr: treat as possibly object (fail closed)
