"""Keras models without TensorFlow: ``.keras`` zips (config.json) and legacy ``.h5`` files.

A ``Lambda`` layer stores marshalled Python bytecode (or a function name) that Keras runs when it
rebuilds the model (CVE-2024-3660 and the ``safe_mode`` bypasses after it); layers and custom
objects naming a ``module``/``function`` outside Keras import arbitrary code. The ``.h5`` model
config is a JSON attribute; it is located in the file's bytes, so h5py is not needed.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import IO, Any, ClassVar

from mlsecure.artifacts.formats import ArtifactFormat, hdf5_offset
from mlsecure.artifacts.scan import jsontext
from mlsecure.artifacts.scan.archive_scan import scan_zip
from mlsecure.artifacts.scan.interface import Blob, Issue, IssueKind, Scanner, Session
from mlsecure.artifacts.scan.policy import classify
from mlsecure.findings import Severity

KERAS_MODULE_PREFIXES = ("keras", "tensorflow.keras", "tf_keras", "keras_nlp", "keras_hub", "keras_cv")
KERAS_ROOTS = frozenset({"keras", "tensorflow", "tf_keras", "keras_nlp", "keras_hub", "keras_cv"})
CODE_LAYERS = frozenset({"Lambda", "__lambda__", "TFOpLambda", "SlicingOpLambda"})
PICKLE_LAYERS = frozenset({"TorchModuleWrapper"})
MODULE_KEYS = ("module", "fn_module", "output_shape_module")
# Keras's own functions that act on the world when a config names them (found in Keras 3's API by
# what they do, not by any sample): download, load other files, switch the safe mode off.
KERAS_SIDE_EFFECTS = {
    "get_file": Severity.LOW, "enable_unsafe_deserialization": Severity.CRITICAL, "load_model": Severity.HIGH,
    "load_weights": Severity.HIGH, "save_model": Severity.HIGH, "save": Severity.HIGH,
    # session 5, Keras 3.15's API read for the same effects: bytecode, file writes, file reads, nested model loads
    "func_load": Severity.CRITICAL, "save_weights": Severity.HIGH, "save_img": Severity.HIGH,
    "plot_model": Severity.HIGH, "KerasFileEditor": Severity.HIGH, "load_img": Severity.MEDIUM,
    # session 7: keras.src.utils.file_utils deletes, extracts, creates and downloads (Keras 3.15's safe mode refuses
    # functions that are not KerasSaveable; earlier Keras 3 releases resolved any function of a Keras module)
    "rmtree": Severity.HIGH, "extract_archive": Severity.HIGH, "extract_open_archive": Severity.HIGH,
    "makedirs": Severity.MEDIUM, "urlretrieve": Severity.HIGH,
}
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class KerasScanner(Scanner):
    name = "keras"
    formats: ClassVar[frozenset[ArtifactFormat]] = frozenset({ArtifactFormat.KERAS_ZIP, ArtifactFormat.HDF5})

    def scan(self, blob: Blob, session: Session) -> Iterator[Issue]:
        with blob.open() as handle:
            hdf5 = handle.seekable() and hdf5_offset(handle, blob.size) is not None  # a user block may come first
        if hdf5 or blob.head(4) == b"\x89HDF":
            return scan_h5(blob, session)
        return scan_zip(blob, session)


def scan_h5(blob: Blob, session: Session | None = None) -> Iterator[Issue]:
    """Find the JSON model configs in an HDF5 file's bytes, reading it in bounded chunks (issues are
    yielded config by config).

    A config is a JSON string stored whole (an attribute value), so it lies in a run of text bytes: raw
    control bytes cannot occur in JSON. Each run holding a config key (``class_name``, ``module``, or any
    ``\\u00`` escape, so an escaped or reordered key is found too) is decoded from every ``{`` in it;
    before session 4 only ``{"class_name"`` was searched, which missed ``{ "class_name"`` and objects
    listing ``config`` first."""
    limit = session.limits.max_header_bytes if session is not None else 100 * 1024**2
    configs = 0
    with blob.open() as handle:
        for start, text in _text_runs(handle, limit):
            idx = text.find("{")
            while idx >= 0:
                if session is not None and session.budget is not None and session.budget.past_deadline():
                    yield Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                                "cannot verify: the time limit was reached while searching the HDF5 file for configs")
                    return
                try:
                    config, stop = jsontext.raw_decode(text, idx)
                except ValueError:
                    idx = text.find("{", idx + 1)
                    continue
                except RecursionError:  # deeper than any loader with the default recursion limit parses
                    yield Issue(IssueKind.RESOURCE_LIMIT, Severity.MEDIUM,
                                "cannot verify: a Keras config nested deeper than Python's recursion limit",
                                offset=start + idx)
                    idx = text.find("{", idx + 1)
                    continue
                if isinstance(config, dict):
                    configs += 1
                    yield from scan_config(config, session=session)
                idx = text.find("{", stop)
    if configs == 0:
        yield Issue(IssueKind.CODE_FORMAT, Severity.INFO, "HDF5 file without a Keras model config")


_CONFIG_MARKERS = (b'lass_name"', b'module"', b"\\u00")  # also "\u0063lass_name" and fully escaped keys
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # bytes JSON text never holds raw


def _text_runs(handle: IO[bytes], limit: int) -> Iterator[tuple[int, str]]:
    """Each maximal run of text bytes (no raw control byte) that holds a config marker, once, as
    (offset, text); runs are read up to ``limit`` bytes."""
    covered = 0
    for offset in list(_marker_offsets(handle, _CONFIG_MARKERS)):  # one pass; the runs are read after it
        if offset < covered:
            continue
        start = _run_start(handle, offset, max(covered, offset - limit))
        handle.seek(start)
        window = handle.read(limit)
        control = _CONTROL.search(window, offset - start)
        run = window[: control.start() if control else len(window)]
        covered = start + len(run) + 1
        yield start, run.decode("utf-8", errors="replace")


def _run_start(handle: IO[bytes], offset: int, floor: int, chunk: int = 1 << 16) -> int:
    """The offset after the last control byte before ``offset`` (not before ``floor``)."""
    pos = offset
    while pos > floor:
        begin = max(floor, pos - chunk)
        handle.seek(begin)
        data = handle.read(pos - begin)
        last = None
        for match in _CONTROL.finditer(data):
            last = match
        if last is not None:
            return begin + last.end()
        pos = begin
    return floor


def _marker_offsets(handle: IO[bytes], marker: bytes | tuple[bytes, ...],
                    chunk: int = 16 * 1024**2) -> Iterator[int]:
    """Sorted offsets where ``marker`` (or any of several markers) starts in a file, found in one read pass with
    ``bytes.find`` (chunks overlap by the longest marker's length, so a marker cut by a boundary is found once)."""
    markers = (marker,) if isinstance(marker, bytes) else marker
    overlap = max(len(m) for m in markers)
    pos = 0
    tail = b""
    while True:
        handle.seek(pos)
        data = handle.read(chunk)
        if not data:
            return
        buf = tail + data
        base = pos - len(tail)
        hits = []
        for m in markers:
            found = buf.find(m)
            while found >= 0:
                if found + len(m) > len(tail):  # not wholly inside the overlap: not found by the last chunk
                    hits.append(base + found)
                found = buf.find(m, found + 1)
        pos += len(data)
        tail = buf[-(overlap - 1) :]
        yield from sorted(hits)


def scan_config(config: Any, where: str = "config", session: Session | None = None) -> list[Issue]:
    """Walk a Keras model config and report every object that carries, imports or enables code.

    Covered: ``Lambda``/``__lambda__`` bytecode (CVE-2024-3660), ``module``/``fn_module`` outside
    Keras (CVE-2025-1550), Keras's own side-effecting functions such as ``get_file`` (CVE-2025-8747)
    and ``enable_unsafe_deserialization`` (CVE-2025-9906), and ``TorchModuleWrapper``, whose config
    holds a pickled module loaded with ``weights_only=False`` (its bytes are scanned with ``session``).
    """
    issues: list[Issue] = []
    urls = sorted(set(_urls(config)))[:5]
    for path, node in _objects(config, where):
        class_name = node.get("class_name")
        raw_inner = node.get("config")
        inner: dict[str, Any] = raw_inner if isinstance(raw_inner, dict) else {}
        if class_name in CODE_LAYERS:
            issues.append(_lambda_issue(path, class_name, inner))
        if class_name in PICKLE_LAYERS:
            issues.extend(_torch_wrapper(path, class_name, inner, session))
        for module in _module_refs(node, inner):
            for name in _referenced_names(node, raw_inner, module):
                issues.extend(_module_issue(path, module, name, urls))
        issues.extend(_file_arguments(path, class_name, inner))
    return issues


# Constructor arguments that preprocessing layers and tokenizers read as a file path or URL when given a string
# (``StringLookup(vocabulary="/etc/passwd")`` reads it, even under ``safe_mode``: CVE-2025-12058, file read / SSRF).
FILE_ARGUMENTS = ("vocabulary", "merges", "proto", "vocabulary_file")
# Layers whose constructor loads a whole model from a path of their config: ``TFSMLayer(filepath=...)`` loads any
# TensorFlow SavedModel, even under ``safe_mode`` before Keras 3.13.2 (CVE-2026-1462); that model is not in this file
# and cannot be verified.
MODEL_PATH_ARGUMENTS = {"TFSMLayer": "filepath"}


def _file_arguments(path: str, class_name: Any, inner: dict[str, Any]) -> list[Issue]:
    issues = [Issue(IssueKind.EMBEDDED_CODE, Severity.HIGH,
                    f"{class_name} at {path} reads {key}={value[:120]!r} from a path or URL when the model loads",
                    evidence={"class_name": str(class_name), "argument": key, "value": value[:200]})
              for key in FILE_ARGUMENTS if isinstance(value := inner.get(key), str) and value.strip()]
    key = MODEL_PATH_ARGUMENTS.get(class_name) if isinstance(class_name, str) else None
    if key is not None:
        value = inner.get(key)
        shown = value[:120] if isinstance(value, str) else repr(value)[:120]
        issues.append(Issue(IssueKind.EMBEDDED_CODE, Severity.HIGH,
                            f"{class_name} at {path} loads the external model {key}={shown!r} when the model loads "
                            "(not in this file: not verified)",
                            evidence={"class_name": class_name, "argument": key, "value": shown}))
    return issues


def _lambda_issue(path: str, class_name: str, inner: dict[str, Any]) -> Issue:
    payload = inner.get("function") or inner.get("code") or inner.get("value")
    named = isinstance(payload, dict) and payload.get("class_name") == "function"
    if named and isinstance(payload, dict) and str(payload.get("module", "")).startswith(KERAS_MODULE_PREFIXES):
        return Issue(IssueKind.EMBEDDED_CODE, Severity.MEDIUM,
                     f"{class_name} layer at {path} calls the Keras function {payload.get('config')!r}",
                     evidence={"class_name": class_name, "function": str(payload.get("config"))[:200]})
    return Issue(IssueKind.EMBEDDED_CODE, Severity.CRITICAL,
                 f"{class_name} layer at {path} carries Python code run on load",
                 evidence={"layer": str(inner.get("name", path)), "class_name": class_name,
                           "function": str(payload)[:200]})


def _torch_wrapper(path: str, class_name: str, inner: dict[str, Any], session: Session | None) -> list[Issue]:
    issues = [Issue(IssueKind.EMBEDDED_CODE, Severity.CRITICAL,
                    f"{class_name} at {path} unpickles a PyTorch module (torch.load with weights_only=False)",
                    evidence={"class_name": class_name})]
    encoded = inner.get("module")
    if isinstance(encoded, str) and session is not None:
        try:
            payload = base64.b64decode(encoded, validate=False)
        except (ValueError, binascii.Error):
            return issues
        name = f"{class_name} module at {path}"
        issues.extend(i.inside(name) for i in session.scan_child(Blob(name=name, data=payload)))
    return issues


def _module_refs(node: dict[str, Any], inner: dict[str, Any]) -> list[str]:
    refs = []
    for key in MODULE_KEYS:
        for holder in (node, inner):
            value = holder.get(key)
            if isinstance(value, str) and value.strip():
                refs.append(value.strip())
    return refs


def _referenced_names(node: dict[str, Any], raw_inner: Any, module: str) -> list[str]:
    """The attribute names an object may resolve in ``module``: its class or registered name, a
    function's name, and (inside Keras modules) any string of its config naming a side-effecting
    Keras function (``{"fn": "get_file"}``)."""
    if node.get("class_name") == "function" and isinstance(raw_inner, str):
        names = [raw_inner]
    else:
        names = [str(node.get("registered_name") or node.get("class_name") or "").split(">")[-1]]
    if module.split(".")[0] in KERAS_ROOTS:
        holders = [node, raw_inner] if isinstance(raw_inner, dict) else [node]
        names += [v for h in holders for v in h.values() if isinstance(v, str) and v in KERAS_SIDE_EFFECTS]
        for holder in holders:  # ["args"] lists too
            names += [v for value in holder.values() if isinstance(value, list)
                      for v in value if isinstance(v, str) and v in KERAS_SIDE_EFFECTS]
    return list(dict.fromkeys(n if n.isidentifier() else "unknown" for n in names))


def _module_issue(path: str, module: str, name: str, urls: list[str]) -> list[Issue]:
    if module.startswith(KERAS_MODULE_PREFIXES) and module.split(".")[0] in KERAS_ROOTS:
        severity = KERAS_SIDE_EFFECTS.get(name)
        if severity is None:
            return []
        if name == "get_file" and urls:  # fetches attacker-chosen bytes at load time (CVE-2025-8747)
            severity = Severity.HIGH
        return [Issue(IssueKind.EMBEDDED_CODE, severity,
                      f"object at {path} calls {module}.{name}, which has side effects when the model loads",
                      evidence={"module": module, "name": name, "urls": urls})]
    judgement = classify(module, name)
    return [Issue(judgement.kind if judgement.severity >= Severity.HIGH else IssueKind.EMBEDDED_CODE,
                  max(judgement.severity, Severity.MEDIUM),
                  f"object at {path} imports {module}.{name}: {judgement.reason}",
                  evidence={"module": module, "name": name})]


def _urls(value: Any) -> Iterator[str]:
    """Every URL-like string anywhere in the config, at any depth (walked with a stack, not recursion)."""
    todo = [value]
    while todo:
        node = todo.pop()
        if isinstance(node, str):
            if _URL.match(node.strip()):
                yield node.strip()[:200]
        elif isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)


def _objects(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object of a config that names a class or module, in document order, walked with a stack of
    lazy child iterators (no recursion: any depth JSON can parse is walked)."""
    stack: list[Iterator[tuple[Any, str]]] = [iter([(value, path)])]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        node, where = item
        if isinstance(node, dict):
            if "class_name" in node or any(key in node for key in MODULE_KEYS):
                yield where, node
            stack.append(_children(node, where))
        elif isinstance(node, list):
            stack.append(_children(node, where))


def _children(node: dict[str, Any] | list[Any], where: str) -> Iterator[tuple[Any, str]]:
    if isinstance(node, dict):
        return ((child, f"{where}.{key}") for key, child in node.items())
    return ((child, f"{where}[{i}]") for i, child in enumerate(node))
