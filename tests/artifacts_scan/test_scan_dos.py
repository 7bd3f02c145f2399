"""The scanner cannot be turned against itself (session 3 red team): expansion bombs whose dict keys or
set items make hashing exponential or recurse past the C stack, memory and time budgets inside the
pickle emulator, hash-flooding keys, and ONNX models mapped rather than read whole.

Each sample is built here byte by byte; nothing is unpickled. Before the fix, ``hash_dag_key`` (408
bytes) hung the scanner for ever (CPython's own loader hangs on it too), a 2 MB ``deep_tuple_key``
crashed it with SIGSEGV (as it crashes ``pickle.loads``), and 4 MB of ``]`` opcodes cost 590 MB of
memory with no bound but the 200-million-opcode limit.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from protobuf_bytes import msg as _msg

from mlsecure.artifacts.scan import ArtifactResult, IssueKind, Limits, Verdict, scan_file
from mlsecure.cli.main import main
from mlsecure.findings import Severity

P2 = b"\x80\x02"
SYSTEM = b"cposix\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R0"  # imports posix.system, pops the call


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path

def _scan_with_peak_memory(path: Path) -> tuple[ArtifactResult, int]:
    """``scan_file`` and the peak of Python allocations it made (tracemalloc)."""
    tracemalloc.start()
    try:
        result = scan_file(path)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _bomb(issues: list) -> list:
    return [i for i in issues if i.kind is IssueKind.ARCHIVE_BOMB]


# (name, bytes): each makes the *loader* hash a key whose cost explodes
EXPANSION_BOMBS = {
    # t = (1,); t = (t, t) 200 times (DUP + TUPLE2): hashing visits 2^200 tuples; used as a dict key
    "hash_dag_key": P2 + b"}K\x01" + b"2\x86" * 200 + b"Ns.",
    # the same DAG as a SETITEM key through the memo (BINPUT/BINGET instead of DUP)
    "hash_dag_key_memo": P2 + b"}K\x01" + b"q\x00h\x00\x86" * 200 + b"Ns.",
    # ... as a frozenset item (FROZENSET hashes every item)
    "hash_dag_frozenset": P2 + b"(K\x01" + b"2\x86" * 200 + b"\x91.",
    # ... as a set item (EMPTY_SET + ADDITEMS)
    "hash_dag_set": P2 + b"\x8f(K\x01" + b"2\x86" * 200 + b"\x90.",
    # 20,000 nested 1-tuples as a key: recursion in C (at 10^6 levels pickle.loads segfaults)
    "deep_tuple_key": P2 + b"}K\x01" + b"\x85" * 20_000 + b"Ns.",
}


@pytest.mark.parametrize("name", sorted(EXPANSION_BOMBS))
def test_expansion_bomb_is_found_quickly(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, f"{name}.pkl", EXPANSION_BOMBS[name] + SYSTEM[:0])
    started = time.monotonic()
    result = scan_file(path)
    assert time.monotonic() - started < 5
    hashing = [i for i in _bomb(result.issues) if "hash of a dict key or set item" in i.title]
    assert len(hashing) == 1 and hashing[0].severity is Severity.MEDIUM
    assert result.verdict is Verdict.SUSPICIOUS
    assert main(["artifact", "scan", str(path), "--format", "json"]) == 1


def test_payload_after_an_expansion_bomb_is_still_found(tmp_path: Path) -> None:
    data = P2 + b"}K\x01" + b"2\x86" * 200 + b"Ns" + SYSTEM + b"."
    result = scan_file(_write(tmp_path, "bomb_then_payload.pkl", data))
    assert result.verdict is Verdict.MALICIOUS
    assert {i.evidence.get("global") for i in result.issues} >= {"posix.system"}
    assert _bomb(result.issues)


def test_small_tuple_keys_are_not_a_bomb(tmp_path: Path) -> None:
    import pickle

    data = pickle.dumps({(i, (i, "x")): i for i in range(2000)} | {frozenset({(1, 2)}): 0}, protocol=4)
    result = scan_file(_write(tmp_path, "tuple_keys.pkl", data))
    assert not _bomb(result.issues)
    assert result.verdict is Verdict.SAFE


def test_colliding_int_keys_do_not_slow_the_scan(tmp_path: Path) -> None:
    """Keys k * (2^61 - 1) all hash to 0 (O(n^2) dict inserts): the emulator does not hash them."""
    keys = b"".join(b"\x8a\x0a" + (k * ((1 << 61) - 1)).to_bytes(10, "little", signed=True) + b"N"
                    for k in range(1, 30_001))
    data = P2 + b"}(" + keys + b"u" + SYSTEM + b"."
    started = time.monotonic()
    result = scan_file(_write(tmp_path, "collisions.pkl", data))
    assert time.monotonic() - started < 10
    assert result.verdict is Verdict.MALICIOUS  # the payload after the dict is still read


@pytest.mark.slow
def test_memory_budget_is_a_cannot_verify_finding(tmp_path: Path) -> None:
    """Nested empty lists cost ~280 bytes each to emulate, 1 byte each in the file: the budget stops it."""
    n = 100_000
    path = _write(tmp_path, "lists.pkl", P2 + b"]" * n + b"a" * (n - 1) + b".")
    result = scan_file(path, limits=Limits(max_pickle_memory=8 * 1024**2))
    limit = [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]
    assert limit and limit[0].severity is Severity.MEDIUM and "MiB" in limit[0].title
    assert result.verdict is Verdict.SUSPICIOUS
    assert scan_file(path).verdict is Verdict.SAFE  # the default budget holds it


def test_time_limit_stops_the_emulator(tmp_path: Path) -> None:
    """The per-file deadline is checked inside the emulator, not only between archive members."""
    path = _write(tmp_path, "long.pkl", P2 + b"N0" * 70_000 + b"N.")
    result = scan_file(path, limits=Limits(max_seconds=0.0))
    limit = [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]
    assert limit and "time limit" in limit[0].title and limit[0].severity is Severity.MEDIUM


@pytest.mark.slow
def test_many_imports_of_one_global_keep_memory_flat(tmp_path: Path) -> None:
    """Each GLOBAL used to be kept (200 bytes per 15 file bytes); only the first 4096 are now."""
    path = _write(tmp_path, "globals.pkl", P2 + b"cbuiltins\nlen\n0" * 40_000 + b"N.")
    result, peak = _scan_with_peak_memory(path)
    assert peak < 4 * 1024**2  # 40,000 kept imports were ~10 MB
    assert result.verdict is Verdict.SAFE


@pytest.mark.slow
def test_nested_loader_past_the_tracking_cap_is_not_exempt(tmp_path: Path) -> None:
    """torch.storage._load_from_bytes is exempt only per tracked call site; past the cap it is judged."""
    inner = b"\x80\x02K\x01."
    call = b"ctorch.storage\n_load_from_bytes\nC" + bytes([len(inner)]) + inner + b"\x85R0"
    result = scan_file(_write(tmp_path, "many_loaders.pkl", P2 + call * 4100 + b"N."))
    assert any(i.evidence.get("global") == "torch.storage._load_from_bytes" and i.severity >= Severity.HIGH
               for i in result.issues)


# -- ONNX: mapped, never read whole ------------------------------------------------------------------
onnx = pytest.importorskip("onnx")
helper = onnx.helper


def _model(graph, *, functions=(), opsets=None):  # type: ignore[no-untyped-def]
    return helper.make_model(graph, functions=list(functions),
                             opset_imports=opsets or [helper.make_opsetid("", 17)])


def test_onnx_function_body_custom_op_is_found(tmp_path: Path) -> None:
    """A model-local function whose body calls an op from a custom domain needs native code too."""
    body = helper.make_node("Evil", ["x"], ["y"], domain="evil.ops")
    fn = helper.make_function("local", "F", ["x"], ["y"], [body],
                              [helper.make_opsetid("", 17), helper.make_opsetid("evil.ops", 1)])
    node = helper.make_node("F", ["x"], ["y"], domain="local")
    vi = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])
    vo = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])
    model = _model(helper.make_graph([node], "g", [vi], [vo]), functions=[fn],
                   opsets=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    path = tmp_path / "fn.onnx"
    path.write_bytes(model.SerializeToString())
    result = scan_file(path)
    custom = [i for i in result.issues if i.kind is IssueKind.CUSTOM_OP]
    assert [i.evidence["domain"] for i in custom] == ["evil.ops"] and custom[0].severity is Severity.MEDIUM
    assert main(["artifact", "scan", str(path), "--format", "json"]) == 1


def test_onnx_function_body_external_data_escape_is_found(tmp_path: Path) -> None:
    """A Constant inside a function body whose tensor is external data at an absolute path."""
    tensor = helper.make_tensor("w", onnx.TensorProto.FLOAT, [1], [0.0])
    tensor.data_location = onnx.TensorProto.EXTERNAL
    del tensor.float_data[:]
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "/etc/passwd"
    body = helper.make_node("Constant", [], ["y"], value=tensor)
    fn = helper.make_function("local", "F", [], ["y"], [body], [helper.make_opsetid("", 17)])
    node = helper.make_node("F", [], ["y"], domain="local")
    vo = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])
    model = _model(helper.make_graph([node], "g", [], [vo]), functions=[fn],
                   opsets=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    path = tmp_path / "fn_ext.onnx"
    path.write_bytes(model.SerializeToString())
    escapes = [i for i in scan_file(path).issues if i.kind is IssueKind.EXTERNAL_DATA]
    assert escapes and escapes[0].severity is Severity.CRITICAL


def test_onnx_weights_are_not_read_into_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An 8 MB initializer: the scan maps the file and skips the payload (traced memory << file size)."""
    from mlsecure.artifacts.scan import onnx_scan

    weights = helper.make_tensor("w", onnx.TensorProto.UINT8, [8 << 20], b"\x01" * (8 << 20), raw=True)
    node = helper.make_node("Identity", ["w"], ["y"])
    vo = helper.make_tensor_value_info("y", onnx.TensorProto.UINT8, [8 << 20])
    path = tmp_path / "big.onnx"
    path.write_bytes(_model(helper.make_graph([node], "g", [], [vo], initializer=[weights])).SerializeToString())
    monkeypatch.setattr(onnx_scan, "CHECKER_MAX", 1 << 20)  # the checker is the one whole-file parse
    result, peak = _scan_with_peak_memory(path)
    assert peak < 2 * 1024**2
    assert result.verdict is Verdict.SAFE
    assert any("checker was not run" in i.title for i in result.issues)




