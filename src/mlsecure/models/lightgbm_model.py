"""Adapter for LightGBM boosters and ``LGBMClassifier`` (black-box: trees have no gradients)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlsecure.errors import ModelLoadError
from mlsecure.models.interface import AdapterAttributes, as_batch, softmax


class LightGBMModel(AdapterAttributes):
    """Class probabilities from a ``lightgbm.Booster``, from its raw scores.

    Raw scores are squashed here (sigmoid for ``binary``, softmax for ``multiclass``), the same
    transforms LightGBM applies itself; ``multiclassova`` is normalised per row so rows sum to 1.
    """

    framework = "lightgbm"

    def __init__(
        self,
        booster: Any,
        *,
        classes: np.ndarray | None = None,
        clip_values: tuple[float, float] | None = None,
    ) -> None:
        objective = str(booster.dump_model(num_iteration=1).get("objective", ""))
        name = objective.split()[0] if objective else ""
        per_iter = int(booster.num_model_per_iteration())
        if name in {"binary", "cross_entropy"} and per_iter == 1:
            n_classes = 2
        elif name in {"multiclass", "multiclassova"} and per_iter >= 2:
            n_classes = per_iter
        else:
            raise ModelLoadError(
                f"LightGBM model has objective {objective!r}; only binary and multiclass classifiers can be scanned"
            )
        self._sigmoid = _sigmoid_scale(objective)
        self._objective = name
        self.booster = booster
        self._n_classes = n_classes
        self._input_shape = (int(booster.num_feature()),)
        self._classes = None if classes is None else np.asarray(classes)
        self._clip_values = clip_values

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        x = as_batch(np.asarray(x, dtype=np.float64), self._input_shape)
        if len(x) == 0:
            return np.empty((0, self._n_classes))
        raw = np.asarray(self.booster.predict(x, raw_score=True), dtype=np.float64)
        if self._n_classes == 2:
            p = 1.0 / (1.0 + np.exp(-self._sigmoid * raw.reshape(len(x))))
            return np.stack([1.0 - p, p], axis=1)
        raw = raw.reshape(len(x), self._n_classes)
        if self._objective == "multiclassova":
            p = 1.0 / (1.0 + np.exp(-self._sigmoid * raw))
            out: np.ndarray = p / p.sum(axis=1, keepdims=True)
            return out
        return softmax(raw)


def _sigmoid_scale(objective: str) -> float:
    """The ``sigmoid:`` parameter LightGBM records in the objective string (1.0 when absent)."""
    for part in objective.split()[1:]:
        key, _, value = part.partition(":")
        if key == "sigmoid":
            return float(value)
    return 1.0


def from_lightgbm_object(obj: Any, **options: Any) -> LightGBMModel:
    """An ``LGBMClassifier`` (keeps its ``classes_``) or a bare ``Booster``."""
    if hasattr(obj, "booster_") or type(obj).__name__ == "LGBMClassifier":
        if not hasattr(obj, "classes_"):
            raise ModelLoadError(f"{type(obj).__name__} is not a fitted classifier (it has no classes_)")
        options.setdefault("classes", np.asarray(obj.classes_))
        return LightGBMModel(obj.booster_, **options)
    return LightGBMModel(obj, **options)
