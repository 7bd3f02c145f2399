"""The default audit store: one SQLite file in WAL mode.

Durability: every append is one ``BEGIN IMMEDIATE`` transaction committed with ``synchronous=FULL``
(the WAL is fsynced before ``append`` returns), so an acknowledged record survives a process crash and a
power cut. ``sqlite:///path.db?synchronous=NORMAL`` skips that fsync: still safe against a process crash
(SIGKILL), but a power cut may lose the last commits (never corrupt or reorder the chain).
One secondary index, on time: every append updates each index (time, actor and type together cost ~16 us of
CPU per one-record commit, 40% of it, and three more WAL pages; time alone ~5 us). Time windows are what audits
ask for most (a one-second window: 48 ms indexed against 255 ms scanned over 300,000 records), so that index
stays; actor and type filters scan (236 -> 499 ms and 150 -> 352 ms on 300,000 records; ``benchmarks/gateway.md``,
session 8). Logs created before keep all three indexes (SQLite maintains and uses them as before).
Triggers refuse ``UPDATE`` and ``DELETE`` on records and checkpoints; that stops mistakes, not an attacker
with file access, which is what the chain and the exported checkpoints are for.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any, Final, Literal, Self, TypeVar, cast
from urllib.parse import parse_qs, quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mlsecure.audit.chain import INDEXED_FIELDS, StoredRow
from mlsecure.audit.checkpoint import DEFAULT_KEY_NAME, Checkpoint
from mlsecure.audit.interface import AuditStore, AuditStoreError, RecordFilter, where_sql
from mlsecure.errors import InputError

try:
    import fcntl
except ImportError:  # pragma: no cover  # Windows: SQLite's busy timeout alone serialises writers
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")
Synchronous = Literal["FULL", "NORMAL", "EXTRA"]

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS audit_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_records (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL, timestamp TEXT NOT NULL, event_type TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, resource TEXT NOT NULL, outcome TEXT NOT NULL, input_hash TEXT,
    event_json TEXT NOT NULL, prev_hash TEXT NOT NULL, entry_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (timestamp);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    tree_size INTEGER NOT NULL, note TEXT NOT NULL, frontier TEXT NOT NULL,
    id INTEGER PRIMARY KEY AUTOINCREMENT
);
CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
"""
_COLUMNS: Final = ", ".join(INDEXED_FIELDS)
_INSERT: Final = (f"INSERT INTO audit_records (seq, {_COLUMNS}, event_json, prev_hash, entry_hash) "
                  f"VALUES ({', '.join('?' * (len(INDEXED_FIELDS) + 4))})")
_TAIL: Final = "SELECT seq, entry_hash FROM audit_records ORDER BY seq DESC LIMIT 1"
_SELECT: Final = f"SELECT seq, {_COLUMNS}, event_json, prev_hash, entry_hash FROM audit_records"
_BUSY_TIMEOUT_S: Final = 30.0


