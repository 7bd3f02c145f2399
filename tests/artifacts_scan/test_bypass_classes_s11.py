"""Session 11 red team (round 8): a global in an object's state shadows a method; ONNX tensors written in parts.

Round 7b made a callable an allowlisted object *stores and calls* high for the places it listed (scikit-learn
parameters, ``defaultdict`` factories, torch hook dicts). The general mechanism is wider: a BUILD state becomes the
object's instance attributes, and Python finds an instance attribute before a method of the class, so any state key
named like a method replaces it. Each attack below was medium on main (``--fail-on high`` passed it); where a loader
ran it (a throwaway interpreter under /tmp/s11, ``/tmp/s11/run.py``) the test says so: the gadget did NOT run under
``pickle.loads`` and DID run on first use. ``mimetypes.add_type`` / ``mimetypes.init`` are the gadgets (in no
allowlist, no denylist). Samples are built here; nothing is loaded.
"""

from __future__ import annotations

import collections
import copyreg
import io
import mimetypes
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scan_helpers import scan_named

from mlsecure.artifacts.scan import scan_file
from mlsecure.findings import Severity


class _Forged:
    """Pickles as ``copyreg._reconstructor(cls, base, ...)`` + BUILD ``state``: what ``object.__reduce_ex__(1)``
    writes for a plain instance, with a state of our choosing."""

    def __init__(self, cls: type, state: object, base: type = object) -> None:
        self.cls, self.state, self.base = cls, state, base

    def __reduce__(self) -> tuple[Any, ...]:
        return copyreg._reconstructor, (self.cls, self.base, None if self.base is object else {}), self.state


def _torch() -> Any:
    return pytest.importorskip("torch")


def _torch_saved(obj: object) -> bytes:
    buffer = io.BytesIO()
    _torch().save(obj, buffer)
    return buffer.getvalue()


def _linear_with(attribute: str) -> object:
    layer = _torch().nn.Linear(2, 2)
    setattr(layer, attribute, mimetypes.add_type)  # lands in the instance __dict__, pickled as the module's state
    return layer


def _dataframe_copy_shadowed() -> bytes:
    """**Ran**: ``df.copy()`` after loading called ``mimetypes.init``; ``NDFrame.__setstate__`` sets every unknown key
    of its state with ``object.__setattr__``."""
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"a": [1, 2]})
    state = frame.__getstate__()
    state["copy"] = mimetypes.init
    return pickle.dumps(_Forged(pandas.DataFrame, state), protocol=4)


def _bspline_integrate_shadowed() -> bytes:
    """**Ran**: ``spline.integrate("x/s11", ".s11")`` after loading called ``mimetypes.add_type``."""
    interpolate = pytest.importorskip("scipy.interpolate")
    spline = interpolate.BSpline(np.arange(8.0), np.ones(4), 3)
    state = dict(spline.__dict__)
    state["integrate"] = mimetypes.add_type
    return pickle.dumps(_Forged(interpolate.BSpline, state), protocol=4)


def _parameter_method_shadowed() -> bytes:
    """**Ran**: ``p.add_("x/s11", ".s11")`` after loading; torch's ``_rebuild_parameter_with_state`` applies the
    state with ``setattr`` (no BUILD opcode)."""
    parameter = _torch().nn.Parameter(_torch().zeros(2))
    parameter.add_ = mimetypes.add_type
    return pickle.dumps(parameter, protocol=4)


ATTACKS: dict[str, tuple[str, Callable[[], bytes]]] = {
    # **ran**: layer("x/s11", ".s11") after pickle.loads called add_type (Module.__call__ looks up self.forward)
    "torch Linear with forward in its state (ran)": ("model.pkl", lambda: pickle.dumps(_linear_with("forward"), 4)),
    # **ran** the same after torch.load(weights_only=False)
    "torch.save of that Linear (ran)": ("model.pt", lambda: _torch_saved(_linear_with("forward"))),
    "pandas DataFrame with copy in its state (ran)": ("frame.pkl", _dataframe_copy_shadowed),
    "SciPy BSpline with integrate in its state (ran)": ("spline.pkl", _bspline_integrate_shadowed),
    # **ran**: c.most_common() after loading called mimetypes.init
    "Counter with most_common in its state (ran)": (
        "counts.pkl",
        lambda: pickle.dumps(_Forged(collections.Counter, {"most_common": mimetypes.init}, dict), protocol=4),
    ),
    "torch Parameter with add_ in the state its rebuild sets (ran)": ("param.pkl", _parameter_method_shadowed),
    # round 7b's "stays medium" case: whether ``note`` names a method cannot be told without importing the class
    "torch Linear attribute of any name": ("model.pkl", lambda: pickle.dumps(_linear_with("note"), protocol=2)),
}


@pytest.mark.parametrize("case", list(ATTACKS))
def test_global_in_an_object_state_is_called_later_and_high(tmp_path: Path, case: str) -> None:
    name, build = ATTACKS[case]
    _verdict, worst, titles = scan_named(tmp_path, name, build())
    assert worst is Severity.HIGH, titles
    gadget = next(t for t in titles if t.startswith("imports mimetypes."))
    assert gadget in ("imports mimetypes.add_type", "imports mimetypes.init")


