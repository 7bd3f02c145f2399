"""Gateway test fixtures: a digits ONNX model, keys, and real uvicorn servers on 127.0.0.1 (subprocesses)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gw_helpers import Server, make_server  # type: ignore[import-not-found]

from mlsecure.data import Dataset

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")


@pytest.fixture(scope="session")
def digits_onnx(tmp_path_factory: pytest.TempPathFactory, digits: Dataset) -> Path:
    """A LogisticRegression on digits (pixels in [0, 1]) exported to ONNX."""
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    order = rng.permutation(len(digits))
    train = digits.subset(order[:1200])
    model = LogisticRegression(max_iter=500).fit(train.x, train.y)
    onx = to_onnx(model, train.x[:1].astype(np.float32), options={"zipmap": False}, target_opset=17)
    path = tmp_path_factory.mktemp("model") / "digits.onnx"
    path.write_bytes(onx.SerializeToString())
    return path


@pytest.fixture(scope="session")
def natural_queries(digits: Dataset) -> np.ndarray:
    """Held-out digits rows (not used to train ``digits_onnx``), shuffled: a benign client's queries."""
    rng = np.random.default_rng(0)
    order = rng.permutation(len(digits))
    return digits.x[order[1200:]].astype(np.float32)


@pytest.fixture(scope="session")
def jwks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """An RSA key pair: the JWKS file the gateway trusts, and the private key that signs test JWTs."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="test-key", use="sig", alg="RS256")
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}), encoding="utf-8")
    return path, key


MAIN_CONFIG = """
[model]
name = "digits"
version = "3"
input_range = [0.0, 1.0]
max_batch = 64

[server]
max_body_bytes = 65536
trusted_proxies = ["127.0.0.1/32"]

[auth]
token_store = "tokens.db"

[auth.jwt]
jwks_file = "{jwks}"
issuer = "https://idp.test"
audience = "mlsecure-gateway"

[rate_limit]
per_minute = 100000
per_hour = 0
per_day = 1000000
auth_failures_per_minute = 20

[output]
top_k = 3
decimals = 3

[extraction]
min_queries = 100
check_every = 25
action = "block"

[audit]
store = "audit.db"
"""


@pytest.fixture(scope="session")
def main_server(tmp_path_factory: pytest.TempPathFactory, digits_onnx: Path,
                jwks: tuple[Path, Any]) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("gw-main")
    server = make_server(root, digits_onnx, MAIN_CONFIG.format(jwks=jwks[0]))
    server.start()
    yield server
    server.stop()
