"""A check the user names that cannot run is a failing finding (SCAN-004), never a quiet skip with exit 0;
reached through ``all`` it stays a skip with its reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlsecure.cli.main import main


@pytest.fixture
def binary_csv(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    frame["label"] = np.arange(60) % 2
    path = tmp_path / "binary.csv"
    frame.to_csv(path, index=False)
    return path


def test_named_check_that_does_not_apply_fails_the_scan(binary_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = main(["scan", "--scan", "poisoning", "--data", str(binary_csv), "--format", "json", "-o", str(out)])
    import json

    report = json.loads(out.read_text())
    ids = [f["id"] for f in report["findings"]]
    assert code == 1
    assert ids == ["SCAN-004"]
    assert report["findings"][0]["evidence"]["check"] == "poisoning"
    assert "at least 3 classes" in report["findings"][0]["evidence"]["reason"]


def test_named_check_without_its_model_fails_the_scan(binary_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = main(["scan", "--scan", "robustness", "--data", str(binary_csv), "--format", "json", "-o", str(out)])
    import json

    report = json.loads(out.read_text())
    assert code == 1
    assert [f["id"] for f in report["findings"]] == ["SCAN-004"]
    assert "model" in report["findings"][0]["evidence"]["reason"]
