"""Byzantine and backdoor client simulators, for *evaluating* aggregators (never for use on others).

Threat model: ``f`` of ``n`` clients are controlled by one adversary who may poison its clients' data
(``poison_data``) and replace their updates (``poison_updates``); the omniscient attacks (ALIE, IPM)
also see the honest updates of the round, the strongest assumption in the robust-aggregation
literature. Shapes: ``own`` is ``(f, d)`` (what the Byzantine clients computed honestly on their
possibly poisoned data), ``honest`` is ``(n - f, d)``.

=====================  ============================================================================
``sign-flip``          ``-s · Δ_own`` (``s = 4`` by default; ``s = 1`` is the plain sign flip)
``gaussian``           ``N(0, σ² I)`` instead of an update
``alie``               "A Little Is Enough", Baruch, Baruch, Goldberg 2019, NeurIPS, arXiv:1902.06156:
                       ``μ_j - z_max σ_j`` per coordinate, ``z_max = Φ⁻¹((n - s)/n)``, ``s = ⌊n/2 + 1⌋ - f``
``ipm``                inner-product manipulation, Xie, Koyejo, Gupta 2019, UAI, arXiv:1903.03936:
                       ``-ε · mean(honest)``
``label-flip``         data poisoning: label ``y → C - 1 - y`` on the Byzantine clients
``backdoor``           Bagdasaryan et al. 2020, AISTATS, arXiv:1807.00459: train on data with a trigger
                       relabelled to a target class, then boost the update by ``γ = n / f``
                       (model replacement, server learning rate 1)
=====================  ============================================================================
"""

from __future__ import annotations

from abc import ABC
from typing import ClassVar

import numpy as np
from scipy.stats import norm

from mlsecure.errors import ConfigError, InputError


