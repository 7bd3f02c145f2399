"""The embedded engine: tasks in this process, on a thread pool (or one after another)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from mlsecure.errors import InputError

T = TypeVar("T")
R = TypeVar("R")


class LocalEngine:
    """``workers`` threads (numpy, scikit-learn and file I/O release the GIL); 1 runs tasks in order."""

    name = "local"

    def __init__(self, *, workers: int = 1) -> None:
        if workers < 1:
            raise InputError(f"workers must be at least 1, got {workers}")
        self.workers = workers

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self.workers == 1 or len(items) < 2:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(fn, items))

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"LocalEngine(workers={self.workers})"
