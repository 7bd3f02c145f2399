"""Ray (``pip install "mlsecure[ray]"``): each item is one Ray task of one CPU.

Without an address a private local cluster of ``num_cpus`` CPUs starts (no dashboard) and stops on
``close``; with ``address`` (``ray://host:10001`` or ``auto``) the tasks go to that cluster, which is left
running. Results are fetched in submission order, so they match the local engine's item for item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mlsecure.errors import InputError, require

T = TypeVar("T")
R = TypeVar("R")


class RayEngine:
    name = "ray"

    def __init__(self, *, num_cpus: int = 2, address: str | None = None) -> None:
        if num_cpus < 1:
            raise InputError(f"num_cpus must be at least 1, got {num_cpus}")
        self._ray: Any = require("ray", "ray")
        self.workers = num_cpus
        self._owns = not self._ray.is_initialized()
        if self._owns:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "configure_logging": False}
            if address:
                self._ray.init(address=address, **options)
                self.workers = int(self._ray.cluster_resources().get("CPU", num_cpus))
            else:
                self._ray.init(num_cpus=num_cpus, **options)

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        def call(item: T) -> R:  # ray.remote wants a plain function (fn may be a functools.partial)
            return fn(item)

        task = self._ray.remote(num_cpus=1, max_retries=0)(call)
        return list(self._ray.get([task.remote(item) for item in items]))

    def close(self) -> None:
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()

    def __repr__(self) -> str:
        return f"RayEngine(workers={self.workers})"
