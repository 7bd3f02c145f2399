"""Key handling, fail-closed behaviour and verification edge cases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from audit_fixtures import HMAC_KEY, make_event
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mlsecure.audit import AuditStoreError, generate_signing_key, load_public_key, log_data_access, open_store
from mlsecure.audit.keys import resolve_hmac_key
from mlsecure.errors import ConfigError, InputError


def test_hmac_key_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLSECURE_AUDIT_HMAC_KEY", raising=False)
    monkeypatch.delenv("MLSECURE_AUDIT_HMAC_KEY_FILE", raising=False)
    with pytest.raises(ConfigError, match="no audit HMAC key"):
        resolve_hmac_key(None)
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        resolve_hmac_key(b"short")
    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", HMAC_KEY.hex())
    assert resolve_hmac_key(None) == HMAC_KEY
    monkeypatch.delenv("MLSECURE_AUDIT_HMAC_KEY")
    (tmp_path / "raw.key").write_bytes(b"\xff" * 24)
    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY_FILE", str(tmp_path / "raw.key"))
    assert resolve_hmac_key(None) == b"\xff" * 24


def test_generated_signing_key_round_trip(tmp_path: Path) -> None:
    public = generate_signing_key(tmp_path / "k.pem")
    assert load_public_key(tmp_path / "k.pem.pub") == public == load_public_key(tmp_path / "k.pem")
    with pytest.raises(InputError, match="refusing to overwrite"):
        generate_signing_key(tmp_path / "k.pem")


def test_closed_store_fails_closed(tmp_path: Path) -> None:
    store = open_store(tmp_path / "a.db", hmac_key=HMAC_KEY)

    @log_data_access(store)
    def load(data_uri: str) -> int:
        return 1

    store.close()
    with pytest.raises(AuditStoreError, match="closed"):
        load("s3://x")


def test_tampered_frontier_makes_the_next_checkpoint_disagree(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    with open_store(tmp_path / "a.db", hmac_key=HMAC_KEY, signing_key=key, checkpoint_every=4) as store:
        store.append_many([make_event(i) for i in range(1, 5)])
        conn = sqlite3.connect(tmp_path / "a.db")
        conn.execute("DROP TRIGGER audit_checkpoints_no_update")
        conn.execute("UPDATE audit_checkpoints SET frontier = '[\"' || replace(substr(frontier, 3), 'A', 'B')")
        conn.commit()
        conn.close()
        store.append_many([make_event(i) for i in range(5, 9)])
        result = store.verify()
    assert not result.ok and "checkpoint of size 8" in result.problems[0]


def test_deleted_records_under_a_checkpoint_are_reported(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    with open_store(tmp_path / "a.db", hmac_key=HMAC_KEY, signing_key=key) as store:
        store.append_many([make_event(i) for i in range(1, 7)])
        witness = store.checkpoint()
        conn = sqlite3.connect(tmp_path / "a.db")
        conn.execute("DROP TRIGGER audit_records_no_delete")
        conn.execute("DELETE FROM audit_records WHERE seq = 2")
        conn.commit()
        conn.close()
        result = store.verify(checkpoints=[witness], stored_checkpoints=False)
    assert not result.ok and result.first_bad_seq == 3
    assert any("holds only 5 records up to #6" in p for p in result.problems)
