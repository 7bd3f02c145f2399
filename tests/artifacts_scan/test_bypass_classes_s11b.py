"""Session 11 red team (round 8b): tensor backward hooks, globals reached through allowlisted callers, and the
call-arguments rule made cheap.

Round 8 made every unlisted global among a call's arguments high (a constructor keeps them) by keeping every argument
tuple to the stream's end; round 8b keeps only what can still hold a global then (``keep_arguments``), and a mapping a
call built registers itself once a global is stored in it. Each attack below was loaded in a throwaway interpreter
(``/tmp/s11b/hooks_run.py``, ``/tmp/s11b/run3.py``; torch 2.13.0+cpu, pandas 3.1.1): the test says where the gadget ran.
``mimetypes.init`` / ``mimetypes.add_type`` are the gadgets (in no allowlist, no denylist); nothing is loaded here.
"""

from __future__ import annotations

import collections
import copyreg
import io
import itertools
import mimetypes
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from scan_helpers import scan_named

from mlsecure.artifacts.scan import pickle_scan
from mlsecure.artifacts.scan.pickle_vm import Call, Container, Glob, Opaque
from mlsecure.artifacts.scan.stored_callables import keep_arguments
from mlsecure.findings import Severity


def _torch() -> Any:
    return pytest.importorskip("torch")


class _Reduced:
    """Pickles as ``func(*args)``: a REDUCE of our choosing."""

    def __init__(self, func: Callable[..., object], args: tuple[Any, ...]) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.func, self.args


class _Forged:
    """Pickles as ``copyreg._reconstructor(cls, object, None)`` + BUILD ``state``."""

    def __init__(self, cls: type, state: object) -> None:
        self.cls, self.state = cls, state

    def __reduce__(self) -> tuple[Any, ...]:
        return copyreg._reconstructor, (self.cls, object, None), self.state


# --- a tensor rebuild whose backward_hooks argument holds a gadget ---------------------------------------------------
# **Ran**: torch.load(weights_only=False) of such a file did not call the hook; ``(t * 3).sum().backward()`` did, for
# ``_rebuild_tensor_v2`` and for ``_rebuild_parameter`` (torch 2.13.0+cpu; ``_rebuild_tensor_v2`` assigns the dict to
# ``tensor._backward_hooks``). torch itself always pickles the hooks empty.


def _rebuild_with_hooks(parameter: bool) -> bytes:
    torch = _torch()
    hooks = collections.OrderedDict([(0, mimetypes.init)])
    storage = torch.ones(2)._typed_storage()
    if parameter:
        return pickle.dumps(_Reduced(torch._utils._rebuild_parameter, (torch.ones(2), True, hooks)), protocol=2)
    return pickle.dumps(_Reduced(torch._utils._rebuild_tensor_v2, (storage, 0, (2,), (1,), True, hooks)), protocol=2)


# The same rebuild written by hand: the hook dict is built empty, handed to the rebuild, and filled only afterwards
# (memo GET + SETITEM), so the global reaches it after the call; the dict registers itself then (``Call.kept_in``).
_HOOKS_FILLED_AFTER_THE_CALL = (
    b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(X\x01\x00\x00\x00sQK\x00K\x02\x85K\x01\x85\x88"
    b"ccollections\nOrderedDict\n)Rq\x01tRh\x01K\x00cmimetypes\ninit\ns0."
)


ATTACKS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "_rebuild_tensor_v2 with a hook (ran on backward)": ("tensor.pkl", lambda: _rebuild_with_hooks(False)),
    "_rebuild_parameter with a hook (ran on backward)": ("param.pkl", lambda: _rebuild_with_hooks(True)),
    "hook dict filled after the rebuild call": ("tensor.pkl", lambda: _HOOKS_FILLED_AFTER_THE_CALL),
}


@pytest.mark.parametrize("case", list(ATTACKS))
def test_a_tensor_backward_hook_is_high(tmp_path: Path, case: str) -> None:
    name, build = ATTACKS[case]
    _verdict, worst, titles = scan_named(tmp_path, name, build())
    assert worst is Severity.HIGH, titles
    assert "imports mimetypes.init" in titles


def test_an_empty_hook_dict_never_filled_stays_clean(tmp_path: Path) -> None:
    data = _HOOKS_FILLED_AFTER_THE_CALL.replace(b"h\x01K\x00cmimetypes\ninit\ns0", b"")
    _verdict, worst, titles = scan_named(tmp_path, "tensor.pkl", data)
    assert worst < Severity.MEDIUM, titles


def test_the_same_global_left_in_a_plain_dict_stays_medium(tmp_path: Path) -> None:
    """Control: stored in a dict nobody hands to a call, the global is a value, not something called (medium)."""
    data = b"\x80\x02}q\x01K\x00cmimetypes\ninit\ns."
    _verdict, worst, titles = scan_named(tmp_path, "plain.pkl", data)
    assert worst is Severity.MEDIUM, titles


# --- globals reached through other callers: each was already high or critical on main; pinned here ------------------
# **Ran** under pickle.loads (``/tmp/s11b/run3.py``): every case below; the callers themselves are
# unlisted builtins / itertools (high when the loader calls them) or denylisted modules (functools, operator: critical).


