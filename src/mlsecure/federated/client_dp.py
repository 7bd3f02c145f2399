"""Client-level differential privacy for federated averaging: DP-FedAvg.

McMahan, Ramage, Talwar, Zhang 2018, "Learning Differentially Private Recurrent Language Models",
ICLR, arXiv:1710.06963 (Algorithm 1, fixed-denominator estimator ``f̃_f``). Each round every client
joins independently with probability ``q``; each update is clipped to L2 norm ``S``
(``π(Δ, S) = Δ · min(1, S / ||Δ||)``); the server releases
``Δ̄ = (Σ_k π(Δ_k, S) + N(0, z² S² I)) / (q N)``. Adding or removing one *client* changes the sum
by at most ``S``, so each round is a Poisson-subsampled Gaussian mechanism with noise multiplier
``z``; ``R`` rounds compose. Privacy is accounted by Google's ``dp-accounting`` (PLD by default,
RDP as the cross-check) through ``mlsecure.privacy.dp.accounting``; nothing is accounted here by hand.

Limits: the guarantee is about *participation of a client* (user-level), assumes true Poisson
sampling of clients and a trusted aggregator (or secure aggregation with distributed noise, not
implemented); NumPy's Gaussian sampler is not a cryptographic one (floating-point attacks, Mironov
2012, are out of scope).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from mlsecure.errors import InputError
from mlsecure.federated.aggregators.clipping import clip_rows
from mlsecure.federated.aggregators.interface import AggregationResult, Aggregator, AggregatorError
from mlsecure.privacy.dp.accounting import (
    Accountant,
    find_noise_multiplier,
    optional_epsilon,
    sampled_gaussian_epsilon,
    sampled_gaussian_event,
)


class DPFedAvg(Aggregator):
    """Clip each update to ``clip_norm``, sum, add ``N(0, (z · clip_norm)²)``, divide by ``q N``.

    ``expected_clients`` is ``q N`` (the fixed denominator); ``None`` uses the number of updates
    actually received (the estimator ``f̃_c``-like variant, slightly leakier: the count is not private).
    """

    name: ClassVar[str] = "dp-fedavg"

    def __init__(self, *, clip_norm: float, noise_multiplier: float, expected_clients: float | None = None,
                 seed: int | None = None) -> None:
        if not clip_norm > 0 or not noise_multiplier >= 0:
            raise AggregatorError("DP-FedAvg: clip_norm must be positive and noise_multiplier non-negative")
        if expected_clients is not None and not expected_clients > 0:
            raise AggregatorError(f"DP-FedAvg: expected_clients must be positive, got {expected_clients}")
        self.clip_norm, self.noise_multiplier, self.expected_clients = clip_norm, noise_multiplier, expected_clients
        self._rng = np.random.default_rng(seed)

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        clipped = clip_rows(x.astype(np.float64), self.clip_norm)
        noise = self._rng.normal(0.0, self.noise_multiplier * self.clip_norm, size=x.shape[1])
        denom = self.expected_clients if self.expected_clients is not None else float(x.shape[0])
        update = (clipped.sum(axis=0) + noise) / denom
        return AggregationResult(update=update.astype(x.dtype), selected=tuple(range(x.shape[0])),
                                 info={"noise_std_on_sum": self.noise_multiplier * self.clip_norm})


@dataclass(frozen=True)
class FederatedPrivacy:
    """The client-level (epsilon, delta) of ``rounds`` DP-FedAvg rounds at client sampling rate ``q``."""

    epsilon: float
    delta: float
    noise_multiplier: float
    sample_rate: float
    rounds: int
    accountant: Accountant
    cross_check: float | None = None

    def to_dict(self) -> dict[str, float | int | str | None]:
        return {"epsilon": self.epsilon, "delta": self.delta, "noise_multiplier": self.noise_multiplier,
                "sample_rate": self.sample_rate, "rounds": self.rounds, "accountant": self.accountant,
                "cross_check_epsilon": self.cross_check,
                "neighbouring": "add or remove one client (user-level)"}


def federated_epsilon(*, noise_multiplier: float, sample_rate: float, rounds: int, delta: float,
                      accountant: Accountant = "pld", cross_check: bool = False) -> FederatedPrivacy:
    """Epsilon of ``rounds`` compositions of ``PoissonSampled(q, Gaussian(z))`` (dp-accounting)."""
    _check(noise_multiplier=noise_multiplier, sample_rate=sample_rate, rounds=rounds, delta=delta)
    eps = sampled_gaussian_epsilon(sample_rate=sample_rate, noise_multiplier=noise_multiplier, steps=rounds,
                                   delta=delta, accountant=accountant)
    other: Accountant = "rdp" if accountant == "pld" else "pld"
    check = (optional_epsilon(sampled_gaussian_event(sample_rate, noise_multiplier, rounds), delta, other)
             if cross_check else None)
    return FederatedPrivacy(eps, delta, noise_multiplier, sample_rate, rounds, accountant, check)


def plan_noise(*, target_epsilon: float, delta: float, clients_per_round: int, total_clients: int, rounds: int,
               accountant: Accountant = "pld") -> FederatedPrivacy:
    """The smallest noise multiplier ``z`` reaching ``target_epsilon`` after ``rounds`` rounds with
    ``q = clients_per_round / total_clients`` (dp-accounting, bracketing to 0.1 %)."""
    if not 1 <= clients_per_round <= total_clients:
        raise InputError(f"clients per round must be between 1 and the {total_clients} clients, "
                         f"got {clients_per_round}")
    if rounds < 1:
        raise InputError(f"rounds must be at least 1, got {rounds}")
    res = find_noise_multiplier(target_epsilon=target_epsilon, delta=delta, batch_size=clients_per_round,
                                dataset_size=total_clients, steps=rounds, accountant=accountant)
    return FederatedPrivacy(res.epsilon, delta, res.noise_multiplier, res.sample_rate, rounds, accountant)


def _check(*, noise_multiplier: float, sample_rate: float, rounds: int, delta: float) -> None:
    if not noise_multiplier > 0 or not math.isfinite(noise_multiplier):
        raise InputError(f"noise multiplier must be a positive number, got {noise_multiplier}")
    if not 0 < sample_rate <= 1:
        raise InputError(f"client sampling rate must be in (0, 1], got {sample_rate}")
    if rounds < 1:
        raise InputError(f"rounds must be at least 1, got {rounds}")
    if not 0 < delta < 1:
        raise InputError(f"delta must be in (0, 1), got {delta}")
