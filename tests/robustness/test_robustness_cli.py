"""End to end: ``mlsecure scan --scan robustness`` on a TorchScript file and a CSV, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mlsecure.artifacts.load import save_torchscript  # noqa: E402
from mlsecure.cli.main import main  # noqa: E402


def test_scan_robustness_json_report(tmp_path: Path, digits_split, digits_mlp) -> None:  # type: ignore[no-untyped-def]
    _, test = digits_split
    model_path = tmp_path / "model.pt"
    save_torchscript(digits_mlp, model_path, input_shape=(64,), clip_values=(0.0, 1.0))
    csv = tmp_path / "test.csv"
    header = ",".join([f"p{i}" for i in range(64)] + ["label"])
    rows = np.column_stack([test.x[:60], test.y[:60]])
    np.savetxt(csv, rows, delimiter=",", header=header, comments="", fmt=["%.6f"] * 64 + ["%d"])
    out = tmp_path / "report.json"
    code = main(["scan", "--scan", "robustness", "--model", str(model_path), "--data", str(csv), "--epsilon", "0.1",
                 "--max-samples", "40", "--option", "attacks=fgsm,pgd,fmn", "--format", "json", "--output", str(out),
                 "--fail-on", "critical"])
    report = json.loads(out.read_text())
    metrics = report["metrics"]["adversarial-robustness"]
    assert metrics["samples"] == 40 and metrics["epsilons"] == [0.1]
    assert set(metrics["attacks_applied"]) == {"fgsm", "pgd", "fmn"}
    rob = [f for f in report["findings"] if f["id"] == "ROB-001"]
    assert rob and rob[0]["owasp"] == "ML01" and rob[0]["atlas"] == ["AML.T0043", "AML.T0015"]
    assert code == (1 if any(f["severity"] == "critical" for f in report["findings"]) else 0)
