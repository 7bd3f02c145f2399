"""Keras 3 ``.keras`` files on the torch backend: same probabilities as Keras, real gradients, no Lambda."""

from __future__ import annotations

import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mlsecure.artifacts.sources import SourceKind, detect_source, load_source
from mlsecure.errors import UnsafeArtifactError
from mlsecure.models import DifferentiableModel

torch = pytest.importorskip("torch")

# Importing keras takes several seconds, so it happens in the first test, not at collection.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning:keras.*")]


@pytest.fixture(scope="module")
def keras() -> Any:
    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    module = pytest.importorskip("keras")
    if module.backend.backend() != "torch":
        pytest.skip("keras was imported on another backend in this process")
    return module


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def _save(model: object, path: Path) -> Path:
    model.save(str(path))  # type: ignore[attr-defined]
    return path


@pytest.mark.parametrize("activation", ["softmax", None])
def test_keras_file_matches_keras_predictions_and_gradients(
    tmp_path: Path, activation: str | None, keras: Any
) -> None:
    keras.utils.set_random_seed(0)
    original = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                                 keras.layers.Dense(3, activation=activation)])
    path = _save(original, tmp_path / "m.keras")
    assert detect_source(path) is SourceKind.KERAS
    model = load_source(path)
    assert isinstance(model, DifferentiableModel)
    assert (model.framework, model.n_classes, model.input_shape) == ("keras", 3, (6,))
    x = np.random.default_rng(0).normal(size=(10, 6)).astype(np.float32)
    expected = np.asarray(original.predict(x, verbose=0), dtype=np.float64)
    if activation is None:
        expected = np.exp(expected) / np.exp(expected).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)

    x0 = torch.from_numpy(x[:1]).requires_grad_(True)
    model.logits(x0)[0, 2].backward()
    direction = torch.from_numpy(np.random.default_rng(1).normal(size=(1, 6)).astype(np.float32))
    h = 1e-2  # float32 model: the logit is piecewise linear (ReLU), so a central difference is exact off kinks
    with torch.no_grad():
        fd = (model.logits(x0 + h * direction)[0, 2] - model.logits(x0 - h * direction)[0, 2]) / (2 * h)
    assert float((x0.grad * direction).sum()) == pytest.approx(float(fd), rel=1e-3, abs=1e-5)


def test_single_sigmoid_unit_becomes_two_classes(tmp_path: Path, keras: Any) -> None:
    keras.utils.set_random_seed(1)
    original = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model = load_source(_save(original, tmp_path / "b.keras"))
    x = np.random.default_rng(2).normal(size=(7, 4)).astype(np.float32)
    p = np.asarray(original.predict(x, verbose=0), dtype=np.float64)[:, 0]
    np.testing.assert_allclose(model.predict_proba(x), np.stack([1 - p, p], axis=1), atol=1e-6)


def test_lambda_layers_and_foreign_modules_are_refused(tmp_path: Path, keras: Any) -> None:
    with_lambda = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2), keras.layers.Dense(2)])
    with pytest.raises(UnsafeArtifactError, match="Lambda"):
        load_source(_save(with_lambda, tmp_path / "lambda.keras"))
    plain = _save(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]), tmp_path / "plain.keras")
    with zipfile.ZipFile(plain) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for key, value, expected in (("module", "os", "module 'os'"), ("class_name", "TFSMLayer", "SavedModel")):
        config = json.loads(members["config.json"])
        config["config"]["layers"][1][key] = value
        tampered = tmp_path / f"tampered-{value}.keras"
        with zipfile.ZipFile(tampered, "w") as archive:
            for name, data in {**members, "config.json": json.dumps(config).encode()}.items():
                archive.writestr(name, data)
        with pytest.raises(UnsafeArtifactError, match=expected):
            load_source(tampered)
