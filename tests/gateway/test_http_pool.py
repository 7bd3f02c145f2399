"""The gateway's upstream HTTP/1.1 client (``serving.http_pool``) against scripted raw-socket servers.

Each server answers every request on a connection with the next scripted byte string (or an action:
close, hang), and counts connections and requests, so framing (Content-Length, chunked, read to close),
keep-alive reuse, the pool's bound, the limits and the timeouts are checked on the wire.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

from mlsecure.serving.http_pool import (
    HTTPError,
    HTTPPool,
    HTTPProtocolError,
    HTTPTimeout,
    HTTPTooLarge,
)

Script = Callable[[int, bytes], Any]
"""(request number on the server, raw request head+body) -> bytes to send, "close", "hang", ("close", bytes),
("hang", bytes: send them, then hang) or ("drip", bytes, seconds: one byte at a time)."""


class _Server:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests: list[bytes] = []
        self.open_now = 0
        self.max_open = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                raw = head + await reader.readexactly(length)
                self.requests.append(raw)
                action = self.script(len(self.requests), raw)
                if action == "close":
                    return
                if action == "hang":
                    await asyncio.sleep(30)
                    return
                if isinstance(action, tuple) and action[0] == "drip":  # one byte every action[2] seconds
                    for byte in action[1]:
                        writer.write(bytes([byte]))
                        await writer.drain()
                        await asyncio.sleep(action[2])
                    continue
                if isinstance(action, tuple):
                    writer.write(action[1])
                    await writer.drain()
                    if action[0] == "hang":
                        await asyncio.sleep(30)
                    return
                writer.write(action)
                await writer.drain()
                await asyncio.sleep(0)
        finally:
            self.open_now -= 1
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


def _ok(body: bytes = b'{"ok":1}', extra: str = "") -> bytes:
    return (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
            .encode() + body)


_LOOP: list[Callable[[], asyncio.AbstractEventLoop] | None] = [None]


@pytest.fixture(autouse=True, params=["asyncio", "uvloop"])
def _event_loop(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every wire test runs on asyncio's loop and on uvloop's (the gateway's), whose transports differ."""
    _LOOP[0] = pytest.importorskip("uvloop").new_event_loop if request.param == "uvloop" else None
    yield
    _LOOP[0] = None


def _run(script: Script, work: Callable[[HTTPPool, _Server], Any], **kw: Any) -> Any:
    async def main() -> Any:
        server = _Server(script)
        url = await server.start()
        pool = HTTPPool(url, timeout_s=kw.pop("timeout_s", 2.0), connect_timeout_s=1.0,
                        max_connections=kw.pop("max_connections", 4),
                        max_response_bytes=kw.pop("max_response_bytes", 1000))
        try:
            return await work(pool, server)
        finally:
            await pool.aclose()
            await server.stop()

    return _on_loop(main())


def _on_loop(coro: Coroutine[Any, Any, Any]) -> Any:
    with asyncio.Runner(loop_factory=_LOOP[0]) as runner:
        return runner.run(coro)


def test_keep_alive_reuses_one_connection_and_sends_a_well_formed_request() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        answers = [await pool.request("POST", "/v2/models/m/infer", b'{"x":1}') for _ in range(5)]
        return answers, server

    answers, server = _run(lambda i, raw: _ok(b'{"n":%d}' % i), work)
    assert [a.body for a in answers] == [b'{"n":%d}' % i for i in range(1, 6)]
    assert all(a.status == 200 and a.header("content-type") == "application/json" for a in answers)
    assert server.connections == 1
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /v2/models/m/infer HTTP/1.1"
    assert "Content-Length: 7" in lines and "Accept-Encoding: identity" in lines
    assert any(line.startswith("Host: 127.0.0.1:") for line in lines)
    assert body == b'{"x":1}'


def test_chunked_body_with_extensions_and_trailers() -> None:
    wire = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"4;ext=1\r\n{\"a\"\r\n5\r\n:123}\r\n0\r\nX-Trailer: t\r\n\r\n")

    async def work(pool: HTTPPool, server: _Server) -> Any:
        first = await pool.request("POST", "/p", b"{}")
        second = await pool.request("POST", "/p", b"{}")
        return first, second, server.connections

    first, second, connections = _run(lambda i, raw: wire, work)
    assert first.body == second.body == b'{"a":123}'
    assert connections == 1  # a chunked answer is framed: the connection carries the next request


def test_body_read_to_close_without_length_is_not_reused() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        a = await pool.request("POST", "/p", b"{}")
        b = await pool.request("POST", "/p", b"{}")
        return a.body, b.body, server.connections

    a, b, connections = _run(lambda i, raw: ("close", b"HTTP/1.1 200 OK\r\n\r\n[1,2,3]"), work)
    assert a == b == b"[1,2,3]" and connections == 2


