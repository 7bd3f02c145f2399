"""A lean pooled HTTP/1.1 keep-alive client on asyncio streams, for the gateway's upstream calls.

Why not httpx: per call, httpx (httpcore, anyio, h11) cost about seven times this client's CPU (1.6-1.8 ms
against 0.20-0.23 ms for the same POST to MLServer; ``benchmarks/gateway.md``), as much as the rest of the
gateway together. This client does only what the upstream call needs: ``POST`` (and ``GET``) a body, read one
response, and keep the connection for the next request. Defences kept:

- a connection pool of at most ``max_connections`` (callers beyond it wait), idle connections reused LIFO;
- one deadline for the whole exchange (``timeout_s``) and one for connecting (``connect_timeout_s``):
  ``HTTPTimeout``;
- the response head at most 64 KiB and 100 header fields; the body at most ``max_response_bytes``, read as
  ``Content-Length`` or ``Transfer-Encoding: chunked`` (chunk-size lines bounded, trailers bounded) or, without
  either, until the connection closes; both at once, a malformed length, several differing lengths, a
  transfer coding other than chunked or any ``Content-Encoding`` but identity (we ask for identity: no
  decompression, so no compression bomb) are ``HTTPProtocolError``;
- interim 1xx answers are skipped (at most 8); a connection is reused only after a complete, framed
  HTTP/1.1 answer without ``Connection: close``; any failure, timeout or cancellation closes it;
- a reused connection the server closed while idle (no byte of an answer) is retried once on a new one;
- no redirects, no proxies from the environment, no cookies.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEAD_BYTES = 65_536
MAX_HEADERS = 100
MAX_INTERIM = 8
_LINE_LIMIT = 1024  # a chunk-size line or a trailer line
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""A header field name (RFC 9110 token): no spaces, no control characters."""


class HTTPError(Exception):
    """The exchange failed (connection refused or reset, bad answer, answer too large)."""


class HTTPTimeout(HTTPError):
    """The connection or the answer did not come in time."""


class HTTPProtocolError(HTTPError):
    """The server's answer is not HTTP/1.x as this client accepts it."""


class HTTPTooLarge(HTTPError):
    """The answer's head or body exceeds its limit."""


class _Stale(Exception):
    """A reused connection was closed by the server before any byte of the answer (safe to retry)."""


@dataclass(frozen=True, slots=True)
class HTTPResponse:
    status: int
    headers: list[tuple[str, str]]
    """(lower-case name, value) in the order received."""
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


