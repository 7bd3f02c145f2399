"""Audit a table for PII: one verdict per column, from pandas/Polars frames or from files.

``audit_frame(df)`` classifies every column of an in-memory table; ``audit_file(path)`` reads only the
first ``sample_rows`` rows (a lazy scan: a 10 GB CSV is never loaded whole) and classifies those.
The result is data (``AuditResult``); ``compliance.audit_report`` turns it into findings.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsecure.check import ProgressCallback
from mlsecure.errors import InputError
from mlsecure.privacy.pii.classify import ColumnVerdict, classify_columns
from mlsecure.privacy.pii.frame import read_head, to_strings
from mlsecure.privacy.pii.recognizers import Recognizer
from mlsecure.privacy.pii.types import TYPE_INFO, PiiType


@dataclass(frozen=True)
class AuditResult:
    """Per-column verdicts for one table; ``rows`` is how many rows were examined."""

    source: str
    rows: int
    columns: tuple[ColumnVerdict, ...]
    seconds: float

    def verdict(self, column: str) -> ColumnVerdict:
        for v in self.columns:
            if v.column == column:
                return v
        raise KeyError(column)

    @property
    def pii_columns(self) -> tuple[ColumnVerdict, ...]:
        return tuple(v for v in self.columns if v.pii_type is not None)

    def types(self) -> dict[str, PiiType | None]:
        return {v.column: v.pii_type for v in self.columns}

    def hipaa_identifiers(self) -> dict[str, list[str]]:
        """Safe Harbor letter -> columns holding that identifier (ages only when some exceed 89)."""
        out: dict[str, list[str]] = {}
        for v in self.pii_columns:
            letters = _hipaa_letters(v)
            for letter in letters:
                out.setdefault(letter, []).append(v.column)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rows": self.rows, "seconds": round(self.seconds, 4),
                "columns": [v.to_dict() for v in self.columns]}


def audit_frame(frame: Any, *, source: str = "<dataframe>", sample_size: int = 1000, early_sample: int = 200,
                region: str = "US", pool: Sequence[Recognizer] | None = None,
                progress: ProgressCallback | None = None, text_columns: Collection[str] = ()) -> AuditResult:
    """Classify every column of a pandas or Polars DataFrame from up to ``sample_size`` non-null values per
    column (a first pass over ``early_sample`` values stops early when already confident). Columns named in
    ``text_columns`` (``"*"``: every column) are read as running text: span findings only."""
    start = time.perf_counter()
    strings = to_strings(frame)
    unknown = set(text_columns) - {"*", *strings.columns}
    if unknown:
        raise InputError(f"{source}: no such text column(s): {', '.join(sorted(unknown))}")
    verdicts = classify_columns([(name, strings.get_column(name)) for name in strings.columns],
                                sample_size=sample_size, early_sample=early_sample, region=region, pool=pool,
                                text_columns=text_columns)
    if progress is not None:
        progress("PII audit", 1.0)
    return AuditResult(source, strings.height, tuple(verdicts), time.perf_counter() - start)


def audit_file(path: str | Path, *, sample_rows: int = 10_000, sample_size: int = 1000, region: str = "US",
               pool: Sequence[Recognizer] | None = None, progress: ProgressCallback | None = None,
               text_columns: Collection[str] = ()) -> AuditResult:
    """Audit a CSV/TSV/Parquet/JSONL file from its first ``sample_rows`` rows."""
    start = time.perf_counter()
    head = read_head(path, sample_rows)
    result = audit_frame(head, source=str(path), sample_size=sample_size, region=region, pool=pool,
                         progress=progress, text_columns=text_columns)
    return AuditResult(str(path), result.rows, result.columns, time.perf_counter() - start)


def _hipaa_letters(v: ColumnVerdict) -> list[str]:
    if v.pii_type is None:
        return []
    if v.pii_type is PiiType.FREE_TEXT:
        letters = set()
        for name in (v.spans.by_type if v.spans else {}):
            letter = TYPE_INFO[PiiType(name)].hipaa
            if letter:
                letters.add(letter)
        return sorted(letters)
    if v.pii_type is PiiType.AGE and not v.detail.get("over_89", False):
        return []
    letter = TYPE_INFO[v.pii_type].hipaa
    if v.pii_type is PiiType.PHONE and "fax" in v.column.lower():
        letter = "E"
    return [letter] if letter else []
