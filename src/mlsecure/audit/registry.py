"""Audit-store backends by URL scheme, and :func:`open_store`."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mlsecure.audit.checkpoint import DEFAULT_KEY_NAME
from mlsecure.audit.interface import AuditStore
from mlsecure.audit.keys import resolve_hmac_key
from mlsecure.errors import InputError
from mlsecure.plugins import PluginRegistry


def _builtins() -> dict[str, type[AuditStore]]:
    from mlsecure.audit.postgres_store import PostgresAuditStore
    from mlsecure.audit.sqlite_store import SQLiteAuditStore

    return {"sqlite": SQLiteAuditStore, "postgresql": PostgresAuditStore, "postgres": PostgresAuditStore}


# URL scheme -> store class: ``register("name", cls)`` makes ``open_store`` open ``name://...`` with ``cls``
_stores: PluginRegistry[type[AuditStore]] = PluginRegistry("audit store scheme", AuditStore, _builtins)
register = _stores.register
registered = _stores.classes


def open_store(url: str | Path, *, hmac_key: bytes | str | None = None,
               signing_key: Ed25519PrivateKey | None = None, checkpoint_every: int = 0,
               key_name: str = DEFAULT_KEY_NAME, create: bool = True, read_only: bool = False) -> AuditStore:
    """Open (creating if needed) the audit log at ``url``.

    ``url``: ``sqlite:///abs/path.db``, a bare path (SQLite) or ``postgresql://user@host/db``.
    ``hmac_key``: the chain key (bytes or hex); default from ``MLSECURE_AUDIT_HMAC_KEY`` /
    ``MLSECURE_AUDIT_HMAC_KEY_FILE``. ``signing_key`` + ``checkpoint_every=N`` sign a checkpoint every
    ``N`` records (see :meth:`AuditStore.checkpoint` to sign one on demand). ``create=False`` refuses to
    create a missing SQLite file; ``read_only=True`` also writes nothing (a read-only copy verifies).
    """
    text = str(url)
    scheme = text.split("://", 1)[0].split("+", 1)[0].lower() if "://" in text else "sqlite"
    if scheme == "sqlite" and text.startswith("sqlite:") and "://" not in text:
        raise InputError(f"malformed SQLite URL {text!r}; use sqlite:///absolute/path.db or a plain path")
    if scheme not in _stores:
        raise InputError(f"no audit store for URL scheme {scheme!r}; known: {', '.join(sorted(_stores))}")
    cls = _stores.get(scheme)
    return cls.from_url(text, hmac_key=resolve_hmac_key(hmac_key), signing_key=signing_key,
                        checkpoint_every=checkpoint_every, key_name=key_name, create=create,
                        **({"read_only": True} if read_only else {}))
