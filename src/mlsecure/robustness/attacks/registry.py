"""The attack registry: names (as ``--option attacks=...`` spells them) to attack classes and presets.

Explicit, no import-time self-registration: ``_builtins()`` lists the built-in attacks; third parties call
``register(name, cls)``. A preset binds fixed settings (``apgd-dlr`` is ``APGD(loss="dlr")``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlsecure.errors import ConfigError
from mlsecure.plugins import PluginRegistry
from mlsecure.robustness.attacks.interface import Attack, norm_list
from mlsecure.robustness.attacks.ops import Norm


@dataclass(frozen=True)
class AttackSpec:
    """A registered attack: its class, the settings its name implies, and what it supports.

    What an attack supports is declared by its class (``Attack.norms``, ``white_box``, ...); a preset may
    narrow it (``norms``, ``min_classes``) where its fixed settings do: ``cw-linf`` is PGD on the C&W
    margin, kept to linf; ``apgd-dlr`` needs the 3 classes of the DLR loss. ``unsupported`` answers from
    these declarations alone, so a plug-in attack is selected or skipped like a built-in one.
    """

    name: str
    cls: type[Attack]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    norms: frozenset[Norm] | None = None
    min_classes: int | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.cls, type) and issubclass(self.cls, Attack)):
            raise ConfigError(f"attack {self.name!r} must be an Attack subclass, got {self.cls!r}")
        if self.norms is not None and not self.norms <= self.cls.norms:
            raise ConfigError(f"attack {self.name!r}: preset norms {norm_list(self.norms)} are not all supported "
                              f"by {self.cls.__name__} ({norm_list(self.cls.norms)})")

    @property
    def supported_norms(self) -> frozenset[Norm]:
        return self.cls.norms if self.norms is None else self.norms

    @property
    def needs_gradients(self) -> bool:
        return self.cls.white_box

    @property
    def minimal(self) -> bool:
        return self.cls.minimal

    @property
    def single_step(self) -> bool:
        return self.cls.single_step

    @property
    def iterative(self) -> bool:
        """A fixed-budget gradient attack that iterates: it must do at least as well as a single step."""
        return self.needs_gradients and not self.minimal and not self.single_step

    @property
    def targeted(self) -> bool:
        return self.cls.supports_targeted

    @property
    def classes_needed(self) -> int:
        return max(self.cls.min_classes, self.min_classes or 0)

    @property
    def access(self) -> str:
        """How the attack reaches the model, as an evaluation reports it."""
        if self.cls.access is not None:
            return self.cls.access
        return ("white-box: exact gradients of the model" if self.needs_gradients
                else "black-box: needs only predict_proba")

    def unsupported(self, *, norm: Norm, black_box_reason: str | None, n_classes: int,
                    settings: Mapping[str, Any]) -> str:
        """Why this attack cannot run here (``""`` when it can); ``black_box_reason`` is ``None`` when the
        model gives gradients."""
        if self.needs_gradients and black_box_reason is not None:
            return f"needs gradients; {black_box_reason}"
        if norm not in self.supported_norms:
            return f"supports the {norm_list(self.supported_norms)} norm(s), not {norm}"
        if n_classes < self.classes_needed:
            return f"needs at least {self.classes_needed} classes, the model has {n_classes}"
        missing = sorted(self.cls.required_settings - set(self.defaults) - set(settings))
        if missing:
            return f"needs {', '.join(missing)}: settings={{{self.name!r}: {{{missing[0]!r}: ...}}}}"
        return ""

    def build(self, **settings: Any) -> Attack:
        """Instantiate with the preset settings, overridden by ``settings``."""
        return self.cls(**{**self.defaults, **settings})


def register(name: str, cls: type[Attack], *, force: bool = False, defaults: Mapping[str, Any] | None = None,
             norms: frozenset[Norm] | None = None, min_classes: int | None = None) -> None:
    """Add an attack under ``name``; refuses to replace a different one unless ``force``.

    ``norms`` / ``min_classes`` narrow what ``cls`` declares, for a preset whose ``defaults`` do."""
    _attacks.register(name, AttackSpec(name, cls, dict(defaults or {}), norms, min_classes), force=force)


def available() -> dict[str, AttackSpec]:
    return _attacks.classes()


def _builtins() -> dict[str, AttackSpec]:
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
        AttackSpec("cw-linf", PGD, {"loss": "margin", "steps": 50}, norms=frozenset({"linf"})),
        AttackSpec("apgd-ce", APGD, {"loss": "ce"}),
        AttackSpec("apgd-dlr", APGD, {"loss": "dlr"}, min_classes=3),
        AttackSpec("apgd-t", APGDT),
        AttackSpec("apgd-l1", APGDL1, {"loss": "ce"}),  # l1 only (Croce & Hein 2021, arXiv:2103.01208)
        AttackSpec("apgd-dlr-l1", APGDL1, {"loss": "dlr"}, min_classes=3),
        AttackSpec("apgd-t-l1", APGDL1T),
        AttackSpec("square", Square),
        AttackSpec("deepfool", DeepFool),
        AttackSpec("cw-l2", CarliniWagnerL2),
        AttackSpec("fmn", FMN),
        AttackSpec("fab", FAB),
        AttackSpec("fab-t", FAB, {"n_target_classes": 9}, min_classes=4),
        AttackSpec("hopskipjump", HopSkipJump),
        AttackSpec("boundary", Boundary),
        AttackSpec("autoattack", AutoAttack),
        AttackSpec("autoattack-rand", AutoAttack, {"version": "rand"}, norms=frozenset({"linf", "l2"})),
        AttackSpec("transfer", Transfer),
    ]
    return {spec.name: spec for spec in builtins}


# attack presets (``AttackSpec`` values: a class plus fixed settings), built-ins loaded on first use
_attacks: PluginRegistry[AttackSpec] = PluginRegistry("attack", AttackSpec, _builtins, instances=True)
get = _attacks.get
unregister = _attacks.unregister
