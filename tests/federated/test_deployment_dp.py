"""The deployment's client-side DP pieces that run without Flower processes: clipping, settings checks."""

from __future__ import annotations

import numpy as np
import pytest

from mlsecure.errors import ConfigError
from mlsecure.federated.deployment import DeploymentDP, clip_update


def test_clip_update_scales_the_whole_update_to_the_clip_norm() -> None:
    base = [np.zeros((2, 2)), np.ones(2)]
    trained = [np.array([[3.0, 0.0], [0.0, 0.0]]), np.array([1.0, 5.0])]  # delta (3, 0, 0, 0 | 0, 4): norm 5
    clipped, norm = clip_update(base, trained, 1.0)
    assert norm == 5.0
    np.testing.assert_allclose(clipped[0], [[0.6, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(clipped[1], [1.0, 1.8])
    same, small = clip_update(base, trained, 10.0)  # shorter than S: unchanged
    assert small == 5.0
    np.testing.assert_array_equal(same[1], trained[1])


def test_dp_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="positive clip norm"):
        DeploymentDP(clip_norm=0.0, noise_multiplier=1.0, delta=1e-5)
    with pytest.raises(ConfigError, match="delta in"):
        DeploymentDP(clip_norm=1.0, noise_multiplier=1.0, delta=1.0)


def test_dp_goes_with_the_dp_fedavg_aggregator_only() -> None:
    pytest.importorskip("flwr")
    from mlsecure.federated.deployment import run_deployment

    with pytest.raises(ConfigError, match="got aggregator 'median' with DP"):
        run_deployment(aggregator="median", dp=DeploymentDP(clip_norm=1.0, noise_multiplier=1.0, delta=1e-5))
    with pytest.raises(ConfigError, match="got aggregator 'dp-fedavg' without DP"):
        run_deployment(aggregator="dp-fedavg")


def test_cli_refuses_dp_with_a_robust_rule(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("flwr")
    from mlsecure.cli.main import main

    assert main(["federated", "flower", "--dp-clip", "1.0", "--aggregator", "krum"]) == 2
    assert "got aggregator 'krum' with DP" in capsys.readouterr().err
