"""The gateway's built-in HTTP/1.1 server (``serving.http_server``), driven over real sockets on 127.0.0.1:
malformed input, pipelining, keep-alive, oversized and chunked bodies, slow clients, and the same answers and
audit records as the ASGI app gives through httpx's in-process transport."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from mlsecure.serving.http_server import HttpServer
from mlsecure.serving.signing import verify_response


@contextlib.contextmanager
def running(app: Any, **kwargs: Any) -> Iterator[tuple[int, HttpServer]]:
    """``app`` served by an ``HttpServer`` on a thread of its own (its own event loop); yields the port."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = HttpServer(app, **{"max_body_bytes": 1000, **kwargs})
    errors: list[BaseException] = []

    def main() -> None:
        try:
            asyncio.run(server.serve([sock]))
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    _sockets.clear()
    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and not errors and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, errors
    try:
        yield sock.getsockname()[1], server
    finally:
        server.loop.call_soon_threadsafe(server.stop)
        thread.join(timeout=10)
        sock.close()
        for s in _sockets:
            s.close()
    assert not errors, errors


_sockets: list[socket.socket] = []


class Raw:
    """A raw client socket that reads HTTP/1.1 answers framed by Content-Length."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        _sockets.append(self.sock)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return bool(chunk)

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buf:
            assert self._fill(), f"connection closed; got {self.buf!r}"
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        size = int(headers.get("content-length", "0"))
        while len(self.buf) < size:
            assert self._fill(), "connection closed inside a body"
        body, self.buf = self.buf[:size], self.buf[size:]
        return status, headers, body

    def closed(self) -> bool:
        """True when the server closed the connection (end of file) with nothing more to read."""
        try:
            return not self._fill() and not self.buf
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with what it saw: method, path, query, the body's length and a header."""
    if scope["type"] != "http":
        return
    message = await receive()
    body = message["body"]
    headers = dict(scope["headers"])
    doc = {"method": scope["method"], "path": scope["path"], "query": scope["query_string"].decode(),
           "size": len(body), "x": headers.get(b"x-tag", b"").decode(), "client": scope["client"][0]}
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(doc).encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def test_keep_alive_and_pipelined_requests_are_answered_in_order() -> None:
    with running(echo_app) as (port, _):
        c = Raw(port)
        c.send(b"GET /a?x=1 HTTP/1.1\r\nHost: t\r\nX-Tag: one\r\n\r\n")
        status, headers, body = c.answer()
        assert status == 200 and json.loads(body) == {"method": "GET", "path": "/a", "query": "x=1", "size": 0,
                                                      "x": "one", "client": "127.0.0.1"}
        assert "connection" not in headers  # kept alive
        # three requests in one write, the last one split across two writes
        c.send(b"POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
               b"GET /c%20d HTTP/1.1\r\nHost: t\r\nX-Tag: two\r\n\r\nPOST /e HTTP/1.1\r\nHost: t\r\n")
        c.send(b"Content-Length: 2\r\nConnection: close\r\n\r\nxy")
        got = [c.answer() for _ in range(3)]
        assert [(json.loads(b)["path"], json.loads(b)["size"], json.loads(b)["x"]) for _, _, b in got] == \
            [("/b", 3, ""), ("/c d", 0, "two"), ("/e", 2, "")]
        assert got[2][1]["connection"] == "close" and c.closed()
        c.close()