def test_onnx_deep_subgraphs_are_walked_without_recursion(tmp_path: Path) -> None:
    """If bodies 400 deep (wire bytes written here: the onnx helpers stop at protobuf's own depth limit): the
    walk uses a stack, so the custom op at the bottom is found and no depth limit is reached (until session 4,
    depth 32 was a limit that dropped every other finding)."""
    graph = _msg(1, _msg(4, b"Evil") + _msg(7, b"attacker.ops"))  # GraphProto.node = NodeProto(op_type, domain)
    for _ in range(400):  # GraphProto.node = NodeProto(op_type="If", attribute=AttributeProto(g=graph))
        graph = _msg(1, _msg(4, b"If") + _msg(5, _msg(1, b"then_branch") + _msg(6, graph)))
    model = b"\x08\x08" + _msg(7, graph) + _msg(8, b"\x10\x11")  # ir_version 8, graph, opset "" 17
    path = tmp_path / "deep.onnx"
    path.write_bytes(model)
    result = scan_file(path)
    assert not [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]
    custom = [i for i in result.issues if i.kind is IssueKind.CUSTOM_OP]
    assert custom and custom[0].evidence["domain"] == "attacker.ops" and result.verdict is Verdict.SUSPICIOUS


# -- billion laughs in the result: the full-size originals of fickling's scaled-down expansion tests -------------
def _dup_laughs(layers: int, fan: int) -> bytes:
    """globalLaughs.pt (coldwaterq/pickle_injector, described in fickling test_expansion_attack_analysis.py):
    ``layers`` MARKs, a string, then (fan-1 DUPs + LIST) per layer: fan^layers leaves when walked."""
    return b"\x80\x04" + b"(" * layers + b"\x8c\x03lol" + (b"2" * (fan - 1) + b"l") * layers + b"."


