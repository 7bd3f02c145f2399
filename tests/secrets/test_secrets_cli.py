"""``mlsecure secrets ...`` through a parser built here (the lead wires it into ``cli/main.py``)."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pytest

from mlsecure.cli import secrets_cmd
from mlsecure.secrets.corpus import github_token


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mlsecure")
    parser.add_argument("--debug", action="store_true")
    sub = parser.add_subparsers(dest="command")
    assert secrets_cmd.register(sub) == ["secrets"]
    return secrets_cmd.run(parser.parse_args(argv))


def _plant(directory: Path) -> str:
    token = github_token(random.Random(9))
    (directory / "train.py").write_text(f'GITHUB_TOKEN = "{token}"\n')
    (directory / "README.md").write_text("password: changeme\n")
    return token


def test_scan_json_exit_codes_and_masking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = _plant(tmp_path)
    assert _run(["secrets", "scan", str(tmp_path), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert token not in out
    report = json.loads(out)
    (finding,) = report["findings"]
    assert finding["id"] == "SEC-003" and finding["owasp"] == "ML06" and finding["atlas"] == ["AML.T0055"]
    assert finding["evidence"]["line"] == 1 and finding["evidence"]["masked"] == "ghp_********"
    assert report["metrics"]["secret-scan"]["files_scanned"] == 2
    assert _run(["secrets", "scan", str(tmp_path), "--format", "json", "--fail-on", "critical"]) == 1
    (tmp_path / "train.py").write_text("import os\nGITHUB_TOKEN = os.environ['GITHUB_TOKEN']\n")
    assert _run(["secrets", "scan", str(tmp_path), "--format", "json"]) == 0


def test_write_baseline_then_scan_with_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    token = _plant(src)
    baseline = tmp_path / "baseline.json"
    assert _run(["secrets", "scan", str(src), "--format", "md", "--write-baseline", str(baseline)]) == 1
    document = json.loads(baseline.read_text())
    assert len(document["fingerprints"]) == 1 and token not in baseline.read_text()
    capsys.readouterr()
    assert _run(["secrets", "scan", str(src), "--format", "sarif", "--baseline", str(baseline)]) == 0
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["runs"][0]["results"] == []


def test_detectors_listing_and_unknown_detector(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from mlsecure.errors import ConfigError

    assert _run(["secrets", "detectors"]) == 0
    listing = capsys.readouterr().out
    assert "SEC-003  github-token" in listing and listing.count("\n") == 29  # session 8: SEC-028
    assert _run(["secrets", "detectors", "--rules"]) == 0
    from mlsecure.secrets.rules import RULES
    assert capsys.readouterr().out.count("\n") == 29 + len(RULES)
    with pytest.raises(ConfigError, match="unknown secret detector"):
        _run(["secrets", "scan", str(tmp_path), "--detector", "nope"])


def test_get_masks_unless_reveal(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ML_REGISTRY_TOKEN", "registry-value-1")
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    assert _run(["secrets", "get", "ML_REGISTRY_TOKEN"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "registry-value-1" not in captured.err and "16 characters" in captured.err
    assert _run(["secrets", "get", "ML_REGISTRY_TOKEN", "--reveal"]) == 0
    assert capsys.readouterr().out == "registry-value-1\n"
    (tmp_path / "db").write_text("file-value")
    (tmp_path / "db").chmod(0o600)
    assert _run(["secrets", "get", "db", "--provider", "file", "--dir", str(tmp_path), "--reveal"]) == 0
    assert capsys.readouterr().out == "file-value\n"


def test_fail_on_placeholders_makes_stand_ins_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An x-filled Twilio key is an info stand-in (exit 0 at --fail-on medium) unless --fail-on-placeholders."""
    (tmp_path / "settings.py").write_text('TWILIO_KEY = "SK' + "x" * 32 + '"\n')
    assert _run(["secrets", "scan", str(tmp_path), "--format", "json"]) == 0
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["severity"] == "info" and finding["evidence"]["stand_in"] is True
    assert _run(["secrets", "scan", str(tmp_path), "--format", "json", "--fail-on-placeholders"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["severity"] != "info" and "stand_in" not in finding["evidence"]
