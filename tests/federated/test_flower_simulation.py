"""mlsecure's aggregators inside Flower's own simulation runtime (Ray backend) versus the in-process loop.

One local Ray cluster of 2 CPUs serves these tests and the engine tests (tests/conftest.py: Ray starts slowly on
2 shared cores); each Flower run starts its ClientApp actors anew: 10-30 s per run on this machine, hence ``slow``.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

for _mod in ("flwr", "ray"):
    if importlib.util.find_spec(_mod) is None:
        pytest.skip(f"Flower's simulation needs {_mod} (pip install \"mlsecure[fl,ray]\")", allow_module_level=True)
os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")  # read when Flower is first imported; no network in tests

from mlsecure.errors import ConfigError  # noqa: E402
from mlsecure.federated.flower_simulation import simulate_in_flower  # noqa: E402
from mlsecure.federated.simulation import SimulationConfig, simulate  # noqa: E402

# ray.shutdown() kills its node processes without reaping their Popen objects (see tests/engines).
pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

# 7 clients, 2 of them Byzantine (Krum's n >= 2f + 3), three rounds of one local epoch.
CONFIG = SimulationConfig(n_clients=7, n_byzantine=2, rounds=3, local_epochs=1, client_streams=True)


def test_colluding_attacks_and_shared_streams_are_refused() -> None:
    with pytest.raises(ConfigError, match="'alie' needs the other clients' updates"):
        simulate_in_flower(aggregator="median", attack="alie", config=CONFIG)
    with pytest.raises(ConfigError, match="client_streams=True"):
        simulate_in_flower(aggregator="median", config=SimulationConfig(n_clients=3, n_byzantine=0, rounds=1))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_flower_simulation_equals_in_process_and_krum_resists_sign_flip(ray_cluster: None) -> None:
    reference = simulate(aggregators=["fedavg", "krum"], attack="sign-flip", config=CONFIG)
    in_flower = {name: simulate_in_flower(aggregator=name, attack="sign-flip", config=CONFIG)
                 for name in ("fedavg", "krum")}
    for name, got in in_flower.items():
        want = reference.run(name)
        assert got.byzantine_clients == reference.byzantine_clients == (1, 6)
        assert got.accuracy == want.accuracy, name
        assert got.rounds_per_second > 0
        assert want.weights is not None
        # Krum keeps one honest update per round: the same floats. FedAvg averages the Byzantine updates,
        # which a Flower client sends as weights w + Δ (the server takes (w + Δ) - w): one rounding apart.
        tolerance = 0.0 if name == "krum" else 1e-12
        assert np.max(np.abs(got.weights - want.weights)) <= tolerance, name
    # The attack inside Flower: two sign-flipping clients (4x their negated update) wreck the mean, not Krum.
    assert in_flower["fedavg"].final_accuracy < 0.3  # in-process: 0.185 (chance is 0.1)
    assert in_flower["krum"].final_accuracy > in_flower["fedavg"].final_accuracy + 0.3  # in-process: 0.646


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_simulate_with_flower_gives_simulate_result_with_the_clean_reference(ray_cluster: None) -> None:
    from mlsecure.federated.flower_simulation import simulate_with_flower

    config = SimulationConfig(n_clients=5, n_byzantine=1, rounds=2, local_epochs=1, client_streams=True)
    reference = simulate(aggregators=["median", "bulyan"], attack="gaussian", config=config)
    got = simulate_with_flower(aggregators=["median", "bulyan"], attack="gaussian", config=config)
    assert got.skipped == reference.skipped and [name for name, _ in got.skipped] == ["bulyan"]  # n=5 < 4f + 3
    assert got.clean_accuracy == reference.clean_accuracy
    assert got.byzantine_clients == reference.byzantine_clients
    assert [(r.name, r.accuracy) for r in got.runs] == [(r.name, r.accuracy) for r in reference.runs]


def test_cli_refuses_a_colluding_attack_in_flower(capsys: pytest.CaptureFixture[str]) -> None:
    from mlsecure.cli.main import main

    code = main(["federated", "simulate", "--engine", "flower", "--attack", "ipm", "--clients", "5",
                 "--byzantine", "1", "--rounds", "1", "--aggregator", "median"])
    assert code == 2
    assert "'ipm' needs the other clients' updates" in capsys.readouterr().err
