"""safetensors: header JSON validity, dtypes, shapes, offsets in bounds, contiguous, no overlap."""

from __future__ import annotations

import ast
import base64
import binascii
import json
import math
import re
import struct
from collections import Counter
from typing import Any, ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan import jsontext
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.findings import Severity

DTYPE_BITS = {"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16,
              "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "F64": 64, "I64": 64, "U64": 64,
              "C64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6}


class SafetensorsScanner(Scanner):
    name = "safetensors"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.SAFETENSORS})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        with blob.open() as handle:
            prefix = handle.read(8)
            if len(prefix) != 8:
                return [Issue(IssueKind.TENSOR_LAYOUT, Severity.HIGH, "file shorter than the 8-byte header length")]
            (length,) = struct.unpack("<Q", prefix)
            if length > session.limits.max_header_bytes:
                return [Issue(IssueKind.RESOURCE_LIMIT, Severity.HIGH, f"safetensors header of {length} bytes")]
            raw = handle.read(length)
        if len(raw) != length:
            return [Issue(IssueKind.TENSOR_LAYOUT, Severity.HIGH, "header runs past the end of the file")]
        try:
            header = json.loads(raw, object_pairs_hook=_object)
        except (ValueError, RecursionError) as exc:
            return [Issue(IssueKind.TENSOR_LAYOUT, Severity.HIGH, f"header is not valid JSON: {exc}")]
        issues = check_header(header, blob.size - 8 - length)
        issues.extend(_duplicate_keys(header))
        for metadata in _every_value(header, "__metadata__"):
            if isinstance(metadata, dict):
                issues.extend(scan_metadata(metadata, session))
        return issues


class _PairedObject(dict[str, Any]):
    """A JSON object that keeps every (key, value) pair it was written with, repeated keys included.

    ``json.loads`` keeps the last of two equal keys and safetensors does too inside ``__metadata__`` (it refuses a
    second ``__metadata__``); readers that stop at the first match see the other value. Every value is judged."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A plain dict, or a ``_PairedObject`` when a key repeats (a header of 20,000 tensors stays fast)."""
    plain = dict(pairs)
    return plain if len(plain) == len(pairs) else _PairedObject(pairs)


def _every_value(obj: Any, key: str) -> list[Any]:
    if isinstance(obj, _PairedObject):
        return [value for name, value in obj.pairs if name == key]
    return [obj[key]] if isinstance(obj, dict) and key in obj else []


def _duplicate_keys(header: Any) -> list[Issue]:
    """A header (or its ``__metadata__``) that names a key twice: JSON readers disagree on which value counts."""
    objects = [("", header), *(("__metadata__ key ", m) for m in _every_value(header, "__metadata__"))]
    repeated = sorted({f"{where}{name!r}" for where, obj in objects
                       if isinstance(obj, _PairedObject)
                       for name, count in Counter(key for key, _ in obj.pairs).items() if count > 1})
    if not repeated:
        return []
    return [Issue(IssueKind.TENSOR_LAYOUT, Severity.MEDIUM,
                  f"header names {', '.join(repeated[:5])} more than once: JSON readers disagree on which value counts "
                  "(safetensors keeps the last or refuses the file); every value was checked",
                  evidence={"keys": repeated[:20]})]


def scan_metadata(metadata: dict[str, Any], session: Session) -> list[Issue]:
    """``__metadata__`` is free text that applications read back: values that are Python code, a
    pickle (raw or base64) or a model config that imports code are reported like the real thing."""
    from mlsecure.artifacts.scan import config_imports
    from mlsecure.artifacts.scan.keras_scan import scan_config

    issues: list[Issue] = []
    pairs = metadata.pairs if isinstance(metadata, _PairedObject) else list(metadata.items())
    if len(pairs) > MAX_METADATA_KEYS:  # the rest is not read: a payload there would otherwise pass as "safe"
        issues.append(Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                            f"cannot verify __metadata__: {len(pairs)} keys, only the first {MAX_METADATA_KEYS} "
                            "were checked", evidence={"keys": len(pairs), "limit": MAX_METADATA_KEYS}))
    for key, value in pairs[:MAX_METADATA_KEYS]:
        if not isinstance(value, str) or not value.strip():
            continue
        where = f"__metadata__[{key!r}]"
        calls = python_code_calls(value)
        if calls:
            issues.append(Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM,
                                f"{where} holds Python code that calls {', '.join(calls[:5])}",
                                evidence={"key": key, "calls": calls[:10], "value": value[:200]}))
        if any(marker in value for marker in config_imports.MARKERS):  # Hydra _target_ & co in a JSON/YAML value
            issues.extend(config_imports.import_issues(config_imports.parse_document(value), where))
        for payload in _embedded_bytes(value):
            inner = session.scan_child(Blob(name=where, data=payload))
            if any(i.severity >= Severity.MEDIUM for i in inner):
                issues.extend(i.inside(where) for i in inner)
        if value.lstrip().startswith("{") and ("class_name" in value or "module" in value or "\\u00" in value):
            try:
                config = jsontext.loads(value)
            except ValueError:
                continue
            except RecursionError:  # deeper than a loader with the default recursion limit parses: fail closed
                issues.append(Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                                    f"cannot verify {where}: a config nested deeper than Python's recursion limit",
                                    evidence={"key": key}))
                continue
            issues.extend(scan_config(config, where, session))
    return issues


