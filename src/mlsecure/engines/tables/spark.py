"""The Spark engine (``mlsecure[spark]``, PySpark >= 4): the PII audit over all rows and anonymize, partition by
partition, with the same per-batch code as the single-process stream.

Every partition's rows reach Python as Arrow record batches (``mapInArrow``); each batch becomes a Polars
frame of strings (``frame.to_strings``) exactly as in ``engines.tables.stream``, so the two engines run the same
functions on the same strings:

- **audit**: the driver classifies the table's first ``sample_rows`` rows (``audit.classify_sample``),
  each partition returns one merged ``ColumnStats`` per column (a few integers, as JSON), the driver adds
  them up. Counts are exact, so the result *equals* the local engine's.
- **anonymize**: the plan is made on the driver; each batch goes through ``anonymize.apply_plan`` and the
  output is written as a folder of Parquet part files. Keyed methods (pseudonyms, hashes, FPE, date shifts)
  are HMAC/FF3-1 functions of (key, type, value) alone, so a value gets the same token in every partition,
  in every run and on the local engine. The key travels to the executors inside the task closure: on a
  cluster, turn on ``spark.authenticate`` and ``spark.network.crypto.enabled``.

``local[*]`` by default; ``master`` (``--spark-master``) names a cluster (``spark://host:7077``, ``yarn``).
The path must then be readable by the driver (for the head) and by every executor (a shared file system).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlsecure.engines.tables.audit import (
    ColumnStats,
    ColumnTarget,
    classify_sample,
    finish,
    merge_all,
    targets_for,
)
from mlsecure.engines.tables.stream import read_head, table_files
from mlsecure.errors import ConfigError, DataFormatError, InputError, OutputError, require
from mlsecure.privacy.pii.audit import AuditResult
from mlsecure.privacy.pii.recognizers import Recognizer

DEFAULT_MASTER = "local[*]"


def spark_session(master: str | None = None, *, app_name: str = "mlsecure") -> Any:
    """A SparkSession on ``master`` (default ``local[*]``): no UI, UTC session time, Arrow transfers on."""
    require("pyspark", "spark")
    from pyspark.sql import SparkSession

    master = master or DEFAULT_MASTER
    builder = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    if master.startswith("local"):
        # local Python workers run this interpreter (PySpark reads only the variable, at context start),
        # so they import the same mlsecure, polars and pyarrow as the driver; an explicit setting wins
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        with _quiet():
            session = builder.getOrCreate()
    except Exception as exc:  # py4j/PySpark errors: no JVM (Java missing), a master that cannot be reached
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"could not start Spark on {master}: {first} (is a Java 17 runtime installed? "
                          "java -version; on Debian: apt-get install openjdk-17-jre-headless)") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextmanager
def _quiet() -> Iterator[None]:
    """PySpark 4.x warns that it does not fully support pandas 3 when a Python UDF is planned; the engine passes
    Arrow batches (``mapInArrow``) and never converts to pandas, so that warning does not apply here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        yield


def read_table(spark: Any, path: str | Path) -> Any:
    """The table at ``path`` (a Parquet/CSV/TSV file or folder) as a Spark DataFrame; CSV cells read as text."""
    kind, files = table_files(path)
    if kind == "parquet":
        return spark.read.parquet(str(path))
    if kind not in ("csv", "tsv"):
        raise InputError(f"{path}: the Spark engine reads Parquet or CSV/TSV, not {kind}")
    from mlsecure.data.source import prepared_table

    with prepared_table(files[0]) as table:
        separator, encoding = table.separator or ",", table.encoding
    if encoding not in ("utf-8", "ascii"):
        raise DataFormatError(f"{files[0]}: {encoding} text; the Spark engine reads UTF-8 CSV (re-save it as UTF-8)")
    # RFC 4180 quoting (a doubled quote escapes a quote) and quoted newlines, as the local reader parses them
    return (spark.read.option("header", True).option("inferSchema", False).option("sep", separator)
            .option("quote", '"').option("escape", '"').option("multiLine", True).option("mode", "FAILFAST")
            .csv(str(path)))


