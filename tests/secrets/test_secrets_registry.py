"""The detector registry: explicit, refuses silent replacement, and a custom detector runs in scans."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from mlsecure.errors import ConfigError
from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner, detector_classes, register
from mlsecure.secrets.detectors.base import PatternDetector
from mlsecure.secrets.interface import Candidate, FileKind
from mlsecure.secrets.registry import unregister


class AcmeToken(PatternDetector):
    rule_id = "SEC-900"
    title = "ACME token"
    description = "An internal ACME model-registry token."
    severity = Severity.HIGH
    priority = 90
    keywords = ("acme_",)
    pattern = re.compile(r"\b(acme_[0-9a-f]{24})\b")


@pytest.fixture()
def acme() -> Iterator[None]:
    register("acme-token", AcmeToken)
    try:
        yield
    finally:
        unregister("acme-token")


def test_registered_detector_runs_and_builtins_are_all_listed(acme: None) -> None:
    del acme
    names = list(detector_classes())
    assert names[:3] == ["aws-access-key-id", "aws-secret-access-key", "github-token"]
    assert names[-1] == "acme-token" and len(names) == 30  # session 8: docker-config-auth
    (finding,) = SecretScanner().scan_text("REGISTRY=acme_0123456789abcdef01234567", kind=FileKind.CONFIG)
    assert finding.rule_id == "SEC-900" and finding.severity is Severity.HIGH


def test_register_refuses_replacement_without_force(acme: None) -> None:
    del acme

    class Other(AcmeToken):
        pass

    with pytest.raises(ConfigError, match="already registered"):
        register("acme-token", Other)
    register("acme-token", Other, force=True)
    assert detector_classes()["acme-token"] is Other
    with pytest.raises(ConfigError, match="Detector subclass"):
        register("bad", int)  # type: ignore[arg-type]  # the runtime check is what is tested


def test_candidate_repr_hides_the_secret() -> None:
    candidate = Candidate(detector="SEC-001", secret="super-secret", start=0, end=12, severity=Severity.HIGH)
    assert "super-secret" not in repr(candidate)

