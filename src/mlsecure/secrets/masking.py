"""Masking and keyed fingerprints: how a secret appears in any output (never in the clear)."""

from __future__ import annotations

import hashlib
import hmac

DEFAULT_FINGERPRINT_KEY = b"mlsecure-secrets-fingerprint-v1"
"""Used when no key is given: stable across machines, but then a fingerprint is only as strong as the
secret's own entropy (a short password can be brute-forced from it). Set ``MLSECURE_FINGERPRINT_KEY``
(CLI) or pass ``fingerprint_key=`` to make fingerprints useless without the key."""


def mask(secret: str) -> str:
    """At most the first 4 characters (a quarter of a short value), then asterisks; length not kept."""
    shown = min(4, len(secret) // 4)
    return secret[:shown] + "*" * 8


def fingerprint(secret: str, *, rule_id: str, path: str, key: bytes = DEFAULT_FINGERPRINT_KEY) -> str:
    """HMAC-SHA256(key, rule_id NUL path NUL secret), 32 hex digits: stable across line moves."""
    message = "\0".join((rule_id, path, secret)).encode("utf-8", "surrogatepass")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
