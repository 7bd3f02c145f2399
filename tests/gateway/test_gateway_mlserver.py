"""A real Open Inference Protocol server upstream: MLServer with its scikit-learn runtime, on 127.0.0.1.

MLServer pins fastapi/starlette below ours, so it lives in its own virtual environment, named by
``MLSECURE_MLSERVER`` (its ``mlserver`` executable; default ``/work/peers/mlserver/bin/mlserver``, and
``.peers/mlserver/bin/mlserver`` as CI builds it). That environment's Python also trains the model, so
the pickle is written and read by the same scikit-learn. ``tritonclient`` then runs inference through
``mlsecure gateway serve --upstream URL --protocol oip``: its answers must equal MLServer's own arg-max,
with tokens, refusals, validation errors, signatures and the audit chain checked.

KServe's own Python client (``kserve.InferenceRESTClient``, OIP v2) pins fastapi, pydantic and numpy apart from
ours, so it lives in its own virtual environment too (``MLSECURE_KSERVE_PYTHON``: that environment's ``python``;
default ``.peers/kserve/bin/python`` as CI builds it, or ``/work/peers/kserve/bin/python``) and runs as a
subprocess: the script ``_KSERVE_CLIENT`` is a plain KServe user's code plus a recording transport
(``RESTConfig(transport=...)``, KServe's own hook) that keeps the raw bytes of each answer, so the signature is
checked here on exactly what the client received.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from gw_helpers import Server, auth, free_port, make_server  # type: ignore[import-not-found]

from mlsecure.serving.signing import load_public_key, verify_response

httpclient = pytest.importorskip("tritonclient.http")
InferenceServerException = pytest.importorskip("tritonclient.utils").InferenceServerException

pytestmark = pytest.mark.slow

_CANDIDATES = (os.environ.get("MLSECURE_MLSERVER", ""), ".peers/mlserver/bin/mlserver",
               "/work/peers/mlserver/bin/mlserver")
_TRAIN = """
import joblib
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
x, y = load_digits(return_X_y=True)
joblib.dump(LogisticRegression(max_iter=500).fit(x[:1200] / 16.0, y[:1200]), "model.joblib")
"""


def _mlserver_exe() -> Path:
    for c in _CANDIDATES:
        if c and Path(c).is_file():
            return Path(c).resolve()
    pytest.skip("MLServer not installed: python3 -m venv .peers/mlserver && .peers/mlserver/bin/pip install "
                "mlserver==1.7.1 mlserver-sklearn==1.7.1 (or set MLSECURE_MLSERVER)")


@pytest.fixture(scope="module")
def mlserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = _mlserver_exe()
    root = tmp_path_factory.mktemp("mlserver")
    subprocess.run([str(exe.parent / "python"), "-c", _TRAIN], cwd=root, check=True, timeout=120)
    port = free_port()
    (root / "settings.json").write_text(json.dumps({
        "http_port": port, "grpc_port": free_port(), "metrics_port": free_port(), "host": "127.0.0.1",
        "parallel_workers": 0, "debug": False}))
    (root / "model-settings.json").write_text(json.dumps({
        "name": "digits", "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "1"},
        "inputs": [{"name": "input-0", "datatype": "FP32", "shape": [-1, 64]}]}))
    with (root / "mlserver.log").open("wb") as log:
        proc = subprocess.Popen([str(exe), "start", str(root)], cwd=root, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"MLServer did not start: {(root / 'mlserver.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/v2/models/digits/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_CONFIG = """
[model]
name = "digits"
version = "1"
input_range = [0.0, 1.0]
max_batch = 16

[auth]
token_store = "tokens.db"

[rate_limit]
per_minute = 100000
per_hour = 0
per_day = 40

[output]
top_k = 3
decimals = 3

