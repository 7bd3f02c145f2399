"""A robustness "pass" must be earned (session-5 audit): one sample, a table whose every feature is constant, or
labels the model never predicts gave `No attack lowered accuracy`, info, exit 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import mlsecure
from mlsecure.findings import Severity


@pytest.fixture(scope="module")
def model() -> LogisticRegression:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    return LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))


def _frame(x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=["a", "b", "c"]).assign(label=y)


def _ids(report: mlsecure.Report) -> dict[str, Severity]:
    return {f.id: f.severity for f in report.findings}


def test_one_robust_sample_is_inconclusive_not_a_pass(model: LogisticRegression) -> None:
    x = np.array([[3.0, 0.0, 0.0], [2.5, 1.0, -1.0]])  # far from the boundary: no attack at eps=0.01 flips it
    report = mlsecure.scan(model, _frame(x, np.array([1, 1])), checks="robustness", epsilon=0.01,
                           clip_values=(-4.0, 4.0), seed=0)
    ids = _ids(report)
    assert ids["ROB-001"] is Severity.INFO  # the point estimate: nothing fooled
    assert ids["ROB-004"] is Severity.HIGH  # but 2 samples leave robust accuracy anywhere in 16%-100%
    assert report.count_at_or_above(Severity.HIGH) == 1


def test_constant_features_give_no_bounds_to_attack_in(model: LogisticRegression) -> None:
    x = np.tile([[0.5, 0.1, 0.2]], (20, 1))
    report = mlsecure.scan(model, _frame(x, np.ones(20, dtype=int)), checks="robustness", epsilon=0.03)
    (finding,) = report.findings
    assert finding.id == "SCAN-002" and "allow no perturbation" in finding.evidence["error"]


def test_labels_the_model_never_gets_right_leave_nothing_to_attack(model: LogisticRegression) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 3))
    wrong = (x[:, 0] <= 0).astype(int)  # every label is the opposite of the model's rule
    report = mlsecure.scan(model, _frame(x, wrong), checks="robustness", epsilon=0.03, clip_values=(-4.0, 4.0))
    (finding,) = [f for f in report.findings if f.id.startswith(("SCAN", "ROB"))]
    assert finding.id == "SCAN-002" and "nothing to attack" in finding.evidence["error"]


def test_a_large_evaluation_is_not_called_inconclusive(model: LogisticRegression) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 3))
    report = mlsecure.scan(model, _frame(x, (x[:, 0] > 0).astype(int)), checks="robustness", epsilon=0.01,
                           clip_values=(-4.0, 4.0), seed=0, options={"attacks": "fgsm,pgd"})
    assert "ROB-004" not in _ids(report)


CERTIFY = {"n": 200, "n0": 20, "sigma": 0.1, "radius": 0.05}


def test_certifying_two_samples_is_inconclusive_not_a_pass(model: LogisticRegression) -> None:
    x = np.array([[3.0, 0.0, 0.0], [2.5, 1.0, -1.0]])
    report = mlsecure.scan(model, _frame(x, np.array([1, 1])), checks="certified", clip_values=(-4.0, 4.0),
                           seed=0, options=CERTIFY)
    ids = _ids(report)
    assert "ROB-021" not in ids  # the point estimate: both certified
    assert ids["ROB-004"] is Severity.HIGH


def test_certifying_samples_the_model_gets_wrong_is_not_evaluated(model: LogisticRegression) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 3))
    report = mlsecure.scan(model, _frame(x, (x[:, 0] <= 0).astype(int)), checks="certified",
                           clip_values=(-4.0, 4.0), options=CERTIFY)
    (finding,) = report.findings
    assert finding.id == "SCAN-002" and "nothing to certify" in finding.evidence["error"]
