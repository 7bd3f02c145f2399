"""Features must be finite numbers and labels present (session-5 audit: an `inf` cell reached the robustness check
as an infinite input bound, whose error printed two numpy arrays and no file, column or row)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlsecure.cli.main import main
from mlsecure.data import load_dataset
from mlsecure.errors import DataFormatError, InputError


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n" + body)
    return path


@pytest.mark.parametrize(("cell", "words"), [("inf", "infinite value"), ("-inf", "infinite value"),
                                             ("1e39", "beyond float32"), ("", "missing value")])
def test_a_non_finite_feature_names_the_column_and_row(tmp_path: Path, cell: str, words: str) -> None:
    path = _csv(tmp_path, f"1,2,0\n3,{cell},1\n")
    with pytest.raises(DataFormatError, match=rf"t\.csv: .*{words}.* column 'b' at data row 2"):
        load_dataset(path)


def test_a_missing_label_names_the_row(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"missing label in column 'label' at data row 3"):
        load_dataset(_csv(tmp_path, "1,2,0\n3,4,1\n5,6,\n"))
    assert load_dataset(_csv(tmp_path, "1,2,0\n3,4,1\n5,6,\n"), require_labels=False).y is not None


@pytest.mark.parametrize(("arrays", "words"), [
    ({"x": np.array([[1.0, np.inf]]), "y": np.array([0])}, "infinite value"),
    ({"x": np.array([[1.0, np.nan]]), "y": np.array([0])}, "missing value"),
    ({"x": np.array(["a", "b"]), "y": np.array([0, 1])}, "must hold numbers"),
    ({"x": np.zeros((0, 2)), "y": np.zeros(0)}, "no samples"),
    ({"x": np.zeros((3, 2)), "y": np.zeros(2)}, "one label per sample"),
])
def test_npz_arrays_are_checked_like_tables(tmp_path: Path, arrays: dict[str, np.ndarray], words: str) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, **arrays)
    with pytest.raises(InputError, match=words):
        load_dataset(path)


def test_scan_on_an_infinite_cell_is_one_line_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, "".join(f"{i % 7},{'inf' if i == 4 else i},{i % 3}\n" for i in range(30)))
    assert main(["scan", "--scan", "poisoning", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "column 'b' at data row 5" in err
