"""Aggregators: known answers, independent oracles (numpy, scipy), errors, and hypothesis properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.stats import trim_mean

from mlsecure.errors import ConfigError, InputError
from mlsecure.federated.aggregators import (
    Aggregator,
    AggregatorError,
    Bulyan,
    CenteredClipping,
    CoordinateMedian,
    FedAvg,
    GeometricMedian,
    Krum,
    MultiKrum,
    NormBound,
    TrimmedMean,
    aggregator_classes,
    build_aggregator,
    register,
    unregister,
)
from mlsecure.federated.aggregators.geometric_median import weiszfeld
from mlsecure.federated.aggregators.krum import krum_scores, pairwise_sq_distances
from mlsecure.federated.updates import UpdateLayout, stack_updates


def _guide_krum(flat: np.ndarray, f: int) -> int:
    """The guide's section 10.2 sketch, verbatim in substance (unsquared norms)."""
    n = len(flat)
    scores = np.zeros(n)
    for i in range(n):
        dists = np.sort(np.linalg.norm(flat - flat[i], axis=1))
        scores[i] = np.sum(dists[1:n - f - 1])
    return int(np.argmin(scores))


def test_fedavg_is_the_example_weighted_mean() -> None:
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, -2.0]])
    out = FedAvg().aggregate_matrix(x, [1, 1, 2]).update
    np.testing.assert_allclose(out, [(1 + 3 + 10) / 4, (2 + 6 - 4) / 4])


def test_median_equals_numpy_median() -> None:
    x = np.random.default_rng(0).normal(size=(8, 50))
    np.testing.assert_array_equal(CoordinateMedian(f=3).aggregate_matrix(x).update, np.median(x, axis=0))


@pytest.mark.parametrize(("n", "beta"), [(10, 0.2), (11, 0.1), (7, 0.3), (5, 0.0)])
def test_trimmed_mean_equals_scipy_trim_mean(n: int, beta: float) -> None:
    x = np.random.default_rng(n).standard_cauchy(size=(n, 40))
    np.testing.assert_allclose(TrimmedMean(beta=beta).aggregate_matrix(x).update, trim_mean(x, beta, axis=0),
                               rtol=1e-12, atol=1e-12)
    k = int(beta * n)
    np.testing.assert_allclose(TrimmedMean(f=k).aggregate_matrix(x).update, trim_mean(x, k / n, axis=0),
                               rtol=1e-12, atol=1e-12)


def test_krum_picks_the_analytic_winner() -> None:
    # n=7, f=1 -> n-f-2 = 4 neighbours. Scores (squared distances): 0.1 -> 0.01+0.81+1.21+3.61 = 5.64,
    # 0 -> 6.01, 1 -> 6.81; the two Byzantine points at 100 score ~ 4 * 98^2.
    x = np.array([[-1.0], [0.0], [0.1], [1.0], [2.0], [100.0], [100.0]])
    res = Krum(f=1).aggregate_matrix(x)
    assert res.selected == (2,)
    np.testing.assert_allclose(res.scores[[1, 2, 3]], [6.01, 5.64, 6.81], rtol=1e-9)
    np.testing.assert_array_equal(res.update, [0.1])


def test_krum_uses_squared_distances() -> None:
    # Blanchard et al. (arXiv:1703.02757, Sec. 4) score with squared norms. The guide's sketch keeps the
    # right neighbour count (dists[1:n-f-1] = n-f-2 entries) but sums plain norms, and picks row 2 here:
    # squared scores rows 2/3 = 56 / 48, unsquared 9.69 / 10.05.
    x = np.array([[3.0, -3.0], [-4.0, 2.0], [-3.0, 2.0], [-2.0, 1.0], [4.0, 4.0]])
    res = Krum(f=0).aggregate_matrix(x)
    np.testing.assert_allclose(res.scores, [152, 74, 56, 48, 148])
    assert res.selected == (3,)
    assert _guide_krum(x, 0) == 2


def test_krum_neighbour_count_is_n_minus_f_minus_2() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(9, 4))
    dist = pairwise_sq_distances(x)
    brute = np.array([[np.sum((a - b) ** 2) for b in x] for a in x])
    np.testing.assert_allclose(dist, brute, rtol=1e-10, atol=1e-10)
    for f in range(4):
        expected = [np.sort(np.delete(brute[i], i))[: 9 - f - 2].sum() for i in range(9)]
        np.testing.assert_allclose(krum_scores(dist, f), expected, rtol=1e-10)


