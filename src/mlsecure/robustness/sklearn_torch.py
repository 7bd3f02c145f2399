"""Exact gradients for scikit-learn models: their forward pass re-expressed in torch.

Supported: ``LogisticRegression`` (multinomial, one-vs-rest, binary), linear models scored by
``decision_function`` (``LinearSVC``, ``SGDClassifier``, ``RidgeClassifier``, ``Perceptron``),
``MLPClassifier`` (relu / tanh / logistic / identity), optionally behind ``StandardScaler``,
``MinMaxScaler`` or ``MaxAbsScaler`` in a ``Pipeline``. The torch forward is verified against the
estimator's own probabilities on probe inputs before it is trusted; on any mismatch the model stays
black-box and the reason says so. ``predict_proba`` always comes from the real estimator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mlsecure.models.interface import DifferentiableModel, Model, softmax
from mlsecure.robustness.attacks.ops import Tensor

_LINEAR = ("LogisticRegression", "LogisticRegressionCV", "LinearSVC", "SGDClassifier", "RidgeClassifier",
           "RidgeClassifierCV", "Perceptron", "PassiveAggressiveClassifier")


class SklearnTorchModel:
    """A ``DifferentiableModel`` over a scikit-learn model: torch logits, the estimator's probabilities."""

    framework = "sklearn"

    def __init__(self, model: Model, forward: Any) -> None:
        import torch

        self._model = model
        self._forward = forward
        self._device = torch.device("cpu")

    n_classes = property(lambda self: self._model.n_classes)
    input_shape = property(lambda self: self._model.input_shape)
    clip_values = property(lambda self: self._model.clip_values)
    classes = property(lambda self: self._model.classes)

    @property
    def device(self) -> Any:
        return self._device

    def logits(self, x: Tensor) -> Tensor:
        return self._forward(x.reshape(x.shape[0], -1))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self._model.predict_proba(x)


def differentiable_sklearn(model: Model) -> tuple[DifferentiableModel | None, str]:
    """A torch re-expression of ``model`` when it is a supported scikit-learn model, else ``(None, why)``."""
    estimator = getattr(model, "estimator", None)
    if estimator is None or not type(estimator).__module__.startswith("sklearn"):
        return None, f"{model.framework} model exposes only predict_proba (no gradients)"
    steps = list(estimator.steps) if type(estimator).__name__ == "Pipeline" else [(None, estimator)]
    layers: list[Any] = []
    for _, step in steps[:-1]:
        pre = _preprocessor(step)
        if pre is None:
            return None, f"pipeline step {type(step).__name__} has no torch re-expression (black-box)"
        layers.append(pre)
    head = steps[-1][1]
    candidates = _heads(head)
    if not candidates:
        return None, f"{type(head).__name__} has no torch re-expression (black-box)"
    probe = _probe_inputs(model)
    expected = model.predict_proba(probe)
    for candidate in candidates:
        forward = _compose([*layers, candidate])
        wrapped = SklearnTorchModel(model, forward)
        got = _probs(wrapped, probe)
        if got.shape == expected.shape and np.allclose(got, expected, atol=1e-4, rtol=1e-3):
            return wrapped, ""
    return None, f"torch re-expression of {type(head).__name__} does not match its predict_proba (black-box)"


def _probs(model: SklearnTorchModel, x: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        z = model.logits(torch.from_numpy(x.astype(np.float32))).double().numpy()
    return softmax(z)


def _probe_inputs(model: Model) -> np.ndarray:
    rng = np.random.default_rng(0)
    d = int(np.prod(model.input_shape))
    lo, hi = model.clip_values if model.clip_values is not None else (-1.0, 1.0)
    return rng.uniform(lo, hi, size=(16, d)).astype(np.float32)


def _compose(layers: list[Any]) -> Any:
    def forward(x: Tensor) -> Tensor:
        for layer in layers:
            x = layer(x)
        return x

    return forward


def _t(a: Any) -> Tensor:
    import torch

    return torch.from_numpy(np.array(a, dtype=np.float32, copy=True))


def _preprocessor(step: Any) -> Any:
    name = type(step).__name__
    if name == "StandardScaler":
        mean = _t(step.mean_) if getattr(step, "mean_", None) is not None and step.with_mean else None
        scale = _t(step.scale_) if getattr(step, "scale_", None) is not None and step.with_std else None
        return lambda x: ((x - mean) if mean is not None else x) / (scale if scale is not None else 1.0)
    if name == "MinMaxScaler":
        s, m = _t(step.scale_), _t(step.min_)
        return lambda x: x * s + m
    if name == "MaxAbsScaler":
        s = _t(step.scale_)
        return lambda x: x / s
    return None


def _identity(v: Tensor) -> Tensor:
    return v


def _heads(est: Any) -> list[Any]:
    """Candidate logit functions whose softmax may equal the estimator's probabilities."""
    import torch

    name = type(est).__name__
    if name in _LINEAR and hasattr(est, "coef_"):
        w, b = _t(est.coef_), _t(np.broadcast_to(est.intercept_, (est.coef_.shape[0],)))
        if w.shape[0] == 1:  # binary: p1 = sigmoid(z) -> logits (0, z); decision-only -> (-z/2, z/2)
            return [lambda x: torch.cat([torch.zeros_like(x[:, :1]), x @ w.T + b], 1),
                    lambda x: torch.cat([-(x @ w.T + b), x @ w.T + b], 1) / 2]
        # multinomial softmax, or one-vs-rest normalised sigmoids (softmax of log-sigmoid)
        return [lambda x: x @ w.T + b, lambda x: torch.nn.functional.logsigmoid(x @ w.T + b)]
    if name == "MLPClassifier":
        ws = [_t(c) for c in est.coefs_]
        bs = [_t(c) for c in est.intercepts_]
        acts: dict[str, Callable[[Tensor], Tensor]] = {"relu": torch.relu, "tanh": torch.tanh,
                                                       "logistic": torch.sigmoid, "identity": _identity}
        act = acts.get(est.activation)
        if act is None or est.out_activation_ not in ("softmax", "logistic"):
            return []

        def mlp(x: Tensor) -> Tensor:
            for w, b in zip(ws[:-1], bs[:-1], strict=True):
                x = act(x @ w + b)
            z = x @ ws[-1] + bs[-1]
            if est.out_activation_ == "logistic":
                return torch.cat([torch.zeros_like(z), z], 1)
            return z

        return [mlp]
    return []
