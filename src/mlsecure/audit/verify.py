"""Verification of an audit log: the chain record by record, and tree heads against the records.

Works on any stream of :class:`StoredRow` in sequence order (a store, or a JSONL export), so the same
code checks a live database and an archived copy. Every problem names the sequence number at fault.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mlsecure.audit.chain import GENESIS_HASH, ChainMac, StoredRow
from mlsecure.audit.checkpoint import Checkpoint
from mlsecure.audit.events import AuditEvent
from mlsecure.audit.merkle import Frontier, leaf_hash
from mlsecure.errors import InputError
from mlsecure.strict_json import canonical_json

MAX_PROBLEMS = 1000


@dataclass(frozen=True)
class VerificationResult:
    """``ok`` when every record and every checkpoint checked out; else ``problems`` says where not."""

    ok: bool
    records_checked: int
    checkpoints_checked: int
    problems: tuple[str, ...]
    first_bad_seq: int | None = None
    not_verified: tuple[str, ...] = ()
    """The problems (also in ``problems``) that are checks not made rather than tampering found."""
    signatures_checked: bool = False
    """True when every matched checkpoint's signature was verified with a trusted public key; False
    means the checkpoints matched the records but nobody checked who signed them."""


def verify_rows(rows: Iterable[StoredRow], *, hmac_key: bytes, checkpoints: Sequence[Checkpoint] = (),
                public_key: Ed25519PublicKey | None = None, origin: str | None = None,
                unreadable_checkpoints: Sequence[str] = (), require_signatures: bool = False) -> VerificationResult:
    """Check the chain of ``rows`` and every checkpoint against it.

    A checkpoint must name ``origin`` (when given), carry a valid signature (when ``public_key`` is given)
    and its ``root_hash`` must equal the Merkle tree hash of the first ``tree_size`` records; a checkpoint
    larger than the log shows truncation or rollback.
    """
    check = _Checker(hmac_key)
    not_verified = list(unreadable_checkpoints)
    if require_signatures and public_key is None:
        not_verified.append(f"signature not checked for {len(checkpoints)} checkpoint(s): "
                            "--require-signatures needs the trusted --public-key")
    elif require_signatures and not checkpoints:
        not_verified.append("no checkpoint to check: --require-signatures needs at least one signed checkpoint")
    elif public_key is not None and not checkpoints:
        # A key that checked nothing must not read as "signature verified": the caller asked for it.
        not_verified.append("no checkpoint to check the public key against: the log's signature was not "
                            "verified (give --checkpoint, or export checkpoints with `audit checkpoint`)")
    for text in not_verified:
        check.problem(None, text)
    pending: list[Checkpoint] = []
    for cp in checkpoints:
        if origin is not None and cp.origin != origin:
            check.problem(None, f"checkpoint of size {cp.tree_size} belongs to log {cp.origin!r}, "
                                f"not this log {origin!r}")
        elif public_key is not None and not cp.verify_signature(public_key):
            check.problem(None, f"checkpoint of size {cp.tree_size} ({cp.timestamp:%Y-%m-%d %H:%M:%S}Z) "
                                "has an invalid signature for the given public key")
        else:
            pending.append(cp)
    pending.sort(key=lambda c: c.tree_size)
    for cp in pending:
        if cp.tree_size == 0:
            check.compare(cp)
    pending = [cp for cp in pending if cp.tree_size > 0]
    for row in rows:
        check.row(row)
        while pending and pending[0].tree_size == check.frontier.size:
            check.compare(pending.pop(0))
    for cp in pending:
        end = check.last_seq
        if end >= cp.tree_size:  # as many sequence numbers, fewer rows: deletions, reported above
            check.problem(cp.tree_size, f"checkpoint of size {cp.tree_size} signed "
                                        f"{cp.timestamp:%Y-%m-%d %H:%M:%S}Z cannot be matched: the log holds "
                                        f"only {check.count} records up to #{end}")
            continue
        check.problem(end + 1, f"log ends at record #{end} but a checkpoint signed "
                               f"{cp.timestamp:%Y-%m-%d %H:%M:%S}Z covers {cp.tree_size} records: "
                               f"records #{end + 1}..#{cp.tree_size} are missing (truncated or rolled back)")
    return VerificationResult(not check.problems, check.count, check.checkpoints, tuple(check.problems),
                              check.first_bad, not_verified=tuple(not_verified),
                              signatures_checked=public_key is not None and bool(checkpoints))


class _Checker:
    def __init__(self, key: bytes) -> None:
        self.key = key
        self.mac = ChainMac(key)
        self.frontier = Frontier()
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.count = 0
        self.checkpoints = 0
        self.problems: list[str] = []
        self.first_bad: int | None = None
        self._dropped = 0

    def problem(self, seq: int | None, text: str) -> None:
        if seq is not None and (self.first_bad is None or seq < self.first_bad):
            self.first_bad = seq
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self._dropped += 1
            self.problems[-1] = f"... and {self._dropped} more problems"

    def row(self, row: StoredRow) -> None:
        seq = row.seq
        self.count += 1
        faults: list[str] = []
        if seq != self.last_seq + 1:
            if seq > self.last_seq + 1:
                gap = f"#{self.last_seq + 1}" if seq == self.last_seq + 2 else f"#{self.last_seq + 1}..#{seq - 1}"
                faults.append(f"record(s) {gap} missing (deleted)")
            else:
                faults.append(f"sequence number out of order after #{self.last_seq} (reordered or duplicated)")
        try:
            prev = bytes.fromhex(row.prev_hash)
            stored = bytes.fromhex(row.entry_hash)
        except ValueError:
            prev, stored = b"", b""
            faults.append("prev_hash/entry_hash are not hex")
        data = row.event_json.encode("utf-8")
        if prev != self.last_hash:
            faults.append(f"prev_hash does not match the hash of record #{self.last_seq} "
                          "(a record before it was removed, reordered, inserted or altered)")
        if hmac.compare_digest(self.mac.link(seq, prev, data), stored):
            faults.extend(_column_faults(row, data))  # authentic: written by a key holder, so canonical
        else:
            faults.append("HMAC does not match its content and position (modified, moved, or forged "
                          "without the key)")
            faults.extend(_content_faults(row, data))
        if faults:
            self.problem(seq, f"record #{seq}: " + "; ".join(faults))
        self.frontier.append_leaf_hash(leaf_hash(data))
        self.last_seq = max(seq, self.last_seq)
        self.last_hash = stored

    def compare(self, cp: Checkpoint) -> None:
        self.checkpoints += 1
        if self.frontier.root() != cp.root_hash:
            self.problem(cp.tree_size, f"checkpoint of size {cp.tree_size} signed "
                                       f"{cp.timestamp:%Y-%m-%d %H:%M:%S}Z does not match records "
                                       f"#1..#{cp.tree_size} (the log was rewritten before that point)")


def _column_faults(row: StoredRow, data: bytes) -> list[str]:
    if not row.columns:
        return []
    try:
        values = json.loads(data)
    except RecursionError:
        return ["event JSON is nested too deeply to read"]
    except ValueError as exc:
        return [f"event is not JSON ({exc})"]
    if not isinstance(values, dict):
        return ["event is not a JSON object"]
    return [f"indexed column {name}={value!r:.60} disagrees with the event ({values.get(name)!r:.60})"
            for name, value in row.columns if values.get(name) != value]


def _content_faults(row: StoredRow, data: bytes) -> list[str]:
    try:
        event = AuditEvent.from_json(data)
    except RecursionError:
        return ["event JSON is nested too deeply to read"]
    except InputError as exc:
        return [f"event is not a valid audit event ({exc})"]
    faults: list[str] = []
    if event.canonical_json() != data:
        faults.append("event JSON is not in canonical form")
    values = event.to_dict()
    for name, value in row.columns:
        if values.get(name) != value:
            faults.append(f"indexed column {name}={value!r:.60} disagrees with the event ({values.get(name)!r:.60})")
    return faults


def rows_from_jsonl(lines: Iterable[str]) -> Iterable[StoredRow]:
    """Rows of a JSONL export (one ``AuditRecord.to_dict()`` per line) for :func:`verify_rows`."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            event = canonical_json(item["event"]).decode("utf-8")
            yield StoredRow(int(item["seq"]), event, str(item["prev_hash"]), str(item["entry_hash"]))
        except RecursionError:
            raise InputError(f"line {number} of the export is nested too deeply to be an audit record") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"line {number} of the export is not an audit record: {exc}") from exc
