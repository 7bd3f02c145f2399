"""The strict JSON reader, its canonical form, and the key-derivation bounds (issues 14 and 17)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure import strict_json
from mlsecure.artifacts.signing import generate_keypair, load_private_key
from mlsecure.encryption.keys import PassphraseKey
from mlsecure.errors import ConfigError, InputError, LimitExceededError
from mlsecure.kdf_bounds import SCRYPT_MAX_WORK, check_pbkdf2, check_scrypt
from mlsecure.pkcs8 import check_encrypted_key
from mlsecure.serving.signing import canonical_json

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_canonical_bytes_round_trip_and_are_the_gateways_encoding(value: Any) -> None:
    data = strict_json.canonical_json(value)
    assert strict_json.require_canonical(data, what="x") == value
    assert canonical_json(value) == data  # the gateway signs exactly this encoding


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=6), st.integers(), min_size=1, max_size=4))
def test_any_whitespace_or_key_order_change_is_not_canonical(value: dict[str, int]) -> None:
    spaced = json.dumps(value, sort_keys=True).encode()  # ", " and ": " separators
    if spaced != strict_json.canonical_json(value):
        with pytest.raises(InputError, match="not in canonical JSON form"):
            strict_json.require_canonical(spaced, what="x")


@pytest.mark.parametrize(("data", "error", "words"), [
    (b'{"a": 1, "a": 2}', InputError, "duplicate key 'a'"),
    (b"[NaN]", InputError, "NaN is not a JSON number"),
    (b"[-Infinity]", InputError, "-Infinity is not a JSON number"),
    (b"[1e999]", InputError, "out of the range"),
    (b"[" * 65 + b"]" * 65, LimitExceededError, "nested 65 levels deep"),
    (b"[" * 50_000 + b"]" * 50_000, LimitExceededError, "nested too deeply"),
    (b"\xff\xfe{}", InputError, "not valid JSON"),
    (b'{"a": 1', InputError, "line 1 column 8"),
])
def test_strict_reader_refuses(data: bytes, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        strict_json.loads(data, what="doc")


def test_size_is_checked_before_parsing() -> None:
    with pytest.raises(LimitExceededError, match="more than the 10 allowed"):
        strict_json.loads(b"[" + b"1," * 10 + b"1]", what="doc", max_bytes=10)


def test_scrypt_and_pbkdf2_bounds() -> None:
    check_scrypt(1 << 17, 8, 1, what="k")  # today's default
    check_scrypt(1 << 20, 8, 1, what="k")  # 8 x the default work, 1 GiB: the most accepted
    assert SCRYPT_MAX_WORK == (1 << 20) * 8
    for n, r, p, words in [(1 << 20, 8, 64, "block mixes"), (1 << 21, 8, 1, "MiB"), (1000, 8, 1, "power of 2")]:
        with pytest.raises(LimitExceededError, match=words):
            check_scrypt(n, r, p, what="k")
    check_pbkdf2(600_000, what="k")
    with pytest.raises(LimitExceededError, match="2147483647 iterations"):
        check_pbkdf2(2**31 - 1, what="k")
    with pytest.raises(ConfigError, match="block mixes"):  # the writer refuses what a reader would refuse
        PassphraseKey("pw", log2_n=20, r=8, p=2)


def test_our_own_encrypted_keys_pass_the_bounds(tmp_path: Path) -> None:
    pair = generate_keypair("ed25519", passphrase=b"pw")
    check_encrypted_key(pair.private_pem, what="k")  # PBES2, PBKDF2-HMAC-SHA256, 2048 iterations
    path = tmp_path / "k.pem"
    path.write_bytes(pair.private_pem)
    assert load_private_key(path, passphrase=b"pw") is not None


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a scrypt key")
@pytest.mark.parametrize("hostile", [False, True])
def test_openssl_scrypt_keys_are_bounded_by_their_parameters(tmp_path: Path, hostile: bool) -> None:
    """A PKCS#8 key wrapped by OpenSSL's own scrypt PBES2 (``openssl pkcs8 -scrypt``): parsed, not derived."""
    import base64

    plain = tmp_path / "plain.pem"
    plain.write_bytes(generate_keypair("ed25519").private_pem)
    wrapped = tmp_path / "wrapped.pem"
    subprocess.run(["openssl", "pkcs8", "-topk8", "-scrypt", "-scrypt_N", "16384", "-scrypt_r", "8", "-scrypt_p", "1",
                    "-in", str(plain), "-out", str(wrapped), "-passout", "pass:pw"], check=True, capture_output=True)
    pem = wrapped.read_bytes()
    if not hostile:
        check_encrypted_key(pem, what="k")
        assert load_private_key(wrapped, passphrase=b"pw") is not None
        return
    der = bytearray(base64.b64decode(b"".join(pem.strip().split(b"\n")[1:-1])))
    at = der.find(b"\x02\x02\x40\x00\x02\x01\x08\x02\x01\x01")  # INTEGERs N = 16384, r = 8, p = 1
    assert at > 0
    der[at + 6], der[at + 9] = 64, 16  # r = 64, p = 16: 2**24 block mixes, twice the bound
    patched = (b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + base64.encodebytes(bytes(der))
               + b"-----END ENCRYPTED PRIVATE KEY-----\n")
    with pytest.raises(LimitExceededError, match="refused before deriving"):
        check_encrypted_key(patched, what="k")
