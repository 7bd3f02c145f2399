"""A request whose upstream call fails (502/504) does not consume the client's query budget, and the
reservation held during the call still stops concurrent requests from going past the budget.

The upstream is an asyncio server in the test's own event loop (mlflow protocol), told per request to
answer, fail with HTTP 500 or hang past the gateway's timeout; the budget is 10 rows a day, in memory and
in Redis (``[rate_limit] storage``, the replicas' shared count).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_gateway_redis import redis_url  # type: ignore[import-not-found]  # noqa: F401  # the fixture


class _Upstream:
    def __init__(self) -> None:
        self.mode = "ok"
        self.delay = 0.0
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                doc = json.loads(await reader.readexactly(length))
                self.calls += 1
                if self.mode == "hang":  # past the gateway's timeout, which closes the connection
                    await asyncio.sleep(5)
                    return
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    await asyncio.sleep(self.delay)
                    if self.mode == "500":
                        body, status = b'{"error":"boom"}', "500 Internal Server Error"
                    else:
                        body = json.dumps({"predictions": [[0.7, 0.2, 0.1]] * len(doc["inputs"])}).encode()
                        status = "200 OK"
                finally:
                    self.in_flight -= 1
                writer.write(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the gateway closed the connection, or the test's loop is shutting down
        finally:
            writer.close()


def _gateway(tmp_path: Path, url: str, storage: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, str]:
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.app import create_app
    from mlsecure.serving.tokens import open_token_store

    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "ab" * 32)
    cfg = parse_config({
        "model": {"name": "m", "input_shape": [4], "input_range": [0.0, 1.0], "max_batch": 8},
        "auth": {"token_store": str(tmp_path / "tokens.db")},
        "rate_limit": {"per_minute": 0, "per_hour": 0, "per_day": 10, "storage": storage},
        "extraction": {"enabled": False},
        "signing": {"key_file": str(tmp_path / "signing.pem")},
        "audit": {"store": str(tmp_path / "audit.db"), "writer": "thread"},
        "upstream": {"url": url, "protocol": "mlflow", "timeout_s": 0.5},
    }, base=tmp_path)
    tokens = open_token_store(tmp_path / "tokens.db")
    token = tokens.create(name="ds", role="data_scientist").token
    return create_app(build_gateway(cfg, token_store=tokens, seed=0)), None, token


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    url: str = request.getfixturevalue("redis_url")
    redis = pytest.importorskip("redis")
    redis.Redis.from_url(url).flushdb()
    return url


def test_failed_upstream_calls_refund_the_budget_without_a_race(tmp_path: Path, storage: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    up = _Upstream()
    rows = [[0.5, 0.5, 0.5, 0.5]] * 4  # 4 rows a request; the budget is 10 a day

    async def scenario() -> dict[str, Any]:
        server = await asyncio.start_server(up.serve, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        app, _, token = _gateway(tmp_path, url, storage, monkeypatch)
        gw = app._handlers.gw
        auth = {"Authorization": f"Bearer {token}"}
        out: dict[str, Any] = {"gw": gw}
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
                async def ask() -> int:
                    return (await c.post("/v1/predict", json={"inputs": rows}, headers=auth)).status_code

                up.mode = "500"  # five failures in a row: 20 rows asked, none answered, none charged
                out["failed"] = [await ask() for _ in range(5)]
                up.mode = "hang"  # a timeout is refunded too
                out["timeout"] = await ask()
                # three at once while the upstream is slow and then fails: the third is refused, since the
                # first two hold 8 of the 10 rows until their failure is known
                up.mode, up.delay = "500", 0.2
                out["concurrent_failing"] = sorted(await asyncio.gather(ask(), ask(), ask()))
                out["upstream_calls_then"] = up.calls
                # the same race with answers: two fit, the third never reaches the upstream
                up.mode = "ok"
                out["concurrent_ok"] = sorted(await asyncio.gather(ask(), ask(), ask()))
                out["max_in_flight"] = up.max_in_flight
                up.delay = 0.0
                out["after"] = await ask()  # 8 of 10 rows spent: 4 more do not fit
                out["one_more_row"] = (await c.post("/v1/predict", json={"inputs": rows[:2]},
                                                    headers=auth)).status_code  # 2 do
        finally:
            await gw.limiter.aclose()
            await gw.upstream.aclose()
            server.close()
        return out

    out = asyncio.run(scenario())
    gw = out["gw"]
    try:
        assert out["failed"] == [502] * 5 and out["timeout"] == 504
        assert out["concurrent_failing"] == [429, 502, 502]
        assert out["upstream_calls_then"] == 6 + 2
        assert out["concurrent_ok"] == [200, 200, 429] and out["max_in_flight"] == 2
        assert out["after"] == 429 and out["one_more_row"] == 200
        records = [r.event for r in gw.store.query() if r.event.details.get("endpoint") == "predict"]
        errors = [e for e in records if e.outcome == "error"]
        assert len(errors) == 8 and all(e.details["budget_refunded"] is True for e in errors)
        assert {e.details["status"] for e in errors} == {502, 504}
        assert sum(1 for e in records if e.outcome == "allowed") == 3
    finally:
        gw.close()
