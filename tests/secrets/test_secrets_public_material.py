"""Public material is not a secret: key ids, signatures, certificates and public keys, as they appear in
TUF / sigstore metadata (the held-out false positives of benchmarks/secrets.md section 3b), built here
from real keys with `cryptography`."""

from __future__ import annotations

import base64
import hashlib
import json
import random

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from mlsecure.secrets import SecretScanner
from mlsecure.secrets.detectors.generic import public_der
from mlsecure.secrets.interface import FileKind


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _tuf_root(key: ec.EllipticCurvePrivateKey) -> str:
    """A TUF root.json (TUF spec 'root.json'): keyid = sha256 of the canonical public key, ECDSA signature."""
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    public = {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": pem}}
    keyid = hashlib.sha256(json.dumps(public, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    signed = {"_type": "root", "keys": {keyid: public}, "roles": {"root": {"keyids": [keyid], "threshold": 1}}}
    sig = key.sign(json.dumps(signed, sort_keys=True).encode(), ec.ECDSA(hashes.SHA256())).hex()
    return json.dumps({"signatures": [{"keyid": keyid, "sig": sig}], "signed": signed}, indent=1)


def test_tuf_root_metadata_is_public(ec_key: ec.EllipticCurvePrivateKey) -> None:
    text = _tuf_root(ec_key)
    assert '"keyid"' in text and '"sig"' in text and "BEGIN PUBLIC KEY" in text and '"keyids"' in text
    assert SecretScanner().scan_text(text, path="root.json", kind=FileKind.CONFIG) == []


def test_sigstore_trusted_root_raw_public_keys_are_public(ec_key: ec.EllipticCurvePrivateKey) -> None:
    spki = [k.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            for k in (ec_key, ed25519.Ed25519PrivateKey.generate())]
    log_id = base64.b64encode(hashlib.sha256(spki[0]).digest()).decode()
    document = {"tlogs": [{"baseUrl": "https://rekor.example.dev", "publicKey": {
        "rawBytes": base64.b64encode(der).decode(), "keyDetails": "PKIX_ECDSA_P256_SHA_256"},
        "logId": {"keyId": log_id}} for der in spki]}
    assert SecretScanner().scan_text(json.dumps(document, indent=2), kind=FileKind.CONFIG) == []
    assert all(public_der(base64.b64encode(der).decode()) for der in spki)


def test_private_key_der_is_not_public(ec_key: ec.EllipticCurvePrivateKey) -> None:
    pkcs8 = ec_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    value = base64.b64encode(pkcs8).decode()
    assert not public_der(value)
    findings = SecretScanner().scan_text(f'signing_key = "{value}"\n', kind=FileKind.CODE)
    assert [f.rule_id for f in findings] in (["SEC-017"], ["SEC-018"], ["SEC-019"])


@pytest.mark.parametrize("name", ["keyid", "keyId", "KEYID", "kid", "signing_keyid"])
def test_one_word_key_ids_are_ids(name: str) -> None:
    value = random.Random(3).randbytes(32).hex()
    assert SecretScanner().scan_text(f'{{"{name}": "{value}"}}', kind=FileKind.CONFIG) == []


@pytest.mark.parametrize("name", ["sig", "signature", "x_signature", "requestSignature"])
def test_signatures_are_public(name: str, ec_key: ec.EllipticCurvePrivateKey) -> None:
    sig = ec_key.sign(b"payload", ec.ECDSA(hashes.SHA256()))
    for value in (sig.hex(), base64.b64encode(sig).decode()):
        assert SecretScanner().scan_text(f'{{"{name}": "{value}"}}', kind=FileKind.CONFIG) == []


def test_secrets_next_to_public_material_are_still_found(ec_key: ec.EllipticCurvePrivateKey) -> None:
    """The public-material rules are bound to names and blocks: a key's secret next to them is reported."""
    secret = base64.b64encode(random.Random(5).randbytes(30)).decode()
    text = _tuf_root(ec_key)[:-2] + f',\n "client_secret": "{secret}"\n}}'
    findings = SecretScanner().scan_text(text, kind=FileKind.CONFIG)
    assert [f.details.get("key") for f in findings] == ["client_secret"]
    hexkey = random.Random(6).randbytes(20).hex()
    assert SecretScanner().scan_text(f'{{"keyid": "abc", "api_key": "{hexkey}"}}', kind=FileKind.CONFIG)
    # a mapping key is a name, its value is still read
    assert SecretScanner().scan_text(f'{{"{hexkey[:8]}": {{"secret": "{secret}"}}}}', kind=FileKind.CONFIG)


@pytest.mark.parametrize("line", [
    # huggingface_hub docstrings (the fresh held-out set of benchmarks/secrets.md, round 2)
    '    The specific model revision to deploy (e.g. `"6c0e6080953db56375760c0471a8c5f2929baf11"`).',
    '    OID of the target commit for the ref (e.g. `"e7da7f221d5bf496a48136c0cd264e630fe9fcc8"`)',
    "                        'oid': '47b62b20b20e06b9de610e840282b7e6c3d51190',",
])
def test_hex_on_lines_about_commits_is_a_digest(line: str) -> None:
    assert SecretScanner().scan_text(line + "\n", kind=FileKind.CODE) == []


def test_keywordless_hex_elsewhere_is_still_reported() -> None:
    value = random.Random(8).randbytes(20).hex()
    (finding,) = SecretScanner().scan_text(f'    settings = Client("{value}")\n', kind=FileKind.CODE)
    assert finding.rule_id == "SEC-019"
