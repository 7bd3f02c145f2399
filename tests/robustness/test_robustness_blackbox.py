"""Decision-based attacks (HopSkipJump, Boundary): label-only queries approach the analytic boundary distance."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlsecure.models.callable_model import CallableModel  # noqa: E402
from mlsecure.robustness.attacks.boundary import Boundary  # noqa: E402
from mlsecure.robustness.attacks.hopskipjump import HopSkipJump  # noqa: E402


def _linear_black_box():  # type: ignore[no-untyped-def]
    """A black-box affine classifier (a plain numpy function); L2 distance to its boundary: |w.x + b| / ||w||."""
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=8), 0.1

    def proba(x: np.ndarray) -> np.ndarray:
        z = x.reshape(len(x), -1) @ w + b
        p = 1 / (1 + np.exp(-z))
        return np.stack([1 - p, p], axis=1)

    model = CallableModel(proba, n_classes=2, input_shape=(8,), clip_values=(-5.0, 5.0))
    x = rng.uniform(-1, 1, size=(20, 8)).astype(np.float32)
    y = (x @ w + b > 0).astype(int)
    return model, x, y, np.abs(x @ w + b) / np.linalg.norm(w)


def test_hopskipjump_reaches_the_linear_boundary_with_labels_only() -> None:
    model, x, y, analytic = _linear_black_box()
    result = HopSkipJump(iterations=15, seed=0).attack(model, x, y)
    assert result.success.all() and result.queries > 0
    # black-box estimate: within 5% of the exact distance (the paper's convergence on linear boundaries)
    np.testing.assert_allclose(result.distance, analytic, rtol=0.05)


def test_boundary_attack_converges_to_the_linear_boundary() -> None:
    model, x, y, analytic = _linear_black_box()
    result = Boundary(steps=1000, seed=0).attack(model, x, y)
    assert result.success.all()
    np.testing.assert_allclose(result.distance, analytic, rtol=0.01)
