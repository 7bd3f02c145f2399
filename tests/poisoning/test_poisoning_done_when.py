"""The issue's acceptance numbers: detection on BadNets digits and on targeted label flips, and the
backdoor's success rate after removing the flagged rows and retraining."""

from __future__ import annotations

import numpy as np
import pytest
from poisoning_helpers import mlp_trainer, train_mlp  # type: ignore[import-not-found]  # tests/poisoning/poisoning_helpers.py

from mlsecure.data import Dataset, load_builtin
from mlsecure.poisoning import detection_metrics, scan_poisoning, simulate
from mlsecure.poisoning.metrics import removal_effect

torch = pytest.importorskip("torch")


def _best(scan: object, truth: np.ndarray) -> tuple[str, float, float]:
    best = ("", 0.0, 0.0)
    for run in scan.runs:  # type: ignore[attr-defined]
        m = detection_metrics(run.result.flagged, truth)
        if m.precision >= 0.5 and m.recall > best[2]:
            best = (run.key, m.precision, m.recall)
    return best


@pytest.mark.parametrize(("rate", "target"), [
    pytest.param(0.05, 3, marks=pytest.mark.slow),
    (0.07, 3),
    pytest.param(0.07, 8, marks=pytest.mark.slow),
])
def test_badnets_digits_detected_and_removal_kills_the_backdoor(
    digits_split: tuple[Dataset, Dataset], rate: float, target: int
) -> None:
    train, test = digits_split
    p = simulate.badnets(train.x, train.y, target=target, rate=rate, image_shape=(8, 8), seed=1)
    net = train_mlp(p.x, p.y)
    with torch.no_grad():
        reps = net[1](net[0](torch.from_numpy(p.x))).numpy()
    scan = scan_poisoning(p.x, p.y, representations=reps)
    name, precision, recall = _best(scan, p.is_poisoned)
    assert recall >= 0.9 and precision >= 0.5, (name, precision, recall)
    overall = detection_metrics(scan.suspicious, p.is_poisoned)
    assert overall.recall >= 0.9 and overall.precision >= 0.5
    assert any(v.severity == "high" and v.label == target for v in scan.verdicts)
    assert p.trigger is not None
    effect = removal_effect(mlp_trainer, p.x, p.y, scan.suspicious, x_test=test.x, y_test=test.y,
                            trigger=p.trigger, target=target)
    assert effect.asr_before > 0.8  # the attack works...
    assert effect.asr_after < 0.10  # ...and is gone once the flagged rows are removed
    assert effect.accuracy_after > 0.9


@pytest.mark.parametrize(("dataset", "source", "target"), [("wine", 0, 1), ("breast_cancer", 1, 0)])
def test_targeted_label_flips_on_tabular_data(dataset: str, source: int, target: int) -> None:
    data = load_builtin(dataset)
    p = simulate.label_flip(data.x, data.y, rate=0.1, source=source, target=target, seed=0)
    scan = scan_poisoning(p.x, p.y)
    name, precision, recall = _best(scan, p.is_poisoned)
    assert recall >= 0.9 and precision >= 0.5, (name, precision, recall)


@pytest.mark.slow
def test_clean_digits_give_no_finding(digits_split: tuple[Dataset, Dataset]) -> None:
    train, _ = digits_split
    net = train_mlp(train.x, train.y)
    with torch.no_grad():
        reps = net[1](net[0](torch.from_numpy(train.x))).numpy()
    scan = scan_poisoning(train.x, train.y, representations=reps)
    assert scan.verdicts == () and not scan.suspicious.any()
