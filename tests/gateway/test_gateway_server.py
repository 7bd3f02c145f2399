"""The gateway as users meet it: a real uvicorn server on 127.0.0.1, driven over HTTP."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import numpy as np
import pytest
from gw_helpers import Server, auth  # type: ignore[import-not-found]

from mlsecure.cli.main import main
from mlsecure.serving.signing import load_public_key, verify_response


def _predict(c: Any, token: str | None, rows: Any, **headers: str) -> Any:
    h = auth(token) if token else {}
    h.update(headers)
    return c.post("/v1/predict", json={"inputs": np.asarray(rows).tolist()}, headers=h)


def _event(server: Server, request_id: str) -> list[dict[str, Any]]:
    return [e for e in server.audit_events() if e["details"].get("request_id") == request_id]


def test_prediction_is_signed_hardened_and_audited(main_server: Server, natural_queries: np.ndarray) -> None:
    token, token_id = main_server.token()
    with main_server.client() as c:
        r = _predict(c, token, natural_queries[:5])
        assert r.status_code == 200, r.text
        body = r.json()
        pem = c.get("/.well-known/mlsecure-signing-key").json()["public_key_pem"]
    key = load_public_key(pem.encode())
    # top_k = 3 with 3 decimals; labels are the model's classes
    assert len(body["predictions"]) == 5
    for pred in body["predictions"]:
        assert len(pred["top"]) == 3 and pred["label"] == pred["top"][0]["label"]
        assert all(round(t["probability"], 3) == t["probability"] for t in pred["top"])
    # the input hash in the body is the SHA-256 of exactly the bytes sent
    assert body["input_sha256"] == hashlib.sha256(r.request.content).hexdigest()
    assert verify_response(r.content, r.headers["X-Signature"], key)
    # the signature covers the exact bytes: re-indenting or changing any value breaks it
    assert not verify_response(json.dumps(body, indent=2), r.headers["X-Signature"], key)
    tampered = json.loads(r.content)
    tampered["predictions"][0]["top"][0]["probability"] = 0.123
    assert not verify_response(json.dumps(tampered), r.headers["X-Signature"], key)
    swapped = dict(body, input_sha256="0" * 64)
    assert not verify_response(json.dumps(swapped), r.headers["X-Signature"], key)
    (events,) = [_event(main_server, body["request_id"])]
    assert len(events) == 1
    ev = events[0]
    assert (ev["event_type"], ev["actor"], ev["outcome"]) == ("prediction", token_id, "allowed")
    assert ev["input_hash"] == body["input_sha256"] and ev["details"]["rows"] == 5
    assert "inputs" not in json.dumps(ev)  # never the raw input


def test_verify_response_cli(main_server: Server, natural_queries: np.ndarray, tmp_path: Any) -> None:
    token, _ = main_server.token()
    with main_server.client() as c:
        r = _predict(c, token, natural_queries[:1])
        pem = c.get("/.well-known/mlsecure-signing-key").json()["public_key_pem"]
    (tmp_path / "pub.pem").write_text(pem)
    (tmp_path / "body.json").write_bytes(r.content)
    args = ["gateway", "verify-response", "--public-key", str(tmp_path / "pub.pem"), "--body",
            str(tmp_path / "body.json"), "--signature", r.headers["X-Signature"]]
    assert main(args) == 0
    (tmp_path / "body.json").write_bytes(r.content.replace(b'"version":"3"', b'"version":"4"'))
    assert main(args) == 1


@pytest.mark.parametrize("case", ["none", "not-bearer", "garbage", "wrong-secret", "unknown-id"])
def test_bad_credentials_are_401(main_server: Server, natural_queries: np.ndarray, case: str) -> None:
    token, token_id = main_server.token()
    header = {
        "none": None,
        "not-bearer": f"Basic {token}",
        "garbage": "Bearer hello",
        "wrong-secret": "Bearer " + token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        "unknown-id": "Bearer " + token.replace(token_id, "0" * 12),
    }[case]
    with main_server.client() as c:
        h = {"Authorization": header} if header else {}
        r = c.post("/v1/predict", json={"inputs": natural_queries[:1].tolist()},
                   headers={**h, "X-Forwarded-For": f"10.9.8.{hash(case) % 250}"})
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    ev = _event(main_server, r.json()["request_id"])
    assert len(ev) == 1 and ev[0]["event_type"] == "auth_failure" and ev[0]["outcome"] == "denied"


def test_expired_and_revoked_tokens_are_refused(main_server: Server, natural_queries: np.ndarray) -> None:
    expired, _ = main_server.token(ttl_s=5, now=time.time() - 60)
    live, live_id = main_server.token()
    with main_server.client() as c:
        r = _predict(c, expired, natural_queries[:1])
        assert r.status_code == 401 and r.json()["detail"] == "token expired"
        assert _predict(c, live, natural_queries[:1]).status_code == 200
        # revoke through the CLI while the server runs: effective on the very next request
        assert main(["gateway", "token", "revoke", "--store", str(main_server.root / "tokens.db"), live_id]) == 0
        r = _predict(c, live, natural_queries[:1])
        assert r.status_code == 401 and r.json()["detail"] == "token revoked"


def test_rbac_and_scopes(main_server: Server, natural_queries: np.ndarray) -> None:
    viewer, _ = main_server.token("viewer")
    narrowed, _ = main_server.token("data_scientist", scopes=("models:read",))
    auditor, _ = main_server.token("auditor")
    with main_server.client() as c:
        for tok in (viewer, narrowed, auditor):
            r = _predict(c, tok, natural_queries[:1])
            assert r.status_code == 403 and "'predict'" in r.json()["detail"]
            assert c.get("/v1/models", headers=auth(tok)).status_code == 200
        assert c.get("/v1/audit/verify", headers=auth(viewer)).status_code == 403
        r = c.get("/v1/audit/verify", headers=auth(auditor))
        assert r.status_code == 200 and r.json()["ok"] is True
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers=auth(viewer)).status_code == 403
        m = c.get("/metrics", headers=auth(auditor))
        assert m.status_code == 200 and "mlsecure_gateway_requests_total" in m.text
        model = c.get("/v1/models", headers=auth(viewer)).json()["models"][0]
    assert model["input_shape"] == [64] and model["n_classes"] == 10 and model["value_range"] == [0.0, 1.0]


def test_jwt_bearer_tokens(main_server: Server, natural_queries: np.ndarray, jwks: tuple[Any, Any]) -> None:
    import jwt

    _, key = jwks
    now = int(time.time())
    base = {"iss": "https://idp.test", "aud": "mlsecure-gateway", "sub": "carol", "role": "data_scientist",
            "iat": now, "exp": now + 300}

    def sign(claims: dict[str, Any], kid: str = "test-key") -> str:
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})

    with main_server.client() as c:
        r = _predict(c, sign(base), natural_queries[:1])
        assert r.status_code == 200
        assert _event(main_server, r.json()["request_id"])[0]["actor"] == "jwt:carol"
        for bad in ({**base, "exp": now - 120}, {**base, "aud": "other"}, {**base, "iss": "https://evil"}):
            assert _predict(c, sign(bad), natural_queries[:1]).status_code == 401
        assert _predict(c, sign(base, kid="nope"), natural_queries[:1]).status_code == 401
        assert _predict(c, sign({**base, "role": "viewer"}), natural_queries[:1]).status_code == 403
        forged = jwt.encode(base, "s" * 32, algorithm="HS256", headers={"kid": "test-key"})
        assert _predict(c, forged, natural_queries[:1]).status_code == 401


@pytest.mark.parametrize(("rows", "field", "words"), [
    ([[0.5] * 63], "inputs[0]", "expected 64 values, got 63"),
    ([[0.5] * 64, [0.5] * 10 + [1.5] + [0.5] * 53], "inputs[1][10]", "outside the allowed range"),
    ([[0.5] * 64, [0.5] * 7 + ["x"] + [0.5] * 56], "inputs[1][7]", "expected a number, got a string"),
    ([[0.5] * 63 + [True]], "inputs[0][63]", "got a boolean"),
    ([[0.5] * 63 + [None]], "inputs[0][63]", "got null"),
    ([0.5] * 64, "inputs[0]", "expected a list of 64 values"),
    ([[0.5] * 64] * 65, "inputs", "exceeds the limit of 64"),
    ([], "inputs", "batch is empty"),
])
def test_invalid_inputs_name_the_field(main_server: Server, rows: Any, field: str, words: str) -> None:
    token, _ = main_server.token()
    with main_server.client() as c:
        r = c.post("/v1/predict", json={"inputs": rows}, headers=auth(token))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and words in r.json()["detail"]


def test_nan_infinity_body_size_and_content_type(main_server: Server) -> None:
    token, _ = main_server.token()
    row = ",".join(["0.1"] * 64)
    with main_server.client() as c:
        for literal, name in (("NaN", "NaN"), ("Infinity", "Infinity"), ("1e999", "Infinity")):
            body = '{"inputs": [[' + row + "],[" + ",".join(["0.1"] * 5 + [literal] + ["0.1"] * 58) + "]]}"
            r = c.post("/v1/predict", content=body, headers={**auth(token), "content-type": "application/json"})
            assert r.status_code == 422 and r.json()["field"] == "inputs[1][5]" and name in r.json()["detail"]
        r = c.post("/v1/predict", content=b"{" * 70000, headers={**auth(token), "content-type": "application/json"})
        assert r.status_code == 413
        r = c.post("/v1/predict", content="[" * 5000 + "]" * 5000,
                   headers={**auth(token), "content-type": "application/json"})
        assert r.status_code == 422 and r.json()["field"] == "body"
        r = c.post("/v1/predict", content=b"inputs=1", headers={**auth(token), "content-type": "text/plain"})
        assert r.status_code == 415


def test_forwarded_for_uses_rightmost_untrusted_hop(main_server: Server, natural_queries: np.ndarray) -> None:
    token, _ = main_server.token()
    with main_server.client() as c:
        # 127.0.0.1 (the socket peer) is a trusted proxy; 6.6.6.6 is what the client claims, 203.0.113.9
        # is the address the trusted proxy saw: the gateway must log the latter
        r = _predict(c, token, natural_queries[:1], **{"X-Forwarded-For": "6.6.6.6, 203.0.113.9"})
    (ev,) = _event(main_server, r.json()["request_id"])
    assert ev["ip_address"] == "203.0.113.9"


def test_failed_auth_lockout_per_address(main_server: Server, natural_queries: np.ndarray) -> None:
    token, _ = main_server.token()
    addr = {"X-Forwarded-For": "198.51.100.77"}
    with main_server.client() as c:
        codes = [_predict(c, "mlsgw_bad", natural_queries[:1], **addr).status_code for _ in range(20)]
        assert codes == [401] * 20
        r = _predict(c, token, natural_queries[:1], **addr)  # even a good token: the address is locked out
        assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
        assert _predict(c, token, natural_queries[:1], **{"X-Forwarded-For": "198.51.100.78"}).status_code == 200


def test_extraction_monitor_flags_uniform_client_not_natural(main_server: Server, natural_queries: np.ndarray) -> None:
    attacker, attacker_id = main_server.token()
    benign, benign_id = main_server.token()
    rng = np.random.default_rng(7)
    uniform = rng.uniform(0, 1, size=(192, 64)).astype(np.float32)
    attacker_codes = []
    with main_server.client() as c:
        for i in range(0, 192, 32):
            assert _predict(c, benign, natural_queries[i:i + 32]).status_code == 200
            attacker_codes.append(_predict(c, attacker, uniform[i:i + 32]).status_code)
        # action = "block": flagged once the test runs (>= 100 queries), then refused; the natural client is not
        assert attacker_codes[:3] == [200, 200, 200] and attacker_codes[-1] == 403
        r = _predict(c, attacker, natural_queries[:1])
        assert r.status_code == 403 and r.json()["error"] == "blocked"
        assert _predict(c, benign, natural_queries[:1]).status_code == 200
    # (other tests' clients may be flagged too: the fuzzer's random bodies look like uniform queries)
    flags = [e for e in main_server.audit_events()
             if e["event_type"] == "extraction_suspected" and e["actor"] in (attacker_id, benign_id)]
    assert [e["actor"] for e in flags] == [attacker_id]
    assert flags[0]["details"]["uniform_flag"] is True and flags[0]["details"]["atlas"] == "AML.T0024.002"
    assert benign_id not in {e["actor"] for e in flags}


def test_openapi_describes_the_input_schema(main_server: Server) -> None:
    with main_server.client() as c:
        spec = c.get("/openapi.json").json()
    body = spec["paths"]["/v1/predict"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    sample = body["properties"]["inputs"]["items"]
    assert body["properties"]["inputs"]["maxItems"] == 64
    assert sample["minItems"] == sample["maxItems"] == 64
    assert (sample["items"]["minimum"], sample["items"]["maximum"]) == (0.0, 1.0)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
