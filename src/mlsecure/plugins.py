"""``PluginRegistry``: name -> entry for one plug-in family (DESIGN rule 4), in one place.

Every registry of the house is one of these: checks, attacks, artifact scanners, poisoning detectors,
membership attacks, PII recognizers, secret detectors, aggregators, audit stores and report formats.
Registration is explicit (no import-time side effects; built-ins may be listed by a loader that runs on
first use, so heavy modules load only when the family is used); a name is never silently re-bound to
another entry (``force=True`` replaces it on purpose); unknown names are an error listing the known ones.

An entry is usually a class (a subclass of ``base``); a family whose entries are values (recognizer
instances, attack presets, renderer module names) passes ``instances=True`` and entries must be instances
of ``base``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from mlsecure.errors import ConfigError

V = TypeVar("V")

Builtins = Mapping[str, V] | Callable[[], Mapping[str, V]]


class PluginRegistry(Generic[V]):
    """The entries of one family (``kind`` names it in messages), built-ins first, then plug-ins.

    ``error`` is the exception family's own error class (it must take one message argument), so a
    family keeps the error type its callers catch.
    """

    def __init__(self, kind: str, base: type[Any], builtins: Builtins[V] | None = None, *,
                 instances: bool = False, error: Callable[[str], Exception] = ConfigError) -> None:
        # ``base`` is usually abstract, which mypy refuses as a ``type[V]`` argument
        self.kind = kind
        self.base = base
        self.instances = instances
        self.error = error
        self._entries: dict[str, V] = {}
        self._pending: Callable[[], Mapping[str, V]] | None = None
        if callable(builtins):
            self._pending = builtins
        elif builtins is not None:
            for name, entry in builtins.items():
                self._add(name, entry, force=False)

    def register(self, name: str, entry: V, *, force: bool = False) -> None:
        """Add ``entry`` under ``name``; refuses to replace a different entry unless ``force``."""
        self._load()
        self._add(name, entry, force=force)

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests and plug-ins that replace a built-in)."""
        self._load()
        if name not in self._entries:
            raise self.error(f"no {self.kind} named {name!r}; known: {', '.join(sorted(self._entries))}")
        del self._entries[name]

    def classes(self) -> dict[str, V]:
        """Name to entry, in registration order (a copy)."""
        self._load()
        return dict(self._entries)

    entries = classes

    def get(self, name: str) -> V:
        """The entry registered as ``name``."""
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            raise self.error(f"unknown {self.kind} {name!r}; known: {', '.join(self._entries)}") from None

    def __getitem__(self, name: str) -> V:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(list(self._entries))

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def _load(self) -> None:
        if self._pending is None:
            return
        loader, self._pending = self._pending, None
        plugins, self._entries = self._entries, {}
        for name, entry in loader().items():  # built-ins first, then whatever was registered before
            self._add(name, entry, force=False)
        for name, entry in plugins.items():
            self._add(name, entry, force=False)

    def _add(self, name: str, entry: V, *, force: bool) -> None:
        ok = (isinstance(entry, self.base) if self.instances
              else isinstance(entry, type) and issubclass(entry, self.base))
        if not ok:
            what = "instance" if self.instances else "subclass"
            raise self.error(f"{self.kind} {name!r} must be a {self.base.__name__} {what}, got {entry!r}")
        old = self._entries.get(name)
        if old is not None and old is not entry and old != entry and not force:
            shown = f"{old.__module__}.{old.__qualname__}" if isinstance(old, type) else repr(old)
            raise self.error(f"a {self.kind} named {name!r} is already registered ({shown}); pass force=True")
        self._entries[name] = entry