[audit]
store = "audit.db"
"""


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, mlserver: str) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("gw-upstream")
    server = make_server(root, root / "no-model", _CONFIG)
    server.serve_args = ["--upstream", mlserver, "--protocol", "oip"]
    server.start()
    yield server
    server.stop()


def _input(x: np.ndarray, name: str = "input-0") -> Any:
    inp = httpclient.InferInput(name, list(x.shape), "FP32")
    inp.set_data_from_numpy(x, binary_data=False)
    return inp


def _direct(url: str, x: np.ndarray) -> np.ndarray:
    body = {"inputs": [{"name": "input-0", "shape": list(x.shape), "datatype": "FP32", "data": x.ravel().tolist()}],
            "outputs": [{"name": "predict_proba"}]}
    out = httpx.post(f"{url}/v2/models/digits/infer", json=body, timeout=10).json()["outputs"][0]
    return np.asarray(out["data"]).reshape(out["shape"])


def test_tritonclient_through_gateway_to_mlserver(gateway: Server, mlserver: str,
                                                  natural_queries: np.ndarray) -> None:
    token, _ = gateway.token("data_scientist")
    viewer, _ = gateway.token("viewer")
    x = natural_queries[:8]
    expected = _direct(mlserver, x)
    c = httpclient.InferenceServerClient(url=f"127.0.0.1:{gateway.port}")
    try:
        # the schema came from MLServer's own metadata endpoint
        meta = c.get_model_metadata("digits", headers=auth(token))
        assert meta["inputs"] == [{"name": "input-0", "datatype": "FP32", "shape": [-1, 64]}]
        assert meta["platform"] == "upstream:oip"
        result = c.infer("digits", [_input(x)], headers=auth(token))
        assert result.as_numpy("label").tolist() == expected.argmax(axis=1).tolist()
        prob = result.as_numpy("probability")
        assert prob.shape == (8, 3)
        assert np.allclose(prob[:, 0], np.sort(expected, axis=1)[:, -1].round(3))  # hardened: top-3, 3 decimals
        for headers, inp, status, text in [
            ({}, _input(x), "401", "unauthorized"),
            (auth(viewer), _input(x), "403", "forbidden"),
            (auth(token), _input(x * 4), "422", "outside the allowed range"),
            (auth(token), _input(x, name="x"), "422", "inputs[0].name"),
        ]:
            with pytest.raises(InferenceServerException) as err:
                c.infer("digits", [inp], headers=headers)
            assert err.value.status() == status and text in err.value.message()
    finally:
        c.close()
    with gateway.client() as h:
        key = load_public_key(h.get("/.well-known/mlsecure-signing-key").json()["public_key_pem"].encode())
        r = h.post("/v1/predict", json={"inputs": x[:2].tolist()}, headers=auth(token))
        assert r.status_code == 200 and verify_response(r.content, r.headers["X-Signature"], key)
        # budgets bind across both fronts: 8 + 2 rows used; 40 per day
        body = {"inputs": [{"name": "input-0", "shape": [16, 64], "datatype": "FP32",
                            "data": np.tile(x[:1], (16, 1)).ravel().tolist()}]}
        assert h.post("/v2/models/digits/infer", json=body, headers=auth(token)).status_code == 200
        r = h.post("/v2/models/digits/infer", json=body, headers=auth(token))
        assert r.status_code == 429 and r.json()["code"] == "budget_exhausted"
    assert gateway.verify_audit().ok
    events = gateway.audit_events()
    served = [e for e in events if e["action"] == "predict" and e["outcome"] == "allowed"]
    assert len(served) == 3 and all(e["model_name"] == "digits" for e in served)


_KSERVE_CANDIDATES = (os.environ.get("MLSECURE_KSERVE_PYTHON", ""), ".peers/kserve/bin/python",
               "/work/peers/kserve/bin/python")

_KSERVE_CLIENT = r'''
import asyncio, base64, json, sys

import httpx
import numpy as np
from kserve import InferenceRESTClient, InferInput, InferRequest, RESTConfig

args = json.loads(sys.argv[1])
base, model = args["url"], "digits"
x = np.asarray(args["rows"], dtype=np.float32)


class Recording(httpx.AsyncBaseTransport):
    """KServe's transport hook: pass through, keep each answer's raw bytes."""

    def __init__(self):
        self.inner = httpx.AsyncHTTPTransport()
        self.bodies = []

    async def handle_async_request(self, request):
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.bodies.append(content)
        return httpx.Response(response.status_code, headers=response.headers, content=content,
                              request=request)

    async def aclose(self):
        await self.inner.aclose()


def request(rows, name="input-0", binary=False):
    inp = InferInput(name=name, shape=list(rows.shape), datatype="FP32")
    inp.set_data_from_numpy(rows, binary_data=binary)
    return InferRequest(model_name=model, infer_inputs=[inp], request_id="kserve-client-1")


async def main():
    out = {}
    transport = Recording()
    client = InferenceRESTClient(RESTConfig(protocol="v2", transport=transport, retries=0, timeout=30))
    auth = {"Authorization": "Bearer " + args["token"]}
    try:
        out["server_ready"] = await client.is_server_ready(base)
        out["model_ready"] = await client.is_model_ready(base, model, headers=auth)
        out["model_ready_no_token"] = await client.is_model_ready(base, model)
        headers = {}
        res = await client.infer(base, request(x), model_name=model, headers=dict(auth), response_headers=headers)
        out["id"] = res.id
        out["outputs"] = {o.name: o.as_numpy().tolist() for o in res.outputs}
        out["signature"] = headers.get("x-signature")
        out["raw"] = base64.b64encode(transport.bodies[-1]).decode()
        refusals = [("none", {}, request(x)), ("viewer", {"Authorization": "Bearer " + args["viewer"]}, request(x)),
                    ("range", auth, request(x * 4)), ("name", auth, request(x, name="pixels")),
                    ("binary", auth, request(x, binary=True))]
        out["refusals"] = {}
        for label, h, req in refusals:
            try:
                await client.infer(base, req, model_name=model, headers=dict(h))
                out["refusals"][label] = [200, ""]
            except httpx.HTTPStatusError as exc:
                out["refusals"][label] = [exc.response.status_code, str(exc)]
    finally:
        await client.close()
    print(json.dumps(out))


asyncio.run(main())
'''


def _kserve_python() -> Path:
    for c in _KSERVE_CANDIDATES:
        if c and Path(c).is_file():
            return Path(c)
    pytest.skip("KServe's client not installed: python3 -m venv .peers/kserve && .peers/kserve/bin/pip install "
                "kserve==0.21.0 (or set MLSECURE_KSERVE_PYTHON)")


def _run_client(gateway: Server, rows: np.ndarray) -> dict[str, Any]:
    token, _ = gateway.token("data_scientist")
    viewer, _ = gateway.token("viewer")
    args = json.dumps({"url": f"http://127.0.0.1:{gateway.port}", "token": token, "viewer": viewer,
                       "rows": rows.tolist()})
    proc = subprocess.run([str(_kserve_python()), "-c", _KSERVE_CLIENT, args], capture_output=True, text=True,
                          timeout=120, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_kserve_client_through_gateway_to_mlserver(gateway: Server, mlserver: str,
                                                   natural_queries: np.ndarray) -> None:
    x = natural_queries[8:14]
    expected = _direct(mlserver, x)
    out = _run_client(gateway, x)
    assert out["server_ready"] is True and out["model_ready"] is True
    assert out["model_ready_no_token"] is False  # 401: KServe's client reads any non-2xx as "not ready"
    assert out["id"] == "kserve-client-1"  # the request id the client chose comes back
    assert out["outputs"]["label"] == expected.argmax(axis=1).tolist()
    prob = np.asarray(out["outputs"]["probability"])
    assert prob.shape == (6, 3) and np.allclose(prob[:, 0], np.sort(expected, axis=1)[:, -1].round(3))
    assert np.asarray(out["outputs"]["top_labels"])[:, 0].tolist() == expected.argmax(axis=1).tolist()
    with gateway.client() as h:
        key = load_public_key(h.get("/.well-known/mlsecure-signing-key").json()["public_key_pem"].encode())
    raw = base64.b64decode(out["raw"])
    assert out["signature"] and verify_response(raw, out["signature"], key)  # on the bytes KServe received
    assert not verify_response(raw.replace(b'"label"', b'"lab3l"'), out["signature"], key)
    refusals = out["refusals"]
    assert refusals["none"][0] == 401 and "unauthorized" in refusals["none"][1]
    assert refusals["viewer"][0] == 403 and "predict" in refusals["viewer"][1]
    assert refusals["range"][0] == 422 and "outside the allowed range" in refusals["range"][1]
    assert refusals["name"][0] == 422 and "inputs[0].name" in refusals["name"][1]
    assert refusals["binary"][0] in (415, 422) and "binary" in refusals["binary"][1].lower()
    assert gateway.verify_audit().ok
    outcomes = [(e["details"].get("endpoint"), e["details"].get("status")) for e in gateway.audit_events()
                if e["details"].get("endpoint") in ("v2_infer", "v2_ready")]
    for expected_status in (200, 401, 403, 422):
        assert ("v2_infer", expected_status) in outcomes
    assert ("v2_ready", 200) in outcomes and ("v2_ready", 401) in outcomes


def test_upstream_client_against_mlserver(mlserver: str, natural_queries: np.ndarray) -> None:
    """The gateway's own HTTP client (``serving.http_pool``) against MLServer's uvicorn: metadata, keep-alive
    inference on one connection with the same answers httpx gets, an unknown model's 404, and a limit."""
    import asyncio

    from mlsecure.serving.http_pool import HTTPPool, HTTPTooLarge

    x = natural_queries[:4]
    expected = _direct(mlserver, x)
    body = json.dumps({"inputs": [{"name": "input-0", "shape": list(x.shape), "datatype": "FP32",
                                   "data": x.ravel().tolist()}], "outputs": [{"name": "predict_proba"}]}).encode()

    async def main() -> tuple[list[Any], int, int, int]:
        pool = HTTPPool(mlserver, timeout_s=10, connect_timeout_s=5, max_connections=2, max_response_bytes=1 << 20)
        small = HTTPPool(mlserver, timeout_s=10, connect_timeout_s=5, max_connections=1, max_response_bytes=64)
        try:
            meta = await pool.request("GET", "/v2/models/digits")
            assert meta.status == 200 and json.loads(meta.body)["name"] == "digits"
            conn = pool._idle[-1]
            answers = [await pool.request("POST", "/v2/models/digits/infer", body) for _ in range(10)]
            assert list(pool._idle) == [conn]  # every call went over the one kept-alive connection
            missing = await pool.request("POST", "/v2/models/nope/infer", body)
            with pytest.raises(HTTPTooLarge):
                await small.request("POST", "/v2/models/digits/infer", body)
            outs = [json.loads(a.body)["outputs"][0] for a in answers]
            return outs, answers[0].status, missing.status, len(answers[0].body)
        finally:
            await pool.aclose()
            await small.aclose()

    outs, status, missing, size = asyncio.run(main())
    assert status == 200 and missing == 404 and size > 64
    for out in outs:
        assert np.allclose(np.asarray(out["data"]).reshape(out["shape"]), expected)
