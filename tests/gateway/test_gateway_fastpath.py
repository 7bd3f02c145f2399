"""The gateway's fast request path: the plain-ASGI ``/v1/predict`` answers what the FastAPI route did (and
audits every request once), and each shortcut taken for speed gives the answer of the slow way it replaces:
the limiter against ``limits``' own strategies, the audit event's flat-details copy against the JSON round
trip, the timestamp text against ``strftime``, the hardening without ``_move_to_front`` against with it."""

from __future__ import annotations

import asyncio
import enum
import json
import math
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.audit import AuditEvent
from mlsecure.audit.events import format_timestamp
from mlsecure.errors import InputError
from mlsecure.serving.config import OutputConfig, RateLimitConfig
from mlsecure.serving.hardening import OutputPolicy, _move_to_front
from mlsecure.serving.ratelimit import RateLimiter
from mlsecure.serving.signing import verify_response

# --- limiter: same decisions as limits' strategies -------------------------------------------------------


def test_limiter_decides_as_the_limits_strategies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same sequence of hits on the stock ``limits`` strategies and on ``RateLimiter`` (which calls the
    storage directly with cached keys) gives the same allow/refuse answers, at a frozen clock."""
    import limits
    from limits import strategies
    from limits.storage import MemoryStorage

    now = [1_000_000.25]
    monkeypatch.setattr(time, "time", lambda: now[0])
    ref_storage = MemoryStorage()
    sliding = strategies.SlidingWindowCounterRateLimiter(ref_storage)
    fixed = strategies.FixedWindowRateLimiter(ref_storage)
    per_minute, per_hour = limits.RateLimitItemPerMinute(5), limits.RateLimitItemPerHour(8)
    per_day = limits.RateLimitItemPerDay(12)
    lim = RateLimiter(RateLimitConfig(per_minute=5, per_hour=8, per_day=12, lifetime=0))

    def reference_rate(client: str) -> bool:
        for name, item in (("per_minute", per_minute), ("per_hour", per_hour)):
            if not sliding.hit(item, name, client):
                return False
        return True

    def reference_budget(client: str, rows: int) -> bool:
        if rows > per_day.amount or not fixed.test(per_day, "per_day", client, cost=rows):
            return False
        fixed.hit(per_day, "per_day", client, cost=rows)
        return True

    async def scenario() -> None:
        rng = np.random.default_rng(0)
        for step in range(60):
            client = "ab"[int(rng.integers(2))]
            now[0] += float(rng.choice([0.0, 7.5, 31.0]))  # crosses minute windows: the weighting matters
            assert (await lim.acquire_rate(client)).allowed == reference_rate(client), step
            rows = int(rng.integers(1, 5))
            assert (await lim.acquire_budget(client, rows)).allowed == reference_budget(client, rows), step

    asyncio.run(scenario())


def test_auth_lockout_without_lookup_only_for_clean_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    """An address with failures is looked up (and refused once over the allowance); it is forgotten only
    after both sliding windows its failures counted in have passed, when ``limits`` also says allowed."""
    wall, mono = [2_000_000.0], [100.0]
    monkeypatch.setattr(time, "time", lambda: wall[0])
    monkeypatch.setattr(time, "monotonic", lambda: mono[0])
    lim = RateLimiter(RateLimitConfig(auth_failures_per_minute=2))

    async def scenario() -> None:
        assert (await lim.auth_blocked("10.0.0.1")).allowed
        assert [(await lim.auth_failure("10.0.0.1")).allowed for _ in range(3)] == [True, True, False]
        blocked = await lim.auth_blocked("10.0.0.1")
        assert not blocked.allowed and blocked.limit == "auth_failures" and 1 <= (blocked.retry_after_s or 0) <= 60
        assert (await lim.auth_blocked("10.0.0.2")).allowed
        wall[0] += 30.0  # same minute: the 2 failures counted (the refused third is not) still block
        mono[0] += 30.0
        assert not (await lim.auth_blocked("10.0.0.1")).allowed
        wall[0] += 120.0
        mono[0] += 120.0
        assert await lim._slide_test(lim._auth_fail, "authfail", "10.0.0.1")  # limits agrees: free again
        assert (await lim.auth_blocked("10.0.0.1")).allowed
        assert "10.0.0.1" not in lim._failed_at

    asyncio.run(scenario())


# --- audit event: the flat-details shortcut and the timestamp text ---------------------------------------


class _Colour(enum.Enum):
    RED = "red"


class _Level(enum.IntEnum):
    HIGH = 3


def _reference_canonical(event: AuditEvent, details: dict[str, Any]) -> bytes:
    """The event's canonical JSON computed the pre-shortcut way: details through a JSON round trip."""
    data = event.to_dict()
    data["details"] = json.loads(json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                            allow_nan=False))
    data["timestamp"] = event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.text(max_size=20),
                       st.floats(allow_nan=False, allow_infinity=False))


