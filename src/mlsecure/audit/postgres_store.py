"""The audit store in PostgreSQL (``postgresql://user@host/db``), through psycopg 3.

Every append is one transaction holding a transaction-scoped advisory lock (so several gateway
processes or hosts append to one chain safely) and committed with the server's ``synchronous_commit``
(on by default: durable when ``append`` returns). Triggers refuse ``UPDATE``, ``DELETE`` and
``TRUNCATE``; for defence in depth give the application role only ``INSERT`` and ``SELECT``.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, Self, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mlsecure.audit.chain import INDEXED_FIELDS, StoredRow
from mlsecure.audit.checkpoint import DEFAULT_KEY_NAME, Checkpoint
from mlsecure.audit.interface import AuditStore, AuditStoreError, RecordFilter, where_sql
from mlsecure.errors import require

T = TypeVar("T")
_LOCK_ID: Final = 0x6D6C736563617564  # "mlsecaud": the advisory lock serialising appenders

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS audit_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_records (
    seq BIGINT PRIMARY KEY,
    event_id TEXT NOT NULL, timestamp TEXT NOT NULL, event_type TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, resource TEXT NOT NULL, outcome TEXT NOT NULL, input_hash TEXT,
    event_json TEXT NOT NULL, prev_hash TEXT NOT NULL, entry_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (timestamp);
CREATE INDEX IF NOT EXISTS audit_records_actor ON audit_records (actor);
CREATE INDEX IF NOT EXISTS audit_records_type ON audit_records (event_type);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    id BIGSERIAL PRIMARY KEY, tree_size BIGINT NOT NULL, note TEXT NOT NULL, frontier TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION mlsecure_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit log tables are append-only (% on %)', TG_OP, TG_TABLE_NAME; END $$;
DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records;
CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION mlsecure_audit_append_only();
DROP TRIGGER IF EXISTS audit_records_no_truncate ON audit_records;
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION mlsecure_audit_append_only();
DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints;
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION mlsecure_audit_append_only();
DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints;
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION mlsecure_audit_append_only();
"""
_COLUMNS: Final = ", ".join(INDEXED_FIELDS)
_INSERT: Final = (f"INSERT INTO audit_records (seq, {_COLUMNS}, event_json, prev_hash, entry_hash) "
                  f"VALUES ({', '.join(['%s'] * (len(INDEXED_FIELDS) + 4))})")
_SELECT: Final = f"SELECT seq, {_COLUMNS}, event_json, prev_hash, entry_hash FROM audit_records"


