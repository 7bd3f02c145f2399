"""Bypasses found by the session-4 red team (one regression test per class, with generated variants).
Each sample is built here from bytes; nothing is loaded.

- **Keras configs inside protobuf messages (TF-Keras SavedModel).** ``tf.keras.models.load_model`` revives
  layers from the JSON in ``keras_metadata.pb`` (``SavedMetadata.nodes[].metadata``) and, in older
  SavedModels, ``saved_model.pb`` (``SavedObjectGraph.nodes[].user_object.metadata``): a ``Lambda`` layer
  there runs its marshalled bytecode (CVE-2024-3660 class). ``keras_metadata.pb`` was "text" or "data"
  (safe) and the SavedModel scanner read only graph ops. Now every message of any schema is walked for
  strings that are Keras configs.
- **HDF5 config markers.** The ``.h5`` scan looked only for the bytes ``{"class_name"``: a config whose
  objects list ``config`` before ``class_name``, put a space after ``{``, or escape the key
  (``"\\u0063lass_name"``) was "HDF5 file without a Keras model config" (safe), while Keras's legacy loader
  (``safe_mode=False``, or tf.keras 2.x) runs the Lambda. Now every run of text bytes holding a config key
  or a ``\\u00`` escape is decoded from each ``{``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.artifacts.scan.interface import IssueKind
from mlsecure.findings import Severity

LAMBDA_CONFIG = {"name": "l", "function": ["4wEAAAAAAAAA", None, None], "output_shape": None}


def _varint(n: int) -> bytes:
    out = b""
    while True:
        out += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
        n >>= 7
        if not n:
            return out


def _msg(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _vint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _layer(order: str) -> dict[str, Any]:
    if order == "class_first":
        return {"class_name": "Lambda", "config": LAMBDA_CONFIG}
    return {"config": LAMBDA_CONFIG, "name": "l", "class_name": "Lambda"}


def _lambda_found(path: Path) -> bool:
    result = scan_file(path)
    return result.verdict is Verdict.MALICIOUS and any(
        i.kind is IssueKind.EMBEDDED_CODE and i.severity is Severity.CRITICAL for i in result.issues)


@pytest.mark.parametrize("node_id", [0, 1, 300])
@pytest.mark.parametrize("unknown_first", [False, True])
@pytest.mark.parametrize("order", ["class_first", "class_last"])
def test_keras_metadata_pb_lambda(tmp_path: Path, node_id: int, unknown_first: bool, order: str) -> None:
    """SavedMetadata{nodes: SavedObject{node_id=2, node_path=3, identifier=4, metadata=5}} (tf_keras
    protobuf/saved_metadata.proto); node_id 0 puts a NUL in the head (not text); a field number the schema
    lacks, written first, is skipped by protobuf parsers."""
    meta = json.dumps(_layer(order)).encode()
    node = _vint(2, node_id) + _msg(3, b"root.layer-0") + _msg(4, b"_tf_keras_layer") + _msg(5, meta)
    prefix = _vint(15, 7) if unknown_first else b""
    path = tmp_path / "keras_metadata.pb"
    path.write_bytes(prefix + _msg(1, node))
    assert _lambda_found(path)


def test_saved_model_user_object_metadata_lambda(tmp_path: Path) -> None:
    """saved_model.pb: SavedModel.meta_graphs(2) -> MetaGraphDef.object_graph_def(7) -> SavedObjectGraph.nodes(1)
    -> SavedObject.user_object(4) -> SavedUserObject.metadata(3); the graph itself holds only harmless ops."""
    meta = json.dumps(_layer("class_first")).encode()
    user_object = _msg(1, b"_tf_keras_layer") + _msg(3, meta)
    graph_def = _msg(1, _msg(1, b"x") + _msg(2, b"Placeholder"))
    meta_graph = _msg(2, graph_def) + _msg(7, _msg(1, _msg(4, user_object)))
    path = tmp_path / "saved_model.pb"
    path.write_bytes(_vint(1, 1) + _msg(2, meta_graph))
    result = scan_file(path)
    assert result.format.value == "tf-savedmodel"
    assert _lambda_found(path)


def test_protobuf_without_configs_stays_data(tmp_path: Path) -> None:
    """fingerprint.pb-like messages (numbers and a plain string) are not findings."""
    path = tmp_path / "fingerprint.pb"
    path.write_bytes(_vint(1, 12345) + _vint(2, 678) + _msg(3, b"{not json at all}") + _vint(5, 1))
    result = scan_file(path)
    assert result.verdict is Verdict.SAFE


def _escaped(text: str) -> str:
    return text.replace('"class_name"', '"\\u0063lass_name"')


def _fully_escaped(text: str) -> str:
    return text.replace('"class_name"', '"' + "".join(f"\\u{ord(c):04x}" for c in "class_name") + '"')


VARIANTS = {
    "class_last": lambda t: t,
    "space_after_brace": lambda t: t.replace('{"', '{ "'),
    "newlines": lambda t: t.replace('{"', '{\n  "'),
    "escaped_key": _escaped,
    "fully_escaped_key": _fully_escaped,
}


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("before", [b"\x00" * 8, b"\x00\x00junk text {{ ", b"\x01{"])
def test_h5_config_variants(tmp_path: Path, variant: str, before: bytes) -> None:
    config = {"config": {"name": "s", "layers": [_layer("class_last")]}, "class_name": "Sequential"}
    text = VARIANTS[variant](json.dumps(config))
    path = tmp_path / "model.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64 + before + text.encode() + b"\x00" * 8 + b"tail")
    assert _lambda_found(path)


def test_h5_benign_config_and_weights_stay_safe(tmp_path: Path) -> None:
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}}]}}
    noise = bytes((i * 37 + 11) % 256 for i in range(200_000))  # binary weights between the attributes
    path = tmp_path / "model.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + noise + json.dumps(config).encode() + b"\x00" + noise)
    result = scan_file(path)
    assert result.verdict is Verdict.SAFE
    assert not any("without a Keras model config" in i.title for i in result.issues)
