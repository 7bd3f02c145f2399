"""The generated suite: every case is reproducible and its ground truth matches what was changed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mlsecure.poisoning.suite import ATTACKS_BY_KIND, DATASETS, attack_success, make_case

SMALL = {d.name: replace(d, n=300) for d in DATASETS}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_attack_of_every_dataset(name: str) -> None:
    spec = SMALL[name]
    clean = make_case(spec, "none", 0.0, 4)
    assert clean.x.shape == (300, *spec.sample_shape) and not clean.poisoned.any()
    for attack in ATTACKS_BY_KIND[spec.kind]:
        case = make_case(spec, attack, 0.05, 4)
        assert case.poisoned.sum() == 15, attack
        changed_x = np.any(case.x.reshape(300, -1) != clean.x.reshape(300, -1), axis=1)
        changed_y = case.y != clean.y
        if attack == "flip":
            assert not changed_x.any() and np.array_equal(changed_y, case.poisoned)
            assert set(clean.y[case.poisoned]) == {case.source}
        elif attack in ("sig", "clean_label"):  # clean-label: labels kept, target rows changed
            assert not changed_y.any() and np.array_equal(changed_x, case.poisoned)
            assert set(case.y[case.poisoned]) == {case.target}
        else:
            assert np.array_equal(changed_x | changed_y, case.poisoned)
            assert set(case.y[case.poisoned]) == {case.target}
        trig = case.apply(clean.x[:5])
        assert trig.shape == clean.x[:5].shape and np.isfinite(trig).all()


def test_cases_are_reproducible_and_seeds_differ() -> None:
    spec = SMALL["shapes-16x16x3"]
    a, b, c = make_case(spec, "patch", 0.1, 1), make_case(spec, "patch", 0.1, 1), make_case(spec, "patch", 0.1, 2)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.poisoned, b.poisoned)
    assert not np.array_equal(a.x, c.x)


def test_attack_success_counts_target_predictions_on_triggered_rows() -> None:
    spec = SMALL["tabular-24"]
    case = make_case(spec, "feature", 0.05, 0)
    x_test, y_test = case.x[~case.poisoned], case.y[~case.poisoned]
    always_target = attack_success(lambda v: np.full(len(v), case.target), case, x_test, y_test)
    never = attack_success(lambda v: np.full(len(v), -1), case, x_test, y_test)
    assert always_target == 1.0 and never == 0.0
