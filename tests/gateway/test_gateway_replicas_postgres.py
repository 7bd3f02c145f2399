"""Two gateway replicas writing ONE audit chain in PostgreSQL, with budgets and extraction flags in Redis.

Both replicas are in-process ASGI apps, one with an audit writer thread, the other with an audit writer
process (the default of ``mlsecure gateway serve``), each with its own PostgreSQL connection to the same
schema (the ``PostgresAuditStore`` serialises appenders with an advisory lock, so concurrent commits from the
replicas must still make one linear chain). A round-robin client spends one
client's budget and trips the extraction monitor across both replicas, then a burst of concurrent requests
lands on both at once; afterwards the whole chain verifies from a fresh connection, holds every request of
both replicas exactly once, and either replica's ``/v1/audit/verify`` agrees.

Runs when ``MLSECURE_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts one) and redis-server is installed.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import numpy as np
import pytest
from test_gateway_redis import redis_url  # type: ignore[import-not-found]  # noqa: F401  # the fixture

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'mlsecure[audit-pg]')")
pytest.importorskip("redis")
BASE_URL = os.environ.get("MLSECURE_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(not BASE_URL, reason="set MLSECURE_TEST_POSTGRES_URL to a PostgreSQL server")


@pytest.fixture
def pg_url() -> Iterator[str]:
    schema = f"mlsecure_gw_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(BASE_URL, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at MLSECURE_TEST_POSTGRES_URL is unreachable: {exc}")
    admin.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in BASE_URL else "?"
    try:
        yield f"{BASE_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def _replica(tmp_path: Path, redis: str, pg: str, digits_onnx: Path, writer: str) -> Any:
    from mlsecure.artifacts.load import load_model
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.tokens import open_token_store

    cfg = parse_config({
        "model": {"name": "digits", "version": "1", "input_range": [0.0, 1.0], "max_batch": 64},
        "auth": {"token_store": str(tmp_path / "tokens.db")},
        "rate_limit": {"per_minute": 0, "per_hour": 0, "per_day": 400, "storage": redis},
        "extraction": {"min_queries": 100, "check_every": 25, "action": "block", "storage": redis},
        "signing": {"key_file": str(tmp_path / "signing.pem")},
        "audit": {"store": pg, "writer": writer},
    }, base=tmp_path)
    return build_gateway(cfg, model=load_model(digits_onnx), token_store=open_token_store(tmp_path / "tokens.db"))


@pytest.mark.slow  # 3-9 s: a writer process starts; 111 requests, two writers committing to one chain
def test_replicas_share_one_postgres_audit_chain(tmp_path: Path, redis_url: str,  # noqa: F811  # fixture
                                                 pg_url: str, digits_onnx: Path, natural_queries: np.ndarray,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from mlsecure.audit import open_store
    from mlsecure.serving.app import create_app
    from mlsecure.serving.gateway import audit_hmac_key
    from mlsecure.serving.signing import verify_response
    from mlsecure.serving.tokens import open_token_store

    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "5a" * 32)  # one key for the one chain
    redis = pytest.importorskip("redis")
    redis.Redis.from_url(redis_url).flushdb()
    store = open_token_store(tmp_path / "tokens.db")
    spender = store.create(name="spender", role="data_scientist").token
    attacker = store.create(name="attacker", role="data_scientist").token
    busy = store.create(name="busy", role="data_scientist").token
    auditor = store.create(name="auditor", role="auditor").token
    store.close()
    # one replica writes from a thread, the other from its own writer process (`gateway serve`'s default)
    gws = [_replica(tmp_path, redis_url, pg_url, digits_onnx, writer) for writer in ("thread", "process")]
    apps = [create_app(gw) for gw in gws]
    rng = np.random.default_rng(11)

    async def scenario() -> dict[str, Any]:
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://gw") for a in apps]
        out: dict[str, Any] = {}
        try:
            async def ask(i: int, token: str, rows: np.ndarray) -> httpx.Response:
                return await clients[i % 2].post("/v1/predict", json={"inputs": rows.tolist()},
                                                 headers={"Authorization": f"Bearer {token}"})

            out["spent"] = [(await ask(i, spender, natural_queries[50 * i:50 * (i + 1)])).status_code
                            for i in range(9)]
            out["seen"] = [(await ask(i, attacker, rng.random((5, 64)))).status_code for i in range(60)]
            burst = await asyncio.gather(*(ask(i, busy, natural_queries[i:i + 1]) for i in range(40)))
            out["burst"] = [r.status_code for r in burst]
            out["burst_signed"] = [verify_response(r.content, r.headers["X-Signature"],
                                                   gws[i % 2].signer.public_pem().encode())
                                   for i, r in enumerate(burst)]
            out["burst_ids"] = [r.headers["x-request-id"] for r in burst]
            out["verify"] = [(await c.get("/v1/audit/verify", headers={"Authorization": f"Bearer {auditor}"}))
                             .json() for c in clients]
        finally:
            for c in clients:
                await c.aclose()
            for gw in gws:
                await gw.limiter.aclose()
        return out

    try:
        out = asyncio.run(scenario())
        assert out["spent"] == [200] * 8 + [429]  # 400 rows a day, wherever the requests land
        first = out["seen"].index(403)
        assert first * 5 >= 100 and (first + 1) // 2 * 5 < 100, out["seen"]  # flagged on the combined stream
        assert all(s == 403 for s in out["seen"][first + 2:]), out["seen"]
        assert out["burst"] == [200] * 40 and all(out["burst_signed"])
        assert [v["ok"] for v in out["verify"]] == [True, True]

        with open_store(pg_url, hmac_key=audit_hmac_key(gws[0].config)) as fresh:
            result = fresh.verify()
            records = list(fresh.query())
        assert result.ok, result.problems
        # 9 + 60 + 40 requests, one extraction_suspected event, two audit verifications
        assert len(records) == result.records_checked == 9 + 60 + 40 + 1 + 2
        assert [r.seq for r in records] == list(range(1, len(records) + 1))  # one linear chain, no fork
        ids = [r.event.details.get("request_id") for r in records if r.event.details.get("request_id")]
        assert len(ids) == len(set(ids)) == 9 + 60 + 40 + 2
        per_replica = [sum(1 for i in ids if i.startswith(gw._id_prefix)) for gw in gws]
        assert per_replica == [56, 55]  # round robin: even request numbers to the first replica
        assert sum(1 for r in records if r.event.event_type == "extraction_suspected") == 1
        # the burst's records, committed concurrently by both replicas' writers, are all in the one chain
        by_id = {r.event.details.get("request_id"): r for r in records}
        owners = [0 if i.startswith(gws[0]._id_prefix) else 1 for i in out["burst_ids"]]
        assert all(i in by_id for i in out["burst_ids"]) and owners == [i % 2 for i in range(40)]
    finally:
        for gw in gws:
            gw.close()
