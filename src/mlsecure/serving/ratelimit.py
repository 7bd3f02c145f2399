"""Per-token rate limits (per minute/hour) and cumulative query budgets (per day, lifetime).

A thin layer over the ``limits`` library: sliding-window counters for the rates, fixed windows for
the budgets (a "lifetime" budget is a 100-year window), in memory by default (``limits``'
synchronous memory storage: a few microseconds per check, no I/O) or in Redis (``redis://``, through
``limits.aio`` so the event loop never blocks on the network) so several workers share one count.
A refused request gets a ``RateDecision`` with
the limit that tripped and the seconds until it frees up (the ``Retry-After`` header); a lifetime
budget never frees up, so it has no retry time.

Leases: for a large limit (at least 2,000 per window) one storage call takes up to ``limit / 1000``
units at once (64 at most) and the process hands them out locally for up to a second, so a busy client
costs one storage call (one Redis round trip) per lease rather than per request. The units are counted
when leased, so a lease never lets a client past its limit; leased units not used within the second
are simply spent (a client may be refused up to 0.1 % early). Near the limit (no room for a lease)
every request is charged exactly. Small limits are never leased.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass
from typing import Any

from mlsecure.errors import require
from mlsecure.serving.config import RateLimitConfig


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: str = ""
    """Which limit refused: ``per_minute``, ``per_hour``, ``per_day``, ``lifetime``, ``throttle``, ``auth_failures``."""
    retry_after_s: int | None = None


ALLOWED = RateDecision(True)


class RateLimiter:
    """Rates (sliding window counter) and budgets (fixed window) per client, on ``limits``' storage.

    The strategy arithmetic is that of ``limits.strategies.SlidingWindowCounterRateLimiter`` and
    ``FixedWindowRateLimiter`` (``hit``/``test``), called on the storage directly with each client's keys
    computed once (``RateLimitItem.key_for`` is a third of the cost of a check otherwise). With the
    in-memory storage the calls are synchronous and an address with no failed authentication counted in
    the last two windows is not looked up at all (nothing else can have counted it).
    """

    def __init__(self, cfg: RateLimitConfig, *, throttle_per_minute: int = 10) -> None:
        limits: Any = require("limits", "gateway")
        from limits.storage import storage_from_string

        self.cfg = cfg
        self._pool: Any = None
        self._memory = cfg.storage.startswith("memory://")
        if self._memory:
            from limits import strategies
            self._storage = _swept_memory_storage()
        else:
            from limits.aio import strategies  # type: ignore[no-redef]
            url = cfg.storage if cfg.storage.startswith("async+") else "async+" + cfg.storage
            # redis-py (the ``gateway`` extra's client) rather than limits' default coredis, on a connection
            # pool of our own so that ``aclose`` can release it
            plain = cfg.storage.removeprefix("async+")
            if plain.startswith(("redis://", "rediss://")):
                redis: Any = require("redis", "gateway")
                self._pool = redis.asyncio.ConnectionPool.from_url(plain)
                self._storage = storage_from_string(url, implementation="redispy", connection_pool=self._pool)
            else:  # sentinel / cluster: limits builds the client
                self._storage = storage_from_string(url, implementation="redispy")
        self._sliding = strategies.SlidingWindowCounterRateLimiter(self._storage)
        self._fixed = strategies.FixedWindowRateLimiter(self._storage)
        rates: list[tuple[str, Any]] = []
        if cfg.per_minute:
            rates.append(("per_minute", limits.RateLimitItemPerMinute(cfg.per_minute)))
        if cfg.per_hour:
            rates.append(("per_hour", limits.RateLimitItemPerHour(cfg.per_hour)))
        self._rates = tuple((name, item, item.amount, item.get_expiry(), _lease_size(item.amount))
                            for name, item in rates)
        budgets: list[tuple[str, Any]] = []
        if cfg.per_day:
            budgets.append(("per_day", limits.RateLimitItemPerDay(cfg.per_day)))
        if cfg.lifetime:
            budgets.append(("lifetime", limits.RateLimitItemPerYear(cfg.lifetime, 100)))
        self._budgets = tuple((name, item, item.amount, item.get_expiry(), _lease_size(item.amount))
                              for name, item in budgets)
        self._leases: dict[tuple[str, str], list[float]] = {}  # (limit, client) -> [units left, valid until]
        self._throttle = limits.RateLimitItemPerMinute(max(throttle_per_minute, 1))
        self._auth_fail = (limits.RateLimitItemPerMinute(cfg.auth_failures_per_minute)
                           if cfg.auth_failures_per_minute else None)
        self._keys: dict[tuple[str, str], str] = {}
        self._failed_at: dict[str, float] = {}  # memory storage: address -> last failed authentication
        self._refund_script: Any = None  # Redis: registered on first use
        self._prefixed: Any = None

    def _key(self, item: Any, name: str, client: str) -> str:
        key = self._keys.get((name, client))
        if key is None:
            if len(self._keys) >= _KEY_CACHE:
                self._keys.clear()
            key = self._keys[(name, client)] = item.key_for(name, client)
        return key

    async def _slide_hit(self, item: Any, name: str, client: str) -> bool:
        key = self._key(item, name, client)
        if self._memory:
            return bool(self._storage.acquire_sliding_window_entry(key, item.amount, item.get_expiry(), 1))
        return bool(await self._storage.acquire_sliding_window_entry(key, item.amount, item.get_expiry(), 1))

    async def _slide_test(self, item: Any, name: str, client: str) -> bool:
        key, expiry = self._key(item, name, client), item.get_expiry()
        window = self._storage.get_sliding_window(key, expiry)
        prev, prev_ttl, cur, _ = window if self._memory else await window
        return bool(prev * prev_ttl / expiry + cur < item.amount)

    async def acquire_rate(self, client: str, *, throttled: bool = False) -> RateDecision:
        """Count one request for ``client`` against the per-minute/hour limits (and the throttle)."""
        if throttled and not await self._slide_hit(self._throttle, "throttle", client):
            return await self._refused("throttle", self._throttle, self._sliding, "throttle", client)
        storage = self._storage
        for name, item, amount, expiry, lease in self._rates:
            if lease and self._take_leased(name, client, 1):
                continue
            key = self._key(item, name, client)
            if lease:
                ok = storage.acquire_sliding_window_entry(key, amount, expiry, lease)
                if ok if self._memory else await ok:
                    self._grant(name, client, lease - 1)
                    continue
            ok = storage.acquire_sliding_window_entry(key, amount, expiry, 1)
            if not (ok if self._memory else await ok):
                return await self._refused(name, item, self._sliding, name, client)
        return ALLOWED

    async def acquire_budget(self, client: str, rows: int) -> RateDecision:
        """Charge ``rows`` queries (or one request, per ``count``) to the day and lifetime budgets.

        Each counter is incremented first and checked on the value the increment returned (one atomic
        step in Redis), then rolled back if over: concurrent requests, in one process or in several
        replicas, can never together pass a budget (a test-then-increment would let them all see the
        same free room). A refused request is charged nowhere."""
        weight = rows if self.cfg.count == "rows" else 1
        storage = self._storage
        charged: list[tuple[str, str, int, int]] = []  # (name, key, units charged, of which a new lease)
        for name, item, amount, expiry, lease in self._budgets:
            if weight > amount:
                await self._rollback(charged)
                return await self._refused(name, item, self._fixed, name, client)
            have = self._leased(name, client) if lease else 0
            if have >= weight:
                continue
            need = weight - int(have)  # what the lease left over covers is already counted
            extra = lease
            key = self._key(item, name, client)
            done = storage.incr(key, expiry, amount=need + extra)
            total = done if self._memory else await done
            if total > amount and extra and total - extra <= amount:  # no room for a lease: charge exactly
                await self._decr(key, extra)
                total, extra = total - extra, 0
            if total > amount:
                await self._decr(key, need + extra)
                await self._rollback(charged)
                return await self._refused(name, item, self._fixed, name, client)
            charged.append((name, key, need + extra, extra))
        names = {name for name, *_ in charged}
        for name, *_ in self._budgets:
            if name not in names:
                self._take_leased(name, client, weight)
        for name, _, _, extra in charged:
            self._grant(name, client, extra)
        return ALLOWED

    async def _rollback(self, charged: list[tuple[str, str, int, int]]) -> None:
        for _, key, units, _ in charged:
            await self._decr(key, units)

    async def _decr(self, key: str, units: int) -> None:
        """Take ``units`` off a budget counter (never below zero; an expired counter stays gone)."""
        if self._memory:
            if self._storage.get(key):  # get() drops an expired counter first
                self._storage.decr(key, units)
            return
        if self._refund_script is None:
            bridge = self._storage.bridge
            self._refund_script = bridge.get_connection().register_script(_REFUND_LUA)
            self._prefixed = bridge.prefixed_key
        await self._refund_script(keys=[self._prefixed(key)], args=[units])

    async def refund_budget(self, client: str, rows: int) -> None:
        """Give back what ``acquire_budget(client, rows)`` charged, for a request that got no answer (the
        upstream failed). The charge stays in place for the whole call, so concurrent requests never see
        the units free before the failure is known: a client can never get more answers than its budget.
        A counter is never taken below zero, nor recreated once its window has expired; a refund landing
        just after a window rolled over (a call straddling the day's end) is taken from the new window."""
        weight = rows if self.cfg.count == "rows" else 1
        for name, item, *_ in self._budgets:
            await self._decr(self._key(item, name, client), weight)

    async def aclose(self) -> None:
        """Release the Redis connections (on the event loop that used them); nothing to do in memory."""
        if self._pool is not None:
            await self._pool.disconnect()

    def _leased(self, name: str, client: str) -> float:
        lease = self._leases.get((name, client))
        if lease is None or lease[1] < time.monotonic():
            return 0
        return lease[0]

    def _take_leased(self, name: str, client: str, units: int) -> bool:
        lease = self._leases.get((name, client))
        if lease is None or lease[0] < units or lease[1] < time.monotonic():
            return False
        lease[0] -= units
        return True

    def _grant(self, name: str, client: str, units: int) -> None:
        if len(self._leases) >= _KEY_CACHE:
            self._leases.clear()
        self._leases[(name, client)] = [units, time.monotonic() + _LEASE_SECONDS]

    async def auth_failure(self, address: str) -> RateDecision:
        """Count a failed authentication from ``address``; refuse once over the per-minute allowance."""
        if self._auth_fail is None:
            return ALLOWED
        if self._memory:
            if len(self._failed_at) >= _KEY_CACHE:
                self._sweep_failed()
            self._failed_at[address] = time.monotonic()
        if await self._slide_hit(self._auth_fail, "authfail", address):
            return ALLOWED
        return await self._refused("auth_failures", self._auth_fail, self._sliding, "authfail", address)

    async def auth_blocked(self, address: str) -> RateDecision:
        """Whether ``address`` already used up its failed-authentication allowance (no count taken)."""
        if self._auth_fail is None:
            return ALLOWED
        if self._memory:
            last = self._failed_at.get(address)
            if last is None:  # no failure counted for it in this process's storage: nothing to look up
                return ALLOWED
            if time.monotonic() - last > _FAILURE_MEMORY_S:  # both sliding windows it counted in are over
                del self._failed_at[address]
                return ALLOWED
        if await self._slide_test(self._auth_fail, "authfail", address):
            return ALLOWED
        return await self._refused("auth_failures", self._auth_fail, self._sliding, "authfail", address)

    def _sweep_failed(self) -> None:
        now = time.monotonic()
        self._failed_at = {a: t for a, t in self._failed_at.items() if now - t <= _FAILURE_MEMORY_S}

    async def _refused(self, name: str, item: Any, strategy: Any, *key: str) -> RateDecision:
        if name == "lifetime":
            return RateDecision(False, name, None)
        stats = await _call(strategy.get_window_stats, item, *key)
        return RateDecision(False, name, max(1, math.ceil(stats.reset_time - time.time())))


_KEY_CACHE = 100_000
_LEASE_FRACTION = 1000
_LEASE_MAX = 64
_LEASE_SECONDS = 1.0


def _lease_size(amount: int) -> int:
    """Units one storage call takes for a limit of ``amount`` per window (0: charge each request)."""
    size = min(_LEASE_MAX, amount // _LEASE_FRACTION)
    return size if size >= 2 else 0

_REFUND_LUA = """
local v = redis.call('get', KEYS[1])
if not v then return 0 end
local n = tonumber(v) - tonumber(ARGV[1])
if n < 0 then n = 0 end
redis.call('set', KEYS[1], n, 'KEEPTTL')
return n
"""
"""Decrement a budget counter in one step: never below zero, never recreating an expired key (its TTL kept)."""

_FAILURE_MEMORY_S = 125.0
"""A per-minute sliding window counter weighs the previous minute's count: after two minutes (plus margin)
without a failure, an address's failure count is zero."""


def _swept_memory_storage() -> Any:
    """``limits``' in-memory storage with its expiry sweep run inline at most once a second.

    Stock ``MemoryStorage`` starts a new ``threading.Timer`` thread every 10 ms while counters change
    (a thread start per burst, and a second thread contending for the GIL with the event loop); reads
    ignore expired counters anyway, so sweeping now and then inline only bounds memory.
    """
    from limits.storage import MemoryStorage

    if not hasattr(MemoryStorage, "_MemoryStorage__schedule_expiry"):  # a future limits: use it as is
        return MemoryStorage()

    class SweptMemoryStorage(MemoryStorage):
        _last_sweep = 0.0

        def _MemoryStorage__schedule_expiry(self) -> None:
            now = time.monotonic()
            if now - self._last_sweep >= 1.0:
                self._last_sweep = now
                getattr(self, "_MemoryStorage__expire_events")()  # noqa: B009  # name-mangled private

    return SweptMemoryStorage()


async def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a ``limits`` strategy method, sync (memory) or async (Redis)."""
    result = fn(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result
