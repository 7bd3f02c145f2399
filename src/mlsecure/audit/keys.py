"""Where the audit keys come from: arguments, environment variables or files, never the source code.

- The HMAC chain key: ``MLSECURE_AUDIT_HMAC_KEY`` (hex) or ``MLSECURE_AUDIT_HMAC_KEY_FILE`` (a file
  holding the key as hex or raw bytes). At least 16 bytes; 32 random bytes recommended
  (``python -c "import secrets; print(secrets.token_hex(32))"``).
- The checkpoint signing key: ``MLSECURE_AUDIT_SIGNING_KEY_FILE``, an unencrypted PKCS#8 PEM Ed25519
  private key (:func:`generate_signing_key` writes one, mode 0600, with its public key beside it).
"""

from __future__ import annotations

import binascii
import os
import string
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from mlsecure.audit.chain import MIN_KEY_BYTES
from mlsecure.errors import ConfigError, InputError
from mlsecure.keyfiles import load_ed25519_private_key, load_ed25519_public_key
from mlsecure.private_files import read_regular_file, write_private_file

HMAC_KEY_ENV = "MLSECURE_AUDIT_HMAC_KEY"
HMAC_KEY_FILE_ENV = "MLSECURE_AUDIT_HMAC_KEY_FILE"
SIGNING_KEY_FILE_ENV = "MLSECURE_AUDIT_SIGNING_KEY_FILE"


def resolve_hmac_key(key: bytes | str | None = None) -> bytes:
    """The chain key from ``key`` (bytes, or a hex string), else from the environment."""
    if key is None:
        if os.environ.get(HMAC_KEY_ENV):
            key = os.environ[HMAC_KEY_ENV]
        elif os.environ.get(HMAC_KEY_FILE_ENV):
            key = read_key_file(Path(os.environ[HMAC_KEY_FILE_ENV]))
        else:
            raise ConfigError(f"no audit HMAC key: pass hmac_key=, or set {HMAC_KEY_ENV} (hex) or "
                              f"{HMAC_KEY_FILE_ENV} (a file holding the key)")
    if isinstance(key, str):
        try:
            key = bytes.fromhex(key.strip())
        except ValueError as exc:
            raise ConfigError(f"the audit HMAC key given as text must be hex: {exc}") from exc
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"the audit HMAC key must be at least {MIN_KEY_BYTES} bytes (32 random bytes "
                          "recommended)")
    return key


def read_key_file(path: Path) -> bytes:
    raw = read_regular_file(path, what="the audit HMAC key file", max_bytes=64 * 1024)
    text = raw.strip()
    if text and all(chr(c) in string.hexdigits for c in text) and len(text) % 2 == 0:
        return binascii.unhexlify(text)
    return raw


def generate_signing_key(path: Path) -> Ed25519PublicKey:
    """Write a new Ed25519 private key to ``path`` (PEM, mode 0600) and its public key to
    ``path`` + ``.pub``; refuses to overwrite either."""
    public_path = path.with_name(path.name + ".pub")
    for target in (path, public_path):
        if target.exists():
            raise InputError(f"{target} already exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    if not write_private_file(path, pem, what="the signing key"):
        raise InputError(f"{path} already exists; refusing to overwrite a key")
    public = key.public_key()
    public_path.write_bytes(public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return public


def load_signing_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The Ed25519 private key at ``path``, else at ``$MLSECURE_AUDIT_SIGNING_KEY_FILE``."""
    if path is None:
        env = os.environ.get(SIGNING_KEY_FILE_ENV)
        if not env:
            raise ConfigError(f"no checkpoint signing key: pass a key file or set {SIGNING_KEY_FILE_ENV}")
        path = Path(env)
    return load_ed25519_private_key(path, what="the checkpoint signing key")


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file (or the public half of a private key file)."""
    return load_ed25519_public_key(path, from_private=True, what="the checkpoint public key")