def test_multi_krum_averages_the_m_best() -> None:
    x = np.array([[-1.0], [0.0], [0.1], [1.0], [2.0], [100.0], [100.0]])
    res = MultiKrum(f=1, m=3).aggregate_matrix(x)
    assert res.selected == (1, 2, 3)  # scores 6.01, 5.64, 6.81 are the three lowest
    np.testing.assert_allclose(res.update, [(0.0 + 0.1 + 1.0) / 3])
    assert MultiKrum(f=1).aggregate_matrix(x).selected == (0, 1, 2, 3, 4, 5)  # m = n - f


def test_bulyan_known_answer() -> None:
    # n = 7 = 4f + 3 with f = 1: theta = 5 selected by repeated Krum, beta = 3 closest to the median.
    x = np.array([[-1.0], [0.0], [0.1], [1.0], [2.0], [100.0], [101.0]])
    # Selection order 2, 1, 3, 0, then among {2, 100, 101} with max(1, 3 - f - 2) = 1 neighbour the pair
    # 100/101 scores 1 < 98^2: the last pick is Byzantine, which the paper allows (S holds up to f of them).
    res = Bulyan(f=1).aggregate_matrix(x)
    assert res.selected == (0, 1, 2, 3, 5)
    np.testing.assert_allclose(res.update, [(0.0 + 0.1 + 1.0) / 3])  # median 0.1; closest: 0.1, 0, 1


def test_geometric_median_matches_scipy_minimisation() -> None:
    rng = np.random.default_rng(2)
    x = np.vstack([rng.normal(size=(9, 3)), rng.normal(50, 1, size=(4, 3))])
    w = rng.uniform(0.5, 2, size=13)
    res = GeometricMedian(tol=1e-12, max_iter=1000).aggregate_matrix(x, w)

    def objective(v: np.ndarray) -> float:
        return float((w / w.sum()) @ np.linalg.norm(x - v, axis=1))

    ref = minimize(objective, x.mean(axis=0), method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    np.testing.assert_allclose(res.update, ref.x, atol=1e-5)
    assert objective(res.update) <= ref.fun + 1e-9
    assert res.info["converged"] == 1.0


def test_weiszfeld_converges_monotonically_to_the_known_median() -> None:
    # Four corners of a square: the geometric median is the centre; Weiszfeld from a skewed start.
    x = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0], [1.0, 1.0]])
    alpha = np.array([0.1, 0.1, 0.1, 0.6, 0.1])  # weight 0.6 >= 1/2 on one point: the median is that point
    res = weiszfeld(x, alpha, tol=1e-12, max_iter=5000)
    np.testing.assert_allclose(res.median, [2.0, 2.0], atol=1e-4)
    res = weiszfeld(x, np.full(5, 0.2), tol=1e-14, max_iter=500)
    np.testing.assert_allclose(res.median, [1.0, 1.0], atol=1e-9)
    assert res.converged


def test_norm_bound_and_centered_clipping_limit_a_boosted_update() -> None:
    x = np.vstack([np.ones((9, 2)), [[1000.0, -1000.0]]])
    # the boosted row is scaled to norm sqrt(2): [1, -1]; the mean is [(9 + 1) / 10, (9 - 1) / 10]
    np.testing.assert_allclose(NormBound(max_norm=np.sqrt(2)).aggregate_matrix(x).update, [1.0, 0.8])
    cc = CenteredClipping(tau=0.5, iterations=3).aggregate_matrix(x).update
    assert np.linalg.norm(cc - 1.0) <= 0.5 * 3 / 10 + 1e-12  # each step moves at most f/n * tau


@pytest.mark.parametrize(("agg", "n", "message"), [
    (Krum(f=2), 6, "n > 2f + 2"), (MultiKrum(f=1), 4, "n > 2f + 2"), (Bulyan(f=2), 10, "n >= 4f + 3"),
    (CoordinateMedian(f=3), 6, "n >= 2f + 1"), (TrimmedMean(f=2), 4, "n > 2f"),
])
def test_too_few_clients_for_f_is_a_clear_error(agg: Aggregator, n: int, message: str) -> None:
    with pytest.raises(AggregatorError, match=message.replace("+", r"\+")):
        agg.aggregate_matrix(np.zeros((n, 3)))
    agg.aggregate_matrix(np.zeros((agg.min_clients(), 3)))  # the boundary is accepted


