"""What the gateway adds in front of a real model server: latency (p50) and CPU per request.

An MLServer (scikit-learn runtime, digits LogisticRegression, one process: ``parallel_workers = 0``) runs on
127.0.0.1 from its own virtual environment (``--mlserver``, default ``$MLSECURE_MLSERVER`` or
``/work/peers/mlserver/bin/mlserver``). ``mlsecure gateway serve --upstream URL --protocol oip`` runs in front
of it with every defence on (token auth, RBAC, limits and budgets, validation, top-k + rounding, the
extraction monitor, Ed25519 signatures, one audit record per request committed before the answer; the audit
writer process's CPU is counted with the gateway's).

One client (httpx, one keep-alive connection, closed loop, one row per request) sends the same OIP
``/v2/models/digits/infer`` row straight to MLServer (asking for the ``predict_proba`` output, as the gateway
does) and through the gateway, in interleaved rounds; medians of the rounds are reported. Added latency =
p50(gateway path) - p50(direct). CPU per request is user + system time from /proc of each server process
over its round, divided by the round's requests: MLServer's process, the gateway's process and its audit
writer child separately. ``--audit-sync NORMAL`` opens the SQLite audit log with ``synchronous=NORMAL`` (no
fsync per commit: safe against a crash of the process, not of the machine). The 1-minute load average is
printed: on a shared machine every figure moves with it. Example::

    python benchmarks/bench_gateway_upstream.py --requests 300 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gateway import _own_cpu_s, process_cpu_s  # the same /proc accounting as the gateway benchmark

_TRAIN = """
import joblib
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
x, y = load_digits(return_X_y=True)
joblib.dump(LogisticRegression(max_iter=500).fit(x[:1200] / 16.0, y[:1200]), "model.joblib")
"""
_CONFIG = """
[model]
name = "digits"
version = "1"
input_range = [0.0, 1.0]

[rate_limit]
per_minute = 0
per_hour = 0
per_day = 0

