"""modelaudit (MIT, github.com/promptfoo/modelaudit): the per-format scanner tests, rebuilt with our own
code - tests/scanners/test_onnx_scanner.py (external data, custom/Python ops), test_zip_scanner.py,
test_tar_scanner.py, test_sevenzip_scanner.py, test_numpy_scanner.py and
test_jinja2_template_scanner.py.

Labels: a test asserting a finding (a FAILED check, a traversal/symlink/depth issue) makes the sample
malicious; one asserting no finding makes it benign. Left out on purpose: tests that only assert the
scan ran (``success``/``bytes_scanned``), tests needing a non-default scanner config (max depth 3),
test_sevenzip_scanner.py::test_path_traversal_detection (py7zr >= 1.0 refuses to write a '../'
member name and compresses the header, so it cannot be patched in), and modelaudit's CVE-2019-6446
"any object-dtype .npy" warning, whose label contradicts picklescan's benign object arrays
(tests/test_scanner.py::test_scan_numpy) - one corpus cannot hold both.
"""

from __future__ import annotations

import io
import json
import pickle
import stat
import struct
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from peer_corpus import Payload, PeerSample
from peer_corpus import asm as a
from peer_corpus._files import blob, np_save, seven_zip_bytes, write, zip_bytes

ONNX = "tests/scanners/test_onnx_scanner.py"
ZIP = "tests/scanners/test_zip_scanner.py"
TAR = "tests/scanners/test_tar_scanner.py"
SEVEN = "tests/scanners/test_sevenzip_scanner.py"
NPY = "tests/scanners/test_numpy_scanner.py"
J2 = "tests/scanners/test_jinja2_template_scanner.py"
WRITE = f"{ONNX}::TestCVE202551480SavePathTraversal"
NESTED = f"{ONNX}::TestCVE202427318NestedPathTraversal"


def _s(sid: str, source: str, description: str, name: str, make: Callable[[Payload], bytes]) -> PeerSample:
    return PeerSample(f"modelaudit/{sid}", source, description, blob(name, make))


# -- ONNX ------------------------------------------------------------------------------------------
def _onnx_model(op: str = "Relu", domain: str = "", external: str | None = None) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1])
    node = helper.make_node(op, ["input"], ["output"], name=op.lower(), **({"domain": domain} if domain else {}))
    tensor = helper.make_tensor("W", TensorProto.FLOAT, [1], vals=[1.0])
    if external is not None:
        tensor.ClearField("float_data")
        tensor.data_location = TensorProto.EXTERNAL
        entry = tensor.external_data.add()
        entry.key, entry.value = "location", external
    graph = helper.make_graph([node], "graph", [x], [y], initializer=[tensor])
    return onnx.helper.make_model(graph).SerializeToString()


def _onnx(sid: str, source: str, description: str, *, op: str = "Relu", domain: str = "",
          external: str | None = None, weights_at: str | None = None) -> PeerSample:
    def build(folder: Path, _: Payload) -> Path:
        model_dir = folder / "model"
        write(model_dir / "model.onnx", _onnx_model(op, domain, external))
        if weights_at is not None:
            write(model_dir / weights_at, struct.pack("f", 1.0))
        return model_dir
    return PeerSample(f"modelaudit/{sid}", source, description, build)


def _absolute_sibling(folder: Path, _: Payload) -> Path:
    sibling = folder / "model_evil" / "weights.bin"
    write(sibling, struct.pack("f", 1.0))
    model_dir = folder / "model"
    write(model_dir / "model.onnx", _onnx_model(external=str(sibling)))
    return model_dir


# -- archives --------------------------------------------------------------------------------------
def _zip_symlink(name: str, target: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, target)
    return buf.getvalue()


def _tar(members: list[tuple[str, bytes]], *, mode: str = "w", links: tuple[tuple[str, str], ...] = ()) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as t:  # type: ignore[call-overload]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            t.addfile(info)
    return buf.getvalue()


