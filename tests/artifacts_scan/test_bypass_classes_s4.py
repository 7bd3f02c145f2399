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
- **Escaped keys in JSON configs.** ``config.json`` (alone or in a ``.keras`` zip) and safetensors
  ``__metadata__`` were parsed as Keras configs only when the text held ``"class_name"`` literally:
  ``"\\u0063lass_name"`` (the same key to ``json.loads``) made a Lambda config "text" (safe). Any ``\\u00``
  escape or ``"module"`` now also gets the text parsed.
- **skops schemas.** A ``.skops`` zip's ``schema.json`` names each object by ``__module__``/``__class__``;
  ``skops.io.load(trusted=get_untrusted_types(file=...))`` (skops's documented pattern) imports and, for a
  ``ConstructorFromReduceNode``/``OperatorFuncNode``/``PartialNode``, calls them: a schema calling
  ``os.getcwd`` ran under skops 0.16 (throwaway check) and scanned safe ("text file"). Every node is now
  judged like a pickle global.
- **Python source and MLflow model folders.** ``mlflow.pyfunc.load_model`` imports a model's
  ``loader_module`` from its ``code`` folder and executes a "model from code" (``model_code_path``);
  ``trust_remote_code`` imports ``modeling_*.py``. A ``model.py`` calling ``os.system`` was "text" (safe)
  unless it sat in a TorchScript ``code/`` folder. Python source is now judged by its syntax tree (calls that
  run commands or code: high; other source: medium), and ``MLmodel`` files by what MLflow imports.
  (Not loaded: MLflow is not installed here; behaviour from MLflow's documented loader.)
- **ONNX fields in another order.** Format detection took an ONNX model only when its first byte was
  ``ir_version``'s tag; protobuf parsers accept fields in any order and onnxruntime 1.32 loads a model
  serialised graph-first (throwaway check), which was "unrecognised binary data" (low, safe) - so its
  external data and custom ops went unchecked. Any well-formed message with ONNX's fields is now ONNX.
- **HDF5 user blocks.** libhdf5 finds the superblock at offset 0 or any power of two from 512, so a Keras
  ``.h5`` may start with a user block of any bytes: a real Keras 3.15 Lambda model copied by h5py into a file
  with a 512-byte user block ran its Lambda under ``load_model(safe_mode=False)`` (throwaway check) and was
  "unrecognised binary data" (safe). The signature is now looked for where libhdf5 looks.
- **"Absent here" is not "absent where it loads".** A text-like file is called text when the pickle parse
  only imports modules that are not installed on the scanning machine (``cat\\ndog`` is not ``import at``).
  An unterminated protocol-0 pickle that *calls* such a global (``cabsentpkg.hooks\\nactivate\\n(S'x'\\ntR``,
  no STOP) runs the call wherever the package is installed, before the loader fails on the missing STOP;
  it was "text" (safe). A global the stream goes on to call is no longer refuted.
- **Two central directories (zip parser differential).** With bytes before a zip, the end record's
  ``cd_offset`` can point at one central directory (read by torch's miniz, and by the scanner) while Python's
  ``zipfile`` always adds the shift and reads another one just before the end record. An ``.npz`` whose
  shifted directory held an object array ran its pickle under ``np.load(allow_pickle=True)`` (throwaway check
  with ``os.getcwd``) and scanned safe. Both directories are now listed and the split is ZIP_TAMPERING.
  The same with a zip64 end record: Python's zipfile uses the zip64 record right before the locator
  whenever one is there, miniz (and the scanner) only for saturated fields of the classic record.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from protobuf_bytes import msg as _msg
from protobuf_bytes import vint as _vint

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.artifacts.scan.interface import IssueKind
from mlsecure.findings import Severity

LAMBDA_CONFIG = {"name": "l", "function": ["4wEAAAAAAAAA", None, None], "output_shape": None}




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


# -- two central directories ------------------------------------------------------------------------------------
EVIL_NPY = (b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
            .ljust(10 + 117, b" ") + b"\n" + b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.")


def _zip_parts(members: dict[str, bytes]) -> tuple[bytes, bytes]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    raw = buf.getvalue()
    eocd = raw.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<2L", raw[eocd + 12 : eocd + 20])
    return raw[:cd_offset], raw[cd_offset : cd_offset + cd_size]


def two_directories(benign: dict[str, bytes], evil: dict[str, bytes]) -> bytes:
    """[benign locals][benign directory][evil locals][evil directory][end record pointing at the benign one]:
    miniz reads the benign directory, Python's zipfile shifts by the bytes between and reads the evil one."""
    b_local, b_cd = _zip_parts(benign)
    m_local, m_cd = _zip_parts(evil)
    b_local += b"\x00" * max(0, len(m_local) - len(b_local))  # the evil entry's recorded offset must not be < 0
    cd_offset = len(b_local)
    m_local_pos = cd_offset + len(b_cd)
    cd_size = len(m_cd)
    concat = m_local_pos + len(m_local) - cd_offset
    assert len(b_cd) <= cd_size and m_local_pos - concat >= 0
    m_cd = m_cd[:42] + struct.pack("<L", m_local_pos - concat) + m_cd[46:]  # the evil directory's one entry
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, cd_size, cd_offset, 0)
    return b_local + b_cd + m_local + m_cd + end


@pytest.mark.parametrize(("benign_name", "evil_name", "suffix"), [
    ("x.npy", "x.npy", "npz"), ("a.npy", "b.npy", "npz"), ("a.txt", "x.npy", "zip")])
def test_two_central_directories_are_both_scanned(tmp_path: Path, benign_name: str, evil_name: str,
                                                  suffix: str) -> None:
    weights = io.BytesIO()
    np.save(weights, np.arange(500.0))
    benign = {benign_name: weights.getvalue()}
    data = two_directories(benign, {evil_name: EVIL_NPY})
    shifted = zipfile.ZipFile(io.BytesIO(data))  # Python's zipfile reads the evil directory (nothing loaded)
    assert [i.filename for i in shifted.infolist()] == [evil_name]
    assert shifted.read(evil_name) == EVIL_NPY
    path = tmp_path / f"model.{suffix}"
    path.write_bytes(data)
    result = scan_file(path)
    assert result.verdict is Verdict.MALICIOUS
    assert any(i.kind is IssueKind.ZIP_TAMPERING and "two central directories" in i.title for i in result.issues)


def test_plain_zip_with_prefix_still_reads_as_before(tmp_path: Path) -> None:
    """Bytes put before a zip without fixing offsets: the shifted directory only, as Python's zipfile reads it."""
    b_local, b_cd = _zip_parts({"w.npy": b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, "
                                         b"'shape': (0,), }" + b" " * 53 + b"\n"})
    plain = b_local + b_cd + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(b_cd), len(b_local), 0)
    path = tmp_path / "prefixed.npz"
    path.write_bytes(b"\x00" * 7 + plain)
    result = scan_file(path)
    assert not any("two central directories" in i.title for i in result.issues)
    assert any("7 bytes precede" in i.title for i in result.issues)


def zip64_split(benign: dict[str, bytes], evil: dict[str, bytes]) -> bytes:
    """[benign locals][benign dir][evil locals][evil dir][zip64 end record -> evil dir][locator][classic end
    record -> benign dir, no saturated field]."""
    b_local, b_cd = _zip_parts(benign)
    m_local, m_cd = _zip_parts(evil)
    m_local_pos = len(b_local) + len(b_cd)
    m_cd = m_cd[:42] + struct.pack("<L", m_local_pos) + m_cd[46:]
    m_cd_pos = m_local_pos + len(m_local)
    z64_pos = m_cd_pos + len(m_cd)
    z64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1, len(m_cd), m_cd_pos)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, z64_pos, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(b_cd), len(b_local), 0)
    return b_local + b_cd + m_local + m_cd + z64 + locator + end


@pytest.mark.parametrize("suffix", ["npz", "keras", "zip"])
def test_zip64_record_directory_is_scanned(tmp_path: Path, suffix: str) -> None:
    weights = io.BytesIO()
    np.save(weights, np.arange(500.0))
    data = zip64_split({"x.npy": weights.getvalue()}, {"x.npy": EVIL_NPY})
    python_view = zipfile.ZipFile(io.BytesIO(data))  # what np.load opens (nothing loaded)
    assert python_view.read("x.npy") == EVIL_NPY
    path = tmp_path / f"model.{suffix}"
    path.write_bytes(data)
    result = scan_file(path)
    assert result.verdict is Verdict.MALICIOUS
    assert any(i.kind is IssueKind.ZIP_TAMPERING and "zip64" in i.title for i in result.issues)


def _escaped_lambda_config(spelling: str) -> str:
    config = json.dumps({"class_name": "Sequential", "config": {"layers": [_layer("class_first")]}})
    return config.replace('"class_name"', spelling)


ESCAPES = ['"\\u0063lass_name"', '"cl\\u0061ss_name"', '"' + "".join(f"\\u{ord(c):04X}" for c in "class_name") + '"']


@pytest.mark.parametrize("spelling", ESCAPES)
@pytest.mark.parametrize("container", ["json", "keras", "safetensors"])
def test_escaped_config_keys(tmp_path: Path, spelling: str, container: str) -> None:
    text = _escaped_lambda_config(spelling)
    assert json.loads(text)["config"]["layers"][0]["class_name"] == "Lambda"  # the same config to a loader
    if container == "json":
        path = tmp_path / "config.json"
        path.write_text(text)
    elif container == "keras":
        path = tmp_path / "model.keras"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("metadata.json", "{}")
            z.writestr("config.json", text)
    else:
        header = json.dumps({"__metadata__": {"config": text}}).encode()
        path = tmp_path / "model.safetensors"
        path.write_bytes(struct.pack("<Q", len(header)) + header)
    assert _lambda_found(path)


# -- skops schemas ------------------------------------------------------------------------------------------------
def _json_node(value: str) -> dict[str, Any]:
    return {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": value, "is_json": True}


def _skops(tmp_path: Path, schema: dict[str, Any]) -> Path:
    """A .skops zip as skops 0.16 writes it (schema.json beside the arrays; node layout read from a real dump)."""
    path = tmp_path / "model.skops"
    weights = io.BytesIO()
    np.save(weights, np.zeros(3))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("140000000000001.npy", weights.getvalue())
        z.writestr("schema.json", json.dumps({**schema, "protocol": 2, "_skops_version": "0.16.0"}))
    return path


def _estimator(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    content = {"C": _json_node("1.0"), "solver": _json_node('"lbfgs"'),
               "coef_": {"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy",
                         "file": "140000000000001.npy"}, **(extra or {})}
    return {"__class__": "LogisticRegression", "__module__": "sklearn.linear_model._logistic",
            "__loader__": "ObjectNode",
            "content": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": content}}


def _call(module: str, name: str, loader: str = "ConstructorFromReduceNode") -> dict[str, Any]:
    return {"__class__": name, "__module__": module, "__loader__": loader,
            "content": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
                        "content": [_json_node('"true"')]}}


def test_skops_benign_estimator_is_safe(tmp_path: Path) -> None:
    assert scan_file(_skops(tmp_path, _estimator())).verdict is Verdict.SAFE


@pytest.mark.parametrize(("node", "severity"), [
    (_call("os", "system"), Severity.CRITICAL),
    (_call("builtins", "exec"), Severity.CRITICAL),
    ({"__class__": "methodcaller", "__module__": "operator", "__loader__": "OperatorFuncNode",
      "attrs": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode", "content": []}},
     Severity.CRITICAL),
    ({"__class__": "partial", "__module__": "functools", "__loader__": "PartialNode",
      "content": {"func": _call("subprocess", "getoutput", "FunctionNode")}}, Severity.CRITICAL),
    ({"__class__": "LogisticRegression", "__module__": "sklearn.linear_model._logistic", "__loader__": "MethodNode",
      "content": {"func": "__reduce_ex__", "obj": _estimator()}}, Severity.MEDIUM),
    (_call("mypackage.hooks", "run"), Severity.MEDIUM),
])
@pytest.mark.parametrize("depth", [0, 50])
def test_skops_schema_imports_are_judged(tmp_path: Path, node: dict[str, Any], severity: Severity,
                                         depth: int) -> None:
    hidden: dict[str, Any] = node
    for _ in range(depth):  # inside list nodes inside the estimator's attributes
        hidden = {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [hidden]}
    result = scan_file(_skops(tmp_path, _estimator({"hook": hidden})))
    assert result.max_severity >= severity and result.verdict is not Verdict.SAFE


def test_onnx_runtime_memory_address_marker_is_critical(tmp_path: Path) -> None:
    """Was "external data file missing" (medium): the marker makes onnxruntime read its own memory at the
    address given as 'offset' (1.32 refuses it in a model file with "not allowed in a model protobuf")."""
    tensor = (_msg(8, b"w") + _vint(2, 1) + _msg(13, _msg(1, b"location") + _msg(2, b"*/_ORT_MEM_ADDR_/*"))
              + _msg(13, _msg(1, b"offset") + _msg(2, b"140000000000000")) + _vint(14, 1))
    path = tmp_path / "mem.onnx"
    path.write_bytes(_vint(1, 8) + _msg(7, _msg(5, tensor)) + _msg(8, _vint(2, 17)))
    result = scan_file(path)
    assert any(i.kind is IssueKind.EXTERNAL_DATA and i.severity is Severity.CRITICAL for i in result.issues)


# -- Python source and MLflow model folders ----------------------------------------------------------------------
RUNS = ["import os\nos.system('true')\n", "import subprocess\nsubprocess.run(['true'])\n",
        "exec(open('x').read())\n", "from os import popen as p\np('true')\n",
        "import builtins\nbuiltins.__import__('os')\n", "import os\ngetattr(os, 'sys' + 'tem')('true')\n"]


@pytest.mark.parametrize("source", RUNS)
@pytest.mark.parametrize("name", ["model.py", "code/loader.py", "modeling_evil.py", "notes.txt"])
def test_python_source_running_commands_is_high(tmp_path: Path, source: str, name: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    result = scan_file(path)
    assert result.max_severity >= Severity.HIGH and result.verdict is Verdict.MALICIOUS


def test_python_source_without_command_calls_is_medium(tmp_path: Path) -> None:
    """Model code calls eval/compile/fork as methods all the time: only medium (source, not verified)."""
    path = tmp_path / "modeling_x.py"
    path.write_text("import os\nimport re\nimport torch\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n"
                    "        self.eval()\n        fut = torch.jit.fork(self.forward, x)\n"
                    "        pattern = re.compile('a+')\n"
                    "        return os.path.join('a', 'b'), torch.compile(self), x\n")
    result = scan_file(path)
    assert result.max_severity is Severity.MEDIUM


@pytest.mark.parametrize("text", ["cat\ndog\n", "hello world\n", '{"a": 1, "b": [true, null]}\n', "1 2 3\n"])
def test_plain_text_is_not_python_source(tmp_path: Path, text: str) -> None:
    path = tmp_path / "labels.txt"
    path.write_text(text)
    assert scan_file(path).verdict is Verdict.SAFE


@pytest.mark.parametrize(("mlmodel", "severity"), [
    ("flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n", None),
    ("flavors:\n  python_function:\n    loader_module: os\n", Severity.CRITICAL),
    ("flavors:\n  python_function:\n    loader_module: custom_loader\n    code: code\n", Severity.MEDIUM),
    ("flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n    model_code_path: model.py\n",
     Severity.MEDIUM),
])
def test_mlmodel_loader_and_code(tmp_path: Path, mlmodel: str, severity: Severity | None) -> None:
    path = tmp_path / "MLmodel"
    path.write_text(mlmodel + "mlflow_version: 2.16.0\n")
    result = scan_file(path)
    if severity is None:
        assert result.verdict is Verdict.SAFE
    else:
        assert result.max_severity is severity


def test_torchscript_code_members_stay_clean(tmp_path: Path) -> None:
    """TorchScript archives keep Python-syntax code/ members: only command-running calls count there."""
    code = ("class Net(Module):\n  __parameters__ = [\"weight\", ]\n  def forward(self: __torch__.Net, x: Tensor)"
            " -> Tensor:\n    return torch.linear(x, self.weight)\n")
    path = tmp_path / "ts.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("ts/code/__torch__.py", code)
        z.writestr("ts/constants.pkl", b"\x80\x02)\x85.")
        z.writestr("ts/data.pkl", b"\x80\x02}q\x00.")
        z.writestr("ts/version", "3\n")
    assert scan_file(path).verdict is Verdict.SAFE


def test_end_record_holding_its_own_signature_is_read(tmp_path: Path) -> None:
    """The end record's entry counts spell "PK\\x05\\x06" (Python's zipfile ignores the counts and reads the record
    at the file's last 22 bytes; miniz takes the last signature with 22 bytes after it): the scanner stopped at
    the inner signature and called the .npz "unreadable" (medium), so --fail-on high passed it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.npy", EVIL_NPY)
    raw = buf.getvalue()
    end = raw.rfind(b"PK\x05\x06")
    patched = raw[: end + 8] + b"PK\x05\x06" + raw[end + 12 :]
    assert zipfile.ZipFile(io.BytesIO(patched)).read("x.npy") == EVIL_NPY  # what np.load opens (not loaded)
    path = tmp_path / "model.npz"
    path.write_bytes(patched)
    assert scan_file(path).verdict is Verdict.MALICIOUS


@pytest.mark.parametrize("order", [(7, 1, 8), (8, 7, 1), (7, 8), (20, 7, 1, 8)])
def test_onnx_with_fields_in_any_order_is_onnx(tmp_path: Path, order: tuple[int, ...]) -> None:
    tensor = (_msg(8, b"w") + _vint(2, 1) + _msg(13, _msg(1, b"location") + _msg(2, b"/etc/passwd")) + _vint(14, 1))
    parts = {1: _vint(1, 8), 7: _msg(7, _msg(5, tensor) + _msg(1, _msg(4, b"Evil") + _msg(7, b"attacker.ops"))),
             8: _msg(8, _vint(2, 17)), 20: _msg(20, b"")}
    path = tmp_path / "model.bin"
    path.write_bytes(b"".join(parts[n] for n in order))
    result = scan_file(path)
    assert result.format.value == "onnx"
    assert any(i.kind is IssueKind.EXTERNAL_DATA and i.severity is Severity.CRITICAL for i in result.issues)
    assert any(i.kind is IssueKind.CUSTOM_OP for i in result.issues)


@pytest.mark.parametrize("user_block", [512, 1024, 4096])
@pytest.mark.parametrize("prefix", [b"just a text header\n", b"\x80\x04N.", b""])
def test_h5_with_a_user_block(tmp_path: Path, user_block: int, prefix: bytes) -> None:
    config = json.dumps({"class_name": "Sequential", "config": {"layers": [_layer("class_first")]}}).encode()
    block = prefix.ljust(user_block, b"\x00")
    path = tmp_path / "model.h5"
    path.write_bytes(block + b"\x89HDF\r\n\x1a\n" + b"\x00" * 64 + config + b"\x00" * 8)
    result = scan_file(path)
    assert result.format.value == "hdf5"
    assert _lambda_found(path)


@pytest.mark.parametrize("call", [b"(S'x'\ntR", b"(S'x'\ni", b"N\x85R"])
def test_call_on_a_module_absent_here_is_not_text(tmp_path: Path, call: bytes) -> None:
    path = tmp_path / "notes.txt"
    body = b"cabsentpkg.hooks\nactivate\n" + call if call != b"(S'x'\ni" else b"(S'x'\niabsentpkg.hooks\nactivate\n"
    path.write_bytes(body)
    result = scan_file(path)
    assert result.verdict is not Verdict.SAFE
    assert any(i.evidence.get("module") == "absentpkg.hooks" for i in result.issues)


@pytest.mark.parametrize("text", [b"cat\ndog\n", b"cat\ndog\nbird\n", b"install\nrun make\n"])
def test_label_files_naming_absent_modules_stay_text(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "labels.txt"
    path.write_bytes(text)
    assert scan_file(path).verdict is Verdict.SAFE


def test_python_source_this_interpreter_cannot_parse_is_not_safe(tmp_path: Path) -> None:
    """Python 3.12 syntax (PEP 701 nested quotes in an f-string) fails ``ast.parse`` on 3.11 but imports on
    3.12: a ``.py`` shipped with a model that cannot be parsed is unverified, never safe."""
    source = 'import os\nos.system(f"{"echo"} hi")\n'
    path = tmp_path / "model_loader.py"
    path.write_text(source)
    result = scan_file(path)
    assert result.verdict is not Verdict.SAFE
    assert max(i.severity.rank for i in result.issues) >= Severity.MEDIUM.rank
    notes = tmp_path / "notes.txt"  # the same bytes in a text that is not named as Python stay plain text
    notes.write_text("some notes: (unbalanced")
    assert scan_file(notes).verdict is Verdict.SAFE