def test_malformed_requests_get_400_and_the_connection_closes() -> None:
    with running(echo_app) as (port, _):
        for junk in (b"GARBAGE\r\n\r\n",
                     b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                     b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
                     b"POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"):
            c = Raw(port)
            c.send(junk)
            status, headers, _ = c.answer()
            assert status == 400 and headers["connection"] == "close", junk
            assert c.closed()
            c.close()
        # an answer already owed is written before the refusal of what follows it
        c = Raw(port)
        c.send(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\nNOT HTTP AT ALL\r\n\r\n")
        assert c.answer()[0] == 200 and c.answer()[0] == 400 and c.closed()
        c.close()


def test_head_limits_url_length_and_header_count() -> None:
    with running(echo_app) as (port, _):
        c = Raw(port)
        c.send(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.answer()[0] == 414 and c.closed()
        c = Raw(port)
        c.send(b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(101)) + b"\r\n")
        assert c.answer()[0] == 431 and c.closed()
        c.close()


def test_head_answers_carry_no_body() -> None:
    with running(echo_app) as (port, _):
        c = Raw(port)
        c.send(b"HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n")
        while c.buf.count(b"\r\n\r\n") < 2 or not c.buf.endswith(b"}"):
            assert c._fill()
        head, rest = c.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 200") and b"content-length: " in head
        assert rest.startswith(b"HTTP/1.1 200")  # no body between the HEAD answer and the next one
        c.buf = rest
        assert json.loads(c.answer()[2])["path"] == "/after"
        c.close()


def test_chunked_bodies_and_oversized_bodies() -> None:
    with running(echo_app, max_body_bytes=100) as (port, _):
        c = Raw(port)
        c.send(b"POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        c.send(b"6\r\n world\r\n0\r\n\r\n")
        status, _, body = c.answer()
        assert status == 200 and json.loads(body)["size"] == 11
        # past the limit: the app gets the first limit+1 bytes at once, the connection closes after its answer
        c.send(b"POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + b"64\r\n" + b"a" * 100
               + b"\r\n" + b"64\r\n" + b"b" * 100 + b"\r\n")
        status, headers, body = c.answer()
        assert json.loads(body)["size"] == 101 and headers["connection"] == "close" and c.closed()
        c.close()
        c = Raw(port)  # a declared length past the limit: answered before any byte of the body is sent
        c.send(b"POST /declared HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n")
        status, headers, body = c.answer()
        assert json.loads(body)["size"] == 0 and headers["connection"] == "close" and c.closed()
        c.close()


def test_slow_clients_get_408_and_idle_connections_close() -> None:
    with running(echo_app, request_timeout_s=0.3, keepalive_timeout_s=0.3) as (port, _):
        c = Raw(port)
        c.send(b"POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")  # 7 bytes never come
        t0 = time.monotonic()
        status, headers, _ = c.answer()
        assert status == 408 and headers["connection"] == "close" and c.closed()
        assert 0.25 < time.monotonic() - t0 < 3
        c.close()
        c = Raw(port)  # a head that trickles in, a byte at a time, is also cut at the deadline
        t0 = time.monotonic()
        with contextlib.suppress(OSError):
            for byte in b"GET / HTTP/1.1\r\nHost: t\r\nX-Long: " + b"z" * 100:
                c.send(bytes([byte]))
                time.sleep(0.02)
        assert c.answer()[0] == 408 and time.monotonic() - t0 < 3
        c.close()
        c = Raw(port)
        c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.answer()[0] == 200
        t0 = time.monotonic()
        assert c.closed() and 0.2 < time.monotonic() - t0 < 3  # idle keep-alive: closed without an answer
        c.close()



def test_deadlines_move_without_a_timer_per_request() -> None:
    """The one timer per connection (session 6): a keep-alive connection used more often than its timeout stays
    open (the deadline moves on, the early timer re-arms), closes once idle for the timeout, and a request
    deadline shorter than the pending keep-alive timer still fires on time (the timer is moved earlier)."""
    with running(echo_app, request_timeout_s=0.2, keepalive_timeout_s=0.8) as (port, server):
        c = Raw(port)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:  # 1.25 keep-alive timeouts, a request every 0.1 s
            c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            assert c.answer()[0] == 200
            time.sleep(0.1)
        (conn,) = list(server.connections)
        assert conn.timer is not None and conn.deadline is not None
        t0 = time.monotonic()
        c.send(b"POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")  # 7 bytes never come
        status, headers, _ = c.answer()
        assert status == 408 and headers["connection"] == "close" and c.closed()
        assert 0.15 < time.monotonic() - t0 < 0.7  # the request's 0.2 s, not the pending keep-alive's 0.8 s
        c.close()
        c = Raw(port)
        c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.answer()[0] == 200
        t0 = time.monotonic()
        assert c.closed() and 0.7 < time.monotonic() - t0 < 3
        c.close()
        deadline = time.monotonic() + 3
        while server.connections and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not server.connections

def test_an_app_failure_is_a_500_and_the_server_goes_on() -> None:
    async def broken(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] == "/boom":
            raise RuntimeError("bug")
        await echo_app(scope, receive, send)

    with running(broken) as (port, _):
        c = Raw(port)
        c.send(b"GET /boom HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.answer()[0] == 500 and c.closed()
        c.close()
        c = Raw(port)
        c.send(b"GET /fine HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.answer()[0] == 200
        c.close()


# --- the gateway behind it: same answers and audit records as the ASGI path -------------------------------


@pytest.fixture
def gateway(tmp_path: Path, digits_onnx: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from mlsecure.artifacts.load import load_model
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.app import create_app
    from mlsecure.serving.tokens import open_token_store

    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "ab" * 32)
    cfg = parse_config({
        "model": {"name": "digits", "version": "7", "input_range": [0.0, 1.0], "max_batch": 8},
        "auth": {"token_store": str(tmp_path / "tokens.db")},
        "server": {"max_body_bytes": 4000},
        "output": {"top_k": 3, "decimals": 3},
        "signing": {"key_file": str(tmp_path / "signing.pem")},
        "audit": {"store": str(tmp_path / "audit.db"), "writer": "thread"},
    }, base=tmp_path)
    tokens = open_token_store(tmp_path / "tokens.db")
    scientist = tokens.create(name="ds", role="data_scientist").token
    gw = build_gateway(cfg, model=load_model(digits_onnx), token_store=tokens, seed=0)
    yield create_app(gw), gw, scientist
    gw.close()


_VOLATILE = {"request_id", "served_at", "id"}


def _stable(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _stable(v) for k, v in doc.items() if k not in _VOLATILE}
    return doc


def _requests(token: str, rows: np.ndarray) -> list[tuple[str, str, dict[str, str], bytes]]:
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    oip = {"inputs": [{"name": "input-0", "shape": [2, 64], "datatype": "FP32", "data": rows[:2].ravel().tolist()}]}
    return [
        ("POST", "/v1/predict", auth, json.dumps({"inputs": rows[:2].tolist()}).encode()),
        ("POST", "/v2/models/digits/infer", auth, json.dumps(oip).encode()),
        ("POST", "/v1/predict", {"Content-Type": "application/json"}, b'{"inputs": [[0.5]]}'),
        ("POST", "/v1/predict", auth, b'{"inputs": [[0.5]]}'),
        ("POST", "/v1/predict", auth, b"x" * 5000),
        ("GET", "/v1/models", auth, b""),
        ("GET", "/v2/models/digits", auth, b""),
        ("GET", "/v1/nothing", {}, b""),
        ("GET", "/healthz", {}, b""),
        # answered by GatewayApp.direct in the built-in server (no ASGI scope): the same as through ASGI
        ("GET", "/v2/health/ready", {}, b""),
        ("POST", "/v2/health/live", {}, b""),
        ("POST", "/v2/models/other/infer", auth, json.dumps(oip).encode()),
        ("POST", "/v2/models/digits%2Fx/infer", auth, json.dumps(oip).encode()),
    ]


def test_same_answers_and_audit_records_as_the_asgi_path(gateway: Any, natural_queries: np.ndarray) -> None:
    app, gw, token = gateway
    requests = _requests(token, natural_queries)

    async def via_asgi() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 4444))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            return [await c.request(m, p, headers=h, content=b) for m, p, h, b in requests]

    asgi = asyncio.run(via_asgi())
    n_asgi = len(list(gw.store.query()))
    with running(app, max_body_bytes=4000) as (port, _), \
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
        served = [c.request(m, p, headers=h, content=b) for m, p, h, b in requests]
    records = [r.event for r in gw.store.query()]
    assert [r.status_code for r in served] == [r.status_code for r in asgi] == \
        [200, 200, 401, 422, 413, 200, 200, 404, 200, 200, 405, 404, 404]
    for a, b in zip(asgi, served, strict=True):
        assert _stable(a.json()) == _stable(b.json())
        assert a.headers.get("content-type") == b.headers.get("content-type")
        assert ("x-signature" in a.headers) == ("x-signature" in b.headers)
    for r in served[:2]:
        assert verify_response(r.content, r.headers["X-Signature"], gw.signer.public_key)
    # the audit records: the same events, field by field, and the lifespan's start and stop around them
    first, second = records[:n_asgi], records[n_asgi:]
    assert [(e.event_type, e.action) for e in (second[0], second[-1])] == [("config_change", "start"),
                                                                          ("config_change", "stop")]

    def key(e: Any) -> tuple[Any, ...]:
        d = {k: v for k, v in e.details.items() if k != "request_id"}
        return (e.event_type, e.actor, e.action, e.outcome, e.input_hash, e.output_summary, e.ip_address,
                json.dumps(d, sort_keys=True))

    assert [key(e) for e in first] == [key(e) for e in second[1:-1]]
    assert {b.headers["x-request-id"] for b in served[:2]} <= {e.event_id for e in second}
    assert gw.store.verify().ok
