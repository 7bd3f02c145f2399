"""Keras model configs carried as strings inside protobuf messages, found without their schemas.

A TensorFlow-Keras SavedModel keeps each layer's Keras config as JSON in ``keras_metadata.pb``
(``SavedMetadata.nodes[].metadata``) and, in older versions, in ``saved_model.pb``
(``SavedObjectGraph.nodes[].user_object.metadata``). ``tf.keras.models.load_model`` revives layers from
that JSON, so a ``Lambda`` layer's marshalled bytecode runs on load (CVE-2024-3660 class) while the
graph's ops are harmless. The message tree is walked with a stack (no schema, no recursion): every
length-delimited field that parses as a message is walked, and every one that reads as a JSON object
naming a ``class_name`` or module is judged as a Keras config.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlsecure.artifacts.scan import jsontext
from mlsecure.artifacts.scan.interface import Issue, IssueKind, Session
from mlsecure.artifacts.scan.protobuf import LENGTH, ProtobufError, fields
from mlsecure.findings import Severity

MAX_FIELDS = 5_000_000  # fields visited per file (a payload that also parses as a message is walked once per level)
_CONFIG_KEYS = (b"class_name", b"module", b"\\u00")  # a config names a class or module (keys may be escaped)


def is_message(buf: bytes | memoryview) -> bool:
    """Whether the whole buffer parses as one protobuf message with at least one field."""
    try:
        return any(True for _ in fields(buf))
    except ProtobufError:
        return False


def embedded_configs(buf: bytes | memoryview, where: str, session: Session | None) -> Iterator[Issue]:
    """Issues of every Keras config found in the strings of the message in ``buf``."""
    todo = [(0, len(buf))]
    visited = 0
    while todo:
        start, end = todo.pop()
        try:
            found = list(fields(buf, start, end))
        except ProtobufError:
            continue  # a string, not a message
        visited += len(found)
        if visited > MAX_FIELDS:
            yield Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                        f"cannot verify: more than {MAX_FIELDS} protobuf fields searched for model configs")
            return
        for f in reversed(found):
            if f.wire != LENGTH or f.length < 2:
                continue
            payload = bytes(buf[f.value : f.value + min(f.length, 64)])
            if payload.lstrip()[:1] == b"{":
                text = bytes(buf[f.value : f.value + f.length])
                if any(key in text for key in _CONFIG_KEYS):
                    yield from _config(text, f"{where}@{f.value}", session)
                    continue
            todo.append((f.value, f.value + f.length))


def _config(text: bytes, where: str, session: Session | None) -> Iterator[Issue]:
    from mlsecure.artifacts.scan.keras_scan import scan_config

    try:
        config = jsontext.loads(text)
    except ValueError:
        return
    except RecursionError:
        yield Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                    f"cannot verify {where}: a config nested deeper than Python's recursion limit")
        return
    yield from scan_config(config, where, session)
