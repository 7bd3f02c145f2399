"""Scanner over files: walking rules, notebooks, pragma, baselines, fingerprints, the check, and that no
raw secret reaches any report format."""

from __future__ import annotations

import json
import random
import string
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.check import ScanContext
from mlsecure.findings import Report, Severity
from mlsecure.report import render
from mlsecure.secrets import SecretScanner, load_baseline
from mlsecure.secrets.checks import SecretScanCheck
from mlsecure.secrets.corpus import build_corpus, github_token, secret_snippets
from mlsecure.secrets.interface import FileKind
from mlsecure.secrets.masking import fingerprint
from mlsecure.secrets.scanner import baseline_document
from mlsecure.secrets.walk import file_kind


def _token(seed: int = 0) -> str:
    return github_token(random.Random(seed))


def test_corpus_recall_and_false_positives_are_exact(tmp_path: Path) -> None:
    truth = build_corpus(tmp_path, n_files=600, secret_rate=0.3, decoy_rate=0.4, seed=7)
    result = SecretScanner().scan_paths([tmp_path])
    found: dict[str, set[str]] = defaultdict(set)
    for f in result.findings:
        if f.severity is not Severity.INFO:  # documented example keys among the decoys are info stand-ins
            found[str(Path(f.path).relative_to(tmp_path))].add(f.rule_id)
    secrets = [p for p in truth if p.rule_id is not None]
    assert len(secrets) > 150
    assert all(found.get(p.path) == {p.rule_id} for p in secrets)  # recall 1, right rule, one finding
    assert [p for p in truth if p.rule_id is None and p.path in found] == []  # no false positive
    assert result.stats.files_scanned == 600


def test_walk_skips_git_venv_caches_and_binary_files(tmp_path: Path) -> None:
    line = f'token = "{_token()}"\n'
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(line)
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "env" / "leak.py").write_text(line)
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.js").write_text(line)
    (tmp_path / "model.bin").write_bytes(b"\x00\x01" + line.encode())
    (tmp_path / "train.py").write_text(line)
    result = SecretScanner().scan_paths([tmp_path])
    assert [Path(f.path).name for f in result.findings] == ["train.py"]
    assert result.stats.skipped_binary == 1 and result.stats.files_scanned == 1


def test_large_files_are_skipped_and_counted(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 2000 + f"\ntoken = '{_token()}'\n")
    result = SecretScanner(max_file_bytes=1000).scan_paths([tmp_path])
    assert result.findings == () and result.stats.skipped_large == 1


def test_notebook_cells_and_outputs_are_scanned_with_cell_lines(tmp_path: Path) -> None:
    rng = random.Random(0)
    wandb_line = secret_snippets(rng)["SEC-012"][1]
    notebook = {"cells": [
        {"cell_type": "markdown", "source": ["# Training\n"], "metadata": {}},
        {"cell_type": "code", "source": ["import wandb\n", wandb_line + "\n"], "metadata": {},
         "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"using {_token(1)}\n"]},
                     {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"
                                                                           "CAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
                                                                           "60e6kgAAAABJRU5ErkJggg=="}}]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "train.ipynb").write_text(json.dumps(notebook, indent=1))
    findings = SecretScanner().scan_paths([tmp_path]).findings
    assert [(f.rule_id, f.member, f.line) for f in findings] == [
        ("SEC-012", "cell 1", 2), ("SEC-003", "cell 1 output 0", 1)]


def test_pragma_silences_only_its_line() -> None:
    a, b = _token(1), _token(2)
    text = f'x = "{a}"  # mlsecure: ignore-secret\ny = "{b}"\n'
    scanner = SecretScanner()
    findings = scanner.scan_text(text)
    assert [f.line for f in findings] == [2]


def test_placeholders_are_allowlisted() -> None:
    text = "\n".join(["password: changeme", "api_key: <your-key>", "token: ${HF_TOKEN}",
                      "secret_key = 'xxxxxxxxxxxxxxxx'", 'password = "{password}"',
                      "url = https://deploy:${DEPLOY_PASSWORD}@nexus.internal/",
                      "git clone https://username:password@git.corp.net/ml/models.git",
                      "postgresql://user:password@server:5432/database"])
    scanner = SecretScanner()
    assert scanner.scan_text(text) == []
    assert scanner._counts["stand_in"] == 0  # generic names and ${...} references are not stand-ins


