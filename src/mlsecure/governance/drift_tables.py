"""Train/serve skew between two tables (OWASP ML08): schema first (missing, extra, retyped columns,
values out of range, new categories, missingness), then each shared column's distribution, all
per-feature tests in one Benjamini-Hochberg family. The statistics themselves are in ``drift``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mlsecure.governance.drift import benjamini_hochberg, categorical_drift, numeric_drift, two_proportion_test

if TYPE_CHECKING:
    import pandas as pd


SchemaKind = Literal["missing_column", "extra_column", "dtype_change", "out_of_range", "new_category",
                     "missingness"]


@dataclass(frozen=True)
class SchemaIssue:
    kind: SchemaKind
    column: str
    evidence: Mapping[str, Any]


@dataclass(frozen=True)
class ColumnDrift:
    """One feature's test: KS for numeric columns, chi-square for categorical or few-valued ones."""

    column: str
    test: Literal["ks", "chi2"]
    statistic: float
    pvalue: float
    qvalue: float  # Benjamini-Hochberg across all the features of the table
    psi: float
    wasserstein_scaled: float | None  # numeric columns only
    n_reference: int
    n_current: int


@dataclass(frozen=True)
class TableDrift:
    schema: tuple[SchemaIssue, ...]
    features: tuple[ColumnDrift, ...]
    numeric_columns: tuple[str, ...]  # tested by KS (the multivariate tests use these)
    n_reference: int
    n_current: int


def audit_tables(reference: pd.DataFrame, current: pd.DataFrame, *, exclude: tuple[str, ...] = (),
                 max_categories: int = 20, bins: int = 10, alpha: float = 0.05, range_tolerance: float = 0.01,
                 new_category_tolerance: float = 0.01, missing_tolerance: float = 0.01) -> TableDrift:
    """Compare a serving table with the training table: schema first, then every shared column's distribution.

    Numeric columns with at most ``max_categories`` distinct reference values are tested as categories.
    ``exclude`` names columns left out of the schema comparison (a label absent at serving time).
    """
    import pandas as pd

    ref_cols = [str(c) for c in reference.columns if str(c) not in exclude]
    cur_cols = {str(c) for c in current.columns}
    issues: list[SchemaIssue] = []
    missing = [c for c in ref_cols if c not in cur_cols]
    extra = [c for c in map(str, current.columns) if c not in set(ref_cols) and c not in exclude]
    for col in missing:
        hint = _renamed_to(reference[col], [current[e] for e in extra], extra)
        issues.append(SchemaIssue("missing_column", col, {"possibly_renamed_to": hint} if hint else {}))
    issues += [SchemaIssue("extra_column", col, {}) for col in extra]
    shared = [c for c in ref_cols if c in cur_cols]
    shared += [c for c in exclude if c in reference.columns and c in cur_cols]
    numeric: list[str] = []
    categorical: list[str] = []
    miss_p: list[float] = []
    miss_ev: list[dict[str, Any]] = []
    for col in shared:
        r, c = reference[col], current[col]
        r_num = bool(pd.api.types.is_numeric_dtype(r) or pd.api.types.is_bool_dtype(r))
        c_num = bool(pd.api.types.is_numeric_dtype(c) or pd.api.types.is_bool_dtype(c))
        # int <-> float is not a schema change (CSV type inference flips it with the values present, e.g. a
        # column that happens to hold only whole numbers); a change of kind (numbers <-> text) is
        if str(r.dtype) != str(c.dtype) and not (r_num and c_num):
            ev: dict[str, Any] = {"reference_dtype": str(r.dtype), "current_dtype": str(c.dtype)}
            if r_num and not c_num:
                ev["unparseable_values"] = int(pd.to_numeric(c, errors="coerce").isna().sum() - c.isna().sum())
            issues.append(SchemaIssue("dtype_change", col, ev))
        kr, kc = int(r.isna().sum()), int(c.isna().sum())
        miss_p.append(two_proportion_test(kr, len(r), kc, len(c)))
        miss_ev.append({"reference_rate": kr / max(len(r), 1), "current_rate": kc / max(len(c), 1)})
        if r_num and r.nunique(dropna=True) > max_categories:
            numeric.append(col)
        else:
            categorical.append(col)
        if r_num:
            issues += _out_of_range(col, r, c, range_tolerance)
        else:
            issues += _new_categories(col, r, c, new_category_tolerance)
    q_miss = benjamini_hochberg(np.asarray(miss_p))
    for col, p, q, ev in zip(shared, miss_p, q_miss, miss_ev, strict=True):
        if q <= alpha and abs(ev["current_rate"] - ev["reference_rate"]) >= missing_tolerance:
            issues.append(SchemaIssue("missingness", col, {**ev, "pvalue": p, "qvalue": float(q)}))
    features = _feature_tests(reference, current, numeric, categorical, bins)
    return TableDrift(tuple(issues), features, tuple(numeric), len(reference), len(current))


