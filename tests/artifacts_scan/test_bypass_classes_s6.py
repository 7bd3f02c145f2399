"""Bypasses found by the session-6 red team (one regression test per class, with generated variants).
Each sample is built here from bytes; nothing is loaded. Every malicious sample scanned ``safe`` before the fix.

- **Configs in UTF-16/32 or with a byte-order mark.** Keras reads a ``.keras`` archive's ``config.json`` with
  ``json.loads(bytes)``, which detects UTF-8-with-BOM, UTF-16 and UTF-32 (checked here: Keras 3 rebuilt a
  ``Lambda`` layer from each under ``load_model(..., safe_mode=False)``); skops reads ``schema.json`` the same way
  and PyYAML's byte reader decodes UTF-16. The scanner decoded UTF-8 only: a BOM made the JSON "not JSON" (text,
  safe), UTF-16 made it "unrecognised binary data" (low, safe). Text is now decoded as those loaders decode it.
- **Python source that is not UTF-8.** TorchScript's lexer skips a comment of invalid UTF-8 or NUL bytes (checked:
  ``torch.jit.load(...)(x)`` of such a ``code/__torch__.py`` calling ``torch.from_file(path, True, n)`` overwrote
  the file) and Python decodes latin-1 under a coding cookie (checked: ``import`` ran ``os.system``); both were
  "unrecognised binary data" (low, safe). A ``.py`` member is now read as source whatever its bytes.
- **An MLmodel whose ``flavors`` key is spelled with escapes.** MLflow reads ``MLmodel`` with ``yaml.safe_load``:
  ``"fl\\x61vors"`` (YAML) or ``"fl\\u0061vors"`` (JSON) is ``flavors`` to it; the scanner looked for the literal
  word before parsing. A file named ``MLmodel`` is now always parsed.
- **Configs that name code in other ways** (open in session 5): TOML configs (jsonargparse reads them); OmegaConf
  interpolations calling a resolver the application registers (``${eval:...}``, a common recipe), or an
  environment variable inside a URL; Hydra 1.0's deprecated ``cls``/``class`` keys; PEFT's ``auto_mapping``
  (``importlib.import_module(parent_library)``); ``_target_``/``class_path`` and interpolations inside pickled
  dicts (a checkpoint's hyper-parameters that Lightning/NeMo code instantiates after loading).
"""

from __future__ import annotations

import io
import json
import pickle
import pickletools
import struct
import zipfile
from pathlib import Path

import pytest
from scan_helpers import scan_named

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.findings import Severity

_scan = scan_named


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


# --- text encodings that loaders decode and the scanner did not ------------------------------------------------

