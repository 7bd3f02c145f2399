"""Where the gateway's CPU per request goes, stage by stage, measured inside the running gateway.

A copy of the gateway's source (``--src``, default this checkout's) gets one checkpoint call at the end of each
stage of the request path: it charges the thread CPU time (``time.thread_time_ns``) since the previous checkpoint to
that stage. Checkpoints at the entry of each event-loop callback (``loop:*``) charge what the event loop and the
kernel did in between (epoll, the socket reads) to the loop. The main thread's stages therefore add up to its
whole CPU time, which the script checks against ``/proc`` (the audit writer thread and the signing thread, when
used, are not in the table; with one client the record is committed and signed on the event loop).

Why not the parts benchmark (``bench_gateway_parts.py``): it runs each part in a hot loop, where its code and
data stay in the CPU caches. In the gateway each request starts after the upstream ran a millisecond or two of
Python on the same two cores, and every stage pays its cache misses again: the same parts cost 2-7x their hot
figure (``benchmarks/gateway.md``, session 7).

An MLServer (``--mlserver``) serves the digits model as in ``bench_gateway_upstream.py``; one client sends
``--requests`` OIP requests per round through each gateway (``--src`` and, with ``--compare``, a second tree in
the same interleaved rounds); medians over ``--rounds``. Each checkpoint costs ~0.3 us (a system call), ~36 per
request::

    python benchmarks/bench_gateway_stages.py --requests 1500 --rounds 3 --compare /tmp/gw-old/src
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
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
from bench_gateway import process_cpu_s
from bench_gateway_upstream import _CONFIG, _port, _source_root, _wait, start_mlserver, stop_all

_STAGES_MODULE = '''"""Checkpoints of bench_gateway_stages.py (a throwaway copy of the gateway, never the package)."""
import json, os, signal, time
_t = time.thread_time_ns
acc = {}
cnt = {}
last = [0]
def M(name):
    t = _t()
    acc[name] = acc.get(name, 0) + t - last[0]
    cnt[name] = cnt.get(name, 0) + 1
    last[0] = t
def _dump(*_):
    with open(os.environ["MLSECURE_STAGES_OUT"], "w") as f:
        json.dump({"acc": acc, "cnt": cnt}, f)
def _reset(*_):
    acc.clear(); cnt.clear(); last[0] = _t()
signal.signal(signal.SIGUSR1, _dump)
signal.signal(signal.SIGUSR2, _reset)
'''

# (file, a line of the source, where the checkpoint goes: "before" that line or "after" it, at that line's indentation
# or, with "end", at the indentation of the enclosing block's statement after it, the stage's name)
_MARKS: list[tuple[str, str, str, str]] = [
    ("http_server.py", "    def data_received(self, data: bytes) -> None:", "body", "loop:client_in"),
    ("http_server.py", "    def eof_received(self) -> bool | None:", "end", "srv:parse+dispatch (httptools callbacks)"),
    ("http_server.py", "await self.wakeup", "after", "loop:task_wake"),
    ("http_server.py", "if server.direct is not None:", "before", "srv:route (parse_url, path)"),
    ("http_server.py", "self._write(request, *reply)", "after", "srv:write (head + transport.write)"),
    ("http_server.py", "self.wakeup = self.loop.create_future()", "before", "srv:tail"),
    ("app.py", "ip = self.address(call)", "after", "app:entry (direct, _Call, request id)"),
    ("app.py", "blocked = await gw.limiter.auth_blocked(ip)", "after", "auth:lockout check"),
    ("app.py", "if permission not in principal.permissions:", "before", "auth:token"),
    ("app.py", "body = await _read_body(call, self.max_body, actor, untyped=untyped)", "before", "limits:rate"),
    ("app.py", "input_hash = hashlib.sha256(body).hexdigest()", "after", "body + sha256"),
    ("app.py", "        n = len(x)", "before", "oip:decode + validation"),
    ("app.py", "upstream = gw.upstream", "before", "limits:budget"),
    ("upstream.py", "doc = await self._post(_dumps(body))", "before", "upstream:encode"),
    ("http_pool.py", "transport.write(data)", "after", "upstream:send (pool, exchange, write)"),
    ("http_pool.py", "    def data_received(self, data: bytes) -> None:", "body", "loop:upstream_in"),
    ("http_pool.py", "b\"\".join(self._body)), self._keep)", "after", "upstream:parse answer (httptools callbacks)"),
    ("http_pool.py", "response, keep = await conn.exchange(data, reused, deadline)", "after", "loop:upstream_wake"),
    ("upstream.py", "response = await self._client().request(\"POST\", self._path, content)", "after",
     "upstream:pool tail"),
    ("app.py", "if isinstance(proba, list):  # a small", "before", "upstream:answer JSON + check"),
    ("app.py", "return self._answer(request_id, input_hash, x, n, predictions, context, encode,", "before", "harden"),
    ("app.py", "content = response_json(encode(", "after", "answer:encode + canonical JSON"),
    ("app.py", "reply, event_type, outcome, extra = await work(call, principal, request_id)", "after", "answer:tail"),
    ("app.py", "signature = await gw.audit(", "before", "app:audit args"),
    ("gateway.py", "signature, error, flagged = await self.sink.record", "before", "audit:fields"),
    ("audit_sink.py", "result = self.store.append_many([event])[0]", "before", "audit:sink"),
    ("audit_writer.py", "        committed = True", "before", "audit:AuditEvent()"),
    ("../audit/sqlite_store.py", "fcntl.flock(fd, fcntl.LOCK_EX)", "after", "store:group protocol, locks, flock"),
    ("../audit/sqlite_store.py", "conn.execute(\"BEGIN IMMEDIATE\")", "after", "sqlite:BEGIN IMMEDIATE"),
    ("../audit/interface.py", "tail = txn.tail()", "after", "sqlite:tail SELECT"),
    ("../audit/interface.py", "rows, records, _ = chain_events(self._mac, first, prev, events)", "after",
     "store:chain (HMAC, rows, records)"),
    ("../audit/interface.py", "txn.insert(rows)", "after", "sqlite:INSERT"),
    ("../audit/sqlite_store.py", "conn.execute(\"COMMIT\")", "after", "sqlite:COMMIT"),
    ("audit_writer.py", "        if signing is not None:", "before", "store:unlock, results"),
    ("audit_writer.py", "        if committed:\n            for i in written:", "before", "sign (Ed25519)"),
    ("audit_writer.py", "        return results\n\n    def _observe", "before", "extraction monitor"),
    ("app.py", "if signature is not None:  # signed by", "before", "audit:return"),
    ("app.py", "gw.metrics.observe(endpoint, status, time.perf_counter() - t0)", "before", "app:signature headers"),
    ("app.py", "gw.metrics.observe(endpoint, status, time.perf_counter() - t0)", "after", "metrics"),
    ("app.py", "out.append((b\"content-type\", b\"application/json\"))", "before", "app:unwind"),
]


def instrument(src: Path, dest: Path) -> list[str]:
    """Copy ``src`` (a folder holding ``mlsecure``) to ``dest`` with the checkpoints; the marks not placed."""
    shutil.copytree(src / "mlsecure", dest / "mlsecure", ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "mlsecure" / "_gateway_stages.py").write_text(_STAGES_MODULE)
    missing = []
    for name, anchor, where, stage in _MARKS:
        path = dest / "mlsecure" / "serving" / name
        text = path.read_text()
        at = text.find(anchor)
        if at < 0:
            missing.append(f"{name}: {anchor!r}")
            continue
        start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at + len(anchor))
        indent = text[start:len(text) - len(text[start:].lstrip(" "))]
        call = f'_stage_mark("{stage}")\n'
        if where == "before":
            text = text[:start] + indent + call + text[start:]
        elif where == "after":
            text = text[:line_end + 1] + indent + call + text[line_end + 1:]
        elif where == "body":  # first statement of the def on that line
            text = text[:line_end + 1] + indent + "    " + call + text[line_end + 1:]
        else:  # "end": the last statement of the method before the line's def
            cut = len(text[:start].rstrip())
            text = text[:cut] + "\n        " + call.rstrip("\n") + text[cut:]
        path.write_text(text)
    for name in {m[0] for m in _MARKS}:
        path = dest / "mlsecure" / "serving" / name
        text = path.read_text()
        if "_stage_mark(" in text:
            path.write_text(text.replace("from __future__ import annotations\n", "from __future__ import annotations\n"
                                         "from mlsecure._gateway_stages import M as _stage_mark\n", 1))
    return missing


def main_thread_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1] / "src")
    ap.add_argument("--compare", type=Path, help="a second source tree, measured in the same interleaved rounds")
    ap.add_argument("--requests", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mlserver", default=os.environ.get("MLSECURE_MLSERVER", "/work/peers/mlserver/bin/mlserver"))
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    exe = Path(args.mlserver).resolve()
    trees = {"gateway": Path(_source_root(args.src))}
    if args.compare is not None:
        trees["compare"] = Path(_source_root(args.compare))
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        try:
            ml_url = start_mlserver(exe, root, procs)
            sys.path.insert(0, str(trees["gateway"]))
            from mlsecure.serving.tokens import open_token_store

            store = open_token_store(root / "tokens.db")
            token = store.create(name="bench", role="data_scientist").token
            store.close()
            gws: dict[str, dict[str, Any]] = {}
            for name, src in trees.items():
                folder = root / name
                missing = instrument(src, folder / "src")
                for m in missing:
                    print(f"{name}: no checkpoint at {m} (its time goes to the next stage)")
                (folder / "gateway.toml").write_text(_CONFIG.format(
                    store=f"sqlite:///{folder / 'audit.db'}?synchronous=NORMAL", tokens=root / "tokens.db", writer=""))
                port = _port()
                env = {**os.environ, "MLSECURE_AUDIT_HMAC_KEY": secrets.token_hex(32),
                       "PYTHONPATH": str(folder / "src"), "MLSECURE_STAGES_OUT": str(folder / "stages.json")}
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "mlsecure", "gateway", "serve", "--upstream", ml_url, "--protocol", "oip",
                     "--config", str(folder / "gateway.toml"), "--port", str(port)], cwd=folder, env=env,
                    stdout=(folder / "gateway.log").open("wb"), stderr=subprocess.STDOUT))
                _wait(f"http://127.0.0.1:{port}/healthz", procs[-1], folder / "gateway.log")
                gws[name] = {"url": f"http://127.0.0.1:{port}/v2/models/digits/infer", "pid": procs[-1].pid,
                             "out": folder / "stages.json", "rounds": []}
            row = (np.random.default_rng(0).random(64)).round(4).tolist()
            body = json.dumps({"inputs": [{"name": "input-0", "shape": [1, 64], "datatype": "FP32",
                                           "data": row}]}).encode()
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            load = [os.getloadavg()[0]]
            with httpx.Client(timeout=30) as client:
                for g in gws.values():
                    for _ in range(30):
                        client.post(g["url"], content=body, headers=headers)
                for _ in range(args.rounds):
                    for g in gws.values():
                        pid = g["pid"]
                        os.kill(pid, signal.SIGUSR2)
                        time.sleep(0.2)
                        cpu0, ml0 = main_thread_cpu_s(pid), process_cpu_s(procs[0].pid) or 0.0
                        for _ in range(args.requests):
                            r = client.post(g["url"], content=body, headers=headers)
                            if r.status_code != 200:
                                raise SystemExit(f"HTTP {r.status_code}: {r.text[:300]}")
                        os.kill(pid, signal.SIGUSR1)
                        time.sleep(0.3)
                        cpu1, ml1 = main_thread_cpu_s(pid), process_cpu_s(procs[0].pid) or 0.0
                        d = json.loads(g["out"].read_text())
                        n = args.requests
                        g["rounds"].append({
                            "main_thread_cpu_us": (cpu1 - cpu0) / n * 1e6, "mlserver_cpu_us": (ml1 - ml0) / n * 1e6,
                            "stages_us": {k: v / n / 1e3 for k, v in d["acc"].items()},
                            "calls": {k: v / n for k, v in d["cnt"].items()}})
            load.append(os.getloadavg()[0])
        finally:
            stop_all(procs)
    med = statistics.median
    print(f"1 client, {args.requests} requests x {args.rounds} rounds; 1-min load average {load[0]:.1f} before, "
          f"{load[1]:.1f} after")
    names = list(gws)
    table: dict[str, dict[str, float]] = {}
    for name in names:
        rounds = gws[name]["rounds"]
        stages = {k for r in rounds for k in r["stages_us"]}
        table[name] = {k: med([r["stages_us"].get(k, 0.0) for r in rounds]) for k in stages}
        mt, ml = med([r["main_thread_cpu_us"] for r in rounds]), med([r["mlserver_cpu_us"] for r in rounds])
        print(f"{name} ({trees[name]}): main thread {mt:.0f} us/request (/proc), stages add up to "
              f"{sum(table[name].values()):.0f}; MLServer {ml:.0f} us/request in the same rounds")
    order = sorted(table[names[0]], key=lambda k: -table[names[0]][k])
    order += [k for n in names[1:] for k in table[n] if k not in order]
    print("stage".ljust(50) + "".join(f"{n:>12}" for n in names))
    for k in order:
        print(k.ljust(50) + "".join(f"{table[n].get(k, 0.0):12.1f}" for n in names))
    if args.json:
        args.json.write_text(json.dumps({n: {"src": str(trees[n]), "rounds": gws[n]["rounds"], "median": table[n]}
                                         for n in names} | {"load_average": load}, indent=2))


if __name__ == "__main__":
    main()
