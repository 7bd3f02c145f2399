"""The JSON Lines reader: the same frames and JSON values as the session-7 reader it replaced, and the values
a JSONL field holds as read travel beside the frame (``LoadedTable``), so a copy cannot drop them unseen and
a reordered frame is refused instead of written with the wrong rows' values."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonl_reader_s7 import read_jsonl_s7

from mlsecure.data import tables
from mlsecure.data.tables import LoadedTable, load_table, read_table
from mlsecure.errors import DataFormatError, InputError
from mlsecure.privacy.pii.frame import to_polars

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)
LEAVES = (st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.integers(-5, 5)
          | st.floats(allow_nan=False, allow_infinity=False) | TEXT)
SCALARS = {
    "int": st.none() | st.integers(-(2**63), 2**63 - 1),
    "uint": st.none() | st.integers(2**63, 2**64 - 1) | st.integers(0, 5),
    "huge": st.integers(-(2**65), 2**65),  # may not fit 64 bits: the error must be the same
    "float": st.none() | st.floats(allow_nan=False, allow_infinity=False),
    "float_int": st.none() | st.floats(-3, 3) | st.integers(-3, 3),
    "str": st.none() | TEXT,
    "bool": st.none() | st.booleans(),
    "null": st.none(),
    "any": st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                        max_leaves=5),
}


@st.composite
def jsonl_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    kinds = draw(st.dictionaries(st.sampled_from("abcdefg"), st.sampled_from(sorted(SCALARS)), min_size=1, max_size=5))
    return [{k: draw(SCALARS[kind]) for k, kind in kinds.items() if draw(st.integers(0, 4))}  # fields may be absent
            for _ in range(draw(st.integers(1, 9)))]


def _both(path: Path) -> tuple[Any, Any]:
    """(frame, values) or the error message, from the session-7 reader and from ``read_table``."""
    try:
        old: Any = read_jsonl_s7(pd, path, path)
    except DataFormatError as exc:
        old = str(exc)
    try:
        loaded = tables._read_jsonl(pd, path, path)
        new: Any = (loaded.frame, dict(loaded.json_values))
    except DataFormatError as exc:
        new = str(exc)
    return old, new


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jsonl_rows(), st.integers(1, 4), st.booleans())
def test_property_reader_gives_the_session_7_frame_and_values(rows: list[dict[str, Any]], chunk: int,
                                                              blank_lines: bool) -> None:
    """Same columns, dtypes, cells and held JSON values (or the same error), whatever the chunk size."""
    with tempfile.TemporaryDirectory() as tmp, patch.object(tables, "JSONL_CHUNK", chunk):
        path = Path(tmp) / "t.jsonl"
        sep = "\n\n" if blank_lines else "\n"
        path.write_text("".join(json.dumps(r) + sep for r in rows), encoding="utf-8")
        old, new = _both(path)
    if isinstance(old, str) or isinstance(new, str):
        assert old == new
        return
    pd.testing.assert_frame_equal(new[0], old[0], check_exact=True)
    assert list(new[1]) == list(old[1])
    for name, values in old[1].items():
        assert [(type(v), v) for v in new[1][name]] == [(type(v), v) for v in values]


def test_reader_on_a_known_table(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": 1, "m": {"a": [1, 2.5]}, "x": 1}\n\n{"id": 2, "x": 2.5, "s": "02134"}\n', encoding="utf-8")
    loaded = read_table(path)
    assert list(loaded.frame.columns) == ["id", "m", "x", "s"]
    assert loaded.frame["id"].dtype == "int64" and loaded.frame["x"].dtype == "float64"
    assert loaded.frame["m"].tolist() == ['{"a":[1,2.5]}', None] and loaded.frame["s"].tolist()[1] == "02134"
    assert dict(loaded.json_values) == {"m": [{"a": [1, 2.5]}, None], "x": [1, 2.5]}
    assert type(loaded.json_values["x"][0]) is int
    assert not load_table(path).attrs  # nothing kept inside the frame any more


def _nested(tmp_path: Path) -> LoadedTable:
    path = tmp_path / "t.jsonl"
    rows = [{"m": {"k": i}, "mix": i if i % 2 else str(i), "n": i} for i in range(4)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return read_table(path)


def test_a_copied_frame_keeps_its_json_values(tmp_path: Path) -> None:
    """Session 7 matched the values to the frame by index identity in ``frame.attrs``: ``frame.copy()`` made a
    new index object, and the copy's nested fields became JSON text without a word. Now they travel beside."""
    loaded = _nested(tmp_path)
    polars = to_polars(dataclasses.replace(loaded, frame=loaded.frame.copy()))
    assert polars.schema["m"] == pl.Object and polars.schema["mix"] == pl.Object
    assert polars.get_column("m").to_list() == [{"k": i} for i in range(4)]
    assert [(type(v), v) for v in polars.get_column("mix").to_list()] == [(str, "0"), (int, 1), (str, "2"), (int, 3)]


@pytest.mark.parametrize("change", [
    lambda f: f.iloc[::-1],  # sorted the other way
    lambda f: f.head(2),  # filtered
    lambda f: f.iloc[[0, 2, 1, 3]].reset_index(drop=False).set_index("index"),  # rows swapped, labels kept
    lambda f: f.set_axis([10, 11, 12, 13]),  # reindexed
    lambda f: f.sort_values("n", ascending=False).reset_index(drop=True),  # sorted, then numbered 0..3 again
    lambda f: f.assign(m=f["m"].str.upper()),  # a held field's cells changed
    lambda f: f.rename(columns={"m": "meta"}),  # a held field renamed
    lambda f: f.drop(columns=["mix"]),  # a held field dropped
])
def test_a_frame_that_no_longer_matches_its_json_values_is_refused(tmp_path: Path, change: Any) -> None:
    loaded = _nested(tmp_path)
    with pytest.raises(InputError, match="no longer matches the JSON values read with it"):
        to_polars(dataclasses.replace(loaded, frame=change(loaded.frame)))


def test_tables_of_other_formats_hold_no_json_values(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n", encoding="utf-8")
    loaded = read_table(path)
    assert dict(loaded.json_values) == {} and loaded.checked_json_values() == {}
    assert to_polars(dataclasses.replace(loaded, frame=loaded.frame.iloc[::-1])).height == 1  # nothing to lose
