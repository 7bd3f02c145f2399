"""Text mode: spans in one string, text columns of JSONL, and the CLI's ``--text-columns``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from mlsecure.cli.main import main
from mlsecure.privacy.pii import PiiType, anonymize_frame, audit_frame
from mlsecure.privacy.pii.text_mode import masked, scan_text

ROWS = [
    {"id": 1, "text": "Maria asked whether her card 4111 1111 1111 1111 was charged."},
    {"id": 2, "text": "Sarah called from +44 20 7946 0958 about 12 Main Street."},
    {"id": 3, "text": "Mail jan.devries@example.nl or ring 030 123 4567."},
    {"id": 4, "text": "No personal data here."},
]


def test_spans_of_one_text_are_typed_and_masked() -> None:
    text = ROWS[1]["text"]
    assert isinstance(text, str)
    found = {(text[s.start:s.end], s.pii_type) for s in scan_text(text)}
    assert found == {("Sarah", PiiType.NAME), ("+44 20 7946 0958", PiiType.PHONE),
                     ("12 Main Street", PiiType.STREET_ADDRESS)}
    shown = masked(text)
    assert "Sarah" not in shown and "7946" not in shown and "<phone:" in shown


def test_short_text_column_read_as_text_only_when_asked() -> None:
    frame = pl.DataFrame({"reply": ["Sarah called.", "ok", "Maria asked.", "thanks"] * 5})
    assert audit_frame(frame, text_columns=["reply"]).verdict("reply").pii_type is PiiType.FREE_TEXT
    with pytest.raises(ValueError, match="no such text column"):
        audit_frame(frame, text_columns=["nope"])


def test_jsonl_text_field_audit_and_anonymize(tmp_path: Path) -> None:
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    report = tmp_path / "report.json"
    assert main(["privacy", "audit", "--data", str(data), "--text-columns", "text", "--format", "json",
                 "--output", str(report)]) == 1
    raw = report.read_text()
    assert "Maria" not in raw and "4111" not in raw and "jan.devries" not in raw  # masked examples only
    frame = pl.read_ndjson(data)
    out = anonymize_frame(frame, audit=audit_frame(frame, text_columns=["text"])).frame
    texts = out.get_column("text").to_list()
    for value in ("Maria", "4111 1111 1111 1111", "Sarah", "+44 20 7946 0958", "12 Main Street",
                  "jan.devries@example.nl", "030 123 4567"):
        assert not any(value in t for t in texts), value
    assert texts[3] == "No personal data here."
