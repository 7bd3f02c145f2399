"""The Open Inference Protocol (KServe v2) front, driven by NVIDIA's ``tritonclient`` HTTP client unchanged.

The gateway under test is the session's ``main_server`` (digits ONNX, ``top_k = 3``, 3 decimals, range [0, 1]);
every call goes through the same authorised, validated, limited, hardened, signed and audited path as
``/v1/predict``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from gw_helpers import Server, auth  # type: ignore[import-not-found]

from mlsecure.serving.signing import load_public_key, verify_response

httpclient = pytest.importorskip("tritonclient.http")
InferenceServerException = pytest.importorskip("tritonclient.utils").InferenceServerException


def _client(server: Server) -> Any:
    return httpclient.InferenceServerClient(url=f"127.0.0.1:{server.port}")


def _input(x: np.ndarray, name: str = "input-0", dtype: str = "FP32") -> Any:
    inp = httpclient.InferInput(name, list(x.shape), dtype)
    inp.set_data_from_numpy(x, binary_data=False)
    return inp


def _outputs(*names: str) -> list[Any]:
    return [httpclient.InferRequestedOutput(n, binary_data=False) for n in names]


def test_tritonclient_health_metadata_and_infer(main_server: Server, natural_queries: np.ndarray) -> None:
    token, _ = main_server.token("data_scientist")
    c = _client(main_server)
    try:
        assert c.is_server_live() and c.is_server_ready()
        assert c.is_model_ready("digits", headers=auth(token))
        assert c.is_model_ready("digits", "3", headers=auth(token))
        meta = c.get_model_metadata("digits", headers=auth(token))
        assert meta["inputs"] == [{"name": "input-0", "datatype": "FP32", "shape": [-1, 64]}]
        assert [o["name"] for o in meta["outputs"]] == ["label", "top_labels", "probability"]
        assert meta["outputs"][2]["shape"] == [-1, 3] and meta["versions"] == ["3"]

        x = natural_queries[:5]
        result = c.infer("digits", [_input(x)], outputs=_outputs("label", "top_labels", "probability"),
                         headers=auth(token), request_id="my-req-1")
        labels, top, prob = result.as_numpy("label"), result.as_numpy("top_labels"), result.as_numpy("probability")
        assert labels.shape == (5,) and top.shape == (5, 3) and prob.shape == (5, 3)
        assert (top[:, 0] == labels).all()
        assert np.all(np.diff(prob, axis=1) <= 0)  # sorted, most probable first
        assert np.allclose(prob, prob.round(3))  # output hardening: 3 decimals
        response = result.get_response()
        assert response["id"] == "my-req-1" and response["model_version"] == "3"
        # the same rows through /v1/predict give the same labels: one model, one request path
        with main_server.client() as h:
            v1 = h.post("/v1/predict", json={"inputs": x.tolist()}, headers=auth(token)).json()
        assert [p["label"] for p in v1["predictions"]] == labels.tolist()
        assert [[t["probability"] for t in p["top"]] for p in v1["predictions"]] == prob.tolist()
        # a request without outputs gets all three; one asking for "label" gets only that
        only = c.infer("digits", [_input(x[:1])], outputs=_outputs("label"), headers=auth(token)).get_response()
        assert [o["name"] for o in only["outputs"]] == ["label"]
        every = c.infer("digits", [_input(x[:1])], headers=auth(token)).get_response()
        assert [o["name"] for o in every["outputs"]] == ["label", "top_labels", "probability"]
    finally:
        c.close()
    events = [e for e in main_server.audit_events() if e["details"].get("endpoint", "").startswith("v2_")]
    infer = [e for e in events if e["details"]["endpoint"] == "v2_infer" and e["outcome"] == "allowed"]
    assert len(infer) >= 3 and all(e["action"] == "predict" and e["input_hash"] for e in infer)
    assert any(e["details"]["endpoint"] == "v2_metadata" for e in events)


def test_tritonclient_refusals(main_server: Server, natural_queries: np.ndarray) -> None:
    viewer, _ = main_server.token("viewer")
    scientist, _ = main_server.token("data_scientist")
    x = natural_queries[:2]
    c = _client(main_server)
    try:
        cases: list[tuple[dict[str, str], list[Any], str, str]] = [
            ({}, [_input(x)], "401", "unauthorized"),
            (auth("mlsgw_not-a-real-token"), [_input(x)], "401", "unauthorized"),
            (auth(viewer), [_input(x)], "403", "forbidden"),
            (auth(scientist), [_input(x, name="pixels")], "422", "inputs[0].name"),
            (auth(scientist), [_input(x * 2.0)], "422", "outside the allowed range"),
            (auth(scientist), [_input(x[:, :60].copy())], "422", "inputs[0].shape"),
            (auth(scientist), [_input(np.zeros((65, 64), np.float32))], "422", "exceeds the limit of 64"),
            (auth(scientist), [_input(np.zeros((1, 64), bool), dtype="BOOL")], "422", "inputs[0].datatype"),
        ]
        for headers, inputs, status, text in cases:
            with pytest.raises(InferenceServerException) as err:
                c.infer("digits", inputs, headers=headers)
            assert err.value.status() == status, (text, err.value)
            assert text in err.value.message(), err.value.message()
        # the binary-tensor extension is refused with the field named, not misread
        binary = httpclient.InferInput("input-0", [2, 64], "FP32")
        binary.set_data_from_numpy(x, binary_data=True)
        with pytest.raises(InferenceServerException) as err:
            c.infer("digits", [binary], headers=auth(scientist))
        assert err.value.status() == "422" and "binary_data_size" in err.value.message()
        with pytest.raises(InferenceServerException) as err:
            c.infer("other-model", [_input(x)], headers=auth(scientist))
        assert err.value.status() == "404"
    finally:
        c.close()
    refused = [e for e in main_server.audit_events() if e["details"].get("endpoint") == "v2_infer"
               and e["outcome"] == "denied"]
    reasons = " | ".join(str(e["details"].get("reason")) for e in refused)
    assert "inputs[0].name" in reasons and "missing predict" in reasons and "binary_data_size" in reasons


def test_oip_signature_covers_exact_bytes(main_server: Server, natural_queries: np.ndarray) -> None:
    token, _ = main_server.token("data_scientist")
    body, json_size = httpclient.InferenceServerClient.generate_request_body(
        [_input(natural_queries[:3])], outputs=_outputs("label", "probability"))
    assert json_size is None  # all JSON: no binary tail
    with main_server.client() as h:
        key = load_public_key(h.get("/.well-known/mlsecure-signing-key").json()["public_key_pem"].encode())
        r = h.post("/v2/models/digits/versions/3/infer", content=body,
                   headers={**auth(token), "Content-Type": "application/json"})
        assert r.status_code == 200, r.text
        assert verify_response(r.content, r.headers["X-Signature"], key)
        doc = r.json()
        doc["outputs"][0]["data"][0] = (doc["outputs"][0]["data"][0] + 1) % 10
        assert not verify_response(json.dumps(doc, sort_keys=True, separators=(",", ":")), r.headers["X-Signature"],
                                   key)
        # integer tensors are accepted when integral and in range; FP64 too
        ints = {"inputs": [{"name": "input-0", "shape": [1, 64], "datatype": "INT32", "data": [0] * 63 + [1]}]}
        assert h.post("/v2/models/digits/infer", json=ints, headers=auth(token)).status_code == 200
        ints["inputs"][0]["data"][5] = 0.5  # type: ignore[index]
        r = h.post("/v2/models/digits/infer", json=ints, headers=auth(token))
        assert r.status_code == 422 and r.json()["field"] == "inputs[0].data[5]"
        nested = {"inputs": [{"name": "input-0", "shape": [1, 64], "datatype": "FP64",
                              "data": [[0.0] * 63 + [True]]}]}
        r = h.post("/v2/models/digits/infer", json=nested, headers=auth(token))
        assert r.status_code == 422 and r.json()["field"] == "inputs[0].data[63]"
        r = h.post("/v2/models/digits/infer", json={"inputs": [], "extra": 1}, headers=auth(token))
        assert r.status_code == 422 and r.json()["field"] == "extra"
        # unknown /v2 paths and wrong methods are audited 404/405 in the OIP error shape
        r = h.get("/v2/models/digits/infer", headers=auth(token))
        assert r.status_code == 405 and r.headers["allow"] == "POST" and "error" in r.json()
        assert h.get("/v2/repository/index").status_code == 404
