"""The extraction monitor shared by several gateway replicas through one Redis stream per served model.

Each replica's audit writer appends every committed prediction's rows (client, float32 rows, predicted
labels, replica id) to ``mlsecure:extraction:{model}:{version}`` and then reads the stream from where it
last stopped, feeding every entry - its own and the other replicas' - to its own ``ExtractionMonitor`` in
stream order. Every replica therefore holds the same per-client windows and reaches the same flags (the
monitor is deterministic for a given order), so a client cannot split its queries across replicas; a
restarted replica replays the retained stream (``MAXLEN`` ~ ``maxlen`` entries) and rebuilds its state.
Only the replica whose own entry tipped a client over writes the ``extraction_suspected`` audit event. The
price: each replica's monitor does the work for all traffic, and a replica learns another's flag when it
next observes a query (one of its requests may pass in between).
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from mlsecure.errors import require

Entry = tuple[str, bool, np.ndarray, np.ndarray]
"""(client, written by this replica, rows ``(n, width)`` float32, labels ``(n,)`` int64)."""


class SharedObservations:
    def __init__(self, url: str, *, maxlen: int = 200_000) -> None:
        redis: Any = require("redis", "gateway")
        self._redis = redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=5.0)
        self.errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        self.replica = secrets.token_hex(8)
        self.maxlen = maxlen
        self._last: dict[str, bytes] = {}

    def exchange(self, resource: str, client: str, raw: bytes, width: int, labels: bytes) -> list[Entry]:
        """Append one observation, then return every entry not yet seen here (this one included), in order."""
        key = f"mlsecure:extraction:{resource}"
        self._redis.xadd(key, {"a": client, "r": self.replica, "w": width, "x": raw, "l": labels},
                         maxlen=self.maxlen, approximate=True)
        last = self._last.get(key, b"0-0")
        out: list[Entry] = []
        while True:
            answer = self._redis.xread({key: last}, count=1000)
            entries = answer[0][1] if answer else []
            for entry_id, f in entries:
                last = entry_id
                w = int(f[b"w"])
                out.append((f[b"a"].decode(), f[b"r"].decode() == self.replica,
                            np.frombuffer(f[b"x"], dtype=np.float32).reshape(-1, w),
                            np.frombuffer(f[b"l"], dtype=np.int64)))
            if len(entries) < 1000:
                break
        self._last[key] = last
        return out

    def close(self) -> None:
        self._redis.close()
