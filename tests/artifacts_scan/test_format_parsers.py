"""The non-pickle parsers of issue 13: protobuf (SavedModel vs ONNX), Keras 3 configs, ONNX external
data, safetensors metadata, chat templates in a sandbox."""

from __future__ import annotations

import base64
import json
import os
import pickle
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scan_corpus import keras_archive

from mlsecure.artifacts.formats import ArtifactFormat, detect_format
from mlsecure.artifacts.scan import IssueKind, Verdict, scan_file
from mlsecure.artifacts.scan.chat_template import template_problems
from mlsecure.artifacts.scan.protobuf import LENGTH, VARINT, fields
from mlsecure.findings import Severity


# -- protobuf ------------------------------------------------------------------------------------
def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _len_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | LENGTH) + _varint(len(payload)) + payload


def _int_field(number: int, value: int) -> bytes:
    return _varint(number << 3 | VARINT) + _varint(value)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 1000), st.one_of(st.integers(0, 2**63), st.binary(max_size=40))),
                max_size=12))
def test_protobuf_reader_round_trips(items: list[tuple[int, int | bytes]]) -> None:
    data = b"".join(_int_field(n, v) if isinstance(v, int) else _len_field(n, v) for n, v in items)
    decoded = [(f.number, f.value if f.wire == VARINT else data[f.value : f.value + f.length]) for f in fields(data)]
    assert decoded == items


def _node(name: str, op: str) -> bytes:
    return _len_field(1, name.encode()) + _len_field(2, op.encode())


def _saved_model(nodes: list[tuple[str, str]], function_nodes: list[tuple[str, str]] = (),  # type: ignore[assignment]
                 *, version: bool = True) -> bytes:
    library = _len_field(1, b"".join(_len_field(3, _node(n, o)) for n, o in function_nodes))
    graph = b"".join(_len_field(1, _node(n, o)) for n, o in nodes) + _len_field(2, library)
    meta = _len_field(1, _len_field(1, b"serve")) + _len_field(2, graph)
    return (_int_field(1, 1) if version else b"") + _len_field(2, meta)


def test_savedmodel_ops_named_from_the_protobuf(tmp_path: Path) -> None:
    path = tmp_path / "saved_model.pb"
    path.write_bytes(_saved_model([("c", "Const"), ("r", "ReadFile")], [("f", "PyFunc")]))
    assert detect_format(path) is ArtifactFormat.SAVEDMODEL
    result = scan_file(path)
    ops = {i.evidence["op"]: i.severity for i in result.issues if i.kind is IssueKind.DANGEROUS_OP}
    assert ops == {"ReadFile": Severity.HIGH, "PyFunc": Severity.CRITICAL}
    assert result.verdict is Verdict.MALICIOUS


def test_savedmodel_without_schema_version_is_still_parsed(tmp_path: Path) -> None:
    # modelaudit tests/assets/samples/tensorflow/malicious_pyfunc: meta_graphs only, all bytes valid UTF-8
    path = tmp_path / "saved_model.pb"
    path.write_bytes(_saved_model([("a", "Const"), ("bad", "PyFunc")], version=False))
    result = scan_file(path)
    assert result.format is ArtifactFormat.SAVEDMODEL
    assert result.verdict is Verdict.MALICIOUS


def test_benign_savedmodel_is_safe(tmp_path: Path) -> None:
    path = tmp_path / "saved_model.pb"
    path.write_bytes(_saved_model([("a", "Const"), ("b", "MatMul"), ("s", "SaveV2")]))
    result = scan_file(path)
    assert result.verdict is Verdict.SAFE
    assert result.issues[-1].evidence["ops"] == {"Const": 1, "MatMul": 1, "SaveV2": 1}


# -- ONNX ----------------------------------------------------------------------------------------
onnx = pytest.importorskip("onnx")


def _onnx_model(location: str | None = None, op: str = "Identity", domain: str = "") -> Any:
    from onnx import TensorProto, helper

    weight = helper.make_tensor("W", TensorProto.FLOAT, [4], [1.0, 2.0, 3.0, 4.0])
    if location is not None:
        weight.ClearField("float_data")
        weight.data_location = TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", "0"), ("length", "16")):
            entry = weight.external_data.add()
            entry.key, entry.value = key, value
    node = helper.make_node(op, ["W"], ["Y"], domain=domain)
    graph = helper.make_graph([node], "g", [], [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [4])],
                              initializer=[weight])
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    return helper.make_model(graph, opset_imports=opsets)


