"""Where the gateway's audit events are built, chained and committed, its responses signed and its
clients' queries fed to the model-extraction monitor.

The event loop only hands each request's audit fields, response body and (for predictions) the query
rows to the ``AuditSink``; one of two writers with the same ``append_many(items) -> results`` method
does the rest in a batch:

- ``ProcessAuditWriter`` (the default for ``mlsecure gateway serve`` with a local model): a child process that owns its
  own connection to the audit store and a copy of the signing key. Python holds one lock for all of
  a process's threads, so building events and chaining them in a thread still takes time from the
  event loop; in a child process it runs on another core. Batches travel over the child's stdin and
  stdout as length-prefixed ``marshal`` frames (plain values only; the pipe is private to the two).
- ``ThreadAuditWriter``: the same work in the sink's thread (the default in upstream mode, where the model
  server needs the other cores; and for a store object handed in by the caller, as tests and notebooks do).
  Ed25519 signing releases that lock, so it overlaps anyway. On a local SQLite log with the monitor in
  memory, a request that is alone is committed on the event loop instead (``AuditSink``: no thread hop).

Either way a response is answered only after its record is committed (the gateway's durability
guarantee does not depend on the writer), and a client the monitor flags is known to the event loop
before that response leaves (the result says so), so blocking and throttling start with its next
request. If the parent dies (even by SIGKILL), the child reads end of file, finishes the batch it holds
and exits; the store serialises writers, so a restarted gateway chains after whatever that batch
committed.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import struct
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from mlsecure.audit.events import AuditEvent  # no function-level import on each batch's path
from mlsecure.errors import ConfigError, MLSecureError
from mlsecure.serving.config import ExtractionConfig

if TYPE_CHECKING:
    from mlsecure.audit import AuditStore
    from mlsecure.serving.signing import ResponseSigner

Observation = tuple[bytes, int, bytes]
"""A prediction's query rows for the extraction monitor: float32 row bytes, features per row, int64 labels."""
AuditItem = tuple[dict[str, Any], bytes | None, Observation | None]
"""The ``AuditEvent`` keyword arguments (``timestamp`` as POSIX seconds), the response body to sign, and
the query rows to show the extraction monitor (or None)."""
AuditResult = tuple[str | None, str | None, bool]
"""(the body's signature or None, an error message or None, whether the event's actor is now flagged as a
suspected extractor). An error means the record was not written."""

_FRAME = struct.Struct(">I")
_DIRECT_FRAME_MAX = 16_384
"""Frames the event loop writes itself. The pipe is empty when one is written (see ``try_begin``) and holds
64 KiB, so the write does not block; with the pipe shrunk to one page (a user over the kernel's pipe
quota) it waits at most for the child, which is waiting to read it."""


class _Decline(Exception):
    """This batch goes the blocking way (``append_many`` on the sink's thread)."""

_INLINE_SIGNATURES = 4
"""Batches of at most this many responses are signed in the writer's own thread, not the signing thread."""


