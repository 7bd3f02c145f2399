"""Issue 14 and 17: ``audit verify`` on a read-only copy, past garbage checkpoints and deeply nested
records, and "signature not checked" told apart from "verified" (``--require-signatures``)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from audit_fixtures import HMAC_KEY, make_event

from mlsecure.audit import open_store
from mlsecure.cli.main import main

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key_file = tmp_path / "hmac.key"
    key_file.write_text(HMAC_KEY.hex() + "\n")
    key_file.chmod(0o600)
    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY_FILE", str(key_file))
    monkeypatch.delenv("MLSECURE_AUDIT_HMAC_KEY", raising=False)
    db = tmp_path / "audit.db"
    with open_store(db) as store:
        store.append_many([make_event(i) for i in range(1, 11)])
    return db


@pytest.fixture
def signed(log: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A checkpoint note of the 10-record log and the public key that signed it."""
    key = tmp_path / "signing.pem"
    assert main(["audit", "checkpoint", "--generate-key", str(key)]) == 0
    note = tmp_path / "head.checkpoint"
    assert main(["audit", "checkpoint", str(log), "--signing-key", str(key), "-o", str(note)]) == 0
    return note, Path(f"{key}.pub")


def test_verify_works_on_a_read_only_copy(log: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="mlsecure-ro-"))
    try:
        copy = folder / "audit.db"
        shutil.copy2(log, copy)
        key = folder / "hmac.key"
        key.write_text(HMAC_KEY.hex() + "\n")
        key.chmod(0o400)
        copy.chmod(0o444)
        folder.chmod(0o555)
        cmd = [sys.executable, "-m", "mlsecure", "audit", "verify", str(copy), "--hmac-key-file", str(key)]
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        if os.geteuid() == 0:  # root writes anywhere: verify as an unprivileged user instead
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv: cannot make the copy read-only")
            os.chown(key, 65534, 65534)
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        before = sorted(p.name for p in folder.iterdir())
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=False)
        assert proc.returncode == 0, proc.stderr
        assert "intact: 10 records" in proc.stdout
        assert sorted(p.name for p in folder.iterdir()) == before  # nothing written beside the copy
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_verify_opens_the_log_without_writing(log: Path) -> None:
    Path(f"{log}.lock").unlink(missing_ok=True)  # left by the writer that made the log
    mtime = log.stat().st_mtime_ns
    data = log.read_bytes()
    with open_store(log, hmac_key=HMAC_KEY, create=False, read_only=True) as store:
        assert store.verify().ok
        assert store.size() == 10
    assert log.read_bytes() == data and log.stat().st_mtime_ns == mtime
    assert not Path(f"{log}.lock").exists()


def test_garbage_checkpoints_do_not_stop_the_record_check(log: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    garbage = tmp_path / "garbage.checkpoint"
    garbage.write_text("not a checkpoint\n")
    binary = tmp_path / "binary.checkpoint"
    binary.write_bytes(bytes(range(256)))
    conn = sqlite3.connect(log)
    conn.execute("INSERT INTO audit_checkpoints (tree_size, note, frontier) VALUES (5, 'junk', '[]')")
    conn.execute("DROP TRIGGER audit_records_no_update")
    conn.execute("UPDATE audit_records SET event_json = replace(event_json, 'user1', 'userX') WHERE seq = 7")
    conn.commit()
    conn.close()
    assert main(["audit", "verify", str(log), "--checkpoint", str(garbage), "--checkpoint", str(binary)]) == 1
    out = capsys.readouterr().out
    assert f"checkpoint {garbage} is unreadable: checkpoint note has no blank line" in out
    assert f"checkpoint {binary} is unreadable: not UTF-8 text (byte offset 128)" in out
    assert "stored checkpoint #1 is unreadable" in out
    assert "record #7: HMAC does not match" in out  # the records were checked all the same
    assert "10 records" in out


def test_deeply_nested_record_is_a_problem_not_a_traceback(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    conn = sqlite3.connect(log)
    conn.execute("INSERT INTO audit_records (seq, event_id, timestamp, event_type, actor, action, resource, "
                 "outcome, input_hash, event_json, prev_hash, entry_hash) VALUES (11, 'e', 't', 'x', 'a', 'p', "
                 "'r', 'allowed', NULL, ?, ?, ?)", (deep, "00" * 32, "00" * 32))
    conn.commit()
    conn.close()
    assert main(["audit", "verify", str(log)]) == 1
    out = capsys.readouterr().out
    assert "record #11" in out and "nested too deeply" in out


def test_signature_not_checked_without_a_public_key(log: Path, signed: tuple[Path, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    note, pub = signed
    capsys.readouterr()
    assert main(["audit", "verify", str(log), "--checkpoint", str(note)]) == 0
    out = capsys.readouterr().out
    assert "signature not checked" in out and "verified" not in out
    assert main(["audit", "verify", str(log), "--checkpoint", str(note), "--require-signatures"]) == 1
    out = capsys.readouterr().out  # the note given, and the copy `audit checkpoint` stored in the log
    assert "NOT VERIFIED  signature not checked for 2 checkpoint(s)" in out and "TAMPERED" not in out
    assert main(["audit", "verify", str(log), "--checkpoint", str(note), "--public-key", str(pub),
                 "--require-signatures"]) == 0
    assert "2 checkpoint(s) match the records, signature verified" in capsys.readouterr().out


def test_require_signatures_needs_a_checkpoint(log: Path, signed: tuple[Path, Path]) -> None:
    _, pub = signed
    fresh = log.with_name("fresh.db")
    with open_store(fresh, hmac_key=HMAC_KEY) as store:
        store.append(make_event(1))
    with open_store(fresh, hmac_key=HMAC_KEY, create=False, read_only=True) as store:
        from mlsecure.audit import load_public_key

        result = store.verify(public_key=load_public_key(pub), require_signatures=True)
    assert not result.ok and result.problems == ("no checkpoint to check: --require-signatures needs at least "
                                                 "one signed checkpoint",)


def test_a_public_key_with_nothing_to_check_is_not_verified(log: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`--public-key` on a log with no checkpoint used to exit 0 whatever the key (32 NUL bytes too)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    fresh = tmp_path / "fresh.db"
    with open_store(fresh, hmac_key=HMAC_KEY) as store:
        store.append(make_event(1))
    zero_key = Ed25519PublicKey.from_public_bytes(bytes(32))
    pub = tmp_path / "zero.pub"
    pub.write_bytes(zero_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    capsys.readouterr()
    assert main(["audit", "verify", str(fresh), "--public-key", str(pub)]) == 1
    out = capsys.readouterr().out
    assert "NOT VERIFIED  no checkpoint to check the public key against" in out and "signature verified" not in out
    with open_store(fresh, hmac_key=HMAC_KEY, create=False, read_only=True) as store:
        assert store.verify().ok  # without a key asked for, an unsigned log's records still verify


def test_checkpoint_fifo_is_refused_at_once(log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "cp.fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert main(["audit", "verify", str(log), "--checkpoint", str(fifo)]) == 2
    assert time.monotonic() - started < 5
    assert "must be a regular file, not a FIFO" in capsys.readouterr().err
