"""DP-FedAvg: clipping and noise scale, and epsilon equal to dp-accounting's own answer."""

from __future__ import annotations

import numpy as np
import pytest

dp_accounting = pytest.importorskip("dp_accounting")

from mlsecure.federated.client_dp import DPFedAvg, federated_epsilon, plan_noise  # noqa: E402


def _dp_accounting_epsilon(q: float, z: float, rounds: int, delta: float, *, pld: bool) -> float:
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(z)), rounds)
    acc = (dp_accounting.pld.PLDAccountant(value_discretization_interval=1e-4) if pld
           else dp_accounting.rdp.RdpAccountant())
    acc.compose(event)
    return float(acc.get_epsilon(delta))


@pytest.mark.parametrize("accountant", ["pld", "rdp"])
def test_epsilon_equals_dp_accounting(accountant: str) -> None:
    # 10,000 clients, 100 expected per round (q = 0.01), z = 1.1, 1000 rounds, delta = 1e-5
    res = federated_epsilon(noise_multiplier=1.1, sample_rate=0.01, rounds=1000, delta=1e-5,
                            accountant=accountant, cross_check=True)  # type: ignore[arg-type]
    expected = _dp_accounting_epsilon(0.01, 1.1, 1000, 1e-5, pld=accountant == "pld")
    assert res.epsilon == pytest.approx(expected, rel=1e-9)
    assert res.cross_check is not None
    pld, rdp = (res.epsilon, res.cross_check) if accountant == "pld" else (res.cross_check, res.epsilon)
    assert pld < rdp < 1.6 * pld  # RDP is an upper bound, typically 10-60 % above PLD


def test_plan_noise_reaches_the_target() -> None:
    res = plan_noise(target_epsilon=2.0, delta=1e-6, clients_per_round=50, total_clients=5000, rounds=300)
    assert res.epsilon <= 2.0
    assert _dp_accounting_epsilon(0.01, res.noise_multiplier, 300, 1e-6, pld=True) == pytest.approx(res.epsilon,
                                                                                                       rel=1e-6)
    # 2 % less noise overshoots: the answer is tight
    assert _dp_accounting_epsilon(0.01, 0.98 * res.noise_multiplier, 300, 1e-6, pld=True) > 2.0


def test_dp_fedavg_clips_and_adds_noise_of_the_stated_scale() -> None:
    x = np.vstack([np.full((3, 4), 10.0), np.zeros((1, 4))])  # norms 20: clipped to 1
    agg = DPFedAvg(clip_norm=1.0, noise_multiplier=0.0, expected_clients=4)
    np.testing.assert_allclose(agg.aggregate_matrix(x).update, np.full(4, 3 * 0.5 / 4))
    noisy = DPFedAvg(clip_norm=2.0, noise_multiplier=1.5, expected_clients=10.0, seed=0)
    out = noisy.aggregate_matrix(np.zeros((5, 200_000))).update
    assert np.std(out) == pytest.approx(1.5 * 2.0 / 10.0, rel=0.01)  # z C / (q N)
