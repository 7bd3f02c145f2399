"""What the SQLite audit log's secondary indexes cost per append, and what they save a query.

Session 8 removed the three indexes (time, actor, type) from new logs. This measures both sides in one process:

- append: CPU per one-record commit (``synchronous=NORMAL``, WAL) on logs with 3, 1 (time) and 0 indexes, the
  logs written in interleaved blocks of ``--block`` appends, medians over ``--rounds``;
- query: wall time of ``AuditStore.query`` by actor, by event type, by a 1-second time window and by an actor
  that never occurs, on a log of ``--records`` records with and without the indexes (same records).

    python benchmarks/bench_audit_indexes.py --rounds 8 --records 300000
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mlsecure.audit import AuditEvent, open_store  # this checkout's code
from mlsecure.audit.sqlite_store import SQLiteAuditStore

_OLD_INDEXES = {"audit_records_time": "timestamp", "audit_records_actor": "actor", "audit_records_type": "event_type"}
_T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _event(i: int) -> AuditEvent:
    return AuditEvent(event_type="prediction" if i % 100 else "auth_failure", actor=f"token:{i % 50}",
                      action="predict", resource="digits:1", input_hash="a" * 64, model_name="digits",
                      model_version="1", latency_ms=1.234, ip_address="127.0.0.1", output_summary="3",
                      timestamp=_T0 + timedelta(milliseconds=i),
                      details={"request_id": f"{i:032x}", "status": 200, "rows": 1, "endpoint": "v2_infer"})


def _add_indexes(path: Path, names: list[str]) -> None:
    with sqlite3.connect(path) as conn:
        for name in names:
            conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON audit_records ({_OLD_INDEXES[name]})")


def appends(rounds: int, block: int, key: bytes, root: Path) -> dict[str, float]:
    kinds = {"3 indexes": list(_OLD_INDEXES), "time index only": ["audit_records_time"], "no index": []}
    stores: dict[str, Any] = {}
    for label, names in kinds.items():
        path = root / f"append-{len(names)}.db"
        open_store(f"sqlite:///{path}", hmac_key=key).close()
        _add_indexes(path, names)
        stores[label] = open_store(f"sqlite:///{path}?synchronous=NORMAL", hmac_key=key)
    events = [_event(i) for i in range(rounds * block)]
    cpu: dict[str, list[float]] = {label: [] for label in kinds}
    for r in range(rounds):
        for label, store in stores.items():
            t = time.process_time()
            for event in events[r * block:(r + 1) * block]:
                store.append(event)
            cpu[label].append((time.process_time() - t) / block * 1e6)
    for store in stores.values():
        store.close()
    return {label: statistics.median(v) for label, v in cpu.items()}


def queries(records: int, key: bytes, root: Path) -> dict[str, dict[str, tuple[int, float]]]:
    path = root / "query-none.db"
    store = open_store(f"sqlite:///{path}?synchronous=NORMAL", hmac_key=key)
    for k in range(0, records, 5000):
        store.append_many([_event(i) for i in range(k, min(k + 5000, records))])
    store.close()
    indexed = root / "query-3.db"
    shutil.copy(path, indexed)
    _add_indexes(indexed, list(_OLD_INDEXES))
    window = (_T0 + timedelta(milliseconds=records * 0.97), _T0 + timedelta(milliseconds=records * 0.97 + 1000))
    criteria = {"actor": {"actor": "token:7"}, "event type": {"event_type": "auth_failure"},
                "1 s window": {"since": window[0], "until": window[1]}, "absent actor": {"actor": "nobody"}}
    out: dict[str, dict[str, tuple[int, float]]] = {"3 indexes": {}, "no index": {}}
    for _ in range(2):  # the second pass reads from the page cache, as the first may not
        for label, log in (("3 indexes", indexed), ("no index", path)):
            reader = SQLiteAuditStore(log, hmac_key=key, read_only=True)
            for name, where in criteria.items():
                t = time.perf_counter()
                n = sum(1 for _ in reader.query(**where))
                out[label][name] = (n, time.perf_counter() - t)
            reader.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--block", type=int, default=500)
    ap.add_argument("--records", type=int, default=300_000)
    args = ap.parse_args()
    key = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for label, us in appends(args.rounds, args.block, key, root).items():
            print(f"append, {label:<16} {us:6.1f} us CPU per one-record commit (median of {args.rounds} blocks)")
        result = queries(args.records, key, root)
        for label, rows in result.items():
            for name, (n, seconds) in rows.items():
                print(f"query of {args.records} records, {label:<10} by {name:<13} {n:6d} records "
                      f"{seconds * 1e3:7.0f} ms")


if __name__ == "__main__":
    main()
