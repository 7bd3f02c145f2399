"""Regression tests for the pickle bypass classes 3-6 of issue 13, each with generated variants.

Every malicious stream here is assembled from opcodes and is never loaded with real globals: where a
test asks what a real loader would do, it runs CPython's or joblib's own unpickler with a recording
``find_class`` that returns the real object only for the array/dtype machinery joblib needs and a
harmless stand-in for anything else (``os.system`` included), so the oracle shows which globals the
loader resolves without running them.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.artifacts.scan.allowlist import ALLOWLIST
from mlsecure.artifacts.scan.policy import classify, load_allowed
from mlsecure.findings import Severity

EVIL = b"cos\nsystem\nX\x04\x00\x00\x00true\x85R"  # os.system("true"), never run


def _glob(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _bytes(data: bytes) -> bytes:
    return b"B" + struct.pack("<I", len(data)) + data


def _str(text: str) -> bytes:
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def _scan(tmp_path: Path, data: bytes, name: str = "x.pkl") -> tuple[Verdict, Severity, set[str]]:
    path = tmp_path / name
    path.write_bytes(data)
    result = scan_file(path)
    seen = {str(i.evidence.get("global")) for i in result.issues if i.severity >= Severity.MEDIUM}
    return result.verdict, result.max_severity, seen


def _all_globals(tmp_path: Path, data: bytes) -> set[str]:
    path = tmp_path / "g.pkl"
    path.write_bytes(data)
    out: set[str] = set()
    for issue in scan_file(path).issues:
        out.update(str(g) for g in issue.evidence.get("globals", ()))
        if "global" in issue.evidence:
            out.add(str(issue.evidence["global"]))
    return out


# -- class 3: a nested-loader exemption keyed by name ---------------------------------------------------
CLEAN_INNER = pickle.dumps([1, 2, 3], protocol=2)
EVIL_INNER = b"\x80\x02" + EVIL + b"."
LOADER = _glob("torch.storage", "_load_from_bytes")
REBUILD = _glob("torch._tensor", "_rebuild_from_type_v2")


def _class3(reuse: str) -> bytes:
    """Call the loader once on clean bytes, then hand the same global to _rebuild_from_type_v2."""
    clean_call = _bytes(CLEAN_INNER) + b"\x85R0"
    rebuild_args = _glob("torch", "Tensor") + _bytes(EVIL_INNER) + b"\x85}"
    match reuse:
        case "memo":  # PUT after GLOBAL, GET for the second use
            return (b"\x80\x02" + LOADER + b"q\x00" + clean_call + REBUILD + b"(h\x00" + rebuild_args + b"tR.")
        case "dup":  # DUP keeps a second copy on the stack
            return (b"\x80\x02" + REBUILD + b"(" + LOADER + b"2" + clean_call[:-1] + b"0" + rebuild_args + b"tR.")
        case "memoize":  # protocol 4 MEMOIZE + BINGET
            return (b"\x80\x04" + LOADER + b"\x94" + clean_call + REBUILD + b"(h\x00" + rebuild_args + b"tR.")
        case "list":  # the loader travels inside a list before it is used
            return (b"\x80\x02" + LOADER + b"q\x00" + clean_call + b"]h\x00a0" + REBUILD + b"(h\x00" + rebuild_args
                    + b"tR.")
    raise AssertionError(reuse)


@pytest.mark.parametrize("reuse", ["memo", "dup", "memoize", "list"])
def test_bypass_nested_loader_exemption_by_name(tmp_path: Path, reuse: str) -> None:
    verdict, severity, seen = _scan(tmp_path, _class3(reuse))
    assert verdict is Verdict.MALICIOUS
    assert severity >= Severity.HIGH
    assert "torch.storage._load_from_bytes" in seen


def test_nested_loader_called_on_two_payloads_is_judged_per_call(tmp_path: Path) -> None:
    data = (b"\x80\x02" + LOADER + b"q\x00" + _bytes(CLEAN_INNER) + b"\x85R0h\x00" + _bytes(EVIL_INNER) + b"\x85R.")
    verdict, _, seen = _scan(tmp_path, data)
    assert verdict is Verdict.MALICIOUS
    assert "os.system" in seen  # the second payload is scanned where it is called


def test_nested_loader_of_a_pickled_tensor_stays_clean(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    data = pickle.dumps({"w": torch.zeros(3), "b": torch.ones(2)}, protocol=2)
    verdict, severity, _ = _scan(tmp_path, data)
    assert verdict is Verdict.SAFE, severity


# -- class 4: joblib size desynchronisation --------------------------------------------------------------
WRAPPER = _glob("joblib.numpy_pickle", "NumpyArrayWrapper")
DTYPE_F8 = (_glob("numpy", "dtype") + _str("f8") + b"\x89\x88\x87R"
            + b"(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")


def _shape(dims: tuple[int, ...], as_list: bool) -> bytes:
    items = b"".join(b"J" + struct.pack("<i", d) for d in dims)
    return b"]" + (b"(" + items + b"e" if dims else b"") if as_list else b"(" + items + b"t"


def _joblib_stream(first: tuple[int, ...], last: tuple[int, ...], fillers: int, *, as_list: bool = False,
                   aligned: bool = False, slot_state: bool = False, array_bytes: int = 8) -> bytes:
    """A wrapper whose state sets ``shape`` twice around filler keys; joblib uses the last one."""
    pairs = _str("shape") + _shape(first, as_list)
    pairs += b"".join(_str(f"filler{i}") + b"K\x00" for i in range(fillers))
    pairs += _str("dtype") + DTYPE_F8 + _str("order") + _str("C") + _str("subclass") + _glob("numpy", "ndarray")
    pairs += _str("allow_mmap") + b"\x89"
    pairs += _str("numpy_array_alignment_bytes") + (b"K\x10" if aligned else b"N")
    state = b"}(" + pairs + b"u"
    if slot_state:
        state += b"}(" + _str("shape") + _shape(last, as_list) + b"u\x86"
    else:
        state = state[:-1] + _str("shape") + _shape(last, as_list) + b"u"
    padding = b"\x03\xff\xff\xff" if aligned else b""
    return (b"\x80\x03" + WRAPPER + b")\x81" + state + b"b" + padding + b"\x00" * array_bytes + b"0" + EVIL + b".")


class _JoblibRecorder:
    """joblib's own unpickler with a recording find_class (real objects only for its array machinery)."""

    REAL = frozenset({("joblib.numpy_pickle", "NumpyArrayWrapper"), ("numpy", "dtype"), ("numpy", "ndarray")})

    @classmethod
    def globals_of(cls, data: bytes) -> tuple[set[str], bool]:
        from joblib.numpy_pickle import NumpyUnpickler

        seen: set[str] = set()

        class Recording(NumpyUnpickler):  # type: ignore[misc]  # joblib is untyped
            def find_class(self, module: str, name: str) -> Any:
                seen.add(f"{module}.{name}")
                if (module, name) in cls.REAL:
                    return super().find_class(module, name)
                return lambda *args, **kwargs: None

        try:
            Recording("x.joblib", io.BytesIO(data), False).load()
        except Exception:  # joblib stopped there
            return seen, False
        return seen, True


