"""GGUF (llama.cpp): header, metadata bounds, and the ``tokenizer.chat_template`` Jinja template.

Chat templates are rendered by Jinja2 in Python servers; a template that walks ``__class__`` /
``__globals__`` / ``__subclasses__`` reaches ``os`` (llama-cpp-python CVE-2024-34359).
"""

from __future__ import annotations

import struct
from typing import IO, Any, ClassVar

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.findings import Severity

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
STRING, ARRAY = 8, 9
MAX_KV = 1_000_000
MAX_ARRAY = 50_000_000
TEMPLATE_KEYS = ("tokenizer.chat_template",)


def template_issues(key: str, template: str) -> list[Issue]:
    """Issues for one chat template, judged by ``chat_template.template_problems``."""
    from mlsecure.artifacts.scan.chat_template import template_problems  # jinja2 only when needed

    found, note, verified = template_problems(template)
    if found:
        return [Issue(IssueKind.TEMPLATE_INJECTION, Severity.CRITICAL,
                      f"{key} reaches Python internals from the Jinja template",
                      evidence={"key": key, "lookups": found[:10], "template": template[:300]})]
    if note and not verified:  # fail closed: what the rest of the template does was not checked
        return [Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM, f"cannot verify {key}: {note}",
                      evidence={"key": key})]
    if note:
        return [Issue(IssueKind.CODE_FORMAT, Severity.LOW, f"{key}: {note}", evidence={"key": key})]
    return []


class GgufScanner(Scanner):
    name = "gguf"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.GGUF})

    def scan(self, blob: Blob, session: Session) -> list[Issue]:
        try:
            with blob.open() as handle:
                return _scan(handle, session)
        except (struct.error, _Limit) as exc:
            kind = IssueKind.RESOURCE_LIMIT if isinstance(exc, _Limit) else IssueKind.MALFORMED
            return [Issue(kind, Severity.HIGH, f"GGUF header: {exc}")]


class _Limit(Exception):
    pass


def _scan(handle: IO[bytes], session: Session) -> list[Issue]:
    _magic, version = struct.unpack("<4sI", handle.read(8))
    if version not in (1, 2, 3):
        return [Issue(IssueKind.MALFORMED, Severity.HIGH, f"unknown GGUF version {version}")]
    count_fmt = "<I" if version == 1 else "<Q"
    (n_tensors,) = struct.unpack(count_fmt, handle.read(struct.calcsize(count_fmt)))
    (n_kv,) = struct.unpack(count_fmt, handle.read(struct.calcsize(count_fmt)))
    if n_kv > MAX_KV:
        raise _Limit(f"{n_kv} metadata entries")
    limit = session.limits.max_header_bytes
    issues: list[Issue] = []
    keys = []
    for _ in range(n_kv):
        key = _string(handle, count_fmt, limit)
        (vtype,) = struct.unpack("<I", handle.read(4))
        # llama.cpp looks keys up with strcmp and hands values out as C strings (llama-cpp-python reads them through
        # ctypes ``.value``): both end at the first NUL, so ``tokenizer.chat_template\0x`` is the template key and a
        # template is also what precedes its first NUL (a valid prefix before bytes that break the whole's parse)
        c_key = key.split("\x00", 1)[0]
        template = c_key in TEMPLATE_KEYS or c_key.startswith("tokenizer.chat_template.")
        value = _value(handle, vtype, count_fmt, limit, keep=template)
        keys.append(key)
        if isinstance(value, str) and template:
            issues.extend(template_issues(c_key, value))
            if "\x00" in value:
                issues.extend(template_issues(f"{c_key} (up to its first NUL byte)", value.split("\x00", 1)[0]))
    issues.append(Issue(IssueKind.CODE_FORMAT, Severity.INFO, "GGUF metadata parsed",
                        evidence={"tensors": n_tensors, "metadata_keys": len(keys)}))
    return issues


def _string(handle: IO[bytes], count_fmt: str, limit: int, *, keep: bool = True) -> str:
    (length,) = struct.unpack(count_fmt, handle.read(struct.calcsize(count_fmt)))
    if length > limit:
        raise _Limit(f"a {length}-byte string")
    if not keep:
        handle.seek(length, 1)
        return ""
    raw = handle.read(length)
    if len(raw) != length:
        raise struct.error("truncated string")
    return raw.decode("utf-8", errors="replace")


def _value(handle: IO[bytes], vtype: int, count_fmt: str, limit: int, *, keep: bool) -> Any:
    if vtype in _SCALARS:
        fmt = _SCALARS[vtype]
        return struct.unpack(fmt, handle.read(struct.calcsize(fmt)))[0]
    if vtype == STRING:
        return _string(handle, count_fmt, limit, keep=keep)
    if vtype == ARRAY:
        (item_type,) = struct.unpack("<I", handle.read(4))
        (n,) = struct.unpack(count_fmt, handle.read(struct.calcsize(count_fmt)))
        if n > MAX_ARRAY:
            raise _Limit(f"an array of {n} items")
        if item_type in _SCALARS:
            handle.seek(n * struct.calcsize(_SCALARS[item_type]), 1)
        else:
            for _ in range(n):
                _value(handle, item_type, count_fmt, limit, keep=False)
        return None
    raise struct.error(f"unknown metadata value type {vtype}")