def test_dict_updates_round_trip_and_mismatches_name_the_client() -> None:
    ups = [{"w": np.full((2, 2), float(i)), "b": np.array([i, -i], dtype=float)} for i in range(5)]
    out = CoordinateMedian().aggregate(ups)
    np.testing.assert_array_equal(out["w"], np.full((2, 2), 2.0))
    np.testing.assert_array_equal(out["b"], [2.0, -2.0])
    x, layout = stack_updates(ups)
    assert x.shape == (5, 6) and layout.size == 6
    bad_shape = [*ups[:3], {"w": np.zeros((2, 3)), "b": np.zeros(2)}]
    with pytest.raises(InputError, match=r"client 3: parameter 'w' has shape \(2, 3\), expected \(2, 2\)"):
        FedAvg().aggregate(bad_shape)
    with pytest.raises(InputError, match=r"client 'mallory': parameter 'b' is missing"):
        FedAvg().aggregate([ups[0], {"w": np.zeros((2, 2))}], client_ids=["alice", "mallory"])
    nan = {"w": np.zeros((2, 2)), "b": np.array([0.0, np.nan])}
    with pytest.raises(InputError, match=r"client 1: parameter 'b' has 1 non-finite"):
        FedAvg().aggregate([ups[0], nan])
    with pytest.raises(InputError, match="client 2: update has a non-finite"):
        FedAvg().aggregate_matrix(np.array([[0.0], [1.0], [np.inf]]))
    with pytest.raises(InputError, match="unexpected parameter 'extra'"):
        FedAvg().aggregate([ups[0], {**ups[1], "extra": np.zeros(1)}])
    assert UpdateLayout.of(ups[0]).unflatten(x[4])["w"].shape == (2, 2)


def test_weights_are_checked() -> None:
    with pytest.raises(AggregatorError, match="3 client weights"):
        FedAvg().aggregate_matrix(np.zeros((3, 2)), [1, 2])
    with pytest.raises(AggregatorError, match="non-negative"):
        FedAvg().aggregate_matrix(np.zeros((2, 2)), [1, -1])


def test_float32_stays_float32() -> None:
    x = np.random.default_rng(0).normal(size=(7, 10)).astype(np.float32)
    for name in aggregator_classes():
        out = build_aggregator(name, f=1).aggregate_matrix(x).update
        assert out.dtype == np.float32, name


def test_registry_is_explicit() -> None:
    class Mean(FedAvg):
        name = "my-mean"

    register("my-mean", Mean)
    try:
        assert isinstance(build_aggregator("my-mean"), Mean)
        with pytest.raises(ConfigError, match="already registered"):
            register("my-mean", FedAvg)
        register("my-mean", FedAvg, force=True)
    finally:
        unregister("my-mean")
    with pytest.raises(ConfigError, match="unknown aggregator 'nope'"):
        build_aggregator("nope")
    with pytest.raises(ConfigError, match="Aggregator subclass"):
        register("x", int)  # type: ignore[arg-type]


# -- properties: f arbitrary outliers cannot drag a robust rule out of the honest region -------------

@st.composite
def honest_and_byzantine(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    f = draw(st.integers(0, 3))
    n_h = draw(st.integers(3 * f + 3, 3 * f + 8))  # enough honest clients for Bulyan's n >= 4f + 3
    d = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    honest = rng.normal(size=(n_h, d))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3, 1e8]))
    byz = rng.normal(size=(f, d)) * scale + draw(st.floats(-1e6, 1e6))
    return honest, byz, f


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(honest_and_byzantine())
def test_robust_rules_stay_near_the_honest_updates(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    honest, byz, f = case
    x = np.vstack([honest, byz])
    n = len(x)
    lo, hi = honest.min(axis=0), honest.max(axis=0)
    tol = 1e-9 * (1 + np.abs(x).max())
    for agg in (CoordinateMedian(f=f), TrimmedMean(f=f)):  # per coordinate inside the honest range
        out = agg.aggregate_matrix(x).update
        assert np.all(out >= lo - tol) and np.all(out <= hi + tol), agg
    # Krum: the winner has an honest neighbour among its n-f-2, so its distance to the honest set is at most
    # sqrt(n-f-2) * honest diameter (Blanchard et al., proof of Prop. 1).
    diam = max(np.linalg.norm(a - b) for a in honest for b in honest)
    out = Krum(f=f).aggregate_matrix(x).update
    assert min(np.linalg.norm(out - h) for h in honest) <= np.sqrt(n - f - 2) * diam + tol
    # Bulyan: every averaged value lies within the honest range widened by its width.
    out = Bulyan(f=f).aggregate_matrix(x).update
    assert np.all(out >= lo - (hi - lo) - tol) and np.all(out <= hi + (hi - lo) + tol)
    # Geometric median: ||v* - z|| <= C_a max_honest ||x_i - z||, C_a = 2(1-a)/(1-2a), a = f/n (Minsker 2015).
    a = f / n
    z = honest.mean(axis=0)
    out = GeometricMedian(tol=1e-10, max_iter=2000).aggregate_matrix(x).update
    bound = 2 * (1 - a) / (1 - 2 * a) * np.linalg.norm(honest - z, axis=1).max()
    assert np.linalg.norm(out - z) <= bound * 1.01 + 1e-6