def _nested_tar(levels: int) -> bytes:
    data = _tar([("deep.txt", b"Deep content")])
    for i in range(1, levels):
        data = _tar([(f"level{i}.tar", data)])
    return data


PROTO0_SYSTEM = b'cos\nsystem\n(S"' + b"touch PAYLOAD_RAN" + b'"\ntR.'


# -- jinja2 ----------------------------------------------------------------------------------------
def _tokenizer_config(template: str, cls: str = "LlamaTokenizer") -> Callable[[Payload], bytes]:
    return lambda _: json.dumps({"tokenizer_class": cls, "chat_template": template}).encode()


CVE_2024_34359 = ("{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
                  "{{ c()._module.__builtins__['__import__']('os').system('touch PAYLOAD_RAN') }}"
                  "{% endif %}{% endfor %}")
LIQUID = ('{{- bos_token -}}{%- set ns = namespace(system_prompt="") -%}{%- if messages[0]["role"] == "system" -%}'
          '  {%- set ns.system_prompt = messages[0]["content"] -%}{%- endif -%}{%- for message in messages -%}'
          '  {{- "<|im_start|>" + message["role"] + "\\n" -}}  {%- set content = message["content"] -%}'
          '  {%- if message["role"] == "tool" -%}'
          '    {%- set content = "<|tool_response_start|>" + content + "<|tool_response_end|>" -%}'
          '  {%- endif -%}  {{- content + "<|im_end|>\\n" -}}{%- endfor -%}')


