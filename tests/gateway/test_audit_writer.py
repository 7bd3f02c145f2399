"""The audit writers: the child-process writer (the gateway's default) and the in-process one give the
same results, batch by batch: records chained and committed, signatures over the committed bodies only,
an invalid event refused alone, a store that cannot open refused at start with its reason."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mlsecure.audit import open_store
from mlsecure.errors import ConfigError
from mlsecure.serving.audit_writer import AuditItem, ProcessAuditWriter, ThreadAuditWriter
from mlsecure.serving.signing import ResponseSigner, verify_response

KEY = b"\x07" * 32


def _item(i: int, body: bytes | None, **override: Any) -> AuditItem:
    fields: dict[str, Any] = {
        "event_id": f"{i:032x}", "timestamp": 1_700_000_000.25 + i, "event_type": "prediction", "actor": "tok-1",
        "action": "predict", "resource": "digits:1", "outcome": "allowed", "details": {"request_id": f"{i:032x}"},
        "input_hash": "ab" * 32, "model_name": "digits", "model_version": "1", "latency_ms": 1.5,
        "ip_address": "10.0.0.1", "output_summary": "3"}
    fields.update(override)
    return fields, body, None


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_writers_commit_sign_and_refuse_alone(tmp_path: Path, kind: str) -> None:
    signer = ResponseSigner(Ed25519PrivateKey.generate())
    db = tmp_path / "audit.db"
    store = open_store(db, hmac_key=KEY)
    writer = ProcessAuditWriter(str(db), hmac_key=KEY, signer=signer) if kind == "process" \
        else ThreadAuditWriter(store, signer)
    try:
        items = [_item(0, b'{"a":1}'), _item(1, None), _item(2, b'{"b":2}', input_hash="raw input!"),
                 _item(3, b'{"c":3}', outcome="maybe")]
        results = writer.append_many(items)
        more = writer.append_many([_item(4, b'{"d":4}')])
    finally:
        writer.close()
    (sig0, err0, _), (sig1, err1, _), (sig2, err2, _), (sig3, err3, _) = results
    assert err0 is None and sig0 is not None and verify_response(b'{"a":1}', sig0, signer.public_key)
    assert err1 is None and sig1 is None  # nothing to sign
    assert sig2 is None and err2 is not None and "input_hash" in err2  # refused alone: raw input never logged
    assert sig3 is None and err3 is not None and "outcome" in err3
    assert more[0][1] is None and more[0][0] is not None
    assert verify_response(b'{"d":4}', more[0][0], signer.public_key)
    records = list(store.query())
    assert [r.event.event_id for r in records] == [f"{i:032x}" for i in (0, 1, 4)]
    assert records[0].event.timestamp.timestamp() == pytest.approx(1_700_000_000.25, abs=1e-6)
    assert store.verify().ok
    store.close()


def test_process_writer_reports_a_store_it_cannot_open(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot open .*missing"):
        ProcessAuditWriter(str(tmp_path / "missing" / "dir" / "audit.db"), hmac_key=KEY, signer=None)


def test_process_writer_child_exits_when_closed(tmp_path: Path) -> None:
    writer = ProcessAuditWriter(str(tmp_path / "audit.db"), hmac_key=KEY, signer=None)
    proc = writer._proc
    assert writer.append_many([_item(0, None)]) == [(None, None, False)]
    writer.close()
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.returncode == 0


@pytest.mark.parametrize("kind", ["process", "thread"])
def test_writers_run_the_extraction_monitor(tmp_path: Path, kind: str) -> None:
    """Uniform random queries are flagged once ``min_queries`` were seen (results say so from then on,
    and one ``extraction_suspected`` event names the trigger); a natural-looking client is not flagged."""
    from mlsecure.serving.config import ExtractionConfig

    cfg = ExtractionConfig(min_queries=100, check_every=50)
    db = tmp_path / "audit.db"
    store = open_store(db, hmac_key=KEY)
    writer = ProcessAuditWriter(str(db), hmac_key=KEY, signer=None, extraction=cfg) if kind == "process" \
        else ThreadAuditWriter(store, None, cfg)
    rng = np.random.default_rng(3)
    uniform = rng.uniform(0, 1, size=(160, 16)).astype(np.float32)
    centers = rng.uniform(0.3, 0.7, size=(4, 16))
    natural = (centers[np.arange(160) % 4] + rng.normal(0, 0.02, size=(160, 16))).astype(np.float32)
    flags: dict[str, list[bool]] = {"attacker": [], "benign": []}
    try:
        for i in range(0, 160, 20):
            batch = []
            for who, rows in (("attacker", uniform), ("benign", natural)):
                x = rows[i:i + 20]
                labels = (np.arange(i, i + 20) % 4).astype(np.int64)
                fields, _, _ = _item(len(batch) + 2 * i, None, actor=who, details={})
                batch.append((fields, None, (x.tobytes(), 16, labels.tobytes())))
            for (who, _), result in zip((("attacker", 0), ("benign", 0)), writer.append_many(batch), strict=True):
                assert result[1] is None
                flags[who].append(result[2])
        extra = (object(),)  # not plain data: refused alone, the rest of the batch is written
        mixed = writer.append_many([_item(900, None), (_item(901, None)[0] | {"details": {"x": extra}}, None, None)])
    finally:
        writer.close()
    assert flags["attacker"][:4] == [False] * 4 and flags["attacker"][-1] is True  # tested at 100 queries
    assert not any(flags["benign"])
    events = [r.event for r in store.query()]
    suspected = [e for e in events if e.event_type == "extraction_suspected"]
    assert [e.actor for e in suspected] == ["attacker"]
    assert suspected[0].details["uniform_flag"] is True and suspected[0].details["atlas"] == "AML.T0024.002"
    assert mixed[0] == (None, None, False) and mixed[1][1] is not None
    assert store.verify().ok
    store.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_gateway_shuts_down_cleanly_when_its_process_group_is_signalled(tmp_path: Path, digits_onnx: Path,
                                                                        sig: int) -> None:
    """Ctrl-C in a terminal (or a service manager's SIGTERM) reaches the gateway and its writer process: the
    gateway still writes its "stop" record through the writer, no traceback is printed, the chain verifies."""
    import os
    import subprocess
    import sys

    from gw_helpers import free_port, make_server  # type: ignore[import-not-found]  # tests/gateway/gw_helpers.py

    server = make_server(tmp_path, digits_onnx, "[model]\nname = \"digits\"\ninput_range = [0.0, 1.0]\n"
                         "[auth]\ntoken_store = \"tokens.db\"\n[audit]\nstore = \"audit.db\"\n")
    server.port = free_port()
    log = (tmp_path / "server.log").open("wb")
    server.proc = subprocess.Popen(
        [sys.executable, "-m", "mlsecure", "gateway", "serve", "--model", str(digits_onnx), "--config",
         str(server.config), "--port", str(server.port)], env=server.env, cwd=tmp_path, stdout=log, stderr=log,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:  # until it answers: uvicorn's own signal handlers are in place by then
            assert time.monotonic() < deadline and server.proc.poll() is None, "gateway did not start"
            try:
                with server.client() as c:
                    if c.get("/healthz").status_code == 200:
                        break
            except httpx.TransportError:
                time.sleep(0.1)
        os.killpg(server.proc.pid, sig)
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells how it ended
        assert server.proc.wait(timeout=30) in (0, -sig)
    finally:
        if server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait()
        log.close()
    text = (tmp_path / "server.log").read_text()
    assert "Traceback" not in text, text[-2000:]
    events = [(e["event_type"], e["action"]) for e in server.audit_events()]
    assert events == [("config_change", "start"), ("config_change", "stop")]
    assert server.verify_audit().ok


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_event_loop_talks_to_the_writer_process_directly(tmp_path: Path, loop: str) -> None:
    """The sink writes small batches to the writer process from the event loop and reads the answers when the
    pipe is readable (no thread); a large batch still goes through the thread; a batch left at the child by a
    loop that closed is drained before the next loop's first batch; every record is committed once, in order,
    and its signature verifies."""
    import asyncio

    from mlsecure.serving.audit_sink import AuditSink

    signer = ResponseSigner(Ed25519PrivateKey.generate())
    db = tmp_path / "audit.db"
    writer = ProcessAuditWriter(str(db), hmac_key=KEY, signer=signer)
    sink = AuditSink(writer)

    async def one(i: int, body: bytes) -> Any:
        return await sink.record(_item(i, body))

    async def abandon() -> None:  # this loop ends (and closes) while its batch is at the child
        asyncio.get_running_loop().create_task(one(2, b'{"n":2}'))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        held = sink._in_direct
        assert held is not None  # handed to the child directly
        # the loop must not read the answer before it closes (a fast child could answer while the runner
        # cancels the task, which made this test depend on timing): the answer stays at the child
        asyncio.get_running_loop().remove_reader(held[2])

    async def many() -> list[Any]:
        small = await one(0, b'{"n":0}')
        big = await asyncio.gather(*(one(10 + k, b'{"big":"' + bytes([65 + k]) * 2000 + b'"}') for k in range(12)))
        return [small, *big]

    def run(coro: Any) -> Any:  # uvloop's add_reader makes the pipe non-blocking: the thread's reads must cope
        factory = pytest.importorskip("uvloop").new_event_loop if loop == "uvloop" else asyncio.new_event_loop
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(coro)

    try:
        first = run(many())
        assert sink.direct_batches >= 1 and sink.batches > sink.direct_batches  # the 24 KiB batch: the thread
        small = run(one(1, b'{"n":1}'))  # direct again after the thread
        assert small[1] is None and sink.direct_batches >= 2
        run(abandon())
        assert sink._in_direct is not None  # left at the child by the closed loop
        after = run(one(3, b'{"n":3}'))
    finally:
        sink.close()
        writer.close()
    assert first[0][1] is None and verify_response(b'{"n":0}', first[0][0], signer.public_key)
    assert all(r[1] is None and r[0] is not None for r in first[1:])
    assert after[1] is None and verify_response(b'{"n":3}', after[0], signer.public_key)
    store = open_store(db, hmac_key=KEY)
    ids = [r.event.event_id for r in store.query()]
    assert ids[0] == f"{0:032x}" and ids[-2:] == [f"{2:032x}", f"{3:032x}"] and len(ids) == len(set(ids)) == 16
    assert store.verify().ok
    store.close()


def test_a_lone_request_is_committed_on_the_event_loop_and_concurrent_ones_through_the_thread(tmp_path: Path) -> None:
    """Thread writer on SQLite: ``alone`` records are committed inline (no thread hop), others are grouped on the
    writer thread; inline is refused while a batch is queued; both paths chain into one verified log, each
    signature verifies, and a store failure reaches the inline caller as an exception (the request gets 503)."""
    import asyncio

    from mlsecure.serving.audit_sink import AuditSink

    signer = ResponseSigner(Ed25519PrivateKey.generate())
    db = tmp_path / "audit.db"
    store = open_store(db, hmac_key=KEY)
    writer = ThreadAuditWriter(store, signer)
    assert writer.inline_ok
    sink = AuditSink(writer)

    async def main() -> list[Any]:
        lone = await sink.record(_item(0, b'{"n":0}'), alone=True)
        assert (sink.inline_batches, sink.batches) == (1, 1)
        crowd = await asyncio.gather(*(sink.record(_item(1 + k, b'{"n":%d}' % (1 + k))) for k in range(6)))
        assert sink.inline_batches == 1 and sink.batches >= 2  # not alone: the writer thread
        queued = asyncio.ensure_future(sink.record(_item(7, b'{"n":7}')))
        await asyncio.sleep(0)  # item 7 waits for its hand-over: a lone record now must not overtake it
        late = await sink.record(_item(8, b'{"n":8}'), alone=True)
        assert sink.inline_batches == 1
        return [lone, *crowd, await queued, late]

    try:
        results = asyncio.run(main())
    finally:
        sink.close()
    for i, (signature, error, _) in enumerate(results):
        assert error is None and verify_response(b'{"n":%d}' % i, signature, signer.public_key)
    ids = [r.event.event_id for r in store.query()]
    assert ids == [f"{i:032x}" for i in range(9)] and store.verify().ok

    store.close()  # a closed store: the inline commit is refused with its reason, as the thread's would be
    sink = AuditSink(ThreadAuditWriter(store, signer))

    async def failing() -> Any:
        return await sink.record(_item(9, b"{}"), alone=True)

    try:
        signature, error, _ = asyncio.run(failing())
        assert signature is None and error is not None and "closed" in error.lower()  # Gateway.audit raises: 503
        assert sink.inline_batches == 1
    finally:
        sink.close()


def test_inline_commits_only_for_a_local_store_and_an_in_memory_monitor(tmp_path: Path) -> None:
    from mlsecure.serving.config import ExtractionConfig

    store = open_store(tmp_path / "audit.db", hmac_key=KEY)
    try:
        assert ThreadAuditWriter(store, None).inline_ok
        assert ThreadAuditWriter(store, None, ExtractionConfig()).inline_ok
        redis = ExtractionConfig(storage="redis://127.0.0.1:1/0")  # a shared monitor: a network call per batch
        assert not ThreadAuditWriter(store, None, redis).inline_ok
    finally:
        store.close()
