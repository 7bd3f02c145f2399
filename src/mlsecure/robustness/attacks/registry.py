"""The attack registry: names (as ``--option attacks=...`` spells them) to attack classes and presets.

Explicit, no import-time self-registration: ``_builtins()`` lists the built-in attacks; third parties call
``register(name, cls)``. A preset binds fixed settings (``apgd-dlr`` is ``APGD(loss="dlr")``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlsecure.errors import ConfigError
from mlsecure.robustness.attacks.interface import Attack


@dataclass(frozen=True)
class AttackSpec:
    """A registered attack: its class and the settings its name implies."""

    name: str
    cls: type[Attack]
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def build(self, **settings: Any) -> Attack:
        """Instantiate with the preset settings, overridden by ``settings``."""
        return self.cls(**{**self.defaults, **settings})


_registry: dict[str, AttackSpec] = {}


def register(name: str, cls: type[Attack], *, force: bool = False, defaults: Mapping[str, Any] | None = None) -> None:
    """Add an attack under ``name``; refuses to replace a different one unless ``force``."""
    _load_builtins()
    spec = AttackSpec(name, cls, dict(defaults or {}))
    old = _registry.get(name)
    if old is not None and old != spec and not force:
        raise ConfigError(f"an attack named {name!r} is already registered ({old.cls.__name__})")
    _registry[name] = spec


def get(name: str) -> AttackSpec:
    """The spec registered under ``name`` (a ``ConfigError`` lists the names when unknown)."""
    _load_builtins()
    try:
        return _registry[name]
    except KeyError:
        raise ConfigError(f"unknown attack {name!r}; choose from: {', '.join(sorted(_registry))}") from None


def available() -> dict[str, AttackSpec]:
    _load_builtins()
    return dict(_registry)


def _load_builtins() -> None:
    if _registry:
        return
    from mlsecure.robustness.attacks.apgd import APGD, APGDT
    from mlsecure.robustness.attacks.apgd_l1 import APGDL1, APGDL1T
    from mlsecure.robustness.attacks.autoattack import AutoAttack
    from mlsecure.robustness.attacks.boundary import Boundary
    from mlsecure.robustness.attacks.cw import CarliniWagnerL2
    from mlsecure.robustness.attacks.deepfool import DeepFool
    from mlsecure.robustness.attacks.fab import FAB
    from mlsecure.robustness.attacks.fgsm import FGSM
    from mlsecure.robustness.attacks.fmn import FMN
    from mlsecure.robustness.attacks.hopskipjump import HopSkipJump
    from mlsecure.robustness.attacks.pgd import PGD
    from mlsecure.robustness.attacks.square import Square
    from mlsecure.robustness.attacks.transfer import Transfer

    builtins: list[AttackSpec] = [
        AttackSpec("fgsm", FGSM),
        AttackSpec("pgd", PGD),
        AttackSpec("cw-linf", PGD, {"loss": "margin", "steps": 50}),
        AttackSpec("apgd-ce", APGD, {"loss": "ce"}),
        AttackSpec("apgd-dlr", APGD, {"loss": "dlr"}),
        AttackSpec("apgd-t", APGDT),
        AttackSpec("apgd-l1", APGDL1, {"loss": "ce"}),  # l1 only (Croce & Hein 2021, arXiv:2103.01208)
        AttackSpec("apgd-dlr-l1", APGDL1, {"loss": "dlr"}),
        AttackSpec("apgd-t-l1", APGDL1T),
        AttackSpec("square", Square),
        AttackSpec("deepfool", DeepFool),
        AttackSpec("cw-l2", CarliniWagnerL2),
        AttackSpec("fmn", FMN),
        AttackSpec("fab", FAB),
        AttackSpec("fab-t", FAB, {"n_target_classes": 9}),
        AttackSpec("hopskipjump", HopSkipJump),
        AttackSpec("boundary", Boundary),
        AttackSpec("autoattack", AutoAttack),
        AttackSpec("autoattack-rand", AutoAttack, {"version": "rand"}),
        AttackSpec("transfer", Transfer),  # needs settings={"transfer": {"surrogate": model}}
    ]
    for spec in builtins:
        _registry[spec.name] = spec