class BatchWork:
    """What each batch goes through, wherever it runs: events built and committed in one ``append_many``,
    bodies signed meanwhile (Ed25519 releases the interpreter lock, so signing overlaps the commit), then
    the committed queries shown to the monitor; a client's first flag becomes an ``extraction_suspected``
    audit event (retried with the next batch if it cannot be written at once)."""

    def __init__(self, store: AuditStore, signer: ResponseSigner | None,
                 extraction: ExtractionConfig | None = None) -> None:
        from mlsecure.serving.extraction import ExtractionMonitor

        self.store = store
        self.signer = signer
        self.extraction = extraction
        self.monitor = ExtractionMonitor(extraction) if extraction is not None and extraction.enabled else None
        self.shared = None
        if self.monitor is not None and extraction is not None and extraction.storage != "memory://":
            from mlsecure.serving.extraction_shared import SharedObservations

            self.shared = SharedObservations(extraction.storage)
        self._flag_events: list[Any] = []

    def run(self, items: list[AuditItem]) -> list[AuditResult]:
        signer = self.signer
        bodies = [it[1] for it in items]
        # a few bodies are signed inline after the commit: handing them to the signing thread and waking it
        # costs more CPU than the overlap saves (Ed25519 signs a response in ~50 us)
        signing = _signing_pool().submit(_sign_all, signer, bodies) \
            if signer is not None and len(items) > _INLINE_SIGNATURES else None
        results: list[AuditResult] = [(None, None, False)] * len(items)
        events: list[AuditEvent] = []
        written: list[int] = []
        for i, (fields, _, _) in enumerate(items):
            try:
                events.append(AuditEvent.from_fields(fields))  # AuditEvent(**fields), timestamp in POSIX seconds
                written.append(i)
            except (MLSecureError, TypeError, KeyError, ValueError, OverflowError) as exc:
                results[i] = (None, f"invalid audit event: {exc}", False)
        committed = True
        if events or self._flag_events:
            try:
                self.store.append_many([*self._flag_events, *events])
                self._flag_events = []
            except Exception as exc:  # every waiting request is refused with this reason (fail closed)
                committed = False
                reason = f"{type(exc).__name__}: {exc}"
                for i in written:
                    results[i] = (None, reason, False)
        if signing is not None:
            signatures = signing.result()
        elif signer is not None and committed:
            signatures = _sign_all(signer, bodies)
        else:
            signatures = [None] * len(items)
        if committed:
            for i in written:
                try:
                    results[i] = (signatures[i], None, self._observe(items[i]))
                except Exception as exc:  # the shared monitor's store is down: refuse (fail closed)
                    results[i] = (None, f"extraction monitor storage unavailable: {type(exc).__name__}", False)
        return results

    def _observe(self, item: AuditItem) -> bool:
        """Show the monitor one committed prediction's rows; True when its client is (now) flagged."""
        fields, _, observation = item
        monitor = self.monitor
        if monitor is None or observation is None:
            return False
        actor = fields["actor"]
        raw, width, labels = observation
        if self.shared is not None:
            for client, mine, rows, labs in self.shared.exchange(fields["resource"], actor, raw, width, labels):
                was = monitor.is_flagged(client)
                verdict = monitor.observe(client, rows, labs)
                if mine and verdict is not None and verdict.suspicious and not was:
                    self._flag_events.append(self._flag_event(fields, verdict.as_dict()))
            return monitor.is_flagged(actor)
        was_flagged = monitor.is_flagged(actor)
        verdict = monitor.observe_raw(actor, raw, width, labels)
        if verdict is not None and verdict.suspicious and not was_flagged:
            self._flag_events.append(self._flag_event(fields, verdict.as_dict()))
        return monitor.is_flagged(actor)

    def _flag_event(self, trigger: dict[str, Any], verdict: dict[str, Any]) -> Any:
        action = self.extraction.action if self.extraction is not None else "flag"
        return AuditEvent(
            event_type="extraction_suspected", actor=trigger["actor"], action="monitor",
            outcome="denied" if action == "block" else "allowed", resource=trigger["resource"],
            model_name=trigger.get("model_name"), model_version=trigger.get("model_version"),
            details={**verdict, "trigger_request_id": trigger["event_id"], "action": action,
                     "atlas": "AML.T0024.002", "owasp": "ML05"})


def _sign_all(signer: ResponseSigner, bodies: list[bytes | None]) -> list[str | None]:
    return [None if body is None else signer.sign(body) for body in bodies]


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _signing_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlsecure-response-signer")
        return _pool


class ThreadAuditWriter:
    """``BatchWork`` on a store object, in the caller's thread."""

    def __init__(self, store: AuditStore, signer: ResponseSigner | None,
                 extraction: ExtractionConfig | None = None) -> None:
        from mlsecure.audit.sqlite_store import SQLiteAuditStore

        self.store = store
        self._work = BatchWork(store, signer, extraction)
        self.inline_ok = isinstance(store, SQLiteAuditStore) and self._work.shared is None
        """A batch may run on the event loop (``AuditSink``): a local file and an in-memory monitor, no
        network round trip (PostgreSQL, a shared monitor in Redis) that would stall the loop."""

    def append_many(self, items: list[AuditItem]) -> list[AuditResult]:
        return self._work.run(items)

    def close(self) -> None:
        """The store belongs to the caller; nothing to release here."""