def test_onnx_is_never_taken_for_savedmodel(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(_onnx_model().SerializeToString())
    assert detect_format(path) is ArtifactFormat.ONNX
    assert scan_file(path).verdict is Verdict.SAFE


def test_onnx_external_data_inside_the_folder_after_normalising(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "model"
    (folder / "subdir").mkdir(parents=True)
    (folder / "weights.bin").write_bytes(struct.pack("<4f", 1, 2, 3, 4))
    path = folder / "model.onnx"
    path.write_bytes(_onnx_model("subdir/../weights.bin").SerializeToString())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # resolved against the model's folder, not the working directory
    result = scan_file(path)
    assert result.max_severity <= Severity.LOW, result.issues
    sidecar = scan_file(folder / "weights.bin")  # the data file scanned alone: named as the model's data
    assert sidecar.format is ArtifactFormat.DATA
    assert "model.onnx" in sidecar.issues[0].title


@pytest.mark.parametrize("location", ["../secret.bin", "subdir/../../secret.bin", "/etc/passwd", "C:\\x.bin"])
def test_onnx_external_data_escaping_is_critical(tmp_path: Path, location: str) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(_onnx_model(location).SerializeToString())
    result = scan_file(path)
    assert any(i.kind is IssueKind.EXTERNAL_DATA and i.severity is Severity.CRITICAL for i in result.issues)


def test_onnx_missing_external_data_cannot_be_verified(tmp_path: Path) -> None:
    # modelaudit tests/scanners/test_onnx_scanner.py::test_onnx_scanner_external_data_missing
    path = tmp_path / "model.onnx"
    path.write_bytes(_onnx_model("weights.bin").SerializeToString())
    result = scan_file(path)
    assert result.max_severity is Severity.MEDIUM


def test_onnx_unknown_op_in_the_default_domain_is_a_custom_op(tmp_path: Path) -> None:
    # modelaudit's onnx_python_op sample: PythonOp is in no ONNX opset
    path = tmp_path / "model.onnx"
    path.write_bytes(_onnx_model(op="PythonOp").SerializeToString())
    result = scan_file(path)
    assert any(i.kind is IssueKind.CUSTOM_OP and i.severity is Severity.MEDIUM for i in result.issues)
    checker = [i for i in result.issues if i.kind is IssueKind.INVALID_MODEL]
    assert all(i.severity is Severity.INFO for i in checker)  # the checker only informs


# -- Keras ---------------------------------------------------------------------------------------
def _keras(tmp_path: Path, layers: list[dict[str, Any]]) -> Path:
    return keras_archive(tmp_path, layers)


def _dense(**extra: Any) -> dict[str, Any]:
    return {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "units": 2, **extra},
            "registered_name": None}


KERAS_CASES = {
    "lambda bytecode": ({"module": "keras.layers", "class_name": "Lambda",
                         "config": {"function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAA"}}}},
                        Severity.CRITICAL),
    "fn_module subprocess": (_dense(fn_module="subprocess"), Severity.CRITICAL),
    "module os": ({"module": "os", "class_name": "function", "config": "system"}, Severity.CRITICAL),
    "get_file with url": ({"module": "keras.utils", "class_name": "Dense",
                           "config": {"fn": "get_file", "url": "https://example.invalid/x.bin"}}, Severity.HIGH),
    "get_file url in args": ({"module": "keras.utils", "class_name": "function", "config": "get_file",
                              "args": ["x.bin", "https://example.invalid/x.bin"]}, Severity.HIGH),
    "enable_unsafe_deserialization": ({"module": "keras.config", "class_name": "function",
                                       "config": "enable_unsafe_deserialization"}, Severity.CRITICAL),
    "custom object": ({"module": "my_package.layers", "class_name": "MyLayer", "config": {},
                       "registered_name": "my_package>MyLayer"}, Severity.MEDIUM),
}


@pytest.mark.parametrize("case", sorted(KERAS_CASES))
def test_keras_unsafe_constructs(tmp_path: Path, case: str) -> None:
    layer, severity = KERAS_CASES[case]
    result = scan_file(_keras(tmp_path, [_dense(), layer]))
    assert result.max_severity is severity, result.issues


def test_keras_torch_module_wrapper_nested_and_its_pickle_scanned(tmp_path: Path) -> None:
    class Payload:
        def __reduce__(self) -> tuple[object, ...]:
            return os.system, ("echo torch-wrapper",)

    wrapper = {"module": "keras.layers", "class_name": "TorchModuleWrapper",
               "config": {"module": base64.b64encode(pickle.dumps(Payload())).decode()}}
    inner_model = {"module": "keras", "class_name": "Functional", "config": {"layers": [wrapper]}}
    result = scan_file(_keras(tmp_path, [_dense(), inner_model]))
    assert result.verdict is Verdict.MALICIOUS
    assert any(i.kind is IssueKind.DANGEROUS_IMPORT for i in result.issues)  # the payload inside


def test_benign_keras_config_is_safe(tmp_path: Path) -> None:
    layers = [_dense(activation="relu"),
              {"module": "keras.layers", "class_name": "Dropout", "config": {"rate": 0.1}},
              {"module": "keras.utils", "class_name": "Dense", "config": {"fn": "get_file"}}]  # no URL: low
    result = scan_file(_keras(tmp_path, layers))
    assert result.max_severity <= Severity.LOW, result.issues


