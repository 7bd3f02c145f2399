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
from mlsecure.plugins import PluginRegistry

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



def _builtins() -> dict[str, type[Check]]:
    """The built-in checks of the installed capabilities, then the entry-point plug-ins."""
    out: dict[str, type[Check]] = {}
    for module_name in BUILTIN_CHECK_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                continue  # this capability is not part of the installed build
            raise
        for cls in module.CHECKS:
            _add(out, cls.name, cls)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        cls = entry.load()
        if not (isinstance(cls, type) and issubclass(cls, Check)):
            raise ConfigError(f"entry point {entry.name!r} in {ENTRY_POINT_GROUP} is not a Check subclass")
        _add(out, entry.name, cls)
    return out


def _add(out: dict[str, type[Check]], name: str, cls: type[Check]) -> None:
    old = out.get(name)
    if old is not None and old is not cls:
        raise ConfigError(f"a check named {name!r} is already registered ({old.__module__}.{old.__qualname__})")
    out[name] = cls


_checks: PluginRegistry[type[Check]] = PluginRegistry("check", Check, _builtins)
register = _checks.register
unregister = _checks.unregister
all_checks = _checks.classes  # name to class, built-ins first, then plug-ins, in registration order


def groups() -> dict[str, list[str]]:
    """``--scan`` group name to the check names in it."""
    out: dict[str, list[str]] = {}
    for name, cls in all_checks().items():
        out.setdefault(cls.group, []).append(name)
    return out

