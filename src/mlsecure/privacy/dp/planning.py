"""Choosing DP parameters: the guide's epsilon tiers and decision flowchart, turned into numbers.

``plan`` answers "which epsilon should I target, and what noise does my training configuration need
for it?" with a recommendation, the smallest noise multiplier that meets it, and a table of noise
multiplier vs the epsilon it actually spends for the user's own configuration (PLD accounting).

The guide's own noise table (10 epochs, batch 64, n=50,000) is *not* what accounting gives: see
``GUIDE_NOISE_TABLE`` and ``guide_table_check``. For sigma=1.0 the guide says ~8 where PLD gives
0.55; for sigma=0.5, ~30 where PLD gives ~6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlsecure.errors import InputError, LimitExceededError
from mlsecure.privacy.dp.accounting import (
    Accountant,
    DPSGDConfig,
    compute_epsilon,
    default_delta,
    delta_warning,
    find_noise_multiplier,
)


class Sensitivity(StrEnum):
    """How sensitive the training data is (the flowchart's first questions)."""

    MEDICAL = "medical"  # highly sensitive: medical, financial, legal
    GOVERNMENT = "government"  # government, census, health records
    PERSONAL = "personal"  # general personal data, recommendation systems
    LOW = "low"  # low sensitivity, utility critical


@dataclass(frozen=True)
class EpsilonTier:
    """One row of the guide's epsilon table."""

    low: float
    high: float | None
    level: str
    use_case: str


EPSILON_TIERS: tuple[EpsilonTier, ...] = (
    EpsilonTier(0.01, 0.1, "very strong", "highly sensitive data (medical, financial PII)"),
    EpsilonTier(0.1, 1.0, "strong", "government data, census, health records"),
    EpsilonTier(1.0, 5.0, "moderate", "general personal data, recommendation systems"),
    EpsilonTier(5.0, 10.0, "weak", "low-sensitivity data where utility is critical"),
    EpsilonTier(10.0, None, "minimal", "not recommended: the guarantee is weak"),
)

# The flowchart: sensitive -> <= 1; regulated -> <= 5; membership inference a concern -> <= 8.
TARGET_EPSILON: dict[Sensitivity, float] = {
    Sensitivity.MEDICAL: 1.0,
    Sensitivity.GOVERNMENT: 1.0,
    Sensitivity.PERSONAL: 5.0,
    Sensitivity.LOW: 8.0,
}

GUIDE_NOISE_TABLE: tuple[tuple[float, float], ...] = ((0.5, 30.0), (1.0, 8.0), (1.5, 3.0), (2.0, 1.5), (3.0, 0.8))
"""The guide's (noise multiplier, approximate epsilon) rows for 10 epochs, batch 64, n=50,000."""

DEFAULT_NOISE_GRID: tuple[float, ...] = (0.5, 0.7, 1.0, 1.5, 2.0, 3.0)


def tier_for(epsilon: float) -> EpsilonTier:
    """The guide's tier an epsilon falls in (below 0.01 counts as very strong)."""
    for tier in EPSILON_TIERS:
        if tier.high is None or epsilon <= tier.high:
            return tier
    return EPSILON_TIERS[-1]


def target_for(sensitivity: Sensitivity, *, regulated: bool = False, membership_concern: bool = True) -> float:
    """The flowchart's target epsilon.

    Highly sensitive data -> 1.0; otherwise regulation -> 5.0; otherwise a membership-inference
    concern -> 8.0 (else 10.0, the edge of the weak tier: "consider whether DP is needed").
    """
    base = TARGET_EPSILON[sensitivity]
    if sensitivity in (Sensitivity.MEDICAL, Sensitivity.GOVERNMENT):
        return base
    if regulated:
        return min(base, 5.0)
    if sensitivity is Sensitivity.LOW and not membership_concern:
        return 10.0
    return base


@dataclass(frozen=True)
class NoiseRow:
    noise_multiplier: float
    epsilon: float
    rdp_epsilon: float
    tier: str


@dataclass(frozen=True)
class Plan:
    """A recommendation for one training configuration."""

    sensitivity: Sensitivity
    target_epsilon: float
    delta: float
    dataset_size: int
    batch_size: int
    epochs: float
    sample_rate: float
    steps: int
    noise_multiplier: float  # the smallest that meets the target (PLD)
    achieved_epsilon: float
    tier: EpsilonTier
    table: tuple[NoiseRow, ...]
    advice: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "sensitivity": self.sensitivity.value, "target_epsilon": self.target_epsilon, "delta": self.delta,
            "dataset_size": self.dataset_size, "batch_size": self.batch_size, "epochs": self.epochs,
            "sample_rate": self.sample_rate, "steps": self.steps,
            "recommended_noise_multiplier": self.noise_multiplier, "achieved_epsilon": self.achieved_epsilon,
            "tier": {"level": self.tier.level, "use_case": self.tier.use_case},
            "table": [r.__dict__ for r in self.table], "advice": list(self.advice),
        }