def test_bypass_joblib_shape_set_twice_around_filler_keys(tmp_path: Path) -> None:
    data = _joblib_stream((100_000,), (1,), fillers=59)
    joblib_seen, _ = _JoblibRecorder.globals_of(data)
    assert "os.system" in joblib_seen  # joblib reads 8 bytes (the last shape) and runs the tail
    verdict, severity, seen = _scan(tmp_path, data, "x.joblib")
    assert verdict is Verdict.MALICIOUS and severity is Severity.CRITICAL
    assert "os.system" in seen


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(first=st.lists(st.integers(0, 5000), min_size=0, max_size=3).map(tuple),
       last=st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple),
       fillers=st.integers(0, 150), as_list=st.booleans(), aligned=st.booleans(), slot_state=st.booleans(),
       array_bytes=st.integers(0, 80))
def test_joblib_variants_report_what_joblib_resolves(tmp_path: Path, first: tuple[int, ...], last: tuple[int, ...],
                                                     fillers: int, as_list: bool, aligned: bool, slot_state: bool,
                                                     array_bytes: int) -> None:
    data = _joblib_stream(first, last, fillers, as_list=as_list, aligned=aligned, slot_state=slot_state,
                          array_bytes=array_bytes)
    joblib_seen, _ = _JoblibRecorder.globals_of(data)
    assert joblib_seen <= _all_globals(tmp_path, data)


