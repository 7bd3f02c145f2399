"""Malformed requests never produce a 5xx.

Two bounded fuzzers against the running server: schemathesis, generating positive and negative
(schema-violating) cases from the gateway's own OpenAPI spec, and hypothesis, posting arbitrary JSON
values and raw bytes to ``/v1/predict``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from gw_helpers import Server, auth  # type: ignore[import-not-found]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=70) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=200,
)
_bodies = st.one_of(
    _json.map(lambda v: json.dumps(v).encode()),
    _json.map(lambda v: json.dumps({"inputs": v}).encode()),
    st.lists(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32), min_size=62, max_size=66),
             min_size=0, max_size=3).map(lambda rows: json.dumps({"inputs": rows}).encode()),
    st.binary(max_size=300),
)


@pytest.fixture(scope="module")
def fuzz_token(main_server: Server) -> str:
    token, _ = main_server.token("admin")
    return token


@pytest.fixture(scope="module")
def client(main_server: Server) -> Iterator[httpx.Client]:
    with main_server.client() as c:
        yield c


@pytest.fixture(scope="module")
def operations(main_server: Server) -> list[Any]:
    schema = schemathesis.openapi.from_url(main_server.url + "/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


# schemathesis' own pytest plugin (``from_fixture``) does not run under pytest 9, so its case
# strategies are drawn inside a plain hypothesis test instead: same generators, same checks.
@given(data=st.data())
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_schemathesis_no_server_errors(main_server: Server, operations: list[Any], fuzz_token: str,
                                       data: st.DataObject) -> None:
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

    op = data.draw(st.sampled_from(operations), label="operation")
    mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]), label="mode")
    case = data.draw(op.as_strategy(generation_mode=mode), label="case")
    # a documentation address of its own, so failed authentications here cannot lock out other tests
    response = case.call(base_url=main_server.url, headers={**auth(fuzz_token), "X-Forwarded-For": "192.0.2.200"})
    assert response.status_code < 500, (case.body, response.text)
    case.validate_response(response, checks=[not_a_server_error])


@given(body=_bodies)
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_hypothesis_bodies_no_server_errors(client: httpx.Client, fuzz_token: str, body: bytes) -> None:
    r = client.post("/v1/predict", content=body, headers={**auth(fuzz_token), "content-type": "application/json",
                                                          "X-Forwarded-For": "192.0.2.201"})
    assert r.status_code < 500, (body[:200], r.text)
    if r.status_code == 422:
        assert r.json()["field"]  # every refusal names the field at fault
    if r.status_code == 200:
        rows = json.loads(body)["inputs"]
        assert len(r.json()["predictions"]) == len(rows)
        arr = np.asarray(rows, dtype=np.float64)
        assert arr.shape[1:] == (64,) and np.isfinite(arr).all() and arr.min() >= 0 and arr.max() <= 1
