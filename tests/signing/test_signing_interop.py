"""Interoperability with OpenSSF model-signing (https://github.com/sigstore/model-transparency).

Its verifier must accept what we sign with a P-256 key, and ours must accept what it signs. Skipped
with a reason when ``model-signing`` (a test-only dependency) is not installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlsecure.artifacts.signing import load_private_key, load_public_key, read_signature, sign_model, verify_model
from mlsecure.artifacts.signing.keys import KeyPair

model_signing = pytest.importorskip(
    "model_signing", reason="model-signing is not installed (pip install -c constraints.txt model-signing)")


def _keys(pair: KeyPair, where: Path) -> tuple[Path, Path]:
    private, public = where / "p256.pem", where / "p256.pub"
    private.write_bytes(pair.private_pem)
    public.write_bytes(pair.public_pem)
    return private, public


def test_model_signing_cli_accepts_our_p256_signature(model_dir: Path, p256_pair: KeyPair, tmp_path: Path) -> None:
    private, public = _keys(p256_pair, tmp_path)
    sig = tmp_path / "model.sig.json"
    sig.write_text(json.dumps(sign_model(model_dir, load_private_key(private)).bundle, indent=2))
    cmd = [sys.executable, "-m", "model_signing", "verify", "key", "--public_key", str(public), "--signature", str(sig),
           str(model_dir)]
    ok = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "Verification succeeded" in ok.stdout
    (model_dir / "config.json").write_text("{}")  # and it rejects a tampered model, naming the file
    bad = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)
    assert bad.returncode == 1
    assert "config.json" in bad.stderr


@pytest.mark.parametrize(("algorithm", "layout"), [("sha256", "files"), ("sha256", "shards"), ("blake3", "files")])
def test_model_signing_library_accepts_every_layout(model_dir: Path, p256_pair: KeyPair, tmp_path: Path,
                                                     algorithm: str, layout: str) -> None:
    """Its CLI forces the files/sha256 serialization; its library reads the one recorded in the signature."""
    private, public = _keys(p256_pair, tmp_path)
    sig = tmp_path / "model.sig.json"
    bundle = sign_model(model_dir, load_private_key(private), algorithm=algorithm, layout=layout,  # type: ignore[arg-type]
                        shard_size=4096).bundle
    sig.write_text(json.dumps(bundle))
    verifier = model_signing.verifying.Config().use_elliptic_key_verifier(public_key=public)
    verifier.verify(model_dir, sig)
    victim = next(p for p in sorted(model_dir.rglob("*")) if p.is_file() and p.stat().st_size)
    original = victim.read_bytes()
    victim.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    try:
        with pytest.raises(Exception, match=r"(?i)mismatch|differ|verif|digest|hash"):  # its own error types
            verifier.verify(model_dir, sig)
    finally:
        victim.write_bytes(original)


def test_we_verify_model_signing_signatures(model_dir: Path, p256_pair: KeyPair, tmp_path: Path) -> None:
    private, public = _keys(p256_pair, tmp_path)
    sig = tmp_path / "theirs.sig"
    model_signing.signing.Config().use_elliptic_key_signer(private_key=private).sign(model_dir, sig)
    result = verify_model(model_dir, read_signature(sig), load_public_key(public))
    assert result.valid, result.problems
    assert result.files == 4
    (model_dir / "tokenizer" / "vocab.txt").unlink()
    result = verify_model(model_dir, read_signature(sig), load_public_key(public))
    assert [(p.kind, p.path) for p in result.problems] == [("removed", "tokenizer/vocab.txt")]