class Attack(ABC):
    """A Byzantine behaviour. Default hooks leave data and updates unchanged; each attack overrides one."""

    name: ClassVar[str]
    owasp: ClassVar[str] = "ML10"
    atlas: ClassVar[tuple[str, ...]] = ("AML.T0018.000", "AML.T0031")
    description: ClassVar[str] = ""
    colluding: ClassVar[bool] = False  # True: the update needs the other clients' updates or their number

    def poison_data(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A Byzantine client's training data, possibly altered."""
        return x, y

    def poison_updates(self, own: np.ndarray, honest: np.ndarray, *, n_clients: int,
                       rng: np.random.Generator) -> np.ndarray:
        """The ``(f, d)`` updates the Byzantine clients send."""
        return own

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({settings})"


class SignFlip(Attack):
    name: ClassVar[str] = "sign-flip"
    description: ClassVar[str] = "send the negated, scaled honest update"

    def __init__(self, *, scale: float = 4.0) -> None:
        if not scale > 0:
            raise ConfigError(f"sign-flip: scale must be positive, got {scale}")
        self.scale = scale

    def poison_updates(self, own: np.ndarray, honest: np.ndarray, *, n_clients: int,
                       rng: np.random.Generator) -> np.ndarray:
        return -self.scale * own


class GaussianNoise(Attack):
    name: ClassVar[str] = "gaussian"
    description: ClassVar[str] = "send Gaussian noise instead of an update"

    def __init__(self, *, sigma: float = 1.0) -> None:
        if not sigma > 0:
            raise ConfigError(f"gaussian: sigma must be positive, got {sigma}")
        self.sigma = sigma

    def poison_updates(self, own: np.ndarray, honest: np.ndarray, *, n_clients: int,
                       rng: np.random.Generator) -> np.ndarray:
        return rng.normal(0.0, self.sigma, size=own.shape).astype(own.dtype)


class LittleIsEnough(Attack):
    name: ClassVar[str] = "alie"
    description: ClassVar[str] = "A Little Is Enough: shift every coordinate by z_max honest standard deviations"
    colluding: ClassVar[bool] = True

    def __init__(self, *, z: float | None = None) -> None:
        self.z = z

    def z_max(self, n: int, f: int) -> float:
        """Baruch et al. Eq. (1): the largest ``z`` that keeps the attackers inside the majority."""
        if self.z is not None:
            return self.z
        s = n // 2 + 1 - f
        return float(norm.ppf((n - s) / n))

    def poison_updates(self, own: np.ndarray, honest: np.ndarray, *, n_clients: int,
                       rng: np.random.Generator) -> np.ndarray:
        mu, sigma = honest.mean(axis=0), honest.std(axis=0)
        crafted = mu - self.z_max(n_clients, own.shape[0]) * sigma
        return np.broadcast_to(crafted, own.shape).astype(own.dtype)


class InnerProductManipulation(Attack):
    name: ClassVar[str] = "ipm"
    description: ClassVar[str] = "inner-product manipulation: send -epsilon times the honest mean"
    colluding: ClassVar[bool] = True

    def __init__(self, *, epsilon: float = 0.5) -> None:
        if not epsilon > 0:
            raise ConfigError(f"ipm: epsilon must be positive, got {epsilon}")
        self.epsilon = epsilon

    def poison_updates(self, own: np.ndarray, honest: np.ndarray, *, n_clients: int,
                       rng: np.random.Generator) -> np.ndarray:
        return np.broadcast_to(-self.epsilon * honest.mean(axis=0), own.shape).astype(own.dtype)


class LabelFlip(Attack):
    name: ClassVar[str] = "label-flip"
    owasp: ClassVar[str] = "ML02"
    atlas: ClassVar[tuple[str, ...]] = ("AML.T0020", "AML.T0031")
    description: ClassVar[str] = "train on labels flipped y -> C - 1 - y"

    def __init__(self, *, n_classes: int = 10) -> None:
        if n_classes < 2:
            raise ConfigError(f"label-flip: n_classes must be at least 2, got {n_classes}")
        self.n_classes = n_classes

    def poison_data(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return x, (self.n_classes - 1 - y).astype(y.dtype)


class Backdoor(Attack):
    """Trigger = ``trigger_features`` set to ``trigger_value``; triggered inputs should become ``target``."""

    name: ClassVar[str] = "backdoor"
    atlas: ClassVar[tuple[str, ...]] = ("AML.T0018.000", "AML.T0020", "AML.T0043.004")
    description: ClassVar[str] = "model-replacement backdoor: trigger -> target class, boosted update"
    colluding: ClassVar[bool] = True  # the default boost n / f needs the number of colluders

    def __init__(self, *, target: int = 0, trigger_features: tuple[int, ...] = (54, 55, 62, 63),
                 trigger_value: float = 1.0, poison_fraction: float = 0.5, boost: float | None = None) -> None:
        if not 0 < poison_fraction <= 1:
            raise ConfigError(f"backdoor: poison_fraction must be in (0, 1], got {poison_fraction}")
        if boost is not None and not boost > 0:
            raise ConfigError(f"backdoor: boost must be positive, got {boost}")
        self.target, self.trigger_features, self.trigger_value = target, trigger_features, trigger_value
        self.poison_fraction, self.boost = poison_fraction, boost

    def apply_trigger(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or max(self.trigger_features) >= x.shape[1]:
            raise InputError(f"backdoor: trigger features {self.trigger_features} do not fit inputs of shape {x.shape}")
        out = x.copy()
        out[:, list(self.trigger_features)] = self.trigger_value
        return out

    def poison_data(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        k = max(1, round(self.poison_fraction * len(y)))
        idx = rng.choice(len(y), size=k, replace=False)
        x_p, y_p = self.apply_trigger(x[idx]), np.full(k, self.target, dtype=y.dtype)
        return np.concatenate([x, x_p]), np.concatenate([y, y_p])

    def poison_updates(self, own: np.ndarray, honest: np.ndarray, *, n_clients: int,
                       rng: np.random.Generator) -> np.ndarray:
        gamma = self.boost if self.boost is not None else n_clients / max(1, own.shape[0])
        return gamma * own


ATTACKS: dict[str, type[Attack]] = {
    cls.name: cls for cls in (SignFlip, GaussianNoise, LittleIsEnough, InnerProductManipulation, LabelFlip, Backdoor)
}


def build_attack(name: str) -> Attack:
    """The attack called ``name`` with its default settings."""
    if name not in ATTACKS:
        raise ConfigError(f"unknown attack {name!r}; known: {', '.join(ATTACKS)}")
    return ATTACKS[name]()
