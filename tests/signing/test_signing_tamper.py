"""Sign, then tamper in every way the issue lists: verification must fail and name the file."""

from __future__ import annotations

import base64
import copy
import json
import shutil
from pathlib import Path

import pytest

from mlsecure.artifacts.signing import (
    generate_keypair,
    load_private_key,
    load_public_key,
    sign_model,
    verify_model,
)
from mlsecure.artifacts.signing.keys import PublicKey


def _sign(model: Path, key_files: tuple[Path, Path], **kw: object) -> tuple[dict, PublicKey]:  # type: ignore[type-arg]
    signed = sign_model(model, load_private_key(key_files[0]), **kw)  # type: ignore[arg-type]
    return signed.bundle, load_public_key(key_files[1])


def _kinds(result) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(p.kind, p.path) for p in result.problems]


@pytest.mark.parametrize(("algorithm", "layout"), [("sha256", "files"), ("sha256", "shards"), ("blake3", "files")])
def test_untouched_model_verifies(model_dir: Path, key_files: tuple[Path, Path], algorithm: str, layout: str) -> None:
    bundle, pub = _sign(model_dir, key_files, algorithm=algorithm, layout=layout, shard_size=1024)
    result = verify_model(model_dir, bundle, pub)
    assert result.valid, result.problems
    assert result.files == 4  # model.safetensors, config.json, tokenizer/vocab.txt, EMPTY
    assert result.total_bytes == sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())


@pytest.mark.parametrize("layout", ["files", "shards"])
def test_modified_same_size_is_named(model_dir: Path, key_files: tuple[Path, Path], layout: str) -> None:
    bundle, pub = _sign(model_dir, key_files, layout=layout, shard_size=512)
    weights = model_dir / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-5] ^= 0x01  # one bit of one weight, same size
    weights.write_bytes(bytes(data))
    result = verify_model(model_dir, bundle, pub)
    assert not result.valid
    assert _kinds(result) == [("modified", "model.safetensors")]


def test_appended_bytes_report_the_size(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    bundle, pub = _sign(model_dir, key_files)
    with (model_dir / "config.json").open("ab") as fh:
        fh.write(b" ")
    result = verify_model(model_dir, bundle, pub)
    assert _kinds(result) == [("modified", "config.json")]
    size = len(json.dumps({"model_type": "mlp", "hidden": 64}))
    assert f"size {size} -> {size + 1} bytes" in result.problems[0].message


def test_added_file_is_named(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    bundle, pub = _sign(model_dir, key_files)
    (model_dir / "tokenizer" / "extra.py").write_text("import os\n")
    assert _kinds(verify_model(model_dir, bundle, pub)) == [("added", "tokenizer/extra.py")]


@pytest.mark.parametrize("layout", ["files", "shards"])
def test_removed_file_is_named_even_when_empty(model_dir: Path, key_files: tuple[Path, Path], layout: str) -> None:
    bundle, pub = _sign(model_dir, key_files, layout=layout)
    (model_dir / "EMPTY").unlink()  # in the shards layout an empty file has no shard: the signed sizes catch it
    assert _kinds(verify_model(model_dir, bundle, pub)) == [("removed", "EMPTY")]


def test_renamed_file_is_named_with_both_paths(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    bundle, pub = _sign(model_dir, key_files)
    (model_dir / "config.json").rename(model_dir / "config.prod.json")
    result = verify_model(model_dir, bundle, pub)
    assert [(p.kind, p.path) for p in result.problems] == [("renamed", "config.json")]
    assert result.problems[0].message == "renamed: config.json -> config.prod.json"


def test_bad_signature_fails(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    bundle, pub = _sign(model_dir, key_files)
    sig = bytearray(base64.b64decode(bundle["dsseEnvelope"]["signatures"][0]["sig"]))
    sig[len(sig) // 2] ^= 0xFF
    forged = copy.deepcopy(bundle)
    forged["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    assert _kinds(verify_model(model_dir, forged, pub)) == [("bad-signature", None)]


def test_edited_payload_fails_signature(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    """An attacker who edits a digest in the signed statement (to match a swapped file) breaks the signature."""
    bundle, pub = _sign(model_dir, key_files)
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["resources"][0]["digest"] = "0" * 64
    forged = copy.deepcopy(bundle)
    forged["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    assert _kinds(verify_model(model_dir, forged, pub)) == [("bad-signature", None)]


def test_missing_signature_entry_fails_clearly(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    bundle, pub = _sign(model_dir, key_files)
    bundle["dsseEnvelope"]["signatures"] = []
    result = verify_model(model_dir, bundle, pub)
    assert _kinds(result) == [("bad-signature", None)]
    assert "no signature" in result.problems[0].message


def test_wrong_key_is_told_apart(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    bundle, _ = _sign(model_dir, key_files)
    other = generate_keypair("p256")
    other_pub = model_dir.parent / "other.pub"
    other_pub.write_bytes(other.public_pem)
    result = verify_model(model_dir, bundle, load_public_key(other_pub))
    assert _kinds(result) == [("wrong-key", None)]


def test_moved_directory_still_verifies(model_dir: Path, key_files: tuple[Path, Path], tmp_path: Path) -> None:
    bundle, pub = _sign(model_dir, key_files)
    moved = tmp_path / "elsewhere" / "renamed-model"
    moved.parent.mkdir()
    shutil.move(model_dir, moved)
    assert verify_model(moved, bundle, pub).valid


def test_single_file_model_survives_a_rename(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    weights = model_dir / "model.safetensors"
    bundle, pub = _sign(weights, key_files)
    moved = weights.rename(model_dir.parent / "v2.safetensors")
    assert verify_model(moved, bundle, pub).valid
    moved.write_bytes(moved.read_bytes() + b"x")
    assert _kinds(verify_model(moved, bundle, pub)) == [("modified", ".")]


def test_signature_inside_the_model_is_not_signed(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    sig_path = model_dir / "model.sig.json"
    signed = sign_model(model_dir, load_private_key(key_files[0]), signature_path=sig_path)
    sig_path.write_text(json.dumps(signed.bundle))
    assert "model.sig.json" not in signed.manifest.sizes
    assert verify_model(model_dir, signed.bundle, load_public_key(key_files[1]), signature_path=sig_path).valid


def test_symlink_added_after_signing_is_refused(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    from mlsecure.errors import InputError

    bundle, pub = _sign(model_dir, key_files)
    (model_dir / "link").symlink_to("/etc/hostname")
    with pytest.raises(InputError, match="symbolic link"):
        verify_model(model_dir, bundle, pub)


def test_every_change_at_once_is_listed(model_dir: Path, key_files: tuple[Path, Path]) -> None:
    bundle, pub = _sign(model_dir, key_files)
    (model_dir / "config.json").write_text("{}")
    (model_dir / "EMPTY").unlink()
    (model_dir / "tokenizer" / "vocab.txt").rename(model_dir / "vocab.txt")
    (model_dir / "payload.pkl").write_bytes(b"\x80\x04.")
    assert sorted(_kinds(verify_model(model_dir, bundle, pub))) == [
        ("added", "payload.pkl"), ("modified", "config.json"), ("removed", "EMPTY"),
        ("renamed", "tokenizer/vocab.txt"),
    ]
