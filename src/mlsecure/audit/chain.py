"""The HMAC-keyed hash chain, as pure functions.

Record ``s`` (1-based) stores ``prev_hash`` (the ``entry_hash`` of record ``s-1``; 32 zero bytes for the
first record) and::

    entry_hash = HMAC-SHA256(key, "mlsecure-audit/v1" 0x00 || s as 8-byte big-endian || prev_hash || event)

where ``event`` is the event's canonical JSON. Binding the sequence number and the previous hash makes
any modification, deletion, reordering or insertion visible from the first affected record on; keying
the hash means nobody without the key can forge a record that verifies. A bare chain cannot see its own
tail being cut off: that is what signed checkpoints (:mod:`mlsecure.audit.checkpoint`) are for.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from mlsecure.audit.events import AuditEvent

GENESIS_HASH = bytes(32)
_DOMAIN = b"mlsecure-audit/v1\x00"
MIN_KEY_BYTES = 16


def entry_hash(key: bytes, seq: int, prev_hash: bytes, event_json: bytes) -> bytes:
    """The chain link of record ``seq`` (see the module docstring)."""
    return hmac.digest(key, b"".join((_DOMAIN, seq.to_bytes(8, "big"), prev_hash, event_json)), "sha256")


def key_id(key: bytes) -> str:
    """A public fingerprint of an HMAC key (reveals nothing about it), stored with the log so that
    opening a log with the wrong key fails loudly instead of forking the chain."""
    return hmac.new(key, b"mlsecure-audit key id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class AuditRecord:
    """An event as stored: its position ``seq`` (1-based) and its chain link."""

    seq: int
    event: AuditEvent
    prev_hash: str
    entry_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "prev_hash": self.prev_hash, "entry_hash": self.entry_hash,
                "event": self.event.to_dict()}


@dataclass(frozen=True)
class StoredRow:
    """A record exactly as a backend holds it, before any parsing (what verification inspects).

    ``columns`` are the indexed copies of event fields a backend keeps for queries; verification checks
    they agree with ``event_json``.
    """

    seq: int
    event_json: str
    prev_hash: str
    entry_hash: str
    columns: tuple[tuple[str, str | None], ...] = ()


INDEXED_FIELDS: tuple[str, ...] = ("event_id", "timestamp", "event_type", "actor", "action", "resource",
                                   "outcome", "input_hash")


def make_row(key: bytes, seq: int, prev_hash: bytes, event: AuditEvent) -> tuple[StoredRow, bytes]:
    """Chain ``event`` as record ``seq`` after ``prev_hash``; returns the row and its entry hash."""
    data = event.canonical_json()
    link = entry_hash(key, seq, prev_hash, data)
    columns = tuple(zip(INDEXED_FIELDS, event.indexed_values(), strict=True))
    return StoredRow(seq, data.decode("utf-8"), prev_hash.hex(), link.hex(), columns), link


def row_to_record(row: StoredRow) -> AuditRecord:
    return AuditRecord(row.seq, AuditEvent.from_json(row.event_json), row.prev_hash, row.entry_hash)
