"""The generated suite: every case is reproducible and its ground truth matches what was changed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mlsecure.poisoning.suite import (
    ATTACKS_BY_KIND,
    DATASETS,
    attack_success,
    clean_correct,
    make_case,
    trigger_resistant,
)

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


def test_attack_success_leaves_out_target_rows_and_narrows_to_rows_a_clean_model_gets_right() -> None:
    spec = SMALL["tabular-24"]
    case = make_case(spec, "feature", 0.05, 0)
    x_test, y_test = case.x[~case.poisoned][:200], case.y[~case.poisoned][:200]
    trigger_cols = np.flatnonzero(np.any(case.apply(x_test) != x_test, axis=0))
    assert len(trigger_cols) == 2  # the two trigger columns

    def backdoored(v: np.ndarray) -> np.ndarray:  # the target when the trigger is there and column 0 > 0
        return np.where((v[:, trigger_cols[0]] > 3.0) & (v[:, 0] > 0.0), case.target, 0).astype(np.int64)

    non_target = y_test != case.target
    clean_pred = lambda v: y_test if len(v) == len(y_test) else np.zeros(len(v), np.int64)  # noqa: E731
    right = clean_correct(clean_pred, x_test, y_test)
    assert right.all()
    expected = np.mean(backdoored(case.apply(x_test[non_target])) == case.target)
    assert 0.2 < expected < 0.8 and expected == pytest.approx(np.mean(x_test[non_target, 0] > 0.0))
    assert attack_success(backdoored, case, x_test, y_test) == pytest.approx(expected)
    half = np.arange(len(y_test)) % 2 == 0  # a clean model right on every other row only
    sub = non_target & half
    assert attack_success(backdoored, case, x_test, y_test, among=half) == pytest.approx(
        np.mean(backdoored(case.apply(x_test[sub])) == case.target))
    assert np.isnan(attack_success(backdoored, case, x_test, y_test, among=np.zeros(len(y_test), bool)))
    wrong = clean_correct(lambda v: (y_test + 1) % 5, x_test, y_test)
    assert not wrong.any()


def test_attributable_success_leaves_out_rows_the_trigger_fools_without_a_backdoor() -> None:
    spec = SMALL["tabular-24"]
    case = make_case(spec, "feature", 0.05, 0)
    x_test, y_test = case.x[~case.poisoned][:200], case.y[~case.poisoned][:200]
    cols = np.flatnonzero(np.any(case.apply(x_test) != x_test, axis=0))
    col, key = int(cols[0]), int(np.setdiff1d(np.arange(x_test.shape[1]), cols)[0])
    truth_of = {float(v): int(t) for v, t in zip(x_test[:, key], y_test, strict=True)}  # rows by a free column

    # a "clean" model, right on every row, but fooled by the trigger on its own wherever column `key` > 0
    def floor(v: np.ndarray) -> np.ndarray:
        truth = np.array([truth_of[float(u)] for u in v[:, key]])
        return np.where((v[:, col] > 3.0) & (v[:, key] > 0.0), case.target, truth).astype(np.int64)

    resistant = trigger_resistant(floor, case, x_test, y_test)
    fooled_alone = (x_test[:, key] > 0.0) & (y_test != case.target)
    assert 0 < fooled_alone.sum() < len(y_test) - 10
    assert resistant.tolist() == (~fooled_alone).tolist()
    # the floor model has 0 attributable success by construction, its raw success is the fooled share
    non_target = y_test != case.target
    assert attack_success(floor, case, x_test, y_test) == pytest.approx(np.mean(fooled_alone[non_target]))
    assert attack_success(floor, case, x_test, y_test, among=resistant) == 0.0

    def backdoored(v: np.ndarray) -> np.ndarray:
        return np.where(v[:, col] > 3.0, case.target, 0).astype(np.int64)

    assert attack_success(backdoored, case, x_test, y_test, among=resistant) == 1.0
