"""The CLI verbs in-process, the guide's script shim as a subprocess, and the scan check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from mlsecure.check import ScanContext
from mlsecure.cli.main import main
from mlsecure.privacy.pii.checks import PiiAuditCheck
from mlsecure.privacy.pii.synth import generate_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pii_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pii") / "train.csv"
    generate_table(400, seed=7).frame.write_csv(path)
    return path


def test_audit_json(pii_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    code = main(["privacy", "audit", "--data", str(pii_csv), "--format", "json", "--output", str(out),
                 "--quasi-identifiers", "zip,dob,sex", "--sensitive", "diagnosis_code"])
    assert code == 1  # critical/high findings
    report = json.loads(out.read_text())
    columns = report["metrics"]["pii-audit"]["columns"]
    assert {c["column"]: c["pii_type"] for c in columns}["contact_email"] == "email"
    ids = {f["id"] for f in report["findings"]}
    assert {"PII-001", "PII-002", "PII-003", "PII-004", "PII-005"} <= ids
    assert {f["owasp"] for f in report["findings"]} <= {"ML03", "ML04"}
    assert report["metrics"]["pii-audit"]["k_anonymity"]["k"] == 1
    assert "mlsecure:" in capsys.readouterr().err


def test_anonymize_safe_harbor_and_reaudit(pii_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLSECURE_PII_KEY", raising=False)
    clean = tmp_path / "clean.csv"
    assert main(["privacy", "anonymize", "--input", str(pii_csv), "--output", str(clean), "--hipaa-safe-harbor",
                 "--batch-rows", "150"]) == 0
    err = capsys.readouterr().err
    assert "(P) out of scope" in err and "(G) handled" in err
    assert pl.read_csv(clean, infer_schema=False).height == 400
    report = tmp_path / "again.json"
    main(["privacy", "audit", "--data", str(clean), "--format", "json", "--output", str(report)])
    assert json.loads(report.read_text())["metrics"]["pii-audit"]["compliance"]["hipaa_safe_harbor"]["present"] == []


def test_anonymize_keyed_and_k(pii_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLSECURE_PII_KEY", "ab" * 32)
    a, b = tmp_path / "a.csv", tmp_path / "b.parquet"
    assert main(["privacy", "anonymize", "--input", str(pii_csv), "--output", str(a),
                 "--column-method", "card_number=fpe", "--column-method", "dob=dateshift"]) == 0
    assert main(["privacy", "anonymize", "--input", str(pii_csv), "--output", str(b), "--k", "5",
                 "--quasi-identifiers", "zip,age,sex", "--summary-json", str(tmp_path / "s.json")]) == 0
    first, second = pl.read_csv(a, infer_schema=False), pl.read_parquet(b)
    assert first["contact_email"][0] == pl.read_csv(a, infer_schema=False)["contact_email"][0]
    assert set(first["contact_email"]) & set(second["contact_email"])  # same key: same pseudonyms, joins work
    assert first["card_number"].str.len_chars().to_list() == pl.read_csv(
        pii_csv, infer_schema=False)["card_number"].str.len_chars().to_list()  # FPE keeps the format
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["k_anonymity"]["after"]["k"] >= 5
    assert second.group_by(["zip", "age", "sex"]).len()["len"].min() >= 5


def test_kanon_verb(pii_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "k.csv"
    code = main(["privacy", "kanon", "--data", str(pii_csv), "--quasi-identifiers", "zip,age", "--k", "3",
                 "--enforce", str(out), "--format", "json", "--output", str(tmp_path / "r.json")])
    assert code == 0
    assert pl.read_csv(out, infer_schema=False).group_by(["zip", "age"]).len()["len"].min() >= 3


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"name,email\nJos\xe9,x@y.com\n", "offset 14"),
])
def test_bad_files_exit_2(tmp_path: Path, content: bytes, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    assert main(["privacy", "audit", "--data", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_missing_file_and_same_output(tmp_path: Path, pii_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["privacy", "audit", "--data", str(tmp_path / "nope.csv")]) == 2
    assert main(["privacy", "anonymize", "--input", str(pii_csv), "--output", str(pii_csv)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err


def test_guide_script_shim(pii_csv: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_bytes(pii_csv.read_bytes())
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ""}
    audit = subprocess.run([sys.executable, str(ROOT / "scripts" / "privacy_guard.py"), "audit", "--data", str(data),
                            "--format", "json"], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert audit.returncode == 1, audit.stderr
    assert json.loads(audit.stdout)["metrics"]["pii-audit"]["pii_columns"] >= 25


@pytest.mark.slow
def test_guide_script_shim_anonymize(pii_csv: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_bytes(pii_csv.read_bytes())
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": ""}
    anon = subprocess.run([sys.executable, str(ROOT / "scripts" / "privacy_guard.py"), "anonymize", "--input",
                           str(data)], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert anon.returncode == 0, anon.stderr
    assert (tmp_path / "data.anonymized.csv").exists()


def test_check_on_pixels_is_clean_and_fast(tmp_path: Path) -> None:
    import time

    import numpy as np

    rng = np.random.default_rng(0)
    pixels = pl.DataFrame({f"pixel_{i}": rng.integers(0, 17, 1300) / 16 for i in range(64)}).with_columns(
        pl.Series("label", rng.integers(0, 10, 1300)))
    path = tmp_path / "train.csv"
    pixels.write_csv(path)
    start = time.perf_counter()
    result = PiiAuditCheck().execute(ScanContext(data_path=path))
    assert time.perf_counter() - start < 20
    assert result.findings == ()
    assert all(c["pii_type"] is None for c in result.metrics["columns"])


def test_check_finds_pii(pii_csv: Path) -> None:
    result = PiiAuditCheck().execute(ScanContext(data_path=pii_csv))
    assert {f.check for f in result.findings} == {"pii-audit"}
    assert any(f.id == "PII-001" and f.location.column == "ssn" for f in result.findings)


@pytest.mark.parametrize("quoted", [False, True])
def test_a_ragged_csv_names_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], quoted: bool) -> None:
    """Polars says only "found more fields than defined in 'Schema'"; the error must name the line."""
    rows = ["a,b", *(f'"x,{i}",{i}' if quoted else f"{i},{i}" for i in range(300)), "1,2,3", "4,5"]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(rows) + "\n")
    assert main(["privacy", "audit", "--data", str(path)]) == 2
    assert "ragged.csv: line 302 has 3 fields but the header has 2" in capsys.readouterr().err
