"""A scan that fails part-way keeps what it found (the engine's catch-all used to drop it).

Before: for every non-pickle scanner a ``RecursionError``/``MemoryError`` (or the ONNX depth limit, or bad
bytes late in a SavedModel) replaced the findings gathered so far with one medium "not verified", so with
``--fail-on high`` a file carrying a critical payload next to a deep structure exited 0. Now scanners yield
issues as they find them, the engine keeps them, and the failure is one more (failing) issue. Deep
structures are walked without recursion where a loader could still read them: ONNX subgraphs, Keras
configs, and JSON that parses for a loader on a shallow stack but not at the scanner's depth.
Every sample is built here from bytes; nothing is loaded.
"""

from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from protobuf_bytes import msg as _msg
from protobuf_bytes import varint as _varint
from protobuf_bytes import vint as _vint

from mlsecure.artifacts.scan import Verdict, engine, onnx_wire, scan_file
from mlsecure.artifacts.scan.engine import collect
from mlsecure.artifacts.scan.interface import Issue, IssueKind
from mlsecure.cli.main import main
from mlsecure.findings import Severity

EVIL = b"cos\nsystem\n(S'true'\ntR."  # protocol-0 REDUCE of os.system (built, never loaded)
LAMBDA = {"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAAAAAA", None, None]}}


def _critical(result: Any) -> list[Issue]:
    return [i for i in result.issues if i.severity is Severity.CRITICAL]


# -- the engine's collector -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("error", "severity"), [(RecursionError, Severity.MEDIUM), (MemoryError, Severity.MEDIUM),
                                                 (KeyError, Severity.HIGH)])
def test_collect_keeps_what_was_yielded_and_adds_the_failure(error: type[BaseException], severity: Severity) -> None:
    found = Issue(IssueKind.DANGEROUS_IMPORT, Severity.CRITICAL, "os.system")

    def scanner() -> Iterator[Issue]:
        yield found
        raise error("boom")

    issues = collect("demo", scanner)
    assert issues[0] is found
    assert len(issues) == 2 and issues[1].severity is severity and issues[1].evidence["error"] == error.__name__
    assert issues[1].evidence["found_before"] == 1