def test_the_evidence_says_why(tmp_path: Path) -> None:
    path = tmp_path / "frame.pkl"
    path.write_bytes(_dataframe_copy_shadowed())
    issue = next(i for i in scan_file(path).issues if i.title == "imports mimetypes.init")
    assert issue.severity is Severity.HIGH
    assert issue.evidence["called_after_loading"] is True
    assert "stores it and calls it after loading" in str(issue.evidence["reason"])


# --- benign controls: the same classes as their libraries write them stay below medium -----------------------------


def _transformer_layer(activation: str) -> bytes:
    """``activation="relu"`` stores ``torch.nn.functional.relu`` (medium on main), ``"gelu"`` stores
    ``torch._C._nn.gelu`` (critical on main: ``torch._C`` is a denied subtree); both are now exact allowlist
    entries, since every global of a module's state counts as called."""
    layer = _torch().nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, activation=activation)
    return pickle.dumps(layer, protocol=4)


def _plain(make: Callable[[], object]) -> Callable[[], bytes]:
    return lambda: pickle.dumps(make(), protocol=4)


BENIGN: dict[str, Callable[[], bytes]] = {
    "TransformerEncoderLayer(activation='relu')": lambda: _transformer_layer("relu"),
    "TransformerEncoderLayer(activation='gelu')": lambda: _transformer_layer("gelu"),
    "torch Linear": _plain(lambda: _torch().nn.Linear(2, 2)),
    "torch Parameter": _plain(lambda: _torch().nn.Parameter(_torch().zeros(2))),
    "pandas DataFrame": _plain(lambda: pytest.importorskip("pandas").DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})),
    "pandas categorical Series": _plain(lambda: pytest.importorskip("pandas").Series(["a", "b"], dtype="category")),
    "SciPy BSpline": _plain(lambda: pytest.importorskip("scipy.interpolate").BSpline(np.arange(8.0), np.ones(4), 3)),
    "Counter": _plain(lambda: collections.Counter("abca")),
    # an allowlisted callable in an object's state keeps its verdict
    "np.log1p in an object's state": lambda: pickle.dumps(_Forged(collections.Counter, {"f": np.log1p}, dict), 4),
}


@pytest.mark.parametrize("case", list(BENIGN))
def test_library_objects_stay_clean(tmp_path: Path, case: str) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", BENIGN[case]())
    assert worst < Severity.MEDIUM, titles


# --- ONNX: a singular message field written twice is ONE message (protobuf merges the parts) ------------------------
# ``onnx.load`` of a Constant whose ``t`` came in two parts, ``data_location=EXTERNAL`` + ``location="weights.bin"``
# and then ``location="weights2.bin"``, read weights2.bin (onnx 1.23 here); main walked the parts as two tensors,
# judged the first (inside the folder) and skipped the second (not EXTERNAL by itself): clean, exit 0.

from protobuf_bytes import msg, vint  # noqa: E402  (the ONNX half of this file)


def _location(path: str) -> bytes:
    return msg(13, msg(1, b"location") + msg(2, path.encode()))


FIRST_PART = vint(1, 1) + vint(2, 1) + msg(8, b"c") + _location("weights.bin") + vint(14, 1)  # TensorProto


def _constant_model(*parts: bytes) -> bytes:
    attribute = msg(1, b"value") + vint(20, 4) + b"".join(msg(5, part) for part in parts)  # AttributeProto.t
    node = msg(2, b"y") + msg(4, b"Constant") + msg(5, attribute)
    return vint(1, 8) + msg(8, msg(1, b"") + vint(2, 17)) + msg(7, msg(1, node) + msg(2, b"g"))


def _sparse_model(*parts: bytes) -> bytes:
    """The same split in ``SparseTensorProto.values`` of a graph's sparse initializer."""
    sparse = b"".join(msg(1, part) for part in parts) + msg(2, vint(1, 1) + vint(2, 7) + msg(8, b"i")) + vint(3, 4)
    return vint(1, 8) + msg(8, msg(1, b"") + vint(2, 17)) + msg(7, msg(15, sparse) + msg(2, b"g"))


SPLIT = {
    "Constant t in two parts, the second escaping": _constant_model(FIRST_PART, _location("../../../etc/hostname")),
    "Constant t in two parts, the second absolute": _constant_model(FIRST_PART, _location("/etc/hostname")),
    "sparse initializer values in two parts": _sparse_model(FIRST_PART, _location("../../secret.bin")),
}


@pytest.mark.parametrize("case", list(SPLIT))
def test_tensor_written_in_parts_is_judged_as_the_loader_merges_it(tmp_path: Path, case: str) -> None:
    (tmp_path / "weights.bin").write_bytes(b"\0" * 4)
    _verdict, worst, titles = scan_named(tmp_path, "model.onnx", SPLIT[case])
    assert worst is Severity.CRITICAL, titles
    assert any(t.startswith("external data of 'c'") and "weights.bin" not in t for t in titles), titles


