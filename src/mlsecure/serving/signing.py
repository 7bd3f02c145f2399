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
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mlsecure import strict_json
from mlsecure.errors import ConfigError, InputError
from mlsecure.keyfiles import load_ed25519_private_key, load_ed25519_public_key
from mlsecure.private_files import write_private_file
from mlsecure.strict_json import canonical_json as canonical_json  # the response bytes signed (re-exported)

SIGNATURE_HEADER = "X-Signature"
KEY_ID_HEADER = "X-Signature-Key"



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
        return cls(load_ed25519_private_key(path, what="the signing key", error=ConfigError))

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> ResponseSigner:
        """From the 32-byte raw private key (``private_bytes()``), as the audit writer process receives it."""
        return cls(load_ed25519_private_key(raw, what="the signing key from the gateway"))

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
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo), a private-key PEM, or raw bytes."""
    return load_ed25519_public_key(data, from_private=True, what="the gateway's public key")
