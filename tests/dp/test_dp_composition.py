"""Composition theorems: hand-computed values and the ordering basic/advanced >= RDP >= PLD."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.errors import InputError
from mlsecure.privacy.dp import (
    DPSGDConfig,
    PrivacyBudget,
    advanced_composition,
    basic_composition,
    compose_dpsgd,
    compose_releases,
)
from mlsecure.privacy.dp.budget import BudgetExceededError

pytest.importorskip("dp_accounting")


def test_advanced_composition_hand_computed() -> None:
    # eps=0.1, k=100, delta'=1e-5: sqrt(200 ln 1e5) * 0.1 + 100 * 0.1 * (e^0.1 - 1)
    #   = sqrt(2302.585093) * 0.1 + 10 * 0.105170918 = 4.798526 + 1.051709 = 5.850235
    res = advanced_composition(0.1, 100, delta_slack=1e-5, delta=1e-7)
    assert res.epsilon == pytest.approx(5.850235092944558, rel=1e-12)
    assert res.delta == pytest.approx(100 * 1e-7 + 1e-5)


def test_basic_composition_sums() -> None:
    res = basic_composition([0.5, 1.0, 0.25], [1e-6, 0.0, 1e-6])
    assert res.epsilon == pytest.approx(1.75)
    assert res.delta == pytest.approx(2e-6)


def test_dpsgd_composition_shows_looseness() -> None:
    # the example: advanced composition of DP-SGD steps ~348, PLD 0.55
    cfg = DPSGDConfig(noise_multiplier=1.0, batch_size=64, dataset_size=50_000, epochs=10)
    by = {c.method: c for c in compose_dpsgd(cfg, delta=1e-5)}
    assert by["advanced"].epsilon == pytest.approx(347.7, abs=0.5)
    assert by["pld"].epsilon == pytest.approx(0.5475, abs=1e-3)
    assert by["basic"].epsilon > by["advanced"].epsilon > by["rdp"].epsilon > by["pld"].epsilon  # type: ignore[operator]
    assert by["advanced"].delta == pytest.approx(1e-5)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(0.05, 2.0), min_size=1, max_size=6))
def test_pld_never_above_basic(epsilons: list[float]) -> None:
    by = {c.method: c for c in compose_releases(epsilons, delta=1e-6)}
    assert by["pld"].epsilon is not None and by["basic"].epsilon is not None
    assert by["pld"].epsilon <= by["basic"].epsilon + 1e-3  # optimal composition never loses to the sum
    assert by["rdp"].epsilon is not None and by["rdp"].epsilon >= by["pld"].epsilon - 1e-3


def test_single_release_pld_is_its_epsilon() -> None:
    by = {c.method: c for c in compose_releases([0.7], delta=1e-6)}
    assert by["pld"].epsilon == pytest.approx(0.7, abs=1e-3)


def test_compose_rejects_spent_delta() -> None:
    with pytest.raises(InputError):
        compose_releases([1.0, 1.0], delta=1e-6, deltas=[1e-6, 1e-6])


def test_budget_tracks_and_refuses() -> None:
    budget = PrivacyBudget(epsilon=0.2, delta=1e-5)
    cfg = DPSGDConfig(noise_multiplier=2.0, batch_size=256, dataset_size=50_000, epochs=2)
    spent = budget.charge_dpsgd(cfg, "first run")
    assert spent == pytest.approx(0.1830, abs=1e-3)  # dp-accounting 0.6 PLD
    assert budget.remaining == pytest.approx(0.2 - spent, abs=1e-6)
    assert budget.cost_with_config(cfg) == pytest.approx(0.2632, abs=1e-3)  # PLD of both runs, not 2 x 0.183
    with pytest.raises(BudgetExceededError):
        budget.charge_dpsgd(cfg, "second run")
    assert len(budget.releases) == 1
    assert math.isclose(budget.spent, spent, rel_tol=1e-9)
