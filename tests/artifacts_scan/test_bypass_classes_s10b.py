"""Session 10 red team (round 7b): callables an allowlisted object stores and calls AFTER loading.

Round 7 made an unlisted global the loader calls high; one handed as a plain value to an allowlisted object stayed
medium, so ``--fail-on high`` passed it and the victim's ``predict`` / ``d[missing]`` / ``forward`` ran it. Each
sample is built here (``pickle.dumps`` of real objects, or bytes); nothing is loaded. Where a loader ran the sample
(a throwaway interpreter under /tmp) the test says so: the gadget did NOT run under ``pickle.loads``/``torch.load``
and DID run on first use. ``mimetypes.add_type`` / ``mimetypes.init`` are the gadgets: in no allowlist, no denylist.
"""

from __future__ import annotations

import collections
import io
import mimetypes
import pickle
from pathlib import Path

import numpy as np
import pytest
from scan_helpers import scan_named

from mlsecure.findings import Severity

sklearn_pipeline = pytest.importorskip("sklearn.pipeline")
sklearn_preprocessing = pytest.importorskip("sklearn.preprocessing")
sklearn_compose = pytest.importorskip("sklearn.compose")
sklearn_neighbors = pytest.importorskip("sklearn.neighbors")
sklearn_linear = pytest.importorskip("sklearn.linear_model")


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _text(value: str) -> bytes:
    raw = value.encode()
    return b"X" + len(raw).to_bytes(4, "little") + raw


def _torch_saved(module: object) -> bytes:
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    torch.save(module, buffer)
    return buffer.getvalue()


def _hooked_linear(hook_dict: str) -> object:
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(2, 2)
    getattr(layer, hook_dict)[7] = mimetypes.add_type  # what register_*_hook stores
    return layer


# --- attacks: each was medium on main ---------------------------------------------------------------------------------


def _function_transformer_pipeline() -> bytes:
    """**Ran**: ``transform("x/s10b")`` after loading added ``.s10b`` to ``mimetypes.types_map``; loading did not."""
    step = sklearn_preprocessing.FunctionTransformer(func=mimetypes.add_type, kw_args={"ext": ".s10b"}, validate=False)
    return pickle.dumps(sklearn_pipeline.Pipeline([("f", step)]), protocol=4)


def _inverse_func() -> bytes:
    """**Ran** on ``inverse_transform``, protocol 2 (NEWOBJ through ``copyreg.__newobj__``)."""
    step = sklearn_preprocessing.FunctionTransformer(
        func=np.log1p,
        inverse_func=mimetypes.add_type,
        inv_kw_args={"ext": ".s10i"},
        validate=False,
        check_inverse=False,
    )
    return pickle.dumps(step, protocol=2)


def _column_selector() -> bytes:
    """A callable column selector (``ColumnTransformer`` calls it on ``X`` in ``fit``/``transform``); not run."""
    selector = sklearn_compose.ColumnTransformer([("keep", "passthrough", mimetypes.guess_all_extensions)])
    return pickle.dumps(selector, protocol=4)


def _metric() -> bytes:
    """A callable ``metric`` (the neighbours search calls it on pairs of rows); not run."""
    return pickle.dumps(sklearn_neighbors.KNeighborsClassifier(metric=mimetypes.add_type), protocol=4)


def _defaultdict_in_checkpoint() -> bytes:
    """**Ran**: ``d["missing"]`` after loading called ``mimetypes.init`` (``mimetypes.inited`` became True)."""
    vocabulary = collections.defaultdict(mimetypes.init, {"a": 1})
    return pickle.dumps({"vocab": vocabulary}, protocol=4)


DEFAULTDICT_SLOT_STATE = (  # defaultdict() then BUILD (None, {"default_factory": init}): **ran** on d["x"]
    b"\x80\x02"
    + _global("collections", "defaultdict")
    + b")RN}"
    + _text("default_factory")
    + _global("mimetypes", "init")
    + b"s\x86b."
)
ORDERED_HOOKS_BY_BYTES = (  # an allowlisted module's _forward_hooks as OrderedDict() + SETITEM, protocol 0
    b"("
    + _global("torch.nn.modules.linear", "Linear")
    + b"o(dV_forward_hooks\n"
    + _global("collections", "OrderedDict")
    + b"(tRI7\n"
    + _global("mimetypes", "add_type")
    + b"ssb."
)
DOUBLED_TUPLES = (  # an allowlisted estimator's parameter: 64 tuples, each holding the previous one twice
    b"\x80\x02"
    + _global("sklearn.preprocessing._function_transformer", "FunctionTransformer")
    + b")\x81}"
    + _text("kw_args")
    + _global("mimetypes", "add_type")
    + b"\x85"
    + b"2\x86" * 64
    + b"sb."
)

