"""Signed tree heads ("checkpoints") of the audit log, in the C2SP ``tlog-checkpoint`` format.

A checkpoint commits to the first ``tree_size`` records through their RFC 6962 Merkle tree hash and is
signed with Ed25519 as a C2SP signed note (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint),
the format Go's ``sumdb/note`` and the transparency-log witness network read::

    <origin>
    <tree size>
    <base64 root hash>
    timestamp <ISO 8601 UTC>

    — <key name> <base64(4-byte key hash || 64-byte Ed25519 signature)>

Exported to a party outside the log's host (a witness, a ticket, object storage with retention), an old
checkpoint later proves truncation or rollback: the log must still contain ``tree_size`` records whose
tree hash equals the signed root. A hash chain alone cannot show that its tail was cut off.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mlsecure.audit.events import format_timestamp, parse_timestamp
from mlsecure.audit.merkle import HASH_SIZE
from mlsecure.errors import InputError

_SIG_PREFIX = "\u2014 "
_ED25519 = b"\x01"
DEFAULT_KEY_NAME = "mlsecure-audit"


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log ``origin`` had ``tree_size`` records with Merkle root ``root_hash``."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime
    key_name: str
    key_hash: bytes
    signature: bytes

    def body(self) -> str:
        """The signed text (C2SP checkpoint body)."""
        return checkpoint_body(self.origin, self.tree_size, self.root_hash, self.timestamp)

    def to_note(self) -> str:
        """The whole signed note, ready to hand to a witness or store as a ``.checkpoint`` file."""
        sig = base64.b64encode(self.key_hash + self.signature).decode("ascii")
        return f"{self.body()}\n{_SIG_PREFIX}{self.key_name} {sig}\n"

    def verify_signature(self, public_key: Ed25519PublicKey) -> bool:
        """True when the signature is valid for ``public_key`` and the key hash names that key."""
        if self.key_hash != key_hash(self.key_name, public_key):
            return False
        try:
            public_key.verify(self.signature, self.body().encode("utf-8"))
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_note(cls, text: str) -> Checkpoint:
        """Parse a signed note written by :meth:`to_note`; raises ``InputError`` saying what is wrong."""
        body, sep, sigs = text.partition("\n\n")
        if not sep:
            raise InputError("checkpoint note has no blank line between its body and its signature")
        lines = body.split("\n")
        if len(lines) < 4 or not lines[3].startswith("timestamp "):
            raise InputError("checkpoint body must have the lines: origin, tree size, base64 root hash, "
                             "'timestamp <ISO 8601>'")
        origin, size_text, root_text = lines[0], lines[1], lines[2]
        if not size_text.isdigit():
            raise InputError(f"checkpoint tree size {size_text!r:.40} is not a decimal number")
        try:
            root = base64.b64decode(root_text, validate=True)
        except binascii.Error as exc:
            raise InputError(f"checkpoint root hash is not base64: {exc}") from exc
        if len(root) != HASH_SIZE:
            raise InputError(f"checkpoint root hash has {len(root)} bytes, expected {HASH_SIZE}")
        timestamp = parse_timestamp(lines[3].removeprefix("timestamp "))
        for line in sigs.split("\n"):
            if not line.startswith(_SIG_PREFIX):
                continue
            name, _, blob = line.removeprefix(_SIG_PREFIX).rpartition(" ")
            try:
                raw = base64.b64decode(blob, validate=True)
            except binascii.Error:
                continue
            if len(raw) == 4 + 64:
                checkpoint = cls(origin, int(size_text), root, timestamp, name, raw[:4], raw[4:])
                if checkpoint.body() != body + "\n":
                    raise InputError("checkpoint body is not in canonical form (extra or reordered lines)")
                return checkpoint
        raise InputError("checkpoint note carries no Ed25519 signature line")


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes, timestamp: datetime) -> str:
    root = base64.b64encode(root_hash).decode("ascii")
    return f"{origin}\n{tree_size}\n{root}\ntimestamp {format_timestamp(timestamp)}\n"


def key_hash(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """C2SP signed-note key hash: ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(key_name.encode("utf-8") + b"\n" + _ED25519 + raw).digest()[:4]


def sign_checkpoint(origin: str, tree_size: int, root_hash: bytes, signing_key: Ed25519PrivateKey, *,
                    key_name: str = DEFAULT_KEY_NAME, timestamp: datetime | None = None) -> Checkpoint:
    """Sign the tree head ``(tree_size, root_hash)`` of log ``origin``."""
    if "\n" in origin or "\n" in key_name or " " in key_name or not key_name:
        raise InputError("checkpoint origin and key name must be one line; the key name has no spaces")
    when = (timestamp or datetime.now(UTC)).astimezone(UTC)
    body = checkpoint_body(origin, tree_size, root_hash, when)
    signature = signing_key.sign(body.encode("utf-8"))
    return Checkpoint(origin, tree_size, root_hash, when, key_name,
                      key_hash(key_name, signing_key.public_key()), signature)
