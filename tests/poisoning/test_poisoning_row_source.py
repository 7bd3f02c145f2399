"""Session 5 rules: the overdispersion needs enough exchanging pairs, and a found class takes its rows
from the rejected test whose split explains most of the class's evidence (its out-voted rows)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mlsecure.poisoning.calibrated import ClassTest, _findings, evidence_coverage, flag_rows, row_source
from mlsecure.poisoning.neighbours import MIN_PAIRS, exchanging_pairs, overdispersion, traffic, traffic_p_values


def _one_pair_traffic() -> tuple[np.ndarray, list[int]]:
    """Six classes: class 3 sends 40 rows to the others and gets 4 back (the shapes-12x12x1 3% patch,
    seed 5, in the Fourier view); among the other classes only ONE pair exchanges rows, 6 vs 0."""
    conf = np.diag([400] * 6).astype(np.int64)
    conf[3, [0, 1, 2, 4]] = [9, 12, 8, 11]
    conf[[0, 4], 3] = [2, 2]
    conf[4, 1] = 6  # the one exchanging pair among the others: 6 rows one way, none back
    return conf, [400] * 6


def _as_traffic(conf: np.ndarray) -> object:
    t = traffic(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), len(conf))
    return replace(t, confusion=conf, out=conf.sum(1) - np.diag(conf), inflow=conf.sum(0) - np.diag(conf))


def test_exchanging_pairs_counts_the_pairs_the_overdispersion_rests_on() -> None:
    conf, _ = _one_pair_traffic()
    valid = np.ones(6, dtype=bool)
    assert exchanging_pairs(conf, 3, valid) == 1
    assert overdispersion(conf, 3, valid) == pytest.approx(6.0)  # (6 - 0)^2 / 6 from one pair
    # for class 0 the pairs with class 3 count too: (1,3), (2,3), (3,4) and (1,4)
    assert exchanging_pairs(conf, 0, valid) == 4
    valid[4] = False  # a class too small to test takes its pairs with it
    assert exchanging_pairs(conf, 3, valid) == 0


def test_a_one_pair_overdispersion_is_dropped_only_when_asked() -> None:
    conf, sizes = _one_pair_traffic()
    t = _as_traffic(conf)
    kept = traffic_p_values(t, sizes)[3]  # type: ignore[arg-type]
    dropped = traffic_p_values(t, sizes, min_pairs=MIN_PAIRS)[3]  # type: ignore[arg-type]
    # phi = 6 from one pair: z = 36 / sqrt(6 * 44) = 2.2, short of BH over 12 tests
    assert kept[0] == pytest.approx(36 / np.sqrt(6 * 44))
    assert kept[2] > 0.01
    # without it the binomial z (phi = 1) and the exact symmetry test decide: 40 of 44 one way
    assert dropped[0] == pytest.approx(36 / np.sqrt(44))
    assert dropped[2] < 1e-7


def test_an_overdispersion_on_enough_pairs_is_kept() -> None:
    conf, sizes = _one_pair_traffic()
    conf[0, 1], conf[2, 5], conf[5, 0] = 6, 6, 6  # three more one-way pairs among the others
    t = _as_traffic(conf)
    assert exchanging_pairs(conf, 3, np.ones(6, dtype=bool)) == 4 >= MIN_PAIRS
    assert traffic_p_values(t, sizes)[3] == traffic_p_values(t, sizes, min_pairs=MIN_PAIRS)[3]  # type: ignore[arg-type]
    assert traffic_p_values(t, sizes)[3][2] > 0.01  # type: ignore[arg-type]


def _test(label: int, space: str, p: float, posterior: np.ndarray, seeds: np.ndarray | None,
          separation: float = 5.0) -> ClassTest:
    return ClassTest(label, space, len(posterior), 5.0, (0.0, 0.0), (0.0, 0.0), 2.33, p,  # type: ignore[arg-type]
                     posterior, test="traffic", separation=separation, seeds=seeds)


def _split(n: int, flagged: range) -> np.ndarray:
    post = np.zeros(n)
    post[list(flagged)] = 1.0
    return post


def test_flag_rows_stop_where_the_running_local_fdr_passes_the_level() -> None:
    post = np.array([0.99, 0.0, 0.97, 0.9, 0.2])
    # lfdr 0.01, 1.0, 0.03, 0.1, 0.8: sorted 0.01, 0.03, 0.1 -> running means 0.01, 0.02, 0.047, then 0.235
    assert flag_rows(post, 0.05).tolist() == [0, 2, 3]
    assert flag_rows(post, 0.015).tolist() == [0]
    assert flag_rows(np.zeros(4), 0.05).tolist() == []


def test_evidence_coverage_is_the_share_of_evidence_rows_flagged() -> None:
    evidence = np.array([True, True, False, True, False])
    assert evidence_coverage(np.array([0, 2]), evidence) == pytest.approx(1 / 3)
    assert evidence_coverage(np.array([0, 1, 3]), evidence) == 1.0
    assert evidence_coverage(np.array([0]), np.zeros(5, dtype=bool)) == 0.0


def test_row_source_takes_the_split_that_explains_the_evidence_not_the_smallest_p() -> None:
    # 100 rows; rows 0-19 poisoned. The Fourier test (smallest p, largest d') saw 12 of them out-voted,
    # its split flags 0-14; the normalised test saw all 20, its split flags 0-19
    fourier_seeds = np.zeros(100, dtype=bool)
    fourier_seeds[:12] = True
    normal_seeds = np.zeros(100, dtype=bool)
    normal_seeds[:20] = True
    tests = [_test(0, "neighbours", 1e-12, _split(100, range(15)), fourier_seeds, separation=12.0),
             _test(0, "normalised", 1e-6, _split(100, range(20)), normal_seeds, separation=9.0)]
    assert row_source(tests, [0, 1]) == 1
    assert row_source(tests, [0]) == 0  # only rejected tests compete
    # equal coverage of the evidence: the smaller p
    tied = [_test(0, "neighbours", 1e-3, _split(100, range(20)), normal_seeds),
            _test(0, "normalised", 1e-6, _split(100, range(20)), fourier_seeds)]
    assert row_source(tied, [0, 1]) == 1
    # no test brings evidence rows (the split statistic): the smallest p, as before
    blind = [_test(0, "features", 1e-3, _split(100, range(20)), None),
             _test(0, "activations", 1e-6, _split(100, range(5)), None)]
    assert row_source(blind, [0, 1]) == 1


def test_findings_take_rows_from_the_split_that_explains_the_evidence() -> None:
    fourier_seeds = np.zeros(100, dtype=bool)
    fourier_seeds[:12] = True
    normal_seeds = np.zeros(100, dtype=bool)
    normal_seeds[:20] = True
    clean = np.zeros(100)
    tests = [_test(0, "neighbours", 1e-12, _split(100, range(15)), fourier_seeds),
             _test(0, "normalised", 1e-8, _split(100, range(20)), normal_seeds),
             _test(1, "neighbours", 0.4, clean, None), _test(1, "normalised", 0.6, clean, None)]
    rows_of = {0: np.arange(100), 1: np.arange(100, 200)}
    (finding,) = _findings(tests, rows_of, 0.01, 0.01)  # fdr 0.01: no room for a clean row (1 / 21)
    assert finding.space == "normalised"
    assert finding.rows == tuple(range(20))
    assert finding.p_value == pytest.approx(1e-8 * 4 / 2)  # BH-adjusted p of the test that gave the rows


@pytest.mark.slow
def test_the_one_pair_patch_case_is_found_and_its_clean_control_stays_silent() -> None:
    """Regression (shapes-12x12x1, 3% patch, seed 5; F1 0.00 in session 4): the patched class's only
    other exchanging pair gave phi = 6 from one pair and hid 40 of 44 one-way rows."""
    from mlsecure.poisoning.calibrated import calibrated_scan
    from mlsecure.poisoning.metrics import detection_metrics
    from mlsecure.poisoning.suite import DATASETS, make_case

    spec = next(d for d in DATASETS if d.name == "shapes-12x12x1")
    case = make_case(spec, "patch", 0.03, 5)
    scan = calibrated_scan(case.x, case.y, seed=5)
    assert [f.label for f in scan.findings] == [case.target]
    assert detection_metrics(scan.flagged, case.poisoned).f1 >= 0.9
    clean = make_case(spec, "none", 0.0, 5)
    assert not calibrated_scan(clean.x, clean.y, seed=5).flagged.any()


def test_a_rejected_few_feature_test_stands_for_its_space() -> None:
    # a table: the traffic test's seeds are rows 0-59 (20 triggered rows 0-19 and 40 natural boundary
    # rows); its split settles on the natural rows 20-79 and covers more of them than the few-feature
    # split (rows 0-19, seeded by the triggered rows), yet the few-feature test refines that evidence
    traffic_seeds = np.zeros(200, dtype=bool)
    traffic_seeds[:60] = True
    few_seeds = np.zeros(200, dtype=bool)
    few_seeds[:20] = True
    traffic_test = _test(0, "neighbours", 1e-9, _split(200, range(20, 80)), traffic_seeds)
    few = ClassTest(0, "neighbours", 200, 30.0, (0.0, 0.0), (0.0, 0.0), 5.0, 1e-6, _split(200, range(20)),
                    test="few-feature", seeds=few_seeds)
    assert row_source([traffic_test, few], [0, 1]) == 1
    assert row_source([traffic_test, few], [0]) == 0  # few-feature not rejected: the traffic test's rows
    # another space's test still competes on that evidence: covering less of it, it loses; covering all
    # of it, it ties and the smaller p decides
    partial = _test(0, "normalised", 1e-9, _split(200, range(10)), None)
    assert row_source([traffic_test, few, partial], [0, 1, 2]) == 1
    full = _test(0, "normalised", 1e-9, _split(200, range(20)), None)
    assert row_source([traffic_test, few, full], [0, 1, 2]) == 2
