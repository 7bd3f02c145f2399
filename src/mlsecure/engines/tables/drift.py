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
(a quantile sketch would bound it, at the price of a stated tolerance; not done). Schema issues, the
multivariate tests and prediction drift still run in one process (``mlsecure scan --scan drift``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from mlsecure.engines.tables.stream import table_files
from mlsecure.errors import InputError
from mlsecure.governance.drift import benjamini_hochberg, chi_square, pool_rare, psi
from mlsecure.governance.drift_tables import ColumnDrift

_NUMERIC = ("ByteType", "ShortType", "IntegerType", "LongType", "FloatType", "DoubleType", "DecimalType",
            "BooleanType")


def spark_feature_drift(spark: Any, reference: str | Path, current: str | Path, *, exclude: Sequence[str] = (),
                        max_categories: int = 20, bins: int = 10) -> tuple[ColumnDrift, ...]:
    """One ``ColumnDrift`` per column present in both Parquet tables (``exclude`` left out), in the
    reference's column order, as ``audit_tables(...).features`` gives them."""
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
