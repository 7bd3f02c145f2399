"""Provenance travels in a second signed in-toto statement, with the artifact scan verdict."""

from __future__ import annotations

import base64
import json
import pickle
from pathlib import Path

import pytest

from mlsecure.artifacts.provenance import ModelProvenance, load_provenance
from mlsecure.artifacts.signing import load_private_key, load_public_key, sign_model, verify_model
from mlsecure.errors import InputError

PROVENANCE = {
    "model_name": "digits-mlp", "model_version": "1.2.0", "framework": "pytorch",
    "training_data_hash": "sha256:" + "ab" * 32, "training_data_uri": "s3://ml/digits/train.csv",
    "code_commit": "0123abcd", "code_repo": "https://git.example/ml/digits", "training_started":
    "2026-01-01T00:00:00Z", "training_completed": "2026-01-01T01:00:00Z", "hyperparameters": {"lr": 0.01},
    "metrics": {"accuracy": 0.97}, "dependencies": ["torch==2.13.0"], "environment": {"python": "3.11"},
    "author": "alice", "approvals": [{"by": "bob", "role": "reviewer"}],
}


class _Payload:
    """Pickles to a call of os.getcwd: harmless, and never unpickled here (the scanner only reads bytes)."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        import os

        return os.getcwd, ()


def test_provenance_and_clean_scan_travel_with_the_signature(model_dir: Path, key_files: tuple[Path, Path],
                                                             tmp_path: Path) -> None:
    (tmp_path / "prov.json").write_text(json.dumps(PROVENANCE))
    prov = load_provenance(tmp_path / "prov.json")
    signed = sign_model(model_dir, load_private_key(key_files[0]), provenance=prov)
    result = verify_model(model_dir, signed.bundle, load_public_key(key_files[1]), require_clean_scan=True)
    assert result.valid, result.problems
    assert result.scan is not None and result.scan.status == "clean" and result.scan.files_scanned == 4
    assert result.provenance is not None
    assert result.provenance["model_name"] == "digits-mlp"
    assert result.provenance["model_hash"] == result.root_digest  # filled in from the manifest
    statement = json.loads(base64.b64decode(signed.bundle["dsseEnvelope"]["payload"]))
    inner = statement["predicate"]["mlsecure"]["provenance"]
    assert inner["payloadType"] == "application/vnd.in-toto+json"
    inner_statement = json.loads(base64.b64decode(inner["payload"]))
    assert inner_statement["_type"] == "https://in-toto.io/Statement/v1"
    assert inner_statement["subject"] == statement["subject"]


def test_require_clean_scan_refuses_a_pickle_payload(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    (model_dir / "extra.pkl").write_bytes(pickle.dumps(_Payload(), protocol=4))
    signed = sign_model(model_dir, load_private_key(key_files[0]))
    assert signed.scan.status == "unsafe"
    pub = load_public_key(key_files[1])
    assert verify_model(model_dir, signed.bundle, pub).valid  # the files are what was signed...
    result = verify_model(model_dir, signed.bundle, pub, require_clean_scan=True)
    assert [p.kind for p in result.problems] == ["scan"]  # ...but they were not clean when signed
    assert "extra.pkl" in result.problems[0].message


def test_require_clean_scan_refuses_an_unscanned_signature(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    signed = sign_model(model_dir, load_private_key(key_files[0]), scan=False)
    result = verify_model(model_dir, signed.bundle, load_public_key(key_files[1]), require_clean_scan=True)
    assert [p.kind for p in result.problems] == ["scan"]


def test_model_hash_must_match_the_files(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    prov = ModelProvenance.from_dict({**PROVENANCE, "model_hash": "f" * 64})
    with pytest.raises(InputError, match="model_hash"):
        sign_model(model_dir, load_private_key(key_files[0]), provenance=prov)


def test_provenance_fields_are_checked() -> None:
    with pytest.raises(InputError, match="unknown provenance field"):
        ModelProvenance.from_dict({"model_name": "x", "modle_version": "1"})
    with pytest.raises(InputError, match="'metrics' must be an object"):
        ModelProvenance.from_dict({"model_name": "x", "metrics": [1]})
    prov = ModelProvenance.from_dict(PROVENANCE)
    assert ModelProvenance.from_dict(prov.to_dict()) == prov  # round trip
    assert len(prov.manifest_hash()) == 64


def test_without_the_scanner_the_verdict_says_so(model_dir: Path, key_files: tuple[Path, Path],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def no_scanner(name: str, package: str | None = None) -> object:
        if name == "mlsecure.artifacts.scan":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", no_scanner)
    signed = sign_model(model_dir, load_private_key(key_files[0]))
    assert signed.scan.status == "not-scanned" and "not available" in signed.scan.note
    result = verify_model(model_dir, signed.bundle, load_public_key(key_files[1]), require_clean_scan=True)
    assert [p.kind for p in result.problems] == ["scan"]
