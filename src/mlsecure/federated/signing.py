"""Signed client updates: client authentication and replay protection for federated rounds.

Each client holds an Ed25519 key (RFC 8032) whose public half the server enrolled out of band. The
client signs ``SHA-256(canonical(update))`` bound to its id and the round number; the server verifies
before aggregating and rejects (a) unknown clients, (b) bad signatures (tampered update, wrong key),
(c) a round other than the current one (replay of an old update), (d) a second update from the same
client in a round. The canonical encoding is independent of dict order and of memory layout: keys
sorted, each as ``len ‖ name ‖ dtype ‖ shape ‖ little-endian C-order bytes``.

Signatures prove *who* sent an update, not that it is benign: a compromised client signs poison.
Pair them with a robust aggregator.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mlsecure.errors import InputError, MLSecureError
from mlsecure.federated.updates import ClientId, Update

DOMAIN = b"mlsecure/federated-update/v1"


class UpdateAuthenticationError(MLSecureError):
    """An update failed authentication: unknown client, bad signature, wrong round or replay."""


@dataclass(frozen=True)
class SignedUpdate:
    client: ClientId
    round: int
    update: Update
    signature: bytes


@dataclass(frozen=True)
class Rejection:
    client: ClientId
    round: int
    reason: str


def update_digest(update: Update) -> bytes:
    """SHA-256 of the canonical encoding of ``update`` (key order and array layout do not matter)."""
    h = hashlib.sha256()
    for key in sorted(update):
        value = np.asarray(update[key])
        if value.dtype.hasobject:
            raise InputError(f"parameter {key!r}: object arrays cannot be signed")
        name = key.encode("utf-8")
        dtype = value.dtype.newbyteorder("<").str.encode("ascii")
        h.update(struct.pack("<I", len(name)) + name + struct.pack("<I", len(dtype)) + dtype)
        h.update(struct.pack("<I", value.ndim) + struct.pack(f"<{value.ndim}Q", *value.shape))
        h.update(np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<")).tobytes())
    return h.digest()


def signed_message(update: Update, *, client: str, round_number: int) -> bytes:
    """The bytes an Ed25519 signature covers: domain ‖ client id ‖ round ‖ update digest."""
    if round_number < 0:
        raise InputError(f"round number must be non-negative, got {round_number}")
    cid = client.encode("utf-8")
    return DOMAIN + struct.pack("<I", len(cid)) + cid + struct.pack("<Q", round_number) + update_digest(update)


def sign_update(key: Ed25519PrivateKey, update: Update, *, client: str, round_number: int) -> SignedUpdate:
    """Client side: sign ``update`` for ``round_number``."""
    sig = key.sign(signed_message(update, client=client, round_number=round_number))
    return SignedUpdate(ClientId(client), round_number, update, sig)


@dataclass
class UpdateVerifier:
    """Server side: the enrolled public keys and the (client, round) pairs already accepted."""

    public_keys: Mapping[str, Ed25519PublicKey]
    _seen: set[tuple[str, int]] = field(default_factory=set)

    def verify(self, signed: SignedUpdate, *, round_number: int) -> Update:
        """The update if authentic and fresh for ``round_number``, else ``UpdateAuthenticationError``."""
        key = self.public_keys.get(signed.client)
        if key is None:
            raise UpdateAuthenticationError(f"client {signed.client!r} is not enrolled")
        if signed.round != round_number:
            raise UpdateAuthenticationError(f"client {signed.client!r}: update is for round {signed.round}, "
                                            f"the current round is {round_number} (replay or stale)")
        try:
            key.verify(signed.signature, signed_message(signed.update, client=signed.client,
                                                        round_number=signed.round))
        except InvalidSignature:
            raise UpdateAuthenticationError(f"client {signed.client!r}: signature does not match the update "
                                            f"(tampered, or signed with another key)") from None
        if (signed.client, round_number) in self._seen:
            raise UpdateAuthenticationError(f"client {signed.client!r}: a second update in round {round_number} "
                                            "(replay)")
        self._seen.add((signed.client, round_number))
        return signed.update

    def verify_all(self, batch: Iterable[SignedUpdate], *, round_number: int
                   ) -> tuple[dict[ClientId, Update], list[Rejection]]:
        """Accepted updates by client, and the rejections with their reasons (the round goes on)."""
        accepted: dict[ClientId, Update] = {}
        rejected: list[Rejection] = []
        for signed in batch:
            try:
                accepted[signed.client] = self.verify(signed, round_number=round_number)
            except UpdateAuthenticationError as exc:
                rejected.append(Rejection(signed.client, signed.round, str(exc)))
        return accepted, rejected
