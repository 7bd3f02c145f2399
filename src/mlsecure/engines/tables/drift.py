"""Per-feature drift statistics on Spark, as aggregations: the same numbers as ``drift_tables.audit_tables``.

Spark computes, for each shared column of two Parquet tables, exact ``(value, count)`` tables
(``groupBy(column).count()``: one aggregation per column and side). The driver turns them into the local
engine's tests without ever holding the rows:

- numeric columns (more than ``max_categories`` distinct reference values): the two-sample KS statistic and
  its asymptotic p-value, the Wasserstein-1 distance scaled by the reference's ``IQR / 1.349``, PSI on the
  reference's deciles, all from the two weighted empirical CDFs (``governance.drift.numeric_drift`` on the
  expanded arrays gives the same numbers; the sums differ only in floating-point order, < 1e-9);
- other columns: the chi-square homogeneity test and PSI over the categories (``categorical_drift``);
- Benjamini-Hochberg q-values over every test, as the local engine.

No quantile is approximated, so no tolerance beyond floating-point order is needed. The driver holds one
``(value, count)`` pair per distinct value: for a continuous column of 10^9 rows that is the bottleneck
(a quantile sketch would bound it, at the price of a stated tolerance; not done).

``spark_table_drift`` adds the schema checks from the same counts (``audit_tables`` whole), and
``SparkDriftEngine`` hands it to the drift check (``mlsecure scan --scan drift --engine spark``). The
multivariate tests and prediction drift have no Spark version: the scan refuses them (exit 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from mlsecure.engines.tables.stream import table_files
from mlsecure.errors import InputError
from mlsecure.governance.drift import benjamini_hochberg, chi_square, pool_rare, psi, two_proportion_test
from mlsecure.governance.drift_tables import ColumnDrift, SchemaIssue, TableDrift, mask_value

# the Spark types pandas reads from Parquet as numbers (a decimal column is read as Python Decimal objects,
# dtype object: text to the local engine, so it is not listed)
_NUMERIC = ("ByteType", "ShortType", "IntegerType", "LongType", "FloatType", "DoubleType", "BooleanType")


def spark_feature_drift(spark: Any, reference: str | Path, current: str | Path, *, exclude: Sequence[str] = (),
                        max_categories: int = 20, bins: int = 10) -> tuple[ColumnDrift, ...]:
    """One ``ColumnDrift`` per column present in both Parquet tables (``exclude`` left out), in the
    reference's column order, as ``audit_tables(...).features`` gives them when ``exclude`` is empty."""
    ref, cur = _parquet(spark, reference), _parquet(spark, current)
    cur_cols = set(cur.columns)
    shared = [c for c in ref.columns if c in cur_cols and c not in exclude]
    numeric: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    categorical: list[tuple[str, dict[str, int], dict[str, int]]] = []
    for col in shared:
        r_num, c_num = _is_numeric(ref, col), _is_numeric(cur, col)
        r_counts, c_counts = _value_counts(ref, col, r_num), _value_counts(cur, col, c_num)
        if r_num and len(r_counts) > max_categories:
            rv, rc = _sorted_pairs(r_counts)
            cv, cc = _sorted_pairs(c_counts) if c_num else (np.empty(0), np.empty(0, dtype=np.int64))
            numeric.append((col, rv, rc, cv, cc))
        else:
            as_numbers = r_num and c_num
            categorical.append((col, _labels(r_counts, as_numbers), _labels(c_counts, as_numbers)))
    return _column_tests(numeric, categorical, bins)


def _column_tests(numeric: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
                  categorical: list[tuple[str, dict[str, int], dict[str, int]]], bins: int) -> tuple[ColumnDrift, ...]:
    """KS (numeric) or chi-square (categorical) per column from value counts, Benjamini-Hochberg across all."""
    rows: list[tuple[str, str, float, float, float, float | None, int, int]] = []
    for col, rv, rc, cv, cc in numeric:
        d, p, w_scaled, score = weighted_numeric(rv, rc, cv, cc, bins)
        rows.append((col, "ks", d, p, score, w_scaled, int(rc.sum()), int(cc.sum())))
    for col, r, c in categorical:
        chi2, p, score = weighted_categorical(r, c)
        rows.append((col, "chi2", chi2, p, score, None, sum(r.values()), sum(c.values())))
    q = benjamini_hochberg(np.asarray([row[3] for row in rows]))
    return tuple(ColumnDrift(col, test, s, p, float(qv), ps, w, nr, nc)  # type: ignore[arg-type]
                 for (col, test, s, p, ps, w, nr, nc), qv in zip(rows, q, strict=True))