class SQLiteAuditStore(AuditStore):
    """Audit log in one SQLite database file (WAL mode)."""

    scheme = "sqlite"

    def __init__(self, path: Path, *, hmac_key: bytes, signing_key: Ed25519PrivateKey | None = None,
                 checkpoint_every: int = 0, key_name: str = DEFAULT_KEY_NAME,
                 synchronous: Synchronous = "FULL", create: bool = True, read_only: bool = False) -> None:
        super().__init__(hmac_key=hmac_key, signing_key=signing_key, checkpoint_every=checkpoint_every,
                         key_name=key_name)
        if synchronous not in ("FULL", "NORMAL", "EXTRA"):
            raise InputError(f"synchronous must be FULL, NORMAL or EXTRA, got {synchronous!r}")
        if (read_only or not create) and not path.is_file():
            raise InputError(f"audit log {path} does not exist" if not path.exists()
                             else f"audit log {path} is not a regular file")
        if not path.parent.is_dir():
            raise InputError(f"cannot create audit log {path}: directory {path.parent} does not exist")
        self.path = path
        self._synchronous = synchronous
        self._conn_lock = threading.Lock()
        self._lock_fd: int | None = None
        self._read_only = read_only
        self._uri: str | None = None
        if read_only:
            self._open_read_only()
            return
        if fcntl is not None:
            try:
                self._lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                self._lock_fd = None  # a read-only directory: fall back to SQLite's own locking
        try:
            self._conn = self._connect()
        except sqlite3.DatabaseError as exc:
            raise AuditStoreError(f"cannot open audit log {path}: {exc}") from exc
        try:
            self._conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._close()
            raise AuditStoreError(f"cannot open audit log {path}: {exc}") from exc
        try:
            self._init_log()
        except BaseException:
            self._close()
            raise

    @classmethod
    def from_url(cls, url: str, *, hmac_key: bytes, signing_key: Ed25519PrivateKey | None = None,
                 checkpoint_every: int = 0, key_name: str = DEFAULT_KEY_NAME, create: bool = True,
                 read_only: bool = False) -> Self:
        return cls(sqlite_path(url), hmac_key=hmac_key, signing_key=signing_key,
                   checkpoint_every=checkpoint_every, key_name=key_name, create=create,
                   synchronous=_synchronous(url), read_only=read_only)

    def _open_read_only(self) -> None:
        """Open without writing anything, so a read-only copy (a mounted backup, a 0444 file) verifies.

        ``mode=ro`` first (it still sees a live writer's WAL); where SQLite cannot even create the
        shared-memory file beside the log (a read-only folder) and no ``-wal`` file holds unmerged
        commits, ``immutable=1``, which reads the file as it is."""
        quoted = quote(str(self.path.resolve()))
        wal = Path(f"{self.path}-wal")
        candidates = [f"file:{quoted}?mode=ro"]
        if not wal.exists() or wal.stat().st_size == 0:
            candidates.append(f"file:{quoted}?immutable=1")
        last: sqlite3.Error | None = None
        for uri in candidates:
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None,
                                       check_same_thread=False)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:
                last = exc
                continue
            self._uri, self._conn = uri, conn
            break
        else:
            hint = (f"; its write-ahead log {wal} holds commits: copy both files to a writable folder"
                    if wal.exists() else "")
            raise AuditStoreError(f"cannot open audit log {self.path} read-only: {last}{hint}")
        try:
            self._init_log()
        except BaseException:
            self._close()
            raise

    def _connect(self, *, reader: bool = False) -> sqlite3.Connection:
        if self._uri is not None:
            return sqlite3.connect(self._uri, uri=True, timeout=_BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
        conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        if reader:  # the log exists in WAL mode (the writer set it up); readers need no write settings
            return conn
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            conn.close()
            raise AuditStoreError(f"{self.path}: SQLite refused WAL mode (journal_mode={mode})")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        return conn

    def _write(self, work: Callable[[_SQLiteTxn], T]) -> T:
        with self._conn_lock:
            fd = self._lock_fd
            if fd is not None:
                # flock serialises writers of other processes: the kernel wakes the next writer the moment
                # the lock is free, where SQLite's busy handler would sleep and poll (two processes
                # appending in a loop otherwise crawl at ~20 appends/s).
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                conn = self._conn
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as exc:
                    raise AuditStoreError(f"cannot lock audit log {self.path} for writing: {exc}") from exc
                try:
                    result = work(_SQLiteTxn(conn))
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                return result
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def _rows(self, where: RecordFilter) -> Iterator[StoredRow]:
        sql, params = where_sql(where, "?")
        with closing(self._connect(reader=True)) as conn:
            cursor = conn.execute(f"{_SELECT}{sql}", params)
            while batch := cursor.fetchmany(1000):
                yield from (_to_row(r) for r in batch)

    def checkpoints(self) -> list[Checkpoint]:
        return [Checkpoint.from_note(note) for note in self.checkpoint_notes()]

    def checkpoint_notes(self) -> list[str]:
        with closing(self._connect(reader=True)) as conn:
            rows = conn.execute("SELECT note FROM audit_checkpoints ORDER BY id").fetchall()
        return [note if isinstance(note, str) else repr(note) for (note,) in rows]

    def size(self) -> int:
        with closing(self._connect(reader=True)) as conn:
            row = conn.execute("SELECT max(seq) FROM audit_records").fetchone()
        return int(row[0] or 0)

    def _ensure_meta(self, defaults: dict[str, str]) -> dict[str, str]:
        if self._read_only:
            try:
                meta = dict(self._conn.execute("SELECT name, value FROM audit_meta").fetchall())
            except sqlite3.Error as exc:
                raise AuditStoreError(f"{self.path} is not an mlsecure audit log: {exc}") from None
            missing = sorted(set(defaults) - set(meta))
            if missing:
                raise AuditStoreError(f"{self.path} is not an mlsecure audit log (no {', '.join(missing)})")
            return meta

        def work(txn: _SQLiteTxn) -> dict[str, str]:
            txn.conn.executemany("INSERT OR IGNORE INTO audit_meta (name, value) VALUES (?, ?)",
                                 list(defaults.items()))
            return dict(txn.conn.execute("SELECT name, value FROM audit_meta").fetchall())

        return self._write(work)

    def _close(self) -> None:
        with self._conn_lock:
            self._conn.close()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


class _SQLiteTxn:
    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def tail(self) -> tuple[int, bytes] | None:
        # Always read under the lock (an indexed ~4 us lookup): a cached tail could not see a writer that
        # bypasses the flock (a manual edit, a restore), and chaining after a stale tail would fork the log.
        row = self.conn.execute(_TAIL).fetchone()
        return None if row is None else (int(row[0]), bytes.fromhex(row[1]))

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if len(rows) == 1:  # one request alone: no iterator protocol around a single row
            self.conn.execute(_INSERT, rows[0])
        else:
            self.conn.executemany(_INSERT, rows)

    def last_checkpoint(self) -> tuple[int, list[bytes]] | None:
        row = self.conn.execute("SELECT tree_size, frontier FROM audit_checkpoints ORDER BY id DESC LIMIT 1"
                                ).fetchone()
        return None if row is None else (int(row[0]), decode_frontier(row[1]))

    def events_between(self, after_seq: int, upto_seq: int) -> Iterator[str]:
        cursor = self.conn.execute("SELECT event_json FROM audit_records WHERE seq > ? AND seq <= ? ORDER BY seq",
                                   (after_seq, upto_seq))
        for (text,) in cursor:
            yield text

    def insert_checkpoint(self, checkpoint: Checkpoint, frontier: Sequence[bytes]) -> None:
        self.conn.execute("INSERT INTO audit_checkpoints (tree_size, note, frontier) VALUES (?, ?, ?)",
                          (checkpoint.tree_size, checkpoint.to_note(), encode_frontier(frontier)))


def sqlite_path(url: str) -> Path:
    """``sqlite:///abs/path.db`` (``sqlite:////abs`` also accepted) or a bare filesystem path."""
    if not url.startswith("sqlite:"):
        return Path(url)
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise InputError(f"SQLite URL {url!r} names a host; use sqlite:///absolute/path.db")
    raw = unquote(parts.path)
    if not raw or raw == "/":
        raise InputError(f"SQLite URL {url!r} has no file path")
    return Path("/" + raw.lstrip("/"))


def _synchronous(url: str) -> Synchronous:
    """``?synchronous=NORMAL`` on a SQLite URL trades power-loss durability for speed (see the docs)."""
    query = parse_qs(urlsplit(url).query) if url.startswith("sqlite:") else {}
    unknown = set(query) - {"synchronous"}
    if unknown:
        raise InputError(f"unknown SQLite URL option(s): {', '.join(sorted(unknown))} (known: synchronous)")
    value = query.get("synchronous", ["FULL"])[-1].upper()
    if value not in ("FULL", "NORMAL", "EXTRA"):
        raise InputError(f"synchronous={value} in {url!r}: expected FULL, NORMAL or EXTRA")
    return cast(Synchronous, value)


def _to_row(r: Sequence[Any]) -> StoredRow:
    n = len(INDEXED_FIELDS)
    return StoredRow(int(r[0]), r[n + 1], r[n + 2], r[n + 3], tuple(zip(INDEXED_FIELDS, r[1:n + 1], strict=True)))


def encode_frontier(roots: Sequence[bytes]) -> str:
    return json.dumps([base64.b64encode(r).decode("ascii") for r in roots])


def decode_frontier(text: str) -> list[bytes]:
    return [base64.b64decode(item) for item in json.loads(text)]