def spark_audit(path: str | Path, *, spark: Any, sample_rows: int = 10_000, region: str = "US",
                pool: Sequence[Recognizer] | None = None, text_columns: Sequence[str] = ()) -> AuditResult:
    """The PII audit with column statistics over every row, computed partition by partition on Spark."""
    start = time.perf_counter()
    sample = classify_sample(read_head(path, sample_rows), source=str(path), region=region, pool=pool,
                             text_columns=text_columns)
    targets = targets_for(sample, region=region, pool=pool)
    frame = read_table(spark, path)
    _same_columns(path, frame.columns, [t.column for t in targets])
    with _quiet():
        rows = frame.mapInArrow(_stats_task(targets), "column string, stats string").collect()
    merged = merge_all({row["column"]: ColumnStats.from_json(row["stats"])} for row in rows)
    for t in targets:
        merged.setdefault(t.column, ColumnStats())
    return finish(sample, targets, merged, source=str(path), seconds=time.perf_counter() - start)


def spark_anonymize(path: str | Path, output: str | Path, plan: Any, audit: AuditResult, *, spark: Any,
                    key: Any = None, region: str = "US", force: bool = False) -> tuple[int, dict[str, int]]:
    """Write ``plan`` applied to every row as a folder of Parquet part files; returns rows written and the
    changed cells per column (exact: see ``exact_counts``)."""
    from pyspark.sql.types import StringType, StructField, StructType

    from mlsecure.privacy.pii.anonymize import Method

    check_output_folder(Path(output), Path(path), force=force)
    frame = read_table(spark, path)
    _same_columns(path, frame.columns, [v.column for v in audit.columns])
    if plan.needs_key() and key is None:
        raise ConfigError("the plan uses a keyed method (hash, pseudonymize, fpe, dateshift) but no key was given; "
                          "set MLSECURE_PII_KEY")
    kept = [c for c in frame.columns if plan.method(c) is not Method.DROP]
    if not kept:
        raise InputError("the plan drops every column; nothing to write")
    # as on the local engine: a kept column keeps its type, a transformed one is written as strings
    schema = StructType([StructField(c, frame.schema[c].dataType if plan.method(c) is Method.KEEP else StringType(),
                                     True) for c in kept])
    counter = spark.sparkContext.accumulator({}, _CountsParam())
    task = _anonymize_task(plan, audit, key, region, kept, counter)
    with _quiet():
        (frame.mapInArrow(task, schema).write.mode("overwrite" if force else "errorifexists")
         .option("compression", "snappy").parquet(str(output)))
    return exact_counts(dict(counter.value), written_rows(Path(output)),
                        lambda: count_changed(frame, plan, audit, key=key, region=region))


def count_changed(frame: Any, plan: Any, audit: AuditResult, *, key: Any = None, region: str = "US") -> dict[str, int]:
    """Changed cells per column (and the rows, under ``_ROWS``) of ``plan`` over a Spark frame, by an
    action: Spark keeps one result per partition, however often a task ran."""
    with _quiet():
        rows = frame.mapInArrow(_count_task(plan, audit, key, region), "column string, n long").collect()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["column"]] = counts.get(row["column"], 0) + int(row["n"])
    return counts


def written_rows(folder: Path) -> int:
    """Rows in the Parquet part files Spark committed: read from their footers, so exact whatever was
    retried (only a successful attempt's files are committed)."""
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(part).num_rows for part in sorted(folder.glob("part-*.parquet")))


def exact_counts(accumulated: dict[str, int], rows_on_disk: int,
                 recount: Callable[[], dict[str, int]]) -> tuple[int, dict[str, int]]:
    """Rows written and changed cells per column. Accumulators updated inside a transformation count a
    retried task twice; when their row total differs from the committed files', the changed cells are
    counted again by an action whose result Spark takes from one successful attempt per partition."""
    counts = dict(accumulated)
    rows = counts.pop(_ROWS, 0)
    if rows == rows_on_disk:
        return rows, counts
    counts = recount()
    return counts.pop(_ROWS, 0), counts


