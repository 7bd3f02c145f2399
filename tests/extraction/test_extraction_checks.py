"""The two checks through the scan runner: findings, severities, figures, options."""

from __future__ import annotations

import json

import pytest

from mlsecure.check import ScanContext
from mlsecure.errors import ConfigError
from mlsecure.findings import Severity
from mlsecure.models import as_model
from mlsecure.privacy.inference.extraction_checks import (
    CHECKS,
    ExtractionCheck,
    InversionCheck,
    extraction_severity,
    inversion_severity,
)
from mlsecure.scan import registry
from mlsecure.scan.runner import run_scan


def test_severity_ladders() -> None:
    assert extraction_severity(65, 0.99, 3000) is Severity.CRITICAL
    assert extraction_severity(300, 0.95, 3000) is Severity.HIGH
    assert extraction_severity(3000, 0.91, 3000) is Severity.MEDIUM
    assert extraction_severity(None, 0.8, 3000) is Severity.LOW
    assert extraction_severity(None, 0.5, 3000) is Severity.INFO
    assert inversion_severity(1.0, 0.6, 10, individuals=True) is Severity.HIGH
    assert inversion_severity(1.0, 0.6, 10) is Severity.MEDIUM  # classes are not people unless told
    assert inversion_severity(0.6, 0.4, 10) is Severity.MEDIUM
    assert inversion_severity(0.3, 0.4, 10) is Severity.LOW
    assert inversion_severity(0.1, 0.4, 10) is Severity.INFO  # chance level
    assert inversion_severity(1.0, 0.1, 10) is Severity.INFO


def test_checks_register_and_run(digits_logreg, digits_split) -> None:
    for cls in CHECKS:
        registry.register(cls.name, cls)
    groups = registry.groups()
    assert "model-extraction" in groups["extraction"] and "model-inversion" in groups["inversion"]
    train, test = digits_split
    ctx = ScanContext(model=as_model(digits_logreg), data=train, holdout=test,
                      options={"extraction_budgets": "50,200", "extraction_strategies": "natural,active",
                               "extraction_defence_budget": "200"})
    report = run_scan([ExtractionCheck, InversionCheck], ctx, target="test")
    by_id = {f.id: f for f in report.findings}
    ext = by_id["EXT-001"]
    # a softmax-linear model is copied from <= d + 1 = 65 probability queries: critical
    assert ext.severity is Severity.CRITICAL and ext.owasp == "ML05"
    assert ext.atlas == ("AML.T0024.002", "AML.T0005") and ext.check == "model-extraction"
    assert ext.evidence["equation_solving"]["fidelity"] >= 0.998
    assert "EXT-002" in by_id
    inv = by_id["INV-001"]  # sklearn model: black-box NES inversion
    assert inv.owasp == "ML03" and inv.evidence["method"].startswith("black-box")
    assert report.figures["model-extraction.extraction_fidelity"].kind == "line"
    assert report.figures["model-inversion.inversion_similarity"].kind == "bar"
    # the evidence survives the stable JSON contract
    data = json.loads(json.dumps(report.to_dict()))
    assert {f["id"] for f in data["findings"]} >= {"EXT-001", "EXT-002", "INV-001"}


def test_bad_options_are_config_errors(digits_logreg, digits_split) -> None:
    train, test = digits_split
    ctx = ScanContext(model=as_model(digits_logreg), data=train, holdout=test,
                      options={"extraction_surrogate": "forest"})
    with pytest.raises(ConfigError, match="extraction_surrogate"):
        ExtractionCheck().execute(ctx)
    with pytest.raises(ConfigError, match="inversion_objective"):
        InversionCheck().execute(ScanContext(model=as_model(digits_logreg), data=train,
                                             options={"inversion_objective": "x"}))


def test_attribute_option_adds_inv002(digits_logreg, digits_split) -> None:
    train, _ = digits_split
    ctx = ScanContext(model=as_model(digits_logreg), data=train,
                      options={"inversion_attribute": "pixel_36", "max_samples": 200, "inversion_steps": 20})
    result = InversionCheck().execute(ctx)
    inv2 = next(f for f in result.findings if f.id == "INV-002")
    assert inv2.location.column == "pixel_36" and inv2.owasp == "ML03"
    assert 0.0 <= inv2.evidence["accuracy"] <= 1.0 and inv2.evidence["queries"] == 200 * inv2.evidence["candidates"]
    with pytest.raises(ConfigError, match="inversion_attribute"):
        InversionCheck().execute(ScanContext(model=as_model(digits_logreg), data=train,
                                             options={"inversion_attribute": "nope"}))
