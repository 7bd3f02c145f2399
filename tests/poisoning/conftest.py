"""Poisoning-test fixtures: a poisoned digits split and a tiny torch MLP trainer (about a second)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

from mlsecure.data import Dataset
from mlsecure.poisoning import simulate

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def train_mlp(x: np.ndarray, y: np.ndarray, *, seed: int = 0, steps: int = 200) -> torch.nn.Module:
    """A 64-64-10 MLP, full-batch Adam (the shape of the demo model)."""
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    xt, yt = torch.from_numpy(np.asarray(x, np.float32)), torch.from_numpy(np.asarray(y, np.int64))
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    return net.eval()


def mlp_trainer(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    net = train_mlp(x, y)

    def predict(inputs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out: np.ndarray = net(torch.from_numpy(np.asarray(inputs, np.float32))).argmax(1).numpy()
        return out

    return predict


@pytest.fixture(scope="session")
def badnets_7(digits_split: tuple[Dataset, Dataset]) -> simulate.PoisonedData:
    """7% of the training rows stamped with a 2x2 corner patch and relabelled 3 (~40% of class 3)."""
    train, _ = digits_split
    return simulate.badnets(train.x, train.y, target=3, rate=0.07, image_shape=(8, 8), seed=1)
