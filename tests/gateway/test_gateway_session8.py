"""Session 8's cheaper audit path: each change gives what the way it replaces gives.

- ``AuditEvent.from_fields`` (the audit writer's constructor): the same event as ``AuditEvent(**fields)`` with the
  timestamp from POSIX seconds, or the same refusal, over valid and invalid values of every field;
- a new SQLite audit log has one secondary index (time): ``query`` returns exactly the records a filter over all
  of them gives, and a log made with the old three indexes still appends, answers and verifies;
- a real gateway's records (a prediction, a 401, a 404) are all built by ``from_fields``' straight path.
"""

from __future__ import annotations

import math
import secrets
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.audit import AuditEvent, open_store
from mlsecure.errors import InputError

# --- AuditEvent.from_fields against the constructor ----------------------------------------------------------

_TEXT = st.one_of(st.text(max_size=6), st.sampled_from(["", "x" * 4096, "x" * 4097, "\ud800", "é€😀"]))
_ODD = st.sampled_from([None, 0, 1.5, b"bytes", True, ["a"]])
_NAME = st.one_of(_TEXT, _ODD)
_OPTIONAL = st.one_of(st.none(), _TEXT, _ODD)
_DETAIL = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.text(max_size=5),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e-5, 1e16, -0.0, 2.5e-4]),
                    st.lists(st.integers(), max_size=2),
                    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))
_DETAILS = st.one_of(st.dictionaries(st.text(max_size=4), _DETAIL, max_size=4),
                     st.dictionaries(st.integers(0, 3), st.integers(), min_size=1, max_size=2),
                     st.sampled_from([None, [("a", 1)], "text"]))
_HASH = st.one_of(st.none(), st.sampled_from(["a" * 64, "0123456789abcdef" * 4, "A" * 64, "a" * 63, "g" * 64, 7]))
_LATENCY = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5), st.booleans(),
                     st.sampled_from(["1.0", 1e-7]))
_TIME = st.one_of(st.floats(min_value=0, max_value=4e9), st.integers(0, 2**31),
                  st.sampled_from([math.nan, math.inf, 1e20, -1e20, 1765000000.0000005, "2026"]))


def _outcome(make: Any) -> tuple[str, Any]:
    try:
        event = make()
    except InputError as exc:
        return "refused", str(exc)
    except (TypeError, ValueError, OverflowError, OSError) as exc:  # what the audit writer reports as invalid
        return "error", type(exc).__name__
    return "event", (event, event.canonical_json(), event.indexed_values(), event.to_dict(), repr(event),
                     type(event.details), event.timestamp.tzinfo is UTC)


_WIDE = {"event_type": _NAME, "actor": _NAME, "action": _NAME, "resource": _NAME, "event_id": _NAME,
         "outcome": st.one_of(st.sampled_from(["allowed", "denied", "error"]), _NAME), "details": _DETAILS,
         "input_hash": _HASH, "model_name": _OPTIONAL, "model_version": _OPTIONAL, "latency_ms": _LATENCY,
         "ip_address": _OPTIONAL, "output_summary": _OPTIONAL, "timestamp": _TIME}
"""Any value, valid or not, for each field."""
_VALID = {"event_type": st.text(min_size=1, max_size=6), "actor": st.text(min_size=1, max_size=6),
          "action": st.text(min_size=1, max_size=6), "resource": st.text(min_size=1, max_size=6),
          "event_id": st.text(min_size=1, max_size=6), "outcome": st.sampled_from(["allowed", "denied", "error"]),
          "details": st.dictionaries(st.text(max_size=4), st.one_of(st.none(), st.booleans(), st.integers(),
                                                                   st.text(max_size=5), st.floats(-1e6, 1e6)),
                                     max_size=4),
          "input_hash": st.one_of(st.none(), st.text("0123456789abcdef", min_size=64, max_size=64)),
          "model_name": st.one_of(st.none(), st.text(max_size=6)), "model_version": st.one_of(st.none(), st.text()),
          "latency_ms": st.one_of(st.none(), st.floats(0, 1e5)), "ip_address": st.one_of(st.none(), st.text()),
          "output_summary": st.one_of(st.none(), st.text(max_size=6)),
          "timestamp": st.floats(min_value=0, max_value=4e9)}
"""Values the constructor accepts: most events are valid but for one or two fields."""


@settings(max_examples=300, deadline=None)
@given(data=st.data(), wrong=st.sets(st.sampled_from(sorted(_WIDE)), max_size=2),
       drop=st.sampled_from([None, None, None, None, "details", "latency_ms"]), extra=st.booleans())
