"""Shared constants and event factories of the audit-log tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mlsecure.audit import AuditEvent

HMAC_KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_event(i: int, *, actor: str | None = None, outcome: str = "allowed") -> AuditEvent:
    return AuditEvent(event_type="prediction" if i % 2 else "auth", actor=actor or f"user{i % 3}",
                      action="predict", resource="digits-mlp:1", outcome=outcome,  # type: ignore[arg-type]
                      details={"i": i, "batch": [i, i + 1]}, input_hash=f"{i:064x}", latency_ms=0.5 * i,
                      timestamp=T0 + timedelta(seconds=i), event_id=f"evt-{i:06d}")
