"""``mlsecure artifact keygen|sign|verify|sbom`` in-process: exit codes and what they print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlsecure.cli.main import main
from mlsecure.supply_chain.sbom import validate_sbom


def test_keygen_sign_verify_tamper(model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KEY_PASS", "correct horse battery staple")
    key = tmp_path / "key"
    assert main(["artifact", "keygen", "--out", str(key), "--algorithm", "p256", "--passphrase-env", "KEY_PASS"]) == 0
    assert b"ENCRYPTED" in key.read_bytes() and (key.stat().st_mode & 0o777) == 0o600
    sig = tmp_path / "model.sig.json"
    assert main(["artifact", "sign", str(model_dir), "--key", str(key), "--passphrase-env", "KEY_PASS",
                 "--output", str(sig)]) == 0
    assert main(["artifact", "verify", str(model_dir), "--signature", str(sig), "--pub", f"{key}.pub",
                 "--require-clean-scan"]) == 0
    assert capsys.readouterr().out.startswith(f"OK {model_dir}: 4 files")
    (model_dir / "config.json").write_text("{}")
    assert main(["artifact", "verify", str(model_dir), "--signature", str(sig), "--pub", f"{key}.pub"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "modified: config.json" in out


def test_sign_without_passphrase_is_a_usage_error(model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KEY_PASS", "pw")
    key = tmp_path / "key"
    main(["artifact", "keygen", "--out", str(key), "--passphrase-env", "KEY_PASS"])
    assert main(["artifact", "sign", str(model_dir), "--key", str(key)]) == 2
    assert "encrypted" in capsys.readouterr().err


def test_default_output_and_json_verdict(model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "k"
    main(["artifact", "keygen", "--out", str(key)])
    assert main(["artifact", "sign", str(model_dir), "--key", str(key), "--hash", "blake3"]) == 0
    sig = model_dir.with_name("model.sig.json")
    assert sig.exists()
    capsys.readouterr()
    (model_dir / "EMPTY").rename(model_dir / "EMPTY2")
    assert main(["artifact", "verify", str(model_dir), "--signature", str(sig), "--pub", f"{key}.pub",
                 "--format", "json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["valid"] is False
    assert verdict["problems"] == [{"kind": "renamed", "path": "EMPTY", "message": "renamed: EMPTY -> EMPTY2"}]


def test_hmac_mode(model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MODEL_HMAC", "k" * 32)
    sig = tmp_path / "m.hmac.json"
    assert main(["artifact", "sign", str(model_dir), "--hmac-key-env", "MODEL_HMAC", "-o", str(sig)]) == 0
    assert main(["artifact", "verify", str(model_dir), "--signature", str(sig), "--hmac-key-env", "MODEL_HMAC"]) == 0
    monkeypatch.setenv("MODEL_HMAC", "x" * 32)
    assert main(["artifact", "verify", str(model_dir), "--signature", str(sig), "--hmac-key-env", "MODEL_HMAC"]) == 1
    assert "HMAC tag does not match" in capsys.readouterr().out
    monkeypatch.delenv("MODEL_HMAC")
    assert main(["artifact", "verify", str(model_dir), "--signature", str(sig), "--hmac-key-env", "MODEL_HMAC"]) == 2


def test_unreadable_signature_is_exit_2(model_dir: Path, tmp_path: Path) -> None:
    key = tmp_path / "k"
    main(["artifact", "keygen", "--out", str(key)])
    (tmp_path / "bad.json").write_text("not json")
    assert main(["artifact", "verify", str(model_dir), "--signature", str(tmp_path / "bad.json"),
                 "--pub", f"{key}.pub"]) == 2


def test_sbom_command_writes_a_valid_bom(model_dir: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("torch==2.13.0 --hash=sha256:" + "a" * 64 + "\nnumpy>=1.26\n")
    out = tmp_path / "bom.json"
    assert main(["artifact", "sbom", str(model_dir), "--requirements", str(req), "-o", str(out)]) == 0
    text = out.read_text()
    assert validate_sbom(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    assert bom["metadata"]["component"]["type"] == "machine-learning-model"
    assert {c["purl"] for c in bom["components"]} == {"pkg:pypi/torch@2.13.0", "pkg:pypi/numpy"}


def test_key_passphrase_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlsecure.artifacts.signing import generate_keypair, load_private_key
    from mlsecure.errors import InputError

    encrypted = tmp_path / "enc"
    encrypted.write_bytes(generate_keypair("ed25519", passphrase=b"right").private_pem)
    plain = tmp_path / "plain"
    plain.write_bytes(generate_keypair("p256").private_pem)
    assert load_private_key(encrypted, passphrase=b"right") is not None
    with pytest.raises(InputError, match="wrong passphrase"):
        load_private_key(encrypted, passphrase=b"wrong")
    with pytest.raises(InputError, match="is encrypted"):
        load_private_key(encrypted)
    with pytest.raises(InputError, match="not encrypted"):
        load_private_key(plain, passphrase=b"x")
