"""Poisoning-test fixtures: poisoned digits splits; the MLP trainer is in ``poisoning_helpers``."""

from __future__ import annotations

from collections.abc import Iterator

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


@pytest.fixture(scope="session")
def badnets_7(digits_split: tuple[Dataset, Dataset]) -> simulate.PoisonedData:
    """7% of the training rows stamped with a 2x2 corner patch and relabelled 3 (~40% of class 3)."""
    train, _ = digits_split
    return simulate.badnets(train.x, train.y, target=3, rate=0.07, image_shape=(8, 8), seed=1)
