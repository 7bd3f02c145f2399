"""The fairness check and the ``governance fairness`` command on the synthetic biased dataset, whose
injected label bias is known: with no bias the four-fifths rule holds, with strong bias it fails."""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mlsecure.check import ScanContext
from mlsecure.cli import governance_cmd
from mlsecure.data import dataset_from_table
from mlsecure.errors import InputError
from mlsecure.findings import Report, Severity
from mlsecure.governance.checks import FairnessCheck, model_features, positive_index
from mlsecure.governance.fairness import audit_fairness
from mlsecure.governance.fairness_findings import Thresholds, fairness_figures, fairness_findings
from mlsecure.governance.synthetic import FEATURES, make_biased_table
from mlsecure.models import as_model


def _fit(table: pd.DataFrame, columns: list[str]) -> LogisticRegression:
    return LogisticRegression().fit(table[columns].to_numpy(np.float32), table["label"])


def _ctx(tmp_path: Path, bias: float, **options: str) -> ScanContext:
    table = make_biased_table(3000, label_bias=bias, seed=1)
    path = tmp_path / "eval.csv"
    table.to_csv(path, index=False)
    model = as_model(_fit(table, list(FEATURES)))
    data = dataset_from_table(table.drop(columns=["group"]), source=str(path))
    return ScanContext(model=model, data=data, data_path=path, options={"sensitive": "group", **options})


def test_no_bias_no_disparity_finding(tmp_path: Path) -> None:
    result = FairnessCheck().execute(_ctx(tmp_path, 0.0))
    ids = {f.id for f in result.findings}
    assert not ids & {"FAIR-001", "FAIR-002"}
    assert result.metrics["demographic_parity_ratio"] > 0.8
    assert result.metrics["demographic_parity_ratio_low"] <= result.metrics["demographic_parity_ratio"]
    assert [r["group"] for r in result.metrics["groups"]] == ["A", "B"]
    assert len(result.metrics["group_intervals"]) == 8


def test_strong_bias_fails_four_fifths_with_high_severity(tmp_path: Path) -> None:
    result = FairnessCheck().execute(_ctx(tmp_path, 0.6))
    by_id = {f.id: f for f in result.findings}
    assert by_id["FAIR-001"].severity is Severity.HIGH  # the whole 95% interval is below 0.8
    assert by_id["FAIR-001"].owasp == "ML08" and "AML.T0048.002" in by_id["FAIR-001"].atlas
    assert by_id["FAIR-001"].check == "fairness"
    ev = by_id["FAIR-001"].evidence["demographic_parity_ratio"]
    assert isinstance(ev, dict) and ev["high"] < 0.8
    assert by_id["FAIR-001"].evidence["lowest_group"] == "B"
    assert set(result.figures) == {f"fairness_{m}" for m in ("selection_rate", "accuracy", "tpr", "fpr")}
    fig = result.figures["fairness_selection_rate"]
    assert fig.kind == "bar" and fig.x_ticks == ("A", "B")


def test_applicable_reasons(tmp_path: Path, digits_logreg: object) -> None:
    ctx = _ctx(tmp_path, 0.0)
    assert "sensitive=COLUMN" in (FairnessCheck().applicable(ScanContext(model=ctx.model, data=ctx.data)) or "")
    multi = ScanContext(model=as_model(digits_logreg), options={"sensitive": "g"})
    assert "positive=LABEL" in (FairnessCheck().applicable(multi) or "")
    assert FairnessCheck().applicable(ctx) is None


def test_sensitive_column_dropped_when_model_is_narrower(tmp_path: Path) -> None:
    table = make_biased_table(200, seed=2)
    table["group_code"] = (table["group"] == "B").astype(int)
    model = as_model(_fit(table, list(FEATURES)))
    data = dataset_from_table(table.drop(columns=["group"]))
    x = model_features(model, data, "group_code")
    np.testing.assert_array_equal(x, table[list(FEATURES)].to_numpy(np.float32))
    with pytest.raises(InputError, match="features but the model expects"):
        model_features(model, data, "x1_missing")