def _memo_laughs(layers: int, fan: int) -> bytes:
    """billionLaughsAlt.pkl: the same with BINPUT i + (fan-1) BINGET i instead of DUPs."""
    body = b"".join(b"q" + bytes([i]) + (b"h" + bytes([i])) * (fan - 1) + b"l" for i in range(layers))
    return b"\x80\x04" + b"(" * layers + b"\x8c\x03lol" + body + b"."


@pytest.mark.parametrize(("name", "data"), [("globalLaughs_9x10", _dup_laughs(9, 10)),
                                            ("billionLaughsAlt_10x10", _memo_laughs(10, 10)),
                                            ("binary_laughs_30", _dup_laughs(30, 2))])
def test_billion_laughs_result_is_an_expansion_bomb(tmp_path: Path, name: str, data: bytes) -> None:
    path = _write(tmp_path, f"{name}.pkl", data)
    started = time.monotonic()
    result = scan_file(path)
    assert time.monotonic() - started < 5
    bombs = _bomb(result.issues)
    assert len(bombs) == 1 and bombs[0].severity is Severity.MEDIUM
    assert bombs[0].evidence["references"] >= 10**9 and "unpickled object" in bombs[0].title
    assert main(["artifact", "scan", str(path), "--format", "json"]) == 1


@pytest.mark.parametrize("data", [_dup_laughs(8, 10), _dup_laughs(3, 4), _memo_laughs(3, 4), _dup_laughs(28, 2)])
def test_below_a_billion_references_is_no_bomb(tmp_path: Path, data: bytes) -> None:
    assert not _bomb(scan_file(_write(tmp_path, "laughs.pkl", data)).issues)