def test_tensor_in_parts_inside_the_folder_stays_clean(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"\0" * 4)
    (tmp_path / "weights2.bin").write_bytes(b"\0" * 4)
    _verdict, worst, titles = scan_named(tmp_path, "model.onnx", _constant_model(FIRST_PART, _location("weights2.bin")))
    assert worst < Severity.MEDIUM, titles


def test_the_last_location_is_the_one_checked(tmp_path: Path) -> None:
    """The merged tensor holds both entries; onnx applies them in order, so the last one is what it opens: a missing
    ``weights2.bin`` is reported even though ``weights.bin`` exists."""
    (tmp_path / "weights.bin").write_bytes(b"\0" * 4)
    _verdict, _worst, titles = scan_named(
        tmp_path, "model.onnx", _constant_model(FIRST_PART, _location("weights2.bin"))
    )
    assert any("weights2.bin" in t and "missing" in t for t in titles), titles


def test_a_stream_of_allowlisted_globals_skips_the_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an unlisted global's verdict changes when it is called later: without one, the states are not followed
    (no walk budget is spent, so a huge benign state never reads "cannot verify"); with one, they are."""
    from mlsecure.artifacts.scan import stored_callables

    monkeypatch.setattr(stored_callables, "MAX_WALK", 10)
    big = _Forged(collections.Counter, {"values": list(range(50)), "f": np.log1p}, dict)
    _verdict, worst, titles = scan_named(tmp_path, "clean.pkl", pickle.dumps(big, protocol=4))
    assert worst < Severity.MEDIUM, titles
    shadowed = _Forged(collections.Counter, {"values": list(range(50)), "most_common": mimetypes.init}, dict)
    _verdict, worst, titles = scan_named(tmp_path, "shadowed.pkl", pickle.dumps(shadowed, protocol=4))
    assert any("too large to follow" in t for t in titles), titles


# --- the time limit while skipping a compressed array ---------------------------------------------------------------
# A joblib array in a compressed stream is skipped by decoding it (the pure-Python LZ4 and Snappy readers give ~16 MB
# of output per CPU second), and the skip loop had no clock: ``scan_file(big80.joblib, limits=Limits(max_seconds=3))``
# (80 MB of float64, lz4) took 16 s and said "info" on main; now 3.1 s and "cannot verify" (medium).


def _vm_over(stream: io.BytesIO, deadline: float | None) -> Any:
    from mlsecure.artifacts.scan.pickle_vm import Events, PickleVM

    def ignore(*_args: object) -> None:
        return None

    events = Events(ignore, ignore, ignore, ignore)
    return PickleVM(stream, 0, events, keep_bytes=1 << 16, max_opcodes=10, max_memo=10, end=None, deadline=deadline)


def test_skipping_a_payload_stops_at_the_deadline() -> None:
    import time

    from mlsecure.artifacts.scan.pickle_vm import PickleSyntaxError

    stream = io.BytesIO(b"\0" * (3 << 20))
    with pytest.raises(PickleSyntaxError, match=r"time limit was reached 0 MiB into a 3 MiB payload"):
        _vm_over(stream, time.monotonic() - 1.0).skip(3 << 20)


def test_skipping_before_the_deadline_reads_the_whole_payload() -> None:
    import time

    stream = io.BytesIO(b"\0" * (3 << 20) + b".")
    vm = _vm_over(stream, time.monotonic() + 600.0)
    vm.skip(3 << 20)
    assert vm.pos == 3 << 20 and stream.read() == b"."


# --- a constructor keeps its arguments: a global handed to an allowlisted class by REDUCE ----------------------------


def _function_transformer_by_reduce(func: tuple[str, str]) -> bytes:
    """``FunctionTransformer(<func>)`` written as REDUCE (protocol 0), then BUILD ``{"kw_args": {"ext": ".s11r"}}``.
    **Ran** with ``mimetypes.add_type``: ``transform("x/s11r")`` after ``pickle.loads`` mapped ``.s11r``; loading
    did not (main judged the argument as a value: medium)."""
    module, name = func
    return (
        b"csklearn.preprocessing._function_transformer\nFunctionTransformer\n(c"
        + module.encode()
        + b"\n"
        + name.encode()
        + b"\ntR(dS'kw_args'\n(dS'ext'\nS'.s11r'\nssS'validate'\nI00\nsb."
    )


def test_global_handed_to_an_allowlisted_constructor_is_high(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    _verdict, worst, titles = scan_named(tmp_path, "ft.pkl", _function_transformer_by_reduce(("mimetypes", "add_type")))
    assert worst is Severity.HIGH, titles
    assert "imports mimetypes.add_type" in titles


def test_allowlisted_global_handed_to_a_constructor_stays_clean(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    _verdict, worst, titles = scan_named(tmp_path, "ft.pkl", _function_transformer_by_reduce(("numpy", "log1p")))
    assert worst < Severity.MEDIUM, titles
