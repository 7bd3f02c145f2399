"""JSONL export of the log (one ``AuditRecord.to_dict()`` per line) and verification of such a file.

An unfiltered export carries the chain links, so it can be archived and later verified on its own
(with the HMAC key, plus checkpoints to detect truncation); a filtered export is for reading only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mlsecure.audit.checkpoint import Checkpoint
from mlsecure.audit.interface import AuditStore, RecordFilter
from mlsecure.audit.verify import VerificationResult, rows_from_jsonl, verify_rows
from mlsecure.strict_json import canonical_json


def export_jsonl(store: AuditStore, where: RecordFilter | None = None) -> Iterator[str]:
    """The records ``where`` selects (all by default) as JSON lines (without trailing newlines)."""
    for record in store.query(where or RecordFilter()):
        yield canonical_json(record.to_dict()).decode("utf-8")


def verify_jsonl(lines: Iterable[str], *, hmac_key: bytes, checkpoints: Sequence[Checkpoint] = (),
                 public_key: Ed25519PublicKey | None = None, unreadable_checkpoints: Sequence[str] = (),
                 require_signatures: bool = False) -> VerificationResult:
    """Verify an unfiltered JSONL export like :meth:`AuditStore.verify`."""
    return verify_rows(rows_from_jsonl(lines), hmac_key=hmac_key, checkpoints=checkpoints,
                       public_key=public_key, unreadable_checkpoints=unreadable_checkpoints,
                       require_signatures=require_signatures)
