"""Composition: the total privacy cost of several private releases, by four theorems of rising tightness.

- ``basic``: ``eps = sum(eps_i)``, ``delta = sum(delta_i)`` (Dwork et al. 2006).
- ``advanced``: for ``k`` releases each ``(eps, delta)``-DP and any slack ``delta' > 0`` the composition
  is ``(eps', k*delta + delta')``-DP with
  ``eps' = sqrt(2 k ln(1/delta')) * eps + k * eps * (e^eps - 1)``
  (Dwork, Rothblum, Vadhan 2010; Dwork & Roth 2014, Theorem 3.20). Note the ``delta'`` inside the
  logarithm is the *slack*, not the per-release delta, and the total delta grows by ``k * delta``.
- ``rdp``: Renyi DP, additive in each order, converted once (Mironov 2017, arXiv:1702.07476).
- ``pld``: privacy loss distributions composed numerically (the tightest; dp-accounting).

For generic ``(eps_i, delta_i)`` releases, PLD uses the worst-case PLD of an ``(eps, delta)``-DP
mechanism (``from_privacy_parameters``), i.e. the optimal composition of those guarantees; RDP is
given for pure-DP releases (``delta_i = 0``) through ``eps``-DP => ``min(eps, alpha eps^2/2)``-RDP
(Bun & Steinke 2016, arXiv:1605.02065).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mlsecure.errors import InputError, MLSecureError, require
from mlsecure.privacy.dp.accounting import MAX_PLD_EPSILON, MAX_PLD_STEPS, DPSGDConfig, event_epsilon


@dataclass(frozen=True)
class Composed:
    """The composed guarantee by one method, ``None`` epsilon when the method does not apply."""

    method: str
    epsilon: float | None
    delta: float
    note: str = ""


def basic_composition(epsilons: Sequence[float], deltas: Sequence[float] | None = None) -> Composed:
    """``(sum eps_i, sum delta_i)``."""
    eps = _check_eps(epsilons)
    dels = [0.0] * len(eps) if deltas is None else _check_deltas(deltas, len(eps))
    return Composed("basic", float(sum(eps)), float(sum(dels)), "sum of epsilons")


def advanced_composition(epsilon: float, k: int, *, delta_slack: float, delta: float = 0.0) -> Composed:
    """Dwork-Rothblum-Vadhan: ``k`` releases each ``(epsilon, delta)``-DP, slack ``delta_slack``."""
    if k < 1:
        raise InputError(f"number of releases must be at least 1, got {k}")
    if not epsilon >= 0 or not math.isfinite(epsilon):
        raise InputError(f"epsilon must be a non-negative number, got {epsilon}")
    if not 0 < delta_slack < 1:
        raise InputError(f"delta slack must be in (0, 1), got {delta_slack}")
    eps = math.sqrt(2.0 * k * math.log(1.0 / delta_slack)) * epsilon + k * epsilon * math.expm1(epsilon)
    return Composed("advanced", eps, k * delta + delta_slack,
                    f"sqrt(2k ln(1/delta')) eps + k eps (e^eps - 1), k={k}, delta'={delta_slack:g}")


def compose_releases(epsilons: Sequence[float], *, delta: float, deltas: Sequence[float] | None = None,
                     counts: Sequence[int] | None = None) -> list[Composed]:
    """All four methods for generic releases; the total delta of each is at most ``delta``.

    ``deltas`` are the per-release deltas (default 0); ``counts[i]`` repeats release ``i`` (default 1 each),
    composed in closed form or by PLD self-composition, never by expanding a list (``--count 1e9`` was killed
    for memory). Advanced composition needs equal releases: for unequal ones it uses the largest epsilon
    (a valid, looser bound). A method that cannot represent the result says "n/a" with the reason.
    """
    eps = _check_eps(epsilons)
    dels = [0.0] * len(eps) if deltas is None else _check_deltas(deltas, len(eps))
    reps = [1] * len(eps) if counts is None else [int(c) for c in counts]
    if len(reps) != len(eps) or any(c < 1 for c in reps):
        raise InputError(f"counts must be one positive integer per epsilon, got {list(counts or [])}")
    if not 0 < delta < 1:
        raise InputError(f"delta must be in (0, 1), got {delta}")
    spent = sum(d * c for d, c in zip(dels, reps, strict=True))
    if spent >= delta:
        raise InputError(f"the releases' deltas already sum to {spent:g} >= the target delta {delta:g}")
    k = sum(reps)
    out = [Composed("basic", float(sum(e * c for e, c in zip(eps, reps, strict=True))), float(spent),
                    "sum of epsilons")]
    out.append(_guarded("advanced", delta, lambda: advanced_composition(max(eps), k, delta_slack=delta - spent,
                                                                        delta=max(dels))))
    out.append(_rdp_pure(eps, reps, delta) if spent == 0 else
               Composed("rdp", None, delta, "RDP needs pure-DP releases (delta_i = 0)"))
    if k > MAX_PLD_STEPS or out[0].epsilon is None or out[0].epsilon > MAX_PLD_EPSILON:
        out.append(Composed("pld", None, delta, f"n/a: {k} releases, basic epsilon {out[0].epsilon:.4g}: beyond the "
                                                f"PLD grid's limits ({MAX_PLD_STEPS:g} compositions, epsilon "
                                                f"{MAX_PLD_EPSILON:g})"))
    else:
        out.append(_guarded("pld", delta, lambda: _pld_generic(eps, dels, reps, delta)))
    return out


def _guarded(method: str, delta: float, compute: Callable[[], Composed]) -> Composed:
    """``compute()``, or an "n/a" row naming why the method cannot represent this composition."""
    try:
        result = compute()
    except (MLSecureError, OverflowError, MemoryError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Composed(method, None, delta, f"n/a: {reason}")
    if result.epsilon is not None and not math.isfinite(result.epsilon):
        return Composed(method, None, delta, "n/a: the bound overflows a float")
    return result


def compose_dpsgd(config: DPSGDConfig, *, delta: float) -> list[Composed]:
    """DP-SGD's ``T`` steps composed by each method, to show how loose the generic theorems are.

    Basic and advanced composition need a per-step ``(eps0, delta0)``: ``delta0 = delta / (2T)`` and
    ``eps0`` is the tight (PLD) epsilon of one Poisson-subsampled Gaussian step at ``delta0``; advanced
    composition then uses slack ``delta' = delta / 2``, so every method ends at total ``delta``.
    For sigma=1, q=64/50000, T=7812, delta=1e-5: advanced ~348, RDP ~0.87, PLD ~0.55.
    """
    dp = require("dp_accounting", "dp")
    steps = config.n_steps
    step_event = dp.PoissonSampledDpEvent(config.sample_rate, dp.GaussianDpEvent(config.noise_multiplier))
    delta0 = delta / (2.0 * steps)
    eps0 = event_epsilon(step_event, delta0, "pld")
    basic = _guarded("basic", delta, lambda: Composed("basic", steps * eps0, steps * delta0,
                                                      f"T={steps} steps x eps0={eps0:.4g} at delta0={delta0:.3g}"))
    advanced = _guarded("advanced", delta, lambda: advanced_composition(eps0, steps, delta_slack=delta / 2.0,
                                                                        delta=delta0))
    full = dp.SelfComposedDpEvent(step_event, steps)
    return [
        basic,
        advanced,
        _guarded("rdp", delta, lambda: Composed("rdp", event_epsilon(full, delta, "rdp"), delta,
                                                "Renyi DP of the sampled Gaussian")),
        _guarded("pld", delta, lambda: Composed("pld", event_epsilon(full, delta, "pld"), delta,
                                                "privacy loss distribution")),
    ]


def _rdp_pure(epsilons: Sequence[float], counts: Sequence[int], delta: float) -> Composed:
    rdp_mod = require("dp_accounting.rdp.rdp_privacy_accountant", "dp")
    orders = np.concatenate([np.linspace(1.01, 8, 200), np.arange(8, 257, dtype=float)])
    total = np.zeros_like(orders)
    for e, c in zip(epsilons, counts, strict=True):
        total += c * np.minimum(e, orders * e * e / 2.0)
    eps, _ = rdp_mod.compute_epsilon(orders, total, delta)
    return Composed("rdp", float(eps), delta, "eps-DP => min(eps, alpha eps^2/2)-RDP, summed per order")


def _pld_generic(epsilons: Sequence[float], deltas: Sequence[float], counts: Sequence[int],
                 delta: float) -> Composed:
    pld_mod = require("dp_accounting.pld.privacy_loss_distribution", "dp")
    common = require("dp_accounting.pld.common", "dp")
    total = None
    for e, d, c in zip(epsilons, deltas, counts, strict=True):
        one = pld_mod.from_privacy_parameters(common.DifferentialPrivacyParameters(e, d),
                                              value_discretization_interval=1e-4)
        one = one.self_compose(c) if c > 1 else one
        total = one if total is None else total.compose(one)
    if total is None:
        raise InputError("no releases to compose")
    return Composed("pld", float(total.get_epsilon_for_delta(delta)), delta,
                    "optimal composition of the (eps_i, delta_i) guarantees, numerically")


def _check_eps(epsilons: Sequence[float]) -> list[float]:
    eps = [float(e) for e in epsilons]
    if not eps:
        raise InputError("give at least one epsilon to compose")
    bad = [e for e in eps if not (e >= 0 and math.isfinite(e))]
    if bad:
        raise InputError(f"epsilons must be non-negative numbers, got {bad[0]}")
    return eps


def _check_deltas(deltas: Sequence[float], n: int) -> list[float]:
    dels = [float(d) for d in deltas]
    if len(dels) == 1 and n > 1:
        dels = dels * n
    if len(dels) != n:
        raise InputError(f"{n} epsilons but {len(dels)} deltas")
    if any(not 0 <= d < 1 for d in dels):
        raise InputError("per-release deltas must be in [0, 1)")
    return dels