@settings(max_examples=150, deadline=None)
@given(details=st.dictionaries(st.text(max_size=10), st.one_of(
    _json_leaf, st.lists(_json_leaf, max_size=3), st.dictionaries(st.text(max_size=5), _json_leaf, max_size=3)),
    max_size=6))
def test_event_canonical_json_is_unchanged_by_the_flat_shortcut(details: dict[str, Any]) -> None:
    try:
        event = AuditEvent(event_type="prediction", actor="a", action="predict", resource="m:1", details=details,
                           latency_ms=1.5)
    except InputError:  # lone surrogates: refused either way
        return
    assert event.canonical_json() == _reference_canonical(event, details)
    assert AuditEvent.from_json(event.canonical_json()).canonical_json() == event.canonical_json()


def test_event_details_that_are_not_plain_json_still_take_the_round_trip() -> None:
    event = AuditEvent(event_type="x", actor="a", action="b", resource="r",
                       details={"colour": "red", "level": _Level.HIGH, "pair": (1, 2)})
    assert type(event.details["level"]) is int and event.details["pair"] == [1, 2]
    assert event.canonical_json().count(b'"details":{"colour":"red","level":3,"pair":[1,2]}') == 1
    mutable = {"k": 1}
    copied = AuditEvent(event_type="x", actor="a", action="b", resource="r", details=mutable)
    mutable["k"] = 2  # the event keeps its own copy
    assert copied.details == {"k": 1} and b'"k":1' in copied.canonical_json()
    for bad in ({"x": math.nan}, {"x": math.inf}, {"x": _Colour.RED}, {"x": object()}):
        with pytest.raises(InputError, match="JSON values"):
            AuditEvent(event_type="x", actor="a", action="b", resource="r", details=bad)


@settings(max_examples=200, deadline=None)
@given(when=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30),
                         timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                                                    timezone(timedelta(hours=-8))])))
def test_timestamp_text_matches_strftime(when: datetime) -> None:
    assert format_timestamp(when) == when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- hardening without noise: no reordering needed ---------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.25, 0.4, 0.5]), min_size=4, max_size=4),
                     min_size=1, max_size=5))
def test_stable_sort_already_puts_argmax_first(rows: list[list[float]]) -> None:
    """With ties, ``argsort(-p, stable)`` starts each row with ``argmax``'s first maximal index, so skipping
    ``_move_to_front`` without noise changes nothing; and passing ``top1`` gives the same answer."""
    p = np.asarray(rows, dtype=np.float32)
    order = np.argsort(-p, axis=1, kind="stable")
    assert np.array_equal(_move_to_front(order, p.argmax(axis=1)), order)
    policy = OutputPolicy(OutputConfig(top_k=2, decimals=2))
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c", "d"]
    assert policy.apply(p, labels, rng) == policy.apply(p, labels, rng, top1=p.argmax(axis=1))
    expected = [{"label": labels[int(o[0])], "top": [{"label": labels[int(j)], "probability": float(np.round(r[j], 2))}
                                                      for j in o[:2]]} for o, r in zip(order, p, strict=True)]
    assert policy.apply(p, labels, rng) == expected


# --- the ASGI app in-process ---------------------------------------------------------------------------------


@pytest.fixture(params=["process", "thread"])
def gateway_app(tmp_path: Path, digits_onnx: Path, monkeypatch: pytest.MonkeyPatch,
                request: pytest.FixtureRequest) -> Any:
    from mlsecure.artifacts.load import load_model
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.app import create_app
    from mlsecure.serving.tokens import open_token_store

    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "ab" * 32)
    cfg = parse_config({
        "model": {"name": "digits", "version": "7", "input_range": [0.0, 1.0], "max_batch": 8},
        "auth": {"token_store": str(tmp_path / "tokens.db")},
        "rate_limit": {"per_minute": 1000, "per_hour": 0, "per_day": 10_000, "auth_failures_per_minute": 3},
        "output": {"top_k": 3, "decimals": 3},
        "signing": {"key_file": str(tmp_path / "signing.pem")},
        "audit": {"store": str(tmp_path / "audit.db"), "writer": request.param},
    }, base=tmp_path)
    tokens = open_token_store(tmp_path / "tokens.db")
    scientist = tokens.create(name="ds", role="data_scientist").token
    viewer = tokens.create(name="v", role="viewer").token
    gw = build_gateway(cfg, model=load_model(digits_onnx), token_store=tokens, seed=0)
    yield create_app(gw), gw, scientist, viewer
    gw.close()


