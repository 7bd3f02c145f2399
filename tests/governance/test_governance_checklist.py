"""The checklist is the guide's section 5, item for item, and is marked only from what a report measured."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from mlsecure.cli import governance_cmd
from mlsecure.findings import Finding, Report, Severity, Skipped
from mlsecure.governance.checklist import CHECKLIST, ItemStatus, Phase, evaluate_checklist
from mlsecure.scan.registry import all_checks

# Section 5 of the guide: 9 pre-training, 5 during-training, 7 post-training, 9 deployment, 7 operations.
GUIDE_COUNTS = {Phase.PRE_TRAINING: 9, Phase.DURING_TRAINING: 5, Phase.POST_TRAINING: 7, Phase.DEPLOYMENT: 9,
                Phase.OPERATIONS: 7}


def _status(report: Report | None, key: str) -> tuple[ItemStatus, str, tuple[str, ...]]:
    result = next(r for r in evaluate_checklist(report) if r.item.key == key)
    return result.status, result.reason, result.evidence


def _rob(severity: Severity) -> Finding:
    return Finding(id="ROB-001", title="Accuracy falls", severity=severity, owasp="ML01",
                   check="adversarial-robustness")


def test_items_match_the_guide() -> None:
    for phase, count in GUIDE_COUNTS.items():
        assert sum(i.phase is phase for i in CHECKLIST) == count, phase
    assert len({i.key for i in CHECKLIST}) == len(CHECKLIST)
    assert {i.title for i in CHECKLIST} >= {"Adversarial robustness tested", "Fairness metrics computed",
                                             "TLS 1.3 enforced", "Incident response plan"}


def test_rules_name_real_checks() -> None:
    known = set(all_checks()) | {"fairness"}  # fairness: this package's check (registered by the lead)
    for item in CHECKLIST:
        if item.rule is not None:
            assert set(item.rule.checks) <= known, item.key
        for owasp in item.owasp:
            assert owasp.startswith("ML") and 1 <= int(owasp[2:]) <= 10


def test_robustness_satisfied_below_high_and_failed_at_high() -> None:
    ok = Report(target="t", tool_version="0", findings=[_rob(Severity.MEDIUM)], checks_run=["adversarial-robustness"])
    status, _, evidence = _status(ok, "adversarial-robustness")
    assert status is ItemStatus.SATISFIED and any("ROB-001 [medium]" in e for e in evidence)
    bad = Report(target="t", tool_version="0", findings=[_rob(Severity.HIGH)], checks_run=["adversarial-robustness"])
    status, reason, evidence = _status(bad, "adversarial-robustness")
    assert status is ItemStatus.FAILED and "1 finding" in reason and evidence[0].startswith("ROB-001 [high]")


def test_never_claims_what_was_not_measured() -> None:
    empty = Report(target="t", tool_version="0")
    skipped = Report(target="t", tool_version="0", skipped=[Skipped("adversarial-robustness", "needs model")])
    assert _status(None, "adversarial-robustness")[0] is ItemStatus.NOT_EVALUATED
    assert _status(empty, "adversarial-robustness")[0] is ItemStatus.NOT_EVALUATED
    status, reason, _ = _status(skipped, "adversarial-robustness")
    assert status is ItemStatus.NOT_EVALUATED and "needs model" in reason
    # organisational items stay unevaluated whatever ran
    everything = Report(target="t", tool_version="0", checks_run=[*all_checks(), "fairness"])
    for key in ("threat-model", "incident-response", "tls", "security-reviews"):
        assert _status(everything, key)[0] is ItemStatus.NOT_EVALUATED


def test_dependency_audit_without_vulnerability_engine_is_not_evaluated() -> None:
    offline = Report(target="t", tool_version="0", checks_run=["dependency-audit"],
                     metrics={"dependency-audit": {"engine": "none", "packages": 3}})
    assert _status(offline, "dependency-vulns")[0] is ItemStatus.NOT_EVALUATED
    online = Report(target="t", tool_version="0", checks_run=["dependency-audit"],
                    metrics={"dependency-audit": {"engine": "pip-audit", "packages": 3}})
    assert _status(online, "dependency-vulns")[0] is ItemStatus.SATISFIED
    partial = Report(target="t", tool_version="0", checks_run=["dependency-audit"],
                     metrics={"dependency-audit": {"engine": "pip-audit"}},
                     findings=[Finding(id="SUP-108", title="2 not checked", severity=Severity.LOW, owasp="ML06",
                                       check="dependency-audit")])
    assert _status(partial, "dependency-vulns")[0] is ItemStatus.NOT_EVALUATED
    # environment audits have no requirements file: "pinned with hashes" is not measured
    assert _status(online, "dependencies-pinned")[0] is ItemStatus.NOT_EVALUATED


def test_pii_anonymization_fails_when_pii_found() -> None:
    pii = Finding(id="PII-001", title="emails in column", severity=Severity.HIGH, owasp="ML03", check="pii-audit")
    report = Report(target="t", tool_version="0", findings=[pii], checks_run=["pii-audit"])
    assert _status(report, "pii-detection")[0] is ItemStatus.SATISFIED  # the detection ran
    assert _status(report, "anonymization")[0] is ItemStatus.FAILED  # and found PII left in the data


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlsecure")
    governance_cmd.register(parser.add_subparsers(dest="command"))
    return parser


def test_cli_checklist_json_and_md(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = Report(target="t", tool_version="0", findings=[_rob(Severity.CRITICAL)],
                    checks_run=["adversarial-robustness"])
    path = tmp_path / "r.json"
    path.write_text(report.to_json(), encoding="utf-8")
    args = _parser().parse_args(["governance", "checklist", "--report", str(path), "--format", "json",
                                 "--fail-on-failed"])
    assert governance_cmd.run(args) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"] == {"satisfied": 0, "failed": 1, "not evaluated": len(CHECKLIST) - 1}
    md = tmp_path / "c.md"
    args = _parser().parse_args(["governance", "checklist", "--report", str(path), "--format", "md", "-o", str(md)])
    assert governance_cmd.run(args) == 0
    assert "| [!] | **Adversarial robustness tested**" in md.read_text(encoding="utf-8")


def test_cli_checklist_bad_report(tmp_path: Path) -> None:
    from mlsecure.errors import InputError

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not an mlsecure JSON report"):
        governance_cmd.run(_parser().parse_args(["governance", "checklist", "--report", str(bad)]))
