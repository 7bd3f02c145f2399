"""STRIP flags triggered inputs of a backdoored model and passes clean ones at the chosen FRR."""

from __future__ import annotations

import pytest
from poisoning_helpers import train_mlp  # type: ignore[import-not-found]  # tests/poisoning/poisoning_helpers.py

from mlsecure.data import Dataset
from mlsecure.models import as_model
from mlsecure.poisoning import simulate
from mlsecure.poisoning.strip import Strip

torch = pytest.importorskip("torch")


def test_strip_separates_triggered_from_clean(badnets_7: simulate.PoisonedData,
                                              digits_split: tuple[Dataset, Dataset]) -> None:
    _, test = digits_split
    net = train_mlp(badnets_7.x, badnets_7.y)
    model = as_model(net, input_shape=(64,), clip_values=(0.0, 1.0))
    clean, probe = test.x[:200], test.x[200:400]
    strip = Strip(model=model, clean=clean, frr=0.05)
    assert badnets_7.trigger is not None
    triggered = badnets_7.trigger.apply(probe[test.y[200:400] != 3])
    hit = strip.detect(triggered)
    passed = strip.detect(probe)
    assert hit.flagged.mean() >= 0.8  # most trigger inputs keep the target under every overlay
    assert passed.flagged.mean() <= 0.15  # clean inputs: about the FRR the boundary was set at
    assert hit.entropy.mean() < passed.entropy.mean()
