"""PluginRegistry: explicit registration, no silent re-binding, clear errors."""

from __future__ import annotations

import pytest

from mlsecure.errors import ConfigError
from mlsecure.plugins import PluginRegistry


class Base:
    pass


class A(Base):
    pass


class B(Base):
    pass


def test_registry_refuses_silent_replacement_and_names_what_it_knows() -> None:
    reg: PluginRegistry[Base] = PluginRegistry("widget", Base, {"a": A})
    reg.register("a", A)  # the same class again: fine
    with pytest.raises(ConfigError, match=r"widget named 'a' is already registered \(.*\.A\)"):
        reg.register("a", B)
    reg.register("a", B, force=True)
    assert reg.get("a") is B
    with pytest.raises(ConfigError, match="must be a Base subclass"):
        reg.register("c", int)  # type: ignore[arg-type]
    reg.register("b", A)
    assert list(reg.classes()) == ["a", "b"]
    reg.unregister("b")
    with pytest.raises(ConfigError, match=r"unknown widget 'zz'; known: a"):
        reg.get("zz")
    with pytest.raises(ConfigError, match="no widget named 'b'"):
        reg.unregister("b")
