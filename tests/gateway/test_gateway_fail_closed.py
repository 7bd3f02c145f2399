"""Issue 14: the gateway refuses to start on a corrupt token store and says so when its port is taken."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest

from mlsecure.cli.main import main
from mlsecure.errors import ConfigError
from mlsecure.serving.tokens import open_token_store


def _corrupt_json(path: Path) -> None:
    path.write_text('{"version": 1, "tokens": [{"token_id": "abc"', encoding="utf-8")


def _corrupt_sqlite_row(path: Path) -> None:
    store = open_token_store(path)
    store.create(name="ds", role="data_scientist")
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE tokens SET scopes = 'not json'")
    conn.commit()
    conn.close()


def _garbage_file(path: Path) -> None:
    path.write_bytes(b"\x00garbage" * 512)


@pytest.mark.parametrize(("name", "damage"), [("tokens.json", _corrupt_json), ("tokens.db", _corrupt_sqlite_row),
                                              ("tokens.db", _garbage_file)])
def test_corrupt_token_store_is_refused_when_opened(tmp_path: Path, name: str, damage: object) -> None:
    path = tmp_path / name
    damage(path)  # type: ignore[operator]
    with pytest.raises(ConfigError, match=r"corrupt|malformed|not a usable token database"):
        open_token_store(path)


def test_serve_refuses_to_start_on_a_corrupt_token_store(tmp_path: Path, digits_onnx: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "ab" * 32)
    tokens = tmp_path / "tokens.json"
    _corrupt_json(tokens)
    config = tmp_path / "gateway.toml"
    config.write_text(f'[auth]\ntoken_store = "{tokens}"\n[audit]\nstore = "{tmp_path / "audit.db"}"\n'
                      f'[signing]\nkey_file = "{tmp_path / "signing.pem"}"\n', encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["gateway", "serve", "--model", str(digits_onnx), "--config", str(config), "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "malformed token file" in err[0] and str(tokens) in err[0]


def test_busy_port_is_exit_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["gateway", "serve", "--model", str(tmp_path / "m.onnx"), "--host", "127.0.0.1",
                     "--port", str(port)])
    assert code == 2
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}: the port is already in use" in err


def test_verify_response_cli_rejects_a_duplicated_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mlsecure.serving.signing import ResponseSigner, canonical_json

    signer = ResponseSigner.from_file(tmp_path / "k.pem", generate=True)
    (tmp_path / "k.pub").write_text(signer.public_pem(), encoding="utf-8")
    signed = canonical_json({"label": 7, "request_id": "r1"})
    (tmp_path / "sig").write_text(signer.sign(signed), encoding="utf-8")
    (tmp_path / "good.json").write_bytes(signed)
    (tmp_path / "forged.json").write_bytes(b'{"label":1,' + signed[1:])
    assert json.loads((tmp_path / "forged.json").read_bytes()) == {"label": 7, "request_id": "r1"}
    base = ["gateway", "verify-response", "--public-key", str(tmp_path / "k.pub"),
            "--signature", f"@{tmp_path / 'sig'}"]
    assert main([*base, "--body", str(tmp_path / "good.json")]) == 0
    assert main([*base, "--body", str(tmp_path / "forged.json")]) == 1
    assert "signature INVALID" in capsys.readouterr().err
