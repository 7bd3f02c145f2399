"""Holdout rows that are training rows are not non-members (session-5 audit: `--holdout train.csv --data
train.csv` scored AUC 0.500 and "No membership leakage measurable", exit 0)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

import mlsecure

OPTIONS = {"mia_attacks": "loss,confidence"}


@pytest.fixture(scope="module")
def setup() -> tuple[DecisionTreeClassifier, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(240, 4))
    y = (x[:, 0] + 0.5 * rng.normal(size=240) > 0).astype(int)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"]).assign(label=y)
    train, holdout = frame.iloc[:120].reset_index(drop=True), frame.iloc[120:].reset_index(drop=True)
    model = DecisionTreeClassifier(random_state=0).fit(train.drop(columns="label"), train["label"])
    return model, train, holdout


def test_the_training_data_as_holdout_is_not_evaluated(setup: tuple[DecisionTreeClassifier, pd.DataFrame,
                                                                     pd.DataFrame]) -> None:
    model, train, _ = setup
    report = mlsecure.scan(model, train, train, checks="membership", options=OPTIONS)
    (finding,) = report.findings
    assert finding.id == "SCAN-002" and "no non-members" in finding.evidence["error"]


def test_training_rows_in_the_holdout_are_dropped_and_counted(setup: tuple[DecisionTreeClassifier, pd.DataFrame,
                                                                           pd.DataFrame]) -> None:
    model, train, holdout = setup
    mixed = pd.concat([holdout, train.iloc[:50]], ignore_index=True)
    report = mlsecure.scan(model, train, mixed, checks="membership", options=OPTIONS)
    metrics = report.metrics["membership-inference"]
    assert metrics["holdout_rows_in_training_data"] == 50
    assert metrics["non_members"] == len(holdout)
    clean = mlsecure.scan(model, train, holdout, checks="membership", options=OPTIONS)
    assert clean.metrics["membership-inference"]["holdout_rows_in_training_data"] == 0
    # a fully memorising tree on disjoint data: members are told apart from non-members (0.596 measured; the
    # training data as holdout gave exactly 0.500 before the fix)
    assert clean.metrics["membership-inference"]["auc"] > 0.55
