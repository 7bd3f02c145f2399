"""Privacy accounting for DP-SGD: the epsilon a training run spends, and the noise a target needs.

A thin wrapper over Google's ``dp-accounting`` (``dp_accounting``). One DP-SGD step is the
*Poisson-subsampled Gaussian mechanism*: every record joins the batch independently with probability
``q = batch_size / dataset_size`` and the summed, clipped gradients get Gaussian noise of standard
deviation ``sigma * max_grad_norm``. ``T = epochs * dataset_size / batch_size`` steps compose.

Accountants (neighbouring relation: add or remove one record):

- ``pld`` (default): privacy loss distributions (Koskela et al. 2020, arXiv:1906.03049; Doroshenko
  et al. 2022, arXiv:2207.04380), numerically tight up to the discretisation (``1e-4``);
- ``rdp``: Renyi DP of the sampled Gaussian mechanism (Mironov et al. 2019, arXiv:1908.10530) with
  the conversion of Balle et al. 2020 (arXiv:2004.00010); an upper bound, typically 10-60 % above PLD.

Both assume Poisson sampling. Shuffled fixed-size batches are a different mechanism (Opacus issue #80):
the numbers here do not certify them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mlsecure.errors import InputError, LimitExceededError, require

Accountant = Literal["pld", "rdp"]
ACCOUNTANTS: tuple[Accountant, ...] = ("pld", "rdp")
SAMPLING_ASSUMPTION = "Poisson sampling: each record joins each batch independently with probability q"
PLD_DISCRETIZATION = 1e-4  # dp-accounting's default value_discretization_interval
# PLD composes T steps by repeated squaring of a discretised loss grid whose support grows with T: 1e9 steps
# took 19 s and came out *above* the RDP upper bound (grid truncation), 9.4e10 steps did not finish in 5 min
# (measured 2026-12-07, sigma=1, q=64/60000). Past this many steps RDP (constant time in T) is the answer.
MAX_PLD_STEPS = 10**8
# PLD's grid spans the privacy loss at a 1e-4 step: an epsilon of 1e4 is 1e8 points (0.8 GB per array). A plan
# with 1e6 full-batch steps asked numpy for 7 GiB and the process was killed for memory. Past this epsilon (bounded
# cheaply by RDP first) there is no privacy to measure finely: RDP answers.
MAX_PLD_EPSILON = 1e4


@dataclass(frozen=True)
class DPSGDConfig:
    """One DP-SGD training configuration. ``steps`` is derived from epochs unless given."""

    noise_multiplier: float
    batch_size: int
    dataset_size: int
    epochs: float = 1.0
    steps: int | None = None

    def __post_init__(self) -> None:
        if not self.noise_multiplier > 0 or not math.isfinite(self.noise_multiplier):
            raise InputError(f"noise multiplier must be a positive number, got {self.noise_multiplier}")
        if self.dataset_size < 1:
            raise InputError(f"dataset size must be at least 1, got {self.dataset_size}")
        if not 1 <= self.batch_size <= self.dataset_size:
            raise InputError(
                f"batch size must be between 1 and the dataset size {self.dataset_size}, got {self.batch_size}"
            )
        if self.steps is None and not self.epochs > 0:
            raise InputError(f"epochs must be positive, got {self.epochs}")
        if self.steps is not None and self.steps < 1:
            raise InputError(f"steps must be at least 1, got {self.steps}")

    @property
    def sample_rate(self) -> float:
        """``q = batch_size / dataset_size`` (the *dataset* length, never ``len(loader)``)."""
        return self.batch_size / self.dataset_size

    @property
    def n_steps(self) -> int:
        """``T``: given steps, else ``round(epochs / q)`` (Opacus: ``epochs * len(loader)``)."""
        if self.steps is not None:
            return self.steps
        return max(1, round(self.epochs * self.dataset_size / self.batch_size))


@dataclass(frozen=True)
class EpsilonResult:
    """The epsilon a configuration spends, with everything needed to reproduce it."""

    epsilon: float
    delta: float
    accountant: Accountant
    noise_multiplier: float
    sample_rate: float
    steps: int
    sampling: str = SAMPLING_ASSUMPTION
    cross_check: float | None = None  # the other accountant's epsilon (RDP when PLD is primary)

    def to_dict(self) -> dict[str, Any]:
        return {
            "epsilon": self.epsilon, "delta": self.delta, "accountant": self.accountant,
            "noise_multiplier": self.noise_multiplier, "sample_rate": self.sample_rate,
            "steps": self.steps, "sampling": self.sampling, "cross_check_epsilon": self.cross_check,
        }


def default_delta(dataset_size: int) -> float:
    """A delta below ``1/n``: the largest power of ten strictly below ``1/n`` (n=50,000 -> 1e-5)."""
    if dataset_size < 1:
        raise InputError(f"dataset size must be at least 1, got {dataset_size}")
    return float(10.0 ** math.floor(math.log10(1.0 / dataset_size) - 1e-12))


def delta_warning(delta: float, dataset_size: int) -> str | None:
    """A message when ``delta >= 1/n`` (a mechanism may then publish a whole record), else None."""
    if not 0 < delta < 1:
        raise InputError(f"delta must be in (0, 1), got {delta}")
    if delta >= 1.0 / dataset_size:
        return (f"delta={delta:g} is not below 1/n = {1.0 / dataset_size:.3g}: a mechanism could leak a "
                f"whole record with that probability; use delta <= {default_delta(dataset_size):g}")
    return None


def dpsgd_event(config: DPSGDConfig) -> Any:
    """The ``dp_accounting`` event of a DP-SGD run: ``T`` self-compositions of a Poisson-sampled Gaussian."""
    dp = require("dp_accounting", "dp")
    step = dp.PoissonSampledDpEvent(config.sample_rate, dp.GaussianDpEvent(config.noise_multiplier))
    return dp.SelfComposedDpEvent(step, config.n_steps)


def make_accountant(accountant: Accountant, *, orders: Sequence[float] | None = None) -> Any:
    """A fresh ``dp_accounting`` accountant (``orders`` only for RDP; None = the library's defaults)."""
    dp = require("dp_accounting", "dp")
    match accountant:
        case "pld":
            return dp.pld.PLDAccountant(value_discretization_interval=PLD_DISCRETIZATION)
        case "rdp":
            return dp.rdp.RdpAccountant(orders=list(orders) if orders is not None else None)
    raise InputError(f"unknown accountant {accountant!r}; expected one of {', '.join(ACCOUNTANTS)}")


def event_epsilon(event: Any, delta: float, accountant: Accountant = "pld", *,
                  orders: Sequence[float] | None = None, interval: float = PLD_DISCRETIZATION) -> float:
    """Epsilon of any ``dp_accounting`` event at ``delta``.

    An event the accountant cannot represent (a noise so small that the PLD grid does not fit in
    memory, a composition past ``MAX_PLD_STEPS``) is a ``LimitExceededError`` naming the way out,
    never a numpy traceback or a hang."""
    _check_pld_steps(event, accountant)
    if accountant == "pld":
        _check_pld_size(event, delta)
        dp = require("dp_accounting", "dp")
        acc = dp.pld.PLDAccountant(value_discretization_interval=interval)
    else:
        acc = make_accountant(accountant, orders=orders)
    try:
        acc.compose(event)
        return float(acc.get_epsilon(delta))
    except (ValueError, OverflowError, MemoryError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = "; the RDP accountant (--accountant rdp) bounds it" if accountant == "pld" else ""
        raise LimitExceededError(f"the {accountant.upper()} accountant cannot compute this mechanism's epsilon "
                                 f"({reason}): the noise multiplier is too small or the steps too many for "
                                 f"its numerics{hint}") from None


def optional_epsilon(event: Any, delta: float, accountant: Accountant) -> float | None:
    """A cross-check's epsilon, or ``None`` when that accountant cannot represent the event (the primary
    accountant already answered; a cross-check that cannot run is shown as not computed, not as a crash)."""
    try:
        return event_epsilon(event, delta, accountant)
    except LimitExceededError:
        return None


def _check_pld_size(event: Any, delta: float) -> None:
    """Refuse a PLD whose grid would not fit in memory, judged by the RDP upper bound (milliseconds)."""
    try:
        bound = event_epsilon(event, delta, "rdp")
    except LimitExceededError:
        return  # RDP cannot bound it either: PLD's own error handling speaks
    if bound > MAX_PLD_EPSILON:
        raise LimitExceededError(f"the RDP bound on epsilon is {bound:.4g}, above the PLD accountant's limit of "
                                 f"{MAX_PLD_EPSILON:g} (its grid would need more than 1e8 points): use --accountant "
                                 "rdp; at such an epsilon there is no meaningful privacy")


def _check_pld_steps(event: Any, accountant: Accountant) -> None:
    count = getattr(event, "count", None)
    if accountant == "pld" and isinstance(count, int) and count > MAX_PLD_STEPS:
        raise LimitExceededError(f"{count} composed steps exceed the PLD accountant's limit of {MAX_PLD_STEPS} "
                                 "(its grid grows with the steps); use --accountant rdp, an upper bound that "
                                 "costs the same for any number of steps")


def compute_epsilon(config: DPSGDConfig, *, delta: float, accountant: Accountant = "pld",
                    cross_check: bool = True, orders: Sequence[float] | None = None) -> EpsilonResult:
    """The epsilon spent by ``config`` at ``delta``; with ``cross_check`` also the other accountant's."""
    if not 0 < delta < 1:
        raise InputError(f"delta must be in (0, 1), got {delta}")
    if accountant not in ACCOUNTANTS:
        raise InputError(f"unknown accountant {accountant!r}; expected one of {', '.join(ACCOUNTANTS)}")
    event = dpsgd_event(config)
    eps = event_epsilon(event, delta, accountant, orders=orders)
    other: Accountant = "rdp" if accountant == "pld" else "pld"
    check = optional_epsilon(event, delta, other) if cross_check else None
    return EpsilonResult(epsilon=eps, delta=delta, accountant=accountant,
                         noise_multiplier=config.noise_multiplier, sample_rate=config.sample_rate,
                         steps=config.n_steps, cross_check=check)


def sampled_gaussian_epsilon(*, sample_rate: float, noise_multiplier: float, steps: int, delta: float,
                             accountant: Accountant = "pld") -> float:
    """Epsilon of ``steps`` Poisson-sampled Gaussian steps given the rate ``q`` itself (e.g. Opacus'
    ``1 / len(loader)``, which is not always ``batch_size / dataset_size`` exactly)."""
    if not 0 < sample_rate <= 1:
        raise InputError(f"sample rate must be in (0, 1], got {sample_rate}")
    return event_epsilon(sampled_gaussian_event(sample_rate, noise_multiplier, steps), delta, accountant)


def sampled_gaussian_event(sample_rate: float, noise_multiplier: float, steps: int) -> Any:
    """``steps`` self-compositions of ``PoissonSampled(q, Gaussian(sigma))``."""
    dp = require("dp_accounting", "dp")
    return dp.SelfComposedDpEvent(dp.PoissonSampledDpEvent(sample_rate, dp.GaussianDpEvent(noise_multiplier)), steps)


def find_noise_multiplier(*, target_epsilon: float, delta: float, batch_size: int, dataset_size: int,
                          epochs: float = 1.0, steps: int | None = None, accountant: Accountant = "pld",
                          rel_tol: float = 1e-3) -> EpsilonResult:
    """The smallest noise multiplier (to ``rel_tol``) whose epsilon is at most ``target_epsilon``.

    Epsilon decreases monotonically in sigma, so bracketing finds it. RDP is an upper bound on PLD, so
    the RDP answer (cheap) brackets the PLD one from above; a coarse PLD (discretisation 1e-3,
    pessimistic) narrows it and the default PLD (1e-4) refines it within 2 %. The returned sigma always
    meets the target (it is the bracket's feasible end).
    """
    if not target_epsilon > 0 or not math.isfinite(target_epsilon):
        raise InputError(f"target epsilon must be a positive number, got {target_epsilon}")

    @functools.cache
    def eps_of(sigma: float, acc: Accountant, interval: float = PLD_DISCRETIZATION) -> float:
        cfg = DPSGDConfig(noise_multiplier=sigma, batch_size=batch_size, dataset_size=dataset_size,
                          epochs=epochs, steps=steps)
        return event_epsilon(dpsgd_event(cfg), delta, acc, interval=interval)

    def rdp_eps(s: float) -> float:
        return eps_of(s, "rdp", PLD_DISCRETIZATION)

    hi = _grow_until_feasible(rdp_eps, target_epsilon)
    hi = _bisect(rdp_eps, target_epsilon, hi / 2.0, hi, rel_tol)
    if accountant == "pld":
        # coarse PLD first (10x cheaper, pessimistic so its answer is feasible for the fine one), then refine
        for interval, shrink in ((10 * PLD_DISCRETIZATION, 0.7), (PLD_DISCRETIZATION, 0.98)):
            def eps(s: float, interval: float = interval) -> float:
                return eps_of(s, "pld", interval)

            if eps(hi) > target_epsilon:  # discretisation can exceed RDP by a hair
                hi = _grow_until_feasible(eps, target_epsilon, start=hi)
            hi = _bisect(eps, target_epsilon, shrink * hi, hi, rel_tol)
    cfg = DPSGDConfig(noise_multiplier=hi, batch_size=batch_size, dataset_size=dataset_size,
                      epochs=epochs, steps=steps)
    return EpsilonResult(epsilon=eps_of(hi, accountant, PLD_DISCRETIZATION), delta=delta, accountant=accountant,
                         noise_multiplier=hi, sample_rate=cfg.sample_rate, steps=cfg.n_steps)


def _grow_until_feasible(eps_of: Any, target: float, start: float = 0.5) -> float:
    sigma = start
    for _ in range(40):
        if eps_of(sigma) <= target:
            return sigma
        sigma *= 2.0
    raise InputError(f"no noise multiplier up to {sigma:g} reaches epsilon {target:g}; is delta too small?")


def _bisect(eps_of: Any, target: float, lo: float, hi: float, rel_tol: float) -> float:
    """Shrink ``[lo, hi]`` keeping ``eps_of(hi) <= target``; returns ``hi``.

    Illinois (regula falsi) on ``log eps(sigma) - log target``, which is nearly linear in
    ``log sigma``: a handful of accountant calls instead of a dozen for plain bisection. Stops when the
    bracket is ``rel_tol`` narrow or ``eps(hi)`` is within ``rel_tol`` of the target.
    """
    def f(sigma: float) -> float:
        return _log_ratio(eps_of(sigma), target, sigma)

    f_hi = f(hi)
    if f_hi >= math.log1p(-rel_tol):  # already within rel_tol of the target
        return hi
    f_lo = f(lo)
    while f_lo <= 0:  # already feasible at the bracket's low end: extend downwards
        if lo < 1e-3:
            return lo
        hi, f_hi, lo = lo, f_lo, lo / 2.0
        f_lo = f(lo)
    side = 0
    for _ in range(60):
        if hi - lo <= rel_tol * hi or f_hi >= math.log1p(-rel_tol):
            break
        x_lo, x_hi = math.log(lo), math.log(hi)
        x = x_hi - f_hi * (x_hi - x_lo) / (f_hi - f_lo)
        mid = math.exp(x)
        if not lo < mid < hi:
            mid = math.sqrt(lo * hi)
        f_mid = f(mid)
        if f_mid <= 0:
            hi, f_hi = mid, f_mid
            if side == 1:
                f_lo /= 2.0
            side = 1
        else:
            lo, f_lo = mid, f_mid
            if side == -1:
                f_hi /= 2.0
            side = -1
    return hi


def _log_ratio(epsilon: float, target: float, sigma: float) -> float:
    """``log(epsilon / target)``; an epsilon that underflowed to 0 means the target is below what
    floating-point accounting resolves (a target of 1e-300 must not end in a math domain error)."""
    if not epsilon > 0:
        raise InputError(f"target epsilon {target:g} is below what the accountants resolve: epsilon evaluates to "
                         f"{epsilon:g} at noise multiplier {sigma:g}; choose a larger target")
    return math.log(epsilon / target)
