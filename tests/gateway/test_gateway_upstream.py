"""Upstream mode against small in-test model servers speaking kserve-v1, mlflow, torchserve and OIP.

The fake upstreams answer with a real scikit-learn model's probabilities, so the gateway's labels are
checked against ``model.predict``; they record what they received, so the payload shape each protocol
sends is checked too. Failure modes (HTTP 500, a hang, garbage, a wrong row count, an oversized answer,
a closed port) must come back as audited 502/504 answers.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from gw_helpers import free_port  # type: ignore[import-not-found]

from mlsecure.errors import ConfigError
from mlsecure.serving.signing import verify_response


class _Fake:
    """What the fake upstream does next, and what it received."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.mode = "ok"
        self.requests: list[tuple[str, Any]] = []


def _handler(state: _Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # the stdlib's signature
            del format, args

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # the stdlib's name
            if self.path == "/v2/models/digits":
                meta = {"name": "digits", "inputs": [{"name": "pixels", "datatype": "FP32", "shape": [-1, 64]}]}
                self._send(200, json.dumps(meta).encode())
            else:
                self._send(404, b"{}")

        def do_POST(self) -> None:  # the stdlib's name
            doc = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append((self.path, doc))
            mode = state.mode
            if mode == "500":
                return self._send(500, b'{"error": "boom"}')
            if mode == "slow":
                time.sleep(1.5)
            if mode == "garbage":
                return self._send(200, b"<html>not json</html>")
            if mode == "huge":
                return self._send(200, b'{"predictions": [' + b"0," * 40000 + b"0]}")
            if self.path == "/v2/models/digits/infer":
                t = doc["inputs"][0]
                x = np.asarray(t["data"], dtype=np.float64).reshape(t["shape"])
                p = state.model.predict_proba(x)
                out = {"outputs": [{"name": "predict", "shape": [len(x)], "datatype": "INT64",
                                    "data": state.model.predict(x).tolist()},
                                   {"name": "predict_proba", "shape": list(p.shape), "datatype": "FP64",
                                    "data": p.ravel().tolist()}]}
                return self._send(200, json.dumps(out).encode())
            rows = np.asarray(next(iter(doc.values())), dtype=np.float64)
            p = state.model.predict_proba(rows)
            if mode == "rows":
                p = p[:-1]
            if self.path == "/predictions/digits":  # TorchServe's classifiers: {label: probability} per row
                return self._send(200, json.dumps([{str(c): float(v) for c, v in enumerate(r)} for r in p]).encode())
            return self._send(200, json.dumps({"predictions": p.tolist()}).encode())

    return Handler


@pytest.fixture(scope="module")
def fake(digits_logreg: Any) -> Iterator[tuple[_Fake, str]]:
    state = _Fake(digits_logreg)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _gateway(tmp_path: Path, url: str, protocol: str, monkeypatch: pytest.MonkeyPatch, writer: str = "thread",
             timeout_s: float = 10.0, **model: Any) -> tuple[Any, Any, str]:
    """A gateway in front of ``url``; the upstream timeout is generous (a loaded machine must not turn a
    correct answer into a 504) except where a test is about the timeout."""
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.app import create_app
    from mlsecure.serving.tokens import open_token_store

    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "cd" * 32)
    cfg = parse_config({
        "model": {"name": "digits", "input_range": [0.0, 1.0], "max_batch": 8, **model},
        "auth": {"token_store": str(tmp_path / "tokens.db")},
        "signing": {"key_file": str(tmp_path / "signing.pem")},
        "output": {"top_k": 2},
        "audit": {"store": str(tmp_path / "audit.db"), **({"writer": writer} if writer != "default" else {})},
        "upstream": {"url": url, "protocol": protocol, "timeout_s": timeout_s, "max_response_bytes": 20000},
    }, base=tmp_path)
    tokens = open_token_store(tmp_path / "tokens.db")
    token = tokens.create(name="ds", role="data_scientist").token
    gw = build_gateway(cfg, token_store=tokens, seed=0)
    return create_app(gw), gw, token


def _events(gw: Any) -> list[dict[str, Any]]:
    return [r.event.to_dict() for r in gw.store.query() if r.event.details.get("endpoint") == "predict"]