def test_from_fields_gives_the_constructors_event_or_refusal(data: st.DataObject, wrong: set[str],
                                                             drop: str | None, extra: bool) -> None:
    fields = {name: data.draw((_WIDE if name in wrong else _VALID)[name], label=name) for name in sorted(_WIDE)}
    if drop is not None:
        del fields[drop]
    if extra:
        fields = {**fields, "unknown_field": 1}

    def general() -> AuditEvent:
        return AuditEvent(**{**fields, "timestamp": datetime.fromtimestamp(fields["timestamp"], UTC)})

    assert _outcome(lambda: AuditEvent.from_fields(fields)) == _outcome(general)


def _gateway_fields(**change: Any) -> dict[str, Any]:
    fields = {"event_id": "ab" * 16, "timestamp": 1765100000.123456, "event_type": "prediction",
              "actor": "token:k1", "action": "predict", "resource": "digits:1", "outcome": "allowed",
              "details": {"request_id": "ab" * 16, "endpoint": "v2_infer", "status": 200, "rows": 1},
              "input_hash": "c" * 64, "model_name": "digits", "model_version": "1", "latency_ms": 0.731,
              "ip_address": "127.0.0.1", "output_summary": "3"}
    return {**fields, **change}


def test_from_fields_takes_the_straight_path_for_the_gateways_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway's usual event is built without the constructor (else the shortcut would never run), and equals
    the constructor's, canonical bytes included."""
    fields = _gateway_fields()
    expected = AuditEvent(**{**fields, "timestamp": datetime.fromtimestamp(fields["timestamp"], UTC)})

    def no_constructor(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("took the constructor")

    monkeypatch.setattr(AuditEvent, "__init__", no_constructor)
    event = AuditEvent.from_fields(fields)
    monkeypatch.undo()
    assert event == expected
    assert event.canonical_json() == expected.canonical_json()
    assert event.canonical_json().startswith(b'{"action":"predict","actor":"token:k1","details":{"endpoint"')
    assert event.timestamp == datetime(2025, 12, 7, 9, 33, 20, 123456, tzinfo=UTC)
    assert event.indexed_values()[1] == "2025-12-07T09:33:20.123456Z"
    fields["details"]["rows"] = 2  # the event holds its own copy of the details
    assert event.details["rows"] == 1
    with pytest.raises(Exception, match="cannot assign"):
        event.actor = "someone else"  # type: ignore[misc]  # still frozen


@pytest.mark.parametrize(("change", "message"), [
    ({"actor": ""}, "AuditEvent.actor must be a non-empty string"),
    ({"input_hash": "C" * 64}, "input_hash must be a lowercase SHA-256"),
    ({"outcome": "maybe"}, "AuditEvent.outcome must be one of"),
    ({"latency_ms": math.nan}, "latency_ms must be a finite number"),
    ({"ip_address": "x" * 4097}, "AuditEvent.ip_address must be None or a string"),
    ({"details": {"reason": "\udcff"}}, "surrogates not allowed"),
    ({"details": {"value": math.inf}}, "AuditEvent.details must hold only JSON values"),
])
def test_from_fields_refuses_what_the_constructor_refuses(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        AuditEvent.from_fields(_gateway_fields(**change))


# --- the SQLite log with only the time index -------------------------------------------------------------

_OLD_INDEXES = ("CREATE INDEX audit_records_time ON audit_records (timestamp)",
                "CREATE INDEX audit_records_actor ON audit_records (actor)",
                "CREATE INDEX audit_records_type ON audit_records (event_type)")


def _indexes(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_records' "
                            "AND sql IS NOT NULL ORDER BY name").fetchall()
    return [name for (name,) in rows]


def _events(n: int) -> list[AuditEvent]:
    t0 = datetime(2026, 12, 7, tzinfo=UTC)
    return [AuditEvent(event_type=("prediction", "auth_failure", "access_denied")[i % 3], actor=f"token:{i % 4}",
                       action="predict", resource="digits:1", outcome=("allowed", "denied")[i % 2],
                       timestamp=t0 + timedelta(seconds=(i * 7) % 23), details={"i": i}) for i in range(n)]


@pytest.mark.parametrize("old_indexes", [False, True])
def test_queries_return_the_same_records_with_or_without_indexes(tmp_path: Path, old_indexes: bool) -> None:
    path = tmp_path / "audit.db"
    key = secrets.token_bytes(32)
    store = open_store(f"sqlite:///{path}", hmac_key=key)
    assert _indexes(path) == ["audit_records_time"]  # a new log: time windows indexed, actor and type scanned
    if old_indexes:  # a log created before session 8 keeps (and maintains) its three indexes
        for sql in _OLD_INDEXES[1:]:
            store._conn.execute(sql)  # type: ignore[attr-defined]
        assert _indexes(path) == ["audit_records_actor", "audit_records_time", "audit_records_type"]
    events = _events(60)
    store.append_many(events[:30])
    for event in events[30:]:
        store.append(event)
    store.close()
    reader = open_store(f"sqlite:///{path}", hmac_key=key, read_only=True)
    try:
        assert reader.verify().ok
        t0 = datetime(2026, 12, 7, tzinfo=UTC)
        cases: list[tuple[dict[str, Any], Callable[[AuditEvent], bool]]] = [
            ({"actor": "token:1"}, lambda e: e.actor == "token:1"),
            ({"event_type": "auth_failure"}, lambda e: e.event_type == "auth_failure"),
            ({"since": t0 + timedelta(seconds=5), "until": t0 + timedelta(seconds=9)},
             lambda e: timedelta(seconds=5) <= e.timestamp - t0 < timedelta(seconds=9)),
            ({"actor": "token:2", "outcome": "allowed", "limit": 3},
             lambda e: e.actor == "token:2" and e.outcome == "allowed"),
        ]
        for criteria, keep in cases:
            got = [(r.seq, r.event) for r in reader.query(**criteria)]
            want = [(seq, e) for seq, e in enumerate(events, start=1) if keep(e)][:criteria.get("limit", None)]
            assert got == want and got, criteria
    finally:
        reader.close()


# --- the gateway's own events take the straight path ------------------------------------------------------------


def test_the_gateways_audit_events_are_built_without_the_constructor(tmp_path: Path, digits_onnx: Path,
                                                                     natural_queries: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A prediction, a refused credential and an unrouted path through a real gateway: every record is built by
    ``from_fields``' straight path (else this session's saving silently vanishes), and the log verifies."""
    import asyncio

    import orjson

    from mlsecure.artifacts.load import load_model
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.app import create_app
    from mlsecure.serving.tokens import open_token_store

    cfg = parse_config({
        "model": {"name": "digits", "version": "1", "input_range": [0.0, 1.0], "max_batch": 8},
        "auth": {"token_store": str(tmp_path / "tokens.db")},
        "signing": {"key_file": str(tmp_path / "signing.pem")},
        "audit": {"store": str(tmp_path / "audit.db"), "writer": "thread"},
    }, base=tmp_path)
    tokens = open_token_store(tmp_path / "tokens.db")
    token = tokens.create(name="ds", role="data_scientist").token
    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "ab" * 32)
    gw = build_gateway(cfg, model=load_model(digits_onnx), token_store=tokens, seed=0)
    general: list[Any] = []
    original = AuditEvent._general.__func__  # type: ignore[attr-defined]

    def counted(cls: type[AuditEvent], fields: Any) -> AuditEvent:
        general.append(fields)
        return original(cls, fields)  # type: ignore[no-any-return]

    monkeypatch.setattr(AuditEvent, "_general", classmethod(counted))
    app = create_app(gw)
    row = [float(v) for v in natural_queries[0].reshape(-1)[:64]]
    body = orjson.dumps({"inputs": [{"name": gw.config.model.input_name, "shape": [1, 64], "datatype": "FP32",
                                     "data": row}]})
    good = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")]
    bad = [(b"authorization", b"Bearer mlsgw_nope"), (b"content-type", b"application/json")]

    async def requests() -> list[int]:
        out = []
        for path, headers in (("/v2/models/digits/infer", good), ("/v2/models/digits/infer", bad),
                              ("/v1/nothing", good)):
            reply = await app.direct("POST", path, headers, body, ("10.0.0.9", 1))
            if reply is None:  # /v1 paths other than predict go through the ASGI app
                import httpx

                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.9", 1)),
                                             base_url="http://gw") as client:
                    out.append((await client.post(path, content=body)).status_code)
            else:
                out.append(reply[0])
        return out

    try:
        assert asyncio.run(requests()) == [200, 401, 404]
        records = list(gw.store.query())
        assert [r.event.event_type for r in records[-3:]] == ["prediction", "auth_failure", "access_denied"]
        assert general == []
        assert gw.store.verify().ok
    finally:
        gw.close()
