"""Extraction: Tramèr et al.'s equation-solving attack is exact on softmax-linear models; the soft
cross-entropy surrogate and its input gradient agree with finite differences; defences behave."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.errors import InputError
from mlsecure.models import as_model
from mlsecure.privacy.inference.extraction import (
    Defence,
    audit_extraction,
    equation_solving,
    train_surrogate,
)


def test_equation_solving_recovers_logistic_regression_exactly(digits_logreg, digits_split) -> None:
    # Tramèr et al. 2016, section 4.1: d + 1 queries with probabilities determine a softmax-linear model.
    _, test = digits_split
    victim = as_model(digits_logreg)
    d = test.x.shape[1]
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (d + 1, d))
    s = equation_solving(victim.predict_proba(x.astype(np.float32)).astype(np.float64), x)
    w = digits_logreg.coef_.T  # (d, k)
    # softmax is invariant to a shared shift: compare w_j - w_0 (float32 answers: ~1e-3 relative)
    np.testing.assert_allclose(s.weights[0], w - w[:, :1], atol=2e-3 * np.abs(w).max())
    fidelity = (s.predict_proba(test.x).argmax(1) == victim.predict_proba(test.x).argmax(1)).mean()
    assert fidelity >= 0.998
    # the same d + 1 queries answered with labels only: a much worse copy
    labels = np.eye(10)[victim.predict_proba(x.astype(np.float32)).argmax(1)]
    s_labels = train_surrogate(x, labels, hidden=0)
    fid_labels = (s_labels.predict_proba(test.x).argmax(1) == victim.predict_proba(test.x).argmax(1)).mean()
    assert fid_labels < 0.8


def test_surrogate_input_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 5))
    t = np.eye(3)[rng.integers(0, 3, 40)]
    for hidden in (0, 8):
        s = train_surrogate(x, t, hidden=hidden, max_iter=20)
        cls = rng.integers(0, 3, 6)
        g = s.input_gradient(x[:6], cls)
        h = 1e-6
        for j in range(5):
            e = np.zeros(5)
            e[j] = h
            fd = (s.logits(x[:6] + e)[np.arange(6), cls] - s.logits(x[:6] - e)[np.arange(6), cls]) / (2 * h)
            np.testing.assert_allclose(g[:, j], fd, rtol=1e-4, atol=1e-7)


def test_surrogate_fits_soft_targets_of_a_linear_teacher() -> None:
    # a softmax-linear student trained on a softmax-linear teacher's probabilities recovers its outputs
    rng = np.random.default_rng(2)
    w, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    x = rng.uniform(-1, 1, (500, 4))
    z = x @ w + b
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    s = train_surrogate(x, p, hidden=0, alpha=0.0, max_iter=500)
    np.testing.assert_allclose(s.predict_proba(x), p, atol=1e-3)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6))
def test_defences_return_distributions(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), 20)
    for d in (Defence("l", labels_only=True), Defence("r", decimals=1), Defence("n", noise_sigma=0.2)):
        out = d.apply(p, rng)
        assert out.shape == p.shape
        np.testing.assert_allclose(out.sum(1), 1.0, atol=1e-9)
        assert (out >= 0).all()
    np.testing.assert_array_equal(Defence("l", labels_only=True).apply(p, rng).argmax(1), p.argmax(1))
    rounded = Defence("r", decimals=2).apply(p, rng)
    raw = np.round(p, 2)
    assert np.allclose(rounded * raw.sum(1, keepdims=True), raw) or (raw.sum(1) == 0).any()


def test_audit_on_linear_victim(digits_logreg, digits_split) -> None:
    train, test = digits_split
    victim = as_model(digits_logreg)
    audit = audit_extraction(victim, train.x, test.x, test.y, budgets=(50, 200), strategies=("random", "natural"),
                             defence_budget=200)
    q, strategy = audit.queries_to_threshold()
    assert q is not None and q <= 65  # equation solving needs d + 1 = 65; natural data may need fewer
    assert strategy in ("equation-solving", "natural")
    assert audit.equation_fidelity is not None and audit.equation_fidelity >= 0.998
    nat = audit.curve("natural")
    assert [p.queries for p in nat] == [50, 200]
    assert nat[-1].fidelity >= 0.9  # 200 natural queries with probabilities already copy a linear model
    effect = audit.defence_effect()
    assert set(effect) == {"none", "top-1 label", "round 2 decimals", "round 1 decimal", "gaussian noise 0.1"}
    assert effect["top-1 label"] <= effect["none"]
    fig = audit.figure()
    assert fig.kind == "line" and {s.name for s in fig.series} >= {"random", "natural", "natural, top-1 label"}


def test_bad_inputs_are_input_errors(digits_logreg, digits_split) -> None:
    train, test = digits_split
    victim = as_model(digits_logreg)
    with pytest.raises(InputError, match="strategies"):
        audit_extraction(victim, train.x, test.x, budgets=(10,), strategies=("nope",))
    with pytest.raises(InputError, match="budgets"):
        audit_extraction(victim, train.x, test.x, budgets=(1,))
    with pytest.raises(InputError):
        train_surrogate(np.zeros((3, 2)), np.zeros((4, 2)))
