"""Fixtures for the signing tests: a small real model directory and key pairs of both algorithms."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mlsecure.artifacts.signing import KeyPair, generate_keypair


def write_model(root: Path) -> Path:
    """A model directory like a hub checkout: safetensors weights, JSON config, a tokenizer file, an empty file."""
    from safetensors.numpy import save_file

    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    save_file({"fc.weight": rng.standard_normal((64, 10)).astype(np.float32),
               "fc.bias": np.zeros(10, dtype=np.float32)}, str(root / "model.safetensors"))
    (root / "config.json").write_text(json.dumps({"model_type": "mlp", "hidden": 64}), encoding="utf-8")
    (root / "tokenizer").mkdir(exist_ok=True)
    (root / "tokenizer" / "vocab.txt").write_text("a\nb\nc\n", encoding="utf-8")
    (root / "EMPTY").write_bytes(b"")
    return root


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return write_model(tmp_path / "model")


@pytest.fixture(scope="session")
def ed25519_pair() -> KeyPair:
    return generate_keypair("ed25519")


@pytest.fixture(scope="session")
def p256_pair() -> KeyPair:
    return generate_keypair("p256")


@pytest.fixture(params=["ed25519", "p256"])
def key_files(request: pytest.FixtureRequest, tmp_path: Path, ed25519_pair: KeyPair,
              p256_pair: KeyPair) -> tuple[Path, Path]:
    """``(private, public)`` PEM files, once per key algorithm."""
    pair = ed25519_pair if request.param == "ed25519" else p256_pair
    private, public = tmp_path / f"{pair.algorithm}.key", tmp_path / f"{pair.algorithm}.key.pub"
    private.write_bytes(pair.private_pem)
    public.write_bytes(pair.public_pem)
    return private, public