STORED_AND_CALLED_LATER = {
    "FunctionTransformer func in a Pipeline (ran)": ("pipe.pkl", _function_transformer_pipeline),
    "FunctionTransformer inverse_func (ran)": ("ft.pkl", _inverse_func),
    "ColumnTransformer column selector": ("ct.pkl", _column_selector),
    "KNeighborsClassifier metric": ("knn.pkl", _metric),
    "defaultdict factory in a dict (ran)": ("vocab.pkl", _defaultdict_in_checkpoint),
    "defaultdict factory set by BUILD slot state (ran)": ("vocab.pkl", lambda: DEFAULTDICT_SLOT_STATE),
    "torch forward pre-hook, torch.save (ran)": (
        "model.pt",
        lambda: _torch_saved(_hooked_linear("_forward_pre_hooks")),
    ),
    "torch backward hook, pickle protocol 2": (
        "model.pkl",
        lambda: pickle.dumps(_hooked_linear("_backward_hooks"), protocol=2),
    ),
    "torch state_dict hook, torch.save": ("model.pt", lambda: _torch_saved(_hooked_linear("_state_dict_hooks"))),
    "torch forward hook, OrderedDict built by bytes": ("model.pkl", lambda: ORDERED_HOOKS_BY_BYTES),
    "estimator parameter in doubled tuples": ("ft.pkl", lambda: DOUBLED_TUPLES),
}


@pytest.mark.parametrize("case", list(STORED_AND_CALLED_LATER))
def test_unlisted_callable_stored_and_called_after_loading_is_high(tmp_path: Path, case: str) -> None:
    name, build = STORED_AND_CALLED_LATER[case]
    _verdict, worst, titles = scan_named(tmp_path, name, build())
    assert worst is Severity.HIGH, titles
    assert any(t.startswith("imports mimetypes.") for t in titles), titles


def test_the_reason_says_it_is_called_after_loading(tmp_path: Path) -> None:
    from mlsecure.artifacts.scan import scan_file

    path = tmp_path / "vocab.pkl"
    path.write_bytes(_defaultdict_in_checkpoint())
    issue = next(i for i in scan_file(path).issues if i.title == "imports mimetypes.init")
    assert issue.severity is Severity.HIGH
    assert "stores it and calls it after loading" in str(issue.evidence["reason"])
    assert issue.evidence["called_after_loading"] is True


# --- benign controls: allowlisted callables in the same places stay below medium ------------------------------------

BENIGN = {
    "FunctionTransformer(np.log1p, inverse_func=np.expm1) + LogisticRegression": lambda: pickle.dumps(
        sklearn_pipeline.Pipeline(
            [
                ("log", sklearn_preprocessing.FunctionTransformer(np.log1p, inverse_func=np.expm1)),
                ("model", sklearn_linear.LogisticRegression().fit(np.array([[0.0], [1.0]]), np.array([0, 1]))),
            ]
        ),
        protocol=4,
    ),
    "KNeighborsClassifier(metric='minkowski') fitted": lambda: pickle.dumps(
        sklearn_neighbors.KNeighborsClassifier(n_neighbors=1).fit(np.array([[0.0], [1.0]]), np.array([0, 1])),
        protocol=4,
    ),
    "defaultdict(list), protocol 4": lambda: pickle.dumps(collections.defaultdict(list, {"a": [1]}), protocol=4),
    "defaultdict(int), protocol 2": lambda: pickle.dumps(collections.defaultdict(int, {"a": 1}), protocol=2),
    "defaultdict(int), protocol 0": lambda: pickle.dumps(collections.defaultdict(int, {"a": 1}), protocol=0),
    "torch.save of a Linear without hooks": lambda: _torch_saved(pytest.importorskip("torch").nn.Linear(2, 2)),
}


@pytest.mark.parametrize("case", list(BENIGN))
def test_allowlisted_callables_there_stay_clean(tmp_path: Path, case: str) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pt" if "torch" in case else "model.pkl", BENIGN[case]())
    assert worst < Severity.MEDIUM, titles


# --- where nothing calls it, an unlisted global stays medium (the round 7 property) -----------------------------------

