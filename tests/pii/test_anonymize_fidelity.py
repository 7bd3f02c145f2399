"""``privacy anonymize`` writes every cell its plan does not change exactly as it was read.

Detection sees stripped strings; the output must not: a ZIP code keeps its leading zero, an integer stays an
integer, a padded cell keeps its padding, and free text keeps the whitespace around a replaced span. Each test
compares the output with the input cell by cell (CSV/TSV through the csv module, JSONL through json, Parquet
with dtypes), and the columns the plan transformed with the values their method must give.
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlsecure.cli.main import main
from mlsecure.data import load_table
from mlsecure.errors import DataFormatError
from mlsecure.privacy.pii.anonymize import ColumnPlan, Method, Plan, anonymize_frame
from mlsecure.privacy.pii.types import PiiType

EMAILS = ["ann.lee@example.com", "bo.chan@example.org", "cy.diaz@example.net", "di.eze@example.com"]
ROWS: list[dict[str, Any]] = [
    {"code": "00123", "qty": 7, "price": 1.5, "label": "  padded both  ", "email": EMAILS[0], "flag": None},
    {"code": "04501", "qty": 8, "price": 2.25, "label": "\tleading tab", "email": EMAILS[1], "flag": True},
    {"code": "00077", "qty": 9, "price": None, "label": "", "email": EMAILS[2], "flag": False},
    {"code": "12000", "qty": 10, "price": 4.0, "label": "trailing ", "email": EMAILS[3], "flag": True},
]
UNTOUCHED = ["code", "qty", "price", "label", "flag"]


def _anonymize(src: Path, out: Path, *extra: str) -> dict[str, Any]:
    """Run the CLI with every column but ``email`` kept; returns the summary (which says what the plan did)."""
    summary = out.with_name(out.name + ".summary.json")
    keep = [arg for c in UNTOUCHED for arg in ("--column-method", f"{c}=keep")]
    code = main(["privacy", "anonymize", "--input", str(src), "--output", str(out), "--summary-json", str(summary),
                 "--column-method", "email=redact", *keep, *extra])
    assert code == 0
    result: dict[str, Any] = json.loads(summary.read_text())
    return result


def _text_rows(path: Path, delimiter: str) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def _write_delimited(path: Path, delimiter: str) -> list[list[str]]:
    header = list(ROWS[0])
    rows = [[("" if r[c] is None else str(r[c]).lower() if isinstance(r[c], bool) else str(r[c])) for c in header]
            for r in ROWS]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL).writerows([header, *rows])
    return [header, *rows]


@pytest.mark.parametrize(("suffix", "delimiter"), [(".csv", ","), (".tsv", "\t")])
@pytest.mark.parametrize("batch_rows", ["100", "3"])
def test_csv_and_tsv_cells_not_changed_are_written_as_read(tmp_path: Path, suffix: str, delimiter: str,
                                                           batch_rows: str) -> None:
    src, out = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    expected = _write_delimited(src, delimiter)
    _anonymize(src, out, "--batch-rows", batch_rows)
    written = _text_rows(out, delimiter)
    assert written[0] == expected[0]  # the same columns in the same order
    assert len(written) == len(expected)
    email = expected[0].index("email")
    for got, want in zip(written[1:], expected[1:], strict=True):
        assert got[:email] + got[email + 1:] == want[:email] + want[email + 1:]  # byte for byte
        assert got[email] == "[EMAIL]"
    assert written[1][0] == "00123" and written[1][3] == "  padded both  "


def test_jsonl_strings_stay_strings_and_numbers_numbers(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    summary = _anonymize(src, out)
    assert [c["column"] for c in summary["columns"] if c["method"] != "keep"] == ["email"]
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(written) == len(ROWS)
    for got, want in zip(written, ROWS, strict=True):
        assert list(got) == list(want)  # column order
        for c in UNTOUCHED:
            assert got[c] == want[c] and type(got[c]) is type(want[c]), (c, got[c], want[c])
        assert got["email"] == "[EMAIL]"


def test_load_table_reads_jsonl_without_guessing_types(tmp_path: Path) -> None:
    src = tmp_path / "t.jsonl"
    src.write_text('{"zip": "02134", "d": "2020-01-01", "phone": "0044123", "id": 7, "x": 1.5}\n'
                   '{"zip": "10001", "d": "2021-02-03", "phone": "0044999", "id": 8, "x": 2.25}\n', encoding="utf-8")
    frame = load_table(src)
    assert frame["zip"].tolist() == ["02134", "10001"] and frame["phone"].tolist() == ["0044123", "0044999"]
    assert frame["d"].tolist() == ["2020-01-01", "2021-02-03"]  # not converted to dates
    assert frame["id"].tolist() == [7, 8] and frame["id"].dtype.kind == "i"
    assert frame["x"].tolist() == [1.5, 2.25]


@pytest.mark.parametrize("batch_rows", ["100", "2"])
def test_parquet_kept_columns_keep_their_dtype(tmp_path: Path, batch_rows: str) -> None:
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    frame = pl.DataFrame(ROWS, schema={"code": pl.Utf8, "qty": pl.Int32, "price": pl.Float64, "label": pl.Utf8,
                                       "email": pl.Utf8, "flag": pl.Boolean})
    frame.write_parquet(src)
    _anonymize(src, out, "--batch-rows", batch_rows)
    written = pl.read_parquet(out)
    assert written.columns == frame.columns and written.height == frame.height
    assert written.drop("email").equals(frame.drop("email"))
    assert written.drop("email").schema == frame.drop("email").schema
    assert written.get_column("email").to_list() == ["[EMAIL]"] * 4


def test_free_text_keeps_its_whitespace_around_replaced_spans(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    texts = ["\tCall me at 555-123-4567", "  two spaces lead", "mail ann.lee@example.com please  "]
    src.write_text("".join(json.dumps({"n": i, "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
    assert main(["privacy", "anonymize", "--input", str(src), "--output", str(out), "--text-columns", "text"]) == 0
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [w["text"] for w in written] == ["\tCall me at [PHONE]", "  two spaces lead", "mail [EMAIL] please  "]
    assert [w["n"] for w in written] == [0, 1, 2]


def test_k_anonymity_output_keeps_the_other_columns_as_read(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    rows = [[f"0{2100 + i % 7}", str(30 + i % 40), f" note {i:03d} ", f"{'0' * (i % 3)}{i}"] for i in range(40)]
    with src.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["zip", "age", "note", "ref"], *rows])
    assert main(["privacy", "anonymize", "--input", str(src), "--output", str(out), "--k", "5",
                 "--quasi-identifiers", "zip,age", "--column-method", "note=keep", "--column-method", "ref=keep",
                 "--max-suppression", "0.2"]) == 0
    written = _text_rows(out, ",")
    assert written[0] == ["zip", "age", "note", "ref"]
    by_ref = {r[3]: r for r in rows}
    assert len(written) > 30
    for got in written[1:]:
        assert got[2] == by_ref[got[3]][2]  # " note 007 " with its spaces, "0012" with its zeros


def test_anonymize_frame_returns_the_input_type_with_unchanged_columns_as_given() -> None:
    pandas_in = pd.DataFrame(ROWS, index=[10, 11, 12, 13])
    plan = Plan((ColumnPlan("email", Method.REDACT, PiiType.EMAIL),))
    result = anonymize_frame(pandas_in, plan)
    assert isinstance(result.frame, pd.DataFrame)
    pd.testing.assert_frame_equal(result.frame.drop(columns="email"), pandas_in.drop(columns="email"))
    assert result.frame["email"].tolist() == ["[EMAIL]"] * 4 and result.changed_cells["email"] == 4

    polars_in = pl.DataFrame(ROWS)
    out = anonymize_frame(polars_in, plan).frame
    assert isinstance(out, pl.DataFrame) and out.drop("email").equals(polars_in.drop("email"))
    assert out.drop("email").schema == polars_in.drop("email").schema


CELL_TEXT = st.text(alphabet=st.sampled_from(list("0 7a\t-.,Zé")), max_size=6)


@st.composite
def tables(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(1, 12))
    columns: dict[str, pl.Series] = {}
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["str", "int", "float", "null"]))
        if kind == "str":
            values: list[Any] = draw(st.lists(st.none() | CELL_TEXT, min_size=n, max_size=n))
            columns[f"s{i}"] = pl.Series(f"s{i}", values, dtype=pl.Utf8)
        elif kind == "int":
            values = draw(st.lists(st.none() | st.integers(-10**12, 10**12), min_size=n, max_size=n))
            columns[f"i{i}"] = pl.Series(f"i{i}", values, dtype=pl.Int64)
        elif kind == "float":
            values = draw(st.lists(st.none() | st.floats(allow_nan=False, width=64), min_size=n, max_size=n))
            columns[f"f{i}"] = pl.Series(f"f{i}", values, dtype=pl.Float64)
        else:
            columns[f"n{i}"] = pl.Series(f"n{i}", [None] * n, dtype=pl.Utf8)
    email = draw(st.lists(st.sampled_from([*EMAILS, None, "  ", ""]), min_size=n, max_size=n))
    position = draw(st.integers(0, len(columns)))
    names = list(columns)
    names.insert(position, "email")
    columns["email"] = pl.Series("email", email, dtype=pl.Utf8)
    return pl.DataFrame([columns[c] for c in names])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_property_every_cell_outside_the_pii_column_is_the_input(frame: pl.DataFrame) -> None:
    plan = Plan((ColumnPlan("email", Method.REDACT, PiiType.EMAIL),))
    out = anonymize_frame(frame, plan).frame
    assert out.columns == frame.columns and out.height == frame.height
    assert out.drop("email").equals(frame.drop("email"))
    assert out.drop("email").schema == frame.drop("email").schema
    for got, given_cell in zip(out.get_column("email").to_list(), frame.get_column("email").to_list(), strict=True):
        # a real value is redacted; a missing or blank cell is left exactly as it was
        assert got == ("[EMAIL]" if given_cell and given_cell.strip() else given_cell)


def test_kanon_enforce_writes_the_cells_it_did_not_generalize_as_read(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    rows = [[f"0{2100 + i % 7}", str(30 + i % 40), f" note {i:03d} ", f"{'0' * (i % 3)}{i}"] for i in range(40)]
    with src.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["zip", "age", "note", "ref"], *rows])
    main(["privacy", "kanon", "--data", str(src), "--quasi-identifiers", "zip,age", "--k", "5", "--enforce", str(out),
          "--max-suppression", "0.2", "--format", "json"])
    written = _text_rows(out, ",")
    by_ref = {r[3]: r for r in rows}
    assert written[0] == ["zip", "age", "note", "ref"] and len(written) > 30
    for got in written[1:]:
        assert got[2] == by_ref[got[3]][2]
    assert any(got[1] != by_ref[got[3]][1] for got in written[1:])  # ages were generalized


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_parquet_bytes_kept_as_read_are_written_as_text_where_the_format_has_no_bytes(tmp_path: Path,
                                                                                      suffix: str) -> None:
    src, out = tmp_path / "in.parquet", tmp_path / f"out{suffix}"
    pl.DataFrame({"blob": [b"ab", b"cd"], "n": [1, 2], "email": EMAILS[:2]}).write_parquet(src)
    assert main(["privacy", "anonymize", "--input", str(src), "--output", str(out), "--column-method", "blob=keep",
                 "--column-method", "n=keep", "--column-method", "email=redact"]) == 0
    if suffix == ".csv":
        assert _text_rows(out, ",") == [["blob", "n", "email"], ["ab", "1", "[EMAIL]"], ["cd", "2", "[EMAIL]"]]
    else:
        assert [json.loads(line) for line in out.read_text().splitlines()] == [
            {"blob": "ab", "n": 1, "email": "[EMAIL]"}, {"blob": "cd", "n": 2, "email": "[EMAIL]"}]


def _jsonl_round_trip(tmp_path: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write ``rows`` as JSONL, anonymize with every field but ``email`` kept, read the output back with json."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    fields = list(dict.fromkeys(name for r in rows for name in r if name != "email"))
    keep = [arg for c in fields for arg in ("--column-method", f"{c}=keep")]
    assert main(["privacy", "anonymize", "--input", str(src), "--output", str(out), "--column-method", "email=redact",
                 *keep]) == 0
    # lines end at "\n" only: strings may hold U+2028 or U+0085 raw, which str.splitlines splits on
    return [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]


def _assert_same_json(got: Any, want: Any) -> None:
    """Equal values of the same JSON type (7 is not 7.0, True is not 1)."""
    assert got == want and type(got) is type(want), (got, want)


def test_jsonl_integers_with_nulls_stay_integers_and_big_ints_stay_exact(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"qty": 7, "big": 2**53 + 1, "u": 2**64 - 1, "low": -(2**63), "price": 1.5, "email": EMAILS[0]},
        {"qty": None, "big": 9007199254740995, "u": None, "low": 2**63 - 1, "price": None, "email": EMAILS[1]},
        {"big": -3, "u": 2**63, "low": 0, "price": 2.0, "email": EMAILS[2]},  # qty absent from this row
    ]
    written = _jsonl_round_trip(tmp_path, rows)
    assert [w["qty"] for w in written] == [7, None, None] and type(written[0]["qty"]) is int
    for got, want in zip(written, rows, strict=True):
        for c in ("big", "u", "low", "price"):
            _assert_same_json(got[c], want[c])
        assert got["email"] == "[EMAIL]"
    frame = load_table(tmp_path / "in.jsonl")
    assert str(frame["qty"].dtype) == "Int64" and str(frame["u"].dtype) == "UInt64"
    assert frame["big"].dtype == "int64" and frame["big"].tolist() == [2**53 + 1, 9007199254740995, -3]


def test_jsonl_nested_objects_and_arrays_are_written_as_objects_and_arrays(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [{"meta": {"a": 1, "b": [1, 2.5, "x"]}, "tags": ["é", None], "email": EMAILS[0]},
                                  {"meta": None, "tags": [], "email": EMAILS[1]},
                                  {"meta": {"deep": {"n": 2**64 - 1, "f": False}}, "email": EMAILS[2]}]
    written = _jsonl_round_trip(tmp_path, rows)
    assert [w["meta"] for w in written] == [rows[0]["meta"], None, rows[2]["meta"]]
    assert [w["tags"] for w in written] == [["é", None], [], None]
    assert type(written[0]["meta"]["b"][0]) is int and type(written[0]["meta"]["b"][1]) is float
    assert '"tags":["é",null]' in (tmp_path / "out.jsonl").read_text(encoding="utf-8")  # UTF-8, not \\u00e9
    # every other reader still sees a nested value as its JSON text, as before
    assert load_table(tmp_path / "in.jsonl")["meta"].tolist()[0] == '{"a":1,"b":[1,2.5,"x"]}'


def test_jsonl_field_mixing_types_keeps_each_values_type(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [{"mix": 1, "num": 2, "b": True, "s": "a\u2028b\x85c\nd", "email": EMAILS[0]},
                                  {"mix": "a", "num": 2.5, "b": 1, "email": EMAILS[1]},
                                  {"mix": 2.5, "num": -7, "b": "yes", "email": EMAILS[2]},
                                  {"mix": [1], "num": None, "email": EMAILS[3]}]
    written = _jsonl_round_trip(tmp_path, rows)
    for got, want in zip(written, rows, strict=True):
        for c in ("mix", "num", "b", "s"):
            if want.get(c) is None:
                assert got[c] is None
            else:
                _assert_same_json(got[c], want[c])  # 1 stays 1 (not "1"), 2 beside 2.5 stays 2 (not 2.0)


def test_jsonl_integer_beside_floats_stays_an_integer(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [{"x": 2, "email": EMAILS[0]}, {"x": 1.5, "email": EMAILS[1]},
                                  {"x": 9007199254740993, "email": EMAILS[2]}]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    written = _jsonl_round_trip(tmp_path, rows)
    assert [w["x"] for w in written] == [2, 1.5, 9007199254740993] and type(written[0]["x"]) is int
    assert '"x":2,' in (tmp_path / "out.jsonl").read_text() and text.count('"x": 2,') == 1
    assert load_table(tmp_path / "in.jsonl")["x"].dtype == "float64"  # other readers: a float column, as before


@pytest.mark.parametrize("batch_rows", ["1", "100"])
def test_jsonl_mixed_and_nested_fields_in_csv_and_parquet_are_json_text_or_floats(tmp_path: Path,
                                                                                 batch_rows: str) -> None:
    src = tmp_path / "in.jsonl"
    rows: list[dict[str, Any]] = [{"obj": {"a": "é"}, "mix": 1, "num": 2, "email": EMAILS[0]},
                                  {"obj": [1, None], "mix": "a", "num": 2.5, "email": EMAILS[1]}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    keep = [arg for c in ("obj", "mix", "num") for arg in ("--column-method", f"{c}=keep")]
    for name in ("out.csv", "out.parquet"):
        out = tmp_path / name
        assert main(["privacy", "anonymize", "--input", str(src), "--output", str(out), "--column-method",
                     "email=redact", "--batch-rows", batch_rows, *keep]) == 0
        frame = pl.read_parquet(out) if name.endswith("parquet") else pl.read_csv(out, infer_schema=False)
        assert frame.get_column("obj").to_list() == ['{"a":"é"}', "[1,null]"]
        assert frame.get_column("mix").to_list() == ["1", "a"]
        assert frame.get_column("num").cast(pl.Float64).to_list() == [2.0, 2.5]
        if name.endswith("parquet"):
            assert frame.schema["num"] == pl.Float64


def test_kanon_and_k_runs_keep_nested_jsonl_values(tmp_path: Path) -> None:
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows = [{"zip": "02134", "meta": {"i": i}, "mix": i if i % 2 else str(i), "email": EMAILS[i % 4]}
            for i in range(8)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["privacy", "anonymize", "--input", str(src), "--output", str(out), "--column-method", "email=redact",
                 "--column-method", "meta=keep", "--column-method", "mix=keep", "--column-method", "zip=keep",
                 "--k", "2", "--quasi-identifiers", "zip"]) == 0
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert [w["meta"] for w in written] == [r["meta"] for r in rows]
    assert [w["mix"] for w in written] == [r["mix"] for r in rows]
    enforced = tmp_path / "k.jsonl"
    main(["privacy", "kanon", "--data", str(src), "--quasi-identifiers", "zip", "--k", "2", "--enforce", str(enforced),
          "--format", "json"])
    written = [json.loads(line) for line in enforced.read_text().splitlines()]
    assert [(w["meta"], w["mix"], w["email"]) for w in written] == [(r["meta"], r["mix"], r["email"]) for r in rows]


def test_jsonl_integer_no_64_bit_column_holds_is_an_error_naming_line_and_field(tmp_path: Path,
                                                                                capsys: pytest.CaptureFixture[str]
                                                                                ) -> None:
    src, out = tmp_path / "ids.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"id": -1, "email": "ann.lee@example.com"}\n\n'
                   '{"id": 12345678901234567890, "email": "bo.chan@example.org"}\n', encoding="utf-8")
    assert main(["privacy", "anonymize", "--input", str(src), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{src}: line 3, field 'id': the integer 12345678901234567890" in err and "Traceback" not in err
    assert not out.exists()
    src.write_text('{"id": 2}\n{"id": 184467440737095516150}\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2, field 'id': the integer 184467440737095516150"):
        load_table(src)


def test_jsonl_line_that_is_not_an_object_is_named(tmp_path: Path) -> None:
    src = tmp_path / "t.jsonl"
    src.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2 is a JSON list, not an object"):
        load_table(src)
    src.write_text('{"a": 1}\n{"a": 2,\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2 is not valid JSON"):
        load_table(src)


JSON_KEYS = st.sampled_from(["a", "b", "c", "d", "n", "x"])
SCALARS = {
    "int": st.none() | st.integers(-(2**63), 2**63 - 1),
    "uint": st.none() | st.integers(2**63, 2**64 - 1) | st.integers(0, 5),
    "float": st.none() | st.floats(allow_nan=False, allow_infinity=False),
    "str": st.none() | CELL_TEXT,
    "bool": st.none() | st.booleans(),
}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | CELL_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(CELL_TEXT, inner, max_size=3), max_leaves=6)


@st.composite
def json_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    kinds = draw(st.dictionaries(JSON_KEYS, st.sampled_from([*sorted(SCALARS), "any"]), min_size=1, max_size=4))
    n = draw(st.integers(1, 8))
    rows = []
    for _ in range(n):
        row = {k: draw(SCALARS.get(kind, JSON_VALUES)) for k, kind in kinds.items()
               if draw(st.integers(0, 5))}  # fields may be absent
        row["email"] = draw(st.sampled_from(EMAILS))
        rows.append(row)
    return rows


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_rows())
def test_property_jsonl_round_trip_keeps_every_non_pii_field(rows: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:  # a fresh directory per example (tmp_path is one per test)
        written = _jsonl_round_trip(Path(tmp), rows)
    fields = list(dict.fromkeys(name for r in rows for name in r))
    assert len(written) == len(rows)
    for got, want in zip(written, rows, strict=True):
        assert list(got) == fields  # every field, in first-seen order; an absent one written as null
        for name in fields:
            if name == "email":
                assert got[name] == "[EMAIL]"
            elif want.get(name) is None:
                assert got[name] is None
            else:
                _assert_same_json(got[name], want[name])


@pytest.mark.parametrize("extra", [[], ["--k", "1", "--quasi-identifiers", "m"]])
def test_folder_whose_files_hold_a_field_as_nested_and_as_strings_is_written(tmp_path: Path, extra: list[str]) -> None:
    folder, out = tmp_path / "in", tmp_path / "out.jsonl"
    folder.mkdir()
    (folder / "a.jsonl").write_text(json.dumps({"m": {"a": 1}, "e": EMAILS[0]}) + "\n", encoding="utf-8")
    (folder / "b.jsonl").write_text(json.dumps({"m": "x", "e": EMAILS[1]}) + "\n", encoding="utf-8")
    assert main(["privacy", "anonymize", "--input", str(folder), "--output", str(out), "--column-method", "m=keep",
                 "--column-method", "e=redact", *extra]) == 0
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
    assert [w["e"] for w in written] == ["[EMAIL]", "[EMAIL]"]
    # streamed, each file's batch keeps its values; one frame of both files holds the field as text
    assert [w["m"] for w in written] == ([{"a": 1}, "x"] if not extra else ['{"a":1}', "x"])
