"""The Spark engine (local[2]) gives the single-process engine's answers: equal audits, equal anonymized rows.

One SparkSession for the folder (conftest.py: the JVM takes 10-30 s to start); the input is a folder of three Parquet
files cut into at least three partitions, so every statistic is merged across partitions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from scale_tables import audit_dict, make_table, write_parquet_folder

from mlsecure.errors import OutputError

pyspark = pytest.importorskip("pyspark")

from mlsecure.cli.main import main  # noqa: E402 - after the skip
from mlsecure.engines.tables.audit import audit_all_rows, classify_sample  # noqa: E402
from mlsecure.engines.tables.spark import (  # noqa: E402
    check_output_folder,
    count_changed,
    exact_counts,
    read_table,
    spark_anonymize,
    spark_audit,
    written_rows,
)
from mlsecure.engines.tables.stream import iter_table, read_head  # noqa: E402
from mlsecure.privacy.pii.anonymize import Method, apply_plan, auto_plan, pseudonym  # noqa: E402
from mlsecure.privacy.pii.keys import SecretKey  # noqa: E402
from mlsecure.privacy.pii.types import PiiType  # noqa: E402

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]
N = 3000
SAMPLE = 500
KEY = SecretKey(bytes(range(32)))


@pytest.fixture(scope="module", autouse=True)
def _small_partitions(spark: Any) -> Iterator[None]:
    """Several partitions from a small table (the session is shared: see conftest.py)."""
    spark.conf.set("spark.sql.files.maxPartitionBytes", "32k")
    yield
    spark.conf.unset("spark.sql.files.maxPartitionBytes")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_parquet_folder(make_table(N), tmp_path_factory.mktemp("spark") / "lake", files=3)


def test_audit_on_spark_equals_the_local_stream(spark: Any, lake: Path) -> None:
    assert read_table(spark, lake).rdd.getNumPartitions() >= 3
    on_spark = spark_audit(lake, spark=spark, sample_rows=SAMPLE)
    local = audit_all_rows(lake, sample_rows=SAMPLE, batch_rows=400)
    assert audit_dict(on_spark) == audit_dict(local)
    assert on_spark.rows == N and on_spark.verdict("age").detail["all_rows"]["over_89"] == 15


def test_anonymize_on_spark_equals_local_with_the_same_pseudonyms(spark: Any, lake: Path, tmp_path: Path) -> None:
    audit = classify_sample(read_head(lake, SAMPLE), source=str(lake))
    # free text is left out: its name spans are confirmed from the batch they sit in (see docs/scale.md)
    plan = auto_plan(audit, key_available=True, overrides={"notes": Method.DROP, "ticket": Method.HASH})
    local_parts, local_changed = [], {}
    for batch, as_read in iter_table(lake, batch_rows=333, raw=True):
        done, changed = apply_plan(batch, plan, audit=audit, key=KEY, raw=as_read)
        local_parts.append(done)
        local_changed = {k: local_changed.get(k, 0) + changed.get(k, 0) for k in {*local_changed, *changed}}
    local = pl.concat(local_parts)

    out = tmp_path / "anon"
    rows, changed = spark_anonymize(lake, out, plan, audit, spark=spark, key=KEY)
    assert rows == N and changed == local_changed and written_rows(out) == N
    # the second pass used when a task ran twice gives the same counts
    assert count_changed(read_table(spark, lake), plan, audit, key=KEY) == {**local_changed, "\x00rows": N}
    assert len(list(out.glob("part-*.parquet"))) >= 3  # one Parquet part file per partition
    written = pl.read_parquet(sorted(out.glob("part-*.parquet")))
    assert written.columns == local.columns and "notes" not in written.columns
    assert written.sort(written.columns).equals(local.sort(local.columns))
    # keyed pseudonyms are a function of (key, type, value): the same token in every partition and run
    email = make_table(N).get_column("email")[2]
    assert pseudonym(email, PiiType.EMAIL, KEY) in written.get_column("email").to_list()
    with pytest.raises(OutputError, match="already exists"):
        spark_anonymize(lake, out, plan, audit, spark=spark, key=KEY)
    again, _ = spark_anonymize(lake, out, plan, audit, spark=spark, key=KEY, force=True)
    rerun = pl.read_parquet(sorted(out.glob("part-*.parquet")))
    assert again == N and rerun.sort(rerun.columns).equals(written.sort(written.columns))


def test_csv_with_quoted_commas_and_newlines_reads_as_locally(spark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    table = make_table(600).select(pl.all().cast(pl.Utf8))
    table = table.with_columns(pl.when(pl.int_range(pl.len()) % 50 == 0)
                               .then(pl.lit('said "call me", then\nleft')).otherwise(pl.col("notes")).alias("notes"))
    table.head(300).write_csv(folder / "a.csv")
    table.slice(300).write_csv(folder / "b.csv")
    assert audit_dict(spark_audit(folder, spark=spark, sample_rows=200)) == \
        audit_dict(audit_all_rows(folder, sample_rows=200, batch_rows=128))


def test_cli_audit_engine_spark_matches_all_rows(spark: Any, lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reports = []
    for extra in (["--engine", "spark", "--spark-master", "local[2]"], ["--all-rows", "--batch-rows", "500"]):
        code = main(["privacy", "audit", "--data", str(lake), "--sample-rows", str(SAMPLE), "--format", "json",
                     *extra])
        report = json.loads(capsys.readouterr().out)
        assert code == 1  # PII found
        reports.append(report)
    spark_report, local_report = reports
    assert [f["id"] for f in spark_report["findings"]] == [f["id"] for f in local_report["findings"]]
    assert "PII-006" in [f["id"] for f in spark_report["findings"]]
    metrics = [r["metrics"]["pii-audit"] for r in reports]
    assert metrics[0]["columns"] == metrics[1]["columns"]
    assert metrics[0]["engine"] == {"name": "spark", "rows_counted": N}


def test_cli_anonymize_engine_spark_writes_what_the_local_stream_writes(
        spark: Any, lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MLSECURE_PII_KEY", KEY.material.hex())
    common = ["privacy", "anonymize", "--input", str(lake), "--sample-rows", str(SAMPLE),
              "--column-method", "notes=drop"]
    assert main([*common, "--engine", "spark", "--spark-master", "local[2]", "--output", str(tmp_path / "s")]) == 0
    assert main([*common, "--batch-rows", "700", "--output", str(tmp_path / "local.parquet")]) == 0
    err = capsys.readouterr().err
    assert err.count(f"wrote {N} rows") == 2 and "0 with PII still detected" in err
    on_spark = pl.read_parquet(sorted((tmp_path / "s").glob("part-*.parquet")))
    local = pl.read_parquet(tmp_path / "local.parquet")
    assert on_spark.sort(on_spark.columns).equals(local.sort(local.columns))
    assert main([*common, "--engine", "spark", "--output", str(tmp_path / "s")]) == 2  # exists: refused
    assert "already exists" in capsys.readouterr().err


def test_drift_statistics_as_aggregations_equal_the_local_tests(spark: Any, tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    from mlsecure.engines.tables.drift import spark_feature_drift
    from mlsecure.governance.drift_tables import audit_tables

    rng = np.random.default_rng(3)

    def table(n: int, shift: float) -> pd.DataFrame:
        x = np.round(rng.normal(shift, 1, n), 2)
        x[rng.random(n) < 0.05] = np.nan
        return pd.DataFrame({"x": x, "k": rng.integers(0, 5, n), "n": rng.integers(0, 1000, n) + int(50 * shift),
                             "city": rng.choice(["Oslo", "Lima", "Pune", "Kyiv"], n, p=[0.4, 0.3, 0.2, 0.1]),
                             "flag": rng.random(n) < 0.3 + 0.1 * shift})

    ref_pd, cur_pd = table(4000, 0.0), table(3000, 0.5)
    ref_pd.to_parquet(tmp_path / "ref.parquet")
    cur_pd.to_parquet(tmp_path / "cur.parquet")
    expected = audit_tables(ref_pd, cur_pd).features
    got = spark_feature_drift(spark, tmp_path / "ref.parquet", tmp_path / "cur.parquet")
    assert [(f.column, f.test, f.n_reference, f.n_current) for f in got] == \
        [(f.column, f.test, f.n_reference, f.n_current) for f in expected]
    assert {f.column: f.test for f in got} == {"x": "ks", "n": "ks", "k": "chi2", "city": "chi2", "flag": "chi2"}
    for g, e in zip(got, expected, strict=True):  # floating-point order only
        for name in ("statistic", "pvalue", "qvalue", "psi"):
            assert getattr(g, name) == pytest.approx(getattr(e, name), rel=1e-9, abs=1e-12), (g.column, name)
        if e.wasserstein_scaled is not None:
            assert g.wasserstein_scaled == pytest.approx(e.wasserstein_scaled, rel=1e-9)


def test_output_folder_never_overlaps_the_input(lake: Path, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="overlap"):
        check_output_folder(lake / "out", lake, force=True)
    with pytest.raises(OutputError, match="overlap"):
        check_output_folder(lake, lake / "part-0000.parquet", force=True)


def test_counts_taken_twice_by_a_rerun_task_are_counted_again() -> None:
    calls: list[int] = []

    def recount() -> dict[str, int]:
        calls.append(1)
        return {"email": 7, "\x00rows": 10}

    # the accumulators agree with the committed files: taken as they are, no second pass
    assert exact_counts({"email": 7, "\x00rows": 10}, 10, recount) == (10, {"email": 7})
    assert not calls
    # a partition counted twice (12 rows accumulated, 10 committed): counted again
    assert exact_counts({"email": 9, "\x00rows": 12}, 10, recount) == (10, {"email": 7})
    assert calls == [1]
