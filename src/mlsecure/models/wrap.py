"""``as_model``: pick the adapter for an in-memory model object."""

from __future__ import annotations

import sys
from typing import Any

from mlsecure.errors import ModelLoadError
from mlsecure.models.interface import Model


def as_model(obj: Any, **options: Any) -> Model:
    """Wrap ``obj`` in the adapter for its framework; ``options`` go to that adapter.

    torch modules need ``input_shape=``; callables need ``n_classes=`` and ``input_shape=``; a transformers
    text classifier needs ``tokenizer=`` (a ``tokenizers.Tokenizer``).
    """
    if isinstance(obj, Model) and not _is_raw_framework_object(obj):
        return obj
    native = _native_adapter(obj, options)
    if native is not None:
        return native
    if "torch" in sys.modules:
        import torch

        if isinstance(obj, (torch.nn.Module, torch.jit.ScriptModule)):
            from mlsecure.models.torch_model import TorchModel

            if "input_shape" not in options:
                raise ModelLoadError("wrapping a torch module needs input_shape=(...) of one sample")
            return TorchModel(obj, **options)
    if hasattr(obj, "classes_") and (hasattr(obj, "predict_proba") or hasattr(obj, "decision_function")):
        from mlsecure.models.sklearn_model import SklearnModel

        return SklearnModel(obj, **options)
    if type(obj).__name__ == "InferenceSession" and hasattr(obj, "get_inputs"):
        from mlsecure.models.onnx_model import OnnxModel

        return OnnxModel(obj, **options)
    if callable(obj):
        from mlsecure.models.callable_model import CallableModel

        missing = {"n_classes", "input_shape"} - set(options)
        if missing:
            raise ModelLoadError(f"wrapping a function needs {', '.join(sorted(missing))}=")
        return CallableModel(obj, **options)
    raise ModelLoadError(f"cannot use a {type(obj).__name__} as a model: not torch, sklearn, onnx or callable")


def _is_raw_framework_object(obj: Any) -> bool:
    module = type(obj).__module__
    return module.startswith(("torch", "sklearn", "onnxruntime"))


def _native_adapter(obj: Any, options: dict[str, Any]) -> Model | None:
    """Boosters and their scikit-learn wrappers, and transformers classifiers, read through their own API.

    Checked before the torch and scikit-learn branches (a transformers model is an ``nn.Module`` whose
    forward returns an output object, not logits): ``XGBClassifier``/``LGBMClassifier`` look like scikit-learn
    estimators, but their native adapters read the booster's margins and feature count directly.
    """
    module = type(obj).__module__
    if module.startswith("xgboost.") and (hasattr(obj, "get_booster") or type(obj).__name__ == "Booster"):
        from mlsecure.models.xgboost_model import from_xgboost_object

        return from_xgboost_object(obj, **options)
    lightgbm_names = {"Booster", "LGBMClassifier"}
    if module.startswith("lightgbm.") and (hasattr(obj, "booster_") or type(obj).__name__ in lightgbm_names):
        from mlsecure.models.lightgbm_model import from_lightgbm_object

        return from_lightgbm_object(obj, **options)
    if module.startswith("keras.") and hasattr(obj, "layers") and hasattr(obj, "predict"):
        from mlsecure.models.keras_model import KerasModel

        return KerasModel(obj, **options)
    if module.startswith("transformers.") and hasattr(obj, "config"):
        from mlsecure.models.hf_model import from_transformers_object

        return from_transformers_object(obj, **options)
    return None
