"""Adapters return exactly the wrapped model's predictions (torch, TorchScript file, sklearn, ONNX, callable)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlsecure.artifacts.load import load_model, save_torchscript
from mlsecure.data import Dataset
from mlsecure.errors import InputError, ModelLoadError
from mlsecure.models import DifferentiableModel, Model, as_model, encode_labels, predict_labels

torch = pytest.importorskip("torch")


def test_torch_adapter_matches_module_softmax(digits: Dataset, digits_mlp: torch.nn.Module) -> None:
    model = as_model(digits_mlp, input_shape=(64,), clip_values=(0.0, 1.0))
    assert isinstance(model, DifferentiableModel)
    assert (model.n_classes, model.input_shape) == (10, (64,))
    expected = torch.softmax(digits_mlp(torch.from_numpy(digits.x[:300])), dim=1).detach().numpy()
    np.testing.assert_allclose(model.predict_proba(digits.x[:300]), expected, rtol=1e-5, atol=1e-6)
    logits = model.logits(torch.from_numpy(digits.x[:3]))
    assert logits.requires_grad  # gradients flow for white-box attacks


def test_torchscript_file_round_trip(tmp_path: Path, digits: Dataset, digits_mlp: torch.nn.Module) -> None:
    path = tmp_path / "model.pt"
    save_torchscript(digits_mlp, path, input_shape=(64,), clip_values=(0.0, 1.0))
    loaded = load_model(path, "pytorch")
    assert loaded.clip_values == (0.0, 1.0) and loaded.n_classes == 10
    original = as_model(digits_mlp, input_shape=(64,))
    np.testing.assert_allclose(loaded.predict_proba(digits.x[:200]), original.predict_proba(digits.x[:200]),
                               rtol=1e-5, atol=1e-6)


def test_sklearn_adapter_and_pickle_round_trip(tmp_path: Path, digits: Dataset, digits_logreg: object) -> None:
    import pickle

    model = as_model(digits_logreg)
    np.testing.assert_array_equal(model.predict_proba(digits.x[:100]),
                                  digits_logreg.predict_proba(digits.x[:100]))  # type: ignore[attr-defined]
    path = tmp_path / "model.bin"  # the extension says nothing; the bytes say pickle
    path.write_bytes(pickle.dumps(digits_logreg))
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(digits.x[:100]), model.predict_proba(digits.x[:100]))


def test_sklearn_decision_function_only_model_gets_probabilities(digits: Dataset) -> None:
    from sklearn.svm import LinearSVC

    svc = LinearSVC(dual="auto").fit(digits.x[:600], digits.y[:600])
    proba = as_model(svc).predict_proba(digits.x[:50])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), svc.predict(digits.x[:50]))


def test_onnx_adapter_matches_sklearn(tmp_path: Path, digits: Dataset, digits_logreg: object) -> None:
    pytest.importorskip("onnxruntime")
    skl2onnx = pytest.importorskip("skl2onnx")
    from skl2onnx.common.data_types import FloatTensorType

    onx = skl2onnx.convert_sklearn(digits_logreg, initial_types=[("x", FloatTensorType([None, 64]))],
                                   options={id(digits_logreg): {"zipmap": False}})
    path = tmp_path / "model.onnx"
    path.write_bytes(onx.SerializeToString())
    model = load_model(path, "onnx")
    assert model.n_classes == 10 and model.input_shape == (64,)
    np.testing.assert_allclose(model.predict_proba(digits.x[:200]),
                               digits_logreg.predict_proba(digits.x[:200]), atol=1e-5)  # type: ignore[attr-defined]


def test_callable_adapter(digits: Dataset, digits_logreg: object) -> None:
    fn = digits_logreg.predict_proba  # type: ignore[attr-defined]
    model = as_model(fn, n_classes=10, input_shape=(64,))
    assert isinstance(model, Model)
    np.testing.assert_array_equal(model.predict_proba(digits.x[:20]), fn(digits.x[:20]))
    with pytest.raises(ModelLoadError, match="n_classes"):
        as_model(fn, input_shape=(64,))


def test_encode_labels_uses_model_classes() -> None:
    from sklearn.linear_model import LogisticRegression

    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    clf = LogisticRegression().fit(x, np.array(["cat", "dog", "cat", "dog"]))
    model = as_model(clf)
    np.testing.assert_array_equal(encode_labels(model, np.array(["dog", "cat"])), [1, 0])
    with pytest.raises(InputError, match="not one of the model's classes"):
        encode_labels(model, np.array(["bird"]))
    assert predict_labels(model, x).shape == (4,)
