"""Table and array loading: formats, label detection, and specific errors for bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlsecure.data import load_array, load_builtin, load_dataset, load_table
from mlsecure.errors import DataFormatError, InputError


def test_csv_with_label_found_by_name(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_text("a,b,Target\n1,2,0\n3,4,1\n")
    data = load_dataset(path)
    assert data.label_name == "Target" and data.feature_names == ("a", "b")
    np.testing.assert_array_equal(data.x, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(data.y, [0, 1])


def test_tsv_parquet_jsonl_npz_give_the_same_dataset(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"f1": [0.5, 1.5, 2.5], "f2": [1.0, 2.0, 3.0], "label": [0, 1, 0]})
    frame.to_csv(tmp_path / "d.tsv", sep="\t", index=False)
    frame.to_parquet(tmp_path / "d.parquet")
    frame.to_json(tmp_path / "d.jsonl", orient="records", lines=True)
    np.savez(tmp_path / "d.npz", x=frame[["f1", "f2"]].to_numpy(), y=frame["label"].to_numpy())
    loaded = [load_dataset(tmp_path / name) for name in ("d.tsv", "d.parquet", "d.jsonl", "d.npz")]
    for data in loaded:
        np.testing.assert_allclose(data.x, frame[["f1", "f2"]].to_numpy())
        np.testing.assert_array_equal(data.y, [0, 1, 0])


def test_explicit_label_column(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("x1,outcome\n1,1\n2,0\n")
    assert load_dataset(path, label_column="outcome").y.tolist() == [1, 0]  # type: ignore[union-attr]
    with pytest.raises(InputError, match="no column named 'nope'"):
        load_dataset(path, label_column="nope")


def test_missing_label_column_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("x1,x2\n1,1\n")
    with pytest.raises(InputError, match="no label column"):
        load_dataset(path)


def test_ragged_rows_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,label\n1,2,0\n3,4\n")
    with pytest.raises(DataFormatError, match=r"line 3 has 2 fields but the header has 3"):
        load_table(path)


def test_bad_encoding_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,label\nJos\xe9,1\n".encode("latin-1"))
    with pytest.raises(DataFormatError, match="not UTF-8"):
        load_table(path)
    with pytest.raises(InputError, match="no such file"):
        load_table(tmp_path / "absent.csv")


def test_non_numeric_feature_is_named(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("city,label\nParis,1\nRome,0\n")
    with pytest.raises(DataFormatError, match="column 'city' is not numeric"):
        load_dataset(path)


def test_object_arrays_are_refused_not_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataFormatError, match="Python objects"):
        load_array(path)


def test_builtin_datasets_shapes() -> None:
    digits = load_builtin("digits")
    assert digits.x.shape == (1797, 64) and digits.x.min() >= 0.0 and digits.x.max() == 1.0
    assert load_builtin("breast_cancer").x.shape == (569, 30)
    assert load_builtin("wine").x.shape == (178, 13)
    with pytest.raises(InputError, match="unknown built-in dataset"):
        load_builtin("mnist")


def test_read_json_object_names_file_and_purpose(tmp_path: Path) -> None:
    from mlsecure.data.tables import read_json_object

    good = tmp_path / "p.json"
    good.write_text('{"a": 1}')
    assert read_json_object(good, "provenance") == {"a": 1}
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(InputError, match=r"bad\.json: the signature is not valid JSON"):
        read_json_object(bad, "signature")
    arr = tmp_path / "arr.json"
    arr.write_text("[1, 2]")
    with pytest.raises(InputError, match="the baseline must be a JSON object"):
        read_json_object(arr, "baseline")
    with pytest.raises(InputError, match="no such file \\(the provenance"):
        read_json_object(tmp_path / "absent.json", "provenance")
