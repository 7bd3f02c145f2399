"""The audit-store contract: :class:`AuditStore` owns the invariants, backends own the storage.

The base class chains events, batches concurrent appends into one transaction (group commit, leader and
followers: threads that arrive while a commit is in flight are written together by the next one, each
still returning only after its record is committed), writes periodic signed checkpoints and verifies.
A backend implements the few primitives below: an exclusive write transaction (:class:`WriteTxn`),
ordered row reads, checkpoint reads and the log's metadata. Appends from several processes are safe
too: every write transaction reads the chain's tail under the backend's exclusive lock.
"""

from __future__ import annotations

import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol, Self, TypeVar, final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mlsecure.audit.chain import GENESIS_HASH, AuditRecord, ChainMac, StoredRow, chain_events, key_id, row_to_record
from mlsecure.audit.checkpoint import DEFAULT_KEY_NAME, Checkpoint, sign_checkpoint
from mlsecure.audit.events import AuditEvent, format_timestamp
from mlsecure.audit.merkle import Frontier, consistency_proof, leaf_hash
from mlsecure.audit.verify import VerificationResult, verify_rows
from mlsecure.errors import ConfigError, InputError, MLSecureError

T = TypeVar("T")
FORMAT_VERSION = "1"


class AuditStoreError(MLSecureError):
    """The audit store cannot be read or written (database unreachable, locked, corrupt schema)."""


@dataclass(frozen=True, kw_only=True)
class RecordFilter:
    """Which records a query returns; every given criterion must hold (``since`` inclusive, ``until``
    exclusive, ``after_seq`` exclusive)."""

    event_type: str | None = None
    actor: str | None = None
    action: str | None = None
    resource: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = 0
    limit: int | None = None


