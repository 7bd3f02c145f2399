"""``mlsecure privacy audit|anonymize|kanon``: find PII in a table, anonymize it, measure/enforce k-anonymity.

The data file is read as text, streamed in batches for ``anonymize``; nothing raw is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from mlsecure.cli import exit_codes
from mlsecure.cli.common import add_force_option, add_output_options, emit_report, progress_bar, write_file
from mlsecure.errors import InputError


def register(verbs: Any) -> None:
    audit = verbs.add_parser("audit", help="find PII in a table (per column, free-text spans, HIPAA/GDPR/CCPA)",
                             description="Classify every column of a CSV/TSV/Parquet/JSONL table; raw values "
                             "never appear in the output (examples are masked).")
    audit.add_argument("--data", type=Path, required=True, help="the table to audit")
    _common(audit)
    audit.add_argument("--quasi-identifiers", help="comma-separated columns: also measure k-anonymity over them")
    audit.add_argument("--sensitive", help="sensitive column for l-diversity and t-closeness")
    audit.add_argument("--k", type=int, default=5, help="k below which a PII-005 finding is raised (default 5)")
    audit.add_argument("--all-rows", action="store_true",
                       help="also count every row (shares, nulls, PII past the sample), streamed in --batch-rows "
                       "batches; DATA may be a folder of Parquet/CSV files (always on with --engine spark)")
    audit.add_argument("--batch-rows", type=int, default=100_000, help="rows per streamed batch (default 100000)")
    _engine_options(audit)
    add_output_options(audit)
    audit.set_defaults(handler=run_audit)

    anon = verbs.add_parser("anonymize", help="write an anonymized copy of a table",
                            description="Anonymize PII columns (methods chosen from the audit or given), streamed "
                            "in batches; keyed methods read the key from $MLSECURE_PII_KEY.")
    anon.add_argument("--input", type=Path, required=True, help="the table to anonymize")
    anon.add_argument("--output", "-o", type=Path,
                      help="where to write the result (default: INPUT's name + .anonymized, same format)")
    anon.add_argument("--method", choices=_methods(),
                      help="one method for every PII column (default: chosen per column from the audit)")
    anon.add_argument("--column-method", action="append", default=[], metavar="COLUMN=METHOD",
                      help="method for one column (also for non-PII columns); repeatable")
    anon.add_argument("--hipaa-safe-harbor", action="store_true",
                      help="apply the HIPAA Safe Harbor preset and print the 18-identifier table")
    anon.add_argument("--key-env", default="MLSECURE_PII_KEY",
                      help="environment variable holding the secret key (default: MLSECURE_PII_KEY)")
    anon.add_argument("--subject-column", help="column identifying a person, for per-subject date shifts")
    anon.add_argument("--max-shift-days", type=int, default=365, help="date-shift range in days (default 365)")
    anon.add_argument("--k", type=int, help="also enforce k-anonymity over --quasi-identifiers (loads all rows)")
    anon.add_argument("--quasi-identifiers", help="comma-separated quasi-identifier columns for --k")
    anon.add_argument("--sensitive", help="sensitive column: report l-diversity/t-closeness after --k")
    anon.add_argument("--max-suppression", type=float, default=0.05,
                      help="largest share of rows --k may suppress (default 0.05)")
    anon.add_argument("--batch-rows", type=int, default=100_000, help="rows per streamed batch (default 100000)")
    anon.add_argument("--summary-json", type=Path, help="also write the plan and counts as JSON here")
    _engine_options(anon)
    add_force_option(anon)
    _common(anon)
    anon.set_defaults(handler=run_anonymize)

    kanon = verbs.add_parser("kanon", help="measure (and optionally enforce) k-anonymity, l-diversity, t-closeness",
                             description="Measure k over quasi-identifiers; with --enforce write a k-anonymous copy.")
    kanon.add_argument("--data", type=Path, required=True, help="the table")
    kanon.add_argument("--quasi-identifiers", required=True, help="comma-separated quasi-identifier columns")
    kanon.add_argument("--sensitive", help="sensitive column for l-diversity and t-closeness")
    kanon.add_argument("--k", type=int, default=5, help="target k (default 5)")
    kanon.add_argument("--enforce", type=Path, metavar="OUT",
                       help="generalize/suppress until k is met and write the result to OUT")
    kanon.add_argument("--max-suppression", type=float, default=0.05, help="largest share of rows to suppress")
    kanon.add_argument("--region", default="US", help="default phone region (default US)")
    add_output_options(kanon, default_fail_on="medium")
    kanon.set_defaults(handler=run_kanon)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sample-rows", type=int, default=10_000,
                        help="rows read to classify columns (default 10000)")
    parser.add_argument("--region", default="US", help="default region for phone numbers (default US)")
    parser.add_argument("--text-columns", default="", metavar="COL[,COL]",
                        help="columns to read as running text (span findings only); '*' for every column "
                        "(JSONL/Parquet text fields); long-text columns are found without it")


def _engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=["local", "spark"], default="local",
                        help="local: this process, streamed (default); spark: partition by partition on Spark "
                        "(pip install \"mlsecure[spark]\", Java 17), results equal to local")
    parser.add_argument("--spark-master", metavar="URL",
                        help="Spark master for --engine spark (default local[*]; e.g. spark://host:7077)")


def _spark(args: argparse.Namespace) -> Any:
    """A SparkSession when --engine spark, else None (--spark-master alone is a usage error)."""
    if args.engine != "spark":
        if args.spark_master:
            raise InputError("--spark-master needs --engine spark")
        return None
    from mlsecure.engines.tables.spark import spark_session

    return spark_session(args.spark_master)


def _methods() -> list[str]:
    from mlsecure.privacy.pii.anonymize import Method

    return [m.value for m in Method]


def run_audit(args: argparse.Namespace) -> int:
    from mlsecure.privacy.pii.audit import audit_file
    from mlsecure.privacy.pii.compliance import audit_report, kanon_finding
    from mlsecure.privacy.pii.frame import read_head
    from mlsecure.privacy.pii.kanon import measure

    spark = _spark(args)
    extra, metrics = [], {}
    head_of = read_head
    if spark is not None or args.all_rows or args.data.is_dir():
        from mlsecure.engines.tables import stream
        from mlsecure.engines.tables.audit import audit_all_rows, beyond_sample_findings

        if spark is not None:
            from mlsecure.engines.tables.spark import spark_audit

            audit = spark_audit(args.data, spark=spark, sample_rows=args.sample_rows, region=args.region,
                                text_columns=_split(args.text_columns))
        else:
            audit = audit_all_rows(args.data, batch_rows=args.batch_rows, sample_rows=args.sample_rows,
                                   region=args.region, text_columns=_split(args.text_columns))
        extra = beyond_sample_findings(audit)
        metrics["engine"] = {"name": args.engine, "rows_counted": audit.rows}
        head_of = stream.read_head  # the head of a folder, or of a Parquet file without loading it whole
    else:
        with progress_bar() as progress:
            audit = audit_file(args.data, sample_rows=args.sample_rows, region=args.region, progress=progress,
                               text_columns=_split(args.text_columns))
    if args.quasi_identifiers:
        anonymity = measure(head_of(args.data, args.sample_rows), _split(args.quasi_identifiers),
                            sensitive=args.sensitive)
        metrics["k_anonymity"] = anonymity.to_dict()
        finding = kanon_finding(anonymity, args.k, str(args.data))
        extra = [*extra, finding] if finding else extra
    return emit_report(audit_report(audit, extra_findings=extra, extra_metrics=metrics), args)


def run_anonymize(args: argparse.Namespace) -> int:
    """Anonymize, then audit the written output again: the summary reports what was removed and what
    survived (exit 1 when PII the plan meant to remove is still detected)."""
    from dataclasses import replace

    from mlsecure.io.inputs import check_input
    from mlsecure.io.outputs import check_output
    from mlsecure.privacy.pii.anonymize import Method, auto_plan, verify_anonymized
    from mlsecure.privacy.pii.audit import audit_file, audit_frame
    from mlsecure.privacy.pii.keys import key_from_env
    from mlsecure.privacy.pii.safe_harbor import safe_harbor_plan, safe_harbor_status
    from mlsecure.privacy.pii.writer import default_output

    on_spark = args.engine == "spark"
    streamed = on_spark or args.input.is_dir() or args.input.suffix.lower() in (".parquet", ".pq")
    if not args.input.is_dir():
        check_input(args.input, what="input table")
    output = args.output or default_output(args.input)
    if on_spark:
        from mlsecure.engines.tables.spark import check_output_folder

        if args.k is not None:
            raise InputError("--k enforces k-anonymity over all rows at once in one process; drop --engine spark")
        output = args.output or args.input.with_name(args.input.name.split(".")[0] + ".anonymized.parquet")
        check_output_folder(output, args.input, force=args.force)
    else:
        # refuse every unsafe output before any work: through the input, over an existing file, into each other
        check_output(output, inputs=[args.input, args.summary_json], force=args.force, what="output table")
    if args.summary_json is not None:
        check_output(args.summary_json, inputs=[args.input, output], force=args.force, what="summary JSON")
    spark = _spark(args)  # after every refusal above: a JVM is not started only to refuse the output
    overrides = dict(_column_method(text) for text in args.column_method)
    key = key_from_env(args.key_env)
    if streamed:  # Parquet and folders: the head through the Arrow stream, never the whole table in memory
        from mlsecure.engines.tables.audit import classify_sample
        from mlsecure.engines.tables.stream import read_head

        audit = classify_sample(read_head(args.input, args.sample_rows), source=str(args.input), region=args.region,
                                text_columns=_split(args.text_columns))
    else:
        with progress_bar() as progress:
            audit = audit_file(args.input, sample_rows=args.sample_rows, region=args.region, progress=progress,
                               text_columns=_split(args.text_columns))
    if args.hipaa_safe_harbor:
        plan = safe_harbor_plan(audit)
        if overrides:
            raise InputError("--hipaa-safe-harbor chooses every method; drop --column-method")
    else:
        plan = auto_plan(audit, key_available=key is not None, overrides={c: Method(m) for c, m in overrides.items()},
                         default=Method(args.method) if args.method else None)
    plan = replace(plan, subject_column=args.subject_column, max_shift_days=args.max_shift_days)
    if args.k is not None and not args.quasi_identifiers:
        raise InputError("--k needs --quasi-identifiers")
    if spark is not None:
        from mlsecure.engines.tables.spark import spark_anonymize
        from mlsecure.engines.tables.stream import read_head as head_of

        rows, changed = spark_anonymize(args.input, output, plan, audit, spark=spark, key=key, region=args.region,
                                        force=args.force)
        enforcement, head = None, head_of(output, args.sample_rows) if rows else None
    else:
        with progress_bar() as progress:
            rows, changed, enforcement, head = _write_anonymized(args, output, plan, audit, key, progress)
    # the output audited again: its first --sample-rows rows exactly as written (in memory, so the check
    # cannot itself be fooled by how the file would be re-read)
    after = audit_frame(head, source=str(output), region=args.region) if head is not None and head.width else None
    outcomes = verify_anonymized(plan, audit, after, changed)
    summary: dict[str, Any] = {
        "input": str(args.input), "output": str(output), "rows_written": rows,
        "columns": [{"column": c.column, "pii_type": c.pii_type.value if c.pii_type else None,
                     "method": c.method.value, "reason": c.reason, "cells_changed": changed.get(c.column, 0)}
                    for c in plan.columns],
        "verification": {"rows_audited": after.rows if after else 0,
                         "columns": [o.to_dict() for o in outcomes]},
    }
    if args.hipaa_safe_harbor:
        summary["hipaa_safe_harbor"] = [item.to_dict() for item in safe_harbor_status(audit, plan)]
    if enforcement is not None:
        summary["k_anonymity"] = enforcement.to_dict()
    survived = [o for o in outcomes if o.status == "survived"]
    _print_summary(summary, keyed=key is not None, outcomes=outcomes)
    if args.summary_json:
        write_file(args.summary_json, json.dumps(summary, indent=2) + "\n", args, what="summary JSON")
    return exit_codes.FINDINGS if survived else exit_codes.OK


def _write_anonymized(args: argparse.Namespace, output: Path, plan: Any, audit: Any, key: Any,
                      progress: Any) -> tuple[int, dict[str, int], Any, Any]:
    """Stream the input through the plan into ``output`` (all rows at once when --k is enforced); also
    returns the first ``--sample-rows`` rows written, for the audit of the output."""
    import polars as pl

    from mlsecure.engines.tables.stream import iter_table as iter_batches  # Parquet and folders streamed too
    from mlsecure.privacy.pii.anonymize import apply_plan, enforced_as_read
    from mlsecure.privacy.pii.frame import json_objects_as_text
    from mlsecure.privacy.pii.kanon import enforce_k
    from mlsecure.privacy.pii.writer import TableWriter

    changed: dict[str, int] = {}
    rows = 0
    enforcement = None
    inputs = [args.input, args.summary_json]
    # detection and the methods see the stripped strings; every cell they do not change is written as read
    if args.k is not None:
        pairs = list(iter_batches(args.input, batch_rows=args.batch_rows, raw=True))
        whole = pl.concat([strings for strings, _ in pairs])
        reads = [as_read for _, as_read in pairs]
        if len({str(r.schema) for r in reads}) > 1:  # a folder's files may hold a field as nested and as strings
            reads = [json_objects_as_text(r) for r in reads]
        original = pl.concat(reads, how="vertical_relaxed")
        done, changed = apply_plan(whole, plan, audit=audit, key=key, region=args.region, raw=original,
                                   keep_unchanged_type=True)
        enforcement = enforce_k(done, _split(args.quasi_identifiers), args.k, max_suppression=args.max_suppression,
                                types=audit.types(), sensitive=args.sensitive)
        written = enforced_as_read(done, enforcement)
        with TableWriter(output, inputs=inputs, force=args.force) as writer:
            writer.write(written)
        return written.height, changed, enforcement, written.head(args.sample_rows)
    head = None
    with TableWriter(output, inputs=inputs, force=args.force) as writer:
        for batch, as_read in iter_batches(args.input, batch_rows=args.batch_rows, raw=True):
            done, counts = apply_plan(batch, plan, audit=audit, key=key, region=args.region, raw=as_read)
            writer.write(done)
            if head is None or head.height < args.sample_rows:  # audited as text: JSON values as their text
                part = json_objects_as_text(done)  # (a folder's files may hold a field as nested and as strings)
                head = part if head is None else pl.concat([head, part], how="vertical_relaxed").head(args.sample_rows)
            rows += batch.height
            for name, n in counts.items():
                changed[name] = changed.get(name, 0) + n
            progress(f"anonymize: {rows} rows written", -1.0)  # total unknown while streaming: no percentage
    return rows, changed, enforcement, head


def run_kanon(args: argparse.Namespace) -> int:
    import polars as pl

    from mlsecure import __version__
    from mlsecure.findings import Report
    from mlsecure.privacy.pii.anonymize import enforced_as_read
    from mlsecure.privacy.pii.audit import audit_frame
    from mlsecure.privacy.pii.compliance import kanon_finding
    from mlsecure.privacy.pii.frame import iter_batches
    from mlsecure.privacy.pii.kanon import enforce_k, measure
    from mlsecure.privacy.pii.writer import TableWriter

    if args.enforce is not None:
        from mlsecure.io.outputs import check_output

        check_output(args.enforce, inputs=[args.data, args.output], force=args.force, what="k-anonymous table")
    pairs = list(iter_batches(args.data, raw=True))  # measured on stripped text, written back as read
    table = pl.concat([strings for strings, _ in pairs])
    qis = _split(args.quasi_identifiers)
    anonymity = measure(table, qis, sensitive=args.sensitive)
    report = Report(target=str(args.data), tool_version=__version__)
    report.checks_run.append("k-anonymity")
    metrics: dict[str, Any] = {"before": anonymity.to_dict()}
    if args.enforce:
        types = audit_frame(table.select(qis), region=args.region).types()
        enforcement = enforce_k(table, qis, args.k, max_suppression=args.max_suppression, types=types,
                                sensitive=args.sensitive)
        original = pl.concat([as_read for _, as_read in pairs], how="vertical_relaxed")
        with TableWriter(args.enforce, inputs=[args.data, args.output], force=args.force) as writer:
            writer.write(enforced_as_read(original, enforcement))
        metrics["enforced"] = enforcement.to_dict()
        anonymity = enforcement.result
        print(f"mlsecure: wrote {args.enforce} with k={anonymity.k} (levels {dict(enforcement.levels)}, "
              f"{len(enforcement.suppressed_rows)} rows suppressed)", file=sys.stderr)
    finding = kanon_finding(anonymity, args.k, str(args.data))
    if finding:
        report.findings.append(finding)
    report.metrics["k-anonymity"] = metrics
    return emit_report(report, args)


def _print_summary(summary: dict[str, Any], *, keyed: bool, outcomes: list[Any]) -> None:
    """What was done, then what the audit of the output found: never more than was verified."""
    err = sys.stderr
    print(f"mlsecure: wrote {summary['rows_written']} rows to {summary['output']}", file=err)
    for c in summary["columns"]:
        print(f"  {c['column']:<24} {c['pii_type'] or '-':<16} {c['method']:<13} {c['cells_changed']} cells changed",
              file=err)
    removed = [o for o in outcomes if o.status in ("removed", "dropped")]
    survived = [o for o in outcomes if o.status == "survived"]
    kept = [o for o in outcomes if o.status == "kept"]
    audited = summary["verification"]["rows_audited"]
    if not outcomes:
        print("  no PII was detected in the input sample; nothing was anonymized", file=err)
    print(f"verification (the output audited again, {audited} rows): {len(removed)} column(s) with no PII "
          f"detected any more, {len(survived)} with PII still detected, {len(kept)} kept as planned", file=err)
    for o in survived:
        what = ", ".join(f"{t} in {n} cells" for t, n in o.spans_after.items()) or (
            o.pii_type_after.value if o.pii_type_after else "PII")
        print(f"  SURVIVED {o.column}: {what} (method {o.method.value})", file=err)
    for o in kept:
        print(f"  kept     {o.column}: {o.pii_type_after.value if o.pii_type_after else 'PII'} left as it is", file=err)
    if any(o.pii_type_before is not None and o.pii_type_before.value == "free_text" for o in outcomes):
        print("  free text: only the spans the detectors recognise were replaced; names or identifiers they "
              "miss are still in the text", file=err)
    redacted = [o for o in outcomes if o.method.value == "redact" and o.cells_changed]
    if not keyed and redacted and not summary.get("hipaa_safe_harbor"):
        print(f"  (no key in the environment: {len(redacted)} column(s) redacted; set MLSECURE_PII_KEY for keyed "
              "pseudonyms that keep joins working)", file=err)
    if "hipaa_safe_harbor" in summary:
        print("HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)):", file=err)
        for item in summary["hipaa_safe_harbor"]:
            methods = ", ".join(sorted(set(item["methods"])))
            where = f": {', '.join(item['columns'])} ({methods})" if item["columns"] else ""
            print(f"  ({item['id']}) {item['status']:<12} {item['identifier']}{where}", file=err)
    if "k_anonymity" in summary:
        k = summary["k_anonymity"]
        print(f"k-anonymity: k={k['after']['k']} at levels {k['levels']}, {k['suppressed']} rows suppressed",
              file=err)


def _split(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _column_method(text: str) -> tuple[str, str]:
    column, sep, method = text.rpartition("=")
    if not sep or not column:
        raise InputError(f"--column-method expects COLUMN=METHOD, got {text!r}")
    if method not in _methods():
        raise InputError(f"--column-method {text!r}: unknown method {method!r}; choose from {', '.join(_methods())}")
    return column, method
