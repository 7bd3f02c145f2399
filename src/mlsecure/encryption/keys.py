"""Key-encryption keys (KEKs) and the envelope that carries a file's wrapped data key.

Envelope encryption: every file gets a fresh random 256-bit data key; a ``KeyEncryptionKey`` wraps it
and the wrapped bytes travel in the file header (``Envelope``). Rotating a KEK rewraps the data key
(``stream.rewrap_file``) without touching the encrypted payload.

Implementations here are local:

- ``LocalKey``: a raw 256-bit KEK from a key file (``generate_key_file`` writes one, mode 0600; a file
  that group or others can read or write is refused) or from an environment variable (hex or base64).
  The data key is wrapped with AES Key Wrap (RFC 3394, via ``cryptography``'s ``aes_key_wrap``).
- ``PassphraseKey``: a KEK derived from a passphrase with scrypt (RFC 7914); the salt and the cost
  parameters (N, r, p) are recorded in the envelope, then AES Key Wrap as above.

A cloud KMS (AWS KMS ``Encrypt``/``Decrypt`` or ``GenerateDataKey``, GCP Cloud KMS, Azure Key Vault
``wrapKey``) plugs in as a ``KeyEncryptionKey`` subclass with ``kind = KekKind.EXTERNAL``: ``wrap``
returns the KMS ciphertext blob as ``Envelope.wrapped`` and the key ARN/resource name as ``key_id``;
``unwrap`` calls the KMS. None ships here: mlsecure never fakes a cloud call.

Threat model: the KEK (or passphrase) is the secret; whoever holds it and the file can decrypt. The
header fields (kind, key id, params) are authenticated by the header tag (see ``stream``), so they
cannot be swapped without detection once the data key is recovered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import ClassVar, NewType

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from mlsecure.errors import ConfigError, InputError, LimitExceededError
from mlsecure.kdf_bounds import check_scrypt
from mlsecure.private_files import read_private_file, write_private_file

KeyId = NewType("KeyId", str)

KEK_BYTES = 32
DATA_KEY_BYTES = 32
KEY_ENV = "MLSECURE_DATA_KEY"
SCRYPT_SALT_BYTES = 16
# Defaults: N = 2**17, r = 8, p = 1 (128 MiB, ~0.3 s): the OWASP password-storage floor for scrypt.
SCRYPT_LOG2_N = 17
SCRYPT_R = 8
SCRYPT_P = 1
# Bounds accepted when reading a header (a hostile header must not make us allocate gigabytes or spend
# minutes): ``mlsecure.kdf_bounds``, checked before any derivation.
_KEY_ID_PREFIX = b"mlsecure-kek-id\x00"


class KekKind(IntEnum):
    """How the data key in a header was wrapped (the header's kind byte)."""

    RAW = 1  # a raw 256-bit KEK (key file or environment), AES-KW RFC 3394
    SCRYPT = 2  # a passphrase through scrypt, then AES-KW RFC 3394
    EXTERNAL = 3  # a key management service; ``wrapped`` is its opaque ciphertext


_HOW = {KekKind.RAW: "with a key (key file or environment variable)", KekKind.SCRYPT: "with a passphrase",
        KekKind.EXTERNAL: "by a key management service"}


class KeyUnwrapError(InputError):
    """The data key cannot be unwrapped: wrong key or passphrase, or a tampered header."""


@dataclass(frozen=True)
class Envelope:
    """The wrapped data key and what is needed to unwrap it (stored in the file header)."""

    kind: KekKind
    key_id: KeyId
    params: bytes
    wrapped: bytes


class KeyEncryptionKey(ABC):
    """Wraps and unwraps 256-bit data keys. Subclass with ``kind = KekKind.EXTERNAL`` for a KMS."""

    kind: ClassVar[KekKind]

    @property
    @abstractmethod
    def key_id(self) -> KeyId:
        """Identifies this KEK in headers (never reveals key material)."""

    @abstractmethod
    def wrap(self, data_key: bytes) -> Envelope:
        """Wrap ``data_key`` (32 bytes) for storage in a header."""

    @abstractmethod
    def unwrap(self, envelope: Envelope) -> bytes:
        """The data key from ``envelope``; raises ``KeyUnwrapError`` when this KEK cannot open it."""

    def describe(self) -> str:
        return f"{self.kind.name.lower()} key {self.key_id}"


class LocalKey(KeyEncryptionKey):
    """A raw 256-bit KEK held locally (key file or environment variable)."""

    kind = KekKind.RAW

    def __init__(self, key: bytes, *, source: str = "<bytes>") -> None:
        if len(key) != KEK_BYTES:
            raise ConfigError(f"{source}: a key-encryption key must be {KEK_BYTES} bytes, got {len(key)}")
        self._key = bytes(key)
        self.source = source
        self._id = key_fingerprint(self._key)

    def __repr__(self) -> str:  # never show key material, even in a traceback
        return f"LocalKey(key_id={self._id!r}, source={self.source!r})"

    @property
    def key_id(self) -> KeyId:
        return self._id

    @classmethod
    def from_file(cls, path: Path, *, require_private: bool = True) -> LocalKey:
        """Read a key file (64 hex characters, or 32 raw bytes); refuse one that others can read."""
        try:
            raw = read_private_file(path, what="the key file", require_private=require_private, max_bytes=4096)
        except FileNotFoundError:
            raise InputError(f"{path}: cannot read the key file: no such file") from None
        return cls(_decode_key(raw, source=str(path)), source=str(path))

    @classmethod
    def from_env(cls, name: str = KEY_ENV) -> LocalKey:
        """Read the KEK from an environment variable holding 64 hex characters or base64 of 32 bytes."""
        value = os.environ.get(name)
        if not value:
            raise ConfigError(f"environment variable {name} is not set (expected a 256-bit key as hex)")
        return cls(_decode_key(value.encode("ascii", "replace"), source=f"${name}"), source=f"${name}")

    def wrap(self, data_key: bytes) -> Envelope:
        return Envelope(self.kind, self._id, b"", aes_key_wrap(self._key, data_key))

    def unwrap(self, envelope: Envelope) -> bytes:
        if envelope.kind is not self.kind:
            raise KeyUnwrapError(f"the data key is wrapped {_HOW[envelope.kind]}, but a key was given")
        if envelope.key_id != self._id:
            raise KeyUnwrapError(f"wrong key: the data key is wrapped for {envelope.key_id or 'an unnamed key'}, "
                                 f"the given key is {self._id}")
        return _kw_unwrap(self._key, envelope.wrapped, f"key {self._id}")


class PassphraseKey(KeyEncryptionKey):
    """A KEK derived from a passphrase with scrypt (RFC 7914); parameters live in the envelope."""

    kind = KekKind.SCRYPT

    def __init__(self, passphrase: str, *, log2_n: int = SCRYPT_LOG2_N, r: int = SCRYPT_R,
                 p: int = SCRYPT_P) -> None:
        if not passphrase:
            raise ConfigError("the passphrase is empty")
        _check_scrypt(log2_n, r, p)
        self._passphrase = passphrase.encode("utf-8")
        self.log2_n, self.r, self.p = log2_n, r, p

    def __repr__(self) -> str:
        return f"PassphraseKey(log2_n={self.log2_n}, r={self.r}, p={self.p})"

    @property
    def key_id(self) -> KeyId:
        return KeyId("scrypt")

    def wrap(self, data_key: bytes) -> Envelope:
        salt = os.urandom(SCRYPT_SALT_BYTES)
        params = salt + struct.pack(">BII", self.log2_n, self.r, self.p)
        kek = scrypt_kek(self._passphrase, salt, self.log2_n, self.r, self.p)
        return Envelope(self.kind, self.key_id, params, aes_key_wrap(kek, data_key))

    def unwrap(self, envelope: Envelope) -> bytes:
        if envelope.kind is not self.kind:
            raise KeyUnwrapError(f"the data key is wrapped {_HOW[envelope.kind]}, but a passphrase was given")
        salt, log2_n, r, p = parse_scrypt_params(envelope.params)
        kek = scrypt_kek(self._passphrase, salt, log2_n, r, p)
        return _kw_unwrap(kek, envelope.wrapped, "the passphrase")


def generate_key_file(path: Path, *, overwrite: bool = False) -> LocalKey:
    """Write a fresh random KEK to ``path`` as hex, mode 0600 (refuses to overwrite unless asked)."""
    key = os.urandom(KEK_BYTES)
    if not write_private_file(path, (key.hex() + "\n").encode("ascii"), what="the key file", overwrite=overwrite):
        raise InputError(f"{path}: already exists (pass overwrite=True / --force to replace it)")
    return LocalKey(key, source=str(path))


def key_fingerprint(key: bytes) -> KeyId:
    """``local:`` and 16 hex digits of SHA-256 over a domain prefix and the key (identifies, not reveals)."""
    return KeyId("local:" + hashlib.sha256(_KEY_ID_PREFIX + key).hexdigest()[:16])


def scrypt_kek(passphrase: bytes, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    """scrypt(P, S, N = 2**log2_n, r, p, dkLen = 32) (RFC 7914 section 2)."""
    _check_scrypt(log2_n, r, p)
    return Scrypt(salt=salt, length=KEK_BYTES, n=1 << log2_n, r=r, p=p).derive(passphrase)


def parse_scrypt_params(params: bytes) -> tuple[bytes, int, int, int]:
    """Split ``salt(16) || log2_n(u8) || r(u32) || p(u32)``; refuse out-of-range costs."""
    if len(params) != SCRYPT_SALT_BYTES + 9:
        raise KeyUnwrapError(f"scrypt parameters are {len(params)} bytes, expected {SCRYPT_SALT_BYTES + 9}")
    log2_n, r, p = struct.unpack(">BII", params[SCRYPT_SALT_BYTES:])
    try:
        _check_scrypt(log2_n, r, p)
    except ConfigError as exc:
        raise KeyUnwrapError(f"header scrypt parameters rejected: {exc}") from None
    return params[:SCRYPT_SALT_BYTES], log2_n, r, p


def _check_scrypt(log2_n: int, r: int, p: int) -> None:
    """The same bounds for writing and reading (``kdf_bounds``): what we write, we can read back."""
    if not (1 <= log2_n <= 24 and 1 <= r <= 64 and 1 <= p <= 64):
        raise ConfigError(f"scrypt parameters out of range: log2(N)={log2_n}, r={r}, p={p}")
    try:
        check_scrypt(1 << log2_n, r, p, what="passphrase key derivation")
    except LimitExceededError as exc:
        raise ConfigError(str(exc)) from None


def _kw_unwrap(kek: bytes, wrapped: bytes, what: str) -> bytes:
    try:
        data_key = aes_key_unwrap(kek, wrapped)
    except (InvalidUnwrap, ValueError):
        raise KeyUnwrapError(f"cannot unwrap the data key with {what}: wrong key/passphrase or a "
                             "tampered header") from None
    if len(data_key) != DATA_KEY_BYTES:
        raise KeyUnwrapError(f"the unwrapped data key is {len(data_key)} bytes, expected {DATA_KEY_BYTES}")
    return data_key


def _decode_key(raw: bytes, *, source: str) -> bytes:
    text = raw.strip()
    if len(raw) == KEK_BYTES and len(text) != 2 * KEK_BYTES:
        return raw  # 32 raw bytes
    try:
        if len(text) == 2 * KEK_BYTES:
            return binascii.unhexlify(text)
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{source}: not a key (expected 64 hex characters or base64 of 32 bytes)") from None
    if len(decoded) != KEK_BYTES:
        raise ConfigError(f"{source}: the key is {len(decoded)} bytes, expected {KEK_BYTES}")
    return decoded
