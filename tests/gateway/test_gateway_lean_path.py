"""Session 7's lean request path: each shortcut gives what the way it replaces gives.

- a flat FP32/FP64 tensor of floats is checked with builtins and cast by ``array`` (``oip._flat_floats``): the
  same float32 rows, or the same refusal, as the exact numpy path;
- a credential seen before skips the hash (``Authenticator._verified``): same principal, and a token revoked or
  expired meanwhile is refused on its very next request;
- the per-request metrics are plain numbers: the exposition equals what ``prometheus_client``'s own counter and
  histogram give for the same observations;
- the served model's infer routes are matched by a set lookup: exactly the paths ``_Handlers.v2`` routes there.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.serving import oip
from mlsecure.serving.auth import Authenticator, AuthFailure
from mlsecure.serving.metrics import LATENCY_BUCKETS, GatewayMetrics
from mlsecure.serving.tokens import open_token_store
from mlsecure.serving.validation import InputSchema, ValidationFailure

# --- decoding: builtins + array against the numpy path -------------------------------------------------------

_FLOATS = st.one_of(
    st.floats(min_value=-0.5, max_value=1.5, width=64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 1e-45, 1.4e-45, 3.4028234663852886e38, 3.4028235677973366e38, 0.1, 1 / 3]),
)


def _decide(t: dict[str, Any], schema: InputSchema, plain: bool) -> tuple[str, Any]:
    try:
        x = oip._tensor(t, schema, "input-0", plain=plain)
    except ValidationFailure as exc:
        return "refused", (exc.field, exc.message)
    return "rows", (x.dtype.str, x.shape, x.tobytes())


@settings(max_examples=200, deadline=None)
@given(width=st.integers(1, 8), n=st.integers(1, 3), data=st.data(), ranged=st.booleans(),
       datatype=st.sampled_from(["FP32", "FP64"]))
def test_flat_floats_decide_like_the_numpy_path(width: int, n: int, data: st.DataObject, ranged: bool,
                                                datatype: str) -> None:
    schema = InputSchema(input_shape=(width,), value_range=(0.0, 1.0) if ranged else None, max_batch=8)
    values = data.draw(st.lists(_FLOATS, min_size=n * width, max_size=n * width))
    t = {"name": "input-0", "shape": [n, width], "datatype": datatype, "data": values}
    fast, exact = _decide(t, schema, plain=True), _decide(t, schema, plain=False)
    assert fast == exact
    if fast[0] == "rows":  # the rows are the float32 values numpy's cast gives
        assert fast[1][2] == np.asarray(values, dtype=np.float64).astype(np.float32).tobytes()


def test_flat_floats_take_the_shortcut_and_refuse_what_the_exact_path_refuses() -> None:
    schema = InputSchema(input_shape=(3,), value_range=(0.0, 1.0), max_batch=8)
    x = oip._flat_floats([0.25, 0.5, 1.0], [1, 3], 0.0, 1.0)
    assert x is not None and x.dtype == np.float32 and x.shape == (1, 3) and x.tolist() == [[0.25, 0.5, 1.0]]
    assert x.flags.writeable and x.flags.c_contiguous
    assert oip._flat_floats([0.5, float("nan"), 0.5], [1, 3], 0.0, 1.0) is None  # min/max alone step over NaN
    assert oip._flat_floats([0.5, 1.5, 0.5], [1, 3], 0.0, 1.0) is None
    t = {"name": "input-0", "shape": [1, 3], "datatype": "FP32", "data": [0.5, 1.5, 0.5]}
    with pytest.raises(ValidationFailure) as exc:
        oip._tensor(t, schema, "input-0", plain=True)
    assert exc.value.field == "inputs[0].data[1]"


# --- authentication: the verified-header cache -------------------------------------------------------------


def test_a_cached_credential_gives_the_same_principal_and_revocation_is_seen_at_once(tmp_path: Path) -> None:
    store = open_token_store(tmp_path / "tokens.db")
    issued = store.create(name="ds", role="data_scientist")
    other = store.create(name="v", role="viewer")
    time.sleep(0.15)  # a file changed in the last 100 ms is re-read on every lookup (coarse file-system clocks)
    auth = Authenticator(store)
    header = f"Bearer {issued.token}"
    first = auth.authenticate(header)
    assert auth.authenticate(header) is first  # the cached way
    fresh = Authenticator(open_token_store(tmp_path / "tokens.db")).authenticate(header)
    assert (fresh.actor, fresh.role, fresh.permissions, fresh.kind) == \
        (first.actor, first.role, first.permissions, first.kind)
    # a wrong secret under the same id is refused, cache or not
    forged = issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")
    with pytest.raises(AuthFailure):
        auth.authenticate(f"Bearer {forged}")
    assert auth.authenticate(f"Bearer {other.token}").actor == other.record.token_id
    # revoked from another store object (as `mlsecure gateway token revoke` does): refused on the next request
    open_token_store(tmp_path / "tokens.db").revoke(issued.record.token_id)
    with pytest.raises(AuthFailure) as exc:
        auth.authenticate(header)
    assert exc.value.reason == "token revoked"


def test_a_cached_credential_expires_on_time(tmp_path: Path) -> None:
    store = open_token_store(tmp_path / "tokens.db")
    issued = store.create(name="ds", role="data_scientist", ttl_s=3600)
    time.sleep(0.15)
    auth = Authenticator(store)
    header = f"Bearer {issued.token}"
    auth.authenticate(header)
    auth.authenticate(header)
    with pytest.raises(AuthFailure) as exc:
        auth.authenticate(header, now=time.time() + 7200)
    assert exc.value.reason == "token expired"


# --- metrics: plain numbers, the library's exposition ------------------------------------------------------


def _samples(text: str) -> set[tuple[str, str, float]]:
    from prometheus_client.parser import text_string_to_metric_families

    return {(s.name, str(sorted(s.labels.items())), s.value) for fam in text_string_to_metric_families(text)
            for s in fam.samples if not s.name.endswith("_created")}


@settings(max_examples=50, deadline=None)
@given(obs=st.lists(st.tuples(st.sampled_from(["v2_infer", "predict"]), st.sampled_from([200, 401, 429]),
                              st.one_of(st.sampled_from(LATENCY_BUCKETS), st.floats(0, 3))), max_size=40),
       rows=st.integers(0, 1000))
def test_plain_metrics_expose_what_prometheus_client_exposes(obs: list[tuple[str, int, float]], rows: int) -> None:
    import prometheus_client as prom

    mine = GatewayMetrics()
    ref = prom.CollectorRegistry()
    requests = prom.Counter("mlsecure_gateway_requests_total", "Requests by endpoint and status",
                            ["endpoint", "status"], registry=ref)
    latency = prom.Histogram("mlsecure_gateway_request_seconds", "Request latency by endpoint", ["endpoint"],
                             registry=ref, buckets=LATENCY_BUCKETS)
    predicted = prom.Counter("mlsecure_gateway_predicted_rows_total", "Samples predicted", registry=ref)
    for endpoint, status, seconds in obs:
        mine.observe(endpoint, status, seconds)
        requests.labels(endpoint, str(status)).inc()
        latency.labels(endpoint).observe(seconds)
    mine.rows_total += rows
    predicted.inc(rows)
    text = mine.render()[0].decode()
    expected = _samples(prom.generate_latest(ref).decode())
    got = {s for s in _samples(text) if s[0].startswith(("mlsecure_gateway_request", "mlsecure_gateway_predicted"))}
    assert got == expected
    assert mine.requests("v2_infer", 200) == sum(1 for e, s, _ in obs if (e, s) == ("v2_infer", 200))


# --- routing: the infer paths' set lookup ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def lean_app(tmp_path_factory: pytest.TempPathFactory, digits_onnx: Path) -> Any:
    from mlsecure.artifacts.load import load_model
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.app import create_app

    tmp = tmp_path_factory.mktemp("lean")
    cfg = parse_config({
        "model": {"name": "digits", "version": "7", "input_range": [0.0, 1.0], "max_batch": 8},
        "auth": {"token_store": str(tmp / "tokens.db")},
        "signing": {"key_file": str(tmp / "signing.pem")},
        "audit": {"store": str(tmp / "audit.db"), "writer": "thread"},
    }, base=tmp)
    tokens = open_token_store(tmp / "tokens.db")
    token = tokens.create(name="ds", role="data_scientist").token
    mp = pytest.MonkeyPatch()
    mp.setenv("MLSECURE_AUDIT_HMAC_KEY", "cd" * 32)
    gw = build_gateway(cfg, model=load_model(digits_onnx), token_store=tokens, seed=0)
    mp.undo()
    yield create_app(gw), gw, token
    gw.close()


_SEGMENTS = st.sampled_from(["digits", "7", "8", "versions", "infer", "ready", "models", "v2", "", "digits%2F7"])


@settings(max_examples=250, deadline=None)
@given(parts=st.lists(_SEGMENTS, min_size=1, max_size=6))
def test_infer_route_set_is_what_the_v2_router_sends_to_infer(lean_app: Any, parts: list[str]) -> None:
    from mlsecure.serving.app import _V2_MODEL

    app = lean_app[0]
    path = "/" + "/".join(parts)
    m = _V2_MODEL.fullmatch(path)
    routed = m is not None and m.group(3) == "/infer" and m.group(1) == "digits" and m.group(2) in (None, "7")
    assert (path in app._infer_paths) == routed


def test_the_infer_shortcut_answers_and_audits_like_the_v2_router(lean_app: Any,
                                                                  natural_queries: np.ndarray) -> None:
    """The same request through ``direct`` (set lookup) and through the ASGI entry (``_Handlers.v2``): same status,
    same answer apart from its request id and time, one audit record each with the same fields."""
    import orjson

    app, gw, token = lean_app
    row = natural_queries[0].reshape(-1)[:64].astype(float).tolist()
    body = orjson.dumps({"inputs": [{"name": gw.config.model.input_name, "shape": [1, 64], "datatype": "FP32",
                                     "data": row}]})
    headers = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")]

    async def both() -> tuple[Any, Any]:
        direct = await app.direct("POST", "/v2/models/digits/versions/7/infer", headers, body, ("10.0.0.9", 1))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.9", 1)),
                                     base_url="http://gw") as c:
            routed = await c.post("/v2/models/digits/versions/7/infer", content=body,
                                  headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        return direct, routed

    before = len(list(gw.store.query()))
    direct, routed = asyncio.run(both())
    assert direct[0] == routed.status_code == 200
    a, b = orjson.loads(direct[2]), routed.json()
    for doc in (a, b):
        doc["parameters"].pop("request_id"), doc["parameters"].pop("served_at"), doc.pop("id")
    assert a == b
    records = list(gw.store.query())[before:]
    assert len(records) == 2
    ea, eb = (r.event.to_dict() for r in records)
    for e in (ea, eb):
        for key in ("event_id", "timestamp", "latency_ms"):
            e.pop(key)
        e["details"].pop("request_id")
    assert ea == eb and ea["outcome"] == "allowed" and ea["details"]["endpoint"] == "v2_infer"
