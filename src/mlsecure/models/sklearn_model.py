"""Adapter for scikit-learn estimators and pipelines (black-box unless robustness adds gradients)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlsecure.errors import ModelLoadError
from mlsecure.models.interface import as_batch, softmax


class SklearnModel:
    """Wraps a fitted classifier with ``predict_proba`` or ``decision_function``.

    Models with only ``decision_function`` (e.g. ``LinearSVC``) get a softmax/sigmoid of their scores,
    so every model exposes probabilities; ``classes`` keeps the original label values.
    """

    framework = "sklearn"

    def __init__(
        self,
        estimator: Any,
        *,
        input_shape: tuple[int, ...] | None = None,
        clip_values: tuple[float, float] | None = None,
    ) -> None:
        classes = getattr(estimator, "classes_", None)
        if classes is None:
            raise ModelLoadError(
                f"{type(estimator).__name__} is not a fitted classifier (it has no classes_)"
            )
        if not (hasattr(estimator, "predict_proba") or hasattr(estimator, "decision_function")):
            raise ModelLoadError(f"{type(estimator).__name__} has neither predict_proba nor decision_function")
        self.estimator = estimator
        self._classes = np.asarray(classes)
        n_features = getattr(estimator, "n_features_in_", None)
        if input_shape is None:
            if n_features is None:
                raise ModelLoadError("cannot tell the input shape of this estimator: pass input_shape=")
            input_shape = (int(n_features),)
        self._input_shape = tuple(input_shape)
        self._clip_values = clip_values
        # Fitted on a DataFrame: give it one back with the same column names (numpy input would make
        # scikit-learn warn on every call that the feature names are missing).
        names = getattr(estimator, "feature_names_in_", None)
        self._feature_names = [str(n) for n in names] if names is not None else None

    @property
    def n_classes(self) -> int:
        return len(self._classes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self._input_shape

    @property
    def clip_values(self) -> tuple[float, float] | None:
        return self._clip_values

    @property
    def classes(self) -> np.ndarray | None:
        return self._classes

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        x = as_batch(np.asarray(x), self._input_shape).reshape(len(x), -1)
        if self._feature_names is not None and len(self._feature_names) == x.shape[1]:
            import pandas as pd

            x = pd.DataFrame(x, columns=self._feature_names)
        if hasattr(self.estimator, "predict_proba"):
            try:
                return np.asarray(self.estimator.predict_proba(x), dtype=np.float64)
            except AttributeError:  # e.g. SVC(probability=False) exposes the method but refuses it
                pass
        scores = np.asarray(self.estimator.decision_function(x), dtype=np.float64)
        if scores.ndim == 1:
            scores = np.stack([-scores, scores], axis=1) / 2.0
        return softmax(scores)
