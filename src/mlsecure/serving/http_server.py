"""The gateway's own HTTP/1.1 server: an asyncio ``Protocol`` with the httptools parser, in front of the
same ASGI app uvicorn serves (``[server] http = "builtin"``).

Why: in upstream mode the gateway's request path costs about as much CPU as a small model server, and
uvicorn's per-request machinery (its request cycle object, the ASGI message dicts it validates, two
transport writes, the ``date`` header) was about a fifth of the event loop's share (``benchmarks/gateway.md``).
This server builds one ASGI scope per request, hands the app a ``receive`` that returns the whole body at
once, and writes each answer (head and body) in one ``transport.write``; the gateway's hot routes
(``POST /v1/predict``, ``/v2``) skip even the scope and messages through ``GatewayApp.direct``, which runs the
same handlers. Every route, answer and audit record comes from the one ``GatewayApp``, so both servers answer
alike.

What it enforces, besides what the app checks:

- a request head of at most 64 KiB and 100 header fields (431), a URL of at most 8 KiB (414); anything
  httptools cannot parse, a protocol upgrade or ``Transfer-Encoding`` it does not frame: 400, connection closed;
- bodies larger than ``[server] max_body_bytes``: the request is handed to the app at once with the declared
  length (or the first ``max_body_bytes + 1`` bytes of a chunked body), the app answers 413 after
  authentication and audits it, and the connection is closed without reading the rest;
- slow clients: a request whose head and body have not arrived ``[server] request_timeout_s`` after its first
  byte gets 408 and the connection is closed; an idle keep-alive connection is closed after
  ``[server] keepalive_timeout_s``;
- pipelined requests are answered in order; reading pauses while 8 are waiting.

Lifespan (the gateway's start and stop audit records) runs the FastAPI app's lifespan context. SIGINT and
SIGTERM stop accepting, let requests in progress finish (at most 30 s), run the shutdown, then re-raise the
signal, as uvicorn does, so the exit status tells how the process ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import ssl
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import httptools

MAX_HEAD_BYTES = 65_536
MAX_HEADERS = 100
MAX_URL_BYTES = 8_192
MAX_PIPELINED = 8
SHUTDOWN_GRACE_S = 30.0

_App = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]
_REASONS = {s.value: s.phrase.encode("latin-1") for s in HTTPStatus}


@dataclass(slots=True)
class _Request:
    """One parsed request waiting for, or being given, its answer (pipelined requests queue in order)."""

    method: bytes
    url: bytes
    headers: list[tuple[bytes, bytes]]
    http_version: str
    keep_alive: bool
    body: bytes
    too_large: bool
    close_after: bool = field(init=False)
    answered: bool = False

    def __post_init__(self) -> None:
        self.close_after = self.too_large or not self.keep_alive


class HttpConnection(asyncio.Protocol):
    """One client connection: parse, queue complete requests, answer them in order from one task."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.loop = server.loop
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.peer: tuple[str, int] | None = None
        self.local: tuple[str, int] | None = None
        self.queue: deque[_Request] = deque()
        self.wakeup: asyncio.Future[None] | None = None
        self.task: asyncio.Task[None] | None = None
        self.disconnected = False
        self.ignoring = False  # after an oversized body or a parse error: the rest of the input is dropped
        self.paused = False
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0  # when ``timer`` fires
        self.deadline: float | None = None  # when the connection times out (None: it does not)
        self.in_request = False  # bytes of a request have arrived and it is not complete yet
        self.busy = False  # the app is answering a request
        self.refusal = (400, "")
        self.rejected: tuple[int, str] | None = None  # a limit a callback found exceeded
        self._reset_message()

    # --- asyncio.Protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio's classes
        peer = transport.get_extra_info("peername")
        self.peer = (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) else None
        local = transport.get_extra_info("sockname")
        self.local = (str(local[0]), int(local[1])) if isinstance(local, tuple) else None
        self.server.connections.add(self)
        self.task = self.loop.create_task(self._serve())
        self._arm(self.server.keepalive_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        self.disconnected = True
        self.server.connections.discard(self)
        self._cancel_timer()
        self._wake()

    def data_received(self, data: bytes) -> None:
        if self.ignoring:
            return
        if not self.in_request:
            self.in_request = True
            self._arm(self.server.request_timeout_s)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(400, "protocol upgrades are not supported")
        except httptools.HttpParserError:  # also what our callbacks raised (httptools wraps it)
            if self.rejected is not None:
                self._fail(*self.rejected)
            elif not self.ignoring:
                self._fail(400, "malformed HTTP request")

    def eof_received(self) -> bool | None:
        return None  # close our side too

    # --- httptools callbacks ------------------------------------------------------------------------------

    def _reset_message(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_bytes = 0
        self.body_parts: list[bytes] = []
        self.body_size = 0
        self.declared_too_large = False
        self.dispatched = False

    def on_message_begin(self) -> None:
        self._reset_message()

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > MAX_URL_BYTES:
            self.rejected = (414, "URL too long")
            raise _Reject

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_bytes += len(name) + len(value) + 4
        self.headers.append((name.lower(), value))
        if len(self.headers) > MAX_HEADERS or self.head_bytes > MAX_HEAD_BYTES:
            self.rejected = (431, "request header fields too large")
            raise _Reject

    def on_headers_complete(self) -> None:
        limit = self.server.max_body_bytes
        expect = False
        for name, value in self.headers:
            if name == b"content-length":
                if not value.strip().isdigit() or int(value) > limit:
                    self.declared_too_large = True
            elif name == b"expect" and value.lower() == b"100-continue":
                expect = True
        if self.declared_too_large:  # answered (413, audited) now; the body is never read
            self._dispatch(b"", too_large=True)
        elif expect and self.transport is not None:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        if self.dispatched:
            return
        limit = self.server.max_body_bytes
        self.body_size += len(body)
        self.body_parts.append(body)
        if self.body_size > limit:  # a chunked body past the limit: hand over what the app needs to refuse it
            self._dispatch(b"".join(self.body_parts)[:limit + 1], too_large=True)

    def on_message_complete(self) -> None:
        if not self.dispatched:
            self._dispatch(b"".join(self.body_parts), too_large=False)
        self.in_request = False
        self._disarm()  # armed again (keep-alive) once the answers in the queue are written

    def _dispatch(self, body: bytes, *, too_large: bool) -> None:
        self.dispatched = True
        parser = self.parser
        self.queue.append(_Request(parser.get_method(), self.url, self.headers, parser.get_http_version(),
                                   parser.should_keep_alive(), body, too_large))
        if too_large:
            self.ignoring = True  # the answer closes the connection; nothing after it is read
            self.in_request = False
            self._disarm()
        if len(self.queue) >= MAX_PIPELINED and self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    # --- answering ----------------------------------------------------------------------------------------

    def _wake(self) -> None:
        if self.wakeup is not None and not self.wakeup.done():
            self.wakeup.set_result(None)

    async def _serve(self) -> None:
        while True:
            while not self.queue:
                if self.disconnected:
                    return
                self.wakeup = self.loop.create_future()
                await self.wakeup
            request = self.queue.popleft()
            if self.paused and len(self.queue) < MAX_PIPELINED // 2 and self.transport is not None:
                self.paused = False
                self.transport.resume_reading()
            if not request.method:  # the parser refused what followed the requests answered before
                self._write_simple(*self.refusal, close=True)
                return
            self.busy = True
            try:
                await self._answer(request)
            except Exception:  # the app failed outside its own error handling: 500 unless it answered
                if not request.answered:
                    self._write_simple(500, "internal error", close=True)
                self._close()
                return
            finally:
                self.busy = False
            if request.close_after or self.disconnected:
                self._close()
                return
            if not self.queue and not self.in_request:
                self._arm(self.server.keepalive_timeout_s)

    async def _answer(self, request: _Request) -> None:
        server = self.server
        parsed = httptools.parse_url(request.url)
        raw_path = parsed.path
        method = request.method.decode("latin-1")
        path = unquote(raw_path.decode("latin-1")) if b"%" in raw_path else raw_path.decode("latin-1")
        if server.direct is not None:
            reply = await server.direct(method, path, request.headers, request.body, self.peer)
            if reply is not None:
                self._write(request, *reply)
                return
        scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": request.http_version, "server": self.local, "client": self.peer,
            "scheme": "https" if server.tls else "http", "method": method, "root_path": "",
            "path": path, "raw_path": raw_path, "query_string": parsed.query or b"", "headers": request.headers,
            "state": dict(server.state),
        }
        sent_body = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": request.body, "more_body": False}
            while not self.disconnected:  # nothing more will come: wait for the client to go
                waiter = self.loop.create_future()
                self.wakeup = waiter
                await waiter
            return {"type": "http.disconnect"}

        status = 500
        head: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []
        started = done = False

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status, head, started, done
            kind = message["type"]
            if kind == "http.response.start" and not started:
                started = True
                status = int(message["status"])
                head = list(message.get("headers", ()))
            elif kind == "http.response.body" and started and not done:
                parts.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    done = True
                    self._write(request, status, head, b"".join(parts))
            else:
                raise RuntimeError(f"unexpected ASGI message {kind!r}")

        await server.app(scope, receive, send)
        if not done:
            raise RuntimeError("the app did not complete its answer")

    def _write(self, request: _Request, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        request.answered = True
        if self.transport is None or self.transport.is_closing():
            return
        out = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b"Unknown"))]
        has_length = False
        for name, value in headers:
            lname = name.lower()
            if lname == b"content-length":
                has_length = True
            elif lname == b"connection":
                continue  # this server decides
            out.append(b"%s: %s\r\n" % (name, value))
        if not has_length:
            out.append(b"content-length: %d\r\n" % len(body))
        if request.close_after:
            out.append(b"connection: close\r\n")
        out.append(b"\r\n")
        if request.method != b"HEAD":
            out.append(body)
        self.transport.write(b"".join(out))

    def _write_simple(self, status: int, detail: str, *, close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        body = b'{"error":"%s","detail":"%s"}' % (_REASONS.get(status, b"error").lower().replace(b" ", b"_"),
                                                  detail.encode("latin-1"))
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s"
                             % (status, _REASONS.get(status, b"Error"), len(body),
                                b"connection: close\r\n" if close else b"", body))
        if close:
            self._close()

    def _fail(self, status: int, detail: str) -> None:
        """A request the parser refused: answer it (after those before it) and close."""
        self.ignoring = True
        self._disarm()
        if self.busy or self.queue:  # answers in order: the refusal follows the pending answers
            self.queue.append(_Request(b"", b"", [], "1.1", False, b"", False))
            self.refusal = (status, detail)
            self._wake()
            return
        self._write_simple(status, detail, close=True)

    def _close(self) -> None:
        self._cancel_timer()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    # The deadline moves twice per request (the request's, then keep-alive's): it is a number, and the one timer
    # per connection is left where it is when the new deadline is later (it re-arms itself when it fires early),
    # so a request schedules and cancels no timer (two ``call_later`` and two ``cancel`` were ~3% of the event
    # loop's work per request: ``benchmarks/gateway.md``, session 6). A timeout still fires at its deadline.

    def _arm(self, seconds: float) -> None:
        deadline = self.loop.time() + seconds
        self.deadline = deadline
        if self.timer is not None:
            if self.timer_at <= deadline:
                return  # fires first, sees the later deadline and re-arms for it
            self.timer.cancel()
        self.timer_at = deadline
        self.timer = self.loop.call_at(deadline, self._timed_out)

    def _disarm(self) -> None:
        self.deadline = None  # the timer, if any, finds no deadline when it fires and stops

    def _cancel_timer(self) -> None:
        self.deadline = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _timed_out(self) -> None:
        self.timer = None
        deadline = self.deadline
        if deadline is None:
            return
        if self.loop.time() < deadline:  # the deadline moved on since this timer was set
            self.timer_at = deadline
            self.timer = self.loop.call_at(deadline, self._timed_out)
            return
        self.deadline = None
        if self.in_request:  # a slow (or stalled) head or body
            if self.busy or self.queue:  # answers go in order: refuse it after those before it
                self._fail(408, "request not received in time")
            else:
                self.ignoring = True
                self._write_simple(408, "request not received in time", close=True)
        elif not self.busy and not self.queue:  # an idle keep-alive connection
            self._close()

    def shutdown(self) -> None:
        """Close now if idle; otherwise after the answer in progress."""
        if not self.busy and not self.queue:
            self._close()
        else:
            for r in self.queue:
                r.close_after = True


