"""The gateway's upstream HTTP client alone: CPU per call of ``serving.http_pool.HTTPPool`` against the same client
from another source tree (``--baseline-src``, e.g. the asyncio-streams client before session 5), in one process.

A small upstream runs in a child process (an asyncio ``Protocol`` answering every POST with the same 420-byte
JSON body, ``Content-Length`` framed, keep-alive: MLServer's answer to one digits row, without the model). This
process runs both clients on uvloop (the gateway's loop), one call at a time over one kept-alive connection, in
alternating rounds, and reports the process CPU time (user + system) per call of each, median over the rounds,
and the per-round ratio. Only the client's own work is measured: the upstream is another process.

    python benchmarks/bench_gateway_client.py --baseline-src /tmp/gw-old --calls 2000 --rounds 7
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

_SERVER = r"""
import asyncio, sys
BODY = b'{"model_name":"digits","model_version":"1","id":"0f6c3e2e-8d3b-4a5e-9a57-7f1e2b3c4d5e","parameters":{},' \
       b'"outputs":[{"name":"predict_proba","shape":[1,10],"datatype":"FP64","parameters":{"content_type":"np"},' \
       b'"data":[0.0001,0.0002,0.0003,0.9981,0.0001,0.0004,0.0001,0.0002,0.0003,0.0002]}]}'
HEAD = b"HTTP/1.1 200 OK\r\ndate: Mon, 07 Dec 2026 00:00:00 GMT\r\nserver: uvicorn\r\ncontent-length: " + \
       str(len(BODY)).encode() + b"\r\ncontent-type: application/json\r\n\r\n"
class P(asyncio.Protocol):
    def connection_made(self, t): self.t, self.buf = t, b""
    def data_received(self, d):
        self.buf += d
        while b"\r\n\r\n" in self.buf:
            head, _, rest = self.buf.partition(b"\r\n\r\n")
            n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
            if len(rest) < n: return
            self.buf = rest[n:]
            self.t.write(HEAD + BODY)
async def main():
    s = await asyncio.get_running_loop().create_server(P, "127.0.0.1", 0)
    print(s.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def _load(src: Path, name: str) -> ModuleType:
    for root in (src, src / "src"):
        path = root / "mlsecure" / "serving" / "http_pool.py"
        if path.is_file():
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # dataclasses look their module up there
            spec.loader.exec_module(module)
            return module
    raise SystemExit(f"{src}: no mlsecure/serving/http_pool.py in it or in its src/ folder")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline-src", type=Path, required=True)
    ap.add_argument("--calls", type=int, default=2000, help="calls per round and client")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    import uvloop

    clients = {"this": _load(Path(__file__).resolve().parents[1], "pool_this"),
               "baseline": _load(args.baseline_src, "pool_baseline")}
    server = subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE)
    assert server.stdout is not None
    url = f"http://127.0.0.1:{int(server.stdout.readline())}"
    body = json.dumps({"inputs": [{"name": "input-0", "shape": [1, 64], "datatype": "FP32", "data": [0.5] * 64}],
                       "outputs": [{"name": "predict_proba"}]}).encode()
    cpu: dict[str, list[float]] = {name: [] for name in clients}

    async def run() -> None:
        pools = {name: m.HTTPPool(url, timeout_s=10, connect_timeout_s=5, max_connections=1,
                                  max_response_bytes=1 << 20) for name, m in clients.items()}
        try:
            for pool in pools.values():  # warm: connection, caches
                for _ in range(200):
                    assert (await pool.request("POST", "/v2/models/digits/infer", body)).status == 200
            for _ in range(args.rounds):
                for name, pool in pools.items():
                    t0 = time.process_time()
                    for _ in range(args.calls):
                        await pool.request("POST", "/v2/models/digits/infer", body)
                    cpu[name].append((time.process_time() - t0) / args.calls)
        finally:
            for pool in pools.values():
                await pool.aclose()

    load = os.getloadavg()[0]
    try:
        uvloop.run(run())
    finally:
        server.terminate()
        server.wait()
    ratios = [t / b for t, b in zip(cpu["this"], cpu["baseline"], strict=True)]
    result: dict[str, Any] = {
        "load_average_1min_before": round(load, 2), "calls_per_round": args.calls, "rounds": args.rounds,
        "cpu_us_per_call": {n: round(statistics.median(v) * 1e6, 1) for n, v in cpu.items()},
        "rounds_cpu_us_per_call": {n: [round(x * 1e6, 1) for x in v] for n, v in cpu.items()},
        "rounds_ratio_this_over_baseline": [round(r, 3) for r in ratios],
        "median_ratio": round(statistics.median(ratios), 3)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
