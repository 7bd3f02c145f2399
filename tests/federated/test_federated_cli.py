"""``mlsecure federated ...`` in-process, through the module's own register/run (as cli/main.py does)."""

from __future__ import annotations

import argparse
import json

import pytest

from mlsecure.cli import federated_cmd


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command")
    assert federated_cmd.register(subparsers) == ["federated"]
    return federated_cmd.run(parser.parse_args(argv))


def test_simulate_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    code = _run(["federated", "simulate", "--aggregator", "fedavg", "--aggregator", "multi-krum", "--clients", "20",
                 "--byzantine", "4", "--attack", "sign-flip", "--rounds", "8", "--format", "json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 1  # FedAvg's loss is a high finding, at the default --fail-on high
    titles = [f["title"] for f in report["findings"]]
    assert any(t.startswith("FedAvg lost") for t in titles)
    assert any(t.startswith("Multi-Krum kept") for t in titles)
    assert report["figures"]["federated-accuracy"]["series"][0]["name"] == "FedAvg"
    assert report["metrics"]["federated-simulation"]["n_byzantine"] == 4
    assert "FedAvg lost" in err and "Multi-Krum kept it" in err


def test_dp_plan_and_listings(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dp_accounting")
    assert _run(["federated", "dp-plan", "--total-clients", "10000", "--clients-per-round", "100", "--rounds", "1000",
                 "--noise-multiplier", "1.1", "--delta", "1e-5", "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["sample_rate"] == 0.01 and res["epsilon"] < res["cross_check_epsilon"]
    assert _run(["federated", "aggregators"]) == 0
    assert "krum" in capsys.readouterr().out
    assert _run(["federated", "attacks"]) == 0
    assert "AML.T0043.004" in capsys.readouterr().out
