"""Targeted classifier cases: negative evidence, header keywords, text reading of files."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mlsecure.privacy.pii import PiiType, audit_file
from mlsecure.privacy.pii.classify import classify_column, header_tokens


def test_increasing_phone_shaped_ids_are_not_phones_unless_the_header_says_so() -> None:
    ids = pl.Series([str(2025550100 + 3 * i) for i in range(100)])
    assert classify_column("order_no", ids).pii_type is None
    assert classify_column("phone", ids).pii_type is PiiType.PHONE


def test_luhn_failures_and_barcodes_are_counter_evidence() -> None:
    failing = pl.Series(["4111111111111112", "4012888888881882", "5555555555554445"] * 20)
    verdict = classify_column("col", failing)
    assert verdict.pii_type is None and any("checksum" in r for r in verdict.reasons)
    barcodes = pl.Series(["4006381333931", "5901234123457", "9780306406157"] * 20)
    assert classify_column("col", barcodes).pii_type is None


def test_negative_header_and_tokens() -> None:
    names = pl.Series(["James Smith", "Mary Johnson", "Robert Brown"] * 20)
    assert classify_column("customerName", names).pii_type is PiiType.NAME
    assert classify_column("product_name", names).pii_type is None
    assert header_tokens("DateOfBirth") == ({"date", "of", "birth"}, "dateofbirth")


def test_zip_codes_keep_leading_zeros_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("zip,amount\n" + "".join(f"0{2100 + i},{i}.5\n" for i in range(50)), encoding="utf-8")
    audit = audit_file(path)
    assert audit.verdict("zip").pii_type is PiiType.ZIP_CODE
    assert audit.verdict("amount").pii_type is None


def test_audit_reads_parquet_and_jsonl(tmp_path: Path) -> None:
    frame = pl.DataFrame({"email": ["a.b@example.com", "c.d@example.org"] * 20, "n": list(range(40))})
    frame.write_parquet(tmp_path / "t.parquet")
    frame.write_ndjson(tmp_path / "t.jsonl")
    for name in ("t.parquet", "t.jsonl"):
        assert audit_file(tmp_path / name).types() == {"email": PiiType.EMAIL, "n": None}


def test_batched_table_classification_equals_column_by_column() -> None:
    """``audit_frame`` stacks all columns into one pattern query and one span query; each verdict must be
    the one the column gets on its own (their shares included)."""
    from mlsecure.privacy.pii import audit_frame
    from mlsecure.privacy.pii.frame import to_strings
    from mlsecure.privacy.pii.synth import generate_table

    frame = to_strings(generate_table(100, seed=5, neutral_headers=True).frame)
    together = audit_frame(frame)
    for name in frame.columns:
        alone = classify_column(name, frame.get_column(name))
        verdict = together.verdict(name)
        assert (verdict.pii_type, verdict.kind, round(verdict.share, 6)) == (
            alone.pii_type, alone.kind, round(alone.share, 6)), name


def test_missing_value_markers_are_not_evidence() -> None:
    """A column holding only pandas/SQL missing markers was typed as person names ("NaN" is a given name)."""
    markers = pl.Series(["NaN", "NULL", "nan", "None", "N/A"] * 60)
    verdict = classify_column("note", markers)
    assert verdict.pii_type is None and verdict.kind == "empty" and verdict.null_share == 1.0
    names = pl.Series(["Maria Garcia", "John Smith", "Wei Zhang", "Anna Kowalska", "NaN"] * 60)
    mixed = classify_column("customer", names)
    assert mixed.pii_type == PiiType.NAME and abs(mixed.null_share - 0.2) < 1e-9


def test_names_inside_firm_names_do_not_lend_their_share_to_a_rare_type() -> None:
    """A column of firm names (faker es_ES: ``Bayo y asociados S.Com.``): the names in it are the firms', and the
    few cells whose legal form reads as a domain (``S.Com``) must not type the whole column as URLs."""
    firms = ["Bayo y asociados S.L.", "Transportes Lluch S.A.", "Promociones Guzman y asociados S.L.N.E",
             "Hnos Prats S.Coop.", "Alimentación Olivares S.L.", "Martin y Cadenas S.A.",
             "Quintanilla y asociados S.L.", "Servicios Girona S.A.", "Comercial Diéguez S.L.",
             "Girona y asociados S.Com."]
    verdict = classify_column("company", pl.Series(firms * 10))
    assert verdict.pii_type is None, verdict
    # the twin: when most of the cells hold a web address, the column is still typed by it
    heads = [firm.split()[0] for firm in firms]
    with_sites = [f"{head} S.L. www.{head.lower()}.es" for head in heads[:7]] + [f"{head} S.A." for head in heads[7:]]
    assert classify_column("company", pl.Series(with_sites * 10)).pii_type is PiiType.URL