def _client(app: Any, peer: str = "10.1.2.3") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 4444)), base_url="http://gw")


def test_fast_predict_path_answers_signs_and_audits_each_request(gateway_app: Any,
                                                                 natural_queries: np.ndarray) -> None:
    app, gw, scientist, viewer = gateway_app
    body = json.dumps({"inputs": natural_queries[:2].tolist()}).encode()
    auth = {"Authorization": f"Bearer {scientist}", "Content-Type": "application/json"}

    async def scenario() -> list[httpx.Response]:
        async with _client(app) as c:
            return [
                await c.post("/v1/predict", content=body, headers=auth),
                await c.post("/v1/predict", content=body, headers={"Content-Type": "application/json"}),
                await c.post("/v1/predict", content=body,
                             headers={"Authorization": f"Bearer {viewer}", "Content-Type": "application/json"}),
                await c.post("/v1/predict", content=b'{"inputs": [[0.5]]}', headers=auth),
                await c.post("/v1/predict", content=body, headers={**auth, "Content-Type": "text/plain"}),
                await c.post("/v1/predict", content=b'{"inputs": [], "x": 1}', headers=auth),
                await c.get("/v1/predict", headers=auth),  # not the fast path: 405, audited
                await c.get("/v1/models", headers=auth),
                await c.get("/v1/nothing-here"),  # 404, audited
            ]

    ok, anonymous, viewer_r, short, text, extra, get, models, missing = asyncio.run(scenario())
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/json"
    doc = ok.json()
    assert doc["model"] == {"name": "digits", "version": "7"} and len(doc["predictions"]) == 2
    assert verify_response(ok.content, ok.headers["X-Signature"], gw.signer.public_key)
    assert ok.headers["X-Signature-Key"] == gw.signer.key_id and ok.headers["X-Request-Id"] == doc["request_id"]
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
    assert viewer_r.status_code == 403 and viewer_r.json()["error"] == "forbidden"
    assert short.status_code == 422 and short.json()["field"] == "inputs[0]"
    assert text.status_code == 415 and extra.status_code == 422 and extra.json()["field"] == "x"
    assert get.status_code == 405 and get.headers["allow"] == "POST" and models.status_code == 200
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    records = list(gw.store.query())
    unrouted = sorted((r.event.details["status"], r.event.details["method"], r.event.details["path"])
                      for r in records if r.event.details.get("endpoint") == "unrouted")
    assert unrouted == [(404, "GET", "/v1/nothing-here"), (405, "GET", "/v1/predict")]  # docs: every /v1 request
    assert {get.json()["request_id"], missing.json()["request_id"]} <= {r.event.event_id for r in records}
    v1 = [r for r in records if r.event.details.get("endpoint") in ("predict", "models")]
    assert len(v1) == 7
    ids = [r.event.event_id for r in v1]
    assert len(set(ids)) == 7 and doc["request_id"] in ids
    by_status = sorted(r.event.details["status"] for r in v1)
    assert by_status == [200, 200, 401, 403, 415, 422, 422]
    first = next(r.event for r in v1 if r.event.event_id == doc["request_id"])
    assert first.ip_address == "10.1.2.3" and first.input_hash == doc["input_sha256"]
    assert first.output_summary == ",".join(str(p["label"]) for p in doc["predictions"])
    assert gw.store.verify().ok


def test_fast_path_lockout_and_disconnect_are_audited(gateway_app: Any) -> None:
    app, gw, scientist, _ = gateway_app

    async def scenario() -> list[int]:
        statuses = []
        async with _client(app, peer="10.9.9.9") as c:
            for _ in range(5):
                r = await c.post("/v1/predict", content=b"{}", headers={"Authorization": "Bearer mlsgw_nope"})
                statuses.append(r.status_code)
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/v1/predict", "client": ("10.0.0.5", 1),
                 "headers": [(b"authorization", f"Bearer {scientist}".encode()),
                             (b"content-type", b"application/json")]}
        await app(scope, receive, send)
        statuses.append(sent[0]["status"])
        return statuses

    statuses = asyncio.run(scenario())
    assert statuses == [401, 401, 401, 429, 429, 400]
    events = [r.event for r in gw.store.query()]
    assert [e.event_type for e in events].count("auth_failure") == 5
    assert any(e.details.get("status") == 400 and e.actor != "anonymous" for e in events)