def numeric_matrix(frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> np.ndarray:
    """The columns as float64, unparseable values as NaN."""
    import pandas as pd

    if not columns:
        return np.empty((len(frame), 0))
    return np.column_stack([pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64)
                            for c in columns])


def _feature_tests(reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str], categorical: list[str],
                   bins: int) -> tuple[ColumnDrift, ...]:
    import pandas as pd

    rows: list[tuple[str, Literal["ks", "chi2"], float, float, float, float | None, int, int]] = []
    if numeric:
        t = numeric_drift(numeric_matrix(reference, numeric), numeric_matrix(current, numeric), bins=bins)
        rows += [(c, "ks", float(t.ks_statistic[j]), float(t.ks_pvalue[j]), float(t.psi[j]),
                  float(t.wasserstein_scaled[j]), int(t.n_reference[j]), int(t.n_current[j]))
                 for j, c in enumerate(numeric)]
    for col in categorical:
        as_numbers = bool(pd.api.types.is_numeric_dtype(reference[col]) and pd.api.types.is_numeric_dtype(current[col]))
        r, c = _as_labels(reference[col], as_numbers), _as_labels(current[col], as_numbers)
        ct = categorical_drift(r, c)
        rows.append((col, "chi2", ct.chi2, ct.pvalue, ct.psi, None, len(r), len(c)))
    q = benjamini_hochberg(np.asarray([r[3] for r in rows]))
    return tuple(ColumnDrift(col, test, s, p, float(qv), ps, w, nr, nc)
                 for (col, test, s, p, ps, w, nr, nc), qv in zip(rows, q, strict=True))


def _as_labels(values: pd.Series, as_numbers: bool) -> np.ndarray:
    """Category labels; numeric columns by value (so 0 and 0.0 are one category), others by text."""
    if as_numbers:
        values = values.dropna().astype(np.float64)
    out: np.ndarray = values.dropna().astype(str).to_numpy()
    return out


def _out_of_range(col: str, r: pd.Series, c: pd.Series, tolerance: float) -> list[SchemaIssue]:
    import pandas as pd

    ref = pd.to_numeric(r, errors="coerce").dropna()
    cur = pd.to_numeric(c, errors="coerce").dropna()
    if ref.empty or cur.empty:
        return []
    low, high = float(ref.min()), float(ref.max())
    below, above = int((cur < low).sum()), int((cur > high).sum())
    fraction = (below + above) / len(cur)
    if fraction <= tolerance:
        return []
    return [SchemaIssue("out_of_range", col, {
        "reference_min": low, "reference_max": high, "current_min": float(cur.min()),
        "current_max": float(cur.max()), "below": below, "above": above, "fraction": fraction})]


def _new_categories(col: str, r: pd.Series, c: pd.Series, tolerance: float) -> list[SchemaIssue]:
    seen = set(_as_labels(r, False))
    cur = _as_labels(c, False)
    unseen = np.fromiter((v not in seen for v in cur), bool, len(cur))
    fraction = float(unseen.mean()) if len(cur) else 0.0
    if fraction <= tolerance:
        return []
    values, counts = np.unique(cur[unseen], return_counts=True)
    top = values[np.argsort(-counts)[:5]]
    return [SchemaIssue("new_category", col, {
        "fraction": fraction, "rows": int(unseen.sum()), "new_values": len(values),
        "examples_masked": [mask_value(str(v)) for v in top]})]


def mask_value(value: str) -> str:
    """A category shown without its raw text (it may be PII): first character, length and a short hash."""
    import hashlib

    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]
    return f"{value[:1]}***({len(value)} chars, sha256:{digest})"


def _renamed_to(column: pd.Series, candidates: list[pd.Series], names: list[str]) -> str | None:
    """An extra column holding the same distribution as the missing one (KS D < 0.02 or same value set)."""
    import pandas as pd

    r_num = pd.api.types.is_numeric_dtype(column)
    for cand, name in zip(candidates, names, strict=True):
        if r_num and pd.api.types.is_numeric_dtype(cand):
            t = numeric_drift(numeric_matrix(column.to_frame(), [str(column.name)]),
                              numeric_matrix(cand.to_frame(), [str(cand.name)]))
            if float(t.ks_statistic[0]) < 0.02:
                return name
        elif not r_num and set(_as_labels(column, False)) == set(_as_labels(cand, False)):
            return name
    return None