class WriteTxn(Protocol):
    """Primitives a backend offers inside one exclusive, durable write transaction."""

    def tail(self) -> tuple[int, bytes] | None:
        """``(seq, entry_hash)`` of the last record, or None for an empty log."""

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert chained rows, each a tuple of values in ``chain.ROW_COLUMNS`` order."""

    def last_checkpoint(self) -> tuple[int, list[bytes]] | None:
        """``(tree_size, frontier roots)`` of the newest stored checkpoint."""

    def events_between(self, after_seq: int, upto_seq: int) -> Iterator[str]:
        """Canonical event JSON of records ``after_seq+1 .. upto_seq`` in order."""

    def insert_checkpoint(self, checkpoint: Checkpoint, frontier: Sequence[bytes]) -> None: ...


class AuditStore(ABC):
    """An append-only, HMAC-chained audit log. Use :func:`mlsecure.audit.open_store` to get one."""

    scheme: ClassVar[str]

    def __init__(self, *, hmac_key: bytes, signing_key: Ed25519PrivateKey | None = None,
                 checkpoint_every: int = 0, key_name: str = DEFAULT_KEY_NAME) -> None:
        if checkpoint_every < 0:
            raise ConfigError(f"checkpoint_every must be >= 0 (0 = only on request), got {checkpoint_every}")
        if checkpoint_every and signing_key is None:
            raise ConfigError("checkpoint_every needs a signing_key to sign the checkpoints")
        self._key = hmac_key
        self._mac = ChainMac(hmac_key)
        self._signing_key = signing_key
        self._checkpoint_every = checkpoint_every
        self._key_name = key_name
        self._queue: list[_Pending] = []
        self._queue_lock = threading.Lock()
        self._queue_cond = threading.Condition(self._queue_lock)
        self._leader = False
        self._write_lock = threading.Lock()
        self._closed = False
        self.origin = ""

    @final
    def _init_log(self) -> None:
        """Called by a backend's constructor once its schema exists: binds the key and the log id."""
        meta = self._ensure_meta({"format": FORMAT_VERSION, "key_id": key_id(self._key),
                                  "origin": f"mlsecure-audit/{uuid.uuid4().hex}"})
        if meta["format"] != FORMAT_VERSION:
            raise AuditStoreError(f"audit log format {meta['format']!r} is not supported (expected "
                                  f"{FORMAT_VERSION})")
        if meta["key_id"] != key_id(self._key):
            raise ConfigError(f"the HMAC key does not match this audit log (log key id {meta['key_id']}, "
                              f"given key id {key_id(self._key)}); appending would break the chain")
        self.origin = meta["origin"]

    # --- writing -------------------------------------------------------------------------------------
    @final
    def append(self, event: AuditEvent) -> AuditRecord:
        """Chain and durably commit ``event``; returns its record. Thread-safe."""
        return self.append_many([event])[0]

    @final
    def append_many(self, events: Iterable[AuditEvent]) -> list[AuditRecord]:
        """Chain and commit ``events`` in order (in one transaction with any concurrent appends)."""
        batch = list(events)
        for event in batch:
            if not isinstance(event, AuditEvent):
                raise InputError(f"audit stores take AuditEvent objects, got {type(event).__name__}")
        if not batch:
            return []
        pending = _Pending(batch)
        with self._queue_cond:
            self._check_open()
            self._queue.append(pending)
            # Followers wait for a leader to commit them; the first to find no leader becomes one and
            # takes everything queued so far. Waiting on the condition (not on the write lock) lets a
            # committed follower return at once and queue its next event for the next batch.
            while not pending.done and self._leader:
                self._queue_cond.wait()
            if pending.done:
                return self._result(pending)
            self._leader = True
            group, self._queue = self._queue, []
        try:
            with self._write_lock:
                self._commit_group(group)
        finally:
            for item in group:  # an interrupt (KeyboardInterrupt) must not leave followers waiting
                if not item.done:
                    item.error, item.done = AuditStoreError("the audit append was interrupted"), True
            with self._queue_cond:
                self._leader = False
                self._queue_cond.notify_all()
        return self._result(pending)

    @staticmethod
    def _result(pending: _Pending) -> list[AuditRecord]:
        if pending.error is not None:
            raise pending.error
        return pending.records

    def _commit_group(self, group: list[_Pending]) -> None:
        events = [event for item in group for event in item.events]
        if self._closed:
            for item in group:
                item.error, item.done = AuditStoreError("the audit store is closed"), True
            return
        try:
            records = self._write(lambda txn: self._chain(txn, events))
        except MLSecureError as exc:
            for item in group:
                item.error, item.done = exc, True
            return
        except Exception as exc:
            error = AuditStoreError(f"audit append failed: {type(exc).__name__}: {exc}")
            error.__cause__ = exc
            for item in group:
                item.error, item.done = error, True
            return
        start = 0
        for item in group:
            item.records = records[start:start + len(item.events)]
            start += len(item.events)
            item.done = True

    def _chain(self, txn: WriteTxn, events: Sequence[AuditEvent]) -> list[AuditRecord]:
        tail = txn.tail()
        first, prev = tail if tail is not None else (0, GENESIS_HASH)
        rows, records, _ = chain_events(self._mac, first, prev, events)
        txn.insert(rows)
        seq = first + len(rows)
        every = self._checkpoint_every
        if every and (seq // every) > ((seq - len(events)) // every):
            self._checkpoint_in(txn, seq)
        return records

    @final
    def checkpoint(self) -> Checkpoint:
        """Sign and store a checkpoint of the log as it is now (needs a signing key)."""
        if self._signing_key is None:
            raise ConfigError("signing a checkpoint needs a signing key (signing_key= or "
                              "MLSECURE_AUDIT_SIGNING_KEY_FILE)")
        with self._write_lock:
            self._check_open()

            def work(txn: WriteTxn) -> Checkpoint:
                tail = txn.tail()
                return self._checkpoint_in(txn, tail[0] if tail else 0)

            return self._write(work)

    def _checkpoint_in(self, txn: WriteTxn, size: int) -> Checkpoint:
        if self._signing_key is None:
            raise ConfigError("no signing key")
        last = txn.last_checkpoint()
        frontier = Frontier(*last) if last is not None and last[0] <= size else Frontier()
        frontier.extend(leaf_hash(text.encode("utf-8")) for text in txn.events_between(frontier.size, size))
        checkpoint = sign_checkpoint(self.origin, size, frontier.root(), self._signing_key,
                                     key_name=self._key_name)
        txn.insert_checkpoint(checkpoint, frontier.roots)
        return checkpoint

    # --- reading -------------------------------------------------------------------------------------
    @final
    def verify(self, *, checkpoints: Sequence[Checkpoint] = (), public_key: Ed25519PublicKey | None = None,
               stored_checkpoints: bool = True, unreadable_checkpoints: Sequence[str] = (),
               require_signatures: bool = False) -> VerificationResult:
        """Verify every record's chain link and content, the store's own checkpoints (unless
        ``stored_checkpoints=False``) and any ``checkpoints`` kept outside (which detect truncation).
        Signatures are checked against ``public_key``, by default the store's signing key's; without
        one they are reported as not checked (a failure under ``require_signatures``). Checkpoints that
        do not parse (``unreadable_checkpoints``, and stored ones) are problems; the records are still
        checked."""
        every: list[Checkpoint] = []
        unreadable: list[str] = list(unreadable_checkpoints)
        if stored_checkpoints:
            for number, note in enumerate(self.checkpoint_notes(), start=1):
                try:
                    every.append(Checkpoint.from_note(note))
                except InputError as exc:  # one garbage checkpoint must not stop the records' check
                    unreadable.append(f"stored checkpoint #{number} is unreadable: {exc}")
        every.extend(checkpoints)
        if public_key is None and self._signing_key is not None and every:
            public_key = self._signing_key.public_key()
        return verify_rows(self._rows(RecordFilter()), hmac_key=self._key, checkpoints=every,
                           public_key=public_key, origin=self.origin, unreadable_checkpoints=unreadable,
                           require_signatures=require_signatures)

    @final
    def query(self, where: RecordFilter | None = None, **criteria: Any) -> Iterator[AuditRecord]:
        """Records matching ``where`` (or the same criteria as keywords), in sequence order. Query
        results are not verified: run :meth:`verify` to trust them."""
        if where is None:
            try:
                where = RecordFilter(**criteria)
            except TypeError as exc:
                raise InputError(f"unknown query criterion: {exc}") from exc
        for row in self._rows(where):
            yield row_to_record(row)

    @final
    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """RFC 6962 proof that the tree of ``new_size`` records extends the one of ``old_size``."""
        hashes = [leaf_hash(r.event_json.encode("utf-8"))
                  for r in self._rows(RecordFilter(limit=new_size))]
        if not 0 < old_size <= new_size <= len(hashes):
            raise InputError(f"need 0 < old size ({old_size}) <= new size ({new_size}) <= log size "
                             f"({len(hashes)})")
        return consistency_proof(old_size, hashes[:new_size])

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @final
    def close(self) -> None:
        """Release the backend's connections; further appends raise ``AuditStoreError``."""
        with self._write_lock, self._queue_lock:
            if self._closed:
                return
            self._closed = True
        self._close()

    def _check_open(self) -> None:
        if self._closed:
            raise AuditStoreError("the audit store is closed")

    # --- backend primitives --------------------------------------------------------------------------
    @classmethod
    @abstractmethod
    def from_url(cls, url: str, *, hmac_key: bytes, signing_key: Ed25519PrivateKey | None = None,
                 checkpoint_every: int = 0, key_name: str = DEFAULT_KEY_NAME, create: bool = True,
                 read_only: bool = False) -> Self:
        """Open the log at ``url``, creating it unless ``create=False``; ``read_only`` writes nothing."""

    @abstractmethod
    def _write(self, work: Callable[[WriteTxn], T]) -> T:
        """Run ``work`` in one exclusive write transaction and commit durably before returning."""

    @abstractmethod
    def _rows(self, where: RecordFilter) -> Iterator[StoredRow]:
        """Stored rows matching ``where`` in sequence order."""

    @abstractmethod
    def checkpoints(self) -> list[Checkpoint]:
        """The checkpoints stored with the log, oldest first."""

    def checkpoint_notes(self) -> list[str]:
        """The stored checkpoints as signed-note text, unparsed (a backend overrides this to return
        what is stored even when it no longer parses)."""
        return [c.to_note() for c in self.checkpoints()]

    @abstractmethod
    def size(self) -> int:
        """Number of records."""

    @abstractmethod
    def _ensure_meta(self, defaults: dict[str, str]) -> dict[str, str]:
        """Insert the missing ``defaults`` into the log's metadata atomically; return all of it."""

    @abstractmethod
    def _close(self) -> None: ...


class _Pending:
    __slots__ = ("done", "error", "events", "records")

    def __init__(self, events: list[AuditEvent]) -> None:
        self.events = events
        self.records: list[AuditRecord] = []
        self.error: BaseException | None = None
        self.done = False


def where_sql(where: RecordFilter, placeholder: str) -> tuple[str, list[Any]]:
    """The WHERE/ORDER/LIMIT tail of a records query, with the driver's ``placeholder`` (``?`` or ``%s``)."""
    clauses: list[str] = []
    params: list[Any] = []
    for name in ("event_type", "actor", "action", "resource", "outcome"):
        value = getattr(where, name)
        if value is not None:
            clauses.append(f"{name} = {placeholder}")
            params.append(value)
    if where.since is not None:
        clauses.append(f"timestamp >= {placeholder}")
        params.append(format_timestamp(where.since))
    if where.until is not None:
        clauses.append(f"timestamp < {placeholder}")
        params.append(format_timestamp(where.until))
    if where.after_seq:
        clauses.append(f"seq > {placeholder}")
        params.append(where.after_seq)
    sql = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sql += " ORDER BY seq"
    if where.limit is not None:
        sql += f" LIMIT {placeholder}"
        params.append(int(where.limit))
    return sql, params
