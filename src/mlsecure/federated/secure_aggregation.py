"""Secure aggregation: the server learns the sum of client updates and nothing else.

Bonawitz, Ivanov, Kreuter, Marcedone, McMahan, Patel, Ramage, Segal, Seth 2017, "Practical Secure
Aggregation for Privacy-Preserving Machine Learning", CCS (ePrint 2017/281), the honest-but-curious
server variant (no consistency round, no signatures on the key adverts), simulated in one process
with real cryptography:

0. *AdvertiseKeys*: client ``u`` sends two X25519 public keys ``c_u^PK`` (channel) and ``s_u^PK``
   (masks).
1. *ShareKeys*: ``u`` draws a self-mask seed ``b_u`` and Shamir-shares ``b_u`` and ``s_u^SK``
   ``t``-of-``n``; the share for ``v`` travels through the server AES-GCM-encrypted under
   ``HKDF(X25519(c_u^SK, c_v^PK))``.
2. *MaskedInputCollection*: with ``s_{u,v} = HKDF(X25519(s_u^SK, s_v^PK))`` and ``PRG`` = AES-256-CTR,
   ``y_u = x̄_u + PRG(b_u) + Σ_{v>u} PRG(s_{u,v}) - Σ_{v<u} PRG(s_{u,v})  (mod 2^64)``, where
   ``x̄_u`` is the fixed-point update ``round(x_u · 2^frac_bits)`` (clipped to ``±clip``).
3. *Unmasking*: for each client that sent ``y_u`` the survivors reveal shares of ``b_u``; for each
   that dropped after step 1, shares of ``s_u^SK`` (never both for one client). With ``t`` shares the
   server removes ``PRG(b_u)`` and the dropped clients' pairwise masks: ``Σ y_u - masks = Σ x̄_u``.

Threat model: an honest-but-curious server colluding with fewer than ``t`` clients learns nothing
beyond the sum of at least ``t`` inputs (each ``y_u`` alone is uniform on ``Z_{2^64}``); ``t`` must
exceed ``n/2`` so that two disjoint sets cannot both unmask. Not covered: an actively malicious
server (needs signed adverts and the consistency check, Bonawitz §4.4), Byzantine clients (the sum
hides them; robust aggregation and secure aggregation do not compose without more machinery).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mlsecure.errors import ConfigError, InputError, MLSecureError
from mlsecure.federated import shamir
from mlsecure.federated.updates import ClientId

RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw
SEED_BYTES = 32
_SHARE_BYTES = 66  # an element of GF(2^521 - 1)


class SecureAggregationError(MLSecureError):
    """The protocol cannot finish: too few survivors for the threshold, or a tampered message."""


@dataclass(frozen=True)
class SecAggConfig:
    """``threshold`` t (> n/2 of the roster); fixed point: ``frac_bits`` fractional bits, values
    clipped to ``[-clip, clip]``; ``n · clip · 2^frac_bits`` must stay below ``2^63``."""

    threshold: int
    frac_bits: int = 24
    clip: float = 1e3

    def check(self, n_clients: int) -> None:
        if not n_clients // 2 < self.threshold <= n_clients:
            raise ConfigError(f"secure aggregation: threshold t must satisfy n/2 < t <= n (n={n_clients}), "
                              f"got t={self.threshold}")
        if not 0 <= self.frac_bits <= 52 or not self.clip > 0:
            raise ConfigError("secure aggregation: frac_bits must be in [0, 52] and clip positive")
        if n_clients * self.clip * 2.0**self.frac_bits >= 2.0**63:
            raise ConfigError(f"secure aggregation: {n_clients} clients x clip {self.clip:g} x 2^{self.frac_bits} "
                              "overflows the 64-bit ring; lower clip or frac_bits")

    def encode(self, x: np.ndarray) -> np.ndarray:
        """``round(clip(x) · 2^frac_bits)`` as two's-complement ``uint64``."""
        q = np.rint(np.clip(x, -self.clip, self.clip) * 2.0**self.frac_bits).astype(np.int64)
        return np.asarray(q.view(np.uint64))

    def decode(self, total: np.ndarray) -> np.ndarray:
        return total.view(np.int64).astype(np.float64) / 2.0**self.frac_bits


