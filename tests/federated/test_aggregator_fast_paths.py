"""The fast paths (fused finiteness checks, per-parameter coordinate-wise rules, certified Gram distances)
agree with the slow, obvious computations they replace."""

from __future__ import annotations

import numpy as np
import pytest

from mlsecure.errors import InputError
from mlsecure.federated.aggregators import aggregator_classes, build_aggregator
from mlsecure.federated.aggregators.krum import mean_rows, pairwise_sq_distances
from mlsecure.federated.updates import stack_updates

RULES = sorted(aggregator_classes())


def _updates(n: int, dtype: type = np.float32, seed: int = 0) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [{"w": rng.normal(size=(3, 5)).astype(dtype), "b": rng.normal(size=7).astype(dtype)} for _ in range(n)]


def _direct_sq_distances(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return np.array([[np.sum((a - b) ** 2) for b in x] for a in x])


@pytest.mark.parametrize("name", RULES)
@pytest.mark.parametrize(("client", "key", "index", "bad"), [
    (0, "w", (0, 0), np.nan), (6, "b", (6,), np.inf), (10, "b", (0,), -np.inf), (3, "w", (2, 4), np.nan),
])
def test_a_non_finite_value_names_the_client_and_parameter(name: str, client: int, key: str,
                                                           index: tuple[int, ...], bad: float) -> None:
    ups = _updates(11)
    ups[client][key][index] = bad
    agg = build_aggregator(name, f=2)
    with pytest.raises(InputError, match=rf"client {client}: parameter '{key}' has 1 non-finite"):
        agg.aggregate(ups)
    with pytest.raises(InputError, match=rf"client 'c{client}': parameter '{key}'"):
        agg.aggregate(ups, client_ids=[f"c{i}" for i in range(11)])
    x, _ = stack_updates(ups, check_finite=False)
    with pytest.raises(InputError, match=rf"client {client}: update has a non-finite value"):
        agg.aggregate_matrix(x)


def test_a_zero_weight_does_not_hide_a_nan_from_fedavg() -> None:
    ups = _updates(5)
    ups[2]["b"][3] = np.nan
    with pytest.raises(InputError, match="client 2: parameter 'b'"):
        build_aggregator("fedavg").aggregate(ups, [1, 1, 0, 1, 1])


def test_finite_updates_whose_sum_overflows_are_not_reported_as_non_finite() -> None:
    big = np.finfo(np.float32).max
    ups = [{"w": np.full(4, big, dtype=np.float32)} for _ in range(3)]
    out = build_aggregator("fedavg").aggregate(ups, [1.0, 1.0, 1.0])["w"]
    assert out.dtype == np.float32  # the float32 sum overflows, as BLAS's w @ X did; no error, no warning
    # float64 rows of norm ~1e154: the Gram diagonal overflows, the data are finite; distances are
    # computed on rows scaled by a power of two and overflow to inf only where exact arithmetic would.
    huge = np.random.default_rng(0).normal(size=(7, 20)) * 1e153
    huge[:4] = huge[0] + np.random.default_rng(1).normal(size=(4, 20)) * 1e140  # a tight cluster of four
    dist = pairwise_sq_distances(huge)
    assert np.isfinite(dist[:4, :4]).all() and (dist[:4, :4][np.triu_indices(4, 1)] > 0).all()
    np.testing.assert_allclose(dist[:4, :4], _direct_sq_distances(huge[:4]), rtol=1e-8)
    assert build_aggregator("krum", f=1).aggregate_matrix(huge).selected[0] in range(4)


@pytest.mark.parametrize("name", RULES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dict_api_equals_matrix_api(name: str, dtype: type) -> None:
    ups = _updates(11, dtype, seed=3)
    weights = np.arange(1.0, 12.0)
    agg = build_aggregator(name, f=2)
    x, layout = stack_updates(ups)
    expected = layout.unflatten(agg.aggregate_matrix(x, weights).update)
    out = agg.aggregate(ups, weights)
    for key in expected:
        assert out[key].dtype == dtype and out[key].shape == expected[key].shape
        np.testing.assert_allclose(out[key], expected[key], rtol=1e-6 if dtype == np.float32 else 1e-12, atol=1e-7)


def test_coordinatewise_rules_equal_numpy_and_scipy_on_float32() -> None:
    rng = np.random.default_rng(4)
    for n in (10, 11):
        x = rng.standard_cauchy(size=(n, 9001)).astype(np.float32)  # > one sort block
        np.testing.assert_array_equal(build_aggregator("median").aggregate_matrix(x).update, np.median(x, axis=0))
        ref = np.sort(x, axis=0)[2:n - 2].mean(axis=0, dtype=np.float64)
        np.testing.assert_allclose(build_aggregator("trimmed-mean", f=2).aggregate_matrix(x).update, ref,
                                   rtol=1e-5, atol=1e-5)
        w = rng.uniform(0, 2, size=n)
        np.testing.assert_allclose(build_aggregator("fedavg").aggregate_matrix(x, w).update,
                                   (w / w.sum()) @ x.astype(np.float64), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", ["duplicates", "near-identical", "boosted", "tiny", "mixed-scale"])
def test_gram_distances_match_direct_differences_on_adversarial_inputs(case: str) -> None:
    # Gram distances cancel catastrophically for nearly equal rows; the certified repair must make every
    # entry agree with the direct sum of squared differences (relative 1e-8, the RHO the module promises).
    rng = np.random.default_rng(5)
    d = 9000
    honest = rng.normal(size=(12, d)).astype(np.float32)
    x = {
        "duplicates": np.vstack([honest, np.tile(honest[0] * 50, (5, 1)), honest[:2]]),
        "near-identical": (3.0 + rng.normal(size=(12, d)) * 1e-6).astype(np.float32),
        "boosted": np.vstack([1.0 + honest * 1e-3, rng.normal(size=(4, d)).astype(np.float32) * 1e4]),
        "tiny": np.vstack([np.zeros((5, d)), np.eye(1, d) * 1e-30]),
        "mixed-scale": np.vstack([honest * 1e-4, honest[:3] * 1e-4 + 1e-9, honest[3:6] * 1e3]),
    }[case]
    got, ref = pairwise_sq_distances(x), _direct_sq_distances(x)
    np.testing.assert_array_equal(got == 0, ref == 0)
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=0)
    np.testing.assert_array_equal(got, got.T)


def test_multi_krum_mean_is_bit_identical_to_numpy() -> None:
    x = np.random.default_rng(6).normal(size=(30, 1001)).astype(np.float32)
    rows = np.array([1, 4, 5, 9, 29])
    np.testing.assert_array_equal(mean_rows(x, rows), x[rows].mean(axis=0))
