"""``mlsecure data ...`` through a parser built here (the lead wires it into ``cli/main.py``)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest

from mlsecure.cli import encrypt_cmd
from mlsecure.errors import MLSecureError


def _run(argv: list[str]) -> int:
    """Like ``cli.main.main``: an ``MLSecureError`` becomes one line on stderr and exit code 2."""
    parser = argparse.ArgumentParser(prog="mlsecure")
    sub = parser.add_subparsers(dest="command")
    assert encrypt_cmd.register(sub) == ["data"]
    try:
        return encrypt_cmd.run(parser.parse_args(argv))
    except MLSecureError as exc:
        print(f"mlsecure: error: {exc}", file=__import__("sys").stderr)
        return 2


def test_keygen_encrypt_decrypt_rewrap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key, key2 = tmp_path / "a.key", tmp_path / "b.key"
    assert _run(["data", "keygen", str(key)]) == 0
    assert _run(["data", "keygen", str(key2)]) == 0
    data = tmp_path / "train.parquet"
    data.write_bytes(os.urandom(300_000))
    assert _run(["data", "encrypt", str(data), "--key-file", str(key), "--segment-size", "64KiB"]) == 0
    sealed = tmp_path / "train.parquet.mlse"
    assert "5 segments" in capsys.readouterr().err
    assert _run(["data", "inspect", str(sealed)]) == 0
    assert "segment size:  65536" in capsys.readouterr().out
    data.unlink()
    assert _run(["data", "decrypt", str(sealed), "--key-file", str(key)]) == 0
    assert data.stat().st_size == 300_000
    assert _run(["data", "rewrap", str(sealed), "--key-file", str(key), "--new-key-file", str(key2)]) == 0
    capsys.readouterr()
    assert _run(["data", "verify", str(sealed), "--key-file", str(key)]) == 2
    assert "wrong key" in capsys.readouterr().err
    assert _run(["data", "verify", str(sealed), "--key-file", str(key2)]) == 0


def test_tampered_file_exit_2_names_file_and_segment(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLSECURE_DATA_KEY", os.urandom(32).hex())
    data = tmp_path / "x.bin"
    data.write_bytes(os.urandom(5000))
    assert _run(["data", "encrypt", str(data), "--segment-size", "1024"]) == 0
    sealed = tmp_path / "x.bin.mlse"
    blob = bytearray(sealed.read_bytes())
    blob[-100] ^= 1
    sealed.write_bytes(bytes(blob))
    capsys.readouterr()
    assert _run(["data", "decrypt", str(sealed), "-o", str(tmp_path / "y.bin")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(sealed) in err and "segment 4" in err
    assert not (tmp_path / "y.bin").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.bin", "x.bin.mlse"]


def test_passphrase_env_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW", "correct horse battery staple")
    data = tmp_path / "m.onnx"
    data.write_bytes(b"model" * 1000)
    assert _run(["data", "encrypt", str(data), "--passphrase-env", "PW", "--scrypt-log2-n", "4",
                 "--algorithm", "chacha20-poly1305", "-o", str(tmp_path / "m.enc")]) == 0
    assert _run(["data", "decrypt", str(tmp_path / "m.enc"), "--passphrase-env", "PW",
                 "-o", str(tmp_path / "back.onnx")]) == 0
    assert (tmp_path / "back.onnx").read_bytes() == data.read_bytes()


def test_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLSECURE_DATA_KEY", raising=False)
    plain = tmp_path / "p.txt"
    plain.write_text("hello")
    assert _run(["data", "encrypt", str(plain)]) == 2
    assert "no key given" in capsys.readouterr().err
    key = tmp_path / "k.key"
    _run(["data", "keygen", str(key)])
    key.chmod(0o644)
    assert _run(["data", "encrypt", str(plain), "--key-file", str(key)]) == 2
    assert "chmod 600" in capsys.readouterr().err
    key.chmod(0o600)
    assert _run(["data", "decrypt", str(plain), "-o", str(tmp_path / "o"), "--key-file", str(key)]) == 2
    assert f"{plain}: not an mlsecure encrypted file" in capsys.readouterr().err
    assert _run(["data", "decrypt", str(plain), "--key-file", str(key)]) == 2
    assert "name the output with -o" in capsys.readouterr().err
    assert _run(["data", "encrypt", str(tmp_path / "missing"), "--key-file", str(key)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_check_pipeline_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "pipeline.yaml"
    config.write_text("data_pipeline:\n  output:\n    bucket: b\n    encryption: false\n    access_logging: true\n"
                      "  masking: {enabled: true, fields: [name, email, phone, ssn, address, dob, iban, ip]}\n")
    assert _run(["data", "check-pipeline", str(config), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["id"], f["severity"], f["evidence"]["line"]) for f in report["findings"]] == [("ENC-101", "high", 4)]
    assert _run(["data", "check-pipeline", str(config), "--fail-on", "critical", "--format", "json"]) == 0
    config.write_text("data_pipeline:\n  output: [\n")
    capsys.readouterr()
    assert _run(["data", "check-pipeline", str(config)]) == 2
    assert f"{config}:3: invalid YAML" in capsys.readouterr().err
