"""A lean pooled HTTP/1.1 keep-alive client for the gateway's upstream calls: an asyncio ``Protocol`` per
connection, answers parsed by httptools (llhttp, the parser the gateway's own server uses).

Why not httpx: per call, httpx (httpcore, anyio, h11) cost about seven times an asyncio-streams client's CPU
(1.6-1.8 ms against 0.20-0.23 ms for the same POST to MLServer). Why not asyncio streams (this module's previous
transport): their reader, writer, ``readuntil`` scans and one task wake-up per read were still about a fifth of the
gateway's event loop (``benchmarks/gateway.md``). Here the transport hands each received chunk straight to the C
parser, whose callbacks collect the head and body; the waiting request is woken once, when the answer is complete.

Defences kept (all fail closed with an ``HTTPError`` subclass):

- a connection pool of at most ``max_connections`` (callers beyond it wait), idle connections reused LIFO; a
  connection the server closes, or sends unasked bytes on, while idle leaves the pool at once;
- one deadline for the whole exchange (``timeout_s``: waiting for a slot, connecting, sending, the head and the
  body; slow headers included) and one for connecting (``connect_timeout_s``): ``HTTPTimeout``;
- the answer must start with ``HTTP/1.``; its head at most 64 KiB and 100 header fields (trailers count as
  fields); the body at most ``max_response_bytes`` (refused from ``Content-Length`` before reading it), framed by
  ``Content-Length`` or ``Transfer-Encoding: chunked`` or, without either, read until the connection closes;
  both at once, a malformed or repeated length, a transfer coding other than chunked, any ``Content-Encoding``
  but identity (we ask for identity: no decompression, so no compression bomb), a status below 100 or above 999,
  or a truncated head or body are ``HTTPProtocolError``/``HTTPError``;
- interim 1xx answers are skipped (at most 8), 101 is refused; a connection is reused only after a complete,
  framed HTTP/1.1 answer without ``Connection: close`` and with no byte after it; any failure, timeout or
  cancellation closes it;
- a reused connection that fails before any byte of the answer arrived (the server closed or reset an idle
  keep-alive connection, a race no client can avoid) is retried once, on a new connection. Only that case is
  retried: the request did not get an answer, and the upstream call (inference) has no side effect the gateway
  relies on; its own budget and audit record are kept on the gateway's side, once per client request;
- no redirects, no proxies from the environment, no cookies.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from dataclasses import dataclass
from typing import NoReturn, cast
from urllib.parse import urlsplit

import httptools

MAX_HEAD_BYTES = 65_536
MAX_HEADERS = 100
MAX_INTERIM = 8


class HTTPError(Exception):
    """The exchange failed (connection refused or reset, bad answer, answer too large)."""


class HTTPTimeout(HTTPError):
    """The connection or the answer did not come in time."""


class HTTPProtocolError(HTTPError):
    """The server's answer is not HTTP/1.x as this client accepts it."""


class HTTPTooLarge(HTTPError):
    """The answer's head or body exceeds its limit."""


class _Stale(Exception):
    """A reused connection failed before any byte of the answer (safe to retry once on a new one)."""


class _Extra(Exception):
    """Bytes after the complete answer: the answer stands, the connection is not reused."""


@dataclass(frozen=True, slots=True)
class HTTPResponse:
    status: int
    raw_headers: list[tuple[bytes, bytes]]
    """(name, value) as received, in order; decoded only when asked for (``headers``, ``header``): the gateway
    reads none of them, and a model server may send a dozen (MLServer's CloudEvents fields)."""
    body: bytes

    @property
    def headers(self) -> list[tuple[str, str]]:
        """(lower-case name, value) in the order received."""
        return [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in self.raw_headers]

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


