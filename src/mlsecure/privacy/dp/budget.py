"""``PrivacyBudget``: track the epsilon several private releases spend together, and refuse overspending.

Each release is a ``dp_accounting`` event (a DP-SGD run, a Gaussian or Laplace query); the total is
their PLD composition at the budget's delta, which is tighter than adding epsilons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlsecure.errors import InputError, MLSecureError, require
from mlsecure.privacy.dp.accounting import Accountant, DPSGDConfig, dpsgd_event, event_epsilon


class BudgetExceededError(MLSecureError):
    """A release would take the total epsilon above the budget."""


@dataclass(frozen=True)
class Release:
    label: str
    event: Any  # a dp_accounting.DpEvent


@dataclass
class PrivacyBudget:
    """A total ``(epsilon, delta)`` budget and the releases charged to it so far."""

    epsilon: float
    delta: float
    accountant: Accountant = "pld"
    releases: list[Release] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.epsilon > 0:
            raise InputError(f"budget epsilon must be positive, got {self.epsilon}")
        if not 0 < self.delta < 1:
            raise InputError(f"budget delta must be in (0, 1), got {self.delta}")

    @property
    def spent(self) -> float:
        """Epsilon of all releases so far, composed (0 when nothing was released)."""
        return self._epsilon_of([r.event for r in self.releases])

    @property
    def remaining(self) -> float:
        return max(0.0, self.epsilon - self.spent)

    def cost_with(self, event: Any) -> float:
        """The total epsilon if ``event`` were released next."""
        return self._epsilon_of([*(r.event for r in self.releases), event])

    def cost_with_config(self, config: DPSGDConfig) -> float:
        """The total epsilon if the DP-SGD run ``config`` were released next."""
        return self.cost_with(dpsgd_event(config))

    def charge(self, event: Any, label: str = "") -> float:
        """Record ``event``; raises ``BudgetExceededError`` (recording nothing) if it would overspend."""
        total = self.cost_with(event)
        if total > self.epsilon:
            raise BudgetExceededError(
                f"release {label or len(self.releases) + 1!s} would bring epsilon to {total:.4g}, "
                f"above the budget {self.epsilon:g} (spent so far {self.spent:.4g})"
            )
        self.releases.append(Release(label or f"release {len(self.releases) + 1}", event))
        return total

    def charge_dpsgd(self, config: DPSGDConfig, label: str = "DP-SGD") -> float:
        return self.charge(dpsgd_event(config), label)

    def _epsilon_of(self, events: list[Any]) -> float:
        if not events:
            return 0.0
        dp = require("dp_accounting", "dp")
        return event_epsilon(dp.ComposedDpEvent(events), self.delta, self.accountant)
