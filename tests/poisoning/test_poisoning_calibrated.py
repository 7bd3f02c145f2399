"""The calibrated scan: silent on clean data, finds a poisoned sub-population, reports its evidence."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mlsecure.errors import InputError
from mlsecure.poisoning.calibrated import calibrated_scan, minority_posterior, otsu_dprime
from mlsecure.poisoning.metrics import detection_metrics
from mlsecure.poisoning.suite import DATASETS, make_case

TABULAR = replace(next(d for d in DATASETS if d.kind == "tabular"), n=1500)
SHAPES = replace(next(d for d in DATASETS if d.name == "shapes-12x12x1"), n=1800)


@pytest.mark.parametrize("seed", [11, *(pytest.param(s, marks=pytest.mark.slow) for s in (12, 13))])
def test_clean_tabular_controls_flag_at_most_one_percent(seed: int) -> None:
    case = make_case(TABULAR, "none", 0.0, seed)
    scan = calibrated_scan(case.x, case.y, seed=seed)
    assert scan.flagged.mean() <= 0.01
    assert all(t.p_value > 0.0 for t in scan.tests)


def test_pure_gaussian_classes_give_no_finding() -> None:
    rng = np.random.default_rng(5)
    y = np.repeat(np.arange(6), 300)
    x = rng.normal(0.0, 1.0, (len(y), 12)) + 3.0 * rng.normal(0.0, 1.0, (6, 12))[y]
    scan = calibrated_scan(x, y, seed=0)
    assert not scan.poison_found and not scan.flagged.any()
    # the statistic of a Gaussian class sits near its own bootstrap null (Otsu d' of a normal ~ 2.7)
    for t in (t for t in scan.tests if t.space != "neighbours"):
        assert 2.4 < t.null_boot[0] < 3.0
        assert t.statistic < t.null_q99 + 0.5


def test_tabular_trigger_at_five_percent_is_found_with_f1_over_0_9() -> None:
    case = make_case(TABULAR, "feature", 0.05, 3)
    scan = calibrated_scan(case.x, case.y, seed=0)
    m = detection_metrics(scan.flagged, case.poisoned)
    assert m.f1 >= 0.9, m
    (finding,) = scan.findings
    assert finding.label == case.target
    assert finding.statistic > finding.null_q99  # the evidence is stated against its null
    assert finding.p_value < 0.05
    assert 0.0 <= finding.expected_false <= 0.05 * len(finding.rows)


@pytest.mark.slow
def test_image_patch_at_ten_percent_in_input_space() -> None:
    # one of the suite's image cases (seed 1; benchmarks/poisoning.md lists the seeds where it fails)
    case = make_case(SHAPES, "patch", 0.10, 1)
    scan = calibrated_scan(case.x, case.y, seed=0)
    m = detection_metrics(scan.flagged, case.poisoned)
    assert m.f1 >= 0.9, m


def test_otsu_dprime_separates_two_populations_from_one() -> None:
    rng = np.random.default_rng(0)
    one = rng.normal(0.0, 1.0, 4000)
    two = np.concatenate([rng.normal(0.0, 1.0, 3000), rng.normal(8.0, 1.0, 1000)])
    # a standard normal split at its mean: groups at +-0.798 with sd 0.603 -> d' = 2.65
    assert otsu_dprime(one) == pytest.approx(2.65, abs=0.1)
    assert otsu_dprime(two) > 7.0


def test_minority_posterior_picks_the_smaller_group() -> None:
    rng = np.random.default_rng(1)
    proj = np.concatenate([rng.normal(0.0, 1.0, 900), rng.normal(-9.0, 1.0, 100)])
    post = minority_posterior(proj)
    assert post[900:].mean() > 0.99 and post[:900].mean() < 0.01


def test_bad_inputs_are_refused_with_a_reason() -> None:
    x = np.zeros((60, 3))
    with pytest.raises(InputError, match="three classes"):
        calibrated_scan(np.random.default_rng(0).normal(size=(60, 3)), np.repeat([0, 1], 30))
    x[0, 0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        calibrated_scan(x, np.repeat([0, 1, 2], 20))
    with pytest.raises(InputError, match="labels"):
        calibrated_scan(np.ones((10, 2)), np.zeros(9))


def test_the_check_reports_the_calibrated_evidence(tmp_path: object) -> None:
    from pathlib import Path

    import pandas as pd

    from mlsecure.check import ScanContext
    from mlsecure.data import load_dataset
    from mlsecure.findings import Severity
    from mlsecure.poisoning.checks import PoisoningCheck

    case = make_case(TABULAR, "feature", 0.05, 3)
    frame = pd.DataFrame(case.x, columns=[f"f{i}" for i in range(case.x.shape[1])])
    frame["label"] = case.y
    path = Path(str(tmp_path)) / "train.csv"
    frame.to_csv(path, index=False)
    ctx = ScanContext(model=None, data=load_dataset(path), data_path=path, options={})
    result = PoisoningCheck().execute(ctx)
    (finding,) = result.findings
    assert finding.severity in (Severity.HIGH, Severity.MEDIUM) and finding.evidence["class"] == case.target
    ev = finding.evidence
    assert ev["statistic"] > ev["null_q99"] and ev["p_value_corrected"] < 0.01
    assert 0.0 <= ev["expected_false_flags"] <= 0.05 * ev["flagged_rows"]
    rows = np.array(finding.location.rows)
    assert detection_metrics(np.isin(np.arange(len(case.y)), rows), case.poisoned).f1 >= 0.9
    assert result.metrics["method"] == "calibrated" and len(result.metrics["class_tests"]) == 10
    assert {t["test"] for t in result.metrics["class_tests"]} == {"traffic", "few-feature"}  # both by default
    ctx = ScanContext(model=None, data=load_dataset(path), data_path=path, options={"few_feature": "no"})
    opted_out = PoisoningCheck().execute(ctx)
    assert {t["test"] for t in opted_out.metrics["class_tests"]} == {"traffic"}
    assert len(opted_out.metrics["class_tests"]) == 5
