"""The per-request shortcuts of the overhead pass give exactly the answers of the paths they skip.

- OIP decoding: the four-call fast path for a plain float tensor (``oip._plain_floats``) accepts what the exact
  path accepts, with the same array, and leaves everything else to it (same refusal, same field);
- the upstream answer's distribution check without a separate finite test still refuses NaN, infinities,
  negative and non-normalised rows.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.serving import oip
from mlsecure.serving.config import UpstreamConfig
from mlsecure.serving.upstream import Upstream, UpstreamError
from mlsecure.serving.validation import InputSchema, ValidationFailure

_SCHEMAS = [InputSchema(input_shape=(4,), value_range=(0.0, 1.0), max_batch=8),
            InputSchema(input_shape=(2, 2), value_range=None, max_batch=8),
            InputSchema(input_shape=(4,), value_range=(-1e300, 1e300), max_batch=8)]

_values = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), st.integers(-10, 10),
                    st.integers(-(2**70), 2**70), st.sampled_from([0.0, 0.5, 1.0, 1.5, -0.25, 3.5e38, 1e39]),
                    st.booleans(), st.none(), st.text(max_size=3), st.just([0.5, 0.5]))


def _outcome(t: dict[str, Any], schema: InputSchema, plain: bool) -> Any:
    try:
        x = oip._tensor(t, schema, "in", plain=plain)
    except ValidationFailure as exc:
        return ("refused", exc.field, exc.message)
    return ("ok", x.dtype.str, x.shape, x.tobytes())


@settings(max_examples=200, deadline=None)
@given(schema=st.sampled_from(_SCHEMAS), n=st.integers(1, 3), nested=st.booleans(),
       datatype=st.sampled_from(["FP32", "FP64", "INT32"]), data=st.data())
def test_plain_float_fast_path_equals_the_exact_path(schema: InputSchema, n: int, nested: bool, datatype: str,
                                                      data: Any) -> None:
    size = n * math.prod(schema.input_shape)
    count = data.draw(st.sampled_from([size, size - 1, size + 1]))
    values = data.draw(st.lists(st.one_of(st.floats(0.0, 1.0), _values), min_size=max(count, 0),
                                max_size=max(count, 0)))
    if nested and count == size and schema.input_shape == (4,):
        payload: list[Any] = [values[i:i + 4] for i in range(0, size, 4)]
    else:
        payload = values
    t = {"name": "in", "shape": [n, *schema.input_shape], "datatype": datatype, "data": payload}
    body = json.dumps({"inputs": [t]}).encode()
    plain = b"true" not in body and b"false" not in body
    assert _outcome(t, schema, plain) == _outcome(t, schema, False)


def test_plain_float_fast_path_on_known_answers() -> None:
    schema = _SCHEMAS[0]
    t = {"name": "in", "shape": [2, 4], "datatype": "FP32", "data": [0.0, 0.25, 0.5, 1.0, 1, 0, 0.125, 0.75]}
    assert oip._plain_floats(t["data"], t["shape"], schema) is not None
    x = oip._tensor(t, schema, "in", plain=True)
    assert x.dtype == np.float32 and x.tolist() == [[0.0, 0.25, 0.5, 1.0], [1.0, 0.0, 0.125, 0.75]]
    cases = (([0.0, 0.25, 0.5, 1.5] * 2, "inputs[0].data[3]"), ([0.0, None, 0.5, 1.0] * 2, "inputs[0].data[1]"),
             ([0.0, "0.5", 0.5, 1.0] * 2, "inputs[0].data[1]"))
    for bad, field in cases:
        assert oip._plain_floats(bad, [2, 4], schema) is None  # left to the exact path, which names the field
        with pytest.raises(ValidationFailure) as info:
            oip._tensor({**t, "data": bad}, schema, "in", plain=True)
        assert info.value.field == field
    # numpy reads True as 1.0: a body with a boolean literal never takes the fast path, and is refused
    with pytest.raises(ValidationFailure) as info:
        oip.parse_infer(json.dumps({"inputs": [{**t, "data": [0.0, True, 0.5, 1.0] * 2}]}).encode(), schema, "in",
                        False)
    assert info.value.field == "inputs[0].data[1]"


@pytest.mark.parametrize("row", [[0.5, float("nan"), 0.5], [0.5, float("inf"), -float("inf")], [1.5, -0.5, 0.0],
                                 [0.2, 0.2, 0.2], [float("inf"), 0.0, 0.0]])
def test_upstream_distribution_check_refuses_bad_rows(row: list[float]) -> None:
    up = Upstream(UpstreamConfig(url="http://127.0.0.1:1", protocol="oip"), model_name="m", labels=None)
    with pytest.raises(UpstreamError) as info:
        up._check(np.asarray([row]), 1)
    assert info.value.code == "upstream_bad_answer"
    ok = up._check(np.asarray([[0.25, 0.5, 0.25]]), 1)
    assert ok.tolist() == [[0.25, 0.5, 0.25]]


def test_a_range_wider_than_float32_still_refuses_values_float32_cannot_hold() -> None:
    """Found by the equivalence test above: with ``input_range`` wider than float32's, an FP64 tensor's 1e39 used
    to pass the range check and reach the model as infinity (numpy's cast overflow)."""
    schema = _SCHEMAS[2]
    t = {"name": "in", "shape": [1, 4], "datatype": "FP64", "data": [0.0, 1e39, 0.5, 1.0]}
    with pytest.raises(ValidationFailure) as info:
        oip._tensor(t, schema, "in", plain=True)
    assert (info.value.field, info.value.message) == ("inputs[0].data[1]", "out of float32 range")
    with pytest.raises(ValidationFailure) as info:
        schema.parse(b'{"inputs": [[0.0, 0.5, -1e39, 1.0]]}')
    assert (info.value.field, info.value.message) == ("inputs[0][2]", "out of float32 range")
    assert schema.parse(b'{"inputs": [[0.0, 0.5, -3e38, 1.0]]}').tolist() == [[0.0, 0.5, np.float32(-3e38), 1.0]]


# --- audit events: orjson writes the same canonical bytes as json ------------------------------------------------

def test_event_json_equals_canonical_json_for_every_code_point() -> None:
    from mlsecure.audit.events import _event_json
    from mlsecure.strict_json import canonical_json

    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 8192):
        text = "".join(points[start:start + 8192])
        doc = {"details": {text: text, "k": text[::-1]}, "latency_ms": None, text[:40]: text}
        assert _event_json(doc, True) == canonical_json(doc)