@dataclass(frozen=True)
class KeyAdvert:
    client: ClientId
    channel_pk: bytes
    mask_pk: bytes


@dataclass(frozen=True)
class SecureSumResult:
    """The decoded sum over ``survivors`` and what the server saw on the way (``masked``: ``y_u``)."""

    total: np.ndarray
    survivors: tuple[ClientId, ...]
    dropped: tuple[ClientId, ...]
    masked: Mapping[ClientId, np.ndarray] = field(default_factory=dict)


def prg(seed: bytes, length: int) -> np.ndarray:
    """``length`` pseudo-random ``uint64`` words: AES-256-CTR keystream under ``seed`` (zero nonce;
    every seed is used for one vector only)."""
    enc = Cipher(algorithms.AES(seed), modes.CTR(b"\0" * 16)).encryptor()
    return np.frombuffer(enc.update(bytes(8 * length)) + enc.finalize(), dtype=np.uint64).copy()


def _kdf(shared: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=SEED_BYTES, salt=None, info=info).derive(shared)


class SecAggClient:
    """One participant. Holds its key pairs, the shares it received, and masks its input."""

    def __init__(self, client_id: ClientId, *, dim: int, config: SecAggConfig, session: bytes = b"") -> None:
        self.id, self.dim, self.config, self.session = client_id, dim, config, session
        self._c_sk = X25519PrivateKey.generate()
        self._s_sk = X25519PrivateKey.generate()
        self._b = os.urandom(SEED_BYTES)
        self._roster: dict[ClientId, KeyAdvert] = {}
        self._held: dict[ClientId, tuple[int, int, int]] = {}  # owner -> (x, share of s_SK, share of b)

    def advertise(self) -> KeyAdvert:
        return KeyAdvert(self.id, self._c_sk.public_key().public_bytes(*RAW),
                         self._s_sk.public_key().public_bytes(*RAW))

    def share_keys(self, roster: Sequence[KeyAdvert]) -> dict[ClientId, bytes]:
        """Round 1: encrypted shares of ``s_u^SK`` and ``b_u`` for every member of the roster."""
        self._roster = {a.client: a for a in roster}
        if len(self._roster) != len(roster) or self.id not in self._roster:
            raise SecureAggregationError(f"client {self.id!r}: the roster has duplicate ids or lacks this client")
        self.config.check(len(roster))
        xs = self._points()
        s_raw = self._s_sk.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                         serialization.NoEncryption())
        s_shares = shamir.split(s_raw, xs=list(xs.values()), threshold=self.config.threshold)
        b_shares = shamir.split(self._b, xs=list(xs.values()), threshold=self.config.threshold)
        out: dict[ClientId, bytes] = {}
        for v, x in xs.items():
            plain = x.to_bytes(4, "big") + s_shares[x].to_bytes(_SHARE_BYTES, "big") + \
                b_shares[x].to_bytes(_SHARE_BYTES, "big")
            nonce = os.urandom(12)
            out[v] = nonce + AESGCM(self._channel_key(v)).encrypt(nonce, plain, self._aad(self.id, v))
        return out

    def receive_shares(self, ciphertexts: Mapping[ClientId, bytes]) -> None:
        """Decrypt the shares other clients addressed to this one (AES-GCM: tampering is detected)."""
        for u, blob in ciphertexts.items():
            if u not in self._roster:
                raise SecureAggregationError(f"client {self.id!r}: a share from {u!r}, who is not on the roster")
            try:
                plain = AESGCM(self._channel_key(u)).decrypt(blob[:12], blob[12:], self._aad(u, self.id))
            except Exception as exc:  # cryptography raises InvalidTag; any failure means a bad message
                raise SecureAggregationError(f"client {self.id!r}: the share from {u!r} failed authentication") from exc
            x = int.from_bytes(plain[:4], "big")
            self._held[u] = (x, int.from_bytes(plain[4:4 + _SHARE_BYTES], "big"),
                             int.from_bytes(plain[4 + _SHARE_BYTES:], "big"))

    def masked_input(self, x: np.ndarray) -> np.ndarray:
        """Round 2: ``y_u`` (``uint64``, shape ``(d,)``)."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.dim,):
            raise InputError(f"client {self.id!r}: update has shape {x.shape}, expected ({self.dim},)")
        if not np.isfinite(x).all():
            raise InputError(f"client {self.id!r}: update has non-finite values")
        y = self.config.encode(x) + prg(self._b, self.dim)
        for v, advert in self._roster.items():
            if v == self.id:
                continue
            mask = prg(pairwise_seed(self._s_sk, advert.mask_pk, self.session), self.dim)
            y = y + mask if self.id < v else y - mask
        return np.asarray(y)

    def unmask(self, survivors: Collection[ClientId],
               dropped: Collection[ClientId]) -> dict[ClientId, tuple[str, int, int]]:
        """Round 3: ``{owner: ("b" | "s", x, share)}``; refuses to reveal both secrets of one client."""
        surv, drop = set(survivors), set(dropped)
        if surv & drop:
            raise SecureAggregationError(f"client {self.id!r}: the server asked for both shares of "
                                         f"{sorted(surv & drop)}; refusing (it would unmask their input)")
        if len(surv) < self.config.threshold:
            raise SecureAggregationError(f"client {self.id!r}: only {len(surv)} survivors, below the threshold "
                                         f"t={self.config.threshold}; refusing to unmask")
        out: dict[ClientId, tuple[str, int, int]] = {}
        for owner, (x, s_share, b_share) in self._held.items():
            if owner in surv:
                out[owner] = ("b", x, b_share)
            elif owner in drop:
                out[owner] = ("s", x, s_share)
        return out

    def _points(self) -> dict[ClientId, int]:
        return {v: i + 1 for i, v in enumerate(sorted(self._roster))}

    def _channel_key(self, other: ClientId) -> bytes:
        peer = X25519PublicKey.from_public_bytes(self._roster[other].channel_pk)
        return _kdf(self._c_sk.exchange(peer), b"mlsecure-secagg/channel/" + self.session)

    @staticmethod
    def _aad(sender: ClientId, receiver: ClientId) -> bytes:
        return sender.encode() + b"\0" + receiver.encode()


def pairwise_seed(own: X25519PrivateKey, peer_pk: bytes, session: bytes) -> bytes:
    """``s_{u,v}``: the same 32 bytes for ``u`` and ``v`` (X25519 is symmetric), fresh per session."""
    return _kdf(own.exchange(X25519PublicKey.from_public_bytes(peer_pk)), b"mlsecure-secagg/mask/" + session)


class SecAggServer:
    """Routes messages and unmasks the sum; never sees an unmasked individual input."""

    def __init__(self, *, dim: int, config: SecAggConfig, session: bytes = b"") -> None:
        self.dim, self.config, self.session = dim, config, session
        self.roster: dict[ClientId, KeyAdvert] = {}
        self.masked: dict[ClientId, np.ndarray] = {}

    def collect_adverts(self, adverts: Sequence[KeyAdvert]) -> list[KeyAdvert]:
        self.roster = {a.client: a for a in adverts}
        if len(self.roster) != len(adverts):
            raise SecureAggregationError("two clients advertised the same id")
        self.config.check(len(adverts))
        return list(adverts)

    def route(self, outboxes: Mapping[ClientId, Mapping[ClientId, bytes]]) -> dict[ClientId, dict[ClientId, bytes]]:
        """Transpose ``sender -> receiver -> ciphertext`` into each receiver's inbox."""
        if len(outboxes) < self.config.threshold:
            raise SecureAggregationError(f"only {len(outboxes)} clients shared keys; the threshold is "
                                         f"t={self.config.threshold}")
        inbox: dict[ClientId, dict[ClientId, bytes]] = {v: {} for v in outboxes}
        for u, box in outboxes.items():
            for v, blob in box.items():
                if v in inbox:
                    inbox[v][u] = blob
        return inbox

    def collect_masked(self, client: ClientId, y: np.ndarray) -> None:
        if client not in self.roster:
            raise SecureAggregationError(f"masked input from {client!r}, who is not on the roster")
        if y.dtype != np.uint64 or y.shape != (self.dim,):
            raise SecureAggregationError(f"masked input from {client!r} is not a ({self.dim},) uint64 vector")
        self.masked[client] = y

    def unmask(self, shares: Mapping[ClientId, Mapping[ClientId, tuple[str, int, int]]],
               shared_keys: Collection[ClientId]) -> np.ndarray:
        """The decoded sum of the masked inputs, given each responder's revealed shares."""
        t = self.config.threshold
        if len(shares) < t:
            raise SecureAggregationError(f"only {len(shares)} clients answered the unmasking round; at least "
                                         f"t={t} are needed to recover the sum (the round must be abandoned)")
        survivors = set(self.masked)
        dropped = set(shared_keys) - survivors
        total = np.zeros(self.dim, dtype=np.uint64)
        for y in self.masked.values():
            total += y
        for owner in sorted(survivors | dropped):
            kind = "b" if owner in survivors else "s"
            points = {x: s for resp in shares.values() if owner in resp
                      for (k, x, s) in [resp[owner]] if k == kind}
            if len(points) < t:
                raise SecureAggregationError(f"only {len(points)} shares of client {owner!r}'s "
                                             f"{'self-mask seed' if kind == 'b' else 'mask key'} arrived; "
                                             f"t={t} are needed")
            secret = shamir.combine(points, threshold=t, length=SEED_BYTES)
            if kind == "b":
                total -= prg(secret, self.dim)
                continue
            sk = X25519PrivateKey.from_private_bytes(secret)
            for v in survivors:  # remove the pairwise masks the survivors added for the dropped client
                mask = prg(pairwise_seed(sk, self.roster[v].mask_pk, self.session), self.dim)
                if v < owner:
                    total -= mask  # v added +PRG(s_{v,owner})
                else:
                    total += mask
        return self.config.decode(total)


