"""`mlsecure demo` end to end: every registered check runs on the digits model, the reports are written
and valid, and the simulated BadNets attack is found and removed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mlsecure.cli.main import main
from mlsecure.findings import report_schema
from mlsecure.scan.registry import all_checks

pytestmark = pytest.mark.slow


def test_demo_writes_valid_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    report = json.loads((tmp_path / "mlsecure-report.json").read_text())
    jsonschema.validate(report, report_schema())
    ran = set(report["checks_run"])
    skipped = {s["check"]: s["reason"] for s in report["skipped"]}
    assert ran | set(skipped) == set(all_checks())  # every registered check ran or says why not
    assert {"adversarial-robustness", "poisoning", "membership-inference", "artifact-scan"} <= ran
    # the clean demo model: robust accuracy measured, no poisoning verdict on clean data
    assert 0.9 < report["metrics"]["adversarial-robustness"]["clean_accuracy"] <= 1.0
    assert not [f for f in report["findings"] if f["check"] == "poisoning"]
    simulated = report["metrics"]["demo-simulated-poisoning"]
    assert simulated["recall"] >= 0.9 and simulated["precision"] >= 0.5
    assert simulated["backdoor_success_before_removal"] > 0.8
    assert simulated["backdoor_success_after_removal"] < 0.1
    # the simulated serving feed: the brightened image columns, and only those, are named as drifted
    from mlsecure.demo import SKEWED_COLUMNS

    assert "drift" in ran
    shifted = {f"pixel_{8 * r + c}" for r in range(8) for c in SKEWED_COLUMNS}
    events = [f for f in report["findings"] if f["id"] == "SKEW-010"]
    assert len(events) == 1  # one drift event, one finding naming the columns
    drifted = set(events[0]["evidence"]["columns"])
    assert drifted and drifted <= shifted
    assert [row["column"] for row in events[0]["evidence"]["details"]] == events[0]["evidence"]["columns"]
    html = (tmp_path / "mlsecure-report.html").read_text()
    assert html.count("<svg") >= 3  # robustness curve, membership ROC, poisoning figures
    assert "Findings" in capsys.readouterr().out
