"""Range-relative budgets for tabular models whose features live on different scales."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mlsecure.check import ScanContext
from mlsecure.data import Dataset
from mlsecure.models import as_model
from mlsecure.robustness.checks import AdversarialRobustnessCheck
from mlsecure.robustness.normalized import DifferentiableRangeNormalized, range_normalized

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def cancer() -> tuple[object, Dataset]:
    bunch = load_breast_cancer()
    x, y = bunch.data.astype(np.float32), bunch.target
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x[:400], y[:400])
    return model, Dataset(x[400:], y[400:])


def test_wrapper_is_the_same_model_in_unit_coordinates(cancer: tuple[object, Dataset]) -> None:
    model, data = cancer
    adapter = as_model(model)
    lo, hi = data.x.min(axis=0), data.x.max(axis=0)
    wrapped = range_normalized(adapter, lo, hi - lo)
    assert isinstance(wrapped, DifferentiableRangeNormalized)  # the pipeline's gradients survive the wrapper
    z = wrapped.to_unit(data.x)
    assert z.min() >= 0.0 and z.max() <= 1.0
    np.testing.assert_allclose(wrapped.predict_proba(z), adapter.predict_proba(data.x), atol=1e-4)
    import torch

    logits = wrapped.logits(torch.from_numpy(z[:5]))
    np.testing.assert_allclose(torch.softmax(logits, 1).detach().numpy(), adapter.predict_proba(data.x[:5]),
                               atol=1e-4)


def test_default_budgets_are_range_relative_on_mixed_scales(cancer: tuple[object, Dataset]) -> None:
    # breast_cancer features span from ~0.05 (fractal dimension) to ~4000 (area): one raw-unit budget
    # would leave area untouched and move fractal dimension across its whole range.
    model, data = cancer
    result = AdversarialRobustnessCheck().execute(ScanContext(model=as_model(model), data=data))
    metrics = result.metrics
    assert metrics["epsilons"] == [0.01, 0.03, 0.1]
    assert "of each feature's range" in metrics["epsilon_source"]
    assert "pgd" in metrics["attacks_run"]  # white-box through the wrapper
    accuracies = [metrics["robust_accuracy"][k] for k in ("0.01", "0.03", "0.1")]
    assert accuracies == sorted(accuracies, reverse=True)
    assert accuracies[0] > 0.85  # 1% of each feature's range barely moves a good linear model


def test_explicit_epsilon_stays_in_raw_units(cancer: tuple[object, Dataset]) -> None:
    model, data = cancer
    ctx = ScanContext(model=as_model(model), data=data, options={"epsilon": [0.5]})
    metrics = AdversarialRobustnessCheck().execute(ctx).metrics
    assert metrics["epsilon_source"] == "given" and metrics["epsilons"] == [0.5]
