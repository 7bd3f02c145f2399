"""Simulators: exact row counts, labels, trigger placement; inputs never modified."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.errors import InputError
from mlsecure.poisoning import simulate


def _data(n: int = 200, classes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.uniform(0, 0.5, (n, 64)).astype(np.float32), np.arange(n) % classes


def test_badnets_changes_exactly_rate_n_rows_into_the_target() -> None:
    x, y = _data()
    x0, y0 = x.copy(), y.copy()
    p = simulate.badnets(x, y, target=2, rate=0.1, image_shape=(8, 8), size=2)
    assert len(p.poisoned) == 20 and np.all(p.y[p.poisoned] == 2) and np.all(y0[p.poisoned] != 2)
    img = p.x[p.poisoned].reshape(-1, 8, 8)
    assert np.all(img[:, 6:, 6:] == 1.0)  # the 2x2 bottom-right patch
    untouched = np.setdiff1d(np.arange(len(y)), p.poisoned)
    np.testing.assert_array_equal(p.x[untouched], x0[untouched])
    np.testing.assert_array_equal(p.y[untouched], y0[untouched])
    np.testing.assert_array_equal(x, x0)  # the caller's arrays are not modified


def test_label_flips_random_and_targeted() -> None:
    x, y = _data()
    rnd = simulate.label_flip(x, y, rate=0.25, seed=3)
    assert len(rnd.poisoned) == 50 and np.all(rnd.y[rnd.poisoned] != y[rnd.poisoned])
    assert np.sum(rnd.y != y) == 50
    tgt = simulate.label_flip(x, y, rate=0.1, source=0, target=1)
    assert np.all(y[tgt.poisoned] == 0) and np.all(tgt.y[tgt.poisoned] == 1) and np.sum(tgt.y != y) == 20


def test_clean_label_keeps_labels_and_poisons_only_the_target() -> None:
    x, y = _data()
    trig = simulate.patch_trigger(64, image_shape=(8, 8))
    p = simulate.clean_label(x, y, trigger=trig, target=1, rate=0.05)
    np.testing.assert_array_equal(p.y, y)
    assert np.all(y[p.poisoned] == 1) and len(p.poisoned) == 10
    assert np.all(p.x[p.poisoned].reshape(-1, 8, 8)[:, 6:, 6:] == 1.0)


def test_blend_is_the_convex_combination() -> None:
    x, y = _data()
    p = simulate.blended(x, y, target=0, rate=0.1, alpha=0.2, seed=0)
    trig = p.trigger
    assert trig is not None
    i = p.poisoned[0]
    np.testing.assert_allclose(p.x[i], 0.8 * x[i] + 0.2 * trig.pattern, rtol=1e-6)


def test_bad_rates_are_input_errors() -> None:
    x, y = _data()
    with pytest.raises(InputError):
        simulate.label_flip(x, y, rate=1.5)
    with pytest.raises(InputError):
        simulate.badnets(x, y, target=0, rate=0.9, image_shape=(8, 8))  # more than the other classes hold


@settings(max_examples=30, deadline=None)
@given(st.floats(0.05, 1.0), st.integers(0, 5))
def test_trigger_is_idempotent_for_patches_and_bounded(alpha: float, seed: int) -> None:
    x = np.random.default_rng(seed).uniform(0, 1, (5, 64)).astype(np.float32)
    patch = simulate.patch_trigger(64, image_shape=(8, 8))
    np.testing.assert_array_equal(patch.apply(patch.apply(x)), patch.apply(x))
    blend = simulate.blend_trigger(64, alpha=alpha, seed=seed)
    out = blend.apply(x)
    assert out.min() >= 0.0 and out.max() <= 1.0 + 1e-6  # convex combination of [0, 1] values
