"""The proxy floor: a do-nothing HTTP/1.1 reverse proxy with the gateway's own parts and no defence at all.

It parses each request with httptools in an asyncio ``Protocol`` (uvloop when installed, as the gateway's
server), forwards the body unchanged to the upstream with the gateway's upstream client
(``serving.http_pool.HTTPPool``: keep-alive pool, one write per request) and writes the upstream's body back
in one ``transport.write``. No authentication, no validation, no JSON parsing, no audit record, no signature.
``bench_gateway_upstream.py`` runs it in the same interleaved rounds as the gateway, so the reader sees how much
of the gateway's CPU per request is the defences and how much any Python proxy on this machine pays.

    python benchmarks/bench_gateway_floor.py --upstream http://127.0.0.1:8080 --port 9000
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import httptools

from mlsecure.serving.http_pool import HTTPPool


class _Floor(asyncio.Protocol):
    def __init__(self, pool: HTTPPool) -> None:
        self.pool = pool
        self.parser = httptools.HttpRequestParser(self)
        self.transport: Any = None
        self.url = b""
        self.body: list[bytes] = []
        self.queue: asyncio.Queue[tuple[str, bytes, bytes]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.task = asyncio.get_running_loop().create_task(self._serve())

    def connection_lost(self, exc: Exception | None) -> None:
        if self.task is not None:
            self.task.cancel()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.queue.put_nowait((self.parser.get_method().decode("latin-1"), self.url, b"".join(self.body)))
        self.url, self.body = b"", []

    async def _serve(self) -> None:
        while True:
            method, url, body = await self.queue.get()
            try:
                r = await self.pool.request(method, url.decode("latin-1"), body)
                status, content = r.status, r.body
            except Exception:
                status, content = 502, b'{"error":"upstream"}'
            self.transport.write(b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                                 % (status, len(content), content))


async def serve(upstream: str, host: str, port: int) -> None:
    pool = HTTPPool(upstream, timeout_s=30, connect_timeout_s=5, max_connections=64, max_response_bytes=1 << 24)
    server = await asyncio.get_running_loop().create_server(lambda: _Floor(pool), host, port)
    async with server:
        await server.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.upstream, args.host, args.port))


if __name__ == "__main__":
    main()
