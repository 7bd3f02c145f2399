"""Key sources and wrapping against published vectors; the format spec checked by an independent decoder."""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

from mlsecure.encryption.keys import (
    KekKind,
    KeyUnwrapError,
    LocalKey,
    PassphraseKey,
    generate_key_file,
    key_fingerprint,
    parse_scrypt_params,
    scrypt_kek,
)
from mlsecure.encryption.stream import Algorithm, encrypt_stream
from mlsecure.errors import ConfigError, InputError


# RFC 3394 section 4: (KEK, key data, ciphertext).
@pytest.mark.parametrize(("kek", "data", "wrapped"), [
    ("000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",  # 4.1
     "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"),
    ("000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF",  # 4.2
     "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"),
    ("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",  # 4.3
     "00112233445566778899AABBCCDDEEFF", "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"),
    ("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",  # 4.6
     "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
     "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"),
])
def test_aes_key_wrap_rfc3394_vectors(kek: str, data: str, wrapped: str) -> None:
    from cryptography.hazmat.primitives.keywrap import aes_key_wrap

    assert aes_key_wrap(bytes.fromhex(kek), bytes.fromhex(data)).hex().upper() == wrapped
    assert aes_key_unwrap(bytes.fromhex(kek), bytes.fromhex(wrapped)).hex().upper() == data


def test_local_key_wraps_with_rfc3394() -> None:
    """Our wrap path is AES-KW RFC 3394 (4.6: 256-bit data under a 256-bit KEK), deterministic by design."""
    key = LocalKey(bytes.fromhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"))
    envelope = key.wrap(bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F"))
    assert envelope.kind is KekKind.RAW and envelope.key_id == key.key_id and envelope.params == b""
    assert envelope.wrapped.hex().upper() == (
        "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")


def test_scrypt_rfc7914_vector() -> None:
    """RFC 7914 section 12, P="password", S="NaCl", N=1024, r=8, p=16: the first 32 of its 64 bytes."""
    expected = "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
    assert scrypt_kek(b"password", b"NaCl", 10, 8, 16).hex() == expected


def test_scrypt_params_travel_in_the_envelope() -> None:
    envelope = PassphraseKey("pw", log2_n=5, r=4, p=2).wrap(os.urandom(32))
    salt, log2_n, r, p = parse_scrypt_params(envelope.params)
    assert (len(salt), log2_n, r, p) == (16, 5, 4, 2)
    hostile = envelope.params[:16] + struct.pack(">BII", 30, 8, 1)
    with pytest.raises(KeyUnwrapError, match="scrypt parameters"):
        parse_scrypt_params(hostile)


def test_key_file_is_private_and_refused_when_readable(tmp_path: Path) -> None:
    path = tmp_path / "kek.key"
    key = generate_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert LocalKey.from_file(path).key_id == key.key_id
    with pytest.raises(InputError, match="already exists"):
        generate_key_file(path)
    path.chmod(0o640)
    with pytest.raises(ConfigError, match=r"accessible by group or others \(mode 0640\).*chmod 600"):
        LocalKey.from_file(path)
    path.chmod(0o604)
    with pytest.raises(ConfigError, match="group or others"):
        LocalKey.from_file(path)


def test_key_file_contents_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.key"
    path.write_text("not a key\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="not a key"):
        LocalKey.from_file(path)
    with pytest.raises(InputError, match="cannot read"):
        LocalKey.from_file(tmp_path / "missing.key")


def test_env_key_hex_and_base64(monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    raw = os.urandom(32)
    monkeypatch.setenv("K_HEX", raw.hex())
    monkeypatch.setenv("K_B64", base64.b64encode(raw).decode())
    assert LocalKey.from_env("K_HEX").key_id == LocalKey.from_env("K_B64").key_id == key_fingerprint(raw)
    monkeypatch.setenv("K_SHORT", "abcd")
    with pytest.raises(ConfigError):
        LocalKey.from_env("K_SHORT")
    with pytest.raises(ConfigError, match="not set"):
        LocalKey.from_env("K_UNSET_FOR_TEST")


def test_repr_hides_key_material() -> None:
    raw = bytes(range(32))
    assert raw.hex() not in repr(LocalKey(raw)) and "secret" not in repr(PassphraseKey("secret"))


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_reference_decoder_matches_the_documented_format(algorithm: Algorithm) -> None:
    """Decode a file from the byte layout in docs/encryption-at-rest.md using only cryptography primitives."""
    kek_bytes = bytes(range(32))
    segment_size = 100
    plaintext = os.urandom(2 * segment_size + 37)  # segments 0 and 1 full, segment 2 short and last
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(plaintext), out, kek=LocalKey(kek_bytes), segment_size=segment_size,
                   algorithm=algorithm)
    blob = out.getvalue()

    assert blob[:6] == b"MLSENC" and blob[6] == 1 and blob[7] == algorithm.value
    assert struct.unpack(">I", blob[8:12])[0] == segment_size
    nonce_prefix = blob[12:19]
    assert blob[19] == 1  # raw KEK
    k = blob[20]
    assert blob[21:21 + k].decode() == "local:" + hashlib.sha256(b"mlsecure-kek-id\x00" + kek_bytes).hexdigest()[:16]
    pos = 21 + k
    (p,) = struct.unpack(">H", blob[pos:pos + 2])
    pos += 2 + p
    (w,) = struct.unpack(">H", blob[pos:pos + 2])
    wrapped = blob[pos + 2:pos + 2 + w]
    pos += 2 + w
    tag, body_start = blob[pos:pos + 32], pos + 32

    data_key = aes_key_unwrap(kek_bytes, wrapped)
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=b"mlsecure-enc v1").derive(data_key)
    payload_key, mac_key = okm[:32], okm[32:]
    assert hmac.compare_digest(hmac.new(mac_key, blob[:pos], hashlib.sha256).digest(), tag)

    aead = AESGCM(payload_key) if algorithm is Algorithm.AES_256_GCM else ChaCha20Poly1305(payload_key)
    stride = segment_size + 16
    seg1 = blob[body_start + stride:body_start + 2 * stride]
    nonce1 = nonce_prefix + (1).to_bytes(4, "big") + b"\x00"
    assert aead.decrypt(nonce1, seg1, blob[:19]) == plaintext[segment_size:2 * segment_size]
    last = blob[body_start + 2 * stride:]
    assert len(last) == 37 + 16
    assert aead.decrypt(nonce_prefix + (2).to_bytes(4, "big") + b"\x01", last, blob[:19]) == plaintext[-37:]