_texts = st.text(max_size=12)
_detail_values = st.one_of(_texts, st.integers(-(2**70), 2**70), st.booleans(), st.none(),
                           st.floats(allow_nan=False, allow_infinity=False),
                           st.sampled_from([1e-5, 1e-4, 0.0001234, 1e16, 1e15, -0.0, 5e-324, 1.7976931348623157e308]))


@settings(max_examples=150, deadline=None)
@given(details=st.dictionaries(_texts, _detail_values, max_size=6), actor=_texts.filter(bool),
       latency=st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
       summary=st.one_of(st.none(), _texts))
def test_audit_event_bytes_are_unchanged(details: dict[str, Any], actor: str, latency: float | None,
                                         summary: str | None) -> None:
    """The record the chain commits to is byte-for-byte ``canonical_json(event.to_dict())``, as before."""
    from datetime import UTC, datetime

    from mlsecure.audit import AuditEvent
    from mlsecure.errors import InputError
    from mlsecure.strict_json import canonical_json

    fields = {"event_type": "prediction", "actor": actor, "action": "predict", "resource": "digits:1",
              "details": details, "latency_ms": latency, "output_summary": summary,
              "timestamp": datetime(2026, 12, 6, 21, 30, 11, 123456, tzinfo=UTC), "event_id": "e" * 32}
    try:
        event = AuditEvent(**fields)
    except InputError:  # a lone surrogate: refused, as before
        with pytest.raises(UnicodeEncodeError):
            canonical_json({"a": actor, "d": details, "s": summary}).decode()
        return
    assert event.canonical_json() == canonical_json(event.to_dict())
    assert AuditEvent.from_json(event.canonical_json()).canonical_json() == event.canonical_json()


# --- the built-in server's direct route keeps the audit guarantee ------------------------------------------------

def test_direct_route_answers_only_after_the_record_is_committed(tmp_path: Any, digits_onnx: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``GatewayApp.direct`` (what the built-in server calls for ``/v2`` and ``/v1/predict``): a 200 whose record is
    in the log with the answer's request id and input hash when the answer is handed back, signed; and a 503
    without prediction or signature once the audit store cannot be written (fail closed)."""
    import asyncio
    import hashlib

    from mlsecure.artifacts.load import load_model
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.app import create_app
    from mlsecure.serving.signing import verify_response
    from mlsecure.serving.tokens import open_token_store

    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "cd" * 32)
    cfg = parse_config({"model": {"name": "digits", "version": "1", "input_range": [0.0, 1.0]},
                        "auth": {"token_store": str(tmp_path / "tokens.db")},
                        "signing": {"key_file": str(tmp_path / "signing.pem")},
                        "audit": {"store": str(tmp_path / "audit.db"), "writer": "thread"}}, base=tmp_path)
    tokens = open_token_store(tmp_path / "tokens.db")
    token = tokens.create(name="ds", role="data_scientist").token
    gw = build_gateway(cfg, model=load_model(digits_onnx), token_store=tokens, seed=0)
    app = create_app(gw)
    body = json.dumps({"inputs": [{"name": "input-0", "shape": [1, 64], "datatype": "FP32",
                                   "data": [0.25] * 64}]}).encode()
    headers = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")]
    try:
        reply = asyncio.run(app.direct("POST", "/v2/models/digits/infer", headers, body, ("127.0.0.1", 5)))
        assert reply is not None
        status, out, content = reply
        head = dict(out)
        assert status == 200 and head[b"content-length"] == str(len(content)).encode()
        records = {r.event.event_id: r.event for r in gw.store.query()}
        event = records[head[b"x-request-id"].decode()]
        assert (event.event_type, event.outcome, event.input_hash) == ("prediction", "allowed",
                                                                       hashlib.sha256(body).hexdigest())
        assert verify_response(content, head[b"x-signature"].decode(), gw.signer.public_key)  # type: ignore[union-attr]

        def broken(items: list[Any]) -> list[Any]:
            raise OSError("disk gone")

        monkeypatch.setattr(gw.sink.store, "append_many", broken)
        before = len(records)
        status, out, content = asyncio.run(app.direct("POST", "/v2/models/digits/infer", headers, body,
                                                      ("127.0.0.1", 5)))  # type: ignore[misc]
        assert status == 503 and json.loads(content)["code"] == "audit_unavailable"
        assert b"x-signature" not in dict(out) and b"outputs" not in content
        assert len(list(gw.store.query())) == before
        assert asyncio.run(app.direct("GET", "/healthz", [], b"", None)) is None  # left to the ASGI app
    finally:
        gw.close()