def weighted_numeric(rv: np.ndarray, rc: np.ndarray, cv: np.ndarray, cc: np.ndarray,
                     bins: int) -> tuple[float, float, float, float]:
    """(KS D, asymptotic p-value, scaled W1, PSI) of two samples given as sorted distinct values and counts."""
    n, m = int(rc.sum()), int(cc.sum())
    if n == 0 or m == 0:
        return float("nan"), 1.0, float("nan"), float("nan")
    pooled = np.union1d(rv, cv)
    fa = np.cumsum(rc)[np.searchsorted(rv, pooled, side="right") - 1] / n
    fa[np.searchsorted(rv, pooled, side="right") == 0] = 0.0
    fb = np.cumsum(cc)[np.searchsorted(cv, pooled, side="right") - 1] / m
    fb[np.searchsorted(cv, pooled, side="right") == 0] = 0.0
    gap = np.abs(fa - fb)
    d = float(gap.max())
    w = float(np.dot(gap[:-1], np.diff(pooled)))
    scale = _robust_scale(rv, rc)
    edges = np.unique(_quantiles(rv, rc, np.linspace(0, 1, bins + 1)[1:-1]))
    ra = np.diff(np.concatenate([[0], _count_le(rv, rc, edges), [n]]))
    rb = np.diff(np.concatenate([[0], _count_le(cv, cc, edges), [m]]))
    en = round(n * m / (n + m))
    p = float(np.clip(stats.kstwo.sf(d, en), 0.0, 1.0))
    return d, p, w / scale, psi(ra, rb)


def weighted_categorical(r: dict[Any, int], c: dict[Any, int]) -> tuple[float, float, float]:
    """(chi-square, p-value, PSI) over the categories of two label -> count tables."""
    values = sorted(set(r) | set(c))
    table = np.vstack([[r.get(v, 0) for v in values], [c.get(v, 0) for v in values]]).astype(float)
    pooled_table, _ = pool_rare(table)
    score = psi(table[0], table[1])
    if pooled_table.shape[1] < 2 or table[0].sum() == 0 or table[1].sum() == 0:
        return 0.0, 1.0, score
    chi2, _, p = chi_square(pooled_table)
    return chi2, p, score


def _parquet(spark: Any, path: str | Path) -> Any:
    kind, _ = table_files(path)
    if kind != "parquet":
        raise InputError(f"{path}: Spark drift reads Parquet (typed columns); {kind} types would be guessed "
                         "differently by Spark and pandas")
    return spark.read.parquet(str(path))


def _is_numeric(frame: Any, col: str) -> bool:
    return type(frame.schema[col].dataType).__name__ in _NUMERIC


def _value_counts(frame: Any, col: str, numeric: bool) -> dict[Any, int]:
    """Exact counts of the non-missing values (NaN is missing, as in pandas)."""
    from pyspark.sql import functions as f

    column = f.col(col)
    kept = column.isNotNull()
    if numeric and type(frame.schema[col].dataType).__name__ in ("FloatType", "DoubleType"):
        kept = kept & ~f.isnan(column)
    if type(frame.schema[col].dataType).__name__ == "BooleanType":
        column = column.cast("double")
    rows = frame.where(kept).groupBy(column.alias("v")).count().collect()
    return {row["v"]: int(row["count"]) for row in rows}


def _labels(counts: dict[Any, int], as_numbers: bool) -> dict[str, int]:
    """Labels as ``drift_tables._as_labels`` makes them: the text of the number (``1`` and ``1.0`` are one
    category, ``"1.0"``) or of the value; sorted as text, as ``np.unique`` sorts them before pooling."""
    out: dict[str, int] = {}
    for value, n in counts.items():
        label = str(float(value)) if as_numbers else str(value)
        out[label] = out.get(label, 0) + n
    return out


def _sorted_pairs(counts: dict[Any, int]) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(sorted(float(v) for v in counts), dtype=np.float64)
    merged: dict[float, int] = {}
    for v, n in counts.items():
        merged[float(v)] = merged.get(float(v), 0) + n
    return values, np.asarray([merged[v] for v in values], dtype=np.int64)


