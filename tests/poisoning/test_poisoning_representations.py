"""The penultimate layer is found by running the model, not by its position in the module list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlsecure.errors import InputError
from mlsecure.poisoning.representations import activations, penultimate_layer

torch = pytest.importorskip("torch")


class HeadListedFirst(torch.nn.Module):
    """The head is registered before the body: 'the last layer listed' is the body's last Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.head = torch.nn.Linear(16, 3)
        self.body = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.body(x)))


def test_penultimate_is_the_heads_input_even_when_the_head_is_listed_first() -> None:
    torch.manual_seed(0)
    net = HeadListedFirst().eval()
    assert list(dict(net.named_modules()))[-1] == "body.2"  # what "last layer listed" would take
    x = torch.randn(5, 8)
    assert penultimate_layer(net, x) == "head"
    reps = activations(net, x.numpy(), batch_size=2)
    with torch.no_grad():
        expected = torch.relu(net.body(x)).numpy()
    np.testing.assert_allclose(reps, expected, rtol=1e-5, atol=1e-6)


def test_batches_equal_one_pass_and_named_layers(digits_mlp: torch.nn.Module, digits: object) -> None:
    x = digits.x[:300]  # type: ignore[attr-defined]
    a = activations(digits_mlp, x, batch_size=64)
    b = activations(digits_mlp, x, batch_size=1000)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    with torch.no_grad():
        np.testing.assert_allclose(a, digits_mlp[1](digits_mlp[0](torch.from_numpy(x))).numpy(), rtol=1e-5,
                                   atol=1e-6)
    first = activations(digits_mlp, x, layer="0")
    assert first.shape == (300, 64) and (first < 0).any()  # pre-ReLU
    with pytest.raises(InputError):
        activations(digits_mlp, x, layer="nope")


def test_torchscript_sequential_is_split_child_by_child(digits_mlp: torch.nn.Module, digits: object,
                                                         tmp_path: Path) -> None:
    from mlsecure.artifacts.load import load_model, save_torchscript

    path = tmp_path / "m.pt"
    save_torchscript(digits_mlp, path, input_shape=(64,))
    model = load_model(path)
    x = digits.x[:50]  # type: ignore[attr-defined]
    reps = activations(model.module, x)  # type: ignore[attr-defined]
    np.testing.assert_allclose(reps, activations(digits_mlp, x), rtol=1e-5, atol=1e-6)
