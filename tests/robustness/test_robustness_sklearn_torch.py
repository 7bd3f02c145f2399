"""The torch re-expressions of scikit-learn models reproduce ``predict_proba`` and give exact gradients."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from sklearn.linear_model import LogisticRegression, SGDClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from mlsecure.models.wrap import as_model  # noqa: E402
from mlsecure.robustness.sklearn_torch import differentiable_sklearn  # noqa: E402


@pytest.fixture(scope="module")
def wine():  # type: ignore[no-untyped-def]
    from sklearn.datasets import load_wine

    x, y = load_wine(return_X_y=True)
    return x.astype(np.float32), y


def _estimators() -> list[object]:
    return [
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=2000)),
        make_pipeline(StandardScaler(), LinearSVC()),
        make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", random_state=0)),  # one-vs-rest sigmoids
        make_pipeline(StandardScaler(), MLPClassifier((16,), max_iter=50, random_state=0)),
        make_pipeline(StandardScaler(), MLPClassifier((8, 8), activation="tanh", max_iter=50, random_state=0)),
    ]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("index", range(6))
def test_forward_matches_predict_proba_and_gradient_matches_finite_differences(wine, index: int) -> None:  # type: ignore[no-untyped-def]
    x, y = wine
    est = _estimators()[index].fit(x, y)
    model = as_model(est)
    diff, why = differentiable_sklearn(model)
    assert diff is not None, why
    xt = torch.from_numpy(x[:20])
    with torch.no_grad():
        probs = torch.softmax(diff.logits(xt), 1).double().numpy()
    np.testing.assert_allclose(probs, model.predict_proba(x[:20]), atol=1e-4)
    # oracle: central finite differences of the estimator's own log-probability of class 0
    x0 = x[:1].astype(np.float64)
    xg = torch.from_numpy(x[:1]).requires_grad_(True)
    (g,) = torch.autograd.grad(torch.log_softmax(diff.logits(xg), 1)[0, 0], xg)
    h = 1e-3 * np.maximum(np.abs(x0[0]), 1.0)
    fd = np.empty(x.shape[1])
    for j in range(x.shape[1]):
        up, dn = x0.copy(), x0.copy()
        up[0, j] += h[j]
        dn[0, j] -= h[j]
        fd[j] = (np.log(model.predict_proba(up)[0, 0]) - np.log(model.predict_proba(dn)[0, 0])) / (2 * h[j])
    np.testing.assert_allclose(g.numpy()[0], fd, rtol=0.05, atol=1e-3 * max(1.0, float(np.abs(fd).max())))


def test_binary_logistic_regression(wine) -> None:  # type: ignore[no-untyped-def]
    x, y = wine
    est = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, (y == 0).astype(int))
    diff, _ = differentiable_sklearn(as_model(est))
    assert diff is not None
    with torch.no_grad():
        p = torch.softmax(diff.logits(torch.from_numpy(x[:10])), 1).double().numpy()
    np.testing.assert_allclose(p, est.predict_proba(x[:10]), atol=1e-4)


def test_trees_stay_black_box_with_a_reason(wine) -> None:  # type: ignore[no-untyped-def]
    x, y = wine
    diff, why = differentiable_sklearn(as_model(DecisionTreeClassifier(random_state=0).fit(x, y)))
    assert diff is None and "DecisionTreeClassifier" in why