def _count_le(values: np.ndarray, counts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """How many sample values are <= each edge (``searchsorted(side="right")`` on the expanded sample)."""
    cum = np.concatenate([[0], np.cumsum(counts)])
    return cum[np.searchsorted(values, edges, side="right")]


def _quantiles(values: np.ndarray, counts: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """``np.quantile`` (linear interpolation) of the expanded sample, from values and counts."""
    n = int(counts.sum())
    cum = np.cumsum(counts)
    h = (n - 1) * np.asarray(qs, dtype=np.float64)
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    v_lo = values[np.searchsorted(cum, lo, side="right")]
    v_hi = values[np.searchsorted(cum, hi, side="right")]
    out: np.ndarray = v_lo + (h - lo) * (v_hi - v_lo)
    return out


def _robust_scale(values: np.ndarray, counts: np.ndarray) -> float:
    q1, q3 = _quantiles(values, counts, np.asarray([0.25, 0.75]))
    n = counts.sum()
    mean = float(np.dot(values, counts) / n)
    std = float(np.sqrt(np.dot(counts, (values - mean) ** 2) / n))
    for scale in ((q3 - q1) / 1.349, std):
        if scale > 0 and np.isfinite(scale):
            return float(scale)
    return 1.0


class SparkDriftEngine:
    """The drift check's table statistics on Spark (``mlsecure scan --scan drift --engine spark``).

    The SparkSession starts on first use, so a scan refused before that never starts a JVM."""

    name = "spark"

    def __init__(self, master: str | None = None, session: Any = None) -> None:
        self.master = master
        self._spark = session

    @property
    def spark(self) -> Any:
        if self._spark is None:
            from mlsecure.engines.tables.spark import spark_session

            self._spark = spark_session(self.master)
        return self._spark

    def columns(self, path: str | Path) -> list[str]:
        """The table's column names, from the Parquet schema (no rows read)."""
        return [str(c) for c in _parquet(self.spark, path).columns]

    def table_drift(self, reference: str | Path, current: str | Path, **settings: Any) -> TableDrift:
        return spark_table_drift(self.spark, reference, current, **settings)


def spark_table_drift(spark: Any, reference: str | Path, current: str | Path, *, exclude: tuple[str, ...] = (),
                      max_categories: int = 20, bins: int = 10, alpha: float = 0.05, range_tolerance: float = 0.01,
                      new_category_tolerance: float = 0.01, missing_tolerance: float = 0.01) -> TableDrift:
    """``drift_tables.audit_tables`` on two Parquet tables, every statistic from Spark aggregations.

    Spark counts the rows of each table and the ``(value, count)`` table of every column; the schema
    checks (missing, extra, retyped columns, ranges, new categories, missingness) and the per-feature tests
    are computed from those on the driver, with the local engine's rules and pandas' dtype names (read
    from the Parquet schema)."""
    ref, cur = _parquet(spark, reference), _parquet(spark, current)
    r_dtypes, c_dtypes = _pandas_dtypes(reference), _pandas_dtypes(current)
    n_ref, n_cur = int(ref.count()), int(cur.count())
    ref_cols = [c for c in ref.columns if c not in exclude]
    cur_set = set(cur.columns)
    counts: dict[tuple[str, str], dict[Any, int]] = {}

    def vc(side: str, col: str) -> dict[Any, int]:
        frame = ref if side == "r" else cur
        if (side, col) not in counts:
            counts[side, col] = _value_counts(frame, col, _is_numeric(frame, col))
        return counts[side, col]

    issues: list[SchemaIssue] = []
    missing = [c for c in ref_cols if c not in cur_set]
    extra = [c for c in cur.columns if c not in set(ref_cols) and c not in exclude]
    for col in missing:
        hint = _renamed_to(ref, cur, col, extra, vc)
        issues.append(SchemaIssue("missing_column", col, {"possibly_renamed_to": hint} if hint else {}))
    issues += [SchemaIssue("extra_column", col, {}) for col in extra]
    shared = [c for c in ref_cols if c in cur_set] + [c for c in exclude if c in ref.columns and c in cur_set]
    numeric: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    categorical: list[tuple[str, dict[str, int], dict[str, int]]] = []
    miss_p: list[float] = []
    miss_ev: list[dict[str, Any]] = []
    for col in shared:
        r_num, c_num = _is_numeric(ref, col), _is_numeric(cur, col)
        r_counts, c_counts = vc("r", col), vc("c", col)
        c_parsed = c_counts if c_num else _parsed(c_counts)
        kr, kc = n_ref - sum(r_counts.values()), n_cur - sum(c_counts.values())
        r_dtype, c_dtype = _dtype(r_dtypes[col], kr), _dtype(c_dtypes[col], kc)
        if r_dtype != c_dtype and not (r_num and c_num):
            ev: dict[str, Any] = {"reference_dtype": r_dtype, "current_dtype": c_dtype}
            if r_num and not c_num:
                ev["unparseable_values"] = sum(c_counts.values()) - sum(c_parsed.values())
            issues.append(SchemaIssue("dtype_change", col, ev))
        miss_p.append(two_proportion_test(kr, n_ref, kc, n_cur))
        miss_ev.append({"reference_rate": kr / max(n_ref, 1), "current_rate": kc / max(n_cur, 1)})
        if r_num and len(r_counts) > max_categories:
            rv, rc = _sorted_pairs(r_counts)
            cv, cc = _sorted_pairs(c_parsed) if c_parsed else (np.empty(0), np.empty(0, dtype=np.int64))
            numeric.append((col, rv, rc, cv, cc))
        else:
            as_numbers = r_num and c_num
            categorical.append((col, _labels(r_counts, as_numbers), _labels(c_counts, as_numbers)))
        if r_num:
            issues += _out_of_range(col, r_counts, c_parsed, range_tolerance)
        else:
            issues += _new_categories(col, r_counts, c_counts, new_category_tolerance)
    q_miss = benjamini_hochberg(np.asarray(miss_p))
    for col, p, q, ev in zip(shared, miss_p, q_miss, miss_ev, strict=True):
        if q <= alpha and abs(ev["current_rate"] - ev["reference_rate"]) >= missing_tolerance:
            issues.append(SchemaIssue("missingness", col, {**ev, "pvalue": p, "qvalue": float(q)}))
    features = _column_tests(numeric, categorical, bins)
    return TableDrift(tuple(issues), features, tuple(c[0] for c in numeric), n_ref, n_cur)


def _pandas_dtypes(path: str | Path) -> dict[str, str]:
    """The dtype names pandas gives the columns of a Parquet table with no missing values (schema only)."""
    import pyarrow.dataset as ds

    dataset = ds.dataset(str(path), format="parquet")
    return {str(k): str(v) for k, v in dataset.schema.empty_table().to_pandas().dtypes.items()}


def _dtype(name: str, n_missing: int) -> str:
    """pandas widens an integer column with missing values to float64 and a boolean one to object."""
    if n_missing and name.startswith(("int", "uint")):
        return "float64"
    if n_missing and name == "bool":
        return "object"
    return name


def _parsed(counts: dict[Any, int]) -> dict[float, int]:
    """Text values that ``pd.to_numeric`` parses, as numbers with their counts (the rest dropped)."""
    import pandas as pd

    keys = list(counts)
    numbers = pd.to_numeric(pd.Series([str(k) for k in keys], dtype=object), errors="coerce").to_numpy(np.float64)
    out: dict[float, int] = {}
    for key, number in zip(keys, numbers, strict=True):
        if not np.isnan(number):
            out[float(number)] = out.get(float(number), 0) + counts[key]
    return out


def _out_of_range(col: str, r: dict[Any, int], c: dict[Any, int], tolerance: float) -> list[SchemaIssue]:
    if not r or not c:
        return []
    rv = [float(v) for v in r]
    low, high = min(rv), max(rv)
    below = sum(n for v, n in c.items() if float(v) < low)
    above = sum(n for v, n in c.items() if float(v) > high)
    fraction = (below + above) / sum(c.values())
    if fraction <= tolerance:
        return []
    cv = [float(v) for v in c]
    return [SchemaIssue("out_of_range", col, {
        "reference_min": low, "reference_max": high, "current_min": min(cv), "current_max": max(cv),
        "below": below, "above": above, "fraction": fraction})]


def _new_categories(col: str, r: dict[Any, int], c: dict[Any, int], tolerance: float) -> list[SchemaIssue]:
    seen = set(_labels(r, False))
    cur = _labels(c, False)
    total = sum(cur.values())
    unseen = {v: n for v, n in cur.items() if v not in seen}
    rows = sum(unseen.values())
    fraction = rows / total if total else 0.0
    if fraction <= tolerance:
        return []
    values = np.asarray(sorted(unseen))
    counts = np.asarray([unseen[v] for v in values])
    top = values[np.argsort(-counts)[:5]]
    return [SchemaIssue("new_category", col, {
        "fraction": fraction, "rows": rows, "new_values": len(values),
        "examples_masked": [mask_value(str(v)) for v in top]})]


def _renamed_to(ref: Any, cur: Any, col: str, extra: list[str], vc: Any) -> str | None:
    """``drift_tables._renamed_to`` from value counts: same distribution (KS D < 0.02) or same value set."""
    r_num = _is_numeric(ref, col)
    for name in extra:
        if r_num and _is_numeric(cur, name):
            (rv, rc), (cv, cc) = _sorted_pairs(vc("r", col)), _sorted_pairs(vc("c", name))
            if len(rc) and len(cc) and weighted_numeric(rv, rc, cv, cc, 10)[0] < 0.02:
                return name
        elif not r_num and set(_labels(vc("r", col), False)) == set(_labels(vc("c", name), False)):
            return name
    return None
