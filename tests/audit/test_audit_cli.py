"""``mlsecure audit verify|query|export|checkpoint`` in process."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from audit_fixtures import HMAC_KEY, make_event

from mlsecure.audit import open_store
from mlsecure.cli.main import main


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key_file = tmp_path / "hmac.key"
    key_file.write_text(HMAC_KEY.hex() + "\n")
    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY_FILE", str(key_file))
    monkeypatch.delenv("MLSECURE_AUDIT_HMAC_KEY", raising=False)
    db = tmp_path / "audit.db"
    with open_store(db) as store:
        store.append_many([make_event(i) for i in range(1, 11)])
    return db


def test_verify_intact_then_tampered(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify", str(log)]) == 0
    assert "intact: 10 records" in capsys.readouterr().out
    conn = sqlite3.connect(log)
    conn.execute("DROP TRIGGER audit_records_no_update")
    conn.execute("UPDATE audit_records SET event_json = replace(event_json, 'user1', 'userX') WHERE seq = 4")
    conn.commit()
    conn.close()
    assert main(["audit", "verify", str(log), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["first_bad_seq"] == 4


def test_verify_bad_input_exits_2(log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify", str(tmp_path / "missing.db")]) == 2
    (tmp_path / "wrong.key").write_text(bytes(range(5, 37)).hex())
    assert main(["audit", "verify", str(log), "--hmac-key-file", str(tmp_path / "wrong.key")]) == 2
    assert "does not match this audit log" in capsys.readouterr().err


def test_checkpoint_export_and_offline_verification(log: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "signing.pem"
    assert main(["audit", "checkpoint", "--generate-key", str(key)]) == 0
    assert (key.stat().st_mode & 0o777) == 0o600
    note = tmp_path / "head.checkpoint"
    assert main(["audit", "checkpoint", str(log), "--signing-key", str(key), "-o", str(note)]) == 0
    assert note.read_text().split("\n")[1] == "10"
    export = tmp_path / "audit.jsonl"
    assert main(["audit", "export", str(log), "-o", str(export)]) == 0
    lines = export.read_text().splitlines()
    assert len(lines) == 10 and json.loads(lines[0])["seq"] == 1
    pub = f"{key}.pub"
    args = ["--checkpoint", str(note), "--public-key", pub]
    assert main(["audit", "verify", str(export), *args]) == 0
    (tmp_path / "cut.jsonl").write_text("\n".join(lines[:7]) + "\n")
    capsys.readouterr()
    assert main(["audit", "verify", str(tmp_path / "cut.jsonl"), *args]) == 1
    assert "records #8..#10 are missing" in capsys.readouterr().out


def test_query_filters_and_jsonl(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "query", str(log), "--actor", "user1", "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["seq"] for r in rows] == [1, 4, 7, 10]
    assert main(["audit", "query", str(log), "--event-type", "auth", "--limit", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].split()[0] == "2"


def test_checkpoint_and_export_never_write_over_a_key_file(log: Path, tmp_path: Path) -> None:
    """Session-5 audit: `audit checkpoint LOG --signing-key K -o K --force` replaced the signing key with the note."""
    key = tmp_path / "signing.pem"
    assert main(["audit", "checkpoint", "--generate-key", str(key)]) == 0
    before = key.read_bytes()
    assert main(["audit", "checkpoint", str(log), "--signing-key", str(key), "-o", str(key), "--force"]) == 2
    assert key.read_bytes() == before
    hmac_key = tmp_path / "hmac.key"
    secret = hmac_key.read_bytes()
    assert main(["audit", "export", str(log), "--hmac-key-file", str(hmac_key), "-o", str(hmac_key), "--force"]) == 2
    assert hmac_key.read_bytes() == secret