NOT_CALLED = {
    "a value of a plain dict": b"\x80\x02}" + _text("f") + _global("mimetypes", "add_type") + b"s.",
    "a value of an OrderedDict that is no hook dict": b"\x80\x02"
    + _global("collections", "OrderedDict")
    + b")R"
    + _text("f")
    + _global("mimetypes", "add_type")
    + b"s.",
}
# Session 11 moved "a torch module attribute that is no hook dict" out of this list: any instance attribute can shadow
# a method (``forward`` in a Linear's state ran on ``layer(x)``), so every global of an object's state is high now
# (test_bypass_classes_s11.py).


@pytest.mark.parametrize("case", list(NOT_CALLED))
def test_unlisted_global_nothing_calls_stays_medium(tmp_path: Path, case: str) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", NOT_CALLED[case])
    assert worst is Severity.MEDIUM, titles


def test_state_too_large_to_follow_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the walk budget the scan says it could not check (medium), never silently clean."""
    from mlsecure.artifacts.scan import stored_callables

    monkeypatch.setattr(stored_callables, "MAX_WALK", 10)
    step = sklearn_preprocessing.FunctionTransformer(np.log1p, kw_args={"values": list(range(50))})
    # an unlisted global beside the object (session 11: a stream without one skips the walk, nothing could change)
    sample = pickle.dumps((step, mimetypes.add_type), protocol=4)
    _verdict, worst, titles = scan_named(tmp_path, "ft.pkl", sample)
    assert worst is Severity.MEDIUM, titles
    assert any("too large to follow" in t for t in titles), titles


def test_walk_follows_each_container_once() -> None:
    from mlsecure.artifacts.scan import stored_callables

    walk = stored_callables.Walk()
    shared: tuple[object, ...] = ()
    for _ in range(200):
        shared = (shared, shared)  # 2**200 paths, 201 distinct tuples
    found = list(stored_callables._globals_in([shared], walk))
    assert found == []
    assert stored_callables.MAX_WALK - walk.left == 201 + 2 * 200  # each tuple once: itself plus its two items


# --- filled after its BUILD: the loaded object holds the same list / hook dict ---------------------------------------
# Loaded with pickle.loads here: ``ct.transformers`` held ``guess_all_extensions`` and ``m._forward_hooks`` held
# ``add_type`` (the scan follows these states when the stream ends, not at BUILD).

FILLED_AFTER_BUILD = {
    # ColumnTransformer(); BUILD {"transformers": L} with L memoised; GET L, APPEND ("keep", "passthrough", f), POP
    "a scikit-learn state list appended to after BUILD": b"\x80\x02"
    + _global("sklearn.compose._column_transformer", "ColumnTransformer")
    + b")\x81}"
    + _text("transformers")
    + b"]q\x00sbh\x00"
    + _text("keep")
    + _text("passthrough")
    + _global("mimetypes", "guess_all_extensions")
    + b"\x87a0.",
    # Linear(); BUILD {"_forward_hooks": OrderedDict()} memoised; GET it, SETITEM 7: add_type, POP
    "a torch hook dict filled after BUILD": b"\x80\x02"
    + _global("torch.nn.modules.linear", "Linear")
    + b")\x81}"
    + _text("_forward_hooks")
    + _global("collections", "OrderedDict")
    + b")Rq\x00sbh\x00K\x07"
    + _global("mimetypes", "add_type")
    + b"s0.",
}


@pytest.mark.parametrize("case", list(FILLED_AFTER_BUILD))
def test_callable_added_after_build_is_high(tmp_path: Path, case: str) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", FILLED_AFTER_BUILD[case])
    assert worst is Severity.HIGH, titles


SHARED_STATE = (
    b"\x80\x02"
    + _global("torch.nn.modules.linear", "Linear")
    + b")\x81}q\x00("
    + _text("_forward_hooks")
    + b"}"
    + _text("func")
    + _global("mimetypes", "add_type")
    + b"ub0"
    + _global("sklearn.preprocessing._function_transformer", "FunctionTransformer")
    + b")\x81h\x00b."
)


def test_state_shared_by_two_builds_is_judged_for_each_class(tmp_path: Path) -> None:
    """One memoised state dict BUILT onto a torch ``Linear`` first (only its hook dicts count there), then onto a
    scikit-learn estimator, where every value counts (loaded here: the estimator's ``func`` was ``add_type``)."""
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", SHARED_STATE)
    assert worst is Severity.HIGH, titles
