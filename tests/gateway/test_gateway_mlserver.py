"""A real Open Inference Protocol server upstream: MLServer with its scikit-learn runtime, on 127.0.0.1.

MLServer pins fastapi/starlette below ours, so it lives in its own virtual environment, named by
``MLSECURE_MLSERVER`` (its ``mlserver`` executable; default ``/work/peers/mlserver/bin/mlserver``, and
``.peers/mlserver/bin/mlserver`` as CI builds it). That environment's Python also trains the model, so
the pickle is written and read by the same scikit-learn. ``tritonclient`` then runs inference through
``mlsecure gateway serve --upstream URL --protocol oip``: its answers must equal MLServer's own arg-max,
with tokens, refusals, validation errors, signatures and the audit chain checked.
"""

from __future__ import annotations

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
