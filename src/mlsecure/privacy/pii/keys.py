"""The secret key behind pseudonyms, keyed hashes, FPE and date shifts: read from the environment
(or given by a secret provider as bytes), never hard-coded, and split into one sub-key per purpose
with HKDF-SHA256 (RFC 5869) so a pseudonym key never doubles as an encryption key."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mlsecure.errors import ConfigError

DEFAULT_KEY_ENV = "MLSECURE_PII_KEY"
MIN_KEY_BYTES = 16


@dataclass(frozen=True)
class SecretKey:
    """A master key (at least 16 bytes); ``derive(purpose)`` gives an independent 32-byte sub-key."""

    material: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.material) < MIN_KEY_BYTES:
            raise ConfigError(f"the PII key must be at least {MIN_KEY_BYTES} bytes, got {len(self.material)}")

    def derive(self, purpose: str, length: int = 32) -> bytes:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=f"mlsecure-pii/{purpose}/v1".encode())
        return hkdf.derive(self.material)

    @classmethod
    def from_env(cls, name: str = DEFAULT_KEY_ENV) -> SecretKey:
        """Read the key from ``$name`` (hex if it parses as hex of 32+ characters, else UTF-8 bytes)."""
        value = os.environ.get(name)
        if not value:
            raise ConfigError(
                f"set ${name} to a secret of at least {MIN_KEY_BYTES} bytes for keyed methods, e.g. "
                f"export {name}=$(python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        try:
            material = bytes.fromhex(value) if len(value) >= 32 else value.encode()
        except ValueError:
            material = value.encode()
        return cls(material)


def key_from_env(name: str = DEFAULT_KEY_ENV) -> SecretKey | None:
    """The key in ``$name``, or None when the variable is unset."""
    return SecretKey.from_env(name) if os.environ.get(name) else None
