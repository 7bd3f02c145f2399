"""Oracle tests for the fairness metrics: every number is recomputed with plain numpy on boolean masks
(fairlearn's own test style), compared with fairlearn's disparity functions, and checked on small
examples computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import (
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.errors import InputError
from mlsecure.governance.fairness import (
    audit_fairness,
    bootstrap_cells,
    confusion_cells,
    disparities,
    metrics_from_cells,
)


def _oracle(y_true: np.ndarray, y_pred: np.ndarray, s: np.ndarray, pos: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for g in np.unique(s):
        m = s == g
        t, p = y_true[m] == pos, y_pred[m] == pos
        out[str(g)] = {
            "selection_rate": float(p.mean()),
            "accuracy": float((y_true[m] == y_pred[m]).mean()),
            "tpr": float((p & t).sum() / t.sum()) if t.any() else float("nan"),
            "fpr": float((p & ~t).sum() / (~t).sum()) if (~t).any() else float("nan"),
        }
    return out


def _random_case(seed: int, n: int = 600, k: int = 2, groups: int = 3) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    s = rng.choice([f"g{i}" for i in range(groups)], n)
    y = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.7, y, rng.integers(0, k, n))
    return y, pred, s


@pytest.mark.parametrize(("seed", "k"), [(0, 2), (1, 2), (2, 4)])
def test_group_metrics_match_numpy_masks(seed: int, k: int) -> None:
    y, pred, s = _random_case(seed, k=k)
    audit = audit_fairness(y, pred, s, positive=1, n_boot=0)
    oracle = _oracle(y, pred, s, 1)
    for g in audit.groups:
        for name, value in oracle[g.group].items():
            assert g.metrics[name].value == pytest.approx(value, abs=1e-12), (g.group, name)
        assert g.count == int((s == g.group).sum())


@pytest.mark.parametrize(("seed", "k"), [(6, 2), (7, 3)])
def test_numpy_engine_equals_fairlearn_engine(seed: int, k: int) -> None:
    case = _random_case(seed, k=k, groups=5)
    ref = audit_fairness(*case, n_boot=50, engine="fairlearn")
    fast = audit_fairness(*case, n_boot=50, engine="numpy")
    for g_ref, g_fast in zip(ref.groups, fast.groups, strict=True):
        for name in g_ref.metrics:
            assert g_fast.metrics[name].value == pytest.approx(g_ref.metrics[name].value, abs=1e-12, nan_ok=True)
    for name, interval in ref.disparities.items():
        assert fast.disparities[name].value == pytest.approx(interval.value, abs=1e-12)
        assert (fast.disparities[name].low, fast.disparities[name].high) == (interval.low, interval.high)


def test_disparities_match_fairlearn_binary() -> None:
    y, pred, s = _random_case(3, n=2000, groups=4)
    audit = audit_fairness(y, pred, s, n_boot=0)
    assert audit.demographic_parity_difference.value == pytest.approx(
        demographic_parity_difference(y, pred, sensitive_features=s), abs=1e-12)
    assert audit.demographic_parity_ratio.value == pytest.approx(
        demographic_parity_ratio(y, pred, sensitive_features=s), abs=1e-12)
    assert audit.equalized_odds_difference.value == pytest.approx(
        equalized_odds_difference(y, pred, sensitive_features=s), abs=1e-12)


def test_hand_computed_example() -> None:
    # group a: y=[1,1,0,0] pred=[1,0,1,0] -> SR 1/2, ACC 1/2, TPR 1/2, FPR 1/2
    # group b: y=[1,1,0,0,0,0] pred=[1,1,0,0,0,1] -> SR 1/2, ACC 5/6, TPR 1, FPR 1/4
    y = np.array([1, 1, 0, 0, 1, 1, 0, 0, 0, 0])
    pred = np.array([1, 0, 1, 0, 1, 1, 0, 0, 0, 1])
    s = np.array(["a"] * 4 + ["b"] * 6)
    audit = audit_fairness(y, pred, s, n_boot=0)
    a, b = audit.groups
    assert (a.metrics["tpr"].value, a.metrics["fpr"].value) == (0.5, 0.5)
    assert (b.metrics["tpr"].value, b.metrics["fpr"].value) == (1.0, 0.25)
    assert b.metrics["accuracy"].value == pytest.approx(5 / 6)
    assert audit.demographic_parity_difference.value == 0.0
    assert audit.demographic_parity_ratio.value == 1.0
    assert audit.equalized_odds_difference.value == pytest.approx(0.5)  # max(|1-.5|, |.25-.5|)
    assert audit.accuracy_difference.value == pytest.approx(5 / 6 - 1 / 2)
    assert a.cells == (1, 1, 1, 1, 0) and b.cells == (2, 1, 0, 3, 0)


def test_four_fifths_ratio_known_value() -> None:
    # 60 of 100 A selected, 30 of 100 B selected: ratio 0.5, difference 0.3
    pred = np.r_[np.ones(60), np.zeros(40), np.ones(30), np.zeros(70)].astype(int)
    s = np.r_[["A"] * 100, ["B"] * 100]
    audit = audit_fairness(np.ones(200, int), pred, s, n_boot=0)
    assert audit.demographic_parity_ratio.value == pytest.approx(0.5)
    assert audit.demographic_parity_difference.value == pytest.approx(0.3)


def test_undefined_rates_are_nan_and_left_out() -> None:
    # group b has no positive labels: its TPR is undefined (fairlearn would say 0)
    y = np.array([1, 1, 0, 0, 0, 0])
    pred = np.array([1, 0, 0, 1, 0, 1])
    s = np.array(["a", "a", "a", "a", "b", "b"])
    audit = audit_fairness(y, pred, s, n_boot=0)
    b = audit.groups[1]
    assert np.isnan(b.metrics["tpr"].value) and b.positives == 0
    # EO over defined values: TPR range over {a}=0, FPR a=1/2, b=1/2 -> 0
    assert audit.equalized_odds_difference.value == pytest.approx(0.0)


def test_multiclass_one_vs_rest_wrong_negative_cell() -> None:
    y = np.array([0, 1, 2, 2])
    pred = np.array([2, 1, 0, 2])  # y=0 -> 2 and y=2 -> 0 are wrong negatives for positive=1
    s = np.array(["a", "a", "b", "b"])
    cells = confusion_cells(y, pred, np.array([0, 0, 1, 1]), 2, positive=1)
    np.testing.assert_array_equal(cells, [[1, 0, 0, 0, 1], [0, 0, 0, 1, 1]])
    audit = audit_fairness(y, pred, s, positive=1, n_boot=0)
    assert [g.metrics["accuracy"].value for g in audit.groups] == [0.5, 0.5]


def test_bootstrap_matches_row_resampling_moments() -> None:
    # The multinomial-on-cells bootstrap has the row bootstrap's distribution: for the selection
    # rate of a group of size n, Var* = SR (1 - SR) / n exactly; mean* = SR.
    cells = np.array([[30, 20, 10, 40, 0], [5, 5, 20, 70, 0]])
    boot = metrics_from_cells(bootstrap_cells(cells, n_boot=40_000, seed=1))["selection_rate"]
    for g, (sr, n) in enumerate([(0.5, 100), (0.1, 100)]):
        assert boot[:, g].mean() == pytest.approx(sr, abs=3e-3)
        assert boot[:, g].var() == pytest.approx(sr * (1 - sr) / n, rel=0.05)
    assert (bootstrap_cells(cells, n_boot=5, seed=0).sum(axis=2) == cells.sum(axis=1)).all()


def test_intervals_contain_point_and_shrink_with_n() -> None:
    small = audit_fairness(*_random_case(4, n=300), n_boot=500)
    large = audit_fairness(*_random_case(4, n=30_000), n_boot=500)
    for audit in (small, large):
        d = audit.demographic_parity_difference
        assert d.low <= d.value <= d.high
    width = [a.demographic_parity_difference.high - a.demographic_parity_difference.low for a in (small, large)]
    assert width[1] < width[0] / 4  # ~ 1/sqrt(100) = 10x narrower; at least 4x


def test_seed_reproducible() -> None:
    case = _random_case(5)
    assert audit_fairness(*case, seed=3) == audit_fairness(*case, seed=3)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.sampled_from("abc")), min_size=2, max_size=60))
def test_properties(rows: list[tuple[int, int, str]]) -> None:
    y, pred, s = (np.array(c) for c in zip(*rows, strict=True))
    if len(np.unique(s)) < 2:
        with pytest.raises(InputError):
            audit_fairness(y, pred, s, n_boot=0)
        return
    audit = audit_fairness(y, pred, s, n_boot=20)
    assert 0.0 <= audit.demographic_parity_ratio.value <= 1.0
    assert 0.0 <= audit.demographic_parity_difference.value <= 1.0
    assert sum(g.count for g in audit.groups) == len(rows)
    # relabelling groups does not change a disparity
    renamed = audit_fairness(y, pred, np.char.add("x", s), n_boot=0)
    assert renamed.demographic_parity_difference.value == audit.demographic_parity_difference.value


@pytest.mark.parametrize(("y", "pred", "s", "match"), [
    (np.zeros(3), np.zeros(2), np.zeros(3), "length mismatch"),
    (np.zeros(0), np.zeros(0), np.zeros(0), "no rows"),
    (np.zeros((2, 2)), np.zeros(2), np.zeros(2), "one-dimensional"),
    (np.zeros(4), np.zeros(4), np.array(["a"] * 4), "single group"),
])
def test_bad_input(y: np.ndarray, pred: np.ndarray, s: np.ndarray, match: str) -> None:
    with pytest.raises(InputError, match=match):
        audit_fairness(y, pred, s, n_boot=0)


def _coverage(design: str, *, rates: tuple[float, float], n: int, datasets: int, n_boot: int) -> float:
    """Share of simulated datasets whose 95% percentile interval of the DP difference holds the true one."""
    rng = np.random.default_rng(7)
    truth = abs(rates[1] - rates[0])
    hits = 0
    for d in range(datasets):
        if design == "stratified":
            sizes = np.array([n, n])
        else:  # group membership random too: the design that resamples all rows
            first = rng.binomial(2 * n, 0.5)
            sizes = np.array([first, 2 * n - first])
        selected = rng.binomial(sizes, rates)
        # cells: TP = selected (labels all positive here), FN = the rest; only the selection rate matters
        cells = np.stack([selected, np.zeros(2, int), sizes - selected, np.zeros(2, int), np.zeros(2, int)], axis=1)
        boot = bootstrap_cells(cells, n_boot=n_boot, seed=d, design=design)  # type: ignore[arg-type]
        diff = disparities(metrics_from_cells(boot))["demographic_parity_difference"]
        low, high = np.quantile(diff, [0.025, 0.975])
        hits += bool(low <= truth <= high)
    return hits / datasets


@pytest.mark.parametrize("design", ["stratified", "rows"])
def test_bootstrap_interval_coverage_is_nominal(design: str) -> None:
    # The statistical justification of the cheap bootstrap: over 600 simulated audits (two groups of 400,
    # selection rates 0.30 / 0.45), the 95% percentile interval holds the true DP difference (0.15) in
    # 95% +/- 2.5% of them (binomial sd at p=.95, n=600 is 0.9%); a biased or too narrow interval fails.
    coverage = _coverage(design, rates=(0.30, 0.45), n=400, datasets=600, n_boot=400)
    assert 0.925 <= coverage <= 0.975, coverage


def test_rows_design_resamples_group_sizes() -> None:
    cells = np.array([[30, 20, 10, 40, 0], [5, 5, 20, 70, 0]])
    rows = bootstrap_cells(cells, n_boot=20_000, seed=3, design="rows")
    assert (rows.sum(axis=(1, 2)) == 200).all()  # total fixed
    sizes = rows.sum(axis=2)[:, 0]
    assert sizes.var() == pytest.approx(200 * 0.5 * 0.5, rel=0.05)  # group size ~ Binomial(200, 1/2)
    strat = bootstrap_cells(cells, n_boot=10, seed=3)
    assert (strat.sum(axis=2) == 100).all()