def test_a_failing_zip_member_keeps_the_earlier_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A RecursionError in the second member's scan (forced here) no longer hides the first member's payload."""
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a/model.bin", EVIL)
        z.writestr("b/notes.txt", "plain words")

    def deep(*_: object) -> list[Issue]:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(engine, "_scan_text", deep)
    result = scan_file(path)
    assert _critical(result) and result.verdict is Verdict.MALICIOUS
    failure = [i for i in result.issues if i.evidence.get("error") == "RecursionError"]
    # (since session 5 a text-like pickle is also read as text, so a/model.bin's text pass fails here too)
    assert failure and all(f.severity is Severity.MEDIUM for f in failure)
    assert "b/notes.txt" in [f.member for f in failure]


# -- ONNX: subgraphs at any depth, limits keep the findings ----------------------------------------------------


ABS_TENSOR = (_msg(8, b"w") + _vint(2, 1) + _msg(13, _msg(1, b"location") + _msg(2, b"/etc/passwd"))
              + _vint(14, 1))  # TensorProto external data at an absolute path


def _onnx(graph_body: bytes) -> bytes:
    return _vint(1, 8) + _msg(7, graph_body) + _msg(8, _vint(2, 17))  # ir_version 8, graph, opset "" 17


def _deep_graph(depth: int, inner_op: bytes = b"Identity", domain: bytes = b"") -> bytes:
    graph = _msg(1, _msg(4, inner_op) + (_msg(7, domain) if domain else b""))
    for _ in range(depth):  # GraphProto.node = NodeProto(op_type="If", attribute=AttributeProto(g=graph))
        graph = _msg(1, _msg(4, b"If") + _msg(5, _msg(1, b"then_branch") + _msg(6, graph)))
    return graph


@pytest.mark.parametrize("depth", [40, 300])
def test_onnx_deep_subgraphs_keep_external_data_and_are_walked(tmp_path: Path, depth: int) -> None:
    """Was: 'subgraphs nested deeper than 32' (medium) alone, the /etc/passwd external data dropped."""
    path = tmp_path / "deep.onnx"
    path.write_bytes(_onnx(_msg(5, ABS_TENSOR) + _deep_graph(depth, b"Evil", b"attacker.ops")))
    result = scan_file(path)
    assert any(i.kind is IssueKind.EXTERNAL_DATA for i in _critical(result))
    assert any(i.kind is IssueKind.CUSTOM_OP and i.evidence.get("domain") == "attacker.ops" for i in result.issues)
    assert not [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]


def test_onnx_item_limit_keeps_what_was_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_wire, "MAX_ITEMS", 50)
    path = tmp_path / "wide.onnx"
    path.write_bytes(_onnx(_msg(5, ABS_TENSOR) + _msg(1, _msg(4, b"Identity")) * 100))
    result = scan_file(path)
    assert _critical(result)
    limit = [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]
    assert limit and limit[0].severity is Severity.MEDIUM and "50" in limit[0].title


def test_onnx_bad_bytes_late_keep_what_was_read(tmp_path: Path) -> None:
    bad_node = _varint(1 << 3 | 2) + _varint(5) + _msg(4, b"If")[:3] + b"\xff\xff"  # NodeProto with a broken field
    path = tmp_path / "broken.onnx"
    path.write_bytes(_onnx(_msg(5, ABS_TENSOR) + bad_node))
    result = scan_file(path)
    assert _critical(result)
    assert any(i.kind is IssueKind.MALFORMED and i.severity is Severity.HIGH for i in result.issues)


# -- SavedModel: ops counted before bad bytes are judged ----------------------------------------------------------
def test_savedmodel_pyfunc_before_bad_bytes_stays_critical(tmp_path: Path) -> None:
    node = _msg(1, b"py") + _msg(2, b"PyFunc")  # NodeDef name, op
    broken = _msg(1, b"x" + b"\x12\x7f")  # a NodeDef whose op field runs past its end
    graph_def = _msg(1, node) + broken
    meta_graph = _msg(2, graph_def)  # MetaGraphDef.graph_def
    path = tmp_path / "saved_model.pb"
    path.write_bytes(_vint(1, 1) + _msg(2, meta_graph))
    result = scan_file(path)
    assert result.format.value == "tf-savedmodel"
    assert any(i.kind is IssueKind.DANGEROUS_OP for i in _critical(result))
    assert any(i.kind is IssueKind.MALFORMED for i in result.issues)


# -- Keras configs: walked without recursion, parsed with a loader's stack depth ----------------------------------
def _nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def _config(depth: int) -> str:
    """A model config: a Lambda layer, then a value nested ``depth`` deep that Keras never reads."""
    text = json.dumps({"class_name": "Functional", "config": {"layers": [LAMBDA]}})
    return text[:-1] + ', "junk": ' + "[" * depth + "0" + "]" * depth + "}"


# 985: json.loads parses it on a shallow stack (as Keras's loader calls it) but not where the scanner stood;
# before, the scanner called it "text" (info) and the file was safe.
@pytest.mark.parametrize("depth", [500, 985])
@pytest.mark.parametrize("container", ["json", "keras", "h5", "safetensors"])
def test_deep_keras_configs_keep_the_lambda(tmp_path: Path, depth: int, container: str) -> None:
    path = _holder(tmp_path, container, _config(depth))
    result = scan_file(path)
    assert any(i.kind is IssueKind.EMBEDDED_CODE for i in _critical(result)), result.issues


@pytest.mark.parametrize("container", ["json", "keras", "h5", "safetensors"])
def test_config_deeper_than_any_loader_parses_is_cannot_verify(tmp_path: Path, container: str) -> None:
    """Nested deeper than json.loads parses even on a fresh stack: medium, never 'text' or 'no config'."""
    path = _holder(tmp_path, container, _config(5000))
    result = scan_file(path)
    assert result.verdict is not Verdict.SAFE
    assert any(i.kind is IssueKind.RESOURCE_LIMIT and i.severity is Severity.MEDIUM for i in result.issues)


def _holder(tmp_path: Path, container: str, config: str) -> Path:
    if container == "json":
        path = tmp_path / "config.json"
        path.write_text(config)
    elif container == "keras":
        path = tmp_path / "model.keras"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("metadata.json", json.dumps({"keras_version": "3.9.0"}))
            z.writestr("config.json", config)
            z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    elif container == "h5":
        path = tmp_path / "model.h5"
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64 + config.encode() + b"\x00" * 8)
    else:
        header = json.dumps({"__metadata__": {"keras_config": config}}).encode()
        path = tmp_path / "model.safetensors"
        path.write_bytes(struct.pack("<Q", len(header)) + header)
    return path


# -- archives nested beyond the depth limit keep what is around them ----------------------------------------------
def test_zip_nest_beyond_the_depth_limit_keeps_the_payload_beside_it(tmp_path: Path) -> None:
    inner = b"plain"
    for level in range(12):
        holder = tmp_path / f"z{level}.zip"
        with zipfile.ZipFile(holder, "w") as z:
            z.writestr("inner.zip" if level else "leaf.txt", inner)
        inner = holder.read_bytes()
    path = tmp_path / "outer.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("nest.zip", inner)
        z.writestr("model.bin", EVIL)
    result = scan_file(path)
    assert _critical(result)
    assert any(i.kind is IssueKind.RESOURCE_LIMIT and i.severity is Severity.MEDIUM for i in result.issues)


@pytest.mark.parametrize("fail_on", ["high", "critical"])
def test_cli_fails_on_the_kept_finding(tmp_path: Path, fail_on: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.onnx"
    path.write_bytes(_onnx(_msg(5, ABS_TENSOR) + _deep_graph(40)))
    assert main(["artifact", "scan", str(path), "--fail-on", fail_on, "--format", "json"]) == 1
    assert "external data" in capsys.readouterr().out


def test_a_failure_outside_any_scanner_is_an_issue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Format detection runs before any scanner: a bug there is a failing issue, never a traceback."""
    path = tmp_path / "model.bin"
    path.write_bytes(EVIL)

    def broken(*_: object) -> object:
        raise KeyError("detector bug")

    monkeypatch.setattr(engine, "_detect", broken)
    result = scan_file(path)
    assert result.verdict is not Verdict.SAFE
    assert any(i.evidence.get("error") == "KeyError" and i.severity is Severity.HIGH for i in result.issues)