def secure_sum(updates: Mapping[str, np.ndarray], *, threshold: int, frac_bits: int = 24, clip: float = 1e3,
               drop_after_sharing: Collection[str] = (), drop_before_unmasking: Collection[str] = (),
               session: bytes = b"round-0") -> SecureSumResult:
    """Run the four rounds for ``updates`` (client id -> ``(d,)`` vector) and return the sum.

    ``drop_after_sharing``: clients that share keys, then vanish before sending their masked input
    (their masks are removed through the survivors' shares). ``drop_before_unmasking``: clients whose
    input counts but who do not answer round 3. Raises ``SecureAggregationError`` when fewer than
    ``threshold`` remain.
    """
    if not updates:
        raise InputError("secure aggregation needs at least one client")
    ids = [ClientId(c) for c in updates]
    dims = {np.asarray(v).shape for v in updates.values()}
    if len(dims) != 1 or len(next(iter(dims))) != 1:
        raise InputError(f"every update must be a vector of the same length, got shapes {sorted(dims)}")
    dim = next(iter(dims))[0]
    config = SecAggConfig(threshold=threshold, frac_bits=frac_bits, clip=clip)
    unknown = (set(drop_after_sharing) | set(drop_before_unmasking)) - set(ids)
    if unknown:
        raise InputError(f"dropped clients {sorted(unknown)} are not among the updates")
    server = SecAggServer(dim=dim, config=config, session=session)
    clients = {c: SecAggClient(c, dim=dim, config=config, session=session) for c in ids}
    roster = server.collect_adverts([clients[c].advertise() for c in ids])
    inbox = server.route({c: clients[c].share_keys(roster) for c in ids})
    for c in ids:
        clients[c].receive_shares(inbox[c])
    senders = [c for c in ids if c not in set(drop_after_sharing)]
    for c in senders:
        server.collect_masked(c, clients[c].masked_input(np.asarray(updates[c])))
    dropped = [c for c in ids if c not in set(senders)]
    responders = [c for c in senders if c not in set(drop_before_unmasking)]
    if len(responders) < threshold:
        raise SecureAggregationError(f"only {len(responders)} clients answered the unmasking round; at least "
                                     f"t={threshold} are needed to recover the sum (the round must be abandoned)")
    shares = {c: clients[c].unmask(senders, dropped) for c in responders}
    total = server.unmask(shares, ids)
    return SecureSumResult(total=total, survivors=tuple(senders), dropped=tuple(dropped), masked=dict(server.masked))
