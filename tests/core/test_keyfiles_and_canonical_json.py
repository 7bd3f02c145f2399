"""The one key loader (``mlsecure.keyfiles``) and the one canonical JSON (``strict_json.canonical_json``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from mlsecure import keyfiles, strict_json
from mlsecure.errors import ConfigError, InputError

# RFC 8032 section 7.1, TEST 1
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def _raw_public(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _pem(key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey, passphrase: bytes | None = None) -> bytes:
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def test_canonical_json_known_answer() -> None:
    value = {"b": 1, "a": [1.5, "é", None, True], "B": {"z": "x", "y": -0.0}, "n": 10**20}
    assert strict_json.canonical_json(value) == (
        b'{"B":{"y":-0.0,"z":"x"},"a":[1.5,"\xc3\xa9",null,true],"b":1,"n":100000000000000000000}')
    with pytest.raises(InputError, match="cannot encode canonical JSON"):
        strict_json.canonical_json({"x": float("nan")})


def test_every_signer_uses_the_one_canonical_json() -> None:
    from mlsecure.artifacts.signing import dsse, hmac_manifest
    from mlsecure.audit.events import AuditEvent
    from mlsecure.serving import canonical_json as serving_canonical

    assert serving_canonical is strict_json.canonical_json
    assert dsse.canonical_json is strict_json.canonical_json
    assert hmac_manifest.canonical_json is strict_json.canonical_json
    event = AuditEvent(event_type="model", actor="alice", action="load", resource="m.pt", outcome="allowed",
                       details={"z": 1, "a": "é"})
    assert event.canonical_json() == strict_json.canonical_json(event.to_dict())


def test_raw_ed25519_keys_known_answer(tmp_path: Path) -> None:
    key = keyfiles.load_private_key(RFC8032_SECRET)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    assert _raw_public(key.public_key()) == RFC8032_PUBLIC
    hex_file = tmp_path / "secret.hex"
    hex_file.write_text(RFC8032_SECRET.hex() + "\n")
    assert _raw_public(keyfiles.load_ed25519_private_key(hex_file).public_key()) == RFC8032_PUBLIC
    assert _raw_public(keyfiles.load_ed25519_public_key(RFC8032_PUBLIC.hex().encode())) == RFC8032_PUBLIC


def test_pem_round_trip_plain_and_encrypted(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    plain, locked = tmp_path / "k.pem", tmp_path / "locked.pem"
    plain.write_bytes(_pem(key))
    locked.write_bytes(_pem(key, b"correct horse"))
    for loaded in (keyfiles.load_private_key(plain),
                   keyfiles.load_private_key(locked, passphrase=b"correct horse")):
        assert isinstance(loaded, ed25519.Ed25519PrivateKey)
        assert _raw_public(loaded.public_key()) == RFC8032_PUBLIC
    with pytest.raises(InputError, match=rf"^{locked}: the private key is encrypted; give its passphrase$"):
        keyfiles.load_private_key(locked)
    with pytest.raises(InputError, match=rf"^{locked}: cannot read the private key .*\(wrong passphrase\?\)"):
        keyfiles.load_private_key(locked, passphrase=b"wrong")
    with pytest.raises(InputError, match=rf"^{plain}: a passphrase was given but the private key is not encrypted"):
        keyfiles.load_private_key(plain, passphrase=b"x")


def test_public_keys_and_the_private_half(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    pub, priv = tmp_path / "k.pub", tmp_path / "k.pem"
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    priv.write_bytes(_pem(key))
    assert _raw_public(keyfiles.load_ed25519_public_key(pub)) == RFC8032_PUBLIC
    with pytest.raises(InputError, match=rf"^{priv}: the public key is a private key; give the public key"):
        keyfiles.load_public_key(priv)
    assert _raw_public(keyfiles.load_ed25519_public_key(priv, from_private=True)) == RFC8032_PUBLIC
    assert _raw_public(keyfiles.load_ed25519_public_key(pub.read_text())) == RFC8032_PUBLIC  # PEM text


def test_key_kinds_are_declared_and_errors_name_the_file(tmp_path: Path) -> None:
    p256, p384 = tmp_path / "p256.pem", tmp_path / "p384.pem"
    p256.write_bytes(_pem(ec.generate_private_key(ec.SECP256R1())))
    p384.write_bytes(_pem(ec.generate_private_key(ec.SECP384R1())))
    assert isinstance(keyfiles.load_private_key(p256), ec.EllipticCurvePrivateKey)
    with pytest.raises(InputError, match=rf"^{p256}: the private key is of type ECDSA \(secp256r1\); "
                                         r"expected Ed25519$"):
        keyfiles.load_private_key(p256, kinds=keyfiles.ED25519)
    with pytest.raises(InputError, match=r"ECDSA \(secp384r1\); expected Ed25519 or ECDSA P-256$"):
        keyfiles.load_private_key(p384)
    junk = tmp_path / "junk.key"
    junk.write_bytes(b"not a key at all")
    with pytest.raises(InputError, match=rf"^{junk}: the public key is neither PEM nor a raw 32-byte Ed25519 key$"):
        keyfiles.load_public_key(junk)
    with pytest.raises(ConfigError, match=rf"^{tmp_path / 'missing.pem'}: cannot read the signing key: no such file"):
        keyfiles.load_private_key(tmp_path / "missing.pem", what="the signing key", error=ConfigError)
    with pytest.raises(InputError, match=r"^the enrolled key: cannot read the enrolled key as a PEM public key"):
        keyfiles.load_public_key(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                                 what="the enrolled key")
