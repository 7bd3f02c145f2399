"""Finding/Report vocabulary: validation, ordering, JSON round trip and the shipped JSON Schema."""

from __future__ import annotations

import json
import math

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlsecure.errors import InputError
from mlsecure.findings import Figure, Finding, Location, Report, Series, Severity, report_schema


def _finding(**overrides: object) -> Finding:
    fields: dict[str, object] = {
        "id": "ROB-001", "title": "Robust accuracy drops", "severity": Severity.HIGH, "owasp": "ML01",
        "atlas": ("AML.T0043", "AML.T0015"), "location": Location(path="model.pt", rows=(3, 5)),
        "evidence": {"clean_accuracy": 0.97, "robust_accuracy": 0.12}, "remediation": "adversarial training",
        "check": "robustness",
    }
    fields.update(overrides)
    return Finding(**fields)  # type: ignore[arg-type]


def test_severity_orders_by_rank_not_alphabet() -> None:
    assert Severity.CRITICAL > Severity.HIGH > Severity.MEDIUM > Severity.LOW > Severity.INFO
    assert max([Severity.LOW, Severity.CRITICAL, Severity.MEDIUM]) is Severity.CRITICAL
    assert Severity.parse("HIGH") is Severity.HIGH
    with pytest.raises(InputError, match="unknown severity"):
        Severity.parse("severe")


@pytest.mark.parametrize("owasp", ["ML00", "ML11", "ml01", "A01"])
def test_finding_rejects_bad_owasp_ids(owasp: str) -> None:
    with pytest.raises(InputError, match="OWASP id"):
        _finding(owasp=owasp)


def test_finding_rejects_non_atlas_ids() -> None:
    with pytest.raises(InputError, match="not an ATLAS id"):
        _finding(atlas=("T1059",))


def test_report_round_trips_through_json_and_validates() -> None:
    report = Report(target="model.pt", tool_version="0.1.0")
    report.extend([_finding(), _finding(id="SUP-001", severity=Severity.LOW, owasp="ML06", atlas=())])
    report.metrics["robustness"] = {"clean_accuracy": 0.97, "curve": [0.9, 0.5], "nan": float("nan")}
    report.figures["robustness.curve"] = Figure("acc vs eps", "eps", "acc", (Series("pgd", (0.0, 0.1), (0.97, 0.2)),))
    data = json.loads(report.to_json())
    jsonschema.validate(data, report_schema())
    assert data["metrics"]["robustness"]["nan"] is None  # strict JSON: NaN becomes null
    again = Report.from_json(report.to_json())
    assert again.findings == report.sorted_findings()
    assert again.figures == report.figures
    assert again.by_severity() == {"critical": 0, "high": 1, "medium": 0, "low": 1, "info": 0}


def test_schema_rejects_a_report_with_a_bad_severity() -> None:
    report = Report(target="t", tool_version="0.1.0")
    report.extend([_finding()])
    data = json.loads(report.to_json())
    data["findings"][0]["severity"] = "urgent"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, report_schema())


@given(st.lists(st.sampled_from(list(Severity)), max_size=30), st.sampled_from(list(Severity)))
def test_count_at_or_above_matches_definition(severities: list[Severity], threshold: Severity) -> None:
    report = Report(target="t", tool_version="0")
    report.extend(_finding(id=f"X-{i:03d}", severity=s) for i, s in enumerate(severities))
    assert report.count_at_or_above(threshold) == sum(1 for s in severities if s.rank >= threshold.rank)
    assert [f.severity.rank for f in report.sorted_findings()] == sorted((s.rank for s in severities), reverse=True)


def test_series_length_mismatch_is_an_error() -> None:
    with pytest.raises(InputError, match="x has 2 values"):
        Series("s", (1.0, 2.0), (1.0,))


def test_figure_tick_labels_round_trip() -> None:
    fig = Figure("t", "x", "y", (Series("s", (0.0, 1.0), (0.9, 0.1)),), kind="bar", x_ticks=("before", "after"))
    data = Report(target="t", tool_version="0", figures={"f": fig}).to_dict()
    jsonschema.validate(data, report_schema())
    assert Figure.from_dict(data["figures"]["f"]) == fig


def test_figure_nan_survives_round_trip() -> None:
    fig = Figure("t", "x", "y", (Series("s", (0.0, 1.0), (math.nan, 2.0)),))
    back = Figure.from_dict(json.loads(json.dumps(Report(target="t", tool_version="0", figures={"f": fig})
                                                  .to_dict()["figures"]["f"])))
    assert math.isnan(back.series[0].y[0]) and back.series[0].y[1] == 2.0
