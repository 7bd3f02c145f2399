"""Where the gateway's CPU per request goes, part by part, with the thread's own CPU clock.

Three in-process measurements of what one request with one client costs (one record per audit batch, as a
closed-loop client sends them), each part timed with ``time.thread_time`` over ``--requests`` repetitions
(cProfile adds a fixed cost to every small call and so inflates exactly the parts this is about):

- the audit writer's work for one record (``audit_writer.BatchWork.run`` on a real SQLite log,
  ``synchronous=NORMAL``, a real signer and the extraction monitor), split into its parts: the audit event
  built from the gateway's fields, the chain + SQLite commit, the Ed25519 signature, the monitor; plus the
  ``marshal`` frames both ends pay;
- the event loop's per-request parts in upstream mode: OIP request decoding and validation, the upstream
  request body, reading the upstream's answer, output hardening + the OIP answer + canonical JSON;
- the floor of the guarantees (``floor_parts``): an Ed25519 signature of a typical answer, one bare SQLite
  commit of one record, the HMAC link, the SHA-256 of the body.

    python benchmarks/bench_gateway_parts.py --requests 2000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import marshal
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def per_call_us(fn: Callable[[], Any], n: int, rounds: int = 5) -> float:
    """Median over ``rounds`` of the thread CPU per call of ``fn`` (µs)."""
    out = []
    for _ in range(rounds):
        t0 = time.thread_time()
        for _ in range(n):
            fn()
        out.append((time.thread_time() - t0) / n * 1e6)
    return statistics.median(out)


def writer_parts(n: int, tmp: Path) -> dict[str, float]:
    from mlsecure.audit import open_store
    from mlsecure.serving.audit_writer import BatchWork
    from mlsecure.serving.config import ExtractionConfig
    from mlsecure.serving.signing import ResponseSigner

    key = secrets.token_bytes(32)
    store = open_store(f"sqlite:///{tmp / 'audit.db'}?synchronous=NORMAL", hmac_key=key)
    signer = ResponseSigner.from_private_bytes(secrets.token_bytes(32))
    work = BatchWork(store, signer, ExtractionConfig())
    rng = np.random.default_rng(0)
    rows = rng.random((4 * n * 5 + 64, 64), dtype=np.float32)
    body = json.dumps({"id": None, "outputs": [{"data": [4]}], "parameters": {"x": "y" * 100}}).encode() * 2
    counter = iter(range(10**9))

    def item() -> Any:
        i = next(counter)
        fields = {"event_id": f"{i:032x}", "timestamp": time.time(), "event_type": "prediction",
                  "actor": "5c0ffee5c0ff", "action": "predict", "resource": "digits:1", "outcome": "allowed",
                  "details": {"request_id": f"{i:032x}", "endpoint": "v2_infer", "status": 200, "rows": 1},
                  "input_hash": hashlib.sha256(str(i).encode()).hexdigest(), "model_name": "digits",
                  "model_version": "1", "latency_ms": 0.8123, "ip_address": "127.0.0.1", "output_summary": "4"}
        x = rows[i % len(rows):i % len(rows) + 1]
        return fields, body, (x.tobytes(), 64, np.asarray([i % 10], dtype=np.int64).tobytes())

    out: dict[str, float] = {}
    out["whole BatchWork.run (1 record)"] = per_call_us(lambda: work.run([item()]), n)
    out["  of which making the item (bench only)"] = per_call_us(item, n)

    from datetime import UTC, datetime

    from mlsecure.audit import AuditEvent

    f0 = item()[0]
    out["  AuditEvent from fields"] = per_call_us(
        lambda: AuditEvent(**{**f0, "timestamp": datetime.fromtimestamp(f0["timestamp"], UTC)}), n)
    events = [AuditEvent(**{**f0, "event_id": f"{i:032x}", "timestamp": datetime.now(UTC)}) for i in range(6 * n)]
    it = iter(events)
    out["  store.append_many (chain + SQLite commit)"] = per_call_us(lambda: store.append_many([next(it)]), n)
    from mlsecure.audit import sqlite_store

    schema = sqlite_store.SCHEMA
    sqlite_store.SCHEMA = "\n".join(line for line in schema.splitlines() if "CREATE INDEX" not in line)
    try:  # what the three per-record indexes (time, actor, type) cost: the same log without them
        bare = open_store(f"sqlite:///{tmp / 'audit-noindex.db'}?synchronous=NORMAL", hmac_key=key)
    finally:
        sqlite_store.SCHEMA = schema
    it3 = iter([AuditEvent(**{**f0, "event_id": f"{i:032x}", "timestamp": datetime.now(UTC)}) for i in range(6 * n)])
    out["    the same on a log without its 3 indexes (not done: see gateway.md)"] = per_call_us(
        lambda: bare.append_many([next(it3)]), n)
    bare.close()
    out["  Ed25519 sign of the body"] = per_call_us(lambda: signer.sign(body), n)
    from mlsecure.serving.extraction import ExtractionMonitor

    mon = ExtractionMonitor(ExtractionConfig())
    k = iter(range(10**9))

    def observe() -> None:
        i = next(k)
        x = np.frombuffer(rows[i % len(rows)].tobytes(), dtype=np.float32).reshape(-1, 64)
        mon.observe("client", x, np.asarray([i % 10], dtype=np.int64))

    out["  extraction monitor observe (amortised)"] = per_call_us(observe, n)
    it2 = [item() for _ in range(10)]
    frame = marshal.dumps(it2[:1])
    out["  marshal dumps+loads of the item"] = per_call_us(lambda: marshal.loads(marshal.dumps(it2[:1])), n)
    del frame
    store.close()
    return out


def loop_parts(n: int) -> dict[str, float]:
    from mlsecure.serving import oip
    from mlsecure.serving.canonical import response_json
    from mlsecure.serving.config import OutputConfig, UpstreamConfig
    from mlsecure.serving.hardening import OutputPolicy
    from mlsecure.serving.upstream import Upstream, _dumps, _loads
    from mlsecure.serving.validation import InputSchema

    schema = InputSchema(input_shape=(64,), value_range=(0.0, 1.0), max_batch=64)
    rng = np.random.default_rng(0)
    row = rng.random(64, dtype=np.float32)
    body = json.dumps({"inputs": [{"name": "input-0", "shape": [1, 64], "datatype": "FP32",
                                   "data": row.tolist()}]}).encode()
    out: dict[str, float] = {}
    out["OIP decode + validation (parse_infer)"] = per_call_us(
        lambda: oip.parse_infer(body, schema, "input-0", False, model=("digits", "1")), n)
    out["SHA-256 of the request body"] = per_call_us(lambda: hashlib.sha256(body).hexdigest(), n)
    x, ctx = oip.parse_infer(body, schema, "input-0", False, model=("digits", "1"))
    up = Upstream(UpstreamConfig(url="http://127.0.0.1:1", protocol="oip"), model_name="digits", labels=None)

    def up_body() -> bytes:
        return _dumps({"inputs": [{"name": "input-0", "shape": list(x.shape), "datatype": "FP32",
                                   "data": np.ascontiguousarray(x, dtype=np.float32).ravel()}],
                       "outputs": [{"name": "predict_proba"}]})

    out["upstream request body (orjson)"] = per_call_us(up_body, n)
    p = rng.random(10)
    p /= p.sum()
    answer = json.dumps({"model_name": "digits", "model_version": "1", "id": "abc", "parameters": {},
                         "outputs": [{"name": "predict_proba", "shape": [1, 10], "datatype": "FP64",
                                      "parameters": {"content_type": "np"}, "data": p.tolist()}]}).encode()
    out["upstream answer: orjson + checks (_oip_proba)"] = per_call_us(lambda: up._oip_proba(_loads(answer), 1), n)
    proba = up._oip_proba(_loads(answer), 1)
    policy = OutputPolicy(OutputConfig())
    g = np.random.default_rng(0)
    labels = list(range(10))

    def answer_out() -> bytes:  # as _Handlers.serve_rows: rows of plain floats (a small answer) or an array
        if isinstance(proba, list):
            top = [max(range(len(row)), key=row.__getitem__) for row in proba]
            preds = policy.apply_rows(proba, labels, top)
        else:
            preds = policy.apply(proba, labels, g, top1=proba.argmax(axis=1))
        doc = oip.infer_response(model_name="digits", model_version="1", request_id="r" * 32, input_hash="h" * 64,
                                 served_at=round(time.time(), 3), predictions=preds, context=ctx)
        return response_json(doc)

    out["hardening + OIP answer + canonical JSON"] = per_call_us(answer_out, n)
    return out


def floor_parts(n: int, tmp: Path) -> dict[str, float]:
    """What no implementation of this design can skip, each alone: the Ed25519 signature of a typical answer,
    one durable commit of one record in SQLite (a bare ``BEGIN IMMEDIATE; INSERT; COMMIT`` of a row of the audit
    table's width, no chain, no index, no Python around it), the HMAC link and the SHA-256 of the request body.
    Their sum is the CPU floor of the guarantees; the rest of the gateway's CPU per request is the proxy floor
    (``bench_gateway_floor.py``, in ``bench_gateway_upstream.py``'s rounds) and interpreter glue."""
    import sqlite3

    from mlsecure.audit.chain import ChainMac
    from mlsecure.serving.signing import ResponseSigner

    out: dict[str, float] = {}
    signer = ResponseSigner.from_private_bytes(secrets.token_bytes(32))
    answer = (b'{"id":"5b8e2c1f0a9d4e7b8c6f1a2b3c4d5e6f","model_name":"digits","model_version":"1","outputs":['
              b'{"data":[4],"datatype":"INT64","name":"label","shape":[1]},{"data":[4],"datatype":"INT64",'
              b'"name":"top_labels","shape":[1,1]},{"data":[0.97],"datatype":"FP64","name":"probability",'
              b'"shape":[1,1]}],"parameters":{"input_sha256":"' + b"a" * 64 + b'","request_id":"'
              + b"5b8e2c1f0a9d4e7b8c6f1a2b3c4d5e6f" + b'","served_at":1765076400.123}}')
    key = signer._key
    out[f"Ed25519 sign of a {len(answer)}-byte answer (cryptography, raw)"] = per_call_us(lambda: key.sign(answer), n)
    out["  the same through ResponseSigner.sign (+ base64 header text)"] = per_call_us(lambda: signer.sign(answer), n)
    event = b"x" * 700  # an audit record's canonical JSON is ~650-750 bytes
    for sync in ("NORMAL", "FULL"):
        conn = sqlite3.connect(tmp / f"floor-{sync}.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={sync}")
        conn.execute("CREATE TABLE r (seq INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, "
                     "g TEXT, h TEXT, event_json TEXT, prev TEXT, entry TEXT)")
        rows = ((i, "e" * 32, "2026-12-07T03:00:00.000000Z", "prediction", "5c0ffee5c0ff", "predict", "digits:1",
                 "allowed", "a" * 64, event.decode(), "b" * 64, "c" * 64) for i in range(1, 10**9))

        def commit(conn: sqlite3.Connection = conn, rows: Any = rows) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO r VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", next(rows))
            conn.execute("COMMIT")

        out[f"one SQLite commit of one record, WAL, synchronous={sync} (bare sqlite3)"] = per_call_us(
            commit, n if sync == "NORMAL" else max(n // 10, 50))
        conn.close()
    mac = ChainMac(secrets.token_bytes(32))
    prev = bytes(32)
    out["HMAC-SHA256 chain link of a 700-byte record"] = per_call_us(lambda: mac.link(7, prev, event), n)
    body = b'{"inputs":[{"name":"input-0","shape":[1,64],"datatype":"FP32","data":[' + b"0.123456789," * 63 + b"0.5]}]}"
    out["SHA-256 of an 800-byte request body"] = per_call_us(lambda: hashlib.sha256(body).hexdigest(), n)
    return out


def cold_parts(n: int) -> dict[str, float]:
    """Three parts hot and again with a 16 MB array walked (one byte per 64-byte line) before each call, as the
    gateway meets them: between two requests the model server and the client run milliseconds of other code on
    the same cores. The per-call medians exclude the walk itself (``bench_gateway_stages.py`` measures the stages in
    the running gateway; session 7 found them 2-7x their hot-loop cost)."""
    import orjson

    from mlsecure.serving.signing import ResponseSigner

    junk = np.zeros(16 << 20, dtype=np.uint8)
    key = ResponseSigner.from_private_bytes(secrets.token_bytes(32))._key
    answer = b"x" * 461
    row = [round(float(v), 4) for v in np.random.default_rng(0).random(64)]
    body = json.dumps({"inputs": [{"name": "input-0", "shape": [1, 64], "datatype": "FP32", "data": row}]}).encode()

    def median_us(fn: Callable[[], Any], thrash: bool) -> float:
        times = []
        for _ in range(max(n // 4, 50)):
            if thrash:
                junk[::64] += 1
            t0 = time.thread_time_ns()
            fn()
            times.append(time.thread_time_ns() - t0)
        return statistics.median(times) / 1e3

    out: dict[str, float] = {}
    for name, fn in (("Ed25519 sign of a 461-byte answer", lambda: key.sign(answer)),
                     ("orjson.loads of an OIP request (64 floats)", lambda: orjson.loads(body)),
                     ("json.loads of the same", lambda: json.loads(body))):
        out[f"{name}, hot"] = median_us(fn, False)
        out[f"  {name}, after a 16 MB walk"] = median_us(fn, True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        res = {"load_average_1min": round(os.getloadavg()[0], 2),
               "writer": writer_parts(args.requests, Path(tmp)), "event_loop": loop_parts(args.requests),
               "floor": floor_parts(args.requests, Path(tmp)), "cold": cold_parts(args.requests)}
    print(f"load average {res['load_average_1min']}; thread CPU per call, median of 5 x {args.requests}")
    for section in ("writer", "event_loop", "floor", "cold"):
        print(f"[{section}]")
        for k, v in res[section].items():  # type: ignore[union-attr]
            print(f"  {k:<70} {v:8.1f} us")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