class _Conn(asyncio.Protocol):
    """One upstream connection and the state of the exchange on it (at most one at a time)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_body: int) -> None:
        self.loop = loop
        self.max_body = max_body
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.dead = False
        self.waiter: asyncio.Future[tuple[HTTPResponse, bool]] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0  # when ``_timer`` fires
        self._deadline: float | None = None  # when the exchange in progress times out (None: none is)
        self._reused = False
        self._received = 0  # bytes of this exchange's answer so far
        self._head = 0  # bytes of the current message before its head completed
        self._head_fields = 0  # bytes of its header fields (trailers included)
        self._in_head = True
        self._prefix = b""  # the answer's first bytes until "HTTP/1." could be checked
        self._status = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._size = 0
        self._length: int | None = None
        self._chunked = False
        self._interim = 0
        self._done = False
        self._keep = False
        self._stop: Exception | None = None

    # -- transport callbacks ------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def data_received(self, data: bytes) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():  # unasked bytes on an idle connection
            self.close()
            return
        if self._received < 7:
            self._prefix += data[:7]
            if not b"HTTP/1.".startswith(self._prefix[:7]):
                self._fail(HTTPProtocolError(f"not an HTTP/1.x answer: {self._prefix[:20]!r}"))
                return
        self._received += len(data)
        if self._in_head:
            self._head += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(HTTPProtocolError("the server switched protocols"))
            return
        except httptools.HttpParserError as exc:
            stop, self._stop = self._stop, None  # what a callback raised (httptools wraps it)
            if isinstance(stop, _Extra) or (stop is None and self._done):
                self.dead = True  # bytes after the complete answer: keep the answer, drop the connection
            else:
                self._fail(stop if stop is not None else HTTPProtocolError(f"malformed answer: {exc}"))
                return
        if self._in_head and self._head > MAX_HEAD_BYTES:
            self._fail(HTTPTooLarge(f"answer head larger than {MAX_HEAD_BYTES} bytes"))
            return
        if self._done and not waiter.done():
            self._finish(waiter, HTTPResponse(self._status, self._headers, b"".join(self._body)), self._keep)

    def eof_received(self) -> bool | None:
        return None  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.dead = True
        self.transport = None
        waiter = self.waiter
        if waiter is None or waiter.done():
            self.close()  # an idle connection: its timer goes too
            return
        if not self._in_head and not self._done and self._status >= 200 and self._length is None \
                and not self._chunked and self._status not in (204, 304):  # a body read to the close
            self._finish(waiter, HTTPResponse(self._status, self._headers, b"".join(self._body)), False)
        elif self._received == 0 and self._reused:
            self._fail(_Stale())
        elif self._received == 0:
            self._fail(HTTPError(f"the server closed the connection before answering"
                                 f"{f': {type(exc).__name__}' if exc else ''}"))
        elif self._in_head:
            self._fail(HTTPError("the server closed the connection in the answer's head"))
        else:
            self._fail(HTTPError("the server closed the connection in the answer's body"))

    # -- parser callbacks (an exception raised here reaches data_received wrapped by httptools: kept in _stop) --
    def _raise(self, exc: Exception) -> NoReturn:
        self._stop = exc
        raise exc

    def on_message_begin(self) -> None:
        if self._done:
            self._raise(_Extra())
        self._in_head = True
        self._head = 0
        self._head_fields = 0
        self._headers = []

    def on_header(self, name: bytes, value: bytes) -> None:
        headers = self._headers
        if len(headers) >= MAX_HEADERS:
            self._raise(HTTPProtocolError(f"more than {MAX_HEADERS} header fields"))
        self._head_fields += len(name) + len(value) + 4
        if self._head_fields > MAX_HEAD_BYTES:
            self._raise(HTTPTooLarge(f"answer head larger than {MAX_HEAD_BYTES} bytes"))
        headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 100:
            self._raise(HTTPProtocolError(f"status {status} is not an HTTP status"))
        if status == 101:
            self._raise(HTTPProtocolError("the server switched protocols"))
        self._in_head = False
        self._status = status
        length: int | None = None
        chunked = False
        for name, raw in self._headers:  # llhttp refused repeated lengths and length with chunked already
            key = name.lower()
            if key == b"content-length":
                length = int(raw)
            elif key == b"transfer-encoding":
                if raw.strip().lower() != b"chunked":
                    self._raise(HTTPProtocolError(f"unsupported Transfer-Encoding {raw.decode('latin-1')[:40]!r}"))
                chunked = True
            elif key == b"content-encoding" and raw.strip().lower() not in (b"identity", b""):
                self._raise(HTTPProtocolError(f"unrequested Content-Encoding {raw.decode('latin-1')[:40]!r}"))
        if length is not None and length > self.max_body:
            self._raise(HTTPTooLarge(f"answer larger than {self.max_body} bytes"))
        self._length = length
        self._chunked = chunked

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > self.max_body:
            self._raise(HTTPTooLarge(f"answer larger than {self.max_body} bytes"))
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._status < 200:  # interim answer: the real one follows on the same connection
            self._interim += 1
            if self._interim > MAX_INTERIM:
                self._raise(HTTPProtocolError(f"more than {MAX_INTERIM} interim answers"))
            return
        self._keep = (self.parser.get_http_version() == "1.1" and self.parser.should_keep_alive()
                      and not any(k.lower() == b"connection" and b"close" in v.lower() for k, v in self._headers))
        self._done = True

    # -- the exchange -------------------------------------------------------------------------------------------
    def exchange(self, data: bytes, reused: bool, deadline: float) -> asyncio.Future[tuple[HTTPResponse, bool]]:
        """Send ``data`` and return a future of (answer, reusable); it fails with an ``HTTPError`` or ``_Stale``."""
        waiter: asyncio.Future[tuple[HTTPResponse, bool]] = self.loop.create_future()
        self.waiter = waiter
        self._reused = reused
        self._received = 0
        self._prefix = b""
        self._in_head = True
        self._head = 0
        self._head_fields = 0
        self._status = 0
        self._headers = []
        self._body = []
        self._size = 0
        self._length = None
        self._chunked = False
        self._interim = 0
        self._done = False
        self._keep = False
        transport = self.transport
        if transport is None or transport.is_closing():
            self._fail(_Stale() if reused else HTTPError("the connection closed before the request was sent"))
            return waiter
        self._arm(deadline)
        transport.write(data)
        return waiter

    # One timer per connection, as the built-in server's (``http_server``): an exchange's deadline is a number; the
    # timer stays where it is when the new deadline is later (it re-arms itself when it fires early) and an answer
    # only clears the number, so a kept-alive connection schedules and cancels no timer per request. A timeout
    # still fires at its exchange's deadline.

    def _arm(self, deadline: float) -> None:
        self._deadline = deadline
        if self._timer is not None:
            if self._timer_at <= deadline:
                return
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = self.loop.call_at(deadline, self._on_timeout)

    def _on_timeout(self) -> None:
        self._timer = None
        deadline = self._deadline
        if deadline is None or self.dead:
            return  # no exchange in progress (the answer came), or closed: nothing to time out
        if self.loop.time() < deadline:  # a later exchange moved the deadline on since this timer was set
            self._timer_at = deadline
            self._timer = self.loop.call_at(deadline, self._on_timeout)
            return
        self._fail(HTTPTimeout("no complete answer in time"))

    def _finish(self, waiter: asyncio.Future[tuple[HTTPResponse, bool]], response: HTTPResponse,
                keep: bool) -> None:
        self._deadline = None
        self._body = []
        if not keep:
            self.close()
        waiter.set_result((response, keep and not self.dead))

    def _fail(self, exc: BaseException) -> None:
        self.close()
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def close(self) -> None:
        self.dead = True
        self._deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.close()


class HTTPPool:
    """Connections to one origin (``http://host:port`` or ``https://...``, certificates verified)."""

    def __init__(self, base_url: str, *, timeout_s: float, connect_timeout_s: float, max_connections: int,
                 max_response_bytes: int, ssl_context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.ssl = (ssl_context or ssl.create_default_context()) if parts.scheme == "https" else None
        default_port = 443 if parts.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = host if self.port == default_port else f"{host}:{self.port}"
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.max_response_bytes = max_response_bytes
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: deque[_Conn] = deque()
        self._heads: dict[tuple[str, str, str], bytes] = {}
        self._closed = False

    def _head(self, method: str, path: str, content_type: str) -> bytes:
        key = (method, path, content_type)
        head = self._heads.get(key)
        if head is None:
            head = (f"{method} {self.prefix}{path} HTTP/1.1\r\nHost: {self.host_header}\r\n"
                    f"Accept: application/json\r\nAccept-Encoding: identity\r\n"
                    + (f"Content-Type: {content_type}\r\nContent-Length: " if method != "GET" else "")
                    ).encode("latin-1")
            if len(self._heads) < 64:
                self._heads[key] = head
        return head

    async def request(self, method: str, path: str, body: bytes = b"",
                      content_type: str = "application/json") -> HTTPResponse:
        """One exchange; ``path`` is appended to the base URL's path. Raises ``HTTPError`` subclasses."""
        if self._closed:
            raise HTTPError("the client is closed")
        head = self._head(method, path, content_type)
        data = head + (b"%d\r\n\r\n" % len(body) + body if method != "GET" else b"\r\n")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        slots = self._slots
        if slots.locked():
            try:
                async with asyncio.timeout_at(deadline):
                    await slots.acquire()
            except TimeoutError:
                raise HTTPTimeout(f"no connection free within {self.timeout_s} s") from None
        else:
            await slots.acquire()
        try:
            for attempt in (0, 1):
                conn = self._idle_connection() if attempt == 0 else None  # the usual case: no coroutine to await
                reused = conn is not None
                if conn is None:
                    conn = await self._new_connection(loop, deadline)
                try:
                    response, keep = await conn.exchange(data, reused, deadline)
                except _Stale:
                    continue
                except HTTPTimeout:
                    raise HTTPTimeout(f"no answer within {self.timeout_s} s") from None
                except BaseException:  # an error already closed it; a cancellation must too
                    conn.close()
                    raise
                if keep and not self._closed:
                    self._idle.append(conn)
                else:
                    conn.close()
                return response
            raise HTTPError("the server closed the connection before answering")  # pragma: no cover
        finally:
            slots.release()

    def _idle_connection(self) -> _Conn | None:
        """A kept-alive connection that is still open (the closed ones found on the way are dropped)."""
        idle = self._idle
        while idle:
            conn = idle.pop()
            if not conn.dead:
                return conn
            conn.close()
        return None

    async def _new_connection(self, loop: asyncio.AbstractEventLoop, deadline: float) -> _Conn:
        timeout = min(self.connect_timeout_s, deadline - loop.time())
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                _, conn = await loop.create_connection(
                    lambda: _Conn(loop, self.max_response_bytes), self.host, self.port, ssl=self.ssl,
                    server_hostname=self.host if self.ssl is not None else None)
        except TimeoutError:
            raise HTTPTimeout(f"no connection within {self.connect_timeout_s} s") from None
        except OSError as exc:
            raise HTTPError(f"cannot connect: {type(exc).__name__}") from None
        return conn

    async def aclose(self) -> None:
        self._closed = True
        while self._idle:
            self._idle.pop().close()
