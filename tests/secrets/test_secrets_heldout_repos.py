"""The second, independently written ML-repository generator (mlsecure.secrets.heldout_repos) and the
general fixes it led to. Its truth is located by value after writing; the target is the issue's: recall
>= 0.95 with at most 2 false positives per repository at the default --fail-on medium. Still our own
generator (see benchmarks/secrets.md for what it is and is not evidence of)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.allowlist import filler_body
from mlsecure.secrets.heldout_repos import build_heldout_repos
from mlsecure.secrets.interface import FileKind


def test_truth_is_located_by_value(tmp_path: Path) -> None:
    repos = build_heldout_repos(tmp_path, n_repos=4, seed=3)
    assert {r.name.split("-", 1)[1] for r in repos} <= {"training", "notebooks", "mlops", "serving"}
    for repo in repos:
        for leak in repo.leaks:
            raw = (tmp_path / repo.name / leak.path).read_text(encoding="utf-8").split("\n")
            assert 1 <= leak.raw_line <= len(raw)
            if leak.member is None:
                assert leak.line == leak.raw_line
    again = build_heldout_repos(tmp_path / "again", n_repos=4, seed=3)
    assert [r.leaks for r in again] == [r.leaks for r in repos]  # deterministic per seed


def test_heldout_repositories_recall_and_false_positives(tmp_path: Path) -> None:
    repos = build_heldout_repos(tmp_path, n_repos=6, seed=11)
    scanner = SecretScanner()
    found = total = 0
    members: set[str] = set()
    for repo in repos:
        findings = [f for f in scanner.scan_paths([tmp_path / repo.name]).findings if f.severity >= Severity.MEDIUM]
        reported = {(Path(f.path).relative_to(tmp_path / repo.name).as_posix(), f.member, f.line) for f in findings}
        wanted = {(leak.path, leak.member, leak.line) for leak in repo.leaks}
        members |= {"output" if "output" in leak.member else "cell" for leak in repo.leaks if leak.member}
        found += len(wanted & reported)
        total += len(wanted)
        # the bar is <= 2 other reports per repository; round 5 holds <= 1 (seeds 2, 5, 11 measured)
        assert len(reported - wanted) <= 1, sorted(reported - wanted)
    assert total == 58 and found == total  # measured 2026-12-06 (round 5): 58/58 at medium and above
    assert members == {"cell", "output"}  # secrets in notebook cells and in saved outputs are in play


@pytest.mark.parametrize("line", [
    'monkeypatch.setenv("MLFLOW_RUN_ID", "4f1c2a9be07d4c3f8a6e5d2b1c0f9e8d")',  # "key" inside "monkey"
    'tokenizer = AutoTokenizer.from_pretrained("meta-llama/Llama-2-7b-hf")',  # "token" inside "tokenizer"
    '# EP plan for google/gemma-4-26B-A4B-it: num_key_value_heads=2',  # a repo id: '/' and '-' never mix in base64
    '_eos_token_tensor: "torch.Tensor | None"',  # a type annotation: an issued token has no spaces
    '_CONTROL_TOKEN_START = "\\U000f0000"',  # a character written as an escape
    '("mistral3", "Mistral3ForConditionalGeneration"),',  # a class name after a provider word
])
def test_ml_code_look_alikes_do_not_fail_a_scan(line: str) -> None:
    findings = SecretScanner().scan_text(line + "\n", path="modeling.py", kind=FileKind.CODE)
    assert [f for f in findings if f.severity >= Severity.MEDIUM] == []


def test_keyword_joined_to_a_secret_word_still_counts() -> None:
    value = "Zq8vN2kL5xW9mR3tY7bH4cJ6dF1gS0aP"
    for line in (f'APIKEY_X = "{value}"', f'headers = {{"X-Api-Key": "{value}"}}', f'authToken: "{value}"'):
        findings = SecretScanner().scan_text(line + "\n", kind=FileKind.CODE)
        assert any(f.severity >= Severity.MEDIUM for f in findings), line
    findings = SecretScanner().scan_text(f'MISTRAL_API_KEY = "{value}"\n', kind=FileKind.CODE)
    assert [f.rule_id for f in findings] == ["SEC-258"]


def test_filler_bodies_are_stand_ins() -> None:
    assert filler_body("dapi" + "0" * 32) and filler_body("glc_" + "1" * 42 + "=") and filler_body("AIza" + "a" * 35)
    assert not filler_body("dapi" + "3f9c0a7e1b2d4c6e8f0a1b3c5d7e9f21")
    assert not filler_body("xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c")
    (finding,) = SecretScanner().scan_text("DATABRICKS_TOKEN=dapi" + "0" * 32 + "\n", kind=FileKind.CONFIG)
    assert finding.severity is Severity.INFO and finding.details["stand_in"] is True
    (finding,) = SecretScanner(suppress_placeholders=False).scan_text("DATABRICKS_TOKEN=dapi" + "0" * 32 + "\n",
                                                                      kind=FileKind.CONFIG)
    assert finding.severity >= Severity.HIGH


def test_service_account_marker_alone_does_not_fail(tmp_path: Path) -> None:
    document = {"type": "service_account", "project_id": "p-dev", "private_key_id": "ab" * 20,
                "private_key": "-----BEGIN PRIVATE KEY-----\n<REDACTED>\n-----END PRIVATE KEY-----\n"}
    path = tmp_path / "sa.example.json"
    path.write_text(json.dumps(document, indent=2))
    findings = SecretScanner().scan_paths([path]).findings
    assert [f for f in findings if f.severity >= Severity.MEDIUM] == []
    assert any(f.title == "Google Cloud service account file" and f.severity is Severity.LOW for f in findings)


@pytest.mark.parametrize("url", ["postgresql://mlflow:JGuxL#262lGeiWn@db:5432/mlflow",
                                 "https://ci-bot:VHpCH#650H4mTVh@mlflow.corp.internal"])
def test_url_password_with_a_hash_sign(url: str) -> None:
    (finding,) = SecretScanner().scan_text(f"uri: {url}\n", kind=FileKind.CONFIG)
    assert finding.severity is Severity.HIGH and finding.length == 15


def test_token_cut_into_a_mask_is_a_stand_in() -> None:
    """A token that runs straight into ###, *** or ... was redacted: info, not a leak."""
    token = "xoxp-572370529330-573807301142-572331691188"
    for tail in ("-" + "#" * 20, "***", "..."):
        (finding,) = SecretScanner().scan_text(f'"token4": "{token}{tail}"\n', kind=FileKind.CONFIG)
        assert finding.severity is Severity.INFO, tail
    (finding,) = SecretScanner().scan_text(f'"token4": "{token}-a8f3c2"\n', kind=FileKind.CONFIG)
    assert finding.severity is Severity.HIGH


def test_anti_forgery_tokens_are_public() -> None:
    value = "7SWa-Fo1_hsC6oovfBsJFLGPUl2EhkSWPbJhWANwgaJWBDl1vxd9VNqXTNAefsJqzIRYaZEfYZLffa31rw8zJA"
    for name in ("authenticity_token", "csrf_token", "X-XSRF-TOKEN"):
        html = f'<input type="hidden" name="{name}" value="{value}">\n'
        assert [f for f in SecretScanner().scan_text(html) if f.severity >= Severity.MEDIUM] == [], name
    html = f'<input type="hidden" name="api_token" value="{value}">\n'
    assert any(f.severity >= Severity.MEDIUM for f in SecretScanner().scan_text(html))
