"""The geometry null of the neighbour traffic and the few-feature test (issue 16: a naturally one-way
class must not be flagged; a 3% trigger on two columns must be)."""

from __future__ import annotations

import numpy as np
import pytest

from mlsecure.poisoning.calibrated import calibrated_scan
from mlsecure.poisoning.metrics import detection_metrics
from mlsecure.poisoning.neighbours import few_feature_p, geometry_null, graph_votes, neighbour_graph, traffic
from mlsecure.poisoning.suite import DATASETS, HELDOUT, DatasetSpec, make_case


def test_geometry_null_redraws_nothing_where_every_neighbourhood_is_pure() -> None:
    # three tight, far-apart clusters plus one row of class 0 inside cluster 1: its wide share of
    # class 0 is 0 (a thin population), so the null never draws class 0 there
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(10.0 * c, 0.1, (60, 4)) for c in range(3)] + [rng.normal(10.0, 0.1, (1, 4))])
    y = [*np.repeat([0, 1, 2], 60).tolist(), 0]
    codes = np.asarray(y)
    nearest, _ = neighbour_graph(x, wide=50, trim=0.0)
    votes, _ = graph_votes(nearest, codes, 3, 10)
    t = traffic(votes, codes, 3)
    assert (t.out - t.inflow).tolist() == [1, -1, 0]
    mean, sd = geometry_null(nearest, codes, 3, draws=20, rng=np.random.default_rng(1))
    assert mean.tolist() == [0.0, 0.0, 0.0] and sd.tolist() == [1.0, 1.0, 1.0]  # sd floor 1


def test_geometry_null_expects_one_way_traffic_where_one_class_dominates_the_votes() -> None:
    # two classes drawn at random over one region (class 1 a little more common): majority votes go
    # to the locally larger class, so class 0 is voted out more than in by nature; the redrawn labels
    # expect that too (the symmetric nulls expect 0)
    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 1.0, (400, 3))
    codes = (rng.random(400) < 0.5).astype(np.int64)
    nearest, _ = neighbour_graph(x, wide=50, trim=0.0)
    votes, _ = graph_votes(nearest, codes, 2, 10)
    t = traffic(votes, codes, 2)
    assert (t.out - t.inflow).tolist() == [-58, 58]
    mean, sd = geometry_null(nearest, codes, 2, draws=50, rng=np.random.default_rng(0))
    assert mean[1] == pytest.approx(-mean[0]) and 25.0 < mean[1] < 50.0 and sd.min() > 1.0


def test_few_feature_excess_is_the_log_ratio_of_untrimmed_to_trimmed_distance() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(0.0, 0.1, (12, 20)).astype(np.float32)
    x[11, [5, 6]] += 3.0  # row 11 differs from everyone in two columns
    nearest, excess = neighbour_graph(x, k=3, trim=0.15)  # 20 columns: the 3 largest differences are dropped
    diff = (x[nearest[11, :3]] - x[11]) ** 2
    expected = np.log(diff.sum() / np.sort(diff, axis=1)[:, :17].sum())
    assert excess[11] == pytest.approx(expected, rel=1e-4)
    assert excess[11] > 3.0 * excess[:11].max()
    _, plain = neighbour_graph(x, k=3, trim=0.0)
    assert not plain.any()  # no trimming, no excess


def test_few_feature_test_counts_exceedances_of_the_other_classes_boundary_rows() -> None:
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 3, 600)
    votes = codes.copy()
    votes[:300] = (codes[:300] + 1) % 3  # 300 out-voted rows, ~100 per class
    excess = np.zeros(600)
    excess[:300] = rng.normal(0.0, 1.0, 300)
    target = np.flatnonzero(codes[:300] == 2)
    excess[target[:15]] += 8.0  # 15 of class 2's out-voted rows differ from their neighbours in few features
    res = few_feature_p(excess, votes, codes, 3)
    ref = excess[:300][codes[:300] != 2]
    cut = np.quantile(ref, 0.99, method="higher")
    assert res[2][0] == int(np.sum(excess[target] > cut)) >= 15
    assert res[2][2] < 1e-8 and min(res[0][2], res[1][2]) > 1e-3


@pytest.mark.slow
def test_a_three_percent_two_column_trigger_is_found() -> None:
    spec = DatasetSpec("tabular-24", "tabular", 900, dims=24)  # the suite's family, fewer rows
    case = make_case(spec, "feature", 0.03, 0)
    scan = calibrated_scan(case.x, case.y, few_feature=True)
    assert [f.label for f in scan.findings] == [case.target]
    assert detection_metrics(scan.flagged, case.poisoned).f1 >= 0.9


@pytest.mark.slow
def test_tabular_24_clean_control_and_the_three_percent_trigger_on_a_design_seed() -> None:
    spec = next(s for s in DATASETS if s.name == "tabular-24")
    clean = make_case(spec, "none", 0.0, 0)
    scan = calibrated_scan(clean.x, clean.y)
    assert not scan.poison_found
    zero = next(t for t in scan.tests if t.label == 0 and t.test == "traffic")
    assert zero.null_boot[0] > 15.0  # class 0 is one-way by its geometry: the null expects +23 (observed +20)
    case = make_case(spec, "feature", 0.03, 2)  # traffic z 1.8, below the BH cut
    assert not calibrated_scan(case.x, case.y).poison_found  # the default: the traffic test alone
    scan = calibrated_scan(case.x, case.y, few_feature=True)
    assert [(f.label, f.test) for f in scan.findings] == [(case.target, "few-feature")]
    assert detection_metrics(scan.flagged, case.poisoned).f1 >= 0.9


@pytest.mark.slow
def test_the_default_leaves_the_clean_held_out_table_the_few_feature_test_flags() -> None:
    """tabular-40 seed 3, a clean control of the report run: the few-feature test flagged 4.9% of it
    (its binomial null ignores how differently classes spread), so it is opt-in."""
    spec = next(s for s in HELDOUT if s.name == "tabular-40")
    clean = make_case(spec, "none", 0.0, 3)
    assert not calibrated_scan(clean.x, clean.y, seed=3).poison_found
    opted = calibrated_scan(clean.x, clean.y, seed=3, few_feature=True)
    assert [f.test for f in opted.findings] == ["few-feature"]
