"""The store contract on SQLite, plus what only a file-based store can show: crash safety and
several processes appending to one file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from audit_fixtures import HMAC_KEY, make_event
from audit_store_contract import StoreContract

from mlsecure.audit import open_store
from mlsecure.audit.sqlite_store import sqlite_path
from mlsecure.errors import InputError


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'audit.db'}"

    @pytest.fixture
    def raw(self, tmp_path: Path) -> Callable[[str], None]:
        def run(sql: str) -> None:
            conn = sqlite3.connect(tmp_path / "audit.db", isolation_level=None)
            try:
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                    conn.execute(f"DROP TRIGGER {name}")
                conn.execute(sql)
            finally:
                conn.close()

        return run


def test_append_only_triggers_refuse_updates(tmp_path: Path) -> None:
    with open_store(tmp_path / "a.db", hmac_key=HMAC_KEY) as store:
        store.append(make_event(1))
    conn = sqlite3.connect(tmp_path / "a.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_records SET actor = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_records")
    conn.close()


def test_wal_mode_and_full_sync(tmp_path: Path) -> None:
    open_store(tmp_path / "a.db", hmac_key=HMAC_KEY).close()
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_sqlite_urls() -> None:
    assert sqlite_path("sqlite:///var/lib/a.db") == Path("/var/lib/a.db")
    assert sqlite_path("sqlite:////var/lib/a.db") == Path("/var/lib/a.db")
    assert sqlite_path("audit.db") == Path("audit.db")
    with pytest.raises(InputError):
        sqlite_path("sqlite://host/a.db")


def test_missing_directory_and_create_false(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        open_store(tmp_path / "nope" / "a.db", hmac_key=HMAC_KEY)
    with pytest.raises(InputError, match="does not exist"):
        open_store(tmp_path / "a.db", hmac_key=HMAC_KEY, create=False)
    assert not (tmp_path / "a.db").exists()


_APPENDER = textwrap.dedent("""
    import sys
    from mlsecure.audit import AuditEvent, open_store
    store = open_store(sys.argv[1], hmac_key=bytes(range(32)))
    i = 0
    while True:
        i += 1
        record = store.append(AuditEvent(event_type="prediction", actor=sys.argv[2], action="predict",
                                          resource="m", details={"i": i}))
        print(record.seq, record.event.event_id, flush=True)
""")


def _spawn(db: Path, actor: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _APPENDER, str(db), actor], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_sigkill_mid_append_keeps_every_acknowledged_record(tmp_path: Path) -> None:
    """Crash safety: a writer killed with SIGKILL at an arbitrary point (three times, continuing the same
    log) loses no append that returned, and the chain still verifies."""
    db = tmp_path / "audit.db"
    acknowledged: dict[int, str] = {}
    for round_ in range(3):
        proc = _spawn(db, f"round{round_}")
        assert proc.stdout is not None
        for _ in range(150):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            seq, event_id = line.split()
            acknowledged[int(seq)] = event_id
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
        # acknowledged between our last read and the kill: whole lines only (a line the kill cut short
        # was never an acknowledgement)
        for line in rest.split("\n")[:-1]:
            seq, event_id = line.split()
            acknowledged[int(seq)] = event_id
        assert proc.returncode == -signal.SIGKILL
    with open_store(db, hmac_key=HMAC_KEY, create=False) as store:
        stored = {r.seq: r.event.event_id for r in store.query()}
        assert store.verify().ok
    assert all(stored.get(seq) == event_id for seq, event_id in acknowledged.items())
    assert len(acknowledged) >= 450


def test_two_processes_share_one_chain(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    open_store(db, hmac_key=HMAC_KEY).close()
    procs = [_spawn(db, f"p{n}") for n in range(2)]
    seen: list[int] = []
    for proc in procs:
        assert proc.stdout is not None
        seen.extend(int(proc.stdout.readline().split()[0]) for _ in range(100))
    for proc in procs:
        proc.kill()
        proc.communicate()
    with open_store(db, hmac_key=HMAC_KEY) as store:
        result = store.verify()
        assert result.ok, result.problems
        actors = {r.event.actor for r in store.query()}
    assert len(set(seen)) == len(seen) and actors == {"p0", "p1"}


def test_group_commit_batches_concurrent_appends(tmp_path: Path) -> None:
    """While one commit is in flight (here a slow disk: 20 ms per commit), the other threads' events
    queue up and go out together in the next transaction, and each thread gets its own record back."""
    import threading
    import time

    from mlsecure.audit.sqlite_store import SQLiteAuditStore

    commits: list[int] = []

    class SlowDisk(SQLiteAuditStore):
        def _write(self, work):  # type: ignore[no-untyped-def]
            time.sleep(0.02)
            commits.append(1)
            return super()._write(work)

    store = SlowDisk(tmp_path / "a.db", hmac_key=HMAC_KEY)
    commits.clear()
    got: dict[int, list[int]] = {t: [] for t in range(8)}

    def work(t: int) -> None:
        for i in range(10):
            record = store.append(make_event(t * 100 + i, actor=f"t{t}"))
            assert record.event.actor == f"t{t}"
            got[t].append(record.seq)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(s for seqs in got.values() for s in seqs) == list(range(1, 81))
    assert all(seqs == sorted(seqs) for seqs in got.values())
    assert len(commits) <= 30, f"{len(commits)} commits for 80 appends: group commit is not batching"
    assert store.verify().ok
    store.close()