class PostgresAuditStore(AuditStore):
    """Audit log in a PostgreSQL database (tables ``audit_records``, ``audit_checkpoints``, ``audit_meta``)."""

    scheme = "postgresql"

    def __init__(self, url: str, *, hmac_key: bytes, signing_key: Ed25519PrivateKey | None = None,
                 checkpoint_every: int = 0, key_name: str = DEFAULT_KEY_NAME) -> None:
        super().__init__(hmac_key=hmac_key, signing_key=signing_key, checkpoint_every=checkpoint_every,
                         key_name=key_name)
        psycopg: Any = require("psycopg", "audit-pg")
        self._psycopg = psycopg
        self._url = url
        self._conn_lock = threading.Lock()
        self._conn = self._connect()
        try:
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
                self._conn.execute(SCHEMA)
        except self._psycopg.Error as exc:
            self._conn.close()
            raise AuditStoreError(f"cannot create the audit tables in {_redact(url)}: {exc}") from exc
        try:
            self._init_log()
        except BaseException:
            self._close()
            raise

    @classmethod
    def from_url(cls, url: str, *, hmac_key: bytes, signing_key: Ed25519PrivateKey | None = None,
                 checkpoint_every: int = 0, key_name: str = DEFAULT_KEY_NAME, create: bool = True,
                 read_only: bool = False) -> Self:
        del create, read_only  # the schema is created on first use; a server enforces its own grants
        return cls(url, hmac_key=hmac_key, signing_key=signing_key, checkpoint_every=checkpoint_every,
                   key_name=key_name)

    def _connect(self) -> Any:
        try:
            return self._psycopg.connect(self._url, autocommit=True)
        except self._psycopg.Error as exc:
            raise AuditStoreError(f"cannot connect to the audit database {_redact(self._url)}: {exc}") from exc

    def _write(self, work: Callable[[_PgTxn], T]) -> T:
        with self._conn_lock:
            try:
                with self._conn.transaction():
                    self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
                    return work(_PgTxn(self._conn))
            except self._psycopg.OperationalError as exc:
                if self._conn.closed:  # the server went away: reconnect for the next append
                    self._conn = self._connect()
                raise AuditStoreError(f"audit append to {_redact(self._url)} failed: {exc}") from exc

    def _rows(self, where: RecordFilter) -> Iterator[StoredRow]:
        sql, params = where_sql(where, "%s")
        conn = self._connect()
        try:
            with conn.transaction(), conn.cursor(name="mlsecure_audit_rows") as cursor:
                cursor.itersize = 1000
                cursor.execute(f"{_SELECT}{sql}", params)
                n = len(INDEXED_FIELDS)
                for r in cursor:
                    yield StoredRow(int(r[0]), r[n + 1], r[n + 2], r[n + 3],
                                    tuple(zip(INDEXED_FIELDS, r[1:n + 1], strict=True)))
        finally:
            conn.close()

    def checkpoints(self) -> list[Checkpoint]:
        return [Checkpoint.from_note(note) for note in self.checkpoint_notes()]

    def checkpoint_notes(self) -> list[str]:
        with self._connect() as conn:
            rows = conn.execute("SELECT note FROM audit_checkpoints ORDER BY id").fetchall()
        return [str(note) for (note,) in rows]

    def size(self) -> int:
        with self._connect() as conn:
            row = conn.execute("SELECT max(seq) FROM audit_records").fetchone()
        return int(row[0] or 0)

    def _ensure_meta(self, defaults: dict[str, str]) -> dict[str, str]:
        def work(txn: _PgTxn) -> dict[str, str]:
            with txn.conn.cursor() as cursor:
                cursor.executemany("INSERT INTO audit_meta (name, value) VALUES (%s, %s) "
                                   "ON CONFLICT (name) DO NOTHING", list(defaults.items()))
            return dict(txn.conn.execute("SELECT name, value FROM audit_meta").fetchall())

        return self._write(work)

    def _close(self) -> None:
        with self._conn_lock:
            self._conn.close()


class _PgTxn:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def tail(self) -> tuple[int, bytes] | None:
        row = self.conn.execute("SELECT seq, entry_hash FROM audit_records ORDER BY seq DESC LIMIT 1").fetchone()
        return None if row is None else (int(row[0]), bytes.fromhex(row[1]))

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(_INSERT, rows)

    def last_checkpoint(self) -> tuple[int, list[bytes]] | None:
        row = self.conn.execute("SELECT tree_size, frontier FROM audit_checkpoints ORDER BY id DESC LIMIT 1"
                                ).fetchone()
        if row is None:
            return None
        return int(row[0]), [base64.b64decode(item) for item in json.loads(row[1])]

    def events_between(self, after_seq: int, upto_seq: int) -> Iterator[str]:
        cursor = self.conn.execute("SELECT event_json FROM audit_records WHERE seq > %s AND seq <= %s "
                                   "ORDER BY seq", (after_seq, upto_seq))
        for (text,) in cursor:
            yield text

    def insert_checkpoint(self, checkpoint: Checkpoint, frontier: Sequence[bytes]) -> None:
        encoded = json.dumps([base64.b64encode(r).decode("ascii") for r in frontier])
        self.conn.execute("INSERT INTO audit_checkpoints (tree_size, note, frontier) VALUES (%s, %s, %s)",
                          (checkpoint.tree_size, checkpoint.to_note(), encoded))


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
