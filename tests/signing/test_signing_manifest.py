"""Known answers for the manifest: digests against hashlib/blake3 run independently, the subject digest
by model-signing's definition, shard boundaries, and a hypothesis round trip."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import blake3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlsecure.artifacts.signing import diff_manifests, hash_model
from mlsecure.errors import InputError


def test_files_layout_digests_and_subject(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "b").write_bytes(b"bbb")
    (tmp_path / "m" / "a").write_bytes(b"a")
    (tmp_path / "m" / ".git").mkdir()
    (tmp_path / "m" / ".git" / "HEAD").write_bytes(b"ref")  # ignored, as model-signing ignores it
    manifest = hash_model(tmp_path / "m", workers=2)
    da, db = hashlib.sha256(b"a").digest(), hashlib.sha256(b"bbb").digest()
    assert [(r.name, r.algorithm, r.digest) for r in manifest.resources] == [
        ("a", "sha256", da.hex()), ("b", "sha256", db.hex())]
    # model-signing: subject digest = SHA-256 over the raw digests in canonical order
    assert manifest.root_digest() == hashlib.sha256(da + db).hexdigest()
    assert dict(manifest.sizes) == {"a": 1, "b": 3}


def test_canonical_order_is_by_path_components(tmp_path: Path) -> None:
    """'a/b' sorts before 'a.b' by components (as PurePosixPath does), though '.' < '/' as characters."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").write_bytes(b"1")
    (tmp_path / "a.b").write_bytes(b"2")
    assert [r.name for r in hash_model(tmp_path).resources] == ["a/b", "a.b"]


def test_shards_match_hashlib_on_each_slice(tmp_path: Path) -> None:
    data = os.urandom(10_000)
    (tmp_path / "w.bin").write_bytes(data)
    manifest = hash_model(tmp_path, layout="shards", shard_size=4096, workers=2)
    assert [(r.name, r.algorithm) for r in manifest.resources] == [
        ("w.bin:0:4096", "sha256-sharded-4096"), ("w.bin:4096:8192", "sha256-sharded-4096"),
        ("w.bin:8192:10000", "sha256-sharded-4096")]
    assert [r.digest for r in manifest.resources] == [
        hashlib.sha256(data[a:b]).hexdigest() for a, b in ((0, 4096), (4096, 8192), (8192, 10000))]


@pytest.mark.parametrize("size", [0, 1, 1 << 20, (40 << 20) + 3])  # the last one takes the multi-threaded path
def test_blake3_whole_file_digest(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    (tmp_path / "f").write_bytes(data)
    manifest = hash_model(tmp_path / "f", algorithm="blake3", workers=2)
    assert [(r.name, r.algorithm, r.digest) for r in manifest.resources] == [
        (".", "blake3", blake3.blake3(data).hexdigest())]


def test_refuses_a_symlinked_root(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(InputError, match="symbolic link"):
        hash_model(tmp_path / "link")


def test_missing_model_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the model"):
        hash_model(tmp_path / "nope")


names = st.text(alphabet="abcdefgh", min_size=1, max_size=6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.dictionaries(names, st.binary(max_size=300), min_size=1, max_size=6), data=st.data())
def test_any_single_change_is_found_and_named(tmp_path_factory: pytest.TempPathFactory,
                                              files: dict[str, bytes], data: st.DataObject) -> None:
    root = tmp_path_factory.mktemp("prop")
    for name, content in files.items():
        (root / name).write_bytes(content)
    layout = data.draw(st.sampled_from(["files", "shards"]))
    before = hash_model(root, layout=layout, shard_size=64)
    assert diff_manifests(before, hash_model(root, layout=layout, shard_size=64)) == ()
    victim = data.draw(st.sampled_from(sorted(files)))
    action = data.draw(st.sampled_from(["modify", "remove", "add"]))
    if action == "modify":
        (root / victim).write_bytes(files[victim] + b"!")
        expected = [("modified", victim)]
    elif action == "remove":
        (root / victim).unlink()
        expected = [("removed", victim)]
    else:
        (root / "zz_new").write_bytes(b"new")
        expected = [("added", "zz_new")]
    after = hash_model(root, layout=layout, shard_size=64)
    assert [(c.kind, c.path) for c in diff_manifests(before, after)] == expected