def test_store_failure_fails_closed_then_recovers(gateway_app: Any, natural_queries: np.ndarray,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A store error refuses the requests waiting on it (503, no prediction), and the sink goes on with
    the next batch once the store works again."""
    from mlsecure.serving.audit_writer import ProcessAuditWriter

    app, gw, scientist, _ = gateway_app
    body = json.dumps({"inputs": natural_queries[:1].tolist()}).encode()
    headers = {"Authorization": f"Bearer {scientist}", "Content-Type": "application/json"}
    writer = gw.writer
    if isinstance(writer, ProcessAuditWriter):
        # a writer process that died between batches is restarted before the next one: nobody is refused
        writer._proc.kill()
        writer._proc.wait()

        async def between() -> int:
            async with _client(app) as c:
                return (await c.post("/v1/predict", content=body, headers=headers)).status_code

        assert asyncio.run(between()) == 200 and writer.restarts == 1
        assert gw.sink.direct_batches == 0  # a dead child is restarted on the sink's thread
        # the pipe breaks while a batch is at the writer (the event loop reads its answer itself): that batch
        # is refused, the next one served
        real_read = writer._read_reply
        calls = [0]

        def broken(fd: int) -> bytes:
            calls[0] += 1
            if calls[0] == 1:
                raise OSError("pipe broke")
            return real_read(fd)

        monkeypatch.setattr(writer, "_read_reply", broken)
    else:
        real = gw.store.append_many
        calls = [0]

        def flaky(events: Any) -> Any:
            calls[0] += 1
            if calls[0] == 1:
                raise OSError("disk full")
            return real(events)

        monkeypatch.setattr(gw.store, "append_many", flaky)

    async def scenario() -> list[httpx.Response]:
        async with _client(app) as c:
            first = await asyncio.gather(*(c.post("/v1/predict", content=body, headers=headers) for _ in range(3)))
            return [*first, await c.post("/v1/predict", content=body, headers=headers)]

    *refused, ok = asyncio.run(scenario())
    assert refused[0].status_code == 503 and refused[0].json()["error"] == "audit_unavailable"
    assert "predictions" not in refused[0].json()
    assert ok.status_code == 200
    assert sum(r.status_code == 503 for r in refused) >= 1 and all(r.status_code in (200, 503) for r in refused)
    committed = {r.event.event_id for r in gw.store.query()}
    assert ok.json()["request_id"] in committed
    assert all(r.json()["request_id"] in committed for r in refused if r.status_code == 200)
    if not isinstance(writer, ProcessAuditWriter):
        assert not any(r.json()["request_id"] in committed for r in refused if r.status_code == 503)
    # (the writer process may have committed a batch before its answer was lost: the gateway cannot know and
    # refuses those requests; a record without an answer is allowed, an answer without a record is not)
    if isinstance(writer, ProcessAuditWriter):
        assert writer.restarts == 2 and calls[0] == 1  # the broken read was the event loop's own
    assert gw.store.verify().ok


def test_sink_keeps_one_batch_at_the_writer_and_answers_in_order(tmp_path: Path) -> None:
    """200 concurrent records: each gets its own committed record (in order within the chain), at most
    one batch per loop is at the writer at any moment, and no batch exceeds ``max_batch``."""
    from mlsecure.audit import open_store
    from mlsecure.serving.audit_sink import AuditSink

    tmp_db = tmp_path / "sink.db"

    class SlowStore:
        def __init__(self) -> None:
            self.inner = open_store(tmp_db, hmac_key=b"k" * 32)
            self.sizes: list[int] = []
            self.active = 0
            self.most = 0

        def append_many(self, events: list[AuditEvent]) -> Any:
            self.active += 1
            self.most = max(self.most, self.active)
            self.sizes.append(len(events))
            time.sleep(0.002)  # a commit takes a while: records pile up meanwhile
            try:
                return self.inner.append_many(events)
            finally:
                self.active -= 1

    store = SlowStore()
    sink = AuditSink(store, max_batch=16)  # type: ignore[arg-type]

    async def one(i: int) -> tuple[str, int]:
        await asyncio.sleep(0.0005 * (i % 7))
        event = AuditEvent(event_type="t", actor="a", action="x", resource="r", event_id=f"{i:032x}")
        rec = await sink.record(event)
        return rec.event.event_id, rec.seq

    async def scenario() -> list[tuple[str, int]]:
        return await asyncio.gather(*(one(i) for i in range(200)))

    try:
        results = asyncio.run(scenario())
    finally:
        sink.close()
    assert sorted(eid for eid, _ in results) == [f"{i:032x}" for i in range(200)]
    assert sorted(seq for _, seq in results) == list(range(min(s for _, s in results),
                                                           min(s for _, s in results) + 200))
    assert store.most == 1 and max(store.sizes) <= 16 and sum(store.sizes) == 200
    assert len(store.sizes) < 100  # grouped: far fewer commits than records
    assert store.inner.verify().ok
    store.inner.close()
