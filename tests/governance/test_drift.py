"""Train/serve skew: known answers against scipy and by hand, calibration under no drift, power against
planted drift (a mean shift, a correlation flip with identical marginals, label shift), schema cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression

from mlsecure.check import ScanContext
from mlsecure.data import dataset_from_table
from mlsecure.findings import Finding
from mlsecure.governance import drift as st
from mlsecure.governance.drift_checks import DriftCheck
from mlsecure.models import as_model

# ----- known answers ----------------------------------------------------------------------------------


def test_ks_and_wasserstein_equal_scipy_column_by_column_with_missing_values() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 4)), rng.normal(0.2, 1.3, size=(250, 4))
    a[:, 2] = np.round(a[:, 2], 1)  # ties
    b[:, 2] = np.round(b[:, 2], 1)
    b[:7, 1] = np.nan
    t = st.numeric_drift(a, b)
    for j in range(4):
        bj = b[:, j][~np.isnan(b[:, j])]
        ref = stats.ks_2samp(a[:, j], bj, method="asymp")
        assert t.ks_statistic[j] == pytest.approx(ref.statistic, abs=1e-12)
        assert t.ks_pvalue[j] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)
        assert t.wasserstein[j] == pytest.approx(stats.wasserstein_distance(a[:, j], bj), rel=1e-9)
    assert t.n_current.tolist() == [250, 243, 250, 250]


def test_chi_square_equals_scipy_chi2_contingency_without_correction() -> None:
    rng = np.random.default_rng(1)
    ref = rng.choice(list("abcd"), size=500, p=[0.4, 0.3, 0.2, 0.1])
    cur = rng.choice(list("abcd"), size=400, p=[0.3, 0.3, 0.3, 0.1])
    table = np.array([[np.sum(ref == c) for c in "abcd"], [np.sum(cur == c) for c in "abcd"]])
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    got = st.categorical_drift(ref, cur)
    assert (got.chi2, got.pvalue, got.dof, got.pooled) == (pytest.approx(chi2), pytest.approx(p), dof, 0)


def test_rare_categories_are_pooled_before_chi_square() -> None:
    # expected counts of the last two columns are below 5: they form one bucket of (6, 5), itself >= 5
    pooled, n = st.pool_rare(np.array([[100.0, 80.0, 3.0, 3.0], [90.0, 95.0, 3.0, 2.0]]))
    assert n == 2 and pooled.tolist() == [[100.0, 80.0, 6.0], [90.0, 95.0, 5.0]]
    # a bucket still below 5, (3, 4), joins the smallest kept category
    pooled, n = st.pool_rare(np.array([[100.0, 80.0, 2.0, 1.0], [90.0, 95.0, 1.0, 3.0]]))
    assert n == 2 and pooled.tolist() == [[100.0, 83.0], [90.0, 99.0]]


def test_psi_hand_computed() -> None:
    # r = (0.5, 0.5), c = (0.25, 0.75): (0.25-0.5) ln(0.5) + (0.75-0.5) ln(1.5) = 0.173287 + 0.101366
    assert st.psi(np.array([50, 50]), np.array([25, 75])) == pytest.approx(0.274653, abs=1e-6)
    assert st.psi(np.array([10, 30]), np.array([20, 60])) == pytest.approx(0.0)


def test_mmd2_unbiased_hand_computed_and_batched() -> None:
    # linear kernel k(u, v) = u v on x = {0, 1}, y = {2, 4}: within-x off-diagonal 0*1 = 0, within-y 2*4 = 8,
    # cross sum 0*2 + 0*4 + 1*2 + 1*4 = 6, so MMD^2_u = 0/2*2/2... = 0 + 8 - 2 * 6 / 4 = 5
    z = np.array([0.0, 1.0, 2.0, 4.0])
    kernel = np.outer(z, z)
    labels = np.array([True, True, False, False])
    assert float(st.mmd2_unbiased(kernel, labels)) == pytest.approx(5.0)
    perms = np.array([labels, labels[::-1], [True, False, True, False]])
    batched = st.mmd2_unbiased(kernel, perms)
    assert batched.tolist() == pytest.approx([float(st.mmd2_unbiased(kernel, p)) for p in perms])


def test_benjamini_hochberg_equals_scipy() -> None:
    p = np.random.default_rng(2).uniform(size=60) ** 3
    assert st.benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p, method="bh"))


def test_bbse_recovers_known_label_weights() -> None:
    # C[i, j] = P(yhat=i, y=j) with p(y) = (0.5, 0.5); current q = (0.8, 0.2) so w = (1.6, 0.4), mu = C w
    confusion = np.array([[0.45, 0.10], [0.05, 0.40]])
    w, q = st.bbse(confusion, confusion @ np.array([1.6, 0.4]))
    assert w == pytest.approx([1.6, 0.4]) and q == pytest.approx([0.8, 0.2])


def test_newcombe_interval_covers_the_difference() -> None:
    low, high = st.difference_interval(900, 1000, 800, 1000)
    assert low < -0.1 < high < 0


# ----- calibration and power --------------------------------------------------------------------------


def _table(n: int, d: int, seed: int, *, shift: dict[int, float] | None = None, flip: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    for j, s in (shift or {}).items():
        x[:, j] += s
    if flip:  # f0, f1 keep N(0, 1) marginals, their correlation flips sign
        x[:, 1] = -0.9 * x[:, 0] + np.sqrt(1 - 0.81) * x[:, 1]
    else:
        x[:, 1] = 0.9 * x[:, 0] + np.sqrt(1 - 0.81) * x[:, 1]
    frame = pd.DataFrame(x, columns=[f"f{j}" for j in range(d)])
    frame["city"] = rng.choice(["north", "south", "east", "west", "rare"], size=n, p=[0.3, 0.3, 0.2, 0.197, 0.003])
    frame["count"] = rng.poisson(3, size=n)
    return frame


def _run(tmp_path: Path, ref: pd.DataFrame, cur: pd.DataFrame, **options: str) -> tuple[list[Finding], dict[str, Any]]:
    ref_path, cur_path = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.to_csv(ref_path, index=False)
    cur.to_csv(cur_path, index=False)
    ctx = ScanContext(data_path=ref_path, options={"current": str(cur_path), **options})
    result = DriftCheck().execute(ctx)
    return list(result.findings), dict(result.metrics) | {"_figures": result.figures}


def test_no_drift_false_finding_rate_at_most_nominal(tmp_path: Path) -> None:
    seeds = range(30)
    with_findings, pvalues = 0, []
    for seed in seeds:
        findings, metrics = _run(tmp_path, _table(1500, 20, 2 * seed), _table(1200, 20, 2 * seed + 1),
                                 multivariate="none")
        with_findings += bool(findings)
        pvalues += [f["pvalue"] for f in metrics["features"] if f["test"] == "ks"]
    assert with_findings / len(seeds) <= 0.05
    # the raw KS p-values are close to uniform: rejection rate at 0.05 within 2 standard errors
    assert np.mean(np.asarray(pvalues) < 0.05) <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / len(pvalues))


@pytest.mark.slow
def test_no_drift_multivariate_false_finding_rate_at_most_nominal(tmp_path: Path) -> None:
    hits = 0
    for seed in range(20):
        findings, _ = _run(tmp_path, _table(1000, 8, 100 + 2 * seed), _table(1000, 8, 101 + 2 * seed),
                           n_perm="100", mmd_samples="500", c2st_samples="1000", seed=str(seed))
        hits += any(f.id in ("SKEW-020", "SKEW-021") for f in findings)
    assert hits / 20 <= 0.05


def test_small_mean_shift_in_one_of_fifty_features_is_found_and_named(tmp_path: Path) -> None:
    findings, metrics = _run(tmp_path, _table(3000, 50, 7), _table(3000, 50, 8, shift={17: 0.3}),
                             multivariate="none")
    drifted = [f for f in findings if f.id == "SKEW-010"]
    assert [f.location.column for f in drifted] == ["f17"]
    assert drifted[0].evidence["columns"] == ["f17"]
    assert drifted[0].evidence["wasserstein_in_sigmas"] == pytest.approx(0.3, abs=0.08)
    assert drifted[0].owasp == "ML08" and drifted[0].check == "drift"
    assert metrics["features_tested"] == 52
    figure = metrics["_figures"]["drift_features"]
    assert figure.kind == "bar" and figure.x_ticks[0] == "f17"


def test_correlation_flip_found_by_multivariate_test_missed_per_feature(tmp_path: Path) -> None:
    findings, metrics = _run(tmp_path, _table(3000, 5, 11), _table(3000, 5, 12, flip=True),
                             n_perm="100", mmd_samples="600")
    ids = {f.id for f in findings}
    assert "SKEW-010" not in ids
    assert "SKEW-020" in ids
    assert metrics["c2st"]["auc"] > 0.8 and set(metrics["c2st"]["top_features"][:2]) == {"f0", "f1"}
    assert "drift_mmd_null" in metrics["_figures"]


# ----- schema -----------------------------------------------------------------------------------------


def test_schema_skew_each_a_finding_naming_the_column(tmp_path: Path) -> None:
    ref = _table(2000, 6, 21)
    cur = _table(2000, 6, 22)
    cur = cur.rename(columns={"f4": "f4_renamed"}).drop(columns=["f5"])
    cur["session_id"] = np.arange(len(cur))
    cur["f2"] = cur["f2"].map(lambda v: "unknown" if v > 1.5 else f"{v:.4f}")  # numeric became text
    cur.loc[:100, "f3"] = 50.0  # outside the training range
    cur.loc[:60, "city"] = "atlantis"  # a category never seen
    cur.loc[:200, "f0"] = np.nan  # missingness rises from 0 to 10%
    findings, _ = _run(tmp_path, ref, cur, multivariate="none")
    # one finding per kind of change; a kind met in several columns names them all, with a details row each
    by: dict[tuple[str, str | None], dict[str, Any]] = {}
    for f in findings:
        rows = f.evidence.get("details") or [{"column": f.location.column, **f.evidence}]
        by.update({(f.id, row["column"]): row for row in rows})
    assert {("SKEW-001", "f4"), ("SKEW-001", "f5"), ("SKEW-002", "f4_renamed"), ("SKEW-002", "session_id"),
            ("SKEW-003", "f2"), ("SKEW-004", "f3"), ("SKEW-005", "city"), ("SKEW-006", "f0")} <= set(by)
    missing = [f for f in findings if f.id == "SKEW-001"]
    assert len(missing) == 1 and missing[0].evidence["columns"] == ["f4", "f5"]
    assert missing[0].title == "Training column missing from serving data: 2 columns: f4, f5"
    assert by[("SKEW-001", "f4")]["possibly_renamed_to"] == "f4_renamed"
    assert by[("SKEW-003", "f2")]["unparseable_values"] > 0
    assert "atlantis" not in str([f.to_dict() for f in findings])  # category values are masked


def test_skips_with_reason_without_current_data(tmp_path: Path) -> None:
    path = tmp_path / "ref.csv"
    _table(100, 3, 0).to_csv(path, index=False)
    reason = DriftCheck().applicable(ScanContext(data_path=path))
    assert reason is not None and "current=PATH" in reason
    assert "holdout" in (DriftCheck().applicable(ScanContext(data_path=path, options={"current": "holdout"})) or "")


# ----- with a model -----------------------------------------------------------------------------------


def _labelled(n: int, seed: int, positive_rate: float, noise: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=n) < positive_rate).astype(int)
    x = rng.normal(size=(n, 3)) + y[:, None] * 1.5
    flip = rng.uniform(size=n) < noise
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "label": np.where(flip, 1 - y, y)})


def _model_run(tmp_path: Path, ref: pd.DataFrame, cur: pd.DataFrame) -> tuple[list[Finding], dict[str, Any]]:
    ref_path, cur_path = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.to_csv(ref_path, index=False)
    cur.to_csv(cur_path, index=False)
    data = dataset_from_table(ref, source=str(ref_path))
    model = as_model(LogisticRegression().fit(data.x, data.y))
    ctx = ScanContext(model=model, data=data, data_path=ref_path,
                      options={"current": str(cur_path), "multivariate": "none"})
    result = DriftCheck().execute(ctx)
    return list(result.findings), dict(result.metrics)


def test_label_shift_estimated_by_bbse_without_serving_labels(tmp_path: Path) -> None:
    findings, metrics = _model_run(tmp_path, _labelled(4000, 1, 0.5), _labelled(4000, 2, 0.8).drop(columns="label"))
    est = metrics["label_shift_bbse"]["estimated_current_label_rates"]
    assert est[1] == pytest.approx(0.8, abs=0.04)
    assert {"SKEW-030", "SKEW-033"} <= {f.id for f in findings}


def test_accuracy_drop_with_interval_when_serving_labels_exist(tmp_path: Path) -> None:
    findings, metrics = _model_run(tmp_path, _labelled(4000, 1, 0.5), _labelled(4000, 3, 0.5, noise=0.15))
    acc = metrics["accuracy"]
    assert acc["interval"][0] < acc["change"] < acc["interval"][1] < 0
    assert acc["change"] == pytest.approx(-0.15 * (2 * acc["reference"] - 1), abs=0.04)
    assert "SKEW-032" in {f.id for f in findings}


def test_whole_number_columns_read_as_int_are_not_skew(digits_split: Any) -> None:
    """Regression (found on the demo's CSVs): a held-out split of the same data, where CSV type inference read
    the columns that happen to hold only whole numbers as int64, has no schema issue and no drifted feature;
    the one column really shifted is the only one named."""
    from mlsecure.governance.drift_tables import audit_tables

    train, test = digits_split
    cols = [f"pixel_{i}" for i in range(train.x.shape[1])]
    ref = pd.DataFrame(train.x / 16.0, columns=cols)
    cur = pd.DataFrame(test.x / 16.0, columns=cols)
    whole = [c for c in cols if (cur[c] == cur[c].round()).all()]
    assert whole  # the digits border pixels: all zeros in the held-out split
    cur[whole] = cur[whole].astype(np.int64)
    same = audit_tables(ref, cur)
    assert same.schema == () and not [f for f in same.features if f.qvalue <= 0.05 and f.psi >= 0.1]
    shifted = cur.copy()
    shifted["pixel_20"] = np.minimum(shifted["pixel_20"] + 0.4, 1.0)
    drifted = [f.column for f in audit_tables(ref, shifted).features if f.qvalue <= 0.05 and f.psi >= 0.1]
    assert drifted == ["pixel_20"]


def test_drift_in_several_columns_is_one_finding_naming_them(tmp_path: Path) -> None:
    findings, _ = _run(tmp_path, _table(2000, 10, 31), _table(2000, 10, 32, shift={2: 1.0, 5: 0.6, 7: 0.4}),
                       multivariate="none")
    drifted = [f for f in findings if f.id == "SKEW-010"]
    assert len(drifted) == 1
    assert drifted[0].evidence["columns"] == ["f2", "f5", "f7"]  # most drifted first
    assert [d["column"] for d in drifted[0].evidence["details"]] == ["f2", "f5", "f7"]
    assert drifted[0].title == "Feature distributions drifted in 3 columns: f2, f5, f7"
    assert drifted[0].location.column is None