@pytest.mark.parametrize(("protocol", "path", "key"), [
    ("kserve-v1", "/v1/models/digits:predict", "instances"),
    ("mlflow", "/invocations", "inputs"),
    ("torchserve", "/predictions/digits", "data"),
    ("oip", "/v2/models/digits/infer", "inputs"),
])
def test_forwards_each_protocol(fake: tuple[_Fake, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                natural_queries: np.ndarray, protocol: str, path: str, key: str) -> None:
    state, url = fake
    state.mode = "ok"
    # OIP reads its input schema (and the upstream's input name) from the upstream's metadata
    extra = {} if protocol == "oip" else {"input_shape": [64]}
    app, gw, token = _gateway(tmp_path, url, protocol, monkeypatch, **extra)
    x = natural_queries[:4]
    before = len(state.requests)

    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
            ok = await c.post("/v1/predict", json={"inputs": x.tolist()}, headers={"Authorization": f"Bearer {token}"})
            bad = await c.post("/v1/predict", json={"inputs": (x * 3).tolist()},
                               headers={"Authorization": f"Bearer {token}"})
        await gw.upstream.aclose()
        return ok, bad

    try:
        ok, bad = asyncio.run(go())
        assert ok.status_code == 200, ok.text
        body = ok.json()
        labels = [p["label"] if protocol != "torchserve" else int(p["label"]) for p in body["predictions"]]
        assert labels == state.model.predict(x).tolist()
        assert all(len(p["top"]) == 2 for p in body["predictions"])
        assert verify_response(ok.content, ok.headers["X-Signature"], gw.signer.public_pem().encode())
        # the rejected batch never reached the upstream: validation stays in the gateway
        assert bad.status_code == 422
        assert len(state.requests) == before + 1
        sent_path, sent = state.requests[-1]
        assert sent_path == path
        if protocol == "oip":
            assert sent["inputs"][0]["name"] == "pixels" and sent["inputs"][0]["shape"] == [4, 64]
            assert sent["outputs"] == [{"name": "predict_proba"}]
        else:
            assert np.allclose(sent[key], x)
        assert [e["outcome"] for e in _events(gw)] == ["allowed", "denied"]
    finally:
        gw.close()


@pytest.mark.parametrize(("mode", "status", "code"), [
    ("500", 502, "upstream_error"), ("slow", 504, "upstream_timeout"), ("garbage", 502, "upstream_bad_answer"),
    ("rows", 502, "upstream_bad_answer"), ("huge", 502, "upstream_too_large"),
])
def test_upstream_failures_are_audited_502_504(fake: tuple[_Fake, str], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, natural_queries: np.ndarray,
                                               mode: str, status: int, code: str) -> None:
    state, url = fake
    state.mode = mode
    # "slow" answers after 1.5 s: a 0.5 s timeout must give 504; the other modes answer at once
    app, gw, token = _gateway(tmp_path, url, "mlflow", monkeypatch, timeout_s=0.5 if mode == "slow" else 10.0,
                              input_shape=[64])

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
            r = await c.post("/v1/predict", json={"inputs": natural_queries[:2].tolist()},
                             headers={"Authorization": f"Bearer {token}"})
        await gw.upstream.aclose()
        return r

    try:
        r = asyncio.run(go())
        assert r.status_code == status and r.json()["error"] == code, r.text
        assert "X-Signature" not in r.headers
        (event,) = _events(gw)
        assert event["outcome"] == "error" and event["details"]["status"] == status
        assert event["details"]["upstream"] == f"{url}/invocations" and event["input_hash"]
    finally:
        state.mode = "ok"
        gw.close()


def test_closed_port_is_502(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, natural_queries: np.ndarray) -> None:
    app, gw, token = _gateway(tmp_path, f"http://127.0.0.1:{free_port()}", "kserve-v1", monkeypatch,
                              input_shape=[64])

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
            r = await c.post("/v1/predict", json={"inputs": natural_queries[:1].tolist()},
                             headers={"Authorization": f"Bearer {token}"})
        await gw.upstream.aclose()
        return r

    try:
        r = asyncio.run(go())
        assert r.status_code == 502 and r.json()["error"] == "upstream_unreachable"
    finally:
        gw.close()


def test_upstream_config_errors_name_toml_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlsecure.serving import parse_config

    with pytest.raises(ConfigError, match=r"\[model\] input_shape is required"):
        _gateway(tmp_path, "http://127.0.0.1:9", "mlflow", monkeypatch)
    with pytest.raises(ConfigError, match=r"\[upstream\] url: cannot read the model metadata"):
        _gateway(tmp_path, f"http://127.0.0.1:{free_port()}", "oip", monkeypatch)
    with pytest.raises(ConfigError, match=r"\[upstream\] protocol must be one of"):
        parse_config({"upstream": {"url": "http://x", "protocol": "grpc"}})
    with pytest.raises(ConfigError, match=r"\[upstream\] url must be an http"):
        parse_config({"upstream": {"url": "ftp://x"}})


def test_cli_upstream_options_refuse_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mlsecure.cli.main import main

    config = tmp_path / "gateway.toml"
    config.write_text('[model]\nname = "digits"\ninput_shape = [64]\n', encoding="utf-8")
    cases = [
        (["--model", str(tmp_path / "m.onnx"), "--upstream", "http://127.0.0.1:9"], "--model and an upstream"),
        (["--protocol", "mlflow"], "--protocol needs an upstream"),
        (["--upstream", "ftp://127.0.0.1:9"], "--upstream must be an http:// or https:// URL"),
    ]
    for args, text in cases:
        assert main(["gateway", "serve", "--config", str(config), "--port", str(free_port()), *args]) == 2
        err = capsys.readouterr().err
        assert text in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_metadata_is_read_within_the_answer_limit(fake: tuple[_Fake, str]) -> None:
    """The start-up metadata read goes through the same bounded client as the requests."""
    from mlsecure.serving.config import UpstreamConfig
    from mlsecure.serving.upstream import Upstream

    _, url = fake
    ok = Upstream(UpstreamConfig(url=url, protocol="oip"), model_name="digits", labels=None).fetch_schema()
    assert (ok.input_name, ok.input_shape, ok.datatype) == ("pixels", (64,), "FP32")
    small = UpstreamConfig(url=url, protocol="oip", max_response_bytes=50)  # the metadata answer is ~90 bytes
    with pytest.raises(ConfigError, match=r"\[upstream\] url: cannot read the model metadata .*larger than 50"):
        Upstream(small, model_name="digits", labels=None).fetch_schema()


def test_upstream_client_serves_again_on_a_new_event_loop(fake: tuple[_Fake, str], natural_queries: np.ndarray,
                                                          digits_logreg: Any) -> None:
    """Each event loop gets its own connections (a closed loop's cannot be reused): a notebook or a test
    that runs the gateway again after shutting it down still reaches the upstream."""
    from mlsecure.serving.config import UpstreamConfig
    from mlsecure.serving.upstream import Upstream

    _, url = fake
    up = Upstream(UpstreamConfig(url=url, protocol="mlflow"), model_name="digits", labels=None)
    x = natural_queries[:3]

    async def once() -> np.ndarray:
        try:
            return await up.predict_proba(x)
        finally:
            await up.aclose()

    first, second = asyncio.run(once()), asyncio.run(once())
    assert np.allclose(first, digits_logreg.predict_proba(x)) and np.allclose(second, first)


def test_upstream_mode_defaults_to_the_thread_writer_and_commits_a_lone_request_inline(
        fake: tuple[_Fake, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, natural_queries: np.ndarray) -> None:
    """``[audit] writer = "auto"`` (the default) is the thread writer in upstream mode. One request at a time: each
    record is committed on the event loop before the answer; eight at once: grouped on the writer thread. Every
    answer is signed and the log verifies either way."""
    from mlsecure.serving.audit_writer import ThreadAuditWriter

    state, url = fake
    state.mode = "ok"
    app, gw, token = _gateway(tmp_path, url, "mlflow", monkeypatch, writer="default", input_shape=[64])
    assert gw.config.audit.writer == "auto" and isinstance(gw.writer, ThreadAuditWriter)
    x = natural_queries[:2]
    headers = {"Authorization": f"Bearer {token}"}

    async def go() -> tuple[list[httpx.Response], list[httpx.Response], int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
            one_by_one = [await c.post("/v1/predict", json={"inputs": x.tolist()}, headers=headers) for _ in range(3)]
            inline_then = gw.sink.inline_batches
            together = await asyncio.gather(*(c.post("/v1/predict", json={"inputs": x.tolist()}, headers=headers)
                                              for _ in range(8)))
        await gw.upstream.aclose()
        return one_by_one, list(together), inline_then

    try:
        one_by_one, together, inline_then = asyncio.run(go())
        assert inline_then == 3
        assert gw.sink.inline_batches < 3 + 8  # concurrent requests went through the writer thread
        for r in [*one_by_one, *together]:
            assert r.status_code == 200, r.text
            assert verify_response(r.content, r.headers["X-Signature"], gw.signer.public_pem().encode())
        assert len(_events(gw)) == 11 and gw.store.verify().ok
    finally:
        gw.close()


def test_local_model_mode_keeps_the_writer_process_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              digits_onnx: Path) -> None:
    from mlsecure.serving import build_gateway, parse_config
    from mlsecure.serving.audit_writer import ProcessAuditWriter
    from mlsecure.serving.tokens import open_token_store

    monkeypatch.setenv("MLSECURE_AUDIT_HMAC_KEY", "cd" * 32)
    cfg = parse_config({"model": {"name": "digits", "path": str(digits_onnx)},
                        "auth": {"token_store": str(tmp_path / "tokens.db")},
                        "signing": {"key_file": str(tmp_path / "signing.pem")},
                        "audit": {"store": str(tmp_path / "audit.db")}}, base=tmp_path)
    gw = build_gateway(cfg, token_store=open_token_store(tmp_path / "tokens.db"), seed=0)
    try:
        assert cfg.audit.writer == "auto" and isinstance(gw.writer, ProcessAuditWriter)
    finally:
        gw.close()
