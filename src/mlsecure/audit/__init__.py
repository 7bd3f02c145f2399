"""Tamper-evident audit logging: structured events in an append-only, HMAC-chained store (SQLite by
default, PostgreSQL by URL) with signed RFC 6962 checkpoints that expose truncation and rollback.

    from mlsecure.audit import AuditEvent, open_store
    store = open_store("sqlite:///var/lib/mlsecure/audit.db", hmac_key=key)
    record = store.append(AuditEvent(event_type="prediction", actor="alice", action="predict",
                                     resource="model:v3", outcome="allowed", input_hash=hash_input(x)))
    assert store.verify().ok
"""

from mlsecure.audit.access import log_data_access
from mlsecure.audit.chain import AuditRecord
from mlsecure.audit.checkpoint import Checkpoint, sign_checkpoint
from mlsecure.audit.events import OUTCOMES, AuditEvent, Outcome, hash_input
from mlsecure.audit.export import export_jsonl, verify_jsonl
from mlsecure.audit.interface import AuditStore, AuditStoreError, RecordFilter
from mlsecure.audit.keys import generate_signing_key, load_public_key, load_signing_key, resolve_hmac_key
from mlsecure.audit.registry import open_store, register, registered
from mlsecure.audit.verify import VerificationResult

__all__ = [
    "OUTCOMES",
    "AuditEvent",
    "AuditRecord",
    "AuditStore",
    "AuditStoreError",
    "Checkpoint",
    "Outcome",
    "RecordFilter",
    "VerificationResult",
    "export_jsonl",
    "generate_signing_key",
    "hash_input",
    "load_public_key",
    "load_signing_key",
    "log_data_access",
    "open_store",
    "register",
    "registered",
    "resolve_hmac_key",
    "sign_checkpoint",
    "verify_jsonl",
]
