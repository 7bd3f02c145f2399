"""TLS 1.3 + mutual TLS with a test PKI made here with ``cryptography``, and the rate limits / budgets."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from gw_helpers import Server, auth, make_server  # type: ignore[import-not-found]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: Any, issuer: str, issuer_key: Any, *, ca: bool = False,
          san: list[x509.GeneralName] | None = None) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def make_pki(root: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""
    files: dict[str, Path] = {}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("mlsecure test CA", ca_key, "mlsecure test CA", ca_key, ca=True)
    for who in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        san = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))] if who == "server" else None
        cert = _cert(f"mlsecure test {who}", key, "mlsecure test CA", ca_key, san=san)
        files[f"{who}_cert"] = root / f"{who}.pem"
        files[f"{who}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        files[f"{who}_key"] = root / f"{who}.key"
        files[f"{who}_key"].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    files["ca"] = root / "ca.pem"
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return files


def client_context(pki: dict[str, Path], *, with_cert: bool = True,
                   max_version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki["ca"]))
    if with_cert:
        ctx.load_cert_chain(str(pki["client_cert"]), str(pki["client_key"]))
    if max_version is not None:
        ctx.maximum_version = max_version
    return ctx


LIMITS_CONFIG = """
[model]
name = "digits"
input_range = [0.0, 1.0]

[server]
tls_certfile = "server.pem"
tls_keyfile = "server.key"
tls_client_ca = "ca.pem"

[auth]
token_store = "tokens.db"

[rate_limit]
per_minute = 5
per_hour = 0
per_day = 12

[extraction]
enabled = false

[audit]
store = "audit.db"
"""


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory, digits_onnx: Path) -> Iterator[tuple[Server, dict[str, Path]]]:
    root = tmp_path_factory.mktemp("gw-tls")
    pki = make_pki(root)
    server = make_server(root, digits_onnx, LIMITS_CONFIG)
    server.scheme = "https"
    server.client_kwargs = {"verify": client_context(pki)}
    server.start()
    yield server, pki
    server.stop()


def test_tls13_with_client_certificate(tls_server: tuple[Server, dict[str, Path]]) -> None:
    server, _ = tls_server
    with server.client() as c:
        r = c.get("/healthz")
        assert r.status_code == 200
        assert r.extensions["network_stream"].get_extra_info("ssl_object").version() == "TLSv1.3"


def test_tls12_client_is_refused(tls_server: tuple[Server, dict[str, Path]]) -> None:
    server, pki = tls_server
    with pytest.raises(httpx.ConnectError), httpx.Client(
            verify=client_context(pki, max_version=ssl.TLSVersion.TLSv1_2), timeout=10) as c:
        c.get(server.url + "/healthz")


def test_client_without_certificate_is_refused(tls_server: tuple[Server, dict[str, Path]]) -> None:
    server, pki = tls_server
    with pytest.raises(httpx.TransportError), httpx.Client(verify=client_context(pki, with_cert=False),
                                                           timeout=10) as c:
        c.get(server.url + "/healthz")


def test_plain_http_is_refused(tls_server: tuple[Server, dict[str, Path]]) -> None:
    server, _ = tls_server
    with pytest.raises(httpx.TransportError), httpx.Client(timeout=10) as c:
        c.get(f"http://127.0.0.1:{server.port}/healthz")


def test_per_minute_rate_limit_gives_429_with_retry_after(tls_server: tuple[Server, dict[str, Path]],
                                                          natural_queries: np.ndarray) -> None:
    server, _ = tls_server
    token, _ = server.token()
    other, _ = server.token()
    body = {"inputs": natural_queries[:1].tolist()}
    with server.client() as c:
        codes = [c.post("/v1/predict", json=body, headers=auth(token)).status_code for _ in range(5)]
        assert codes == [200] * 5
        r = c.post("/v1/predict", json=body, headers=auth(token))
        assert r.status_code == 429 and r.json()["error"] == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        # limits are per token: another client is unaffected
        assert c.post("/v1/predict", json=body, headers=auth(other)).status_code == 200
    ev = [e for e in server.audit_events() if e["details"].get("request_id") == r.json()["request_id"]]
    assert len(ev) == 1 and ev[0]["outcome"] == "denied" and ev[0]["details"]["limit"] == "per_minute"


def test_daily_query_budget_counts_rows(tls_server: tuple[Server, dict[str, Path]],
                                        natural_queries: np.ndarray) -> None:
    server, _ = tls_server
    token, _ = server.token()
    with server.client() as c:
        r = c.post("/v1/predict", json={"inputs": natural_queries[:10].tolist()}, headers=auth(token))
        assert r.status_code == 200
        r = c.post("/v1/predict", json={"inputs": natural_queries[:3].tolist()}, headers=auth(token))
        assert r.status_code == 429 and r.json()["error"] == "budget_exhausted"
        assert 1 <= int(r.headers["Retry-After"]) <= 86400
        # what is left (2 rows) can still be spent
        r = c.post("/v1/predict", json={"inputs": natural_queries[:2].tolist()}, headers=auth(token))
        assert r.status_code == 200