@pytest.mark.parametrize(("text", "rule_id"), [
    ('aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"', "SEC-001"),  # AWS IAM user guide's example pair
    ('aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', "SEC-002"),
    ("TWILIO_API_KEY=SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "SEC-108"),  # x-filled Twilio key SID
    ("https://hooks.slack.com/services/Txxxxxxxx/Bxxxxxxxx/xxxxxxxxxxxxxxxxxxxxxxxx", "SEC-006"),
    ("X-JFrog-Art-Api: AKCxxxxxxxxxx", None),
    ("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----", "SEC-014"),
])
def test_documented_examples_are_info_stand_ins(text: str, rule_id: str | None) -> None:
    """A provider-shaped placeholder is reported (it shows where a real credential goes) at info, so
    that it never fails a scan at the default --fail-on medium; the title says it is not live."""
    scanner = SecretScanner()
    findings = scanner.scan_text(text + "\n", kind=FileKind.CONFIG)
    assert len(findings) == 1 and findings[0].severity is Severity.INFO
    assert rule_id is None or findings[0].rule_id == rule_id
    assert findings[0].details["stand_in"] is True and "not a live credential" in findings[0].title
    assert "documented example" in findings[0].to_finding().title
    assert "No rotation needed" in findings[0].to_finding().remediation
    assert "Revoke" not in findings[0].to_finding().remediation  # not "rotate it now"
    assert scanner._counts["stand_in"] == 1
    # the format-only mode still reports the x-filled and example values at the rule's own severity
    loud = SecretScanner(suppress_placeholders=False).scan_text(text + "\n", kind=FileKind.CONFIG)
    assert len(loud) == 1 and (loud[0].severity is not Severity.INFO or rule_id == "SEC-014")


def test_x_filled_values_without_a_provider_shape_stay_silent() -> None:
    for text in ("id: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "serial = XXXXXXXXXXXX", "phone: +1 xxxxxxxxxx"):
        assert SecretScanner().scan_text(text + "\n", kind=FileKind.CONFIG) == []


def test_fingerprint_is_keyed_and_stable_when_lines_move() -> None:
    token = _token(4)
    one = SecretScanner().scan_text(f'a = "{token}"', path="x.py")[0]
    moved = SecretScanner().scan_text(f'\n\n# moved\nb = "{token}"', path="x.py")[0]
    other_key = SecretScanner(fingerprint_key=b"k2").scan_text(f'a = "{token}"', path="x.py")[0]
    assert one.fingerprint == moved.fingerprint != other_key.fingerprint
    assert one.fingerprint == fingerprint(token, rule_id="SEC-003", path="x.py")
    assert token not in one.fingerprint and len(one.fingerprint) == 32


def test_baseline_round_trip_suppresses_known_and_keeps_new(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(f'token = "{_token(5)}"\n')
    first = SecretScanner().scan_paths([tmp_path])
    baseline = tmp_path.parent / f"{tmp_path.name}-baseline.json"
    baseline.write_text(json.dumps(baseline_document(first.findings)))
    (tmp_path / "b.py").write_text(f'token = "{_token(6)}"\n')
    second = SecretScanner(baseline=load_baseline(baseline)).scan_paths([tmp_path])
    assert [Path(f.path).name for f in second.findings] == ["b.py"]
    assert second.stats.suppressed_baseline == 1
    # a JSON report works as a baseline too
    report = Report(target="t", tool_version="0")
    report.extend(second.to_findings())
    baseline.write_text(report.to_json())
    assert load_baseline(baseline) == {second.findings[0].fingerprint}


@pytest.mark.parametrize("fmt", ["json", "sarif", "md", "html", "terminal"])
def test_no_report_format_contains_a_raw_secret(tmp_path: Path, fmt: str) -> None:
    rng = random.Random(11)
    snippets = secret_snippets(rng)
    raw: list[str] = []
    for rule_id, (suffix, snippet) in snippets.items():
        (tmp_path / f"{rule_id}{suffix if suffix != '.ipynb' else '.py'}").write_text(snippet + "\n")
    result = SecretScanner().scan_paths([tmp_path])
    assert len(result.findings) == len(snippets)
    scanner = SecretScanner()
    for suffix, snippet in snippets.values():
        kind = file_kind(Path("x" + (suffix if suffix != ".ipynb" else ".py")))
        raw.extend(c.secret for d in scanner.detectors for c in d.find(snippet, kind=kind) if not c.rejected)
    report = Report(target=str(tmp_path), tool_version="0")
    report.extend(result.to_findings())
    text = render(report, fmt)
    leaked = [s for s in raw if len(s) >= 6 and s in text]
    assert leaked == []


def test_check_scans_the_model_directory_and_skips_huge_ones(tmp_path: Path) -> None:
    model = tmp_path / "model.pt"
    model.write_bytes(b"PK\x03\x04\x00\x00binary")
    (tmp_path / "README.md").write_text(f"Use `huggingface-cli login --token {_hf()}`\n")
    check = SecretScanCheck()
    calls: list[tuple[str, float]] = []
    ctx = ScanContext(model_path=model, progress=lambda task, fraction: calls.append((task, fraction)))
    assert check.applicable(ctx) is None
    result = check.execute(ctx)
    assert calls[0] == ("secret scan", 0.0) and calls[-1] == ("secret scan", 1.0)
    assert [(f.id, f.check, f.owasp, f.atlas) for f in result.findings] == [
        ("SEC-011", "secret-scan", "ML06", ("AML.T0055",))]
    assert result.metrics["files_scanned"] == 1 and result.metrics["skipped_binary"] == 1
    small = ScanContext(model_path=model, options={"secrets_max_files": 1})
    reason = check.applicable(small)
    assert reason is not None and "more than 1 files" in reason


def _hf() -> str:
    return secret_snippets(random.Random(2))["SEC-011"][1].split()[-1]


def test_unreadable_paths_raise_input_error(tmp_path: Path) -> None:
    from mlsecure.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        SecretScanner().scan_paths([tmp_path / "missing"])
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="the baseline is not valid JSON"):
        load_baseline(bad)
    assert bad.exists()


@given(st.text(alphabet=string.ascii_letters + string.digits + "!@%^&*-_+=", min_size=8, max_size=40),
       st.sampled_from(["password", "api_key", "DB_PASSWORD", "client_secret", "auth_token"]))
@settings(max_examples=150, deadline=None)
def test_property_a_found_password_never_appears_in_the_json(value: str, key: str) -> None:
    value += "9%"  # never a word that a report holds anyway ("critical", "secret-scan")
    text = f"{key}: {value}\n"
    findings = SecretScanner().scan_text(text, path="c.yaml", kind=FileKind.CONFIG)
    report = Report(target="t", tool_version="0")
    report.extend(f.to_finding() for f in findings)
    if findings:
        assert value not in report.to_json()
