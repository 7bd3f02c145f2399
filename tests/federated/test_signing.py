"""Signed client updates: authentic updates pass; tampering, unknown keys, stale rounds and replays do not."""

from __future__ import annotations

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mlsecure.federated.signing import (
    SignedUpdate,
    UpdateAuthenticationError,
    UpdateVerifier,
    sign_update,
    update_digest,
)


@pytest.fixture
def setup() -> tuple[dict[str, Ed25519PrivateKey], UpdateVerifier]:
    keys = {c: Ed25519PrivateKey.generate() for c in ("alice", "bob")}
    return keys, UpdateVerifier(public_keys={c: k.public_key() for c, k in keys.items()})


def test_authentic_update_is_accepted_once(setup: tuple[dict[str, Ed25519PrivateKey], UpdateVerifier]) -> None:
    keys, verifier = setup
    up = {"w": np.arange(6.0).reshape(2, 3), "b": np.zeros(3, dtype=np.float32)}
    signed = sign_update(keys["alice"], up, client="alice", round_number=7)
    assert verifier.verify(signed, round_number=7) is up
    with pytest.raises(UpdateAuthenticationError, match="second update in round 7"):
        verifier.verify(signed, round_number=7)
    with pytest.raises(UpdateAuthenticationError, match="round 7, the current round is 8"):
        verifier.verify(signed, round_number=8)


def test_tampering_and_impersonation_are_rejected(
        setup: tuple[dict[str, Ed25519PrivateKey], UpdateVerifier]) -> None:
    keys, verifier = setup
    up = {"w": np.ones(4)}
    signed = sign_update(keys["alice"], up, client="alice", round_number=1)
    tampered = SignedUpdate(signed.client, 1, {"w": np.ones(4) * 1.0001}, signed.signature)
    as_bob = sign_update(keys["alice"], up, client="bob", round_number=1)  # alice's key, bob's name
    unknown = sign_update(Ed25519PrivateKey.generate(), up, client="eve", round_number=1)
    accepted, rejected = verifier.verify_all([tampered, as_bob, unknown, signed], round_number=1)
    assert list(accepted) == ["alice"]
    reasons = [r.reason for r in rejected]
    assert "does not match" in reasons[0] and "does not match" in reasons[1] and "not enrolled" in reasons[2]


def test_digest_is_canonical() -> None:
    a = {"w": np.arange(6.0).reshape(2, 3), "b": np.zeros(2)}
    b = {"b": np.zeros(2), "w": np.asfortranarray(np.arange(6.0).reshape(2, 3))}
    assert update_digest(a) == update_digest(b)
    assert update_digest(a) != update_digest({**a, "w": a["w"].reshape(3, 2)})  # shape is signed
    assert update_digest(a) != update_digest({**a, "b": np.zeros(2, dtype=np.float32)})  # dtype is signed