# -- safetensors ----------------------------------------------------------------------------------
def _safetensors(metadata: dict[str, str]) -> bytes:
    header = json.dumps({"__metadata__": metadata,
                         "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\x00" * 8


def test_safetensors_metadata_with_code(tmp_path: Path) -> None:
    # modelaudit test_regression_corpus.py MALICIOUS_SAFETENSORS malicious_import.safetensors
    path = tmp_path / "m.safetensors"
    path.write_bytes(_safetensors({"model_info": "import os; os.system('echo hi')"}))
    result = scan_file(path)
    assert result.format is ArtifactFormat.SAFETENSORS
    assert any(i.kind is IssueKind.EMBEDDED_CODE and i.severity is Severity.MEDIUM for i in result.issues)


def test_safetensors_metadata_with_a_base64_pickle(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    evil = b"cos\nsystem\n(S'echo'\ntR."
    path.write_bytes(_safetensors({"blob": base64.b64encode(evil * 2).decode()}))
    assert scan_file(path).verdict is Verdict.MALICIOUS


@pytest.mark.parametrize("padding", range(0, 600, 37))
def test_safetensors_detected_whatever_its_header_length(tmp_path: Path, padding: int) -> None:
    # a header length whose low byte is 0x78 once looked like a zlib stream
    path = tmp_path / "m.safetensors"
    path.write_bytes(_safetensors({"format": "pt", "note": "x" * padding}))
    result = scan_file(path)
    assert result.format is ArtifactFormat.SAFETENSORS
    assert result.max_severity <= Severity.LOW, result.issues


# -- chat templates ------------------------------------------------------------------------------
BENIGN_TEMPLATES = [
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] | trim }}{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}",
    "{{ bos_token }}{% for m in messages %}{% if m.role == 'user' %}[INST] {{ m.content }} [/INST]"
    "{% else %}{{ m.content }}{{ eos_token }}{% endif %}{% endfor %}",
    "{% set ns = namespace(first=true) %}{% for m in messages %}{% if loop.first %}{{ m.content.strip() }}"
    "{% endif %}{% endfor %}",
]
MALICIOUS_TEMPLATES = [
    "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('id').read() }}",  # CVE-2024-34359
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler|attr('__in' ~ 'it__') }}",
    "{% set k = '__cla' ~ 'ss__' %}{{ messages[k] }}",  # only visible when rendered in the sandbox
    "{{ lipsum['__globals__'] }}",
]


@pytest.mark.parametrize("template", BENIGN_TEMPLATES)
def test_benign_chat_templates(template: str) -> None:
    found, note, verified = template_problems(template)
    assert found == [] and note is None and verified


@pytest.mark.parametrize("template", MALICIOUS_TEMPLATES)
def test_malicious_chat_templates(template: str) -> None:
    assert template_problems(template)[0]


def test_template_render_is_bounded() -> None:
    found, note, verified = template_problems("{% for i in range(100000) %}{% for j in range(100000) %}x"
                                              "{% endfor %}{% endfor %}{{ 'y' * 1000000000 }}")
    assert found == [] and note is not None and "limit" in note and not verified


def test_jinja_file_and_tokenizer_config(tmp_path: Path) -> None:
    (tmp_path / "chat.jinja").write_text(MALICIOUS_TEMPLATES[0])
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"chat_template": BENIGN_TEMPLATES[0]}))
    assert scan_file(tmp_path / "chat.jinja").verdict is Verdict.MALICIOUS
    assert scan_file(tmp_path / "tokenizer_config.json").verdict is Verdict.SAFE


def test_other_protobufs_are_data_never_onnx(tmp_path: Path) -> None:
    # a SavedModel's fingerprint.pb: FingerprintDef, five uint64 hashes and a VersionDef
    path = tmp_path / "fingerprint.pb"
    path.write_bytes(b"".join(_int_field(n, 2**63 + n * 977) for n in range(1, 6)) + _len_field(6, _int_field(1, 1)))
    assert detect_format(path) is ArtifactFormat.UNKNOWN
    result = scan_file(path)
    assert result.format is ArtifactFormat.DATA
    assert result.verdict is Verdict.SAFE


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_protobuf_reader_only_raises_its_own_error(data: bytes) -> None:
    from mlsecure.artifacts.scan.protobuf import ProtobufError

    try:
        for field in fields(data):
            assert field.value + field.length <= len(data) or field.wire != LENGTH
    except ProtobufError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="{}%()[]._'~|abc_ ", max_size=60))
def test_template_check_never_raises(template: str) -> None:
    found, note, _ = template_problems(template)
    assert all(isinstance(f, str) for f in found)
    assert note is None or isinstance(note, str)
    if "_" not in template and "attr" not in template:
        assert found == []  # nothing reaches an underscore name without writing one


@pytest.mark.parametrize("chunk", [5, 13, 14, 64, 1 << 20])
def test_h5_config_markers_found_across_chunk_boundaries(chunk: int) -> None:
    import io

    from mlsecure.artifacts.scan.keras_scan import _CONFIG_MARKERS, _marker_offsets

    for marker in _CONFIG_MARKERS:
        data = b"\x89HDF\r\n\x1a\n" + b"x" * 9 + marker + b"y" * 30 + marker + marker
        expected = [i for i in range(len(data)) if data.startswith(marker, i)]
        assert len(expected) == 3
        assert list(_marker_offsets(io.BytesIO(data), marker, chunk)) == expected
