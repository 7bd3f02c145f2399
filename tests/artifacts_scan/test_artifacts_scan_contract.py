"""Contract every registered scanner honours: hostile bytes become issues, never exceptions, and an
input it cannot make sense of is never reported clean (fail closed)."""

from __future__ import annotations

import pytest

from mlsecure.artifacts.scan.engine import register_builtin_scanners
from mlsecure.artifacts.scan.interface import Blob, Issue, Limits, Session, registered
from mlsecure.findings import Severity

register_builtin_scanners()
SCANNERS = sorted(registered().items())
HOSTILE = {
    "empty": b"",
    "zeros": b"\x00" * 64,
    "noise": bytes(range(256)) * 4,
    "huge-length-prefix": b"\xff" * 16 + b"{",
}


def _session() -> Session:
    def nested(blob: Blob, depth: int) -> list[Issue]:
        return []

    return Session(Limits(), 0, nested)


@pytest.mark.parametrize(("name", "cls"), SCANNERS, ids=[n for n, _ in SCANNERS])
@pytest.mark.parametrize("payload", list(HOSTILE), ids=list(HOSTILE))
def test_scanner_contract(name: str, cls: type, payload: str) -> None:
    try:
        issues = list(cls().scan(Blob(name="x", data=HOSTILE[payload]), _session()))
    except Exception as exc:  # the contract: never raise on hostile input
        pytest.fail(f"{name} raised {type(exc).__name__}: {exc}")
    assert isinstance(issues, list)
    assert all(isinstance(i, Issue) for i in issues)
    if name not in ("tf-savedmodel",):  # the op matcher has nothing to parse: no ops, no issues
        assert any(i.severity >= Severity.MEDIUM for i in issues), f"{name} passed {payload!r} as clean"