[audit]
store = "{store}"
{writer}
[auth]
token_store = "{tokens}"
"""


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server did not start: {log.read_text()[-2000:]}")


def start_mlserver(exe: Path, root: Path, procs: list[subprocess.Popen[bytes]]) -> str:
    """Train the digits model into ``root``, start MLServer on it in-process (no parallel workers), append the
    process to ``procs`` and return its URL once the model is ready."""
    subprocess.run([str(exe.parent / "python"), "-c", _TRAIN], cwd=root, check=True)
    ml_port = _port()
    (root / "settings.json").write_text(json.dumps({
        "http_port": ml_port, "grpc_port": _port(), "metrics_port": _port(), "host": "127.0.0.1",
        "parallel_workers": 0, "debug": False}))
    (root / "model-settings.json").write_text(json.dumps({
        "name": "digits", "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "1"},
        "inputs": [{"name": "input-0", "datatype": "FP32", "shape": [-1, 64]}]}))
    ml_log = root / "mlserver.log"
    proc = subprocess.Popen([str(exe), "start", str(root)], cwd=root, stdout=ml_log.open("wb"),
                            stderr=subprocess.STDOUT)
    procs.append(proc)
    ml_url = f"http://127.0.0.1:{ml_port}"
    _wait(f"{ml_url}/v2/models/digits/ready", proc, ml_log)
    return ml_url


def stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    """Terminate the servers a benchmark started, newest first; kill any that does not exit in 20 s."""
    for p in reversed(procs):
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def _round(clients: list[httpx.Client], url: str, body: bytes, headers: dict[str, str], n: int,
           pids: list[int]) -> tuple[float, list[float]]:
    """``n`` requests from each client at once (closed loop): (p50 ms, CPU seconds per request of each pid's
    process tree; a negative pid: that process without its children)."""
    from concurrent.futures import ThreadPoolExecutor

    def run(client: httpx.Client) -> list[float]:
        lat = []
        for _ in range(n):
            t0 = time.perf_counter()
            r = client.post(url, content=body, headers=headers)
            lat.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise SystemExit(f"{url}: HTTP {r.status_code}: {r.text[:300]}")
        return lat

    def cpu(p: int) -> float:  # a negative pid: that process alone, without its children
        return (_own_cpu_s(-p) if p < 0 else process_cpu_s(p)) or 0.0

    cpu0 = [cpu(p) for p in pids]
    with ThreadPoolExecutor(len(clients)) as pool:
        lat = [t for part in pool.map(run, clients) for t in part]
    cpu1 = [cpu(p) for p in pids]
    total = n * len(clients)
    return float(np.percentile(np.asarray(lat) * 1000, 50)), [(b - a) / total for a, b in zip(cpu0, cpu1, strict=True)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=300, help="requests per round and path")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=1, help="clients at once, each on its own connection")
    ap.add_argument("--mlserver", default=os.environ.get("MLSECURE_MLSERVER", "/work/peers/mlserver/bin/mlserver"))
    ap.add_argument("--audit-sync", choices=("FULL", "NORMAL"), default="FULL",
                    help="the SQLite audit log's synchronous mode (FULL, the default, fsyncs every commit)")
    ap.add_argument("--baseline-src", type=Path,
                    help="also run a second gateway from this source tree (a checkout of an earlier commit or its "
                         "src/ folder) in the same interleaved rounds")
    ap.add_argument("--uvicorn", action="store_true",
                    help="also run the same gateway under uvicorn ([server] http = \"uvicorn\") in the same rounds")
    ap.add_argument("--thread-writer", action="store_true",
                    help="also run the same gateway with its audit writer in a thread of the gateway process "
                         "([audit] writer = \"thread\"), in the same rounds")
    ap.add_argument("--process-writer", action="store_true",
                    help="also run the same gateway with its audit writer in a child process ([audit] writer = "
                         "\"process\"), in the same rounds (the gateway itself runs with its default writer)")
    ap.add_argument("--no-floor", action="store_true",
                    help="do not run the proxy floor (bench_gateway_floor.py: httptools + the gateway's upstream "
                         "client, no defence) in the same rounds")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    exe = Path(args.mlserver).resolve()
    if not exe.is_file():
        raise SystemExit(f"no MLServer at {exe}: python3 -m venv DIR && DIR/bin/pip install mlserver mlserver-sklearn")
    if args.baseline_src is not None:
        _source_root(args.baseline_src)  # refuse a wrong path before starting anything
    procs: list[subprocess.Popen[bytes]] = []
    gateways: dict[str, Path | None] = {"gateway": None}
    if args.baseline_src is not None:
        gateways["baseline"] = args.baseline_src
    if args.uvicorn:
        gateways["uvicorn"] = None
    if args.thread_writer:
        gateways["thread_writer"] = None
    if args.process_writer:
        gateways["process_writer"] = None
    if not args.no_floor:
        gateways["floor"] = None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        try:
            ml_url = start_mlserver(exe, root, procs)

            from mlsecure.serving.tokens import open_token_store

            store = open_token_store(root / "tokens.db")
            token = store.create(name="bench", role="data_scientist").token
            store.close()
            urls: dict[str, str] = {}
            pids: dict[str, int] = {}
            for name, src in gateways.items():
                gw_port = _port()
                folder = root / name
                folder.mkdir()
                writer = {"thread_writer": 'writer = "thread"\n', "process_writer": 'writer = "process"\n'}
                (folder / "gateway.toml").write_text(_CONFIG.format(  # otherwise each code's default writer
                    store=f"sqlite:///{folder / 'audit.db'}?synchronous={args.audit_sync}",
                    tokens=root / "tokens.db", writer=writer.get(name, ""))
                    + ('\n[server]\nhttp = "uvicorn"\n' if name == "uvicorn" else ""))
                env = {**os.environ, "MLSECURE_AUDIT_HMAC_KEY": secrets.token_hex(32)}
                # the gateway runs the code this script imports (a relative PYTHONPATH would not survive cwd)
                import mlsecure

                env["PYTHONPATH"] = _source_root(src) if src is not None else \
                    str(Path(mlsecure.__file__).resolve().parents[1])
                gw_log = folder / "gateway.log"
                cmd = [sys.executable, "-m", "mlsecure", "gateway", "serve", "--upstream", ml_url, "--protocol",
                       "oip", "--config", str(folder / "gateway.toml"), "--port", str(gw_port)] if name != "floor" \
                    else [sys.executable, str(Path(__file__).resolve().parent / "bench_gateway_floor.py"),
                          "--upstream", ml_url, "--port", str(gw_port)]
                procs.append(subprocess.Popen(cmd, cwd=folder, env=env, stdout=gw_log.open("wb"),
                                              stderr=subprocess.STDOUT))
                urls[name] = f"http://127.0.0.1:{gw_port}"
                pids[name] = procs[-1].pid
                _wait(f"{urls[name]}/healthz" if name != "floor" else f"{urls[name]}/v2/models/digits/ready",
                      procs[-1], gw_log)

            rng = np.random.default_rng(0)
            from sklearn.datasets import load_digits

            row = (load_digits().data[rng.integers(0, 1797)] / 16.0).astype(np.float32)
            tensor = {"name": "input-0", "shape": [1, 64], "datatype": "FP32", "data": row.tolist()}
            body = json.dumps({"inputs": [tensor]}).encode()
            direct_body = json.dumps({"inputs": [tensor], "outputs": [{"name": "predict_proba"}]}).encode()
            direct_h = {"Content-Type": "application/json"}
            gw_h = {**direct_h, "Authorization": f"Bearer {token}"}
            path = "/v2/models/digits/infer"
            ml_pid = procs[0].pid
            load_before = os.getloadavg()
            direct: list[float] = []
            up_cpu: list[float] = []
            per: dict[str, dict[str, list[float]]] = {
                n: {"p50": [], "cpu": [], "writer": [], "upstream": []} for n in gateways}
            clients = [httpx.Client(timeout=30) for _ in range(args.concurrency)]
            try:
                for c in clients:
                    for _ in range(20):  # warm every path (connections, caches, the audit writer process)
                        c.post(ml_url + path, content=direct_body, headers=direct_h)
                        for url in urls.values():
                            c.post(url + path, content=body, headers=gw_h)
                for _ in range(args.rounds):
                    p50, (ml_c,) = _round(clients, ml_url + path, direct_body, direct_h, args.requests, [ml_pid])
                    direct.append(p50)
                    up_cpu.append(ml_c)
                    for name, url in urls.items():
                        sent = direct_body if name == "floor" else body  # the floor forwards it unchanged
                        p50, (ml_c, gw_c, own_c) = _round(clients, url + path, sent, gw_h, args.requests,
                                                          [ml_pid, pids[name], -pids[name]])
                        per[name]["p50"].append(p50)
                        per[name]["cpu"].append(gw_c)
                        per[name]["writer"].append(gw_c - own_c)
                        per[name]["upstream"].append(ml_c)
            finally:
                for c in clients:
                    c.close()
            load_after = os.getloadavg()
        finally:
            stop_all(procs)
    med = statistics.median
    res: dict[str, Any] = {
        "requests_per_round": args.requests * args.concurrency, "rounds": args.rounds,
        "concurrency": args.concurrency, "audit_sync": args.audit_sync, "server_modules": _server_modules(),
        "load_average_1min_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
        "cpu_cores": os.cpu_count(), "baseline_pythonpath": _source_root(args.baseline_src) if args.baseline_src
        else None,
        "direct_p50_ms": med(direct), "upstream_cpu_us_per_request": med(up_cpu) * 1e6,
        "rounds_direct_p50_ms": direct,
    }
    print(f"{args.concurrency} client(s) at once; cpu cores {os.cpu_count()}; 1-min load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; audit log synchronous={args.audit_sync}; "
          f"uvicorn with {res['server_modules']}")
    print(f"direct to MLServer   p50 {res['direct_p50_ms']:.2f} ms   "
          f"upstream CPU {res['upstream_cpu_us_per_request']:.0f} us/request")
    for name, m in per.items():
        prefix = "" if name == "gateway" else f"{name}_"
        cpu = med(m["cpu"])
        res.update({
            f"{prefix}gateway_p50_ms": med(m["p50"]), f"{prefix}added_p50_ms": med(m["p50"]) - med(direct),
            f"{prefix}gateway_cpu_us_per_request": cpu * 1e6,
            f"{prefix}audit_writer_cpu_us_per_request": med(m["writer"]) * 1e6,
            f"{prefix}upstream_cpu_us_per_request_via_gateway": med(m["upstream"]) * 1e6,
            f"{prefix}gateway_cpu_over_upstream_cpu": cpu / med(up_cpu) if med(up_cpu) else float("nan"),
            f"{prefix}rounds_gateway_p50_ms": m["p50"],
            f"{prefix}rounds_cpu_us_per_request": [c * 1e6 for c in m["cpu"]],
            f"{prefix}rounds_upstream_cpu_us_per_request": [c * 1e6 for c in m["upstream"]],
            f"{prefix}median_round_ratio_to_upstream_meanwhile": med(
                [c / u for c, u in zip(m["cpu"], m["upstream"], strict=True) if u]),
        })
        print(f"{name:<20} p50 {med(m['p50']):.2f} ms (added {med(m['p50']) - med(direct):.2f})   "
              f"CPU {cpu * 1e6:.0f} us/request (audit writer {med(m['writer']) * 1e6:.0f}; upstream meanwhile "
              f"{med(m['upstream']) * 1e6:.0f}) = {100 * cpu / med(up_cpu):.0f}% of the upstream's; "
              f"per round / MLServer's CPU in that round: "
              f"{100 * res[f'{prefix}median_round_ratio_to_upstream_meanwhile']:.0f}% (median)")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))


def _source_root(src: Path) -> str:
    """The folder holding the ``mlsecure`` package of ``src`` (a checkout or its ``src/`` folder). Strict: a
    wrong path must not silently fall back to the installed mlsecure (before 2026-12-07 ``--baseline-src
    X/src`` did, so such "baseline" figures measured the installed code)."""
    for root in (src, src / "src"):
        if (root / "mlsecure" / "__init__.py").is_file():
            return str(root.resolve())
    raise SystemExit(f"--baseline-src {src}: no mlsecure package in it or in its src/ folder")


def _server_modules() -> str:
    """What uvicorn picks with its defaults (http="auto", loop="auto") in this environment."""
    import importlib.util

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{http} + {loop}"


if __name__ == "__main__":
    main()
