"""Column-level precision/recall on generated labelled tables, span recall on free text, and the
Safe Harbor round trip (an audit of the output finds no identifier). Raw values never reach a report."""

from __future__ import annotations

import pytest

from mlsecure.privacy.pii import PiiType, anonymize_frame, audit_frame, audit_report, safe_harbor_plan
from mlsecure.privacy.pii.spans import confirmed_strings
from mlsecure.privacy.pii.synth import LabelledTable, generate_table


@pytest.fixture(scope="module", params=[(0, False), (1, True)], ids=["headers", "neutral-headers"])
def table(request: pytest.FixtureRequest) -> LabelledTable:
    seed, neutral = request.param
    return generate_table(1500, seed=seed, neutral_headers=neutral)


def column_scores(labels: dict[str, PiiType | None], predicted: dict[str, PiiType | None]) -> tuple[float, float]:
    """Typed column precision/recall: a prediction counts only if its type is the true type."""
    tp = sum(1 for c, t in labels.items() if t is not None and predicted[c] == t)
    fp = sum(1 for c, p in predicted.items() if p is not None and labels[c] != p)
    fn = sum(1 for c, t in labels.items() if t is not None and predicted[c] != t)
    return tp / (tp + fp), tp / (tp + fn)


def test_column_precision_and_recall(table: LabelledTable) -> None:
    audit = audit_frame(table.frame)
    precision, recall = column_scores(table.labels, audit.types())
    wrong = {c: (t, audit.types()[c]) for c, t in table.labels.items() if audit.types()[c] != t}
    assert precision >= 0.95 and recall >= 0.95, wrong
    for decoy in ("order_id", "txn_number", "barcode", "event_ts", "page_views", "ticket", "product_name", "sku"):
        assert audit.verdict(decoy).pii_type is None


def test_span_recall_on_free_text(table: LabelledTable) -> None:
    found = confirmed_strings(table.frame.get_column("notes"))
    planted = [(value, t) for row in table.spans for value, t in row]
    hits = sum(1 for value, t in planted if found.get(value) == t)
    recall = hits / len(planted)
    assert recall >= 0.95, recall  # measured 1.00 on seeds 0 and 1 (names absent from the lexicons included)
    truth = dict(planted)
    precision = sum(1 for value, t in found.items() if truth.get(value) == t) / len(found)
    assert precision >= 0.95, precision


def test_safe_harbor_round_trip(table: LabelledTable) -> None:
    audit = audit_frame(table.frame)
    assert len(audit.hipaa_identifiers()) >= 14
    clean = anonymize_frame(table.frame, safe_harbor_plan(audit), audit=audit).frame
    again = audit_frame(clean)
    assert again.hipaa_identifiers() == {}
    # planted free-text values are gone too
    notes = clean.get_column("notes").to_list()
    for row, planted in zip(notes, table.spans, strict=True):
        for value, _ in planted:
            assert value not in row


def test_reports_never_contain_raw_values(table: LabelledTable) -> None:
    from mlsecure.report import render

    audit = audit_frame(table.frame)
    report = audit_report(audit)
    texts = [report.to_json(), render(report, "md")]
    raw = set()
    for column, pii_type in table.labels.items():
        if pii_type is None:
            continue
        raw |= {v for v in table.frame.get_column(column).head(300).to_list() if v and len(v) >= 5}
    for text in texts:
        leaked = [v for v in raw if v in text]
        assert not leaked, leaked[:3]


def test_metrics_have_one_entry_per_column(table: LabelledTable) -> None:
    metrics = audit_report(audit_frame(table.frame)).to_dict()["metrics"]["pii-audit"]
    entries = metrics["columns"]
    assert [e["column"] for e in entries] == table.frame.columns
    for e in entries:
        assert set(e) >= {"column", "pii_type", "share", "confidence"}
        assert 0.0 <= e["share"] <= 1.0 and 0.0 <= e["confidence"] <= 1.0
    assert e["pii_type"] == "free_text" and e["spans"]["cells_with_pii"] > 0
