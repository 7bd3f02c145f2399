"""Audit log appends: mlsecure's chained SQLite store vs bare SQLite inserts (the floor) vs logging.

    python benchmarks/bench_audit.py [--appends 300] [--repeats 5] [--threads 16] [--postgres URL]
                                     [--batch 14] [--only-batched]

Every contender builds the same event for each append. The floor is a plain ``INSERT`` of the same row
into the same table with the same indexes, one transaction each, in WAL mode with the same
``synchronous`` setting: what any durable, queryable SQLite log pays. ``logging.FileHandler`` is what
the guide's sketch does: it flushes to the OS but never fsyncs, so it is not durable;
"FileHandler + fsync" is its durable twin.
Run under both ``synchronous=FULL`` (durable against power loss: fsync-bound) and ``NORMAL`` (durable
against process crashes only: CPU-bound, shows the chain's own cost). Contenders interleave A B C D,
medians of ``--repeats``; appends/s from wall time, CPU microseconds per append from process time.
The concurrent section: ``--threads`` threads appending at once (group commit) vs the floor with the
same threads committing one row each under a lock. Last, verification speed. First, the batched
section: ``append_many`` of ``--batch`` events per transaction (the gateway's group commits under load) vs
the floor's one-transaction insert of the same rows, CPU per commit and per record.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mlsecure.audit import AuditEvent, hash_input, open_store
from mlsecure.audit.chain import INDEXED_FIELDS
from mlsecure.audit.sqlite_store import SCHEMA

KEY = os.urandom(32)
INPUT_HASH = hash_input(b"x" * 256)


def event(i: int) -> AuditEvent:
    return AuditEvent(event_type="prediction", actor=f"tok_{i % 16:04d}", action="predict", resource="digits-mlp:1",
                      outcome="allowed", input_hash=INPUT_HASH, latency_ms=1.25, ip_address="127.0.0.1",
                      details={"status": 200, "batch": 1, "top_k": 3})


class Floor:
    """Bare SQLite: the store's own table and indexes, the same row, one INSERT per transaction, no chain
    (no tail read, no HMAC, constant hash columns)."""

    def __init__(self, path: Path, synchronous: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.executescript(SCHEMA)
        self.sql = (f"INSERT INTO audit_records ({', '.join(INDEXED_FIELDS)}, event_json, prev_hash, entry_hash) "
                    f"VALUES ({', '.join('?' * (len(INDEXED_FIELDS) + 3))})")
        self.lock = threading.Lock()

    def append(self, e: AuditEvent) -> None:
        row = (*e.indexed_values(), e.canonical_json().decode(), "0" * 64, "0" * 64)
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(self.sql, row)
            self.conn.execute("COMMIT")

    def append_many(self, events: list[AuditEvent]) -> None:
        rows = [(*e.indexed_values(), e.canonical_json().decode(), "0" * 64, "0" * 64) for e in events]
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(self.sql, rows)
            self.conn.execute("COMMIT")


def file_logger(path: Path, fsync: bool) -> Callable[[AuditEvent], None]:
    logger = logging.getLogger(f"bench.audit.{path.name}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(path)
    logger.addHandler(handler)

    def log(e: AuditEvent) -> None:
        logger.info(json.dumps(e.to_dict()))
        if fsync:
            os.fsync(handler.stream.fileno())

    return log


def timed(append: Callable[[AuditEvent], object], n: int, start: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(start, start + n):
        append(event(i))
    return time.perf_counter() - wall, time.process_time() - cpu


def threaded(append: Callable[[AuditEvent], object], threads: int, per_thread: int) -> float:
    def work(t: int) -> None:
        for i in range(per_thread):
            append(event(t * per_thread + i))

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    wall = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - wall


def single(tmp: Path, sync: str, n: int, repeats: int) -> None:
    store = open_store(f"sqlite:///{tmp / f'chain-{sync}.db'}?synchronous={sync}", hmac_key=KEY)
    floor = Floor(tmp / f"floor-{sync}.db", sync)
    contenders: dict[str, Callable[[AuditEvent], object]] = {
        f"floor: bare SQLite INSERT ({sync})": floor.append,
        f"mlsecure chained store ({sync})": store.append,
        "logging.FileHandler (no fsync)": file_logger(tmp / f"plain-{sync}.log", fsync=False),
        "logging.FileHandler + fsync": file_logger(tmp / f"fsync-{sync}.log", fsync=True),
    }
    walls: dict[str, list[float]] = {k: [] for k in contenders}
    cpus: dict[str, list[float]] = {k: [] for k in contenders}
    for r in range(repeats):
        for name, fn in contenders.items():
            wall, cpu = timed(fn, n, r * n)
            walls[name].append(wall)
            cpus[name].append(cpu)
    rate = {k: n / statistics.median(v) for k, v in walls.items()}
    floor_rate = rate[f"floor: bare SQLite INSERT ({sync})"]
    ours = rate[f"mlsecure chained store ({sync})"]
    print(f"\nsynchronous={sync}: {n} appends x {repeats} repeats, one thread (median)")
    print(f"{'contender':36s} {'appends/s':>10s} {'CPU us/append':>14s} {'vs floor':>9s}")
    for name in contenders:
        cpu_us = statistics.median(cpus[name]) / n * 1e6
        print(f"{name:36s} {rate[name]:10.0f} {cpu_us:14.1f} {rate[name] / floor_rate:9.2f}")
    print(f"ratio mlsecure/floor = {ours / floor_rate:.2f}; "
          f"mlsecure/FileHandler = {ours / rate['logging.FileHandler (no fsync)']:.3f}; "
          f"mlsecure/(FileHandler+fsync) = {ours / rate['logging.FileHandler + fsync']:.2f}")
    store.close()


def concurrent(tmp: Path, sync: str, threads: int, per_thread: int, repeats: int) -> None:
    store = open_store(f"sqlite:///{tmp / f'cchain-{sync}.db'}?synchronous={sync}", hmac_key=KEY)
    floor = Floor(tmp / f"cfloor-{sync}.db", sync)
    ours, base = [], []
    for _ in range(repeats):
        base.append(threaded(floor.append, threads, per_thread))
        ours.append(threaded(store.append, threads, per_thread))
    n = threads * per_thread
    r_ours, r_base = n / statistics.median(ours), n / statistics.median(base)
    print(f"\n{threads} threads appending at once, synchronous={sync} ({n} appends x {repeats}, median)")
    print(f"floor: bare SQLite, one commit per row  {r_base:8.0f} appends/s")
    print(f"mlsecure chained store (group commit)   {r_ours:8.0f} appends/s   ratio {r_ours / r_base:.2f}")
    store.close()


def batched(tmp: Path, sync: str, batch: int, commits: int, repeats: int) -> None:
    """What the gateway's group commit does under load: ``append_many`` of ``batch`` events per
    transaction, CPU per commit (events built beforehand), vs the floor inserting the same rows in one
    transaction. Also 1-event commits, so per-commit and per-record costs separate."""
    cpu: dict[tuple[str, int], list[float]] = {}
    for r in range(repeats):
        for size in (1, batch):
            store = open_store(f"sqlite:///{tmp / f'b{r}-{size}-{sync}.db'}?synchronous={sync}", hmac_key=KEY)
            floor = Floor(tmp / f"bfloor{r}-{size}-{sync}.db", sync)
            groups = [[event(i * size + j) for j in range(size)] for i in range(commits)]
            for name, fn in (("floor", floor.append_many), ("mlsecure", store.append_many)):
                start = time.process_time()
                for group in groups:
                    fn(group)
                cpu.setdefault((name, size), []).append((time.process_time() - start) / commits * 1e6)
            store.close()
    print(f"\nbatched commits, synchronous={sync}: {commits} commits x {repeats} repeats, CPU us (median)")
    print(f"{'contender':12s} {'1-event commit':>15s} {f'{batch}-event commit':>16s} {'per commit':>11s} "
          f"{'per record':>11s}")
    for name in ("floor", "mlsecure"):
        one, many = (statistics.median(cpu[(name, size)]) for size in (1, batch))
        per_record = (many - one) / (batch - 1)
        print(f"{name:12s} {one:15.1f} {many:16.1f} {one - per_record:11.1f} {per_record:11.1f}")


def verification(tmp: Path, n: int) -> None:
    store = open_store(tmp / "verify.db", hmac_key=KEY)
    for start in range(0, n, 1000):
        store.append_many(event(i) for i in range(start, min(n, start + 1000)))
    wall = time.perf_counter()
    result = store.verify()
    took = time.perf_counter() - wall
    assert result.ok
    print(f"\nverify: {n} records in {took:.2f} s = {n / took:,.0f} records/s (chain + content + Merkle root)")
    store.close()


def postgres(url: str, n: int, threads: int) -> None:
    """Optional: the same store on PostgreSQL (a fresh schema, dropped afterwards)."""
    import uuid
    from urllib.parse import quote

    import psycopg

    schema = f"bench_audit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            sep = "&" if "?" in url else "?"
            store = open_store(f"{url}{sep}options={quote(f'-csearch_path={schema}')}", hmac_key=KEY)
            wall, cpu = timed(store.append, n, 0)
            t_wall = threaded(store.append, threads, n // threads)
            print(f"\nPostgreSQL store: 1 thread {n / wall:,.0f} appends/s ({cpu / n * 1e6:.0f} us CPU each); "
                  f"{threads} threads (group commit) {threads * (n // threads) / t_wall:,.0f} appends/s")
            store.close()
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--verify-records", type=int, default=50_000)
    parser.add_argument("--postgres", metavar="URL", help="also time the PostgreSQL store at URL")
    parser.add_argument("--batch", type=int, default=14, help="events per append_many in the batched section")
    parser.add_argument("--only-batched", action="store_true", help="run only the batched section")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"temporary files in {tmp}; each event ~{len(event(0).canonical_json())} bytes of canonical JSON")
        for sync in ("FULL", "NORMAL"):
            batched(Path(tmp), sync, args.batch, args.appends // 2 if sync == "FULL" else args.appends * 2,
                    args.repeats)
        if args.only_batched:
            return
        for sync in ("FULL", "NORMAL"):
            single(Path(tmp), sync, args.appends if sync == "FULL" else args.appends * 10, args.repeats)
        for sync in ("FULL", "NORMAL"):
            concurrent(Path(tmp), sync, args.threads, args.appends // 4 if sync == "FULL" else args.appends,
                       args.repeats)
        verification(Path(tmp), args.verify_records)
    if args.postgres:
        postgres(args.postgres, args.appends * 4, args.threads)


if __name__ == "__main__":
    main()
