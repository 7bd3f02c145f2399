"""The request path's plain-Python shortcuts give exactly what the numpy / standard-library paths give.

Session 6 (issue 20): a small upstream answer is checked (``Upstream._small_rows``) and hardened
(``OutputPolicy.apply_rows``) in Python, and the answer's canonical JSON is written by orjson where it is
byte-identical (``serving.canonical.response_json``). Each is compared here with the path it replaces.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.serving.canonical import response_json
from mlsecure.serving.config import OutputConfig, UpstreamConfig
from mlsecure.serving.hardening import OutputPolicy
from mlsecure.serving.upstream import Upstream, UpstreamError
from mlsecure.strict_json import canonical_json

# --- canonical JSON through orjson ------------------------------------------------------------------------------

_SPECIAL = [0.0, -0.0, 1e-5, 9.999e-5, 1e-4, 0.0001234, 0.005, 0.01, 0.5, 1.0, 1e15, 9.99e15, 1e16, 1.7e308,
            5e-324, 1700000000.123]
_leaf = st.one_of(st.text(max_size=10), st.integers(-(2**70), 2**70), st.booleans(), st.none(),
                  st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(_SPECIAL))
_docs = st.recursive(_leaf, lambda kids: st.one_of(st.lists(kids, max_size=5),
                                                   st.dictionaries(st.text(max_size=8), kids, max_size=5)),
                     max_leaves=16)


@settings(max_examples=80, deadline=None)
@given(doc=st.dictionaries(st.text(max_size=8), _docs, max_size=6))
def test_response_json_is_canonical_json_byte_for_byte(doc: dict[str, Any]) -> None:
    assert response_json(doc) == canonical_json(doc)


def test_response_json_strings_for_a_sweep_of_code_points() -> None:
    """Every 7th code point (surrogates excluded), as keys and values: the same bytes as canonical_json."""
    points = [chr(c) for c in range(0, 0x110000, 7) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 4096):
        text = "".join(points[start:start + 4096])
        doc = {"outputs": [{"data": [text, text[::-1]], "name": text[:30]}], text[:20]: {"x": text}}
        assert response_json(doc) == canonical_json(doc)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_response_json_refuses_what_canonical_json_refuses(bad: float) -> None:
    from mlsecure.errors import InputError

    with pytest.raises(InputError):
        response_json({"outputs": [{"data": [0.5, bad]}]})


def test_response_json_of_a_real_answer_takes_orjson() -> None:
    """The common answer passes the check (so the shortcut is really taken) and keeps its bytes."""
    from mlsecure.serving import canonical

    doc = {"model_name": "digits", "model_version": "1", "id": "a" * 32,
           "parameters": {"request_id": "a" * 32, "input_sha256": "b" * 64, "served_at": 1765000000.123},
           "outputs": [{"name": "label", "datatype": "INT64", "shape": [1], "data": [4]},
                       {"name": "top_labels", "datatype": "INT64", "shape": [1, 1], "data": [4]},
                       {"name": "probability", "datatype": "FP64", "shape": [1, 1], "data": [0.97]}]}
    assert canonical._plain(doc, 0)
    assert response_json(doc) == canonical_json(doc)


# --- hardening in Python -------------------------------------------------------------------------------------------

_probs = st.sampled_from([0.0, -0.0, 0.125, 0.005, 0.015, 0.025, 0.285, 0.5, 1 / 3, 2 / 3, 0.994999, 0.995, 1e-9])


@settings(max_examples=200, deadline=None)
@given(rows=st.integers(1, 4).flatmap(lambda k: st.lists(
           st.lists(st.one_of(_probs, st.floats(0, 1)), min_size=k, max_size=k), min_size=1, max_size=3)),
       top_k=st.integers(0, 5), decimals=st.integers(-1, 15), labels_only=st.booleans(), strings=st.booleans())
def test_apply_rows_equals_apply(rows: list[list[float]], top_k: int, decimals: int, labels_only: bool,
                                 strings: bool) -> None:
    policy = OutputPolicy(OutputConfig(top_k=top_k, decimals=decimals, labels_only=labels_only))
    k = len(rows[0])
    labels: list[Any] = [f"c{i}" for i in range(k)] if strings else list(range(k))
    proba = np.asarray(rows, dtype=np.float64)
    top1 = [max(range(k), key=row.__getitem__) for row in rows]
    assert top1 == proba.argmax(axis=1).tolist()
    want = policy.apply(proba, labels, np.random.default_rng(0))
    got = policy.apply_rows(rows, labels, top1)
    assert got == want
    assert canonical_json({"p": got}) == canonical_json({"p": want})  # -0.0 and 0.0 included


def test_apply_rows_rounds_half_to_even_like_numpy() -> None:
    policy = OutputPolicy(OutputConfig(top_k=0, decimals=2))
    rows = [[0.125, 0.375, 0.5]]  # exact halves at the third decimal: 0.12 and 0.38 (half to even), as numpy
    assert policy.apply_rows(rows, [0, 1, 2], [2]) == policy.apply(np.asarray(rows), [0, 1, 2],
                                                                   np.random.default_rng(0))
    assert [t["probability"] for t in policy.apply_rows(rows, [0, 1, 2], [2])[0]["top"]] == [0.5, 0.38, 0.12]


def test_apply_rows_refuses_noise() -> None:
    with pytest.raises(ValueError, match="without noise"):
        OutputPolicy(OutputConfig(noise="laplace", noise_scale=0.1)).apply_rows([[0.5, 0.5]], [0, 1], [0])


# --- the upstream answer checked in Python --------------------------------------------------------------------------

def _upstream(labels: list[Any] | None = None) -> Upstream:
    return Upstream(UpstreamConfig(url="http://127.0.0.1:1", protocol="oip"), model_name="m", labels=labels)


def _numpy_verdict(up: Upstream, data: list[Any], shape: list[int], n: int) -> Any:
    try:
        return up._check(np.asarray(data, dtype=np.float64).reshape(shape), n).tolist()
    except UpstreamError as exc:
        return exc.detail


@settings(max_examples=100, deadline=None)
@given(k=st.integers(1, 6), n=st.integers(1, 3), data=st.data(), labelled=st.booleans())
def test_small_rows_decide_like_check(k: int, n: int, data: st.DataObject, labelled: bool) -> None:
    values = st.one_of(st.floats(-0.5, 1.5), st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0]))
    rows = data.draw(st.lists(st.lists(values, min_size=k, max_size=k), min_size=n, max_size=n))
    if data.draw(st.booleans()):  # make most rows real distributions
        rows = [[abs(v) if math.isfinite(v) else 1.0 for v in row] for row in rows]
        rows = [[v / sum(row) if sum(row) else 1.0 / k for v in row] for row in rows]
    flat = [v for row in rows for v in row]
    up = _upstream(list(range(k)) if labelled else None)
    try:
        got: Any = up._small_rows([n, k], flat, n)
    except UpstreamError as exc:
        got = exc.detail
    assert got is not None
    assert got == _numpy_verdict(up, flat, [n, k], n) or (
        isinstance(got, list) and np.array_equal(np.asarray(got), np.asarray(_numpy_verdict(up, flat, [n, k], n)),
                                                 equal_nan=True))


@pytest.mark.parametrize(("shape", "data", "n", "labels"), [
    ([1, 3], [0, 1, 0], 1, None),  # integers: numpy decides
    ([1, 3], [[0.2, 0.3, 0.5]], 1, None),  # nested
    ([2, 3], [0.2, 0.3, 0.5], 1, None),  # another row count: _check names it
    ([1, 3], [0.2, 0.3, 0.5], 1, ["a", "b"]),  # labels disagree: _check names it
    ([1, 300], [1 / 300] * 300, 1, None),  # large
])
def test_small_rows_leave_the_unusual_to_check(shape: list[int], data: list[Any], n: int,
                                               labels: list[Any] | None) -> None:
    assert _upstream(labels)._small_rows(shape, data, n) is None


def test_oip_answer_comes_back_as_rows_or_array() -> None:
    up = _upstream()
    doc = {"outputs": [{"name": "predict_proba", "shape": [1, 3], "data": [0.2, 0.3, 0.5]}]}
    assert up._oip_proba(doc, 1) == [[0.2, 0.3, 0.5]]
    doc = {"outputs": [{"name": "predict_proba", "shape": [1, 3], "data": [0, 1, 0]}]}
    assert isinstance(up._oip_proba(doc, 1), np.ndarray)
    with pytest.raises(UpstreamError, match="not distributions"):
        up._oip_proba({"outputs": [{"name": "predict_proba", "shape": [1, 2], "data": [0.2, math.nan]}]}, 1)


# --- the extraction monitor fed raw bytes ---------------------------------------------------------------------------

def test_observe_raw_gives_the_verdicts_observe_gives() -> None:
    """Row bytes buffered per block (``observe_raw``, what the audit writer calls) and arrays (``observe``), mixed
    in one client's stream: the same verdicts at the same queries, and the same flags, as arrays throughout."""
    from mlsecure.serving.config import ExtractionConfig
    from mlsecure.serving.extraction import ExtractionMonitor

    rng = np.random.default_rng(3)
    seeds = rng.random((20, 16), dtype=np.float32)
    queries = np.concatenate([seeds + rng.normal(0, 0.01, seeds.shape).astype(np.float32) for _ in range(12)])
    labels = (queries.sum(axis=1) * 3).astype(np.int64) % 4
    cfg = ExtractionConfig(min_queries=40, check_every=25)
    arrays, raw = ExtractionMonitor(cfg), ExtractionMonitor(cfg)
    got, want = [], []
    for i in range(len(queries)):
        x, y = queries[i:i + 1], labels[i:i + 1]
        want.append(arrays.observe("c", x.astype(np.float64), y))
        got.append(raw.observe_raw("c", x.tobytes(), 16, y.tobytes()) if i % 7 else raw.observe("c", x, y))
    verdicts = [v.as_dict() for v in want if v is not None]
    assert len(verdicts) >= 5
    assert [v.as_dict() if v else None for v in got] == [v.as_dict() if v else None for v in want]
    assert raw.is_flagged("c") == arrays.is_flagged("c")
    assert raw.observe_raw("c", b"", 16, b"") is None
