"""Throughput and latency of the full mlsecure gateway against two unsecured baselines, same model, same run.

Every server is uvicorn, one worker, on 127.0.0.1, serving the same digits LogisticRegression exported
to ONNX through the same ``Model`` adapter. The two baselines do no security at all:

- ``raw``: the like-for-like baseline. The same raw-ASGI dispatch the gateway uses for ``POST /v1/predict``
  (no FastAPI routing on that path), body parsed and answered with orjson, as the gateway does.
- ``bare``: the naive baseline a team would write first: a FastAPI route, ``await request.json()``,
  stdlib JSON response.

The gateway's ratio to ``raw`` is what its defences cost; its ratio to ``bare`` mixes that with the
faster plumbing it was given, so it flatters the gateway and is shown only beside the other.

The gateway does everything it does by default: token auth (SHA-256 + constant-time
compare), RBAC, per-token rate limits and budgets (``limits``, in memory), input validation, the
PRADA/uniformity extraction monitor, top-k + rounding, an Ed25519 signature over the canonical body and
one audit record per request committed (SQLite WAL, synchronous=FULL, group commit) before the answer;
records, signatures and the monitor run in the gateway's audit writer process, whose CPU is counted with
the server's.

The load generator is a minimal keep-alive HTTP/1.1 client on raw asyncio sockets in its own process
(``--connections`` concurrent connections, closed loop), bounded in time. Rounds are interleaved
(bare, raw, gateway, gateway_normal, then reversed, ...) and medians reported, with the floor: the model's own
``predict_proba`` on one row in-process. Example::

    python benchmarks/bench_gateway.py --seconds 5 --rounds 3 --connections 32            # 1 core, then 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BARE_APP = textwrap.dedent("""
    import sys
    import numpy as np
    import uvicorn
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from mlsecure.artifacts.load import load_model

    model = load_model(sys.argv[1])
    app = FastAPI()

    @app.post("/v1/predict")
    async def predict(request: Request):
        body = await request.json()
        x = np.asarray(body["inputs"], dtype=np.float32)
        return JSONResponse({"predictions": model.predict_proba(x).tolist()})

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
""")

RAW_APP = textwrap.dedent("""
    import sys
    import numpy as np
    import orjson
    import uvicorn
    from mlsecure.artifacts.load import load_model

    model = load_model(sys.argv[1])
    JSON = [(b"content-type", b"application/json")]

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["path"] == "/v1/predict" and scope["method"] == "POST":
            chunks = []
            while True:
                message = await receive()
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            x = np.asarray(orjson.loads(b"".join(chunks))["inputs"], dtype=np.float32)
            body = orjson.dumps({"predictions": model.predict_proba(x)}, option=orjson.OPT_SERIALIZE_NUMPY)
        else:
            body = b'{"status":"ok"}'
        headers = JSON + [(b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
""")

GATEWAY_TOML = """
[model]
name = "digits"
input_range = [0.0, 1.0]

[auth]
token_store = "tokens.db"

[rate_limit]
per_minute = 100000000
per_hour = 100000000
per_day = 100000000

[output]
top_k = 3
decimals = 3

[extraction]
action = "flag"

[audit]
store = "{store}"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_model(root: Path) -> tuple[Path, np.ndarray]:
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    from mlsecure.data import load_builtin

    d = load_builtin("digits")
    if d.y is None:
        raise RuntimeError("the digits data set has no labels")
    model = LogisticRegression(max_iter=500).fit(d.x[:1200], d.y[:1200])
    onx = to_onnx(model, d.x[:1].astype(np.float32), options={"zipmap": False}, target_opset=17)
    path = root / "digits.onnx"
    path.write_bytes(onx.SerializeToString())
    return path, d.x[1200:].astype(np.float32)


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if s.recv(100).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- load generator (runs in a child process) ---------------------------------------------------------


async def _connection(port: int, requests: list[bytes], stop_at: float, latencies: list[float],
                      errors: list[int], offset: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            writer.write(requests[i % len(requests)])
            i += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


def _generate(port: int, requests: list[bytes], seconds: float, connections: int, out: mp.Queue,  # type: ignore[type-arg]
              cpus: set[int] | None = None) -> None:
    if cpus:
        os.sched_setaffinity(0, cpus)
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> None:
        stop_at = time.perf_counter() + seconds
        await asyncio.gather(*(_connection(port, requests, stop_at, latencies, errors, k * 7)
                               for k in range(connections)))

    t0 = time.perf_counter()
    asyncio.run(main())
    out.put((latencies, errors, time.perf_counter() - t0))


def load(port: int, requests: list[bytes], seconds: float, connections: int,
         pid: int | None = None, cpus: set[int] | None = None) -> dict[str, float]:
    """Closed-loop load for ``seconds``; with ``pid``, also the server process's CPU time per request
    (user + system, all its threads, from /proc): what a request costs the server, whatever else runs."""
    q: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    cpu0 = process_cpu_s(pid)
    p = mp.Process(target=_generate, args=(port, requests, seconds, connections, q, cpus))
    p.start()
    latencies, errors, wall = q.get(timeout=seconds + 120)
    cpu1 = process_cpu_s(pid)
    p.join()
    lat = np.asarray(latencies) * 1000
    cpu_us = (cpu1 - cpu0) / len(lat) * 1e6 if cpu0 is not None and cpu1 is not None and len(lat) else float("nan")
    return {"rps": len(lat) / wall, "p50_ms": float(np.percentile(lat, 50)), "p99_ms": float(np.percentile(lat, 99)),
            "requests": len(lat), "errors": len(errors), "cpu_us": cpu_us}


def process_cpu_s(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` and its live child processes (the gateway's audit writer
    runs in one), from Linux /proc; None elsewhere."""
    if pid is None:
        return None
    total = _own_cpu_s(pid)
    if total is None:
        return None
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    for child in children:
        total += process_cpu_s(int(child)) or 0.0
    return total


def _own_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def http_requests(rows: np.ndarray, token: str | None) -> list[bytes]:
    out = []
    for row in rows[:256]:
        body = json.dumps({"inputs": [row.tolist()]}).encode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        out.append((f"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
    return out


def in_process_us(model_path: Path, rows: np.ndarray, root: Path, token: str, *, n: int = 2000,
                  rounds: int = 5, connections: int = 32) -> dict[str, float]:
    """Process CPU time per request of the two apps driven as ASGI callables in this process (no sockets, no
    HTTP parser: what the app itself costs), ``connections`` concurrent callers, rounds interleaved, medians.
    The gateway's audit log here is SQLite with synchronous=FULL; its writer thread's CPU is included."""
    import tomllib

    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    from mlsecure.artifacts.load import load_model
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.app import create_app
    from mlsecure.serving.tokens import open_token_store

    model = load_model(model_path)
    bare = FastAPI()

    async def bare_predict(request: Any) -> Any:
        body = await request.json()
        x = np.asarray(body["inputs"], dtype=np.float32)
        return JSONResponse({"predictions": model.predict_proba(x).tolist()})

    bare_predict.__annotations__["request"] = Request  # this module's annotations are strings FastAPI can't see
    bare.post("/v1/predict")(bare_predict)
    toml = GATEWAY_TOML.format(store=f"sqlite:///{root}/inproc-audit.db").replace(
        'token_store = "tokens.db"', f'token_store = "{root}/tokens.db"')
    toml += f'\n[signing]\nkey_file = "{root}/inproc-signing.pem"\n'  # not the default, relative to the cwd
    from mlsecure.audit import open_store

    gw = build_gateway(parse_config(tomllib.loads(toml), base=root), model=model,
                       token_store=open_token_store(root / "tokens.db"),
                       audit_store=open_store(f"sqlite:///{root}/inproc-audit.db", hmac_key=secrets.token_bytes(32)))
    app = create_app(gw)

    def calls(auth: str | None) -> list[tuple[list[tuple[bytes, bytes]], bytes]]:
        out = []
        for row in rows[:256]:
            body = json.dumps({"inputs": [row.tolist()]}).encode()
            headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                       (b"content-length", str(len(body)).encode())]
            if auth:
                headers.append((b"authorization", f"Bearer {auth}".encode()))
            out.append((headers, body))
        return out

    async def one(target: Any, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/v1/predict", "raw_path": b"/v1/predict", "query_string": b"",
                 "root_path": "", "headers": headers, "client": ("127.0.0.1", 5555), "server": ("127.0.0.1", 80)}
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status = 0

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await target(scope, receive, send)
        return status

    async def drive(target: Any, reqs: list[tuple[list[tuple[bytes, bytes]], bytes]], count: int) -> float:
        left = [count]

        async def worker(k: int) -> None:
            while left[0] > 0:
                left[0] -= 1
                headers, body = reqs[(left[0] + k) % len(reqs)]
                if await one(target, headers, body) != 200:
                    raise RuntimeError("in-process request refused")

        t0 = time.process_time()
        await asyncio.gather(*(worker(k) for k in range(connections)))
        return (time.process_time() - t0) / count * 1e6

    async def main() -> dict[str, list[float]]:
        targets = {"bare": (bare, calls(None)), "gateway": (app, calls(token))}
        for target, reqs in targets.values():
            await drive(target, reqs, 300)
        out: dict[str, list[float]] = {name: [] for name in targets}
        for r in range(rounds):
            for name in (targets if r % 2 == 0 else reversed(list(targets))):
                out[name].append(await drive(*targets[name], n))
        return out

    try:
        res = asyncio.run(main())
    finally:
        gw.close()
    return {name: statistics.median(v) for name, v in res.items()}


def model_floor_us(model_path: Path, rows: np.ndarray, n: int = 2000) -> float:
    from mlsecure.artifacts.load import load_model

    model = load_model(model_path)
    t0 = time.process_time()
    for i in range(n):
        model.predict_proba(rows[i % len(rows)][None])
    return (time.process_time() - t0) / n * 1e6


def component_costs_us(model_path: Path, rows: np.ndarray, root: Path, n: int = 2000) -> dict[str, float]:
    """Process CPU time per request of each defence on its own (one 64-feature row per request)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from mlsecure.artifacts.load import load_model
    from mlsecure.audit import AuditEvent, open_store
    from mlsecure.serving.auth import Authenticator
    from mlsecure.serving.config import parse_config
    from mlsecure.serving.extraction import ExtractionMonitor
    from mlsecure.serving.hardening import OutputPolicy
    from mlsecure.serving.ratelimit import RateLimiter
    from mlsecure.serving.signing import ResponseSigner, canonical_json
    from mlsecure.serving.tokens import SqliteTokenStore
    from mlsecure.serving.validation import InputSchema

    cfg = parse_config({"output": {"top_k": 3, "decimals": 3}})
    model = load_model(model_path)
    bodies = [json.dumps({"inputs": [r.tolist()]}).encode() for r in rows[:256]]
    proba = model.predict_proba(rows[:256])
    labels = proba.argmax(axis=1)
    schema = InputSchema(input_shape=(64,), value_range=(0.0, 1.0), max_batch=64)
    signer = ResponseSigner(Ed25519PrivateKey.generate())
    monitor = ExtractionMonitor(cfg.extraction)
    policy = OutputPolicy(cfg.output)
    rng = np.random.default_rng(0)
    tokens = SqliteTokenStore(root / "component-tokens.db")
    token = tokens.create(name="x", role="data_scientist").token
    auth = Authenticator(tokens)
    time.sleep(0.2)  # let the token file age past the store's "recently changed" window
    limiter = RateLimiter(cfg.rate_limit)
    store = open_store(f"sqlite:///{root}/component-audit.db?synchronous=NORMAL", hmac_key=b"k" * 32)
    payload = {"request_id": "a" * 32, "model": {"name": "d", "version": "1"}, "input_sha256": "b" * 64,
               "predictions": policy.apply(proba[:1], list(range(10)), rng), "served_at": 1.0}

    def event() -> AuditEvent:
        return AuditEvent(event_type="prediction", actor="abc", action="predict", resource="m:1",
                          details={"request_id": "x" * 32, "endpoint": "predict", "status": 200, "rows": 1},
                          input_hash="a" * 64, model_name="m", model_version="1", latency_ms=1.0,
                          ip_address="127.0.0.1", output_summary="3")

    async def limits_once() -> None:
        await limiter.auth_blocked("127.0.0.1")
        await limiter.acquire_rate("client")
        await limiter.acquire_budget("client", 1)

    loop = asyncio.new_event_loop()
    events = [event() for _ in range(n)]
    body = canonical_json(payload)
    work: dict[str, Callable[[int], object]] = {  # [loop]: on the event loop; [writer]: in the audit writer process
        "model.predict_proba (adapter)": lambda i: model.predict_proba(rows[i % 256][None]),
        "[loop] validation (parse body)": lambda i: schema.parse(bodies[i % 256]),
        "[loop] authentication (token)": lambda i: auth.authenticate("Bearer " + token),
        "[loop] rate limits + budgets": lambda i: loop.run_until_complete(limits_once()),
        "[loop] output hardening": lambda i: policy.apply(proba[i % 256][None], list(range(10)), rng),
        "[loop] canonical JSON": lambda i: canonical_json(payload),
        "[writer] Ed25519 sign": lambda i: signer.sign(body),
        "[writer] extraction monitor": lambda i: monitor.observe("c", rows[i % 256][None],
                                                                 labels[i % 256:i % 256 + 1]),
        "[writer] audit event construction": lambda i: event(),
        "[writer] audit append (batches of 32)": lambda i: store.append_many(events[i:i + 32]) if i % 32 == 0 else None,
    }
    out = {}
    for name, fn in work.items():
        t0 = time.process_time()
        for i in range(n):
            fn(i)
        out[name] = (time.process_time() - t0) / n * 1e6
    loop.close()
    store.close()
    tokens.close()
    return out


SERVERS = ("bare", "raw", "gateway", "gateway_normal")


def http_rounds(root: Path, model_path: Path, rows: np.ndarray, token: str, env: dict[str, str],
                args: argparse.Namespace, cores: int) -> dict[str, dict[str, float]]:
    """Start the four servers, run interleaved closed-loop rounds, stop them; medians per server.

    ``cores=1``: each server (and the gateway's audit writer, which inherits it) pinned to CPU 0 and the
    load generator to CPU 1, so a server gets exactly one core; ``cores=2``: nothing pinned (the server may
    use both cores, but the load generator competes for them)."""
    server_cpus = {0} if cores == 1 else None
    client_cpus = {1} if cores == 1 else None

    def pin() -> None:
        if server_cpus:
            os.sched_setaffinity(0, server_cpus)

    ports = {name: free_port() for name in SERVERS}
    cmds = {"bare": [sys.executable, str(root / "bare.py"), str(model_path), str(ports["bare"])],
            "raw": [sys.executable, str(root / "raw.py"), str(model_path), str(ports["raw"])]}
    for name, toml in (("gateway", "gateway.toml"), ("gateway_normal", "gateway-normal.toml")):
        cmds[name] = [sys.executable, "-m", "mlsecure", "gateway", "serve", "--model", str(model_path), "--config",
                      str(root / toml), "--port", str(ports[name])]
    procs = {name: subprocess.Popen(cmd, env=env, cwd=root, preexec_fn=pin) for name, cmd in cmds.items()}
    try:
        for name in SERVERS:
            wait_ready(ports[name], procs[name])
        reqs = {name: http_requests(rows, None if name in ("bare", "raw") else token) for name in SERVERS}
        for name in SERVERS:  # warm-up
            load(ports[name], reqs[name], 1.0, args.connections, cpus=client_cpus)
        results: dict[str, list[dict[str, float]]] = {name: [] for name in SERVERS}
        for r in range(args.rounds):
            for name in (SERVERS if r % 2 == 0 else SERVERS[::-1]):  # A B C D, D C B A, ...: no drift bias
                res = load(ports[name], reqs[name], args.seconds, args.connections, procs[name].pid, client_cpus)
                results[name].append(res)
                print(f"{cores} core(s) round {r + 1} {name:14s} {res['rps']:8.0f} req/s  p50 {res['p50_ms']:6.2f} ms  "
                      f"p99 {res['p99_ms']:6.2f} ms  server CPU {res['cpu_us']:5.0f} us/req  "
                      f"({res['requests']:.0f} requests, {res['errors']:.0f} non-200)", flush=True)
    finally:
        for proc in procs.values():
            stop(proc)
    med = {name: {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50_ms", "p99_ms", "cpu_us")}
           for name, rs in results.items()}
    for name in ("gateway", "gateway_normal"):
        for base in ("raw", "bare"):
            med[name][f"paired_{base}"] = statistics.median(
                g["rps"] / b["rps"] for g, b in zip(results[name], results[base], strict=True))
    return med


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="length of one measurement round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per server (interleaved)")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--cores", choices=("1", "2", "both"), default="both",
                    help="server pinned to one core (load generator on the other), unpinned, or both runs")
    args = ap.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model_path, rows = build_model(root)
        (root / "bare.py").write_text(BARE_APP)
        (root / "raw.py").write_text(RAW_APP)
        (root / "gateway.toml").write_text(GATEWAY_TOML.format(store="audit.db"))
        (root / "gateway-normal.toml").write_text(
            GATEWAY_TOML.format(store=f"sqlite:///{root}/audit-normal.db?synchronous=NORMAL"))
        env = {**os.environ, "MLSECURE_AUDIT_HMAC_KEY": secrets.token_hex(32)}
        from mlsecure.serving.tokens import open_token_store

        store = open_token_store(root / "tokens.db")
        token = store.create(name="bench", role="data_scientist").token
        store.close()
        settings = [1, 2] if args.cores == "both" else [int(args.cores)]
        meds = {cores: http_rounds(root, model_path, rows, token, env, args, cores) for cores in settings}
        load_after = os.getloadavg()
        audit_check(root / "audit.db", env)
        audit_check(root / "audit-normal.db", env)
        floor = model_floor_us(model_path, rows)
        costs = component_costs_us(model_path, rows, root)
        inproc = in_process_us(model_path, rows, root, token)

    print()
    for cores, med in meds.items():
        print(f"{'server':14s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'CPU us/req':>11s}   "
              f"({cores} core(s) for the server; medians of {args.rounds} rounds of {args.seconds:g} s, "
              f"{args.connections} connections, 1 uvicorn worker)")
        for name, m in med.items():
            print(f"{name:14s} {m['rps']:8.0f} {m['p50_ms']:8.2f} {m['p99_ms']:8.2f} {m['cpu_us']:11.0f}")
        for name in ("gateway", "gateway_normal"):
            for base in ("raw", "bare"):
                print(f"  {name} / {base}: throughput {med[name]['rps'] / med[base]['rps']:.2f} (median of per-round "
                      f"ratios {med[name][f'paired_{base}']:.2f}); CPU per request {base} / {name} "
                      f"{med[base]['cpu_us'] / med[name]['cpu_us']:.2f}")
    print("raw: the same raw-ASGI + orjson /v1/predict path as the gateway, no security (like for like); "
          "bare: naive FastAPI route with stdlib JSON")
    print("gateway: audit commits with synchronous=FULL (fsync per group commit: survives power loss); "
          "gateway_normal: synchronous=NORMAL (survives a process crash / SIGKILL, not a power cut)")
    print(f"floor: model.predict_proba on one row in-process: {floor:.0f} us CPU "
          f"(= {1e6 / floor:.0f} rows/s on one core)")
    print("per-request CPU of each part on its own (us):")
    for name, us in costs.items():
        print(f"  {name:37s} {us:7.1f}")
    for where in ("loop", "writer"):
        print(f"  {f'sum of the [{where}] parts':37s} "
              f"{sum(v for k, v in costs.items() if k.startswith(f'[{where}]')):7.1f}")
    print(f"in-process (ASGI callables, no sockets, audit writer in a thread; CPU per request, medians of 5 "
          f"interleaved rounds): bare "
          f"{inproc['bare']:.0f} us, gateway {inproc['gateway']:.0f} us "
          f"(gateway adds {inproc['gateway'] - inproc['bare']:.0f} us)")
    print(f"cpu cores visible: {os.cpu_count()}; 1-min load average before {load_before[0]:.1f}, "
          f"after the HTTP rounds {load_after[0]:.1f}")
    return 0


def audit_check(path: Path, env: dict[str, str]) -> None:
    from mlsecure.audit import open_store

    store = open_store(path, hmac_key=env["MLSECURE_AUDIT_HMAC_KEY"])
    try:
        result = store.verify()
        print(f"audit log {path.name}: {result.records_checked} records, "
              f"chain {'verifies' if result.ok else 'BROKEN'}")
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())
