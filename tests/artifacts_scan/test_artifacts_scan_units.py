"""Unit tests: the pickle VM against pickletools, the policy, fail-closed behaviour, the gate."""

from __future__ import annotations

import contextlib
import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.artifacts.gate import ensure_safe, is_allowed, restricted_load
from mlsecure.artifacts.scan import IssueKind, Verdict, scan_file
from mlsecure.artifacts.scan.pickle_vm import Events, Glob, PickleVM
from mlsecure.artifacts.scan.policy import classify
from mlsecure.errors import UnsafeArtifactError
from mlsecure.findings import Severity


def _globals_by_vm(data: bytes) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def on_global(g: Glob) -> None:
        found.append((g.module, g.name))

    vm = PickleVM(io.BytesIO(data), 0, Events(on_global, lambda c: None, lambda *a: None, lambda *a: None),
                  keep_bytes=1 << 20, max_opcodes=10**6, max_memo=10**6, end=len(data))
    vm.run()
    return found


def _globals_by_pickletools(data: bytes) -> list[tuple[str, str]]:
    """Independent oracle: CPython's own unpickler, recording each find_class (benign data only)."""
    seen: list[tuple[str, str]] = []

    class Recorder(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> object:
            seen.append((module, name))
            return super().find_class(module, name)

    Recorder(io.BytesIO(data)).load()
    return seen


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    | st.tuples(children, children) | st.frozensets(st.integers(), max_size=3),
    max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(value=values, protocol=st.integers(min_value=0, max_value=5))
def test_vm_parses_every_protocol_and_finds_the_same_globals(value: object, protocol: int) -> None:
    data = pickle.dumps(value, protocol=protocol)
    assert _globals_by_vm(data) == _globals_by_pickletools(data)


@pytest.mark.parametrize("protocol", range(6))
def test_vm_globals_of_numpy_and_ordered_dict(protocol: int) -> None:
    from collections import OrderedDict

    data = pickle.dumps(OrderedDict(a=np.arange(3)), protocol=protocol)
    assert sorted(set(_globals_by_vm(data))) == sorted(set(_globals_by_pickletools(data)))


@pytest.mark.parametrize(("module", "name", "severity"), [
    ("torch._utils", "_rebuild_tensor_v2", Severity.INFO),
    ("collections", "OrderedDict", Severity.INFO),
    ("sklearn.linear_model._logistic", "LogisticRegression", Severity.INFO),
    ("numpy._core.multiarray", "_reconstruct", Severity.INFO),
    ("joblib.numpy_pickle", "NumpyArrayWrapper", Severity.INFO),
    ("os", "system", Severity.CRITICAL),
    ("builtins", "getattr", Severity.CRITICAL),
    ("__builtin__", "eval", Severity.CRITICAL),
    ("inspect", "getattr_static", Severity.CRITICAL),
    ("pydoc", "locate", Severity.CRITICAL),
    ("numpy", "load", Severity.CRITICAL),
    ("torch", "load", Severity.CRITICAL),
    ("sklearn.datasets", "fetch_openml", Severity.CRITICAL),
    ("numpy", "os.system", Severity.CRITICAL),
    ("mypackage.models", "Net", Severity.MEDIUM),
    ("__main__", "Net", Severity.MEDIUM),
])
def test_policy(module: str, name: str, severity: Severity) -> None:
    assert classify(module, name).severity is severity
    assert is_allowed(module, name) is (severity <= Severity.LOW)


@pytest.mark.parametrize(("data", "kind"), [
    (b"\x80\x04\x95", IssueKind.MALFORMED),  # truncated FRAME
    (b"\x80\x04\xff.", IssueKind.MALFORMED),  # invalid opcode
    (b"\x80\x04h\x05.", IssueKind.MALFORMED),  # memo read before write
    (b"\x80\x04R.", IssueKind.MALFORMED),  # stack underflow
])
def test_fail_closed(tmp_path: Path, data: bytes, kind: IssueKind) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(data)
    result = scan_file(path)
    assert result.verdict is not Verdict.SAFE
    assert kind in {i.kind for i in result.issues}
    assert result.max_severity >= Severity.MEDIUM


def test_big_payloads_are_skipped_not_read(tmp_path: Path) -> None:
    data = pickle.dumps({"w": np.zeros(4_000_000)}, protocol=4)  # 32 MB BINBYTES8
    path = tmp_path / "big.pkl"
    path.write_bytes(data)
    result = scan_file(path)
    assert result.verdict is Verdict.SAFE
    assert result.seconds < 1.0


def test_gate_refuses_payload_and_loads_joblib(tmp_path: Path, digits_logreg: object) -> None:
    import joblib

    class Payload:
        def __reduce__(self) -> tuple[object, ...]:
            return os.system, (f"touch {tmp_path / 'RAN'}",)

    evil = tmp_path / "evil.joblib"
    joblib.dump({"model": digits_logreg, "x": Payload()}, evil)
    with pytest.raises(UnsafeArtifactError):
        ensure_safe(evil)
    with pytest.raises(UnsafeArtifactError):
        restricted_load(evil)
    assert not (tmp_path / "RAN").exists()
    for compress in (0, 3, ("xz", 3)):
        good = tmp_path / f"model_{compress!s}.joblib"
        joblib.dump(digits_logreg, good, compress=compress)
        ensure_safe(good)
        loaded = restricted_load(good)
        assert np.array_equal(loaded.coef_, digits_logreg.coef_)  # type: ignore[attr-defined]


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_and_never_pass_silently(tmp_path_factory: pytest.TempPathFactory,
                                                            data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "blob"
    path.write_bytes(data)
    result = scan_file(path)  # must not raise
    if result.verdict is Verdict.SAFE:
        kinds = {i.kind for i in result.issues}
        assert kinds <= {IssueKind.CODE_FORMAT, IssueKind.MALFORMED, IssueKind.OBJECT_ARRAY, IssueKind.NESTED_PICKLE,
                         IssueKind.EXTERNAL_DATA, IssueKind.UNSUPPORTED, IssueKind.INVALID_MODEL}
        assert result.issues, "a verdict always says what the file was taken for"


@settings(max_examples=150, deadline=None)
@given(position=st.integers(min_value=0, max_value=10_000), byte=st.integers(min_value=0, max_value=255))
def test_mutated_pickles_never_crash_and_never_hide_an_import(tmp_path_factory: pytest.TempPathFactory,
                                                              position: int, byte: int) -> None:
    """A one-byte mutation of a benign pickle: the scan never raises, and whenever it says SAFE every global
    CPython's own unpickler would import from those bytes is one the policy allows (oracle: an
    ``Unpickler`` whose ``find_class`` only records the name and hands back an inert stand-in)."""
    from collections import OrderedDict

    data = bytearray(pickle.dumps(OrderedDict(w=np.arange(4.0), b=[1, "x", (2.5, None)]), protocol=4))
    data[position % len(data)] = byte
    path = tmp_path_factory.mktemp("mut") / "m.pkl"
    path.write_bytes(bytes(data))
    result = scan_file(path)  # hostile input becomes issues, never exceptions
    imported: list[tuple[str, str]] = []

    class Recording(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> object:
            imported.append((module, name))
            return _inert

    with contextlib.suppress(Exception):
        Recording(io.BytesIO(bytes(data))).load()
    if result.verdict is Verdict.SAFE:
        unsafe = [(m, n) for m, n in imported if classify(m, n).severity > Severity.LOW]
        assert not unsafe, (bytes(data), unsafe)


def _inert(*args: object, **kwargs: object) -> None:
    """What the oracle unpickler gets for every global: accepts anything, does nothing."""


def test_offsets_point_at_the_importing_opcode(tmp_path: Path) -> None:
    class Payload:
        def __reduce__(self) -> tuple[object, ...]:
            return os.getcwd, ()

    for protocol in range(6):
        data = pickle.dumps({"a": [1, 2], "p": Payload()}, protocol=protocol)
        path = tmp_path / f"p{protocol}.pkl"
        path.write_bytes(data)
        issue = next(i for i in scan_file(path).issues if i.severity is Severity.CRITICAL)
        assert issue.offset is not None
        assert data[issue.offset] in (ord("c"), 0x93), protocol  # GLOBAL or STACK_GLOBAL


def test_legacy_tar_record_after_raw_bytes(tmp_path: Path) -> None:
    import torch
    from scan_corpus import legacy_tar

    record = pickle.dumps(("0", "cpu", torch.FloatStorage), protocol=2)

    class Payload:
        def __reduce__(self) -> tuple[object, ...]:
            return os.getcwd, ()

    clean, evil = tmp_path / "clean.tar", tmp_path / "evil.tar"
    clean.write_bytes(legacy_tar([record, record]))
    evil.write_bytes(legacy_tar([record, pickle.dumps(Payload(), protocol=2)]))
    assert scan_file(clean).verdict is Verdict.SAFE
    result = scan_file(evil)
    assert result.verdict is Verdict.MALICIOUS
    assert any(i.member == "storages" and i.severity is Severity.CRITICAL for i in result.issues)


# Opcode arguments CPython parses differently from the emulator (``I0x10``: bypass class 6) belong to
# the emulator's own differential tests; these tokens exercise the text/data decision.
_TOKENS = [b"V", b"S'", b"'", b"N", b"K\x01", b"I1\n", b"(", b"t", b"R", b"c", b"os\n", b"system\n",
           b"a b\n", b"\n", b".", b"0", b"a", b"hello ", b"}", b"]", b"\x80\x02", b"\x80\x05", b"\x95", b"u", b"s",
           b"b", b"\x8c\x02os", b"\x93", b"\x94", b"h\x00", b"q\x00", b"\x89PNG", b"# ", b"{\"k\": 1}"]


@settings(max_examples=200, deadline=None)
@given(data=st.lists(st.sampled_from(_TOKENS), max_size=14).map(b"".join))
def test_bytes_called_text_or_data_never_reach_find_class(tmp_path_factory: pytest.TempPathFactory,
                                                         data: bytes) -> None:
    """Parse, don't sniff (issue 13 class 1), against CPython as the oracle: whenever the scanner
    calls bytes text or data, CPython's unpickler raises on them before asking for any global it
    could import; whenever CPython loads them completely, the scanner took them for a pickle."""
    from mlsecure.artifacts.formats import ArtifactFormat

    path = tmp_path_factory.mktemp("tok") / "file"
    path.write_bytes(data)
    result = scan_file(path)
    asked: list[str] = []

    class Recorder(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> object:
            asked.append(module)
            raise pickle.UnpicklingError("recorded, not imported")

    completed = False
    with contextlib.suppress(Exception):
        Recorder(io.BytesIO(data)).load()
        completed = True
    if result.format in (ArtifactFormat.TEXT, ArtifactFormat.DATA, ArtifactFormat.UNKNOWN):
        assert not completed, (data, result.format, result.issues)
        assert all(not _could_import(m) for m in asked), asked


def _could_import(module: str) -> bool:
    """CPython's find_class could import ``module``: a dotted identifier whose top level is installed."""
    import importlib.util

    parts = module.split(".")
    return all(p.isidentifier() for p in parts) and importlib.util.find_spec(parts[0]) is not None
