"""``mlsecure scan -o`` never writes through a file the scan reads, also when the scan found that file
itself: data recorded in the model file, or a path given as an ``--option`` value (session-5 audit: both
were overwritten with the report under ``--force``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlsecure.cli.main import main


def _table(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"]).assign(label=np.arange(40) % 3)
    frame.to_csv(path, index=False)
    return path


def test_a_path_given_as_an_option_value_is_never_the_report(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    train, serving = _table(tmp_path / "train.csv", 0), _table(tmp_path / "serving.csv", 1)
    before = serving.read_bytes()
    code = main(["scan", "--scan", "drift", "--data", str(train), "--option", f"current={serving}",
                 "--format", "json", "-o", str(serving), "--force"])
    assert code == 2
    assert "refusing to overwrite the input" in capsys.readouterr().err
    assert serving.read_bytes() == before


def test_data_recorded_in_the_model_file_is_never_the_report(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    torch = pytest.importorskip("torch")
    from mlsecure.artifacts.load import save_torchscript

    _table(tmp_path / "train.csv", 0)
    holdout = _table(tmp_path / "holdout.csv", 1)
    model = tmp_path / "model.pt"
    save_torchscript(torch.nn.Linear(3, 3), model, input_shape=(3,), train_data="train.csv",
                     holdout_data="holdout.csv")
    before = holdout.read_bytes()
    code = main(["scan", "--scan", "robustness", "--model", str(model), "--format", "json", "-o", str(holdout),
                 "--force"])
    assert code == 2
    err = capsys.readouterr().err
    assert "refusing to overwrite the input" in err and "holdout.csv" in err
    assert holdout.read_bytes() == before
