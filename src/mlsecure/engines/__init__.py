"""Where independent, seeded tasks run: in this process (``local``, the default) or on a Ray cluster.

Capability code calls ``engine.map(fn, items)`` and never imports an engine's library itself; results come
back in the order of ``items``, so a seeded computation gives the same answer on every engine. ``fn``
must be a module-level function or a closure that cloudpickle can ship (Ray sends it to its workers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from mlsecure.engines.local import LocalEngine

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("local", "ray")


class Engine(Protocol):
    """Runs ``fn`` over ``items`` and returns the results in order."""

    name: str
    workers: int

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...

    def close(self) -> None: ...


def get_engine(name: str = "local", *, workers: int = 2, address: str | None = None) -> Engine:
    """``local`` (threads in this process; ``workers=1``: sequential) or ``ray`` (a local Ray cluster of
    ``workers`` CPUs, or the cluster at ``address``)."""
    if name == "local":
        if address:
            from mlsecure.errors import InputError

            raise InputError("--ray-address needs --engine ray")
        return LocalEngine(workers=workers)
    if name == "ray":
        from mlsecure.engines.ray_engine import RayEngine

        return RayEngine(num_cpus=workers, address=address)
    from mlsecure.errors import InputError

    raise InputError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")


__all__ = ["ENGINES", "Engine", "LocalEngine", "get_engine"]