# -- class 5: a namespace allowlist admits side effects ----------------------------------------------------
SIDE_EFFECTS = [("pyarrow", "OSFile"), ("pyarrow.lib", "OSFile"), ("pyarrow.lib", "CompressedOutputStream"),
                ("pyarrow.ipc", "RecordBatchStreamWriter"), ("pyarrow.lib", "RecordBatchStreamWriter"),
                ("sklearn.callback._transport", "Listener"), ("scipy._lib._util", "Pool"),
                ("pandas.io.pickle", "to_pickle"), ("torch.optim.lr_scheduler", "SummaryWriter")]


@pytest.mark.parametrize(("module", "name"), SIDE_EFFECTS)
def test_bypass_namespace_allowlist_admits_side_effects(tmp_path: Path, module: str, name: str) -> None:
    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    data = b"\x80\x02" + _glob(module, name) + _str(str(target)) + _str("w") + b"\x86R."
    verdict, severity, seen = _scan(tmp_path, data)
    assert verdict is not Verdict.SAFE and severity >= Severity.HIGH
    assert f"{module}.{name}" in seen
    assert not load_allowed(module, name)


def test_bypass_namespace_allowlist_load_model_leaves_the_file_alone(tmp_path: Path) -> None:
    from mlsecure.artifacts.load import load_model
    from mlsecure.errors import UnsafeArtifactError

    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    path = tmp_path / "model.pkl"
    path.write_bytes(b"\x80\x02" + _glob("pyarrow", "OSFile") + _str(str(target)) + _str("w") + b"\x86R.")
    with pytest.raises(UnsafeArtifactError):
        load_model(path)
    assert target.read_text() == "keep me"


@settings(max_examples=200, deadline=None)
@given(root=st.sampled_from(["pyarrow", "pyarrow.lib", "pandas", "pandas.core.frame", "scipy", "scipy.sparse",
                             "torch.optim", "torch.nn.modules.linear", "sklearn", "sklearn.utils", "xgboost",
                             "lightgbm"]),
       name=st.from_regex(r"\A_?[A-Z][A-Za-z0-9_]{0,20}\Z"))
def test_no_namespace_wildcard(root: str, name: str) -> None:
    """A capitalised name under a trusted library is safe only when that exact pair is listed."""
    assert classify(root, name).safe is ((root, name) in ALLOWLIST)


# -- class 6: opcode argument parsing differs from CPython ---------------------------------------------------
LEGACY_HEAD = (pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2)
               + pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2))


