"""Differential privacy: accounting (dp-accounting, PLD/RDP), noise search, planning, composition,
budget tracking and DP-SGD training on Opacus (``training`` and ``profile`` import torch lazily)."""

from mlsecure.privacy.dp.accounting import (
    DPSGDConfig,
    EpsilonResult,
    compute_epsilon,
    default_delta,
    delta_warning,
    find_noise_multiplier,
    sampled_gaussian_epsilon,
)
from mlsecure.privacy.dp.budget import BudgetExceededError, PrivacyBudget
from mlsecure.privacy.dp.composition import advanced_composition, basic_composition, compose_dpsgd, compose_releases
from mlsecure.privacy.dp.planning import Sensitivity, guide_table_check, noise_table, plan

__all__ = [
    "BudgetExceededError", "DPSGDConfig", "EpsilonResult", "PrivacyBudget", "Sensitivity", "advanced_composition",
    "basic_composition", "compose_dpsgd", "compose_releases", "compute_epsilon", "default_delta", "delta_warning",
    "find_noise_multiplier", "guide_table_check", "noise_table", "plan", "profile_gradient_norms",
    "sampled_gaussian_epsilon", "train_dp_sgd",
]


def __getattr__(name: str) -> object:  # torch-backed helpers, imported on first use
    if name == "train_dp_sgd":
        from mlsecure.privacy.dp.training import train_dp_sgd

        return train_dp_sgd
    if name == "profile_gradient_norms":
        from mlsecure.privacy.dp.profile import profile_gradient_norms

        return profile_gradient_norms
    raise AttributeError(name)
