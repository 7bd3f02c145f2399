"""Two gateway replicas sharing one client's query budget and extraction flag through one redis-server.

Both replicas are in-process ASGI apps (one thread audit writer each) with ``[rate_limit] storage`` and
``[extraction] storage`` on the same Redis; a client alternates between them, as behind a round-robin
balancer. Each replica keeps its own SQLite audit log here, each of which must verify.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from test_gateway_redis import redis_url  # type: ignore[import-not-found]  # noqa: F401  # the fixture

pytest.importorskip("redis")


def _replica(tmp_path: Path, name: str, url: str, digits_onnx: Path) -> Any:
    from mlsecure.artifacts.load import load_model
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.tokens import open_token_store

    cfg = parse_config({
        "model": {"name": "digits", "version": "1", "input_range": [0.0, 1.0], "max_batch": 64},
        "auth": {"token_store": str(tmp_path / "tokens.db")},
        "rate_limit": {"per_minute": 0, "per_hour": 0, "per_day": 400, "storage": url},
        "extraction": {"min_queries": 100, "check_every": 25, "action": "block", "storage": url},
        "signing": {"key_file": str(tmp_path / "signing.pem")},
        "audit": {"store": str(tmp_path / f"audit-{name}.db"), "writer": "thread"},
    }, base=tmp_path)
    return build_gateway(cfg, model=load_model(digits_onnx), token_store=open_token_store(tmp_path / "tokens.db"))


def test_replicas_share_budget_and_extraction_flag(tmp_path: Path, redis_url: str,  # noqa: F811  # fixture
                                                   digits_onnx: Path, natural_queries: np.ndarray,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from mlsecure.serving.app import create_app
    from mlsecure.serving.tokens import open_token_store

    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "ef" * 32)
    redis = pytest.importorskip("redis")
    redis.Redis.from_url(redis_url).flushdb()
    store = open_token_store(tmp_path / "tokens.db")
    attacker = store.create(name="attacker", role="data_scientist").token
    spender = store.create(name="spender", role="data_scientist").token
    store.close()
    gws = [_replica(tmp_path, n, redis_url, digits_onnx) for n in ("a", "b")]
    apps = [create_app(gw) for gw in gws]
    rng = np.random.default_rng(7)

    async def scenario() -> tuple[list[int], list[int]]:
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://gw") for a in apps]
        try:
            # budget: 400 rows a day, spent 50 natural digits at a time alternately on both replicas
            spent = []
            for i in range(9):
                rows = natural_queries[50 * i:50 * (i + 1)]
                r = await clients[i % 2].post("/v1/predict", json={"inputs": rows.tolist()},
                                              headers={"Authorization": f"Bearer {spender}"})
                spent.append(r.status_code)
            # extraction: uniform synthetic queries, 5 rows a request, alternating replicas
            seen = []
            for i in range(60):
                r = await clients[i % 2].post("/v1/predict", json={"inputs": rng.random((5, 64)).tolist()},
                                              headers={"Authorization": f"Bearer {attacker}"})
                seen.append(r.status_code)
            return spent, seen
        finally:
            for c in clients:
                await c.aclose()
            for gw in gws:  # what the app's lifespan does on shutdown (ASGITransport runs no lifespan)
                await gw.limiter.aclose()

    try:
        spent, seen = asyncio.run(scenario())
        assert spent == [200] * 8 + [429]  # the ninth 50 rows exceed 400 wherever they land
        assert 403 in seen, seen
        first = seen.index(403)
        # flagged once, blocked on both replicas from then on (each learns the flag at its next observation:
        # at most one more request passes on the other replica)
        # flagged on the combined stream: before either replica alone saw min_queries = 100 of its rows
        assert first * 5 >= 100 and (first + 1) // 2 * 5 < 100, (first, seen)
        assert all(s == 403 for s in seen[first + 2:]), seen
        assert seen[first + 1] in (200, 403)
        assert all(gw.store.verify().ok for gw in gws)
        events = [r.event for gw in gws for r in gw.store.query() if r.event.event_type == "extraction_suspected"]
        assert len(events) == 1  # written once, by the replica whose query tipped the client over
    finally:
        for gw in gws:
            gw.close()