def _linear_with(attribute: str) -> object:
    layer = _torch().nn.Linear(2, 2)
    setattr(layer, attribute, mimetypes.init)
    return layer


def _pandas_flags_keys() -> bytes:
    """**Ran** at load: ``NDFrame.__setstate__`` runs ``Flags(self, **state["_flags"])``, and ``**`` on a non-dict
    calls its ``keys``, here an instance attribute of an allowlisted torch ``Linear``."""
    pandas = pytest.importorskip("pandas")
    state = pandas.DataFrame({"a": [1, 2]}).__getstate__()
    state["_flags"] = _linear_with("keys")
    return pickle.dumps(_Forged(pandas.DataFrame, state), protocol=4)


REACHED: dict[str, tuple[Severity, Callable[[], bytes]]] = {
    # ran at load: dict(obj) calls obj.keys(), found in the instance state before the class
    "builtins.dict of a Linear with keys in its state": (
        Severity.HIGH,
        lambda: pickle.dumps(_Reduced(dict, (_linear_with("keys"),)), protocol=4),
    ),
    "pandas __setstate__ calling keys of a state value": (Severity.HIGH, _pandas_flags_keys),
    "list(map(gadget, ...))": (
        Severity.HIGH,
        lambda: pickle.dumps(_Reduced(list, (_Reduced(map, (mimetypes.add_type, ["x/s"], [".s"])),)), 4),
    ),
    "list(filter(gadget, ...))": (
        Severity.HIGH,
        lambda: pickle.dumps(_Reduced(list, (_Reduced(filter, (mimetypes.init, [None])),)), 4),
    ),
    "list(itertools.starmap(gadget, ...))": (
        Severity.HIGH,
        lambda: pickle.dumps(_Reduced(list, (_Reduced(itertools.starmap, (mimetypes.add_type, [("x/s", ".s")])),)), 4),
    ),
    "deque(map(gadget, ...))": (
        Severity.HIGH,
        lambda: pickle.dumps(_Reduced(collections.deque, (_Reduced(map, (mimetypes.add_type, ["x/s"], [".s"])),)), 4),
    ),
}


@pytest.mark.parametrize("case", list(REACHED))
def test_a_global_reached_through_an_allowlisted_caller_is_high(tmp_path: Path, case: str) -> None:
    expected, build = REACHED[case]
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", build())
    assert worst is expected, titles
    assert any(t.startswith("imports mimetypes.") for t in titles)


def test_functools_reduce_and_operator_call_are_critical(tmp_path: Path) -> None:
    reduce_call = (
        b"\x80\x02c_functools\nreduce\ncmimetypes\nadd_type\n]q\x00(X\x03\x00\x00\x00x/sX\x02\x00\x00\x00.se\x86R."
    )
    operator_call = b"\x80\x02c_operator\ncall\ncmimetypes\ninit\n\x85R."
    for data in (reduce_call, operator_call):
        _verdict, worst, titles = scan_named(tmp_path, "model.pkl", data)
        assert worst is Severity.CRITICAL, titles


# --- what keep_arguments keeps ---------------------------------------------------------------------------------------


def test_keep_arguments_drops_what_cannot_hold_a_global() -> None:
    kept: list[Any] = []
    hooks = Call(Glob("collections", "OrderedDict", 0, "GLOBAL"), (), 0, "REDUCE")
    keep_arguments((Opaque("persistent id tuple"), 0, (2,), (1,), False, hooks), kept)
    assert kept == []  # a tensor rebuild's arguments: nothing kept
    assert hooks.kept_in is kept  # ... but the empty hook dict will register itself if a global lands in it


def test_keep_arguments_keeps_globals_containers_and_filled_mappings() -> None:
    kept: list[Any] = []
    glob = Glob("mimetypes", "init", 0, "GLOBAL")
    box = Container("list")
    nested = (1, box)
    filled = Call(Glob("collections", "OrderedDict", 0, "GLOBAL"), (), 0, "REDUCE", held=[glob])
    keep_arguments((glob, box, nested, (1, 2), "s", filled), kept)
    assert kept == [glob, box, nested, filled]
    keep_arguments(box, kept)  # arguments that are not a tuple are kept whole
    assert kept[-1] is box


def test_a_torch_checkpoint_keeps_nothing_for_later(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed fix: a ``torch.save`` of tensors keeps no call arguments to the stream's end (round 8 kept two per
    tensor); its verdict is unchanged."""
    torch = _torch()
    buffer = io.BytesIO()
    torch.save({f"w{i}": torch.zeros(2) for i in range(5)}, buffer)
    sizes: list[int] = []
    original = pickle_scan._State.called_after_loading

    def spy(self: Any) -> None:
        sizes.append(len(self.stored.states))
        original(self)

    monkeypatch.setattr(pickle_scan._State, "called_after_loading", spy)
    _verdict, worst, titles = scan_named(tmp_path, "model.pt", buffer.getvalue())
    assert worst < Severity.MEDIUM, titles
    assert sizes and max(sizes) == 0