def test_sensitive_file_and_row_mismatch(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, 0.4)
    side = tmp_path / "groups.csv"
    pd.read_csv(ctx.need_data_path())[["group"]].rename(columns={"group": "sex"}).to_csv(side, index=False)
    result = FairnessCheck().execute(ScanContext(model=ctx.model, data=ctx.data, data_path=ctx.data_path,
                                                 options={"sensitive": "sex", "sensitive_file": str(side)}))
    assert result.metrics["attribute"] == "sex"
    pd.DataFrame({"sex": ["a", "b"]}).to_csv(side, index=False)
    with pytest.raises(InputError, match="row-aligned"):
        FairnessCheck().execute(ScanContext(model=ctx.model, data=ctx.data, data_path=ctx.data_path,
                                            options={"sensitive": "sex", "sensitive_file": str(side)}))


def test_positive_index_by_class_name() -> None:
    clf = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array(["no", "no", "yes", "yes"]))
    model = as_model(clf)
    assert positive_index(model, "yes") == 1 and positive_index(model, None) == 1
    with pytest.raises(InputError, match="not one of the model's classes"):
        positive_index(model, "maybe")


def test_findings_thresholds_and_thin_groups() -> None:
    # 60% vs 45% selection: ratio 0.75 < 0.8; small n so the interval straddles 0.8 -> medium
    pred = np.r_[np.ones(12), np.zeros(8), np.ones(9), np.zeros(11)].astype(int)
    y = pred.copy()
    audit = audit_fairness(y, pred, np.r_[["A"] * 20, ["B"] * 20], n_boot=500)
    found = {f.id: f for f in fairness_findings(audit)}
    assert found["FAIR-001"].severity is Severity.MEDIUM
    assert found["FAIR-004"].severity is Severity.INFO  # both groups under 30 rows
    assert not fairness_findings(audit, thresholds=Thresholds(ratio=0.7, min_group=10))
    assert len(fairness_figures(audit)["fairness_tpr"].series) == 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlsecure")
    governance_cmd.register(parser.add_subparsers(dest="command"))
    return parser


def test_cli_fairness_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = make_biased_table(2000, label_bias=0.6, seed=3)
    data = tmp_path / "eval.csv"
    table.to_csv(data, index=False)
    model = tmp_path / "model.pkl"
    model.write_bytes(pickle.dumps(_fit(table, list(FEATURES))))
    args = _parser().parse_args(["governance", "fairness", "--model", str(model), "--data", str(data),
                                 "--sensitive", "group", "--n-boot", "200", "--format", "json"])
    assert governance_cmd.run(args) == 1  # FAIR-001 high >= --fail-on high
    report = Report.from_json(capsys.readouterr().out)
    assert report.checks_run == ["fairness"]
    assert report.metrics["fairness"]["n_boot"] == 200
    assert "FAIR-001" in {f.id for f in report.findings}


def test_cli_fairness_missing_column(tmp_path: Path) -> None:
    table = make_biased_table(100, seed=3)
    data = tmp_path / "eval.csv"
    table.to_csv(data, index=False)
    model = tmp_path / "model.pkl"
    model.write_bytes(pickle.dumps(_fit(table, list(FEATURES))))
    args = _parser().parse_args(["governance", "fairness", "--model", str(model), "--data", str(data),
                                 "--sensitive", "race"])
    with pytest.raises(InputError, match="no sensitive column 'race'"):
        governance_cmd.run(args)


def test_metrics_json_serialisable(tmp_path: Path) -> None:
    result = FairnessCheck().execute(_ctx(tmp_path, 0.3))
    text = json.dumps(dict(result.metrics), allow_nan=False)  # strict JSON: no NaN/Infinity leaks out
    assert json.loads(text) == json.loads(json.dumps(dict(result.metrics), allow_nan=False))
    assert "NaN" not in text and "Infinity" not in text