def plan(*, sensitivity: Sensitivity | str, dataset_size: int, batch_size: int = 64, epochs: float = 10.0,
         delta: float | None = None, regulated: bool = False, membership_concern: bool = True,
         noise_grid: Sequence[float] = DEFAULT_NOISE_GRID, accountant: Accountant = "pld") -> Plan:
    """The flowchart's target epsilon for ``sensitivity`` and the noise this configuration needs."""
    try:
        sens = Sensitivity(sensitivity)
    except ValueError:
        names = ", ".join(s.value for s in Sensitivity)
        raise InputError(f"unknown sensitivity {sensitivity!r}; expected one of: {names}") from None
    if batch_size > dataset_size:
        raise InputError(f"batch size {batch_size} is larger than the dataset ({dataset_size})")
    delta = default_delta(dataset_size) if delta is None else delta
    advice: list[str] = []
    warning = delta_warning(delta, dataset_size)
    if warning:
        advice.append(warning)
    target = target_for(sens, regulated=regulated, membership_concern=membership_concern)
    found = find_noise_multiplier(target_epsilon=target, delta=delta, batch_size=batch_size,
                                  dataset_size=dataset_size, epochs=epochs, accountant=accountant)
    table = noise_table(batch_size=batch_size, dataset_size=dataset_size, epochs=epochs, delta=delta,
                        noise_grid=noise_grid)
    advice.extend(_advice(sens, target, found.noise_multiplier, dataset_size))
    return Plan(sensitivity=sens, target_epsilon=target, delta=delta, dataset_size=dataset_size,
                batch_size=batch_size, epochs=epochs, sample_rate=found.sample_rate, steps=found.steps,
                noise_multiplier=found.noise_multiplier, achieved_epsilon=found.epsilon,
                tier=tier_for(target), table=table, advice=tuple(advice))


def noise_table(*, batch_size: int, dataset_size: int, epochs: float, delta: float,
                noise_grid: Sequence[float] = DEFAULT_NOISE_GRID) -> tuple[NoiseRow, ...]:
    """Epsilon (PLD, with RDP beside it) for each noise multiplier in ``noise_grid``."""
    rows = []
    for sigma in noise_grid:
        cfg = DPSGDConfig(noise_multiplier=sigma, batch_size=batch_size, dataset_size=dataset_size, epochs=epochs)
        try:
            res = compute_epsilon(cfg, delta=delta, accountant="pld", cross_check=True)
            eps, rdp = res.epsilon, res.cross_check
        except LimitExceededError:  # beyond PLD's numerics (a huge epsilon): the RDP upper bound stands for both
            eps = rdp = compute_epsilon(cfg, delta=delta, accountant="rdp", cross_check=False).epsilon
        if rdp is None:  # PLD answered, its RDP cross-check could not (was shown as 0.0 before)
            rdp = compute_epsilon(cfg, delta=delta, accountant="rdp", cross_check=False).epsilon
        rows.append(NoiseRow(sigma, eps, float(rdp), tier_for(eps).level))
    return tuple(rows)


def guide_table_check(delta: float = 1e-5) -> list[dict[str, float]]:
    """The guide's noise table beside the accounted epsilons (10 epochs, batch 64, n=50,000)."""
    rows = noise_table(batch_size=64, dataset_size=50_000, epochs=10, delta=delta,
                       noise_grid=[s for s, _ in GUIDE_NOISE_TABLE])
    return [{"noise_multiplier": r.noise_multiplier, "guide_epsilon": g, "pld_epsilon": r.epsilon,
             "rdp_epsilon": r.rdp_epsilon} for r, (_, g) in zip(rows, GUIDE_NOISE_TABLE, strict=True)]


def _advice(sens: Sensitivity, target: float, sigma: float, n: int) -> list[str]:
    out = []
    if sens in (Sensitivity.MEDICAL, Sensitivity.GOVERNMENT):
        out.append("highly sensitive data: target epsilon <= 1.0 and use strong DP (DP-SGD on every update)")
    elif sens is Sensitivity.PERSONAL:
        out.append("personal data: target epsilon <= 5.0; if a regulation applies, consult legal")
    else:
        out.append("low-sensitivity data: epsilon <= 8.0 bounds membership inference; regularization may suffice")
    if sigma > 5.0:
        out.append(f"noise multiplier {sigma:.2f} is large: expect a utility loss; use more data, fewer epochs "
                   "or larger batches (epsilon falls with a smaller sample rate)")
    if n < 1000:
        out.append("fewer than 1,000 records: DP-SGD utility will be poor and Opacus normalises by the expected "
                   "batch size, which leaks the dataset size at tiny n (Opacus issue #571)")
    out.append(f"set max_grad_norm near the median / 75th percentile of per-sample gradient norms "
               f"(mlsecure.privacy.dp.profile_gradient_norms); target epsilon {target:g}")
    return out
