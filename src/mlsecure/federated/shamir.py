"""Shamir ``t``-of-``n`` secret sharing over GF(p), p = 2^521 - 1 (Shamir 1979, CACM 22(11)).

A secret ``s`` (up to 64 bytes, read as an integer below ``p``) is the constant term of a random
polynomial ``P`` of degree ``t - 1``; share ``i`` is ``(x_i, P(x_i))`` for distinct non-zero
``x_i``. Any ``t`` shares give ``s = P(0)`` by Lagrange interpolation; ``t - 1`` shares are
independent of ``s`` (information-theoretic). Coefficients come from ``secrets`` (the OS CSPRNG).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from mlsecure.errors import InputError

PRIME = 2**521 - 1  # a Mersenne prime; larger than any 64-byte secret
MAX_SECRET_BYTES = 64


def split(secret: bytes, *, xs: Sequence[int], threshold: int) -> dict[int, int]:
    """Shares ``{x: P(x)}`` of ``secret`` for each ``x`` in ``xs``; any ``threshold`` of them recover it."""
    if len(secret) > MAX_SECRET_BYTES:
        raise InputError(f"Shamir: secrets are at most {MAX_SECRET_BYTES} bytes, got {len(secret)}")
    if not 1 <= threshold <= len(xs):
        raise InputError(f"Shamir: threshold must be between 1 and the number of shares {len(xs)}, got {threshold}")
    if len(set(xs)) != len(xs) or any(not 0 < x < PRIME for x in xs):
        raise InputError("Shamir: share points must be distinct and non-zero")
    coeffs = [int.from_bytes(secret, "big")] + [secrets.randbelow(PRIME) for _ in range(threshold - 1)]
    return {x: _eval(coeffs, x) for x in xs}


def combine(shares: Mapping[int, int], *, threshold: int, length: int) -> bytes:
    """The ``length``-byte secret from at least ``threshold`` shares (extra shares are ignored)."""
    if len(shares) < threshold:
        raise InputError(f"Shamir: {len(shares)} shares cannot recover a {threshold}-of-n secret")
    points = sorted(shares.items())[:threshold]
    secret = 0
    for i, (xi, yi) in enumerate(points):
        num, den = 1, 1
        for j, (xj, _) in enumerate(points):
            if i != j:
                num = num * (-xj) % PRIME
                den = den * (xi - xj) % PRIME
        secret = (secret + yi * num * pow(den, -1, PRIME)) % PRIME
    if secret >= 256**length:
        raise InputError(f"Shamir: the shares do not interpolate to a {length}-byte secret (corrupted or mixed shares)")
    return secret.to_bytes(length, "big")


def _eval(coeffs: Sequence[int], x: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % PRIME
    return acc
