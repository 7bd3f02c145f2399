"""The one loader of asymmetric keys (Ed25519, ECDSA P-256), from a file or from bytes, PEM or raw.

Artifact signatures, audit checkpoints, the gateway's response signatures and federated update
signatures all read their keys here, so each encoding is parsed one way and every error names the file
(or ``what`` the bytes are) and what was expected. Accepted encodings:

* PEM private keys: PKCS#8 (``PRIVATE KEY``), passphrase-wrapped PKCS#8 (``ENCRYPTED PRIVATE KEY``; its
  KDF cost is bounded by ``pkcs8.check_encrypted_key`` before OpenSSL derives anything) and the
  traditional OpenSSL forms;
* PEM public keys (SubjectPublicKeyInfo), or the public half of a private-key PEM where the caller
  allows it (``from_private=True``);
* raw Ed25519 keys (RFC 8032): exactly 32 bytes, or 64 hex digits.

Which key types a caller accepts is a closed set (``KeyKind``); anything else is refused by name.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from mlsecure.errors import InputError
from mlsecure.pkcs8 import check_encrypted_key
from mlsecure.private_files import read_regular_file

KeyKind = Literal["ed25519", "p256"]
ED25519: frozenset[KeyKind] = frozenset({"ed25519"})
ED25519_OR_P256: frozenset[KeyKind] = frozenset({"ed25519", "p256"})
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
KeySource = str | Path | bytes
MAX_KEY_BYTES = 64 * 1024
"""Largest key file read (a PEM key is under 1 KiB)."""
RAW_ED25519_BYTES = 32

ErrorFactory = Callable[[str], Exception]


def load_private_key(source: KeySource, *, kinds: frozenset[KeyKind] = ED25519_OR_P256,
                     passphrase: bytes | None = None, what: str = "the private key",
                     error: ErrorFactory = InputError) -> PrivateKey:
    """The private key in ``source`` (a path, PEM text, or the key's bytes), of one of ``kinds``.

    ``error`` builds the exception raised (a caller whose keys come from configuration passes
    ``ConfigError``); every message starts with the file name, or ``what`` for bytes."""
    label, data = _read(source, what, error)
    return _parse_private(label, data, kinds=kinds, passphrase=passphrase, what=what, error=error)


def _parse_private(label: str, data: bytes, *, kinds: frozenset[KeyKind], passphrase: bytes | None, what: str,
                   error: ErrorFactory) -> PrivateKey:
    raw = _raw_ed25519(data)
    if raw is not None and "ed25519" in kinds:
        if passphrase:
            raise error(f"{label}: a passphrase was given but {what} is a raw (unencrypted) Ed25519 key")
        return ed25519.Ed25519PrivateKey.from_private_bytes(raw)
    if b"-----BEGIN" not in data:
        raise error(f"{label}: {what} is neither PEM nor a raw 32-byte Ed25519 key")
    try:
        check_encrypted_key(data, what=label)  # a hostile KDF cost is refused before OpenSSL derives
    except InputError as exc:
        raise error(str(exc)) from None
    try:
        key = serialization.load_pem_private_key(data, password=passphrase or None)
    except TypeError:
        if passphrase:
            raise error(f"{label}: a passphrase was given but {what} is not encrypted") from None
        raise error(f"{label}: {what} is encrypted; give its passphrase") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        hint = " (wrong passphrase?)" if passphrase else ""
        raise error(f"{label}: cannot read {what} as a PEM private key{hint}: {exc}") from None
    return _accept_private(key, kinds, label, what, error)


def load_public_key(source: KeySource, *, kinds: frozenset[KeyKind] = ED25519_OR_P256,
                    from_private: bool = False, what: str = "the public key",
                    error: ErrorFactory = InputError) -> PublicKey:
    """The public key in ``source``; ``from_private`` also takes the public half of an unencrypted
    private-key PEM (a verifier handed the signer's key file)."""
    label, data = _read(source, what, error)
    raw = _raw_ed25519(data)
    if raw is not None and "ed25519" in kinds:
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    if b"-----BEGIN" not in data:
        raise error(f"{label}: {what} is neither PEM nor a raw 32-byte Ed25519 key")
    if b"PRIVATE KEY-----" in data:
        if not from_private:
            raise error(f"{label}: {what} is a private key; give the public key (.pub)")
        return _parse_private(label, data, kinds=kinds, passphrase=None, what=what, error=error).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise error(f"{label}: cannot read {what} as a PEM public key: {exc}") from None
    return _accept_public(key, kinds, label, what, error)


def load_ed25519_private_key(source: KeySource, *, what: str = "the private key",
                             error: ErrorFactory = InputError) -> ed25519.Ed25519PrivateKey:
    """``load_private_key`` for callers that sign with Ed25519 only."""
    key = load_private_key(source, kinds=ED25519, what=what, error=error)
    if not isinstance(key, ed25519.Ed25519PrivateKey):  # pragma: no cover - kinds=ED25519 guarantees it
        raise error(f"{what}: expected an Ed25519 key")
    return key


def load_ed25519_public_key(source: KeySource, *, from_private: bool = False, what: str = "the public key",
                            error: ErrorFactory = InputError) -> ed25519.Ed25519PublicKey:
    """``load_public_key`` for callers that verify Ed25519 only."""
    key = load_public_key(source, kinds=ED25519, from_private=from_private, what=what, error=error)
    if not isinstance(key, ed25519.Ed25519PublicKey):  # pragma: no cover - kinds=ED25519 guarantees it
        raise error(f"{what}: expected an Ed25519 key")
    return key


def describe_kinds(kinds: frozenset[KeyKind]) -> str:
    names = {"ed25519": "Ed25519", "p256": "ECDSA P-256"}
    return " or ".join(names[k] for k in ("ed25519", "p256") if k in kinds)


# -- helpers --------------------------------------------------------------------------------------------
def _read(source: KeySource, what: str, error: ErrorFactory) -> tuple[str, bytes]:
    if isinstance(source, bytes):
        return what, source
    if isinstance(source, str) and source.lstrip().startswith("-----BEGIN"):
        return what, source.encode("ascii", "replace")
    try:
        return str(source), read_regular_file(source, what=what, max_bytes=MAX_KEY_BYTES)
    except InputError as exc:
        raise error(str(exc)) from None


def _raw_ed25519(data: bytes) -> bytes | None:
    """The 32 key bytes when ``data`` is a raw Ed25519 key (32 bytes, or 64 hex digits)."""
    if len(data) == RAW_ED25519_BYTES and not data.startswith(b"-----"):
        return data
    text = data.strip()
    if len(text) == 2 * RAW_ED25519_BYTES and all(chr(c) in string.hexdigits for c in text):
        return bytes.fromhex(text.decode("ascii"))
    return None


def _accept_private(key: object, kinds: frozenset[KeyKind], label: str, what: str,
                    error: ErrorFactory) -> PrivateKey:
    if isinstance(key, ed25519.Ed25519PrivateKey) and "ed25519" in kinds:
        return key
    if (isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)
            and "p256" in kinds):
        return key
    raise error(f"{label}: {what} is of type {_kind_name(key)}; expected {describe_kinds(kinds)}")


def _accept_public(key: object, kinds: frozenset[KeyKind], label: str, what: str,
                   error: ErrorFactory) -> PublicKey:
    if isinstance(key, ed25519.Ed25519PublicKey) and "ed25519" in kinds:
        return key
    if (isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
            and "p256" in kinds):
        return key
    raise error(f"{label}: {what} is of type {_kind_name(key)}; expected {describe_kinds(kinds)}")


def _kind_name(key: object) -> str:
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "Ed25519"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return f"ECDSA ({key.curve.name})"
    return type(key).__name__