class _Reject(Exception):
    """Raised in a parser callback to stop parsing (the reason is in ``HttpConnection.rejected``)."""


class HttpServer:
    """Serves ``app`` on given sockets; ``run(sockets=[...])`` blocks until SIGINT/SIGTERM (as uvicorn's)."""

    def __init__(self, app: Any, *, max_body_bytes: int, request_timeout_s: float = 10.0,
                 keepalive_timeout_s: float = 5.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.app = app
        self.direct: Any = getattr(app, "direct", None)
        """``GatewayApp.direct``: its hot routes answered without the ASGI scope and messages (None: ASGI only)."""
        self.max_body_bytes = max_body_bytes
        self.request_timeout_s = request_timeout_s
        self.keepalive_timeout_s = keepalive_timeout_s
        self.ssl_context = ssl_context
        self.tls = ssl_context is not None
        self.connections: set[HttpConnection] = set()
        self.state: dict[str, Any] = {}
        self.started = False
        self.should_exit = False
        self._stop: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]  # set in serve()

    def run(self, sockets: list[socket.socket]) -> None:
        """Serve until a signal; re-raise the signal afterwards (the default action then ends the process)."""
        try:
            import uvloop
        except ImportError:
            runner = asyncio.Runner()
        else:
            runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        received: list[int] = []
        with runner:
            runner.run(self.serve(sockets, received))
        if received:
            signal.signal(received[0], signal.SIG_DFL)
            signal.raise_signal(received[0])

    async def serve(self, sockets: list[socket.socket], received: list[int] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
                self.loop.add_signal_handler(sig, self._on_signal, sig, received)
        fastapi = getattr(self.app, "fastapi", None)
        lifespan = fastapi.router.lifespan_context(fastapi) if fastapi is not None else contextlib.nullcontext()
        async with lifespan as state:
            if isinstance(state, dict):
                self.state.update(state)
            servers = [await self.loop.create_server(lambda: HttpConnection(self), sock=s, ssl=self.ssl_context,
                                                     backlog=2048) for s in sockets]
            self.started = True
            if self.should_exit:
                self._stop.set()
            await self._stop.wait()
            for srv in servers:
                srv.close()
            for conn in list(self.connections):
                conn.shutdown()
            deadline = self.loop.time() + SHUTDOWN_GRACE_S
            while self.connections and self.loop.time() < deadline:
                await asyncio.sleep(0.05)
            for conn in list(self.connections):
                conn._close()

    def stop(self) -> None:
        """Ask the server to shut down (from the loop's thread)."""
        self.should_exit = True
        if self._stop is not None:
            self._stop.set()

    def _on_signal(self, sig: int, received: list[int] | None) -> None:
        if received is not None and not received:
            received.append(sig)
        self.stop()
