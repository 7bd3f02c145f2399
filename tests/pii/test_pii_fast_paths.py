"""The audit's batched fast paths give what the plain per-column computations give.

``to_strings`` hands pyarrow-backed pandas string columns over as Arrow arrays; ``classify`` computes the
counter statistics of all digit columns in one group-by, the matched cells of every recognizer in one
sum per recognizer, and the gazetteer lookups of all city candidates in one call; a span scan counts
the cells of every PII type in one multi-string search. Each must equal the slower computation it
replaced, value for value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.privacy.pii.classify import (
    _counter_statistics,
    _dense_range,
    _strictly_increasing,
    classify_column,
    classify_columns,
)
from mlsecure.privacy.pii.frame import to_strings
from mlsecure.privacy.pii.gazetteer import known_cities
from mlsecure.privacy.pii.spans import _span_scan, _span_scan_per_type, confirmed_strings
from mlsecure.privacy.pii.synth import generate_table
from mlsecure.privacy.pii.types import PiiType


def _object_path(frame: pd.DataFrame) -> pl.DataFrame:
    """The conversion every pandas column took before the Arrow fast path."""
    data = {str(c): frame[c].astype("string") for c in frame.columns}
    out = pl.DataFrame({c: pl.Series(c, s.to_numpy(na_value=None), dtype=pl.Utf8) for c, s in data.items()})
    return out.select([pl.col(c).str.strip_chars().replace("", None).alias(c) for c in out.columns])


def test_pandas_string_columns_convert_as_through_python_objects() -> None:
    cells = ["  Ana Souza ", None, "", "São Paulo", "line\nbreak", "0123", " "]
    frame = pd.DataFrame({
        "str": pd.Series(cells, dtype="str"),
        "arrow": pd.Series(cells, dtype="string[pyarrow]"),
        "python": pd.Series(cells, dtype="string[python]"),
        "object": pd.Series(cells, dtype=object),
        "ints": list(range(7)),
        "floats": [1.5, np.nan, 3.0, 1e20, -0.0, 2.0, 0.1],
        7: list("abcdefg"),
    })
    converted = to_strings(frame)
    assert converted.equals(_object_path(frame))
    assert converted.get_column("str").to_list() == ["Ana Souza", None, None, "São Paulo", "line\nbreak", "0123", None]


def test_generated_table_converts_the_same_both_ways() -> None:
    frame = generate_table(300, seed=2, neutral_headers=True).frame.to_pandas()
    assert to_strings(frame).equals(_object_path(frame))


def _stats_one_by_one(columns: list[pl.Series]) -> dict[int, tuple[bool, float | None]]:
    out: dict[int, tuple[bool, float | None]] = {}
    for k, sample in enumerate(columns):
        increasing = _strictly_increasing(sample)
        out[k] = (increasing, _dense_range(sample))
    return out


def _stacked(columns: list[pl.Series]) -> pl.DataFrame:
    return pl.concat([pl.DataFrame({"c": np.full(len(s), k, dtype=np.int32), "v": s.rename("v")})
                      for k, s in enumerate(columns)])


def test_counter_statistics_equal_the_per_column_checks() -> None:
    rng = np.random.default_rng(0)
    columns = [
        pl.Series([str(1000 + i) for i in range(50)]),  # a counter
        pl.Series([str(1000 + 3 * i) for i in range(50)][::-1]),  # counting down
        pl.Series([str(x) for x in rng.permutation(np.arange(500, 560))]),  # dense, shuffled
        pl.Series([str(x) for x in rng.integers(10**8, 10**9, 60)]),  # sparse, like identifiers
        pl.Series([str(x) for x in range(10)]),  # too few
        pl.Series(["12", "x", "13", "nan", "14", "15"] * 5),  # text and NaN among the numbers
        pl.Series([str(i) for i in range(30)] + ["1.5", "2.5"]),  # floats break the integer view
        pl.Series(["7"] * 40),  # one value repeated
        pl.Series([f"{i}.0" for i in range(25)]),  # increasing floats, no integers
    ]
    batched = _counter_statistics(_stacked(columns), list(range(len(columns))))
    alone = _stats_one_by_one(columns)
    for k in range(len(columns)):
        increasing, density = alone[k]
        assert batched[k][0] == increasing, k
        assert batched[k][1] == density, k


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["", "a", "1e3", "-5", "inf"])),
                         min_size=1, max_size=40), min_size=1, max_size=4))
def test_counter_statistics_property(cells: list[list[str]]) -> None:
    columns = [pl.Series(c, dtype=pl.Utf8) for c in cells]
    batched = _counter_statistics(_stacked(columns), list(range(len(columns))))
    alone = _stats_one_by_one(columns)
    assert {k: (batched[k][0], batched[k][1]) for k in batched} == alone


@pytest.mark.slow
def test_table_verdicts_equal_column_by_column_in_full() -> None:
    """Stacked and alone, every structured verdict is the same object: reasons, examples, shares (the
    batched counter statistics, recognizer cell counts and gazetteer lookups included)."""
    frame = to_strings(generate_table(120, seed=7, neutral_headers=True).frame)
    together = classify_columns([(c, frame.get_column(c)) for c in frame.columns])
    for verdict in together:
        if verdict.kind != "structured":
            continue  # span columns share their pattern matches across the table
        alone = classify_column(verdict.column, frame.get_column(verdict.column))
        assert verdict.to_dict() == alone.to_dict(), verdict.column


def test_city_lookups_of_several_columns_split_back_per_column() -> None:
    towns = ["Lyon", "Porto", "Graz", "Leeds", "Turku", "Bergen"] * 10
    words = ["Table", "Lamp", "Shelf", "Desk", "Sofa", "Teapot"] * 10
    together = classify_columns([("a", pl.Series(towns)), ("b", pl.Series(words)), ("c", pl.Series(towns[::-1]))])
    assert [v.pii_type.value if v.pii_type else None for v in together] == ["city", None, "city"]
    assert known_cities(["Lyon", "Lamp"]) == [True, False]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet="ab c1", max_size=12), min_size=1, max_size=12),
       st.dictionaries(st.text(alphabet="ab c1", min_size=1, max_size=4), st.sampled_from(list(PiiType)[:4]),
                       min_size=1, max_size=6))
def test_span_scan_single_pass_equals_one_search_per_type(texts: list[str], found: dict[str, PiiType]) -> None:
    """Strings inside other strings (``a`` in ``ab``), at the same place or overlapping: a cell counts for a
    type where the redaction replaces a string of that type (the longest at the leftmost place)."""
    cells = pl.Series(texts, dtype=pl.Utf8)
    assert _span_scan(cells, found) == _span_scan_per_type(cells, found)


def test_span_scan_of_generated_free_text() -> None:
    notes = generate_table(300, seed=4).frame.get_column("notes")
    found = confirmed_strings(notes)
    assert found and _span_scan(notes, found) == _span_scan_per_type(notes.drop_nulls(), found)