class ProcessAuditWriter:
    """``BatchWork`` in a child process that opens ``store_url`` itself (see the module docstring)."""

    def __init__(self, store_url: str, *, hmac_key: bytes, signer: ResponseSigner | None,
                 extraction: ExtractionConfig | None = None, start_timeout_s: float = 60.0) -> None:
        self.store_url = store_url
        self._init = {"store": store_url, "hmac_key": hmac_key,
                      "signing_key": signer.private_bytes() if signer is not None else None,
                      "extraction": asdict(extraction) if extraction is not None else None}
        self._start_timeout_s = start_timeout_s
        self._lock = threading.Lock()  # one batch on the pipe at a time
        self._reply = bytearray()  # the answer being read by ``finish``
        self.restarts = 0
        self._proc = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(  # our own module under this interpreter, no shell
            [sys.executable, "-m", "mlsecure.serving.audit_writer"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self._proc = proc
        try:
            self._send(marshal.dumps(self._init))
            ok, message = marshal.loads(self._receive(self._start_timeout_s))
        except (OSError, EOFError, ValueError) as exc:
            self.close()
            raise ConfigError(f"the audit writer process for {self.store_url} did not start: {exc}") from None
        if not ok:
            self.close()
            raise ConfigError(f"the audit writer process cannot open {self.store_url}: {message}")
        return proc

    def append_many(self, items: list[AuditItem]) -> list[AuditResult]:
        """One batch through the child. A child that died fails this batch (its requests are refused) and
        is started afresh for the next one."""
        with self._lock:
            if self._proc.poll() is not None:
                self.close()
                self.restarts += 1
                self._start()
            if self._proc.stdout is not None:  # uvloop's add_reader (the direct channel) made it non-blocking
                os.set_blocking(self._proc.stdout.fileno(), True)
            try:
                payload = marshal.dumps(items)
            except ValueError:  # a value marshal cannot carry: refuse those items alone
                return self._refuse_unsendable(items)
            try:
                self._send(payload)
                results: list[AuditResult] = marshal.loads(self._receive(None))
            except (OSError, EOFError, ValueError) as exc:
                self._proc.kill()
                code = self._proc.wait()
                raise MLSecureError(f"the audit writer process failed (exit code {code}): {exc}") from None
        return results

    # --- the event loop's direct channel (``AuditSink``): no thread between the loop and the child ---------

    def try_begin(self, items: list[AuditItem]) -> int | None:
        """Write ``items`` as one frame to the child from the event loop, without blocking it, and return
        the fd its answer will arrive on (``finish`` reads it); None when this batch must take the blocking
        ``append_many`` path instead (another batch at the child, a dead child to restart, a frame larger
        than the pipe holds or a value marshal cannot carry). Only one batch is ever at the child, and it has
        read the previous frame whole before answering it, so the pipe is empty and the write cannot block."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            proc = self._proc
            if proc.poll() is not None or proc.stdin is None or proc.stdout is None:
                raise _Decline
            payload = marshal.dumps(items)
            if len(payload) + _FRAME.size > _DIRECT_FRAME_MAX:
                raise _Decline
            frame = _FRAME.pack(len(payload)) + payload
            if os.write(proc.stdin.fileno(), frame) != len(frame):  # pragma: no cover - a pipe write this small
                raise OSError("short write to the audit writer")  # is atomic (PIPE_BUF pages are 4 KiB+)
            self._reply = bytearray()
            return proc.stdout.fileno()
        except (_Decline, ValueError):
            self._lock.release()
            return None
        except OSError as exc:  # the child went away under the write: this batch is refused
            self._lock.release()
            self._proc.kill()
            self._proc.wait()
            raise MLSecureError(f"the audit writer process failed: {exc}") from None

    def finish(self, fd: int) -> list[AuditResult] | None:
        """Read what is ready of the answer to ``try_begin``'s batch (the fd is readable); its results once
        whole, else None. A failure (the child died, a broken frame) raises ``MLSecureError``: the batch is
        refused and the next one restarts the child."""
        try:
            chunk = self._read_reply(fd)
            if not chunk:
                raise OSError("the audit writer closed its output")
            self._reply += chunk
            if len(self._reply) < _FRAME.size:
                return None
            (size,) = _FRAME.unpack_from(self._reply)
            if len(self._reply) < _FRAME.size + size:
                return None
            if len(self._reply) > _FRAME.size + size:
                raise OSError("the audit writer answered more than one frame")
            results: list[AuditResult] = marshal.loads(bytes(self._reply[_FRAME.size:]))
        except (OSError, EOFError, ValueError) as exc:
            self._lock.release()
            self._proc.kill()
            code = self._proc.wait()
            raise MLSecureError(f"the audit writer process failed (exit code {code}): {exc}") from None
        self._lock.release()
        return results

    def drain(self, fd: int, timeout_s: float = 30.0) -> None:
        """Read and drop the answer to a batch whose event loop closed before it came (so the next batch
        finds the pipe free); on failure the child is killed and restarted with the next batch."""
        import select

        with contextlib.suppress(MLSecureError):
            while True:
                ready, _, _ = select.select([fd], [], [], timeout_s)
                if not ready:
                    self._lock.release()
                    self._proc.kill()
                    self._proc.wait()
                    return
                if self.finish(fd) is not None:
                    return

    @staticmethod
    def _read_reply(fd: int) -> bytes:
        return os.read(fd, 1 << 16)

    def _refuse_unsendable(self, items: list[AuditItem]) -> list[AuditResult]:
        sendable, where = [], []
        results: list[AuditResult] = []
        for i, item in enumerate(items):
            try:
                marshal.dumps(item)
            except ValueError as exc:
                results.append((None, f"invalid audit event: not plain JSON values ({exc})", False))
                continue
            sendable.append(item)
            where.append(i)
            results.append((None, None, False))
        if sendable:
            self._send(marshal.dumps(sendable))
            for i, result in zip(where, marshal.loads(self._receive(None)), strict=True):
                results[i] = result
        return results

    def close(self) -> None:
        """End of file on the child's stdin: it finishes the batch in hand, closes the store and exits."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(OSError):  # the child is gone already
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def _send(self, payload: bytes) -> None:
        pipe = self._proc.stdin
        if pipe is None:
            raise OSError("no pipe to the audit writer")
        pipe.write(_FRAME.pack(len(payload)) + payload)
        pipe.flush()

    def _receive(self, timeout_s: float | None) -> bytes:
        pipe = self._proc.stdout
        if pipe is None:
            raise OSError("no pipe from the audit writer")
        if timeout_s is not None:
            import select

            ready, _, _ = select.select([pipe], [], [], timeout_s)
            if not ready:
                raise OSError(f"no answer within {timeout_s:.0f} s")
        frame = _read_frame(pipe.read)
        if frame is None:
            raise OSError("the audit writer closed its output")
        return frame


def _read_frame(read: Any) -> bytes | None:
    """One frame from ``read(n)`` (a blocking reader), or None at end of file."""
    header = _read_exactly(read, _FRAME.size)
    if header is None:
        return None
    (size,) = _FRAME.unpack(header)
    body = _read_exactly(read, size)
    if body is None:
        raise OSError("the audit pipe ended inside a frame")
    return body


def _read_exactly(read: Any, n: int) -> bytes | None:
    chunks = []
    left = n
    while left:
        chunk = read(left)
        if not chunk:
            if left == n:
                return None
            raise OSError("the audit pipe ended inside a frame")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _child_main() -> int:
    """The child: open the store from the first frame, then answer each batch frame until end of file."""
    from mlsecure.audit import open_store
    from mlsecure.serving.signing import ResponseSigner

    # Ctrl-C or a service manager's SIGTERM reach the whole process group: the gateway shuts down and still
    # writes its "stop" record through this process, which ends when its stdin closes (also if the
    # gateway is killed outright)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    out_fd = os.dup(1)
    os.dup2(2, 1)  # anything the libraries print goes to stderr, never into the frame stream
    inp = os.fdopen(0, "rb", buffering=1 << 16)  # a frame's head and body in one read (written at once)
    out = os.fdopen(out_fd, "wb", buffering=0)

    def reply(value: Any) -> None:
        payload = marshal.dumps(value)
        out.write(_FRAME.pack(len(payload)) + payload)

    first = _read_frame(inp.read)
    if first is None:
        return 0
    init = marshal.loads(first)
    try:
        store = open_store(init["store"], hmac_key=init["hmac_key"])
        signer = ResponseSigner.from_private_bytes(init["signing_key"]) if init["signing_key"] else None
        extraction = ExtractionConfig(**init["extraction"]) if init["extraction"] is not None else None
        work = BatchWork(store, signer, extraction)
    except Exception as exc:  # reported to the parent, which refuses to start
        reply((False, f"{type(exc).__name__}: {exc}"))
        return 2
    reply((True, None))
    try:
        while (frame := _read_frame(inp.read)) is not None:
            reply(work.run(marshal.loads(frame)))
    except (OSError, BrokenPipeError):  # the parent is gone: nothing is waiting for an answer
        pass
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
