"""The Redis limiter path: several gateway workers (here: several ``RateLimiter`` objects, as each uvicorn
worker has its own) share one count through a real ``redis-server`` started on 127.0.0.1 by the test."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlsecure.serving.config import RateLimitConfig
from mlsecure.serving.ratelimit import RateLimiter


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir: Path = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                c.sendall(b"PING\r\n")
                if c.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.skip("redis-server did not start on 127.0.0.1")
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def _workers(url: str, n: int, **limits: int) -> list[RateLimiter]:
    cfg = RateLimitConfig(storage=url, auth_failures_per_minute=2, **limits)
    return [RateLimiter(cfg) for _ in range(n)]


def test_workers_share_rates_budgets_and_lockouts(redis_url: str) -> None:
    async def scenario() -> None:
        a, b = _workers(redis_url, 2, per_minute=5, per_hour=0, per_day=7, lifetime=0)
        rates = [(await w.acquire_rate("tok-1")).allowed for w in (a, b, a, b, a, b, a)]
        assert rates == [True] * 5 + [False] * 2  # one count for both workers
        refused = await b.acquire_rate("tok-1")
        assert refused.limit == "per_minute" and 1 <= (refused.retry_after_s or 0) <= 60
        assert (await a.acquire_rate("tok-2")).allowed  # another client has its own count
        assert (await a.acquire_budget("tok-3", 4)).allowed
        d = await b.acquire_budget("tok-3", 4)
        assert not d.allowed and d.limit == "per_day" and 1 <= (d.retry_after_s or 0) <= 86_400
        assert (await b.acquire_budget("tok-3", 3)).allowed  # the refused charge was not taken
        assert [(await w.auth_failure("10.0.0.9")).allowed for w in (a, b, a)] == [True, True, False]
        assert not (await b.auth_blocked("10.0.0.9")).allowed  # the lockout is shared, too
        assert (await a.auth_blocked("10.0.0.10")).allowed
        for w in (a, b):
            await w.aclose()

    asyncio.run(scenario())


def test_leases_across_workers_never_exceed_the_limit(redis_url: str) -> None:
    """Two workers leasing from one Redis count (limit 4,000 per minute: leases of 4): together they
    serve at most the limit, and lose at most one lease each to it."""
    async def scenario() -> int:
        workers = _workers(redis_url, 2, per_minute=4_000, per_hour=0, per_day=0, lifetime=0)
        served = 0
        for i in range(4_100):
            served += (await workers[i % 2].acquire_rate("tok-lease")).allowed
        for w in workers:
            await w.aclose()
        return served

    served = asyncio.run(scenario())
    assert 4_000 - 2 * 4 < served <= 4_000
