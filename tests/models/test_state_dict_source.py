"""state_dict + the user's class, and input shapes inferred from the data's feature count."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from mlsecure.artifacts.sources import load_state_dict_model, read_state_dict
from mlsecure.errors import InputError, ModelLoadError, UnsafeArtifactError
from mlsecure.models import DifferentiableModel
from mlsecure.models.input_shape import infer_input_shape

torch = pytest.importorskip("torch")
nn = torch.nn

CODE = textwrap.dedent('''
    import torch


    class Net(torch.nn.Module):
        def __init__(self, n_in=5, hidden=7, n_out=3):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(n_in, hidden), torch.nn.Tanh(),
                                            torch.nn.Linear(hidden, n_out))

        def forward(self, x):
            return self.body(x.flatten(1))
''')


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture
def code_file(tmp_path: Path) -> Path:
    path = tmp_path / "user_nets_for_test.py"
    path.write_text(CODE)
    return path


def _reference(code_file: Path, **kwargs: int) -> nn.Module:
    namespace: dict[str, object] = {}
    exec(compile(code_file.read_text(), str(code_file), "exec"), namespace)
    torch.manual_seed(0)
    return namespace["Net"](**kwargs).eval()  # type: ignore[operator,no-any-return]


def test_model_code_file_with_kwargs_and_inferred_shape(tmp_path: Path, code_file: Path) -> None:
    reference = _reference(code_file, n_in=6, hidden=4)
    weights = tmp_path / "w.pt"
    torch.save(reference.state_dict(), weights)
    model = load_state_dict_model(weights, model_code=code_file, model_class="Net",
                                  model_kwargs='{"n_in": 6, "hidden": 4}', n_features=6)
    assert isinstance(model, DifferentiableModel)
    assert (model.input_shape, model.n_classes) == ((6,), 3)
    x = np.random.default_rng(0).normal(size=(9, 6)).astype(np.float32)
    with torch.no_grad():
        expected = torch.softmax(reference(torch.from_numpy(x)), dim=1).numpy()
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)


def test_importable_module_class_and_checkpoint_and_safetensors(
    tmp_path: Path, code_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(code_file.parent))
    reference = _reference(code_file)
    checkpoint = tmp_path / "ckpt.pt"
    torch.save({"epoch": 3, "model_state_dict": reference.state_dict()}, checkpoint)
    model = load_state_dict_model(checkpoint, model_class="user_nets_for_test:Net", input_shape=(5,))
    x = np.random.default_rng(1).normal(size=(4, 5)).astype(np.float32)
    with torch.no_grad():
        expected = torch.softmax(reference(torch.from_numpy(x)), dim=1).numpy()
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)
    safetensors_torch = pytest.importorskip("safetensors.torch")
    st = tmp_path / "w.safetensors"
    safetensors_torch.save_file(reference.state_dict(), str(st))
    assert sorted(read_state_dict(st)) == sorted(reference.state_dict())
    from_st = load_state_dict_model(st, model_class="user_nets_for_test:Net", n_features=5)
    np.testing.assert_allclose(from_st.predict_proba(x), expected, atol=1e-6)


def test_data_parallel_prefix_is_dropped(tmp_path: Path, code_file: Path) -> None:
    reference = _reference(code_file)
    weights = tmp_path / "dp.pt"
    torch.save({f"module.{k}": v for k, v in reference.state_dict().items()}, weights)
    model = load_state_dict_model(weights, model_code=code_file, model_class="Net", n_features=5)
    assert model.n_classes == 3


def test_mismatched_keys_and_shapes_are_named(tmp_path: Path, code_file: Path) -> None:
    state = _reference(code_file).state_dict()
    state["extra.weight"] = torch.zeros(2)
    del state["body.2.bias"]
    weights = tmp_path / "bad.pt"
    torch.save(state, weights)
    with pytest.raises(ModelLoadError, match=r"missing keys body\.2\.bias; unexpected keys extra\.weight"):
        load_state_dict_model(weights, model_code=code_file, model_class="Net", n_features=5)
    torch.save(_reference(code_file, hidden=9).state_dict(), weights)
    with pytest.raises(ModelLoadError, match=r"body\.0\.weight \(9, 5\) vs model \(7, 5\)"):
        load_state_dict_model(weights, model_code=code_file, model_class="Net", n_features=5)


def test_pickled_objects_and_bad_class_names_are_refused(tmp_path: Path, code_file: Path) -> None:
    whole = tmp_path / "whole.pt"
    torch.save(nn.Linear(2, 2), whole)  # a pickled module, not a state_dict
    with pytest.raises(UnsafeArtifactError, match="pickle gate"):
        read_state_dict(whole)
    with pytest.raises(InputError, match="MODULE:NAME"):
        load_state_dict_model(whole, model_class="no_colon_here")
    with pytest.raises(ModelLoadError, match="has no class 'Nope'"):
        load_state_dict_model(whole, model_code=code_file, model_class="Nope")
    with pytest.raises(ModelLoadError, match="cannot import"):
        load_state_dict_model(whole, model_class="surely_not_a_module_xyz:Net")


def test_infer_input_shape_names_both_numbers() -> None:
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 4), nn.ReLU(), nn.Linear(4, 2))
    assert infer_input_shape(mlp, 64) == (64,)
    with pytest.raises(ModelLoadError, match="model expects 64 input features, data has 30"):
        infer_input_shape(mlp, 30)
    scripted = torch.jit.script(mlp)
    assert infer_input_shape(scripted, 64) == (64,)
    with pytest.raises(ModelLoadError, match="model expects 64 input features, data has 63"):
        infer_input_shape(scripted, 63)


def test_infer_input_shape_for_conv_nets() -> None:
    torch.manual_seed(0)
    cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 10))
    assert infer_input_shape(cnn, 64) == (1, 8, 8)  # the digits images: 64 columns -> one 8x8 channel
    assert infer_input_shape(torch.jit.script(cnn), 64) == (1, 8, 8)
    rgb = nn.Sequential(nn.Conv2d(3, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 2))
    assert infer_input_shape(rgb, 3 * 6 * 6) == (3, 6, 6)
    with pytest.raises(ModelLoadError, match="data's 65 features"):  # 65 is not 3 square channels
        infer_input_shape(rgb, 65)


def test_torchscript_file_without_recorded_shape(tmp_path: Path) -> None:
    """The issue's case: a user's torch.jit.script file, no metadata, data with 64 columns."""
    torch.manual_seed(0)
    path = tmp_path / "model.pt"
    torch.jit.save(torch.jit.script(nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 10))), str(path))
    loaded = torch.jit.load(str(path), map_location="cpu")
    assert infer_input_shape(loaded, 64) == (64,)
    with pytest.raises(ModelLoadError, match="model expects 64 input features, data has 30"):
        infer_input_shape(loaded, 30)