LAMBDA_CONFIG = json.dumps({"class_name": "Functional", "config": {"layers": [{
    "class_name": "Lambda", "config": {"name": "l", "function": {
        "class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None}}}}]}})
ENCODINGS = {
    "utf-8-bom": lambda text: b"\xef\xbb\xbf" + text.encode(),
    "utf-16": lambda text: text.encode("utf-16"),
    "utf-16-le": lambda text: text.encode("utf-16-le"),
    "utf-16-be": lambda text: text.encode("utf-16-be"),
    "utf-32": lambda text: text.encode("utf-32"),
    "utf-32-le": lambda text: text.encode("utf-32-le"),
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_keras_config_in_any_json_encoding(tmp_path: Path, encoding: str) -> None:
    data = _zip({"metadata.json": b'{"keras_version": "3.15.0"}', "config.json": ENCODINGS[encoding](LAMBDA_CONFIG),
                 "model.weights.h5": b""})
    verdict, severity, titles = _scan(tmp_path, "model.keras", data)
    assert (verdict, severity) == (Verdict.MALICIOUS, Severity.CRITICAL), titles


@pytest.mark.parametrize("encoding", ["utf-8-bom", "utf-16", "utf-32-le"])
@pytest.mark.parametrize(("name", "text"), [
    ("config.json", json.dumps({"model": {"_target_": "os.system"}})),
    ("config.yaml", "model:\n  _target_: os.system\n"),
])
def test_configs_in_any_encoding(tmp_path: Path, encoding: str, name: str, text: str) -> None:
    _verdict, severity, titles = _scan(tmp_path, name, ENCODINGS[encoding](text))
    assert severity is Severity.CRITICAL, titles


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-bom"])
def test_skops_schema_in_utf16(tmp_path: Path, encoding: str) -> None:
    schema = {"__class__": "system", "__module__": "os", "__loader__": "ObjectNode", "content": {},
              "protocol": 2, "_skops_version": "0.16.0"}
    data = _zip({"schema.json": ENCODINGS[encoding](json.dumps(schema))})
    _verdict, severity, titles = _scan(tmp_path, "model.skops", data)
    assert severity >= Severity.HIGH, titles


def test_benign_utf16_text_and_float_data_stay_safe(tmp_path: Path) -> None:
    verdict, _severity, titles = _scan(tmp_path, "labels.json", json.dumps({"0": "cat", "1": "dog"}).encode("utf-16"))
    assert verdict is Verdict.SAFE, titles
    path = tmp_path / "weights.bin"  # float32 1.0 is 00 00 80 3f: json guesses UTF-32-BE, and it decodes to CJK
    path.write_bytes(struct.pack(">4f", 1, 2, 3, 4) + struct.pack("<4f", 1, 2, 3, 4))
    result = scan_file(path)
    assert result.format is not ArtifactFormat.TEXT and result.verdict is Verdict.SAFE


TORCHSCRIPT_CODE = (b"class M(Module):\n  __parameters__ = []\n  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n"
                    b"    t = torch.from_file(\"/tmp/victim.bin\", True, 4, dtype=0)\n    return x\n")


@pytest.mark.parametrize("comment", [b"# \xff\xfe\xfd\n", b"# \x00\x00\x00\x00\n", b"# caf\xe9\n"])
def test_torchscript_code_with_binary_comment(tmp_path: Path, comment: bytes) -> None:
    data = _zip({"m/data.pkl": pickle.dumps(1, protocol=2), "m/code/__torch__.py": comment * 200 + TORCHSCRIPT_CODE,
                 "m/version": b"3\n"})
    _verdict, severity, titles = _scan(tmp_path, "scripted.pt", data)
    assert severity >= Severity.HIGH, titles


def test_python_source_with_latin1_cookie(tmp_path: Path) -> None:
    source = b'# -*- coding: latin-1 -*-\n# caf\xe9\nimport os\nos.system("true")\n'
    _verdict, severity, titles = _scan(tmp_path, "modeling_x.py", source)
    assert severity is Severity.HIGH, titles


@pytest.mark.parametrize("text", [
    'artifact_path: model\n"fl\\x61vors":\n  python_function:\n    loader_module: os\n',
    '{"fl\\u0061vors": {"python_function": {"loader_module": "os"}}}\n',
    '"\\x66lavors": {python_function: {"loader_\\x6dodule": os}}\n',
])
def test_mlmodel_with_escaped_keys(tmp_path: Path, text: str) -> None:
    _verdict, severity, titles = _scan(tmp_path, "model/MLmodel", text)
    assert severity is Severity.CRITICAL, titles
    assert _scan(tmp_path, "other/mlmodel", text)[1] is Severity.CRITICAL  # a case-insensitive file system finds it


# --- configs that name code in other ways ----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text", "severity"), [
    ("config.toml", '[model]\n_target_ = "os.system"\n', Severity.CRITICAL),
    ("config.toml", '[model]\nclass_path = "subprocess.Popen"\n', Severity.CRITICAL),
    ("config.toml", '[model]\n"\\u005ftarget_" = "builtins.exec"\n', Severity.CRITICAL),
    ("model.cfg", '[model]\n"\\u005ftarget_" = "os.system"\n', Severity.CRITICAL),
    ("config.toml", '[trainer]\nmodel.class_path = "my_pkg.Net"\n', Severity.MEDIUM),
    ("pyproject.toml", '[project]\nname = "x"\nversion = "1"\n[tool.ruff]\nline-length = 100\n', Severity.INFO),
])
def test_toml_configs(tmp_path: Path, name: str, text: str, severity: Severity) -> None:
    assert _scan(tmp_path, name, text)[1] is severity


EVAL_PAYLOAD = "${eval:'__import__(\"os\").system(\"true\")'}"


@pytest.mark.parametrize(("value", "severity"), [
    (EVAL_PAYLOAD, Severity.HIGH),
    ("${python:os.system('true')}", Severity.HIGH),
    ('"\\x24{eval:\'__import__(\\"os\\").system(1)\'}"', Severity.HIGH),  # YAML escapes spell the ${
    ("${ eval : 2 * 3 }", Severity.MEDIUM),  # an app-registered resolver: not verified
    ("${my.custom.resolver:1}", Severity.MEDIUM),
    ("${${name}:1}", Severity.MEDIUM),  # a resolver name computed from another interpolation
    ("https://example.org/${oc.env:AWS_SECRET_ACCESS_KEY}", Severity.MEDIUM),  # a secret sent out
    ("${oc.env:HOME}/data", Severity.LOW),
    ("${model.hidden}", Severity.INFO),
    ("${oc.select:model.dim, 4}", Severity.INFO),
    ("${hydra:runtime.cwd}/out", Severity.INFO),
])
def test_omegaconf_interpolations(tmp_path: Path, value: str, severity: Severity) -> None:
    scalar = value if value.startswith('"') else json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    text = f"model:\n  hidden: 3\n  dim: {scalar}\n  layers:\n    - {scalar}\n"
    assert _scan(tmp_path, "config.yaml", text)[1] is severity


@pytest.mark.parametrize(("text", "severity"), [
    ("model:\n  cls: os.system\n  params: {command: 'true'}\n", Severity.CRITICAL),
    ("model:\n  class: subprocess.Popen\n", Severity.CRITICAL),
    ("labels:\n  - {class: dog, id: 1}\n  - {class: animals.cat, id: 2}\n", Severity.INFO),
])
def test_hydra_legacy_class_keys(tmp_path: Path, text: str, severity: Severity) -> None:
    assert _scan(tmp_path, "config.yaml", text)[1] is severity


@pytest.mark.parametrize(("mapping", "severity"), [
    ({"base_model_class": "system", "parent_library": "os"}, Severity.CRITICAL),
    ({"base_model_class": "Net", "parent_library": "my_pkg.models"}, Severity.MEDIUM),
    ({"base_model_class": "BertModel", "parent_library": "transformers.models.bert.modeling_bert"}, Severity.INFO),
    (None, Severity.INFO),
])
def test_peft_auto_mapping(tmp_path: Path, mapping: dict[str, str] | None, severity: Severity) -> None:
    config = {"peft_type": "LORA", "task_type": None, "auto_mapping": mapping, "r": 8}
    assert _scan(tmp_path, "adapter_config.json", json.dumps(config))[1] is severity


# --- pickled dicts that name code -------------------------------------------------------------------------------

def _su(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def _bu(text: str) -> bytes:
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


PICKLED_TARGETS = {
    "dict-proto0": pickle.dumps({"model": {"_target_": "os.system", "_args_": ["true"]}}, protocol=0),
    "dict-proto2": pickle.dumps({"hyper_parameters": {"class_path": "subprocess.Popen"}}, protocol=2),
    "dict-proto4": pickle.dumps({"cfg": [{"_target_": "builtins.exec", "_partial_": True}]}, protocol=4),
    # an OrderedDict filled by SETITEMS after its constructor call (not a dict literal)
    "ordered-dict": b"\x80\x04" + _su("collections") + _su("OrderedDict") + b"\x93)R(" + _su("_target_")
    + _su("os.system") + b"u.",
    # an object's BUILD state
    "build-state": b"\x80\x04" + _su("argparse") + _su("Namespace") + b"\x93)R}(" + _su("_target_")
    + _su("posix.system") + b"ub.",
    # the key memoised and fetched again
    "memo-key": b"\x80\x04}" + _su("_target_") + b"\x94" + _su("x.y") + b"s" + b"h\x00" + _su("os.system") + b"s.",
    "interpolation": pickle.dumps({"hparams": {"dim": EVAL_PAYLOAD}}, protocol=4),
    # an OmegaConf DictConfig as pickle.dumps writes it (checked with omegaconf 2.3 in a throwaway venv): each item is a
    # node object whose BUILD state holds ``_val`` (was medium only, for importing omegaconf)
    "omegaconf-dictconfig": b"\x80\x02comegaconf.dictconfig\nDictConfig\n)\x81}(" + _bu("_content") + b"}("
    + _bu("_target_") + b"comegaconf.nodes\nAnyNode\n)\x81}(" + _bu("_val") + _bu("os.system") + b"ubuub.",
}


@pytest.mark.parametrize("variant", list(PICKLED_TARGETS))
def test_pickled_dicts_naming_code(tmp_path: Path, variant: str) -> None:
    pickletools.dis(PICKLED_TARGETS[variant], out=io.StringIO())  # a well-formed pickle
    _verdict, severity, titles = _scan(tmp_path, "ckpt.pkl", PICKLED_TARGETS[variant])
    assert severity >= Severity.HIGH, titles


def test_pickled_hyperparameters_of_your_own_classes_stay_safe(tmp_path: Path) -> None:
    """A Lightning checkpoint of a Hydra project names the user's classes: nothing is instantiated on load (low)."""
    hparams = {"model": {"_target_": "my_project.models.Net", "dim": "${model.hidden}", "seed": "${oc.env:SEED}"},
               "labels": [{"class": "person"}, {"class": "animals.dog"}]}
    verdict, severity, titles = _scan(tmp_path, "ckpt.pkl", pickle.dumps({"hyper_parameters": hparams}, protocol=4))
    assert verdict is Verdict.SAFE and severity <= Severity.LOW, titles


# --- library callables that turn a pickle's arguments into code -------------------------------------------------

@pytest.mark.parametrize(("module", "name"), [
    ("sympy", "sympify"),  # checked: pickle.loads of REDUCE(sympy.sympify, ("__import__('builtins').print(...)",)) ran
    ("sympy.core.sympify", "sympify"),
    ("sympy.parsing.sympy_parser", "parse_expr"),
    ("sympy", "lambdify"),
    ("transformers", "pipeline"),  # positional trust_remote_code
    ("transformers.dynamic_module_utils", "get_class_from_dynamic_module"),
    ("huggingface_hub", "hf_hub_download"),
])
def test_eval_and_remote_code_gadgets_are_critical(tmp_path: Path, module: str, name: str) -> None:
    data = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X\x05\x00\x00\x001+1+1\x85R."
    verdict, severity, titles = _scan(tmp_path, "model.pkl", data)
    assert (verdict, severity) == (Verdict.MALICIOUS, Severity.CRITICAL), titles


def test_sympy_expressions_stay_unverified_not_critical(tmp_path: Path) -> None:
    """Not critical; high since session 10: SymPy is not on the allowlist, and an unlisted class the loader calls
    (here by REDUCE) is high."""
    data = b"\x80\x02csympy.core.symbol\nSymbol\nX\x01\x00\x00\x00x\x85R."
    assert _scan(tmp_path, "expr.pkl", data)[1] is Severity.HIGH


@pytest.mark.parametrize(("value", "severity"), [
    ("${oc.decode:${a}${b}}", Severity.MEDIUM),  # a: "$", b: "{eval:...}" - the call is assembled at resolution
    ("${oc.create:${a}}", Severity.MEDIUM),
    ("${oc.decode:${oc.env:PORT}}", Severity.LOW),  # the common idiom: an environment value decoded to a number
    ("${oc.decode:'[1, 2]'}", Severity.INFO),
])
def test_decoding_resolvers_on_computed_strings(tmp_path: Path, value: str, severity: Severity) -> None:
    text = f'a: "$"\nb: "{{eval:1}}"\nport: {json.dumps(value)}\n'
    assert _scan(tmp_path, "config.yaml", text)[1] is severity


# --- YAML that libyaml refuses and the pure-Python parser (yaml.safe_load, OmegaConf, Hydra, MLflow) reads ------
# found by a differential fuzz of CSafeLoader against SafeLoader on mutated Hydra configs

@pytest.mark.parametrize("text", [
    "a: 1\nmodel:\n  _target_: os.system\n\ufeff  x: [1, 2]\n",  # a byte-order mark inside the text
    "%FOO %bar\n---\nmodel:\n  _target_: os.system\n",  # an unknown directive with a %-parameter
    "%YAML 1.3\n---\nmodel:\n  _target_: os.system\n",  # a newer minor YAML version (PyYAML warns, libyaml refuses)
    "%FOO %bar\n---\nk: !!python/object/apply:os.system ['true']\n",
])
def test_yaml_that_only_the_pure_python_parser_reads(tmp_path: Path, text: str) -> None:
    import yaml

    if hasattr(yaml, "CSafeLoader"):  # PyYAML built with libyaml (the scanner's fast path) refuses these
        with pytest.raises(yaml.YAMLError):
            yaml.load(text, Loader=yaml.CSafeLoader)
    assert yaml.compose(text, Loader=yaml.SafeLoader) is not None  # the parser yaml.safe_load and OmegaConf use
    assert _scan(tmp_path, "config.yaml", text)[1] is Severity.CRITICAL


@pytest.mark.parametrize(("config", "severity"), [
    ({"custom_imports": {"imports": ["os", "my_pkg.hooks"], "allow_failed_imports": False}}, Severity.CRITICAL),
    ({"custom_imports": {"imports": ["my_pkg.hooks"]}}, Severity.MEDIUM),  # mmengine imports it on Config.fromfile
    ({"lc": 1, "type": "constructor", "id": ["subprocess", "Popen"], "kwargs": {"args": "true"}}, Severity.CRITICAL),
    ({"lc": 1, "type": "secret", "id": ["OPENAI_API_KEY"]}, Severity.MEDIUM),  # read from the environment on load
    ({"lc": 1, "type": "constructor", "id": ["langchain_core", "prompts", "PromptTemplate"], "kwargs": {}},
     Severity.INFO),
])
def test_mmengine_imports_and_langchain_serialisation(tmp_path: Path, config: dict[str, object],
                                                      severity: Severity) -> None:
    assert _scan(tmp_path, "chain.json", json.dumps({"model": config}))[1] is severity
    yaml_text = json.dumps({"model": config})  # JSON is YAML: the same document as config.yaml
    assert _scan(tmp_path, "config.yaml", yaml_text)[1] is severity


# --- SavedModel in protobuf text format (tf.saved_model.load reads saved_model.pbtxt when no .pb is there) -------

PBTXT = 'saved_model_schema_version: 1\nmeta_graphs {{\n  graph_def {{\n    node {{ name: "x" {node} }}\n  }}\n}}\n'


@pytest.mark.parametrize(("node", "severity"), [
    ('op: "PyFunc" attr { key: "token" value { s: "pyfunc_0" } }', Severity.CRITICAL),
    ('op: "Py" "Func"', Severity.CRITICAL),  # adjacent strings are concatenated by the text format
    ("op: 'EagerPy\\x46unc'", Severity.CRITICAL),  # C escapes
    ('attr { key: "a" value { s: "#" } } op: "ReadFile"', Severity.HIGH),  # a # inside a string is no comment
    ('op: "Placeholder" # op: "PyFunc"', Severity.INFO),  # a comment is
    ('op: "MatMul"', Severity.INFO),
])
def test_savedmodel_text_format(tmp_path: Path, node: str, severity: Severity) -> None:
    assert _scan(tmp_path, "sm/saved_model.pbtxt", PBTXT.format(node=node))[1] is severity


def test_savedmodel_text_format_keras_metadata(tmp_path: Path) -> None:
    metadata = json.dumps(json.loads(LAMBDA_CONFIG)["config"]["layers"][0])
    escaped = metadata.replace("\\", "\\\\").replace('"', '\\"')
    text = ('meta_graphs {\n  object_graph_def { nodes { user_object { identifier: "_tf_keras_layer" metadata: "'
            + escaped + '" } } }\n}\n')
    assert _scan(tmp_path, "sm/saved_model.pbtxt", text)[1] is Severity.CRITICAL


def test_chunked_savedmodel_cannot_be_verified(tmp_path: Path) -> None:
    assert _scan(tmp_path, "sm/saved_model.cpb", b"\x89riegeli\x00" + bytes(range(256)) * 4)[1] is Severity.MEDIUM


# --- file references that leave the model folder ---------------------------------------------------------------

@pytest.mark.parametrize(("shard", "severity"), [
    ("../../../tmp/evil.bin", Severity.HIGH),  # transformers joins the shard name to the folder and torch.loads it
    ("/tmp/evil.bin", Severity.HIGH),
    ("C:\\Users\\x\\evil.bin", Severity.HIGH),
    ("sub/../../evil.bin", Severity.HIGH),
    ("sub/../pytorch_model-00001-of-00002.bin", Severity.INFO),  # stays inside
    ("pytorch_model-00001-of-00002.bin", Severity.INFO),
])
def test_sharded_checkpoint_index_outside_the_folder(tmp_path: Path, shard: str, severity: Severity) -> None:
    index = {"metadata": {"total_size": 8}, "weight_map": {"layer.weight": "pytorch_model-00002-of-00002.bin",
                                                           "layer.bias": shard}}
    assert _scan(tmp_path, "pytorch_model.bin.index.json", json.dumps(index))[1] is severity


@pytest.mark.parametrize(("flavors", "severity"), [
    ("sklearn: {pickled_model: ../../../tmp/evil.pkl, serialization_format: cloudpickle}", Severity.HIGH),
    ("python_function: {loader_module: mlflow.sklearn, model_path: /tmp/evil.pkl}", Severity.HIGH),
    ("python_function: {loader_module: mlflow.pyfunc.model, python_model: python_model.pkl,"
     " artifacts: {vocab: {path: artifacts/vocab.txt, uri: /home/me/vocab.txt}}}", Severity.INFO),
])
def test_mlmodel_file_references_outside_the_folder(tmp_path: Path, flavors: str, severity: Severity) -> None:
    assert _scan(tmp_path, "model/MLmodel", f"artifact_path: model\nflavors:\n  {flavors}\n")[1] is severity


def test_yaml_libyaml_refuses_over_the_pure_python_limit_cannot_be_verified(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from mlsecure.artifacts.scan import config_documents

    monkeypatch.setattr(config_documents, "MAX_PURE_YAML_CHARS", 1024)  # the pure-Python parser is ~60 kB/s
    text = "model:\n  _target_: os.system\n" + "".join(f"k{i}: [1, 2]\n" for i in range(200)) + "\ufeff x: 1\n"
    assert _scan(tmp_path, "config.yaml", text)[1] is Severity.MEDIUM
    monkeypatch.setattr(config_documents, "MAX_PURE_YAML_CHARS", 1 << 20)
    assert _scan(tmp_path, "config2.yaml", text)[1] is Severity.CRITICAL


@pytest.mark.parametrize("protocol", [2, 4])
def test_pickled_interpolation_in_a_string_too_long_to_keep(tmp_path: Path, protocol: int) -> None:
    """Strings over 64 KiB are skipped, not kept: OmegaConf still resolves an interpolation in a padded one."""
    value = " " * 70_000 + EVAL_PAYLOAD + " " * 70_000
    data = pickle.dumps({"hparams": {"dim": value}}, protocol=protocol)
    _verdict, severity, titles = _scan(tmp_path, "ckpt.pkl", data)
    assert severity is Severity.HIGH, titles
    benign = pickle.dumps({"hparams": {"vocab": " ".join(f"w{i}" for i in range(30_000))}}, protocol=protocol)
    assert _scan(tmp_path, "vocab.pkl", benign)[1] <= Severity.LOW


# --- GGUF strings as C readers see them -------------------------------------------------------------------------
# llama.cpp finds keys with strcmp and returns values as C strings (llama-cpp-python: ctypes ``.value``): both stop
# at the first NUL. The scanner compared whole keys and parsed whole templates.

def _gguf(entries: list[tuple[bytes, bytes]]) -> bytes:
    out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries))
    for key, value in entries:
        out += struct.pack("<Q", len(key)) + key + struct.pack("<I", 8) + struct.pack("<Q", len(value)) + value
    return out


SSTI = b"{{ ''.__class__.__mro__[1].__subclasses__() }}"


@pytest.mark.parametrize("entries", [
    [(b"general.name", b"m"), (b"tokenizer.chat_template\x00x", SSTI)],  # the key ends at its NUL for strcmp
    [(b"tokenizer.chat_template", SSTI + b"\x00{% if %}")],  # the whole does not parse; the C string does
    [(b"tokenizer.chat_template.tool_use\x00", SSTI + b"\x00")],
])
def test_gguf_template_keys_and_values_end_at_nul(tmp_path: Path, entries: list[tuple[bytes, bytes]]) -> None:
    verdict, severity, titles = _scan(tmp_path, "model.gguf", _gguf(entries))
    assert (verdict, severity) == (Verdict.MALICIOUS, Severity.CRITICAL), titles


def test_gguf_benign_template_with_nul_tail_stays_safe(tmp_path: Path) -> None:
    template = b"{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}\x00garbage"
    assert _scan(tmp_path, "model.gguf", _gguf([(b"tokenizer.chat_template", template)]))[0] is Verdict.SAFE


# --- torch.export programs (.pt2): node targets are op names, run when the exported module runs -----------------

@pytest.mark.parametrize(("target", "severity"), [
    ("torch.ops.evil.run.default", Severity.MEDIUM),  # a namespace PyTorch does not ship: a native library's op
    ("torch.ops.aten.from_file.default", Severity.HIGH),  # maps (shared=True: writes) a file the graph names
    ("torch.ops.aten.relu.default", Severity.INFO),
])
def test_exported_program_op_targets(tmp_path: Path, target: str, severity: Severity) -> None:
    graph = {"graph_module": {"graph": {"nodes": [{"target": "torch.ops.aten.add.Tensor", "inputs": []},
                                                  {"target": target, "inputs": []}]}}}
    data = _zip({"m/archive_format": b"pt2", "m/models/model.json": json.dumps(graph).encode()})
    assert _scan(tmp_path, "model.pt2", data)[1] is severity


def test_config_issues_are_capped_and_keep_the_worst(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A config of a million interpolations must not cost a million issues; the worst past the cap still counts."""
    from mlsecure.artifacts.scan import config_imports

    monkeypatch.setattr(config_imports, "MAX_CONFIG_ISSUES", 5)
    text = "k:\n" + "".join(f"  a{i}: ${{r:{i}}}\n" for i in range(50)) + f"  z: {json.dumps(EVAL_PAYLOAD)}\n"
    path = tmp_path / "config.yaml"
    path.write_text(text)
    result = scan_file(path)
    assert result.max_severity is Severity.HIGH
    assert len(result.issues) <= 6
    assert any(i.evidence.get("more") == 46 for i in result.issues)
