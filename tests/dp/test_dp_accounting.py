"""Known-answer tests for DP accounting: our numbers against dp-accounting, Opacus and closed forms."""

from __future__ import annotations

import math

import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from mlsecure.errors import InputError
from mlsecure.privacy.dp import DPSGDConfig, compute_epsilon, default_delta, delta_warning, find_noise_multiplier

dp_accounting = pytest.importorskip("dp_accounting")

GRID = [(sigma, q, steps) for sigma in (0.8, 1.0, 2.0) for q in (0.001, 0.01, 0.1) for steps in (100, 1000)]


def _config(sigma: float, q: float, steps: int) -> DPSGDConfig:
    return DPSGDConfig(noise_multiplier=sigma, batch_size=round(q * 100_000), dataset_size=100_000, steps=steps)


@pytest.mark.parametrize(("sigma", "q", "steps"), GRID)
def test_rdp_equals_opacus_rdp_accountant(sigma: float, q: float, steps: int) -> None:
    # Opacus' own RDP analysis (opacus/accountants/analysis/rdp.py) with its default orders
    from opacus.accountants.analysis import rdp as opacus_rdp
    from opacus.accountants.rdp import RDPAccountant

    # Integer orders: both libraries use the exact binomial expansion (Mironov et al. 2019, Sec. 3.3).
    orders = [float(a) for a in RDPAccountant.DEFAULT_ALPHAS if float(a).is_integer()]
    rdp = opacus_rdp.compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=orders)
    expected, _ = opacus_rdp.get_privacy_spent(orders=orders, rdp=rdp, delta=1e-5)
    ours = compute_epsilon(_config(sigma, q, steps), delta=1e-5, accountant="rdp", cross_check=False, orders=orders)
    assert ours.epsilon == pytest.approx(float(expected), rel=1e-6)
    # Not compared at Opacus' fractional default orders: there Opacus 1.6 and dp-accounting 0.6 compute
    # log A_alpha differently (15 % apart at alpha=1.1 for sigma=0.8, q=0.01; dp-accounting drops orders
    # whose series does not converge), which moves epsilon by 5e-6 to 4e-3 relative.


@pytest.mark.parametrize(("sigma", "q", "steps"), [(1.0, 0.001, 100), (2.0, 0.01, 1000)])
def test_pld_and_rdp_equal_dp_accounting(sigma: float, q: float, steps: int) -> None:
    event = dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps)
    pld = dp_accounting.pld.PLDAccountant()
    pld.compose(event)
    rdp = dp_accounting.rdp.RdpAccountant()
    rdp.compose(event)
    ours = compute_epsilon(_config(sigma, q, steps), delta=1e-5)
    assert ours.accountant == "pld"
    assert ours.epsilon == pytest.approx(pld.get_epsilon(1e-5), rel=1e-6)
    assert ours.cross_check == pytest.approx(rdp.get_epsilon(1e-5), rel=1e-6)
    assert ours.epsilon <= ours.cross_check  # PLD is the tighter of the two


def test_single_gaussian_matches_analytic_gaussian_mechanism() -> None:
    # Balle & Wang 2018 (arXiv:1805.06530), Thm 8: delta(eps) = Phi(1/(2s) - eps s) - e^eps Phi(-1/(2s) - eps s)
    sigma, delta = 1.5, 1e-5
    res = compute_epsilon(DPSGDConfig(noise_multiplier=sigma, batch_size=10, dataset_size=10, steps=1),
                          delta=delta, cross_check=False)

    def delta_of(eps: float) -> float:
        return float(norm.cdf(0.5 / sigma - eps * sigma) - math.exp(eps) * norm.cdf(-0.5 / sigma - eps * sigma))

    exact = brentq(lambda e: delta_of(e) - delta, 0.0, 20.0)  # the exact epsilon of the closed form
    assert delta_of(res.epsilon) <= delta * 1.001  # a valid epsilon for this delta
    assert res.epsilon == pytest.approx(exact, abs=2e-3)  # PLD is tight up to its 1e-4 discretisation


def test_guide_configuration_true_values() -> None:
    # the guide says ~8 for sigma=1.0 (10 epochs, batch 64, n=50,000); accounting gives 0.55 (PLD) / 0.87 (RDP)
    res = compute_epsilon(DPSGDConfig(noise_multiplier=1.0, batch_size=64, dataset_size=50_000, epochs=10), delta=1e-5)
    assert res.steps == 7812
    assert res.sample_rate == pytest.approx(0.00128)
    assert res.epsilon == pytest.approx(0.5475, abs=1e-3)
    assert res.cross_check == pytest.approx(0.8714, abs=1e-3)
    assert "Poisson" in res.sampling


@pytest.mark.parametrize("target", [0.5, 2.0, 8.0])
def test_noise_search_inverts_epsilon(target: float) -> None:
    kw = {"delta": 1e-5, "batch_size": 256, "dataset_size": 60_000, "epochs": 3}
    found = find_noise_multiplier(target_epsilon=target, accountant="rdp", **kw)
    back = compute_epsilon(DPSGDConfig(noise_multiplier=found.noise_multiplier, batch_size=256, dataset_size=60_000,
                                       epochs=3), delta=1e-5, accountant="rdp", cross_check=False)
    assert back.epsilon <= target  # meets the target
    smaller = compute_epsilon(DPSGDConfig(noise_multiplier=found.noise_multiplier * 0.99, batch_size=256,
                                          dataset_size=60_000, epochs=3), delta=1e-5, accountant="rdp",
                              cross_check=False)
    assert smaller.epsilon > target  # and is the smallest to 1 %


@pytest.mark.slow
def test_noise_search_pld_meets_target() -> None:
    found = find_noise_multiplier(target_epsilon=1.0, delta=1e-5, batch_size=512, dataset_size=50_000, epochs=2)
    back = compute_epsilon(DPSGDConfig(noise_multiplier=found.noise_multiplier, batch_size=512, dataset_size=50_000,
                                       epochs=2), delta=1e-5, cross_check=False)
    assert back.epsilon <= 1.0
    assert back.epsilon > 0.98  # within the search tolerance of the target


def test_default_delta_and_warning() -> None:
    assert default_delta(50_000) == 1e-5
    assert default_delta(100_000) == 1e-6  # strictly below 1/n
    assert default_delta(1300) == 1e-4
    assert delta_warning(1e-5, 50_000) is None
    warning = delta_warning(1e-4, 50_000)
    assert warning is not None and "1/n" in warning


@pytest.mark.parametrize("bad", [{"noise_multiplier": 0.0}, {"batch_size": 0}, {"batch_size": 200},
                                 {"epochs": -1.0}])
def test_config_rejects_bad_input(bad: dict[str, float]) -> None:
    kw: dict[str, float] = {"noise_multiplier": 1.0, "batch_size": 10, "dataset_size": 100, "epochs": 1.0, **bad}
    with pytest.raises(InputError):
        DPSGDConfig(**kw)  # type: ignore[arg-type]
