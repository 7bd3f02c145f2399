"""Providers: env, file (0600 rule), Vault KV v2 against a fake Vault on 127.0.0.1, chain, Secret masking."""

from __future__ import annotations

import json
import logging
import pickle
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mlsecure.errors import ConfigError
from mlsecure.secrets import ChainProvider, EnvProvider, FileProvider, Secret, SecretNotFoundError, VaultProvider

TOKEN = "s.fake-vault-token-for-tests"
STORE = {"secret": {"ml/registry": {"token": "reg-t0ken-value", "n": 3}}}


class _FakeVault(BaseHTTPRequestHandler):
    """The KV v2 read endpoint of Vault's HTTP API: GET /v1/{mount}/data/{path} with X-Vault-Token."""

    seen: list[dict[str, str]] = []  # noqa: RUF012  (class-level log of request headers, test only)

    def do_GET(self) -> None:
        type(self).seen.append({k.lower(): v for k, v in self.headers.items()} | {"path": self.path})
        if self.headers.get("X-Vault-Token") != TOKEN:
            self._reply(403, {"errors": ["permission denied"]})
            return
        parts = self.path.split("/", 4)  # '', 'v1', mount, 'data', path
        if len(parts) != 5 or parts[1] != "v1" or parts[3] != "data":
            self._reply(404, {"errors": []})
            return
        data = STORE.get(parts[2], {}).get(parts[4])
        if data is None:
            self._reply(404, {"errors": []})
            return
        self._reply(200, {"data": {"data": data, "metadata": {"version": 1}}})

    def _reply(self, status: int, body: object) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        del format, args


@pytest.fixture()
def vault_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeVault)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_vault_kv2_read_both_name_forms(vault_url: str) -> None:
    vault = VaultProvider(url=vault_url, token=TOKEN, namespace="team-ml")
    assert vault.get_secret("ml/registry#token") == "reg-t0ken-value"
    assert vault.get_secret("ml/registry/token") == "reg-t0ken-value"
    last = _FakeVault.seen[-1]
    assert last["path"] == "/v1/secret/data/ml/registry"
    assert last["x-vault-token"] == TOKEN and last["x-vault-namespace"] == "team-ml"


def test_vault_errors_are_clear_and_never_carry_the_token(vault_url: str) -> None:
    with pytest.raises(SecretNotFoundError, match="no secret at secret/ml/missing"):
        VaultProvider(url=vault_url, token=TOKEN).get_secret("ml/missing#token")
    with pytest.raises(SecretNotFoundError, match="no field 'nope'"):
        VaultProvider(url=vault_url, token=TOKEN).get_secret("ml/registry#nope")
    with pytest.raises(ConfigError, match="not a string"):
        VaultProvider(url=vault_url, token=TOKEN).get_secret("ml/registry#n")
    with pytest.raises(ConfigError, match="refused access") as info:
        VaultProvider(url=vault_url, token="wrong-token-value").get_secret("ml/registry#token")
    assert "wrong-token-value" not in str(info.value)
    with pytest.raises(ConfigError, match="cannot reach Vault"):
        VaultProvider(url="http://127.0.0.1:9", token=TOKEN, timeout=0.5).get_secret("a/b")


def test_vault_refuses_plain_http_to_remote_hosts_and_bad_names() -> None:
    with pytest.raises(ConfigError, match="plain HTTP"):
        VaultProvider(url="http://vault.example.com:8200", token=TOKEN)
    VaultProvider(url="https://vault.example.com:8200", token=TOKEN)  # fine, nothing sent yet
    with pytest.raises(ConfigError, match="path/to/secret#field"):
        VaultProvider(url="http://localhost:8200", token=TOKEN).get_secret("nofield")
    with pytest.raises(ConfigError, match="VAULT_ADDR"):
        VaultProvider.from_env({})


def test_env_provider_and_prefix() -> None:
    env = EnvProvider(prefix="ML_", environ={"ML_REGISTRY_TOKEN": "abc123"})
    assert env.get_secret("REGISTRY_TOKEN") == "abc123"
    with pytest.raises(SecretNotFoundError, match="ML_DATA_STORE_KEY is not set"):
        env.get_secret("DATA_STORE_KEY")


def test_file_provider_requires_private_permissions(tmp_path: Path) -> None:
    path = tmp_path / "db_password"
    path.write_text("p4ss-w0rd\n")
    path.chmod(0o644)
    provider = FileProvider(directory=tmp_path)
    with pytest.raises(ConfigError, match=r"mode 0644.*chmod 600") as info:
        provider.get_secret("db_password")
    assert "p4ss-w0rd" not in str(info.value)
    path.chmod(0o600)
    assert provider.get_secret("db_password") == "p4ss-w0rd"
    assert FileProvider(directory=tmp_path, require_private=False).get_secret("db_password") == "p4ss-w0rd"
    with pytest.raises(SecretNotFoundError, match="not a plain file name"):
        provider.get_secret("../etc/passwd")
    with pytest.raises(SecretNotFoundError):
        provider.get_secret("absent")


def test_chain_takes_the_first_provider_that_has_it(tmp_path: Path, vault_url: str) -> None:
    (tmp_path / "token").write_text("from-file")
    (tmp_path / "token").chmod(0o600)
    env = EnvProvider(environ={"OTHER": "x"})
    files = FileProvider(directory=tmp_path)
    vault = VaultProvider(url=vault_url, token=TOKEN)
    chain = ChainProvider([env, files, vault])
    assert chain.find("token") == (files, "from-file")
    assert chain.get_secret("ml/registry#token") == "reg-t0ken-value"
    with pytest.raises(SecretNotFoundError, match="not found in: environment, files in"):
        ChainProvider([env, files]).get_secret("missing")


def test_secret_wrapper_never_shows_its_value(caplog: pytest.LogCaptureFixture) -> None:
    secret = EnvProvider(environ={"K": "top-secret-value"}).get("K")
    assert secret.reveal() == "top-secret-value"
    shown_forms = (repr(secret), str(secret), f"{secret}", f"{secret!r}", "{}".format(secret),  # noqa: UP032
                   "%s" % (secret,), str([secret]))  # noqa: UP031  (%-formatting is what is tested)
    for shown in shown_forms:
        assert "top-secret-value" not in shown
    logging.getLogger("t").warning("token is %s", secret)
    assert "top-secret-value" not in caplog.text
    assert secret == Secret("top-secret-value") and secret != Secret("other")
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)
