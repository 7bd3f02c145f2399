"""The gateway's bridge to the audit log: group commit from the event loop, durable before the answer.

Request handlers ``await sink.record(item)``; the writer's ``append_many(items)`` returns one result
per item (an ``AuditStore`` itself, or one of ``audit_writer``'s writers, which also sign responses).
Each event loop has at most one batch at the writer thread: items recorded while it commits wait in
the loop's list and are handed over together the moment that commit returns (one thread wake-up per
commit, not one per loop turn, so the thread does not fight the event loop for the GIL on every
request; and the batches grow with the load). The writer commits each batch in one transaction (one
fsync) and the waiting handlers are woken with one callback. A response therefore leaves the gateway
only after its audit record is committed: after a crash, every answered request is in the log. If the
store fails, the handlers get the error and the requests are refused (fail closed: no prediction
without an audit record).

With the audit writer process (``ProcessAuditWriter``) the event loop talks to it directly: it writes a
batch's frame to the child's pipe itself and reads the answer when the pipe is readable (``add_reader``),
so a request costs no thread wake-up, no lock hand-over between threads and no ``call_soon_threadsafe``.
Batches the loop cannot write without blocking (larger than 16 KiB, or a child to restart) still go
through the thread.

With the thread writer (``ThreadAuditWriter`` on a local SQLite store, its extraction monitor in memory) a
request that is the only one the gateway is serving (``alone``), while no batch is at the writer or waiting,
is committed on the event loop itself: the thread would run the same work under the same interpreter lock
while the loop had nothing else to do, and the hop there and back (a queue wake-up, the lock handed over
twice, ``call_soon_threadsafe``'s self-pipe) cost more CPU than the work it moved (``benchmarks/gateway.md``,
session 5). The record is still committed before the answer leaves. The price: a request arriving meanwhile
is read when that commit returns (at most one commit's time, the same wait group commit puts on it), and as
soon as two are in flight the batches go through the thread again.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from typing import Any, Protocol

_STOP = object()
_Pending = list[tuple[Any, "asyncio.Future[Any]"]]


class BatchWriter(Protocol):
    def append_many(self, items: list[Any], /) -> list[Any]: ...


class AuditSink:
    def __init__(self, store: BatchWriter, *, max_batch: int = 256) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._pending: dict[asyncio.AbstractEventLoop, _Pending] = {}
        self._busy: set[asyncio.AbstractEventLoop] = set()  # loops with a batch at the writer
        self._scheduled: set[asyncio.AbstractEventLoop] = set()  # loops with a hand-over due this turn
        self._thread = threading.Thread(target=self._run, name="mlsecure-audit-writer", daemon=True)
        self._thread.start()
        self.batches = 0
        self.records = 0
        self._direct = store if hasattr(store, "try_begin") else None  # a ProcessAuditWriter
        self._in_direct: tuple[asyncio.AbstractEventLoop, _Pending, int] | None = None
        self.direct_batches = 0
        self._inline = self._direct is None and bool(getattr(store, "inline_ok", False))
        self._store_lock = threading.Lock()  # the writer thread or one inline commit uses the store, never both
        self.inline_batches = 0

    async def record(self, event: Any, *, alone: bool = False) -> Any:
        """Queue ``event``; return its result once committed (raise what the writer raised). ``alone``: no
        other request is in progress, so the event may be committed on the loop itself (see above)."""
        loop = asyncio.get_running_loop()
        if alone and self._inline and not self._busy and not self._scheduled and not self._pending.get(loop) \
                and self._store_lock.acquire(blocking=False):
            try:
                result = self.store.append_many([event])[0]
            finally:
                self._store_lock.release()
            self.batches += 1
            self.inline_batches += 1
            self.records += 1
            return result
        future: asyncio.Future[Any] = loop.create_future()
        pending = self._pending.get(loop)
        if pending is None:
            pending = self._pending[loop] = []
        pending.append((event, future))
        if loop not in self._busy and loop not in self._scheduled:
            self._scheduled.add(loop)
            loop.call_soon(self._hand_over, loop)  # after the handlers ready in this turn have queued theirs
        return await future

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        """On ``loop``: give its waiting events (at most ``max_batch``) to the writer, unless one is there."""
        self._scheduled.discard(loop)
        if loop in self._busy:
            return  # handed over when the batch at the writer returns (_done)
        batch = self._pending.pop(loop, None)
        if not batch:
            return
        if len(batch) > self.max_batch:
            batch, self._pending[loop] = batch[:self.max_batch], batch[self.max_batch:]
        self._busy.add(loop)
        if self._direct is not None and self._begin_direct(loop, batch):
            return
        self._queue.put((loop, batch))

    def _begin_direct(self, loop: asyncio.AbstractEventLoop, batch: _Pending) -> bool:
        """Write ``batch`` to the writer process from ``loop``; False: it goes through the thread."""
        writer: Any = self._direct
        held = self._in_direct
        if held is not None:
            if not held[0].is_closed():
                return False  # another loop's batch is at the child: the thread waits for it
            self._in_direct = None  # that loop closed with its batch at the child: read the answer, drop it
            writer.drain(held[2])
        try:
            fd = writer.try_begin([event for event, _ in batch])
        except Exception as exc:  # the child went away: this batch is refused, the next one restarts it
            self._fail(loop, [f for _, f in batch], exc)
            return True
        if fd is None:
            return False
        self._in_direct = (loop, batch, fd)
        loop.add_reader(fd, self._direct_ready, loop)
        return True

    def _direct_ready(self, loop: asyncio.AbstractEventLoop) -> None:
        held = self._in_direct
        if held is None:  # pragma: no cover - the reader is removed with the batch
            return
        _, batch, fd = held
        try:
            results = self._direct.finish(fd)  # type: ignore[union-attr]  # set when a batch is in flight
        except Exception as exc:
            loop.remove_reader(fd)
            self._in_direct = None
            self._fail(loop, [f for _, f in batch], exc)
            return
        if results is None:
            return  # the rest of the answer is still on its way
        loop.remove_reader(fd)
        self._in_direct = None
        self.batches += 1
        self.direct_batches += 1
        self.records += len(results)
        self._succeed(loop, [(f, results[k]) for k, (_, f) in enumerate(batch)])

    def _done(self, loop: asyncio.AbstractEventLoop) -> None:
        """On ``loop``, after its batch was committed (or failed): hand over what waited meanwhile."""
        self._busy.discard(loop)
        self._hand_over(loop)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            work: list[tuple[asyncio.AbstractEventLoop, _Pending]] = [item]  # type: ignore[list-item]
            size = len(work[0][1])
            stop = False
            while size < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                work.append(nxt)  # type: ignore[arg-type]
                size += len(nxt[1])  # type: ignore[index]
            self._commit(work)
            if stop:
                return

    def _commit(self, work: list[tuple[asyncio.AbstractEventLoop, _Pending]]) -> None:
        events = [event for _, batch in work for event, _ in batch]
        try:
            with self._store_lock:
                records = self.store.append_many(events)
        except Exception as exc:  # the store's error goes to every waiting request
            for loop, batch in work:
                _wake(loop, self._fail, loop, [f for _, f in batch], exc)
            return
        self.batches += 1
        self.records += len(records)
        i = 0
        for loop, batch in work:
            done = [(f, records[i + k]) for k, (_, f) in enumerate(batch)]
            i += len(batch)
            _wake(loop, self._succeed, loop, done)  # one wake-up per loop and batch

    def _succeed(self, loop: asyncio.AbstractEventLoop,
                 done: list[tuple[asyncio.Future[Any], Any]]) -> None:
        self._done(loop)  # the next batch goes to the writer before these handlers resume
        for future, rec in done:
            if not future.done():
                future.set_result(rec)

    def _fail(self, loop: asyncio.AbstractEventLoop, futures: list[asyncio.Future[Any]],
              exc: BaseException) -> None:
        self._done(loop)
        for future in futures:
            if not future.done():
                future.set_exception(exc)


def _wake(loop: asyncio.AbstractEventLoop, fn: Any, *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (shutdown): nobody waits any more
        loop.call_soon_threadsafe(fn, *args)

