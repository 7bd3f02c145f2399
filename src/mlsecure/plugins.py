"""``PluginRegistry``: name -> class for one plug-in family (DESIGN rule 4), in one place.

Registration is explicit (no import-time side effects); a name is never silently re-bound to another
class (``force=True`` replaces it on purpose); unknown names are a ``ConfigError`` listing the known ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from mlsecure.errors import ConfigError

T = TypeVar("T")


class PluginRegistry(Generic[T]):
    """The classes of one family (``kind`` names it in messages), built-ins first, then plug-ins."""

    def __init__(self, kind: str, base: type[Any], builtins: Mapping[str, type[T]]) -> None:
        # ``base`` is usually abstract, which mypy refuses as a ``type[T]`` argument
        self.kind = kind
        self.base = base
        self._classes: dict[str, type[T]] = dict(builtins)

    def register(self, name: str, cls: type[T], *, force: bool = False) -> None:
        """Add ``cls`` under ``name``; refuses to replace another class unless ``force``."""
        if not isinstance(cls, type) or not issubclass(cls, self.base):
            raise ConfigError(f"{self.kind} {name!r} must be a {self.base.__name__} subclass, got {cls!r}")
        old = self._classes.get(name)
        if old is not None and old is not cls and not force:
            raise ConfigError(f"a {self.kind} named {name!r} is already registered "
                              f"({old.__module__}.{old.__qualname__}); pass force=True")
        self._classes[name] = cls

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests and plug-ins that replace a built-in)."""
        if name not in self._classes:
            raise ConfigError(f"no {self.kind} named {name!r}; known: {', '.join(sorted(self._classes))}")
        del self._classes[name]

    def classes(self) -> dict[str, type[T]]:
        """Name to class, in registration order."""
        return dict(self._classes)

    def get(self, name: str) -> type[T]:
        """The class registered as ``name``."""
        try:
            return self._classes[name]
        except KeyError:
            raise ConfigError(f"unknown {self.kind} {name!r}; known: {', '.join(self._classes)}") from None
