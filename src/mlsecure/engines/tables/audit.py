"""The PII audit over every row: column statistics computed batch by batch and merged, on any engine.

Two phases, so that every engine gives the same answer:

1. **Classify** each column from the table's first ``sample_rows`` rows (files in name order), exactly as
   ``privacy audit`` does: ``audit_frame`` on that head. This fixes each column's type, reasons and masked
   examples.
2. **Count over all rows.** ``batch_stats`` turns one batch into one ``ColumnStats`` per column (integer
   counts only), and ``ColumnStats.merge`` adds them up. Counting is associative and commutative, so the
   merged statistics do not depend on how rows were cut into batches or partitions: the local stream, a
   Spark job on one core and a Spark job on a cluster give *equal* results.

What is counted per column: rows and nulls; for a typed column, the cells that are valid instances of its
type under any recognizer of that type (pattern and validator) and, for ages, those over 89; for a text or
mixed column, the cells holding PII spans, per span type; for a column the sample found clean (or empty),
the cells matching each checksummed recognizer's pattern and those passing its checksum (Luhn, IBAN mod 97,
national-id check digits): PII the sample did not see. The verdict then carries the all-rows share, null
share and counts (``detail["all_rows"]``), and ``beyond_sample_findings`` raises ``PII-006`` for a clean
column whose valid cells over all rows reach the recognizer's own ``min_share``: the type the classifier
would have given the column had it seen every row (a head of nulls, then a column of IBANs).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

from mlsecure.findings import Finding, Location, Severity
from mlsecure.privacy.pii.audit import AuditResult, audit_frame
from mlsecure.privacy.pii.classify import ColumnVerdict, header_tokens
from mlsecure.privacy.pii.recognizers import Recognizer, recognizers
from mlsecure.privacy.pii.spans import SpanScan, scan_spans
from mlsecure.privacy.pii.types import PiiType
from mlsecure.privacy.pii.validators import age, phone, phone_any_region

Mode = Literal["typed", "text", "scan"]


@dataclass(frozen=True)
class ColumnTarget:
    """What phase 2 counts in one column (decided on the driver from the sample's verdict)."""

    column: str
    mode: Mode
    recognizers: tuple[Recognizer, ...]
    pii_type: PiiType | None = None
    region: str = "US"


@dataclass(frozen=True)
class ColumnStats:
    """Integer counts over some rows of one column; ``merge`` adds two of them."""

    rows: int = 0
    nulls: int = 0
    valid: int = 0
    over_89: int = 0
    span_cells: int = 0
    span_types: dict[str, int] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)  # clean columns: recognizer -> pattern matches
    beyond: dict[str, int] = field(default_factory=dict)  # ... and of those, the cells its checksum accepts

    def merge(self, other: ColumnStats) -> ColumnStats:
        return ColumnStats(self.rows + other.rows, self.nulls + other.nulls, self.valid + other.valid,
                           self.over_89 + other.over_89, self.span_cells + other.span_cells,
                           _add(self.span_types, other.span_types), _add(self.matched, other.matched),
                           _add(self.beyond, other.beyond))

    def to_json(self) -> str:
        return json.dumps([self.rows, self.nulls, self.valid, self.over_89, self.span_cells,
                           self.span_types, self.matched, self.beyond], sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ColumnStats:
        rows, nulls, valid, over_89, span_cells, span_types, matched, beyond = json.loads(text)
        return cls(int(rows), int(nulls), int(valid), int(over_89), int(span_cells), _ints(span_types),
                   _ints(matched), _ints(beyond))


def classify_sample(head: Any, *, source: str, region: str = "US", pool: Sequence[Recognizer] | None = None,
                    text_columns: Iterable[str] = ()) -> AuditResult:
    """Phase 1: the verdicts from the head of the table (the same call ``privacy audit`` makes)."""
    return audit_frame(head, source=source, region=region, pool=pool, text_columns=tuple(text_columns))


def targets_for(sample: AuditResult, *, region: str = "US",
                pool: Sequence[Recognizer] | None = None) -> tuple[ColumnTarget, ...]:
    """Phase 2's plan: per column, which recognizers to count (shipped to every worker)."""
    pool = tuple(pool) if pool is not None else recognizers()
    checksummed = tuple(r for r in pool if r.checksum and not r.needs_header)
    out = []
    for v in sample.columns:
        if v.kind in ("free_text", "mixed") or v.pii_type is PiiType.FREE_TEXT:
            out.append(ColumnTarget(v.column, "text", (), v.pii_type, region))
        elif v.pii_type is not None:
            out.append(ColumnTarget(v.column, "typed", tuple(r for r in pool if r.pii_type is v.pii_type),
                                    v.pii_type, region))
        else:
            out.append(ColumnTarget(v.column, "scan", checksummed, None, region))
    return tuple(out)


def batch_stats(batch: Any, targets: Sequence[ColumnTarget]) -> dict[str, ColumnStats]:
    """Phase 2 on one batch (a Polars frame of strings): one ``ColumnStats`` per target column."""
    return {t.column: _column_stats(batch.get_column(t.column), t) for t in targets}


def merge_all(parts: Iterable[Mapping[str, ColumnStats]]) -> dict[str, ColumnStats]:
    out: dict[str, ColumnStats] = {}
    for part in parts:
        for name, stats in part.items():
            out[name] = out[name].merge(stats) if name in out else stats
    return out


def finish(sample: AuditResult, targets: Sequence[ColumnTarget], stats: Mapping[str, ColumnStats], *, source: str,
           seconds: float) -> AuditResult:
    """The sample's verdicts with their shares, null shares and counts taken over all rows."""
    min_share = {r.name: r.min_share for t in targets for r in t.recognizers}
    columns = tuple(_with_stats(v, stats[v.column], min_share) for v in sample.columns)
    rows = max((s.rows for s in stats.values()), default=0)
    return AuditResult(source, rows, columns, seconds)


def audit_all_rows(path: str | Path, *, batch_rows: int = 100_000, sample_rows: int = 10_000, region: str = "US",
                   pool: Sequence[Recognizer] | None = None, text_columns: Iterable[str] = (),
                   on_batch: Callable[[int], None] | None = None) -> AuditResult:
    """The single-process engine: classify the head, then stream every row in ``batch_rows`` batches."""
    from mlsecure.engines.tables.stream import iter_table, read_head

    start = time.perf_counter()
    sample = classify_sample(read_head(path, sample_rows), source=str(path), region=region, pool=pool,
                             text_columns=text_columns)
    targets = targets_for(sample, region=region, pool=pool)
    merged: dict[str, ColumnStats] = {}
    for batch in iter_table(path, batch_rows=batch_rows):
        merged = merge_all([merged, batch_stats(batch, targets)])
        if on_batch is not None:
            on_batch(batch.height)
    return finish(sample, targets, merged, source=str(path), seconds=time.perf_counter() - start)


def beyond_sample_findings(audit: AuditResult) -> list[Finding]:
    """``PII-006`` for each column the sample found clean (or empty) that, over all rows, is mostly
checksum-valid identifiers of one kind."""
    out = []
    for v in audit.columns:
        beyond = v.detail.get("all_rows", {}).get("beyond_sample", {})
        if v.pii_type is not None or not beyond:
            continue
        cells = sum(beyond.values())
        out.append(Finding(
            id="PII-006", title=f"Column {v.column!r} holds identifiers the sample did not show "
            f"({', '.join(sorted(beyond))}: {cells} cells)", severity=Severity.HIGH, owasp="ML03",
            atlas=("AML.T0024.000",), location=Location(path=audit.source, column=v.column),
            evidence={"cells_by_recognizer": dict(sorted(beyond.items())), "rows": audit.rows,
                      "sampled": v.sampled},
            remediation=f"Inspect the rows past the first {v.sampled} non-empty cells; anonymize the column "
            f"(mlsecure privacy anonymize --input {audit.source} --column-method {v.column}=redact).",
            description="Every row was checked with the checksummed recognizers: over all rows the column "
            "reaches the share of valid identifiers that names a column's type, but its type was decided from "
            "the head of the table, where they were absent."))
    return out


def _column_stats(values: Any, t: ColumnTarget) -> ColumnStats:
    rows = len(values)
    non_null = values.drop_nulls()
    nulls = rows - len(non_null)
    if len(non_null) == 0:
        return ColumnStats(rows, nulls)
    if t.mode == "text":
        spans = scan_spans(non_null, region=t.region)
        return ColumnStats(rows, nulls, span_cells=spans.cells_with_pii, span_types=dict(spans.by_type))
    counts = non_null.value_counts()
    uniq = counts.get_column(non_null.name).to_list()
    freq = counts.get_column("count").to_list()
    if t.mode == "typed":
        valid_mask = _valid_any(uniq, t.recognizers, t.column, t.region)
        valid = sum(f for f, ok in zip(freq, valid_mask, strict=True) if ok)
        over = 0
        if t.pii_type is PiiType.AGE:
            over = sum(f for v, f, ok in zip(uniq, freq, valid_mask, strict=True) if ok and age(v) and int(v) > 89)
        return ColumnStats(rows, nulls, valid, over)
    matched: dict[str, int] = {}
    beyond: dict[str, int] = {}
    for rec in t.recognizers:
        hits, ok = _matches(uniq, rec, t.column, t.region)
        n_hits = sum(f for f, hit in zip(freq, hits, strict=True) if hit)
        if n_hits:
            matched[rec.name] = n_hits
            beyond[rec.name] = sum(f for f, good in zip(freq, ok, strict=True) if good)
    return ColumnStats(rows, nulls, matched=matched, beyond={k: n for k, n in beyond.items() if n})


def _valid_any(uniq: list[str], pool: Sequence[Recognizer], column: str, region: str) -> list[bool]:
    """Per distinct value: does it match and validate under any recognizer of ``pool``?"""
    ok = [False] * len(uniq)
    for rec in pool:
        _, valid = _matches(uniq, rec, column, region, skip=ok)
        ok = [a or b for a, b in zip(ok, valid, strict=True)]
    return ok


def _matches(uniq: list[str], rec: Recognizer, column: str, region: str,
             skip: Sequence[bool] | None = None) -> tuple[list[bool], list[bool]]:
    """Per distinct value: its full-cell pattern match, and match plus validator (not run where ``skip``)."""
    from mlsecure.privacy.pii.frame import polars

    if not uniq:
        return [], []
    pl = polars()
    hits = pl.Series("v", uniq, dtype=pl.Utf8).str.contains(rec.pattern).to_list()
    tokens, compound = header_tokens(column)
    validator = _validator(rec, tokens, compound, region)
    skip = skip or [False] * len(uniq)
    valid = [bool(hit) and not done and bool(validator(v)) for v, hit, done in zip(uniq, hits, skip, strict=True)]
    return [bool(h) for h in hits], valid


def _validator(rec: Recognizer, tokens: set[str], compound: str, region: str) -> Callable[[str], bool]:
    if rec.pii_type is PiiType.PHONE:  # as the classifier: a phone header admits many countries' numbers
        has_header = any(k.replace("_", "") in tokens or (len(k) >= 4 and k.replace("_", "") in compound)
                         for k in rec.header)
        return phone_any_region if has_header else partial(phone, region=region)
    return rec.validator


def _with_stats(v: ColumnVerdict, s: ColumnStats, min_share: Mapping[str, float]) -> ColumnVerdict:
    non_null = s.rows - s.nulls
    all_rows: dict[str, Any] = {"rows": s.rows, "nulls": s.nulls}
    null_share = s.nulls / s.rows if s.rows else 1.0
    if v.kind in ("free_text", "mixed") or v.pii_type is PiiType.FREE_TEXT:
        all_rows.update(span_cells=s.span_cells, span_types=dict(sorted(s.span_types.items())))
        examples = v.spans.examples if v.spans else ()
        spans = SpanScan(non_null, s.span_cells, dict(sorted(s.span_types.items())), examples=examples)
        share = s.span_cells / non_null if non_null else 0.0
        return replace(v, share=share if v.pii_type is not None else v.share, null_share=null_share, spans=spans,
                       detail={**v.detail, "all_rows": all_rows})
    if v.pii_type is not None:
        all_rows["valid"] = s.valid
        detail = {**v.detail, "all_rows": all_rows}
        if v.pii_type is PiiType.AGE:
            all_rows["over_89"] = s.over_89
            detail["over_89"] = s.over_89 > 0
        return replace(v, share=s.valid / non_null if non_null else 0.0, null_share=null_share, detail=detail)
    all_rows["checksum_cells"] = {k: {"matched": s.matched[k], "valid": n} for k, n in sorted(s.beyond.items())}
    # the classifier's own bar, applied to all rows instead of the head: a share of valid cells at least the
    # recognizer's ``min_share`` (a counter column whose digits pass a check digit one time in ten is not flagged)
    all_rows["beyond_sample"] = {k: n for k, n in sorted(s.beyond.items())
                                 if non_null and k in min_share and n >= min_share[k] * non_null}
    return replace(v, null_share=null_share, detail={**v.detail, "all_rows": all_rows})


def _ints(mapping: Mapping[str, Any]) -> dict[str, int]:
    return {str(k): int(v) for k, v in mapping.items()}


def _add(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, n in b.items():
        out[k] = out.get(k, 0) + n
    return out