def test_shared_and_cyclic_references_in_real_objects_are_no_bomb(tmp_path: Path) -> None:
    import pickle

    shared = {"vocab": [str(i) for i in range(1000)]}
    obj: list[object] = [shared] * 500
    obj.append(obj)  # a cycle: walked once, not for ever
    result = scan_file(_write(tmp_path, "shared.pkl", pickle.dumps(obj, protocol=4)))
    assert result.verdict is Verdict.SAFE and not _bomb(result.issues)


@pytest.mark.slow
def test_deep_key_walk_stops_at_the_depth_limit(tmp_path: Path) -> None:
    """The hash-cost walk used to memoise every level of a deep key (2 MB of 1-tuples: 449 MB RSS); it now
    stops at DEPTH_LIMIT, so memory is the tuples the loader would build too, not a multiple of them."""
    depth = 300_000
    path = _write(tmp_path, "deep_key.pkl", P2 + b"}K\x01" + b"\x85" * depth + b"Ns.")
    result, peak = _scan_with_peak_memory(path)
    bombs = _bomb(result.issues)
    assert len(bombs) == 1 and "nested tuples" in bombs[0].title
    assert peak < depth * 120  # the tuples (56 B) and the emulator's references; the old memo added ~150 B more


def test_onnx_training_info_graph_and_function_attribute_defaults_are_walked(tmp_path: Path) -> None:
    """Graphs in ModelProto.training_info and tensors in FunctionProto.attribute_proto defaults were never
    looked at: a custom op there, or a default tensor as external data at an absolute path."""
    vo = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])
    main_graph = helper.make_graph([helper.make_node("Constant", [], ["y"], value_float=1.0)], "g", [], [vo])
    model = _model(main_graph)
    algorithm = helper.make_graph([helper.make_node("Evil", [], ["y"], domain="evil.train")], "alg", [], [vo])
    info = model.training_info.add()
    info.algorithm.CopyFrom(algorithm)
    path = tmp_path / "train.onnx"
    path.write_bytes(model.SerializeToString())
    custom = [i for i in scan_file(path).issues if i.kind is IssueKind.CUSTOM_OP]
    assert [i.evidence["domain"] for i in custom] == ["evil.train"]

    tensor = helper.make_tensor("w", onnx.TensorProto.FLOAT, [1], [0.0])
    tensor.data_location = onnx.TensorProto.EXTERNAL
    del tensor.float_data[:]
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "/etc/shadow"
    fn = helper.make_function("local", "F", [], ["y"], [helper.make_node("Constant", [], ["y"], value_float=1.0)],
                              [helper.make_opsetid("", 17)])
    fn.attribute_proto.add().CopyFrom(helper.make_attribute("w", tensor))
    model = _model(main_graph, functions=[fn], opsets=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    path.write_bytes(model.SerializeToString())
    escapes = [i for i in scan_file(path).issues if i.kind is IssueKind.EXTERNAL_DATA]
    assert escapes and escapes[0].severity is Severity.CRITICAL


@pytest.mark.slow
def test_nested_pickles_share_one_memory_budget(tmp_path: Path) -> None:
    """Each nested pickle had a budget of its own while its parent's values stayed alive: six levels of
    nesting could hold six budgets. The parent's estimate now counts against the child's limit."""
    lists = P2 + b"]" * 100_000
    inner = lists + b"."
    outer = lists + b"cpickle\nloads\nB" + len(inner).to_bytes(4, "little") + inner + b"\x85R."
    path = _write(tmp_path, "nested_lists.pkl", outer)
    limit = Limits(max_pickle_memory=40 * 1024**2)  # each alone (~28 MB estimated) fits, both do not
    assert not [i for i in scan_file(_write(tmp_path, "inner.pkl", inner), limits=limit).issues
                if i.kind is IssueKind.RESOURCE_LIMIT]
    result = scan_file(path, limits=limit)
    limited = [i for i in result.issues if i.kind is IssueKind.RESOURCE_LIMIT]
    assert limited and limited[0].member and "nested pickle" in limited[0].member
