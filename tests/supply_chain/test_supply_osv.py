"""Offline OSV matching and CVSS scoring, against known answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlsecure.findings import Severity
from mlsecure.supply_chain.audit import audit_requirements
from mlsecure.supply_chain.cvss import cvss3_base_score
from mlsecure.supply_chain.osv import OsvDatabase, is_affected


@pytest.mark.parametrize("db", ["osv_dir", "osv_zip"])
def test_finds_known_vulnerabilities_in_pinned_versions(db: str, request: pytest.FixtureRequest) -> None:
    database = OsvDatabase(request.getfixturevalue(db))
    found = database.query([("torch", "2.5.1"), ("PyYAML", "5.3.1"), ("transformers", "4.36.0"),
                            ("numpy", "1.26.4"), ("torch", "2.6.0")])
    assert [(v.package, v.version, v.id) for v in found] == [
        ("pyyaml", "5.3.1", "PYSEC-2021-142"),  # its GHSA twin (alias) is reported once, not twice
        ("torch", "2.5.1", "GHSA-53q9-r3pm-6pq6"),
    ]
    torch = found[1]
    assert torch.fix_versions == ("2.6.0",)
    assert (torch.score, torch.severity) == (9.8, Severity.CRITICAL)
    assert database.records_read == 4  # the Django record is never parsed


def test_audit_requirements_offline(osv_dir: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("torch==2.5.1\npyyaml==5.3.1\ntransformers==4.36.0\nscikit-learn>=1.4\n")
    result = audit_requirements(req, offline_db=osv_dir, online=False)
    vulns = [f for f in result.findings if f.id == "SUP-101"]
    assert sorted(f.evidence["advisory"] for f in vulns) == ["GHSA-53q9-r3pm-6pq6", "PYSEC-2021-142"]
    torch = next(f for f in vulns if f.evidence["package"] == "torch")
    assert torch.severity is Severity.CRITICAL
    assert torch.atlas == ("AML.T0010", "AML.T0010.001") and torch.owasp == "ML06"
    assert torch.location.path == str(req) and torch.location.member == "line 1: torch"
    assert "upgrade torch to 2.6.0" in torch.remediation.lower()
    assert result.notes == (f"offline OSV database {osv_dir}: 5 records (no build record)",
                            "offline mode checks exact pins only; not checked: scikit-learn")


@pytest.mark.parametrize(("version", "expected"), [("0.9", False), ("1.0", True), ("1.5", True), ("2.0", False),
                                                     ("3.0", True), ("3.1", True), ("3.1.1", False), ("9", False)])
def test_range_semantics(version: str, expected: bool) -> None:
    """OSV schema: introduced opens, fixed closes (exclusive), last_affected closes (inclusive)."""
    affected: dict[str, Any] = {"ranges": [{"type": "ECOSYSTEM", "events": [
        {"introduced": "1.0"}, {"fixed": "2.0"}, {"introduced": "3.0"}, {"last_affected": "3.1"}]}]}
    assert is_affected(version, affected) is expected


def test_explicit_versions_list_matches_unparseable_versions() -> None:
    assert is_affected("weird-1", {"versions": ["weird-1"]})
    assert not is_affected("weird-2", {"versions": ["weird-1"]})
    assert is_affected("5.3.0", {"versions": ["5.3"]})  # PEP 440 equality, not string equality


@pytest.mark.parametrize(("vector", "score"), [
    # base scores as computed by the FIRST CVSS v3.1 calculator (and shown by NVD for these vectors)
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
    ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", 6.5),
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
    ("CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
])
def test_cvss3_known_scores(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


def test_cvss3_rejects_malformed_vectors() -> None:
    assert cvss3_base_score("CVSS:2.0/AV:N") is None
    assert cvss3_base_score("CVSS:3.1/AV:N/AC:L") is None
