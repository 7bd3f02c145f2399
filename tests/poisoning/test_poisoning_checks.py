"""``mlsecure scan --scan poisoning``: findings per abnormal class, the export, no false alarms."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlsecure.check import ScanContext
from mlsecure.data import Dataset, load_dataset
from mlsecure.errors import InputError, OutputError
from mlsecure.findings import Severity
from mlsecure.poisoning import simulate
from mlsecure.poisoning.checks import CHECKS, PoisoningCheck

torch = pytest.importorskip("torch")


def _write(tmp_path: Path, x: np.ndarray, y: np.ndarray, name: str) -> Path:
    frame = pd.DataFrame(x, columns=[f"pixel_{i}" for i in range(x.shape[1])])
    frame.insert(0, "note", [f"r{i}" for i in range(len(y))])  # a non-numeric column must round-trip
    frame["label"] = y
    path = tmp_path / name
    frame.drop(columns=["note"]).to_csv(path, index=False)
    frame.to_csv(tmp_path / f"full_{name}", index=False)
    return path


def _context(path: Path, model: object | None, **options: object) -> ScanContext:
    from mlsecure.models import as_model

    data = load_dataset(path)
    wrapped = as_model(model, input_shape=(64,)) if model is not None else None
    return ScanContext(model=wrapped, data=data, data_path=path, options=options)


def test_registered_in_the_poisoning_group() -> None:
    from mlsecure.scan.registry import groups

    assert (PoisoningCheck,) == CHECKS and "poisoning" in groups()["poisoning"]


def test_clean_digits_with_the_demo_model_raise_nothing(
    digits_split: tuple[Dataset, Dataset], digits_mlp: torch.nn.Module, tmp_path: Path
) -> None:
    train, _ = digits_split
    path = _write(tmp_path, train.x, train.y, "clean.csv")
    result = PoisoningCheck().execute(_context(path, digits_mlp, spaces="features,activations"))
    assert not [f for f in result.findings if f.severity >= Severity.MEDIUM]
    assert result.metrics["representation"] == "penultimate-layer activations"
    assert result.metrics["spaces"] == ["features", "activations"]


def test_backdoor_is_one_high_finding_with_rows_and_export(
    badnets_7: simulate.PoisonedData, tmp_path: Path
) -> None:
    path = _write(tmp_path, badnets_7.x, badnets_7.y, "poisoned.csv")
    out = tmp_path / "review" / "rows.csv"
    ctx = _context(path, None, export_suspicious=out, detectors="activation_clustering,spectral,knn")
    result = PoisoningCheck().execute(ctx)
    high = [f for f in result.findings if f.severity == Severity.HIGH]
    assert len(high) == 1 and high[0].id == "POI-001" and high[0].evidence["class"] == 3
    assert high[0].owasp == "ML02" and set(high[0].atlas) == {"AML.T0020", "AML.T0018"}
    rows = np.array(high[0].location.rows)
    assert np.isin(badnets_7.poisoned, rows).mean() >= 0.9 and np.isin(rows, badnets_7.poisoned).mean() >= 0.9
    exported = pd.read_csv(out)
    assert list(exported.columns[:3]) == ["row", "label", "detectors"]
    original = pd.read_csv(path)
    # the row column indexes the file (0-based, file order) and the original values follow unchanged
    np.testing.assert_allclose(exported[original.columns[:-1]].to_numpy(),
                               original.iloc[exported["row"]][original.columns[:-1]].to_numpy())
    assert (exported["row"].diff().dropna() > 0).all()
    assert "activation_clustering" in ";".join(exported["detectors"])
    assert pd.read_csv(path).shape == original.shape  # the data file is untouched


def test_export_refuses_to_overwrite_the_data(badnets_7: simulate.PoisonedData, tmp_path: Path) -> None:
    path = _write(tmp_path, badnets_7.x, badnets_7.y, "poisoned.csv")
    with pytest.raises(InputError):
        PoisoningCheck().execute(_context(path, None, export_suspicious=path, detectors="spectral"))


def test_export_refuses_a_link_to_the_data_and_leaves_no_partial_file(badnets_7: simulate.PoisonedData,
                                                                       tmp_path: Path) -> None:
    path = _write(tmp_path, badnets_7.x, badnets_7.y, "poisoned.csv")
    before = path.read_bytes()
    hard = tmp_path / "hard.csv"
    os.link(path, hard)
    soft = tmp_path / "soft.csv"
    soft.symlink_to(hard)
    for link in (hard, soft):
        with pytest.raises(OutputError, match="refusing to overwrite the input"):
            PoisoningCheck().execute(_context(path, None, export_suspicious=link, detectors="spectral"))
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.partial"))


def test_unknown_detector_option_is_an_input_error(badnets_7: simulate.PoisonedData, tmp_path: Path) -> None:
    path = _write(tmp_path, badnets_7.x[:200], badnets_7.y[:200], "small.csv")
    with pytest.raises(InputError):
        PoisoningCheck().execute(_context(path, None, detectors="nope"))