def check_output_folder(output: Path, source: Path, *, force: bool) -> None:
    """Refuse an output folder that is, holds or lies inside the input, or exists without ``force``."""
    out, src = output.resolve(), source.resolve()
    if out == src or src.is_relative_to(out) or out.is_relative_to(src):
        raise OutputError(f"{output}: the output folder would overlap the input {source}; choose another path")
    if output.exists() and not force:
        raise OutputError(f"{output}: already exists; pass --force to replace it")
    if output.exists() and not output.is_dir():
        raise OutputError(f"{output}: exists and is not a folder; the Spark engine writes a folder of Parquet files")


_ROWS = "\x00rows"


def _stats_task(targets: tuple[ColumnTarget, ...]) -> Any:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        from mlsecure.engines.tables.audit import batch_stats as stats_of
        from mlsecure.privacy.pii.frame import polars, to_strings

        pl = polars()
        merged: dict[str, ColumnStats] = {}
        for batch in batches:
            if batch.num_rows:
                merged = merge_all([merged, stats_of(to_strings(pl.from_arrow(batch)), targets)])
        yield pa.RecordBatch.from_pydict({"column": list(merged), "stats": [s.to_json() for s in merged.values()]},
                                         schema=pa.schema([("column", pa.string()), ("stats", pa.string())]))

    return run


def _anonymize_task(plan: Any, audit: AuditResult, key: Any, region: str, kept: list[str], counter: Any) -> Any:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        from mlsecure.privacy.pii.anonymize import Method, apply_plan
        from mlsecure.privacy.pii.frame import polars, to_strings

        pl = polars()
        for batch in batches:
            if not batch.num_rows:
                continue
            schema = pa.schema([(c, batch.schema.field(c).type if plan.method(c) is Method.KEEP else pa.string())
                                for c in kept])
            original = pl.from_arrow(batch)  # unchanged cells are written as read (whitespace kept), as locally
            strings = to_strings(original)
            done, changed = apply_plan(strings, plan, audit=audit, key=key, region=region, raw=original)
            counter.add({**changed, _ROWS: strings.height})
            table = done.select(kept).to_arrow().cast(schema)
            yield from table.to_batches()

    return run


def _count_task(plan: Any, audit: AuditResult, key: Any, region: str) -> Any:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        from mlsecure.privacy.pii.anonymize import apply_plan
        from mlsecure.privacy.pii.frame import polars, to_strings

        pl = polars()
        totals: dict[str, int] = {}
        for batch in batches:
            if batch.num_rows:
                original = pl.from_arrow(batch)
                strings = to_strings(original)
                _, changed = apply_plan(strings, plan, audit=audit, key=key, region=region, raw=original)
                for column, n in {**changed, _ROWS: strings.height}.items():
                    totals[column] = totals.get(column, 0) + n
        yield pa.RecordBatch.from_pydict({"column": list(totals), "n": list(totals.values())},
                                         schema=pa.schema([("column", pa.string()), ("n", pa.int64())]))

    return run


def _same_columns(path: str | Path, spark_columns: Sequence[str], expected: Sequence[str]) -> None:
    if list(spark_columns) != list(expected):
        raise DataFormatError(f"{path}: Spark reads the columns {list(spark_columns)[:6]}..., the head has "
                              f"{list(expected)[:6]}...; give a table whose files share one header")


class _CountsParam:
    """Accumulator of ``{column: count}``: per-task dicts added key by key."""

    def zero(self, value: dict[str, int]) -> dict[str, int]:
        return {}

    def addInPlace(self, a: dict[str, int], b: dict[str, int]) -> dict[str, int]:  # the method name PySpark calls
        for k, n in b.items():
            a[k] = a.get(k, 0) + n
        return a
