"""Signing keys: Ed25519 (default) and ECDSA P-256 (what OpenSSF ``model_signing ... key`` accepts).

Private keys are PEM PKCS#8, optionally encrypted with a passphrase (``BestAvailableEncryption``);
public keys are PEM SubjectPublicKeyInfo; both are read by the one key loader, ``mlsecure.keyfiles``.
The key *hint* recorded in a signature is the SHA-256 of the public PEM, as model-signing records it, so
a verifier can tell "wrong key" from "bad signature".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from mlsecure import keyfiles
from mlsecure.errors import InputError
from mlsecure.keyfiles import PrivateKey, PublicKey

KeyAlgorithm = Literal["ed25519", "p256"]
KEY_ALGORITHMS: tuple[KeyAlgorithm, ...] = ("ed25519", "p256")
MAX_KEY_BYTES = keyfiles.MAX_KEY_BYTES
__all__ = ["KEY_ALGORITHMS", "KeyAlgorithm", "KeyPair", "PrivateKey", "PublicKey", "generate_keypair", "key_algorithm",
           "key_hint", "load_private_key", "load_public_key", "public_pem", "sign_bytes", "verify_bytes"]


@dataclass(frozen=True)
class KeyPair:
    """PEM bytes of a new key pair; the CLI writes them to ``key`` and ``key.pub``."""

    algorithm: KeyAlgorithm
    private_pem: bytes
    public_pem: bytes

    @property
    def hint(self) -> str:
        return hashlib.sha256(self.public_pem).hexdigest()


def generate_keypair(algorithm: KeyAlgorithm = "ed25519", *, passphrase: bytes | None = None) -> KeyPair:
    """A fresh key pair; the private half is encrypted when ``passphrase`` is given."""
    key: PrivateKey
    match algorithm:
        case "ed25519":
            key = ed25519.Ed25519PrivateKey.generate()
        case "p256":
            key = ec.generate_private_key(ec.SECP256R1())
        case _:
            raise InputError(f"unknown key algorithm {algorithm!r}; expected one of {', '.join(KEY_ALGORITHMS)}")
    if passphrase is not None and not passphrase:
        raise InputError("the passphrase is empty; leave it out for an unencrypted key")
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    return KeyPair(algorithm, private_pem, public_pem(key.public_key()))


def load_private_key(path: str | Path, *, passphrase: bytes | None = None) -> PrivateKey:
    """Read a PEM private key; a clear error for a wrong or missing passphrase or an unsupported curve."""
    return keyfiles.load_private_key(path, passphrase=passphrase, what="the private key")


def load_public_key(path: str | Path) -> PublicKey:
    """Read a PEM public key (a private key is refused: a verifier is handed the ``.pub`` file)."""
    return keyfiles.load_public_key(path, what="the public key")


def public_pem(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_hint(key: PublicKey) -> str:
    """SHA-256 of the public key's PEM (model-signing's ``verificationMaterial.publicKey.hint``)."""
    return hashlib.sha256(public_pem(key)).hexdigest()


def key_algorithm(key: PrivateKey | PublicKey) -> KeyAlgorithm:
    return "ed25519" if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)) else "p256"


def sign_bytes(key: PrivateKey, message: bytes) -> bytes:
    """Ed25519 signature, or ECDSA P-256 over SHA-256 (DER), the encoding model-signing verifies."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    return key.sign(message, ec.ECDSA(hashes.SHA256()))


def verify_bytes(key: PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        else:
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
