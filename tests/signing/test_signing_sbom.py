"""The CycloneDX 1.6 ML-BOM: known hashes, datasets from provenance, and the library's own validator."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mlsecure.artifacts.provenance import ModelProvenance
from mlsecure.supply_chain.sbom import build_sbom, validate_sbom


def test_bom_contents_and_validation(model_dir: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("safetensors==0.4.5 \\\n    --hash=sha256:" + "c" * 64 + "\nhttps://example.com/x-1.0.whl\n")
    prov = ModelProvenance(model_name="digits-mlp", model_version="1.2.0", framework="pytorch",
                           training_data_uri="s3://ml/digits/train.csv", training_data_hash="ab" * 32)
    sbom = build_sbom(model_dir, requirements=req, provenance=prov)
    assert validate_sbom(sbom.json) is None
    bom = json.loads(sbom.json)
    model = bom["metadata"]["component"]
    assert (model["type"], model["name"], model["version"]) == ("machine-learning-model", "digits-mlp", "1.2.0")
    files = {c["name"]: c["hashes"][0]["content"] for c in model["components"]}
    assert files["config.json"] == hashlib.sha256((model_dir / "config.json").read_bytes()).hexdigest()
    assert set(files) == {"model.safetensors", "config.json", "tokenizer/vocab.txt", "EMPTY"}
    data = next(c for c in bom["components"] if c["type"] == "data")
    assert data["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    lib = next(c for c in bom["components"] if c.get("purl") == "pkg:pypi/safetensors@0.4.5")
    assert lib["hashes"] == [{"alg": "SHA-256", "content": "c" * 64}]
    deps = next(d for d in bom["dependencies"] if d["ref"] == "model")
    assert len(deps["dependsOn"]) == 3  # the dataset and both requirements
    assert (sbom.files, sbom.datasets, sbom.dependencies) == (4, 1, 2)


def test_validator_rejects_a_broken_bom(model_dir: Path) -> None:
    bom = json.loads(build_sbom(model_dir).json)
    bom["metadata"]["component"]["type"] = "spaceship"
    assert validate_sbom(json.dumps(bom)) is not None
