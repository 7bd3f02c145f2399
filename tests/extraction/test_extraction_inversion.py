"""Inversion: maximising a linear logit under an L2 prior has the closed form x* = x0 + w_c / (2 lambda);
reconstructions stay in the clip range; the black-box (NES) ascent agrees with the white-box one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from mlsecure.models import as_model  # noqa: E402
from mlsecure.privacy.inference.inversion import (  # noqa: E402
    audit_inversion,
    invert_black_box,
    invert_white_box,
)


class _BlackBox:
    """Hides the torch path so audit_inversion takes the black-box branch."""

    def __init__(self, model) -> None:  # type: ignore[no-untyped-def]
        self._m = model
        self.n_classes, self.input_shape = model.n_classes, model.input_shape
        self.clip_values, self.classes, self.framework = model.clip_values, None, "callable"

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self._m.predict_proba(x)


def _linear(d: int = 8, k: int = 3, seed: int = 0):  # type: ignore[no-untyped-def]
    torch.manual_seed(seed)
    net = torch.nn.Linear(d, k)
    return net, as_model(net, input_shape=(d,), clip_values=(-10.0, 10.0))


def test_linear_logit_inversion_closed_form() -> None:
    # argmax_x w_c.x + b_c - lambda ||x - x0||^2 = x0 + w_c / (2 lambda), x0 = 0 (mid-range of [-10, 10])
    net, model = _linear()
    lam = 0.5
    x = invert_white_box(model, (-10.0, 10.0), objective="logit", l2=lam, steps=2000, lr=0.0005)
    w = net.weight.detach().numpy()
    np.testing.assert_allclose(x, w / (2 * lam), atol=2e-2)
    cos = (x * w).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(w, axis=1)
    assert (cos > 0.999).all()


@settings(max_examples=10, deadline=None)
@given(st.floats(-3, 0), st.floats(0.1, 3), st.integers(0, 100))
def test_reconstructions_stay_in_range(lo: float, width: float, seed: int) -> None:
    hi = lo + width
    _, model = _linear(seed=seed)
    xw = invert_white_box(model, (lo, hi), steps=30, seed=seed)
    xb, queries = invert_black_box(model, (lo, hi), steps=5, samples=4, seed=seed)
    for x in (xw, xb):
        assert x.shape == (3, 8)
        assert (x >= np.float32(lo)).all() and (x <= np.float32(hi)).all()
    assert queries == 5 * 3 * 2 * 4


def test_black_box_agrees_with_white_box_on_linear_model() -> None:
    # same objective (log p_c), estimated vs exact gradients: the reconstructions point the same way
    _, model = _linear(d=16, k=4, seed=3)
    xw = invert_white_box(model, (-1.0, 1.0), objective="log_softmax", steps=150, l2=0.05)
    xb, _ = invert_black_box(model, (-1.0, 1.0), steps=150, samples=30, l2=0.05)
    cos = (xw * xb).sum(1) / np.linalg.norm(xw, axis=1) / np.linalg.norm(xb, axis=1)
    assert (cos > 0.9).all()


def test_audit_inversion_on_digits_mlp(digits_mlp, digits_split) -> None:
    train, _ = digits_split
    model = as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))
    audit = audit_inversion(model, train.x, train.y, l2=0.01)
    assert audit.method.startswith("white-box")
    assert audit.identified_share >= 0.8  # reconstructions look like their own class's mean digit
    rand = np.mean([c.random_corr_mean for c in audit.classes])
    assert audit.mean_corr > rand + 0.3
    assert audit.reconstructions.min() >= 0.0 and audit.reconstructions.max() <= 1.0
    fig = audit.figure()
    assert fig.kind == "bar" and [s.name for s in fig.series] == ["reconstruction", "random input"]
    bb = audit_inversion(_BlackBox(model), train.x, train.y, black_box_steps=60)
    assert bb.method.startswith("black-box") and bb.queries == 60 * 10 * 40
    assert bb.identified_share >= 0.5


def test_attribute_inference_known_answer() -> None:
    # the label is a copy of the binary column 0: knowing the label reveals the column exactly
    # (accuracy 1.0) while the no-model guess (the majority value) gets its prior share
    from sklearn.linear_model import LogisticRegression

    from mlsecure.privacy.inference.inversion import infer_attribute

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 4)).astype(np.float32)
    x[:, 0] = (rng.uniform(size=400) < 0.3).astype(np.float32)
    y = x[:, 0].astype(np.int64)
    model = as_model(LogisticRegression(C=100.0).fit(x, y))
    inf = infer_attribute(model, x, y, 0)
    assert inf.candidates == 2
    assert inf.accuracy == 1.0
    assert inf.baseline == pytest.approx(1 - y.mean())
