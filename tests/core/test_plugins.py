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
    reg: PluginRegistry[type[Base]] = PluginRegistry("widget", Base, {"a": A})
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


def test_lazy_builtins_load_on_first_use_and_come_first() -> None:
    calls: list[int] = []

    def builtins() -> dict[str, type[Base]]:
        calls.append(1)
        return {"a": A}

    reg: PluginRegistry[type[Base]] = PluginRegistry("widget", Base, builtins)
    assert calls == []
    reg.register("b", B)  # registering loads the built-ins first
    assert calls == [1] and list(reg) == ["a", "b"] and "a" in reg and len(reg) == 2
    assert reg["a"] is A and calls == [1]


def test_instance_entries_and_the_family_error() -> None:
    class WidgetError(Exception):
        pass

    reg: PluginRegistry[str] = PluginRegistry("format", str, {"json": "mod.json"}, instances=True,
                                              error=WidgetError)
    reg.register("json", "mod.json")  # an equal value again: fine
    with pytest.raises(WidgetError, match=r"format named 'json' is already registered \('mod.json'\)"):
        reg.register("json", "other")
    with pytest.raises(WidgetError, match="must be a str instance"):
        reg.register("x", 3)  # type: ignore[arg-type]
