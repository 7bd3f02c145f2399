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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mlsecure.audit.events import AuditEvent

GENESIS_HASH = bytes(32)
_DOMAIN = b"mlsecure-audit/v1\x00"
MIN_KEY_BYTES = 16
_BLOCK = 64  # SHA-256 block size: HMAC pads (or first hashes) the key to it


def entry_hash(key: bytes, seq: int, prev_hash: bytes, event_json: bytes) -> bytes:
    """The chain link of record ``seq`` (see the module docstring)."""
    return hmac.digest(key, b"".join((_DOMAIN, seq.to_bytes(8, "big"), prev_hash, event_json)), "sha256")


class ChainMac:
    """:func:`entry_hash` with the key schedule and the domain prefix absorbed once.

    This is HMAC exactly as RFC 2104 defines it, ``H((K ^ opad) || H((K ^ ipad) || message))``, with
    both padded-key states hashed once and copied per link: the same bytes as :func:`entry_hash` for
    every key (keys longer than the 64-byte SHA-256 block are hashed first, as HMAC requires), for
    about half the CPU per record.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + _DOMAIN)
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def link(self, seq: int, prev_hash: bytes, event_json: bytes) -> bytes:
        """``entry_hash(key, seq, prev_hash, event_json)``."""
        inner = self._inner.copy()
        inner.update(seq.to_bytes(8, "big") + prev_hash + event_json)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


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
ROW_COLUMNS: tuple[str, ...] = ("seq", *INDEXED_FIELDS, "event_json", "prev_hash", "entry_hash")
"""Column order of the insert parameters :func:`chain_events` builds (every backend's ``INSERT``)."""


def make_row(key: bytes, seq: int, prev_hash: bytes, event: AuditEvent) -> tuple[StoredRow, bytes]:
    """Chain ``event`` as record ``seq`` after ``prev_hash``; returns the row and its entry hash."""
    data = event.canonical_json()
    link = entry_hash(key, seq, prev_hash, data)
    columns = tuple(zip(INDEXED_FIELDS, event.indexed_values(), strict=True))
    return StoredRow(seq, data.decode("utf-8"), prev_hash.hex(), link.hex(), columns), link


def chain_events(mac: ChainMac, seq: int, prev_hash: bytes, events: Iterable[AuditEvent]
                 ) -> tuple[list[tuple[Any, ...]], list[AuditRecord], bytes]:
    """Chain ``events`` as records ``seq+1, seq+2, ...`` after ``prev_hash``: the insert parameters in
    :data:`ROW_COLUMNS` order, the records, and the new tail hash. The same rows :func:`make_row` gives,
    without the intermediate :class:`StoredRow` objects (the append path's per-record cost)."""
    params: list[tuple[Any, ...]] = []
    records: list[AuditRecord] = []
    prev_hex = prev_hash.hex()
    link = mac.link
    for event in events:
        seq += 1
        data = event.canonical_json()
        prev_hash = link(seq, prev_hash, data)
        entry_hex = prev_hash.hex()
        params.append((seq, *event.indexed_values(), data.decode("utf-8"), prev_hex, entry_hex))
        records.append(AuditRecord(seq, event, prev_hex, entry_hex))
        prev_hex = entry_hex
    return params, records, prev_hash


def row_to_record(row: StoredRow) -> AuditRecord:
    return AuditRecord(row.seq, AuditEvent.from_json(row.event_json), row.prev_hash, row.entry_hash)
