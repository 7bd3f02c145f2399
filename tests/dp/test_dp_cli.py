"""``mlsecure privacy dp ...`` in-process: JSON output equals the library's numbers; bad input exits 2."""

from __future__ import annotations

import json

import pytest

from mlsecure.cli.main import main

pytest.importorskip("dp_accounting")


def test_epsilon_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["privacy", "dp", "epsilon", "--noise-multiplier", "1.0", "--batch-size", "64",
                 "--dataset-size", "50000", "--epochs", "10", "--format", "json", "--accountant", "rdp"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["epsilon"] == pytest.approx(0.8714, abs=1e-3)  # RDP, equals Opacus' RDP accountant
    assert out["delta"] == 1e-5 and out["steps"] == 7812 and "Poisson" in out["sampling"]
    assert out["cross_check_epsilon"] == pytest.approx(0.5475, abs=1e-3)


def test_delta_warning_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["privacy", "dp", "epsilon", "--noise-multiplier", "2", "--batch-size", "100",
                 "--dataset-size", "1000", "--delta", "0.01", "--accountant", "rdp"])
    assert code == 0
    assert "not below 1/n" in capsys.readouterr().err


def test_noise_json_meets_target(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["privacy", "dp", "noise", "--target-epsilon", "3", "--batch-size", "256", "--dataset-size",
                 "60000", "--epochs", "5", "--accountant", "rdp", "--format", "json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["epsilon"] <= 3.0 and out["epsilon"] > 2.95


def test_compose_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["privacy", "dp", "compose", "--epsilon", "0.1", "--count", "100", "--delta", "1e-5"]) == 0
    text = capsys.readouterr().out
    assert "advanced" in text and "pld" in text


def test_bad_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["privacy", "dp", "epsilon", "--noise-multiplier", "-1", "--batch-size", "64",
                 "--dataset-size", "100"]) == 2
    assert "noise multiplier" in capsys.readouterr().err
