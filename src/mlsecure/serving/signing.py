"""Response signing (ML09 output integrity): Ed25519 over the exact bytes of the response body.

The signature is detached: it travels in the ``X-Signature`` header as ``ed25519=<base64url>``, with
``X-Signature-Key`` holding the key id (the first 16 hex of the SHA-256 of the raw public key). The
gateway sends the body in canonical JSON (``mlsecure.strict_json``: UTF-8, keys sorted, no whitespace,
no NaN/Infinity, no duplicate keys) and signs those bytes. A verifier checks the signature over the
bytes it received and requires them to be canonical: a body with a duplicated key (a fake value first,
the signed value last) or any other re-encoding fails, so every JSON reader that accepts a verified
body sees the one document that was signed. The body carries the request id, the model's name/version
and the SHA-256 of the input, which binds each answer to the question it answers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mlsecure import strict_json
from mlsecure.errors import ConfigError, InputError
from mlsecure.private_files import write_private_file

SIGNATURE_HEADER = "X-Signature"
KEY_ID_HEADER = "X-Signature-Key"


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(obj: Any) -> bytes:
    """Deterministic JSON bytes: sorted keys, compact separators, UTF-8, finite numbers only (the same
    encoding as ``strict_json.canonical_bytes``, with one encoder kept for speed)."""
    return _CANONICAL.encode(obj).encode("utf-8")  # one encoder, not one per call as json.dumps makes


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class ResponseSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key()
        self.key_id = key_id(self.public_key)

    @classmethod
    def from_file(cls, path: Path, *, generate: bool) -> ResponseSigner:
        """Load an Ed25519 PKCS#8 PEM key; create one (mode 0600) when missing and ``generate``."""
        if not path.exists():
            if not generate:
                raise ConfigError(f"{path}: signing key file does not exist (set [signing] generate = true)")
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            if write_private_file(path, pem, what="the signing key file"):
                return cls(key)
            # another process (a second gateway or worker starting at the same moment) published its key
            # first: use that one, so every process signs with the same key
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the signing key: {exc.strerror}") from None
        try:
            loaded = serialization.load_pem_private_key(raw, password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{path}: not an unencrypted PEM private key: {exc}") from None
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ConfigError(f"{path}: the signing key must be Ed25519, got {type(loaded).__name__}")
        return cls(loaded)

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> ResponseSigner:
        """From the 32-byte raw private key (``private_bytes()``), as the audit writer process receives it."""
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        """The raw 32-byte private key: handed to the audit writer process over its private pipe only."""
        return self._key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                       serialization.NoEncryption())

    def sign(self, body: bytes) -> str:
        """``ed25519=<base64url>`` over ``body`` (already canonical)."""
        return "ed25519=" + base64.urlsafe_b64encode(self._key.sign(body)).decode("ascii")

    def public_pem(self) -> str:
        return self.public_key.public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def verify_response(body: bytes | str, signature: str, public_key: Ed25519PublicKey | bytes) -> bool:
    """True when ``signature`` (``ed25519=<b64>`` or bare base64) signs exactly ``body`` (the response
    bytes as received; ``str`` is taken as UTF-8) and ``body`` is canonical JSON. See ``check_response``."""
    return check_response(body, signature, public_key) is None


def check_response(body: bytes | str, signature: str, public_key: Ed25519PublicKey | bytes) -> str | None:
    """None when the response verifies; else why not (bad signature, not canonical, duplicate key)."""
    if isinstance(public_key, bytes):
        public_key = load_public_key(public_key)
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise InputError("verify the response body as the bytes received, not a parsed object")
    data = bytes(body)
    sig = signature.strip()
    if sig.startswith("ed25519="):
        sig = sig[len("ed25519="):]
    try:
        raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (binascii.Error, ValueError):
        return "the signature is not base64url"
    try:
        public_key.verify(raw, data)
    except (InvalidSignature, ValueError):
        return "the signature does not match these bytes (altered, re-encoded, or another key)"
    try:
        strict_json.require_canonical(data, what="the response body")
    except InputError as exc:  # signed, but readers could disagree on what it says
        return str(exc)
    return None


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo) or a private-key PEM."""
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError) as exc:
            raise InputError(f"not a PEM Ed25519 key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"expected an Ed25519 key, got {type(key).__name__}")
    return key
