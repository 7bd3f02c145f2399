"""Generalization hierarchies, vectorised over a Polars Series of strings.

Level 0 is the value itself; each level coarsens it; the top level is ``*`` (fully suppressed):

* ZIP codes: level L keeps the first 5-L digits (``02139`` -> ``021**``); Safe Harbor keeps 3 digits and
  turns the 17 three-digit areas with 20,000 people or fewer (2000 Census, HHS guidance) into ``000``.
* dates: full date -> ``YYYY-MM`` -> ``YYYY`` -> decade ``1980-1989`` -> ``*``.
* ages and other numbers: 5-, 10-, 20-wide intervals -> ``*``; Safe Harbor caps ages at ``90+``.
* anything else: value -> ``*``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from mlsecure.privacy.pii.frame import polars
from mlsecure.privacy.pii.types import PiiType

RESTRICTED_ZIP3 = ("036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878",
                   "879", "884", "890", "893")
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%B %d, %Y", "%d %B %Y", "%b %d, %Y",
                 "%Y.%m.%d", "%Y.%m.%d.", "%d.%m.%Y.", "%Y年%m月%d日")  # Korean, Hungarian, Croatian, CJK
NUMERIC_WIDTHS = (1, 5, 10, 20)


class Hierarchy(StrEnum):
    ZIP = "zip"
    DATE = "date"
    NUMBER = "number"
    CATEGORY = "category"


MAX_LEVEL = {Hierarchy.ZIP: 5, Hierarchy.DATE: 4, Hierarchy.NUMBER: 4, Hierarchy.CATEGORY: 1}


def hierarchy_for(pii_type: PiiType | None, values: Any) -> Hierarchy:
    """Pick a hierarchy from the column's PII type, else from whether its values are numbers."""
    pl = polars()
    if pii_type is PiiType.ZIP_CODE:
        return Hierarchy.ZIP
    if pii_type is PiiType.DATE:
        return Hierarchy.DATE
    if pii_type is PiiType.AGE:
        return Hierarchy.NUMBER
    non_null = values.drop_nulls()
    if len(non_null) and non_null.cast(pl.Float64, strict=False).null_count() == 0:
        return Hierarchy.NUMBER
    return Hierarchy.CATEGORY


def generalize(values: Any, hierarchy: Hierarchy, level: int) -> Any:
    """``values`` generalized to ``level`` of ``hierarchy`` (nulls stay null)."""
    pl = polars()
    if level <= 0:
        return values
    frame = pl.DataFrame({"v": values})
    v = pl.col("v")
    if level >= MAX_LEVEL[hierarchy]:
        expr = pl.when(v.is_null()).then(None).otherwise(pl.lit("*"))
    elif hierarchy is Hierarchy.ZIP:
        expr = v.str.slice(0, 5 - level).str.pad_end(5, "*")
    elif hierarchy is Hierarchy.DATE:
        d = parse_dates(v)
        expr = [d.dt.strftime("%Y-%m"), d.dt.year().cast(pl.Utf8),
                (d.dt.year() // 10 * 10).cast(pl.Utf8) + "-" + (d.dt.year() // 10 * 10 + 9).cast(pl.Utf8)][level - 1]
        expr = pl.when(d.is_null() & v.is_not_null()).then(v).otherwise(expr)
    elif hierarchy is Hierarchy.NUMBER:
        x = v.cast(pl.Float64, strict=False)
        width = NUMERIC_WIDTHS[level]
        lo = (x // width * width).cast(pl.Int64)
        expr = pl.when(x.is_null()).then(v).otherwise(lo.cast(pl.Utf8) + "-" + (lo + width - 1).cast(pl.Utf8))
    else:
        expr = pl.when(v.is_null()).then(None).otherwise(pl.lit("*"))
    return frame.select(expr.alias(values.name)).to_series()


def parse_dates(expr: Any) -> Any:
    """A Polars date expression from strings in the common formats (null where none applies)."""
    pl = polars()
    return pl.coalesce([expr.str.strptime(pl.Date, fmt, strict=False) for fmt in _DATE_FORMATS])


def safe_harbor_zip(values: Any) -> Any:
    """ZIP code -> its first 3 digits, or ``000`` for the restricted three-digit areas (45 CFR 164.514(b)(2)(i)(B))."""
    pl = polars()
    zip3 = pl.col("v").str.slice(0, 3)
    expr = (pl.when(pl.col("v").is_null()).then(None)
            .when(zip3.is_in(RESTRICTED_ZIP3)).then(pl.lit("000")).otherwise(zip3))
    return pl.DataFrame({"v": values}).select(expr.alias(values.name)).to_series()


def safe_harbor_date(values: Any) -> Any:
    """Dates -> year only (years stay years)."""
    pl = polars()
    v = pl.col("v")
    d = parse_dates(v)
    expr = (pl.when(v.is_null()).then(None).when(v.str.contains(r"^\d{1,4}$")).then(v)
            .when(d.is_not_null()).then(d.dt.year().cast(pl.Utf8)).otherwise(pl.lit("[DATE]")))
    return pl.DataFrame({"v": values}).select(expr.alias(values.name)).to_series()


def safe_harbor_age(values: Any) -> Any:
    """Ages over 89 -> ``90+`` (45 CFR 164.514(b)(2)(i)(C)); other ages unchanged."""
    pl = polars()
    v = pl.col("v")
    x = v.cast(pl.Float64, strict=False)
    expr = pl.when(x > 89).then(pl.lit("90+")).otherwise(v)
    return pl.DataFrame({"v": values}).select(expr.alias(values.name)).to_series()
