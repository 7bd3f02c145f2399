"""The single-process stream: bounded batches, and results equal to processing the table in one piece.

Known answers come from ``scale_tables`` (built so that each count is known): 300 null and 120 malformed
emails, 5 SSNs with the never-issued area 666, 15 ages over 89 all past the head, an IBAN column that is
empty in the head.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from scale_tables import audit_dict, make_table, write_parquet, write_parquet_folder

from mlsecure.engines.tables.audit import ColumnStats, audit_all_rows, beyond_sample_findings
from mlsecure.engines.tables.stream import iter_table, read_head, table_files
from mlsecure.errors import InputError
from mlsecure.privacy.pii.audit import AuditResult
from mlsecure.privacy.pii.frame import to_strings

N = 3000


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return make_table(N)


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory, table: pl.DataFrame) -> Path:
    return write_parquet(table, tmp_path_factory.mktemp("stream") / "t.parquet")


def test_batches_are_bounded_and_rebuild_the_table(parquet: Path, table: pl.DataFrame) -> None:
    sizes = [batch.height for batch in iter_table(parquet, batch_rows=64)]
    assert max(sizes) <= 64 and sum(sizes) == N and len(sizes) >= N // 64
    assert pl.concat(list(iter_table(parquet, batch_rows=64))).equals(to_strings(table))


def test_memory_stays_near_one_row_group(tmp_path: Path, table: pl.DataFrame) -> None:
    big = pl.concat([table] * 10)  # 30,000 rows in 30 row groups
    path = write_parquet(big, tmp_path / "big.parquet", row_group_rows=1000)
    peak, rows, before = 0, 0, pa.total_allocated_bytes()
    for batch in iter_table(path, batch_rows=256):  # nothing kept: what stays allocated is the stream's own
        rows += batch.height
        peak = max(peak, pa.total_allocated_bytes() - before)
    assert rows == big.height
    # Arrow holds a batch and a row group or two of read-ahead (measured: 14% of this table), never the table
    assert peak < big.to_arrow().nbytes / 4


def test_head_and_limit_read_only_what_is_asked(parquet: Path, table: pl.DataFrame) -> None:
    head = read_head(parquet, 700)
    assert head.equals(to_strings(table.head(700)))
    assert sum(b.height for b in iter_table(parquet, batch_rows=100, limit=250)) == 250


@pytest.fixture(scope="module")
def whole(parquet: Path) -> AuditResult:
    return audit_all_rows(parquet, sample_rows=500, batch_rows=10**6)


def test_all_rows_audit_counts_known_answers(whole: AuditResult) -> None:
    audit = whole
    assert audit.rows == N
    email = audit.verdict("email")
    assert email.detail["all_rows"] == {"rows": N, "nulls": 300, "valid": 2580}
    assert email.share == pytest.approx(2580 / 2700) and email.null_share == pytest.approx(0.1)
    assert audit.verdict("ssn").detail["all_rows"]["valid"] == N - 5  # area 666 is never issued
    age = audit.verdict("age")
    assert age.detail["all_rows"]["over_89"] == 15 and age.detail["over_89"] is True
    assert audit.verdict("notes").detail["all_rows"]["span_cells"] == N // 3
    assert audit.verdict("late_iban").detail["all_rows"]["beyond_sample"] == {"iban": 1800}
    assert audit.verdict("ticket").detail["all_rows"]["beyond_sample"] == {}  # chance check-digit passes only
    assert [f.location.column for f in beyond_sample_findings(audit)] == ["late_iban"]
    assert {f.id for f in beyond_sample_findings(audit)} == {"PII-006"}


@pytest.mark.slow
def test_many_small_batches_equal_one_batch_and_a_folder(parquet: Path, table: pl.DataFrame, tmp_path: Path,
                                                         whole: AuditResult) -> None:
    small = audit_all_rows(parquet, sample_rows=500, batch_rows=37)
    assert audit_dict(small) == audit_dict(whole)
    folder = write_parquet_folder(table, tmp_path / "lake", files=4)
    assert audit_dict(audit_all_rows(folder, sample_rows=500, batch_rows=200)) == audit_dict(whole)


def test_stats_merge_is_order_free() -> None:
    a = ColumnStats(10, 2, 7, 1, 0, {"name": 3}, {"iban": 4}, {"iban": 4})
    b = ColumnStats(5, 1, 3, 0, 2, {"name": 1, "phone": 2}, {}, {})
    assert a.merge(b) == b.merge(a) == ColumnStats(15, 3, 10, 1, 2, {"name": 4, "phone": 2}, {"iban": 4}, {"iban": 4})
    assert ColumnStats.from_json(a.to_json()) == a


def test_folders_of_mixed_or_no_tables_are_refused(tmp_path: Path, table: pl.DataFrame) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no table files"):
        table_files(tmp_path / "empty")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    table.head(5).write_csv(mixed / "a.csv")
    write_parquet(table.head(5), mixed / "b.parquet")
    with pytest.raises(InputError, match="mixes csv, parquet"):
        table_files(mixed)
    (mixed / "_SUCCESS").write_text("")
    (mixed / "a.csv").unlink()
    assert table_files(mixed) == ("parquet", [mixed / "b.parquet"])
    (mixed / "year=2024").mkdir()
    write_parquet(table.head(5), mixed / "year=2024" / "c.parquet")
    assert table_files(mixed)[1] == [mixed / "b.parquet", mixed / "year=2024" / "c.parquet"]
    (mixed / "old").mkdir()
    write_parquet(table.head(5), mixed / "old" / "d.parquet")
    with pytest.raises(InputError, match="not a key=value partition"):
        table_files(mixed)


def test_csv_folder_streams_like_its_parquet_twin(tmp_path: Path, table: pl.DataFrame) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    strings = to_strings(table)
    strings.head(1000).write_csv(folder / "part-0.csv")
    strings.slice(1000).write_csv(folder / "part-1.csv")
    rebuilt = pl.concat(list(iter_table(folder, batch_rows=300)))
    assert rebuilt.equals(strings)


def test_cli_spark_master_needs_engine_spark_and_folders_audit_all_rows(
        parquet: Path, tmp_path: Path, table: pl.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    from mlsecure.cli.main import main

    assert main(["privacy", "audit", "--data", str(parquet), "--spark-master", "local[2]"]) == 2
    assert "--spark-master needs --engine spark" in capsys.readouterr().err
    folder = write_parquet_folder(table.head(400), tmp_path / "lake", files=2)
    assert main(["privacy", "audit", "--data", str(folder), "--sample-rows", "100", "--format", "json"]) == 1
    metrics = json.loads(capsys.readouterr().out)["metrics"]["pii-audit"]
    assert metrics["engine"] == {"name": "local", "rows_counted": 400}
