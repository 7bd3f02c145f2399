"""Adapter for XGBoost boosters and ``XGBClassifier`` (black-box: trees have no gradients)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from mlsecure.errors import ModelLoadError
from mlsecure.models.interface import AdapterAttributes, as_batch, softmax

_BINARY = frozenset({"binary:logistic", "binary:logitraw"})
_MULTI = frozenset({"multi:softprob", "multi:softmax"})


class XGBoostModel(AdapterAttributes):
    """Class probabilities from a ``xgboost.Booster``, computed from its raw margins.

    Margins are read with ``inplace_predict(predict_type="margin")`` and squashed here (sigmoid for
    binary objectives, softmax for multi-class), so ``multi:softmax`` and ``binary:logitraw`` models,
    whose own ``predict`` returns labels or scores, still yield probabilities.
    """

    framework = "xgboost"

    def __init__(
        self,
        booster: Any,
        *,
        classes: np.ndarray | None = None,
        clip_values: tuple[float, float] | None = None,
    ) -> None:
        config = json.loads(booster.save_config())["learner"]
        self._objective = str(config["objective"]["name"])
        if self._objective in _BINARY:
            n_classes = 2
        elif self._objective in _MULTI:
            n_classes = int(config["learner_model_param"]["num_class"])
        else:
            raise ModelLoadError(
                f"XGBoost model has objective {self._objective!r}; only binary:logistic, binary:logitraw, "
                "multi:softprob and multi:softmax classifiers can be scanned"
            )
        n_features = int(booster.num_features())
        if n_features < 1:
            raise ModelLoadError("XGBoost model records no input features")
        self.booster = booster
        self._n_classes = n_classes
        self._input_shape = (n_features,)
        self._classes = None if classes is None else np.asarray(classes)
        self._clip_values = clip_values

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        x = as_batch(np.asarray(x, dtype=np.float32), self._input_shape)
        if len(x) == 0:
            return np.empty((0, self._n_classes))
        margin = np.asarray(self.booster.inplace_predict(x, predict_type="margin"), dtype=np.float64)
        if self._n_classes == 2:
            p = 1.0 / (1.0 + np.exp(-margin.reshape(len(x))))
            return np.stack([1.0 - p, p], axis=1)
        return softmax(margin.reshape(len(x), self._n_classes))


def from_xgboost_object(obj: Any, **options: Any) -> XGBoostModel:
    """An ``XGBClassifier`` (keeps its ``classes_``) or a bare ``Booster``."""
    if hasattr(obj, "get_booster"):
        if not hasattr(obj, "classes_"):
            raise ModelLoadError(f"{type(obj).__name__} is not a fitted classifier (it has no classes_)")
        options.setdefault("classes", np.asarray(obj.classes_))
        return XGBoostModel(obj.get_booster(), **options)
    return XGBoostModel(obj, **options)