def test_http_1_0_and_connection_close_are_not_reused() -> None:
    answers = [b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", _ok(b"{}", "Connection: close\r\n")]
    for wire in answers:
        async def work(pool: HTTPPool, server: _Server) -> Any:
            for _ in range(3):
                assert (await pool.request("POST", "/p", b"{}")).body == b"{}"
            return server.connections

        assert _run(lambda i, raw, w=wire: w, work) == 3


def test_interim_100_is_skipped() -> None:
    wire = b"HTTP/1.1 100 Continue\r\n\r\n" + _ok(b"[7]")

    async def work(pool: HTTPPool, server: _Server) -> Any:
        return (await pool.request("POST", "/p", b"{}")).body

    assert _run(lambda i, raw: wire, work) == b"[7]"


@pytest.mark.parametrize(("wire", "error"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}", HTTPProtocolError),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", HTTPProtocolError),
    (b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n{}", HTTPProtocolError),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", HTTPProtocolError),
    (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}", HTTPProtocolError),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", HTTPProtocolError),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", HTTPProtocolError),
    (b"HTTP/2 200\r\n\r\n", HTTPProtocolError),
    (b"HTTP/1.1 2000 OK\r\n\r\n", HTTPProtocolError),
    (b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", HTTPProtocolError),
    (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", HTTPProtocolError),
    (b"HTTP/1.1 100 Continue\r\n\r\n" * 9 + b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", HTTPProtocolError),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\n", HTTPTooLarge),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1f4\r\n" + b"x" * 500 + b"\r\n"
     + b"1f4\r\n" + b"x" * 500 + b"\r\n" + b"1\r\nx\r\n0\r\n\r\n", HTTPTooLarge),
    (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", HTTPTooLarge),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", HTTPError),  # closed inside the body
    (b"HTTP/1.1 200 OK\r\nContent-Le", HTTPError),  # closed inside the head
])
def test_malformed_or_oversized_answers_fail(wire: bytes, error: type[Exception]) -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(error):
            await pool.request("POST", "/p", b"{}")
        return server.connections

    assert _run(lambda i, raw: ("close", wire), work) == 1


def test_read_to_close_body_over_the_limit_fails() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(HTTPTooLarge):
            await pool.request("POST", "/p", b"{}")

    _run(lambda i, raw: ("close", b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 1001), work)


def test_timeout_closes_the_connection_and_the_next_request_works() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(HTTPTimeout):
            await pool.request("POST", "/p", b"{}")
        answer = await pool.request("POST", "/p", b"{}")
        return answer.body, server.connections

    body, connections = _run(lambda i, raw: "hang" if i == 1 else _ok(b"[1]"), work, timeout_s=0.3)
    assert body == b"[1]" and connections == 2  # the hung connection was not reused