MAX_METADATA_KEYS = 10_000
CODE_CALLS = frozenset({"eval", "exec", "compile", "__import__", "getattr", "setattr", "open", "system", "popen",
                        "run", "call", "check_output", "Popen", "spawn", "execv", "execve", "load", "loads",
                        "import_module", "urlopen", "remove", "rmtree"})


def python_code_calls(text: str) -> list[str]:
    """The code-running calls in ``text`` if it parses as Python statements with at least one import or
    such call; prose and numbers do not parse, or parse without calls."""
    if len(text) > 1 << 20 or ("(" not in text and "import" not in text):
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names]
            found.append("import " + ", ".join(names) if isinstance(node, ast.Import) else f"from {node.module} import")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in CODE_CALLS:
                found.append(f"{name}()")
    return sorted(set(found))


def _embedded_bytes(value: str) -> list[bytes]:
    """A value that is base64 of at least 16 bytes, decoded (pickles hide there)."""
    compact = value.strip()
    if len(compact) < 24 or len(compact) > 64 * 1024**2 or not _BASE64.fullmatch(compact):
        return []
    try:
        return [base64.b64decode(compact, validate=True)]
    except (ValueError, binascii.Error):
        return []


_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]+")


def check_header(header: Any, data_size: int) -> list[Issue]:
    """Validate a parsed header against a data section of ``data_size`` bytes."""
    if not isinstance(header, dict):
        return [Issue(IssueKind.TENSOR_LAYOUT, Severity.HIGH, "header is not a JSON object")]
    issues: list[Issue] = []
    spans: list[tuple[int, int, str]] = []
    for name, info in header.items():
        if name == "__metadata__":
            if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
                issues.append(Issue(IssueKind.TENSOR_LAYOUT, Severity.MEDIUM, "__metadata__ is not a str->str map"))
            continue
        problem = _tensor_problem(info)
        if problem:
            issues.append(Issue(IssueKind.TENSOR_LAYOUT, Severity.HIGH, f"tensor {name!r}: {problem}",
                                evidence={"tensor": name}))
            continue
        begin, end = info["data_offsets"]
        need = math.prod(info["shape"]) * DTYPE_BITS[info["dtype"]]
        if end - begin != (need + 7) // 8:
            issues.append(Issue(IssueKind.TENSOR_LAYOUT, Severity.HIGH,
                                f"tensor {name!r}: {end - begin} bytes for shape {info['shape']} of {info['dtype']}",
                                evidence={"tensor": name}))
        if end > data_size:
            issues.append(Issue(IssueKind.TENSOR_LAYOUT, Severity.HIGH,
                                f"tensor {name!r}: offsets end at {end}, past the {data_size}-byte data section",
                                evidence={"tensor": name}))
        spans.append((begin, end, name))
    spans.sort()
    cursor = 0
    for begin, end, name in spans:
        if begin < cursor:
            issues.append(Issue(IssueKind.TENSOR_LAYOUT, Severity.HIGH, f"tensor {name!r} overlaps another tensor",
                                evidence={"tensor": name}))
        elif begin > cursor:
            issues.append(Issue(IssueKind.TENSOR_LAYOUT, Severity.MEDIUM, f"unused gap before tensor {name!r}",
                                evidence={"tensor": name, "gap": begin - cursor}))
        cursor = max(cursor, end)
    if not issues and cursor != data_size:
        issues.append(Issue(IssueKind.TENSOR_LAYOUT, Severity.MEDIUM,
                            f"{data_size - cursor} trailing bytes after the last tensor"))
    return issues


def _tensor_problem(info: Any) -> str | None:
    if not isinstance(info, dict):
        return "entry is not an object"
    if info.get("dtype") not in DTYPE_BITS:
        return f"unknown dtype {info.get('dtype')!r}"
    shape = info.get("shape")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        return f"bad shape {shape!r}"
    offsets = info.get("data_offsets")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
            or not 0 <= offsets[0] <= offsets[1]):
        return f"bad data_offsets {offsets!r}"
    return None
