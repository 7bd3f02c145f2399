"""PII audit benchmark: mlsecure vs Microsoft Presidio (analyzer + presidio-structured) vs the floor.

Same generated, labelled table for everyone (``mlsecure.privacy.pii.synth``: 42 columns, 28 PII in many
formats, 14 decoys, one free-text column). Measured:

* column-level typed precision/recall/F1 (overall and per PII type): a column counts as found only
  with its true type; for the free-text column any PII type counts;
* span recall on the free-text column (planted values found with their type);
* throughput, process CPU time, medians over interleaved runs (A B A B):
  - ``table``: audit the whole N-row CSV file the way each tool does it by default-ish: mlsecure reads
    and classifies its 10,000-row head sample; Presidio analyses a ``--presidio-rows`` random sample
    of rows with ``PandasAnalysisBuilder`` (all N rows would take hours at its speed);
  - ``per analysed row``: both given the same in-memory sample of rows, every row examined;
  - ``anonymize``: audit plus redaction/generalization of every cell of the file, streamed, written;
  - the floors: one pass over the file's bytes, and Polars reading every cell as text plus one
    regex kernel per column (what any vectorised scan must pay).

Presidio runs regex-only (``NoOpNlpEngine``): no spaCy model can be downloaded here (the only
``en_core_web_sm`` wheels on PyPI are unofficial re-uploads), so its PERSON/LOCATION recognizers are off.

Run: ``python benchmarks/bench_pii.py --rows 100000`` (Presidio: ``pip install -c constraints.txt
presidio-analyzer presidio-structured``; it is skipped when not installed).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlsecure.privacy.pii.audit import audit_file, audit_frame
from mlsecure.privacy.pii.spans import confirmed_strings
from mlsecure.privacy.pii.synth import LabelledTable, generate_table
from mlsecure.privacy.pii.types import PiiType

PRESIDIO_TO_TYPE = {
    "PERSON": "name", "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "US_SSN": "ssn", "US_ITIN": "ssn",
    "CREDIT_CARD": "credit_card", "IBAN_CODE": "iban", "IP_ADDRESS": "ip_address", "URL": "url",
    "DATE_TIME": "date", "LOCATION": "city", "US_DRIVER_LICENSE": "license", "MEDICAL_LICENSE": "license",
    "US_BANK_NUMBER": "account_number", "CRYPTO": "crypto_address", "US_PASSPORT": "passport",
    "UK_NHS": "health_plan_id", "MAC_ADDRESS": "mac_address",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--presidio-rows", type=int, default=1000, help="rows Presidio analyses (its sample)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--presidio-path", help="a site-packages folder holding presidio-analyzer and "
                        "presidio-structured, appended to sys.path (e.g. /work/peers/presidio/lib/python3.11/"
                        "site-packages), so Presidio runs in this process on the same rows")
    args = parser.parse_args()
    if args.presidio_path:
        sys.path.append(args.presidio_path)  # appended: our own pinned packages stay first
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    cache = Path(tempfile.gettempdir()) / f"mlsecure_bench_pii_{args.rows}_{args.seed}.csv"
    t0 = time.perf_counter()
    table = generate_table(args.rows, seed=args.seed, neutral_headers=True)
    print(f"generated {args.rows} rows x {table.frame.width} columns in {time.perf_counter() - t0:.1f}s -> {cache}")
    table.frame.write_csv(cache)
    sample = table.frame.sample(args.presidio_rows, seed=123).to_pandas()
    labels = {c: (t.value if t else None) for c, t in table.labels.items()}

    presidio = _presidio()
    print(f"load average at the start (1, 5, 15 min): {_load()}; Polars threads: {_polars_threads()}")
    ours_table: list[float] = []
    ours_rows: list[float] = []
    theirs_table: list[float] = []
    floor_bytes: list[float] = []
    full_pass: list[float] = []
    floor_scan: list[float] = []
    ours_pred: dict[str, str | None] = {}
    theirs_pred: dict[str, str | None] = {}
    for rep in range(args.repeats):
        sec, result = _cpu(lambda: audit_file(cache))
        ours_table.append(sec)
        ours_pred = {v.column: (v.pii_type.value if v.pii_type else None) for v in result.columns}
        sec, _ = _cpu(lambda: audit_frame(sample, sample_size=len(sample), early_sample=len(sample)))
        ours_rows.append(sec)
        if presidio is not None and rep < 2:
            sec, mapping = _cpu(lambda: presidio(sample))
            theirs_table.append(sec)
            theirs_pred = {c: mapping.get(c) for c in labels}
        full_pass.append(_cpu(lambda: _anonymize_pass(cache))[0])
        floor_bytes.append(_cpu(lambda: _byte_pass(cache))[0])
        floor_scan.append(_cpu(lambda: _regex_scan(cache))[0])

    print(f"\n== accuracy: column-level typed precision / recall (N={args.rows}, {len(labels)} columns, "
          f"{sum(v is not None for v in labels.values())} with PII) ==")
    rows = [("mlsecure", ours_pred)] + ([("presidio (regex-only)", theirs_pred)] if presidio else [])
    for name, pred in rows:
        p, r = _scores(labels, pred)
        print(f"{name:<24} precision {p:.3f}  recall {r:.3f}  F1 {_f1(p, r):.3f}")
    print("\nper PII type (precision/recall/F1):")
    types = sorted({t for t in labels.values() if t})
    header = f"{'type':<16}" + "".join(f"{name:>26}" for name, _ in rows)
    print(header)
    for t in types:
        cells = []
        for _, pred in rows:
            p, r = _scores(labels, pred, only=t)
            cells.append(f"{p:.2f}/{r:.2f}/{_f1(p, r):.2f}")
        print(f"{t:<16}" + "".join(f"{c:>26}" for c in cells))
    wrong = {c: (labels[c], ours_pred[c]) for c in labels if not _match(labels[c], ours_pred[c])}
    print(f"mlsecure misses/confusions: {wrong or 'none'}")
    if presidio:
        wrong_p = {c: (labels[c], theirs_pred[c]) for c in labels if not _match(labels[c], theirs_pred[c])}
        print(f"presidio misses/confusions ({len(wrong_p)}): {wrong_p}")

    span_recall, span_precision = _span_scores_ours(table)
    print(f"\n== free-text span recall ({sum(len(s) for s in table.spans)} planted values) ==")
    print(f"mlsecure {span_recall:.3f} (precision of the distinct strings it confirmed: {span_precision:.3f})")
    if presidio:
        recall = _span_recall_presidio(table, args.presidio_rows)
        print(f"presidio {recall:.3f} (on the first {args.presidio_rows} rows)")

    med = statistics.median
    print("\n== throughput (process CPU seconds, median) ==")
    print(f"mlsecure audit of the {args.rows}-row file (reads a 10,000-row head sample): {med(ours_table):.2f}s "
          f"= {args.rows / med(ours_table):,.0f} table rows/s")
    per_row_ours = len(sample) / med(ours_rows)
    print(f"mlsecure, every row of a {len(sample)}-row sample examined: {med(ours_rows):.2f}s = "
          f"{per_row_ours:,.0f} rows/s")
    if presidio:
        per_row_theirs = len(sample) / med(theirs_table)
        print(f"presidio PandasAnalysisBuilder on the same {len(sample)} rows: {med(theirs_table):.2f}s = "
              f"{per_row_theirs:,.1f} rows/s")
        print(f"ratio per analysed row: mlsecure is {per_row_ours / per_row_theirs:,.0f}x faster")
        print(f"ratio for the {args.rows}-row table (Presidio on all rows, extrapolated "
              f"{args.rows / per_row_theirs:,.0f}s): "
              f"mlsecure is {args.rows / per_row_theirs / med(ours_table):,.0f}x faster")
    print(f"mlsecure anonymize, every cell of the {args.rows}-row file (stream, spans in free text, write CSV): "
          f"{med(full_pass):.2f}s = {args.rows / med(full_pass):,.0f} rows/s")
    print(f"floor: one pass over the file's bytes {med(floor_bytes):.3f}s; Polars read of every cell + one regex "
          f"per column {med(floor_scan):.2f}s")
    print(f"mlsecure table audit / full regex scan floor = {med(ours_table) / med(floor_scan):.2f}x")
    print(f"load average at the end (1, 5, 15 min): {_load()}")


def _load() -> str:
    """The machine's load average: the per-row ratio moves with it (Presidio's Python loop slows down more)."""
    import os

    try:
        return ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _polars_threads() -> str:
    import os

    import polars as pl

    return f"{pl.thread_pool_size()} (POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS', 'unset')})"


def _cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def _anonymize_pass(path: Path) -> int:
    """What ``mlsecure privacy anonymize --input FILE`` does without a key: audit, then redact/generalize
    every batch and write it."""
    from mlsecure.privacy.pii.anonymize import apply_plan, auto_plan
    from mlsecure.privacy.pii.frame import iter_batches
    from mlsecure.privacy.pii.writer import TableWriter

    audit = audit_file(path)
    plan = auto_plan(audit, key_available=False)
    out = path.with_suffix(".anonymized.csv")
    rows = 0
    with TableWriter(out) as writer:
        for batch in iter_batches(path):
            done, _ = apply_plan(batch, plan, audit=audit, key=None)
            writer.write(done)
            rows += batch.height
    out.unlink()
    return rows


def _byte_pass(path: Path) -> int:
    n = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            n += chunk.count(b"\n")
    return n


def _regex_scan(path: Path) -> int:
    import polars as pl

    frame = pl.read_csv(path, infer_schema=False)
    return int(frame.select([pl.col(c).str.contains(r"\d{3}-\d{2}-\d{4}|@").sum() for c in frame.columns])
               .sum_horizontal()[0])


def _presidio() -> Callable[[Any], dict[str, str | None]] | None:
    try:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NoOpNlpEngine
        from presidio_structured import PandasAnalysisBuilder
    except ImportError:
        print("presidio not installed: skipping the peer")
        return None
    engine = AnalyzerEngine(nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}]),
                            supported_languages=["en"])
    builder = PandasAnalysisBuilder(analyzer=engine)

    def run(df: Any) -> dict[str, str | None]:
        analysis = builder.generate_analysis(df, n=len(df))
        return {c: PRESIDIO_TO_TYPE.get(e, e.lower()) for c, e in analysis.entity_mapping.items()}

    global _PRESIDIO_ENGINE
    _PRESIDIO_ENGINE = engine
    return run


_PRESIDIO_ENGINE: Any = None


def _match(label: str | None, pred: str | None) -> bool:
    if label == PiiType.FREE_TEXT.value:
        return pred is not None
    return label == pred


def _scores(labels: dict[str, str | None], pred: dict[str, str | None], only: str | None = None) -> tuple[float, float]:
    tp = fp = fn = 0
    for col, label in labels.items():
        p = pred.get(col)
        if only is not None:
            hit = label == only and _match(label, p)
            tp += hit
            fp += p == only and label != only
            fn += label == only and not hit
            continue
        if label is not None and _match(label, p):
            tp += 1
        else:
            fp += p is not None
            fn += label is not None
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _span_scores_ours(table: LabelledTable) -> tuple[float, float]:
    """(recall, precision) of the distinct PII strings confirmed in the free-text column."""
    found = confirmed_strings(table.frame.get_column("notes"))
    planted = [(v, t) for row in table.spans for v, t in row]
    truth = dict(planted)
    recall = sum(found.get(v) == t for v, t in planted) / len(planted)
    precision = sum(truth.get(v) == t for v, t in found.items()) / max(len(found), 1)
    return recall, precision


def _span_recall_presidio(table: LabelledTable, limit: int) -> float:
    engine = _PRESIDIO_ENGINE
    hits = total = 0
    for text, planted in zip(table.frame.get_column("notes").head(limit).to_list(), table.spans[:limit], strict=True):
        results = engine.analyze(text, language="en")
        for value, t in planted:
            total += 1
            start = text.find(value)
            end = start + len(value)
            hits += any(PRESIDIO_TO_TYPE.get(r.entity_type) == t.value and r.start <= start and r.end >= end
                        for r in results)
    return hits / total if total else 0.0


if __name__ == "__main__":
    main()