def test_a_kept_alive_connection_times_out_at_each_exchanges_own_deadline() -> None:
    """One timer per connection: an answered exchange leaves it pending; when it fires during the next exchange (whose
    deadline is later) it re-arms instead of failing it, when it fires on an idle connection it does nothing, and a
    hung exchange still fails at its own deadline."""
    errors: list[Any] = []

    async def work(pool: HTTPPool, server: _Server) -> Any:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _, context: errors.append(context))
        first = await pool.request("POST", "/p", b"{}")
        await asyncio.sleep(0.3)
        second = await pool.request("POST", "/p", b"{}")  # dripped for >= 0.25 s: the first deadline passes meanwhile
        await asyncio.sleep(0.6)  # idle past every deadline: the pending timer finds nothing to time out
        third = await pool.request("POST", "/p", b"{}")
        failed_callbacks = list(errors)  # (the hung server task is cancelled at the end: not the pool's)
        t1 = loop.time()
        with pytest.raises(HTTPTimeout):
            await pool.request("POST", "/p", b"{}")
        return first.body, second.body, third.body, loop.time() - t1, server.connections, failed_callbacks

    def answer(i: int, raw: bytes) -> Any:
        if i == 2:
            return ("drip", b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n[2]", 0.006)
        return "hang" if i == 4 else _ok(b"[%d]" % i)

    first, second, third, hung_for, connections, failed = _run(answer, work, timeout_s=0.5)
    assert (first, second, third) == (b"[1]", b"[2]", b"[3]") and connections == 1 and failed == []
    assert 0.45 <= hung_for < 3.0  # the fourth exchange timed out at its own deadline


def test_a_connection_closed_while_idle_is_retried_once_on_a_new_one() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        first = await pool.request("POST", "/p", b"{}")
        await asyncio.sleep(0.05)  # the server closes the idle connection meanwhile
        second = await pool.request("POST", "/p", b"{}")
        return first.body, second.body, server.connections, len(server.requests)

    # request 1 answered then the server closes; pool thinks it is reusable (HTTP/1.1, framed)
    first, second, connections, requests = _run(
        lambda i, raw: ("close", _ok(b"[1]")) if i == 1 else _ok(b"[2]"), work)
    assert (first, second) == (b"[1]", b"[2]") and connections == 2 and requests == 2


def test_refused_connection_is_an_http_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def main() -> None:
        pool = HTTPPool(f"http://127.0.0.1:{port}", timeout_s=1, connect_timeout_s=1, max_connections=1,
                        max_response_bytes=100)
        with pytest.raises(HTTPError) as info:
            await pool.request("POST", "/p", b"{}")
        assert not isinstance(info.value, HTTPTimeout)
        await pool.aclose()

    _on_loop(main())


def test_pool_bounds_concurrent_connections() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        answers = await asyncio.gather(*(pool.request("POST", "/p", b"{}") for _ in range(12)))
        return [a.status for a in answers], server.max_open, server.connections

    statuses, max_open, connections = _run(lambda i, raw: _ok(b"{}"), work, max_connections=3)
    assert statuses == [200] * 12
    assert max_open <= 3 and connections <= 3


def test_base_path_and_bad_urls() -> None:
    async def main() -> bytes:
        server = _Server(lambda i, raw: _ok())
        url = await server.start()
        pool = HTTPPool(url + "/prefix/", timeout_s=1, connect_timeout_s=1, max_connections=1,
                        max_response_bytes=100)
        try:
            await pool.request("GET", "/v2/models/m")
            return server.requests[0]
        finally:
            await pool.aclose()
            await server.stop()

    raw = _on_loop(main())
    assert raw.startswith(b"GET /prefix/v2/models/m HTTP/1.1\r\n") and b"Content-Length" not in raw
    for bad in ("ftp://x/", "http:///nohost", "localhost:8080"):
        with pytest.raises(ValueError):
            HTTPPool(bad, timeout_s=1, connect_timeout_s=1, max_connections=1, max_response_bytes=1)


@pytest.mark.parametrize("wire", [
    b"FOO BAR\r\n\r\n",  # garbage status line
    b"ICE/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",  # llhttp's other protocols are not HTTP
    b"HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}",  # bare LF
    b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n{}",
])
def test_garbage_status_lines_and_heads_are_protocol_errors(wire: bytes) -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(HTTPProtocolError):
            await pool.request("POST", "/p", b"{}")

    _run(lambda i, raw: ("hang", wire), work)  # refused from the bytes, not by the server closing


def test_garbage_split_into_single_bytes_is_refused_too() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(HTTPProtocolError, match=r"not an HTTP/1\.x answer"):
            await pool.request("POST", "/p", b"{}")

    _run(lambda i, raw: ("drip", b"HTTP/2.0 200 OK\r\n\r\n", 0.001), work)


def test_answer_dripped_byte_by_byte_is_assembled() -> None:
    wire = _ok(b'{"slow":true}')

    async def work(pool: HTTPPool, server: _Server) -> Any:
        first = await pool.request("POST", "/p", b"{}")
        second = await pool.request("POST", "/p", b"{}")
        return first.body, second.body, server.connections

    assert _run(lambda i, raw: ("drip", wire, 0.0), work) == (b'{"slow":true}', b'{"slow":true}', 1)


@pytest.mark.parametrize("wire", [b"", b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}"])
def test_slow_headers_or_body_time_out(wire: bytes) -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(HTTPTimeout):
            await pool.request("POST", "/p", b"{}")
        return loop.time() - start, len(server.requests)

    elapsed, requests = _run(lambda i, raw: ("hang", wire), work, timeout_s=0.3)
    assert 0.25 < elapsed < 1.5 and requests == 1  # one deadline, no retry


def test_a_slow_drip_cannot_outlast_the_deadline() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(HTTPTimeout):
            await pool.request("POST", "/p", b"{}")

    _run(lambda i, raw: ("drip", _ok(b"x" * 200), 0.01), work, timeout_s=0.3)


def test_an_interim_answer_then_the_close_is_not_an_answer() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(HTTPError, match="closed the connection"):
            await pool.request("POST", "/p", b"{}")

    _run(lambda i, raw: ("close", b"HTTP/1.1 100 Continue\r\n\r\n"), work)


def test_truncated_chunked_body_fails() -> None:
    wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\""

    async def work(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(HTTPError, match="in the answer's body"):
            await pool.request("POST", "/p", b"{}")

    _run(lambda i, raw: ("close", wire), work)


def test_oversized_body_without_length_fails_while_it_streams() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(HTTPTooLarge):
            await pool.request("POST", "/p", b"{}")

    _run(lambda i, raw: ("hang", b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 5000), work)  # no need to wait for the close


def test_many_header_fields_and_trailers_are_bounded() -> None:
    fields = "".join(f"X-{n}: v\r\n" for n in range(101)).encode()
    trailers = b"".join(b"T-%d: v\r\n" % n for n in range(101))
    for wire in (b"HTTP/1.1 200 OK\r\n" + fields + b"Content-Length: 0\r\n\r\n",
                 b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailers + b"\r\n"):
        async def work(pool: HTTPPool, server: _Server) -> Any:
            with pytest.raises(HTTPProtocolError, match="header fields"):
                await pool.request("POST", "/p", b"{}")

        _run(lambda i, raw, w=wire: ("hang", w), work)


def test_bytes_after_the_answer_keep_the_answer_but_not_the_connection() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        first = await pool.request("POST", "/p", b"{}")
        second = await pool.request("POST", "/p", b"{}")
        return first.body, second.body, server.connections

    wire = _ok(b"[1]") + b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n[9]"
    assert _run(lambda i, raw: wire, work) == (b"[1]", b"[1]", 2)


def test_unasked_bytes_on_an_idle_connection_retire_it() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        first = await pool.request("POST", "/p", b"{}")
        await asyncio.sleep(0.05)  # the stray bytes arrive while the connection is idle
        second = await pool.request("POST", "/p", b"{}")
        return first.body, second.body, server.connections

    wire = _ok(b"[1]")
    assert _run(lambda i, raw: wire if i > 1 else ("drip", wire + b"junk", 0.0), work) == (b"[1]", b"[1]", 2)


def test_a_reused_connection_reset_before_answering_is_retried_once() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        first = await pool.request("POST", "/p", b"{}")
        second = await pool.request("POST", "/p", b"{}")  # request 2 is dropped unanswered; 3 answers on a new one
        return first.body, second.body, server.connections, len(server.requests)

    script = {1: _ok(b"[1]"), 2: "close"}
    assert _run(lambda i, raw: script.get(i, _ok(b"[3]")), work) == (b"[1]", b"[3]", 2, 3)


def test_no_second_retry_and_no_retry_on_a_fresh_connection() -> None:
    async def fresh(pool: HTTPPool, server: _Server) -> Any:
        with pytest.raises(HTTPError, match="before answering"):
            await pool.request("POST", "/p", b"{}")
        return server.connections, len(server.requests)

    assert _run(lambda i, raw: "close", fresh) == (1, 1)  # a new connection closed unanswered: no retry

    async def reused(pool: HTTPPool, server: _Server) -> Any:
        await pool.request("POST", "/p", b"{}")
        with pytest.raises(HTTPError, match="before answering"):
            await pool.request("POST", "/p", b"{}")  # reused -> dropped, retried once on a new one -> dropped
        return server.connections, len(server.requests)

    assert _run(lambda i, raw: _ok() if i == 1 else "close", reused) == (2, 3)


def test_a_reused_connection_closed_mid_answer_is_not_retried() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        await pool.request("POST", "/p", b"{}")
        with pytest.raises(HTTPError, match="in the answer's head"):
            await pool.request("POST", "/p", b"{}")
        return len(server.requests)

    assert _run(lambda i, raw: _ok() if i == 1 else ("close", b"HTTP/1.1 200"), work) == 2


def test_cancelling_a_request_closes_its_connection() -> None:
    async def work(pool: HTTPPool, server: _Server) -> Any:
        task = asyncio.ensure_future(pool.request("POST", "/p", b"{}"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        answer = await pool.request("POST", "/p", b"{}")
        return answer.body, server.connections

    assert _run(lambda i, raw: "hang" if i == 1 else _ok(b"[2]"), work) == (b"[2]", 2)


def test_waiting_for_a_free_connection_counts_against_the_deadline() -> None:
    """The first request holds the only connection (hanging server, 30 s deadline) for the whole test, so the
    second, with a 0.3 s deadline, can only time out while waiting for a slot: no race between the two."""
    async def work(pool: HTTPPool, server: _Server) -> Any:
        first = asyncio.ensure_future(pool.request("POST", "/p", b"{}"))
        while not server.requests:  # the first has the connection and its request is on the server
            await asyncio.sleep(0.01)
        pool.timeout_s = 0.3  # read once per request, when it starts: the first keeps its 30 s deadline
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(HTTPTimeout, match=r"no connection free within 0\.3 s"):
            await pool.request("POST", "/p", b"{}")
        elapsed = loop.time() - start
        still_busy = not first.done()
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return elapsed, still_busy, len(server.requests)

    elapsed, still_busy, requests = _run(lambda i, raw: "hang", work, timeout_s=30.0, max_connections=1)
    assert 0.25 < elapsed < 10 and still_busy  # timed out by its own deadline, the connection never freed
    assert requests == 1  # the second never got a connection