def samples() -> list[PeerSample]:
    t = TAR
    return [
        _onnx("onnx_basic", f"{ONNX}::test_onnx_scanner_basic_model", "Relu model with an inline initializer"),
        _onnx("onnx_custom_op", f"{ONNX}::test_onnx_scanner_custom_op", "CustomOp in domain com.test",
              op="CustomOp", domain="com.test"),
        _onnx("onnx_python_op", f"{ONNX}::test_onnx_scanner_python_op", "PythonOp node", op="PythonOp"),
        _onnx("onnx_external_missing", f"{ONNX}::test_onnx_scanner_external_data_missing",
              "initializer whose external file weights.bin is absent", external="weights.bin"),
        _onnx("onnx_external_exists", f"{ONNX}::test_onnx_scanner_external_data_exists",
              "initializer stored in weights.bin beside the model", external="weights.bin", weights_at="weights.bin"),
        _onnx("onnx_external_dotdot_in_dir", f"{ONNX}::TestCVE202551480SavePathTraversal::"
              "test_normalized_in_dir_path_with_dotdot_no_write_vuln", "external location subdir/../weights.bin "
              "(resolves inside the model folder)", external="subdir/../weights.bin", weights_at="weights.bin"),
        *(_onnx(f"onnx_traversal_{i}", test, f"external data location {loc!r}", external=loc)
          for i, (loc, test) in enumerate([
              ("../../../tmp/overwrite_target", f"{WRITE}::test_traversal_detected_as_write_vuln"),
              ("subdir/../../overwrite_target", f"{WRITE}::test_nested_traversal_triggers_write_vuln"),
              ("../overwrite_me", f"{WRITE}::test_write_vuln_details_fields"),
              ("subdir/../../etc/passwd", f"{NESTED}::test_nested_traversal_detected"),
              ("../../etc/passwd", f"{NESTED}::test_direct_traversal_attributed_to_cve_2022"),
              ("data/../../../nonexistent/secret",
               f"{NESTED}::test_nested_traversal_nonexistent_target_still_detected"),
              ("weights/../../../tmp/exfil", f"{NESTED}::test_nested_traversal_details_contain_cwe"),
          ])),
        PeerSample("modelaudit/onnx_absolute_sibling", f"{WRITE}::test_absolute_sibling_path_triggers_write_vuln",
                   "external data at an absolute path in a sibling folder (which exists)", _absolute_sibling),
        _s("zip_symlink_outside", f"{ZIP}::test_symlink_outside_extraction_root", "zip symlink link.txt -> ../evil.txt",
           "archive.zip", lambda _: _zip_symlink("link.txt", "../evil.txt")),
        _s("zip_symlink_critical", f"{ZIP}::test_symlink_to_critical_path", "zip symlink etc_passwd -> /etc/passwd",
           "archive.zip", lambda _: _zip_symlink("etc_passwd", "/etc/passwd")),
        _s("zip_traversal", f"{ZIP}::test_directory_traversal_detection", "members ../../../etc/passwd and /etc/passwd",
           "archive.zip", lambda _: zip_bytes([("../../../etc/passwd", b"malicious content"),
                                               ("/etc/passwd", b"malicious content"), ("safe.txt", b"safe content")])),
        _s("zip_windows_traversal", f"{ZIP}::test_windows_traversal_detection", "member ..\\evil.txt", "archive.zip",
           lambda _: zip_bytes([("..\\evil.txt", b"malicious"), ("safe.txt", b"ok")])),
        _s("zip_high_ratio", f"{ZIP}::test_zip_bomb_detection", "300 kB of 'A' deflated (compression-ratio finding)",
           "archive.zip", lambda _: zip_bytes([("suspicious.txt", b"A" * 300000)], compression=zipfile.ZIP_DEFLATED)),
        _s("zip_proto0_as_txt", f"{ZIP}::test_scan_zip_with_proto0_pickle_disguised_as_text",
           "payload.txt holding a protocol-0 os.system pickle", "archive.zip",
           lambda _: zip_bytes([("payload.txt", PROTO0_SYSTEM)])),
        _s("zip_proto0_prefixed_as_txt", f"{ZIP}::test_scan_zip_with_prefixed_proto0_pickle_disguised_as_text",
           "payload.txt: (lp0\\n0 then the os.system pickle", "archive.zip",
           lambda _: zip_bytes([("payload.txt", b"(lp0\n0" + PROTO0_SYSTEM)])),
        _s("zip_proto0_comment_prefixed", f"{ZIP}::test_scan_zip_with_proto0_pickle_with_single_comment_token_"
           "bypass_regression", "payload.txt: '#' then the os.system pickle", "archive.zip",
           lambda _: zip_bytes([("payload.txt", b"#" + PROTO0_SYSTEM)])),
        _s("zip_text_only", f"{ZIP}::test_scan_simple_zip", "readme.txt and data.json", "archive.zip",
           lambda _: zip_bytes([("readme.txt", b"This is a readme file"), ("data.json", b'{"key": "value"}')])),
        _s("zip_plain_text_c_prefix", f"{ZIP}::test_scan_zip_with_plain_text_global_prefix_not_treated_as_pickle",
           "notes.txt beginning 'c\\n' (plain text)", "archive.zip",
           lambda _: zip_bytes([("notes.txt", b"c\nthis is plain text\nnot a pickle stream")])),
        _s("zip_nested_text", f"{ZIP}::test_scan_nested_zip", "zip inside a zip, inner.txt", "archive.zip",
           lambda _: zip_bytes([("nested.zip", zip_bytes([("inner.txt", b"Inner file content")]))])),
        _s("tar_simple", f"{t}::test_scan_simple_tar", "readme.txt and data.json (no non-debug issue)", "archive.tar",
           lambda _: _tar([("readme.txt", b"This is a readme file"), ("data.json", b'{"key": "value"}')])),
        _s("tar_traversal", f"{t}::test_path_traversal_detection", "member ../../evil.txt", "archive.tar",
           lambda _: _tar([("../../evil.txt", b"malicious content")])),
        _s("tar_symlink_outside", f"{t}::test_symlink_outside_extraction_root", "symlink -> ../../../etc/passwd",
           "archive.tar", lambda _: _tar([], links=(("link.txt", "../../../etc/passwd"),))),
        _s("tar_symlink_critical", f"{t}::test_symlink_to_critical_path", "symlink etc_passwd -> /etc/passwd",
           "archive.tar", lambda _: _tar([], links=(("etc_passwd", "/etc/passwd"),))),
        _s("tar_depth_7", f"{t}::test_max_depth_limit", "7 nested tars (past the default depth 5)", "archive.tar",
           lambda _: _nested_tar(7)),
        _s("tar_nested", f"{t}::test_nested_tar_scanning", "tar inside a tar", "archive.tar",
           lambda _: _tar([("nested.tar", _tar([("inner.txt", b"Inner content")]))])),
        _s("tar_nested_gz", f"{t}::test_nested_compressed_tar_scanning", "tar.gz inside a tar", "archive.tar",
           lambda _: _tar([("nested.tar.gz", _tar([("inner.txt", b"Inner compressed content")], mode="w:gz"))])),
        _s("tar_with_pickle", f"{t}::test_scan_tar_with_pickle_file", "data.pkl of {'key': 'value'}", "archive.tar",
           lambda _: _tar([("data.pkl", pickle.dumps({"key": "value"}))])),
        _s("7z_safe", f"{SEVEN}::test_scan_safe_archive", "safe_model.pkl of a plain dict", "archive.7z",
           lambda _: seven_zip_bytes("safe_model.pkl", pickle.dumps({"safe": True, "data": [1, 2, 3]}))),
        _s("7z_malicious", f"{SEVEN}::test_scan_malicious_archive", "malicious_model.pkl calling eval", "archive.7z",
           lambda p: seven_zip_bytes("malicious_model.pkl", a.call("builtins", "eval", [p.expr],
                                                                    pickle.DEFAULT_PROTOCOL))),
        _s("npy_arange", f"{NPY}::test_numpy_scanner_valid", "np.save(np.arange(10))", "array.npy",
           lambda _: np_save(__import__("numpy").arange(10))),
        _s("npy_float32", f"{NPY}::TestCVE20196446ObjectDtype::test_numeric_dtype_no_cve", "float32 array",
           "float_array.npy", lambda _: np_save(__import__("numpy").array([1.0, 2.0, 3.0], dtype="float32"))),
        _s("npy_structured_numeric", f"{NPY}::TestCVE20196446ObjectDtype::test_structured_numeric_dtype_no_cve",
           "structured dtype of float32/int32", "structured.npy",
           lambda _: np_save(__import__("numpy").array([(1.0, 2), (3.0, 4)], dtype=[("x", "<f4"), ("y", "<i4")]))),
        _s("jinja_cve_2024_34359", f"{J2}::test_detects_cve_2024_34359_payload", "chat_template walking "
           "__subclasses__ to catch_warnings and os.system", "tokenizer_config.json",
           _tokenizer_config(CVE_2024_34359)),
        *(_s(f"jinja_{name}", f"{J2}::{test}", f"template {text}", fname, lambda _, text=text: text.encode())
          for name, test, text, fname in [
              ("subclasses", "test_detects_subclasses_traversal", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
               "malicious.jinja"),
              ("lipsum_popen", "test_detects_critical_injection", "{{ lipsum.__globals__.os.popen('true').read() }}",
               "critical.jinja"),
              ("self_globals", "test_detects_global_access", "{{ self.__init__.__globals__['os'] }}", "globals.jinja"),
              ("config_builtins", "test_detects_builtins_access",
               "{{ config.__class__.__init__.__globals__.__builtins__ }}", "builtins.jinja"),
              ("request_builtins", "test_detects_request_object_access",
               "{{ request.application.__globals__.__builtins__ }}", "request.jinja"),
              ("simple_substitution", "test_simple_variable_substitution", "Hello, {{ name }}! Welcome to {{ site }}.",
               "simple.jinja"),
          ]),
        _s("jinja_benign_chat", f"{J2}::test_benign_chat_template", "role/content loop chat_template",
           "tokenizer_config.json", _tokenizer_config(
               "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}",
               "GPT2Tokenizer")),
        _s("jinja_liquidai", f"{J2}::test_liquidai_template_no_false_positives", "LiquidAI LFM2 chat_template "
           "(namespace, bracket notation)", "tokenizer_config.json", _tokenizer_config(LIQUID)),
    ]