def _cpython_globals(data: bytes) -> set[str]:
    seen: set[str] = set()

    class Recording(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            seen.add(f"{module}.{name}")
            return lambda *args: None

    with contextlib.suppress(Exception):  # where it stops does not matter here, what it resolved does
        Recording(io.BytesIO(data)).load()
    return seen


@pytest.mark.parametrize("opcode", [b"I0x10\n", b"I010\n", b"I0o10\n", b"I1_0\n", b"I 5\n", b"I5\x00junk\n",
                                    b"L0x10L\n", b"L0x10\n", b"I99999999999999999999\n", b"F1.5\x00x\n"])
def test_bypass_int_argument_parsing_legacy_torch(tmp_path: Path, opcode: bytes) -> None:
    main = b"\x80\x02" + opcode + b"0" + EVIL + b"."
    assert "os.system" in _cpython_globals(main)  # CPython parses the argument and runs the rest
    verdict, severity, seen = _scan(tmp_path, LEGACY_HEAD + main, "legacy.pt")
    assert verdict is Verdict.MALICIOUS and severity is Severity.CRITICAL
    assert "os.system" in seen


@pytest.mark.parametrize("index", [b"1_0", b" 10", b"10\x00z"])
def test_bypass_memo_index_parsing(tmp_path: Path, index: bytes) -> None:
    """PUT/GET text indexes parse base 10 as the C unpickler does: the memo trick resolves the same value."""
    data = (b"\x80\x02" + _str("os") + b"p" + index + b"\n0" + _str("system") + b"p11\n0g" + index + b"\ng11\n"
            b"\x93" + _str("true") + b"\x85R.")
    assert "os.system" in _cpython_globals(data)
    verdict, _, seen = _scan(tmp_path, data)
    assert verdict is Verdict.MALICIOUS and "os.system" in seen


def test_legacy_magic_written_as_hex_long_is_recognised(tmp_path: Path) -> None:
    head = b"\x80\x02L0x1950a86a20f9469cfc6cL\n." + LEGACY_HEAD[len(pickle.dumps(0x1950A86A20F9469CFC6C, 2)):]
    verdict, _, seen = _scan(tmp_path, head + b"\x80\x02" + EVIL + b".", "legacy.pt")
    assert verdict is Verdict.MALICIOUS and "os.system" in seen
    assert np.int64(1) == 1  # numpy imported for the dtype machinery above


# -- pickles carried as data (modelaudit's nested-pickle regression samples) ------------------------------
@pytest.mark.parametrize("encoding", ["raw", "hex", "base64", "base64-of-raw-inside"])
def test_pickle_carried_as_data_is_scanned(tmp_path: Path, encoding: str) -> None:
    import base64

    inner = b"\x80\x04" + EVIL + b"."
    match encoding:
        case "raw":
            value = _bytes(inner)
        case "hex":
            value = _str(inner.hex())
        case "base64":
            value = _str(base64.b64encode(inner).decode())
        case _:  # a pickle whose dict holds the raw inner pickle, carried as base64 (multi-stage)
            stage = b"\x80\x04}" + _str("blob") + _bytes(inner) + b"s."
            value = _str(base64.b64encode(stage).decode())
    data = b"\x80\x04}" + _str("config") + value + b"s."
    verdict, severity, _ = _scan(tmp_path, data)
    assert verdict is Verdict.MALICIOUS
    assert severity is Severity.HIGH  # this file does not load it: whoever unpickles the value does


def test_benign_pickle_carried_as_data_stays_clean(tmp_path: Path) -> None:
    inner = pickle.dumps({"weights": [1.0, 2.0, 3.0], "name": "layer"}, protocol=4)
    verdict, _, _ = _scan(tmp_path, pickle.dumps({"state": inner, "hex": inner.hex()}, protocol=4))
    assert verdict is Verdict.SAFE


def test_pickle_hidden_after_a_separator_is_scanned(tmp_path: Path) -> None:
    """modelaudit's multi-stream separator sample: a benign pickle, a junk byte, then a payload pickle."""
    data = pickle.dumps({"safe": True}, protocol=2) + b"\x00" + b"\x80\x02" + EVIL + b"."
    verdict, severity, _ = _scan(tmp_path, data)
    assert verdict is Verdict.MALICIOUS and severity is Severity.HIGH


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_real_joblib_dumps_of_every_protocol_scan_clean(tmp_path: Path, protocol: int) -> None:
    """joblib writes wrappers through copyreg._reconstructor (protocols 0-1) or NEWOBJ (2+)."""
    import joblib

    path = tmp_path / "arrays.joblib"
    joblib.dump({"a": np.arange(12.0).reshape(3, 4), "b": np.array(["x", "yy"]), "c": np.ones(3, "u1")}, path,
                protocol=protocol)
    result = scan_file(path)
    assert result.verdict is Verdict.SAFE, [i.title for i in result.issues]