class _Conn:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


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
        self._closed = False

    async def request(self, method: str, path: str, body: bytes = b"",
                      content_type: str = "application/json") -> HTTPResponse:
        """One exchange; ``path`` is appended to the base URL's path. Raises ``HTTPError`` subclasses."""
        if self._closed:
            raise HTTPError("the client is closed")
        head = (f"{method} {self.prefix}{path} HTTP/1.1\r\nHost: {self.host_header}\r\n"
                f"Accept: application/json\r\nAccept-Encoding: identity\r\n"
                + (f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n" if method != "GET" else "")
                + "\r\n").encode("latin-1")
        async with self._slots:
            try:
                async with asyncio.timeout(self.timeout_s):
                    for attempt in (0, 1):
                        conn, reused = await self._connection(attempt > 0)
                        try:
                            response, keep = await self._exchange(conn, head + body, reused)
                        except _Stale:
                            conn.close()
                            continue
                        except BaseException:
                            conn.close()
                            raise
                        if keep and not self._closed:
                            self._idle.append(conn)
                        else:
                            conn.close()
                        return response
                    raise HTTPError("the server closed the connection before answering")  # pragma: no cover
            except TimeoutError:
                raise HTTPTimeout(f"no answer within {self.timeout_s} s") from None

    async def _connection(self, fresh: bool) -> tuple[_Conn, bool]:
        while self._idle and not fresh:
            conn = self._idle.pop()
            if not conn.reader.at_eof() and not conn.writer.is_closing():
                return conn, True
            conn.close()
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                reader, writer = await asyncio.open_connection(
                    self.host, self.port, ssl=self.ssl, limit=MAX_HEAD_BYTES,
                    server_hostname=self.host if self.ssl is not None else None)
        except TimeoutError:
            raise HTTPTimeout(f"no connection within {self.connect_timeout_s} s") from None
        except OSError as exc:
            raise HTTPError(f"cannot connect: {type(exc).__name__}") from None
        return _Conn(reader, writer), False

    async def _exchange(self, conn: _Conn, data: bytes, reused: bool) -> tuple[HTTPResponse, bool]:
        reader = conn.reader
        try:
            conn.writer.write(data)
            await conn.writer.drain()
            for _ in range(MAX_INTERIM + 1):
                try:
                    raw = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as exc:
                    if reused and not exc.partial:
                        raise _Stale from None
                    raise HTTPError("the server closed the connection in the answer's head") from None
                except asyncio.LimitOverrunError:
                    raise HTTPTooLarge(f"answer head larger than {MAX_HEAD_BYTES} bytes") from None
                reused = False
                version, status, headers = _parse_head(raw)
                if status >= 200:
                    break
                if status == 101:
                    raise HTTPProtocolError("the server switched protocols")
            else:
                raise HTTPProtocolError(f"more than {MAX_INTERIM} interim answers")
            body, framed = await self._body(reader, headers)
        except (ConnectionError, OSError) as exc:
            if reused:
                raise _Stale from None
            raise HTTPError(f"connection failed: {type(exc).__name__}") from None
        keep = framed and version == "HTTP/1.1" and not any(
            k == "connection" and "close" in v.lower() for k, v in headers)
        return HTTPResponse(status, headers, body), keep

    async def _body(self, reader: asyncio.StreamReader, headers: list[tuple[str, str]]) -> tuple[bytes, bool]:
        """The body and whether it was framed (so the connection can carry the next request)."""
        limit = self.max_response_bytes
        length: int | None = None
        chunked = False
        for key, value in headers:
            if key == "content-length":
                v = value.strip()
                if not v.isdigit() or (length is not None and int(v) != length):
                    raise HTTPProtocolError(f"bad Content-Length {value[:40]!r}")
                length = int(v)
            elif key == "transfer-encoding":
                codings = [c.strip().lower() for c in value.split(",")]
                if codings != ["chunked"] or chunked:
                    raise HTTPProtocolError(f"unsupported Transfer-Encoding {value[:40]!r}")
                chunked = True
            elif key == "content-encoding" and value.strip().lower() not in ("identity", ""):
                raise HTTPProtocolError(f"unrequested Content-Encoding {value[:40]!r}")
        if chunked and length is not None:
            raise HTTPProtocolError("both Content-Length and Transfer-Encoding")
        try:
            if length is not None:
                if length > limit:
                    raise HTTPTooLarge(f"answer larger than {limit} bytes")
                return await reader.readexactly(length), True
            if chunked:
                return await _read_chunked(reader, limit), True
            data = await reader.read(limit + 1)
            parts = [data]
            size = len(data)
            while data and size <= limit:
                data = await reader.read(limit + 1 - size)
                parts.append(data)
                size += len(data)
            if size > limit:
                raise HTTPTooLarge(f"answer larger than {limit} bytes")
            return b"".join(parts), False
        except asyncio.IncompleteReadError:
            raise HTTPError("the server closed the connection in the answer's body") from None

    async def aclose(self) -> None:
        self._closed = True
        while self._idle:
            self._idle.pop().close()


def _parse_head(raw: bytes) -> tuple[str, int, list[tuple[str, str]]]:
    lines = raw[:-4].decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if len(status_line) < 2 or status_line[0] not in ("HTTP/1.1", "HTTP/1.0") or not status_line[1].isdigit() \
            or len(status_line[1]) != 3:
        raise HTTPProtocolError(f"not an HTTP/1.x status line: {lines[0][:60]!r}")
    if len(lines) - 1 > MAX_HEADERS:
        raise HTTPProtocolError(f"more than {MAX_HEADERS} header fields")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or _TOKEN.fullmatch(name) is None:
            raise HTTPProtocolError(f"malformed header line {line[:60]!r}")
        headers.append((name.lower(), value.strip(" \t")))
    return status_line[0], int(status_line[1]), headers


async def _read_chunked(reader: asyncio.StreamReader, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        line = await _line(reader)
        text = line.split(b";", 1)[0].strip()
        if not text or len(text) > 16 or any(c not in b"0123456789abcdefABCDEF" for c in text):
            raise HTTPProtocolError(f"bad chunk size line {line[:40]!r}")
        n = int(text, 16)
        if n == 0:
            break
        size += n
        if size > limit:
            raise HTTPTooLarge(f"answer larger than {limit} bytes")
        parts.append(await reader.readexactly(n))
        if await reader.readexactly(2) != b"\r\n":
            raise HTTPProtocolError("chunk not followed by CRLF")
    trailers = 0
    while await _line(reader):  # trailers, ignored, until the empty line
        trailers += 1
        if trailers > MAX_HEADERS:
            raise HTTPProtocolError(f"more than {MAX_HEADERS} trailer fields")
    return b"".join(parts)


async def _line(reader: asyncio.StreamReader) -> bytes:
    try:
        line = await reader.readuntil(b"\r\n")
    except asyncio.LimitOverrunError:
        raise HTTPProtocolError("chunk framing line too long") from None
    if len(line) > _LINE_LIMIT:
        raise HTTPProtocolError("chunk framing line too long")
    return line[:-2]
