"""The registry of checks: the built-in ones plus third-party checks from the ``mlsecure.checks``
entry-point group. Explicit registration, no import-time side effects.

Each capability's ``checks.py`` exposes ``CHECKS: tuple[type[Check], ...]``; ``BUILTIN_CHECK_MODULES``
lists those modules.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from mlsecure.check import Check
from mlsecure.errors import ConfigError

BUILTIN_CHECK_MODULES: tuple[str, ...] = (
    "mlsecure.artifacts.checks",
    "mlsecure.robustness.checks",
    "mlsecure.robustness.certify_checks",
    "mlsecure.poisoning.checks",
    "mlsecure.privacy.inference.checks",
    "mlsecure.privacy.inference.extraction_checks",
    "mlsecure.privacy.pii.checks",
    "mlsecure.supply_chain.checks",
    "mlsecure.governance.checks",
    "mlsecure.governance.drift_checks",
    "mlsecure.secrets.checks",
)

ENTRY_POINT_GROUP = "mlsecure.checks"

_registry: dict[str, type[Check]] = {}
_loaded = False


def register(name: str, cls: type[Check], *, force: bool = False) -> None:
    """Add a check under ``name``; refuses to replace an existing one unless ``force``."""
    if name in _registry and _registry[name] is not cls and not force:
        raise ConfigError(f"a check named {name!r} is already registered ({_registry[name].__module__})")
    _registry[name] = cls


def all_checks() -> dict[str, type[Check]]:
    """Name to class, built-ins first, then plug-ins, in registration order."""
    _load_once()
    return dict(_registry)


def groups() -> dict[str, list[str]]:
    """``--scan`` group name to the check names in it."""
    out: dict[str, list[str]] = {}
    for name, cls in all_checks().items():
        out.setdefault(cls.group, []).append(name)
    return out


def _load_once() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module_name in BUILTIN_CHECK_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                continue  # this capability is not part of the installed build
            raise
        for cls in module.CHECKS:
            register(cls.name, cls)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        cls = entry.load()
        if not (isinstance(cls, type) and issubclass(cls, Check)):
            raise ConfigError(f"entry point {entry.name!r} in {ENTRY_POINT_GROUP} is not a Check subclass")
        register(entry.name, cls)
