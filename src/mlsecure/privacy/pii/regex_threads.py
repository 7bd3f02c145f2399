"""Pattern queries on threads that keep their compiled regular expressions between audits.

Polars compiles each pattern into a per-thread cache of 32 entries (``polars-utils`` ``regex_cache.rs``;
checked here on 2.1.0: 32 patterns stay compiled, a 33rd makes every call compile again). An audit runs
~50 full-cell patterns and ~55 span patterns, so on Polars' own thread pool every audit compiled every
pattern again, on each pool thread that happened to run it. Here the full-cell patterns are split into
fixed blocks of at most ``BLOCK`` recognizers (by their place in the pool), and each block is evaluated
with ``select_seq`` (which runs on the calling thread, never handing work to Polars' pool) on a
long-lived thread of its own: a block's patterns, in both their ``\\d`` and ``[0-9]`` spellings, fit in
that thread's cache and stay compiled.

Thread policy: the blocks run at the same time only when Polars may use more than one thread
(``POLARS_MAX_THREADS`` unset or above 1); with ``POLARS_MAX_THREADS=1`` they run one after the other,
so an audit never keeps more than one core busy where the user asked for one. The threads are idle
(blocked on a queue) between audits, and made again in a forked child. ``select_pinned`` offers the same
to any other fixed list of pattern expressions (a lane of threads per list).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from mlsecure.privacy.pii.frame import polars

BLOCK = 14  # recognizers per thread: 2 spellings x 14 + the 3 shared feature patterns <= 32 cached patterns

T = TypeVar("T")
_lock = threading.Lock()
_executors: dict[tuple[str, int], ThreadPoolExecutor] = {}


def _forget_threads() -> None:
    """In a forked child: the executors' threads were not copied (and the lock may have been held)."""
    global _lock
    _lock = threading.Lock()
    _executors.clear()


os.register_at_fork(after_in_child=_forget_threads)


def _executor(lane: str, block: int) -> ThreadPoolExecutor:
    with _lock:
        executor = _executors.get((lane, block))
        if executor is None:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"mlsecure-pii-{lane}-{block}")
            _executors[lane, block] = executor
        return executor


def run_blocks(tasks: Sequence[Callable[[], T] | None], *, lane: str) -> list[T | None]:
    """Run ``tasks[b]`` (queries that call ``select_seq``) on thread ``b`` of ``lane`` (one lane per family of
    patterns, so that each thread always sees the same few); their results, in order (None for a None
    task). Together when Polars may use several threads, else one after the other."""
    together = polars().thread_pool_size() > 1
    results: list[T | None] = [None] * len(tasks)
    pending: list[tuple[int, Future[T]]] = []
    for b, task in enumerate(tasks):
        if task is None:
            continue
        future = _executor(lane, b).submit(task)
        if together:
            pending.append((b, future))
        else:
            results[b] = future.result()
    for b, future in pending:
        results[b] = future.result()
    return results


def select_pinned(frame: Any, exprs: Sequence[Any], *, lane: str) -> Any:
    """``frame.select(exprs)`` with the expressions split into blocks of ``BLOCK``, each run on its own
    thread of ``lane``: a fixed list of patterns stays compiled between calls. The columns in order."""
    pl = polars()
    chunks = [list(exprs[at:at + BLOCK]) for at in range(0, len(exprs), BLOCK)]
    parts = run_blocks([_query(frame, chunk) for chunk in chunks], lane=lane)
    return pl.concat([part for part in parts if part is not None], how="horizontal") if parts else frame.select(exprs)


def _query(frame: Any, exprs: list[Any]) -> Callable[[], Any]:
    return lambda: frame.select_seq(exprs)
