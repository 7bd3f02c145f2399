"""Bypasses found by the session-3 red team of the format scanners (one regression test per class, with
generated variants). Each sample is built here; nothing is loaded.

- **Depth-capped URL search (Keras, CVE-2025-8747 class).** ``get_file`` is judged high only when the
  config holds a URL; the URL search stopped silently at nesting depth 200, so a URL placed deeper (in an
  argument list Keras passes to ``get_file``) made the object ``low`` and the model ``safe``. The walk
  is now iterative, with no depth cap.
- **Chat-template limits that passed (GGUF, tokenizer_config.json, .jinja).** A template over the size
  limit, or whose sample render stopped at the operation budget, was "low": see below.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scan_corpus import keras_archive

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.cli.main import main
from mlsecure.findings import Severity

URL = "https://example.invalid/payload.bin"


def _keras(tmp_path: Path, layers: list[dict[str, Any]]) -> Path:
    return keras_archive(tmp_path, layers)


def _nested(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [0, 199, 250, 600])
@pytest.mark.parametrize("holder", ["args", "config"])
def test_get_file_url_at_any_depth_is_high(tmp_path: Path, depth: int, holder: str) -> None:
    layer: dict[str, Any] = {"module": "keras.utils", "class_name": "function", "config": "get_file"}
    if holder == "args":
        layer["args"] = ["payload.bin", _nested(URL, depth)]
    else:
        layer = {"module": "keras.utils", "class_name": "Dense",
                 "config": {"fn": "get_file", "origin": _nested(URL, depth)}}
    path = _keras(tmp_path, [layer])
    result = scan_file(path)
    assert result.max_severity is Severity.HIGH, result.issues
    assert result.verdict is Verdict.MALICIOUS
    assert main(["artifact", "scan", str(path), "--format", "json"]) == 1


@pytest.mark.parametrize("models", [1, 49, 60, 150])
def test_get_file_url_inside_nested_models_is_high(tmp_path: Path, models: int) -> None:
    """The realistic shape: a get_file call with its URL as a plain argument, in a submodel of a submodel...
    (each nesting adds four JSON levels; Keras deserialises nested models recursively)."""
    layer: dict[str, Any] = {"module": "keras.utils", "class_name": "function", "config": "get_file",
                             "args": ["payload.bin", URL]}
    for i in range(models):
        layer = {"module": "keras", "class_name": "Sequential", "config": {"name": f"m{i}", "layers": [layer]}}
    path = _keras(tmp_path, [layer])
    assert scan_file(path).max_severity is Severity.HIGH


# -- chat templates: a limit reached was "low" (safe) ------------------------------------------------------------
# A template over the 1 MiB size limit, or whose one sample render stops at the operation budget before its end,
# was reported "low" and the file "safe": padding a template, or a long loop before a lookup built at run time,
# hid CVE-2024-34359-style payloads (old llama-cpp-python rendered chat templates outside a sandbox). Both are
# now medium "cannot verify" (ART-008).
# What follows the limit is never rendered, so it is not verified, whatever it is. (Until session 5 this was
# ``{% set k = '__cla' ~ 'ss__' %}{{ messages[k] }}``, a lookup only the render saw; keys the template builds are
# now followed statically and found before any render: ``test_bypass_classes_s5.py``.)
PAYLOAD = "{{ messages[messages|length - 1]['content'] }}"
LIMIT_TEMPLATES = {
    "padded": "{# " + "x" * (1 << 20) + " #}" + PAYLOAD,
    "padded_with_text": " " * (1 << 20) + "{{ cycler.__init__.__globals__ }}",
    "loop_first": "{% for i in range(300000) %}{% endfor %}" + PAYLOAD,
    "nested_loops_first": "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}" + PAYLOAD,
}


@pytest.mark.parametrize("name", sorted(LIMIT_TEMPLATES))
@pytest.mark.parametrize("container", ["jinja", "tokenizer_config"])
def test_chat_template_past_a_limit_is_cannot_verify(tmp_path: Path, name: str, container: str) -> None:
    from mlsecure.artifacts.scan import IssueKind

    template = LIMIT_TEMPLATES[name]
    if container == "jinja":
        path = tmp_path / "chat_template.jinja"
        path.write_text(template)
    else:
        path = tmp_path / "tokenizer_config.json"
        path.write_text(json.dumps({"chat_template": template}))
    result = scan_file(path)
    limited = [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]
    assert limited and limited[0].severity is Severity.MEDIUM, result.issues
    assert result.verdict is not Verdict.SAFE
    assert main(["artifact", "scan", str(path), "--format", "json"]) == 1


@pytest.mark.parametrize(("name", "head", "flagged"), [("tokenizer_config.json", b"", True),
                                                       ("chat.jinja", b"", True), ("config.txt", b"{", True),
                                                       ("vocab.txt", b"", False)])
def test_text_over_the_parse_limit_that_may_be_a_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        name: str, head: bytes, flagged: bool) -> None:
    """Text over the parse limit was 'info' whatever it was; a config or template there is now cannot-verify."""
    from mlsecure.artifacts.scan import IssueKind, engine

    monkeypatch.setattr(engine, "MAX_TEXT_BYTES", 1024)
    path = tmp_path / name
    path.write_bytes(head + b"word\n" * 400)
    result = scan_file(path)
    limited = [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]
    assert bool(limited) is flagged, result.issues
    assert (result.verdict is Verdict.SAFE) is not flagged


# -- a critical import lost to a RecursionError (--fail-on critical passed) --------------------------------------
# os.system("true") followed by N calls on the previous result (")R" each): describing the callable recursed once
# per level, the RecursionError escaped the pickle scanner, and the engine replaced every issue with one medium
# "nested too deeply": `--fail-on critical` exited 0 while pickle.load runs the payload first. The description is
# iterative now, a RecursionError inside the pickle scanner keeps what was found, and a stream lists at most 200
# issues (a 2-byte opcode cost one issue each: 5 million for 10 MB).
@pytest.mark.parametrize("calls", [10, 1_200, 3_000])
@pytest.mark.parametrize("opener", [b"cposix\nsystem\n(Vtrue\ntR", b"\x8c\x05posix\x8c\x06system\x93\x8c\x04true\x85R"])
def test_critical_import_survives_a_long_call_chain(tmp_path: Path, calls: int, opener: bytes) -> None:
    from mlsecure.artifacts.scan import IssueKind

    path = tmp_path / "chain.pkl"
    path.write_bytes(b"\x80\x04" + opener + b")R" * calls + b".")
    result = scan_file(path)
    assert any(i.kind is IssueKind.DANGEROUS_IMPORT and i.severity is Severity.CRITICAL for i in result.issues)
    assert result.verdict is Verdict.MALICIOUS
    assert len(result.issues) <= 205
    assert main(["artifact", "scan", str(path), "--format", "json", "--fail-on", "critical"]) == 1
