"""The manifest of a model: one digest per file (or per file shard), in the OpenSSF model-signing layout.

A model is a directory (or one file). Its manifest lists every regular file, relative to the model
root, with its size and digest, so moving or renaming the *directory* keeps the signature valid while
any change to a file inside it does not. Two serializations exist, both defined by OpenSSF
model-signing v1.0 (``predicate.serialization.method``):

- ``files``: one resource per file, named by its POSIX path, with the digest of the whole file
  (``sha256`` or ``blake3``). This is what ``model_signing verify key`` checks by default.
- ``shards``: one resource per fixed-size shard, named ``path:start:end``, algorithm
  ``sha256-sharded-<shard_size>``. SHA-256 is sequential within a byte stream, so only this layout lets
  both cores work on one huge file.

The subject digest of the in-toto statement is SHA-256 over the concatenated raw resource digests in
canonical order (path components, then shard start), exactly as model-signing computes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from mlsecure.errors import InputError

HashAlgorithm = Literal["sha256", "blake3"]
Layout = Literal["files", "shards"]
HASH_ALGORITHMS: tuple[HashAlgorithm, ...] = ("sha256", "blake3")
LAYOUTS: tuple[Layout, ...] = ("files", "shards")
DEFAULT_SHARD_SIZE = 64 * 1024 * 1024
GIT_IGNORES: tuple[str, ...] = (".git", ".gitattributes", ".github", ".gitignore")
"""Paths model-signing leaves out of every manifest by default; we record them explicitly."""
SINGLE_FILE_NAME = "."
"""The resource name of a one-file model (the file relative to itself), as model-signing writes it."""


@dataclass(frozen=True)
class Serialization:
    """How the manifest was made: everything a verifier needs to recompute it."""

    method: Layout = "files"
    hash_type: HashAlgorithm = "sha256"
    shard_size: int | None = None
    allow_symlinks: bool = False
    ignore_paths: tuple[str, ...] = GIT_IGNORES

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "hash_type": self.hash_type,
                               "allow_symlinks": self.allow_symlinks}
        if self.method == "shards":
            out["shard_size"] = self.shard_size
        if self.ignore_paths:
            out["ignore_paths"] = list(self.ignore_paths)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Serialization:
        method = data.get("method")
        hash_type = data.get("hash_type")
        if method not in LAYOUTS:
            raise InputError(f"signature: unknown serialization method {method!r}; expected files or shards")
        if hash_type not in HASH_ALGORITHMS:
            raise InputError(f"signature: unsupported hash_type {hash_type!r}; expected sha256 or blake3")
        shard_size = data.get("shard_size")
        if method == "shards":
            if not isinstance(shard_size, (int, float)) or int(shard_size) != shard_size or shard_size <= 0:
                raise InputError(f"signature: shard_size must be a positive integer, got {shard_size!r}")
            shard_size = int(shard_size)
        ignore = data.get("ignore_paths", [])
        if not isinstance(ignore, list) or not all(isinstance(p, str) for p in ignore):
            raise InputError("signature: ignore_paths must be a list of strings")
        return cls(method=method, hash_type=hash_type, shard_size=shard_size if method == "shards" else None,
                   allow_symlinks=bool(data.get("allow_symlinks", False)), ignore_paths=tuple(ignore))

    @property
    def resource_algorithm(self) -> str:
        if self.method == "shards":
            return f"{self.hash_type}-sharded-{self.shard_size}"
        return self.hash_type


@dataclass(frozen=True, order=True)
class Resource:
    """One manifest entry: a file (``name`` = path) or a shard (``name`` = ``path:start:end``)."""

    sort_key: tuple[tuple[str, ...], int] = field(repr=False, compare=True)
    name: str = field(compare=False)
    algorithm: str = field(compare=False)
    digest: str = field(compare=False)  # lower-case hex

    @property
    def path(self) -> str:
        return self.name.rsplit(":", 2)[0] if self.algorithm.count("-sharded-") else self.name

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "algorithm": self.algorithm, "digest": self.digest}


def make_resource(path: str, algorithm: str, digest: str, *, start: int | None = None,
                  end: int | None = None) -> Resource:
    """A resource for a whole file (``start is None``) or for the shard ``[start, end)`` of it."""
    parts = PurePosixPath(path).parts
    if start is None:
        return Resource((parts, 0), path, algorithm, digest)
    return Resource((parts, start), f"{path}:{start}:{end}", algorithm, digest)


@dataclass(frozen=True)
class Manifest:
    """The digests of a model's files, in canonical order, and the file sizes."""

    model_name: str
    serialization: Serialization
    resources: tuple[Resource, ...]
    sizes: Mapping[str, int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "resources", tuple(sorted(self.resources)))

    def root_digest(self) -> str:
        """SHA-256 over the raw digests in canonical order (model-signing's subject digest)."""
        h = hashlib.sha256()
        for resource in self.resources:
            h.update(bytes.fromhex(resource.digest))
        return h.hexdigest()

    def file_digests(self) -> dict[str, tuple[str, ...]]:
        """Path to the tuple of its digests (one for ``files``, one per shard for ``shards``)."""
        out: dict[str, list[str]] = {}
        for resource in self.resources:
            out.setdefault(resource.path, []).append(resource.digest)
        for path in self.sizes:
            out.setdefault(path, [])  # empty files have no shard
        return {path: tuple(digests) for path, digests in out.items()}

    def total_bytes(self) -> int:
        """Sum of the known sizes (a bundle from another signer may carry none: -1)."""
        return sum(size for size in self.sizes.values() if size >= 0)


@dataclass(frozen=True)
class Change:
    """One way the files on disk differ from the signed manifest."""

    kind: Literal["modified", "added", "removed", "renamed"]
    path: str
    renamed_to: str | None = None
    detail: str = ""

    def describe(self) -> str:
        if self.kind == "renamed":
            return f"renamed: {self.path} -> {self.renamed_to}"
        return f"{self.kind}: {self.path}" + (f" ({self.detail})" if self.detail else "")


def diff_manifests(expected: Manifest, actual: Manifest) -> tuple[Change, ...]:
    """Every file that was modified, added, removed or renamed, sorted by path."""
    want = expected.file_digests()
    have = actual.file_digests()
    changes: list[Change] = []
    for path in sorted(set(want) & set(have)):
        before, after = expected.sizes.get(path, -1), actual.sizes.get(path, -1)
        if want[path] != have[path] or (before >= 0 and before != after):
            changes.append(Change("modified", path, detail=_size_detail(before, after)))
    removed = sorted(set(want) - set(have))
    added = sorted(set(have) - set(want))
    by_content: dict[tuple[str, ...], list[str]] = {}
    for path in added:
        by_content.setdefault(have[path], []).append(path)
    for path in removed:
        candidates = by_content.get(want[path], [])
        if candidates:
            target = candidates.pop(0)
            added.remove(target)
            changes.append(Change("renamed", path, renamed_to=target))
        else:
            changes.append(Change("removed", path))
    changes.extend(Change("added", path) for path in added)
    return tuple(sorted(changes, key=lambda c: (c.path, c.kind)))


def _size_detail(before: int, after: int) -> str:
    if before < 0 or after < 0 or before == after:
        return "content differs"
    return f"size {before} -> {after} bytes"


def parse_resources(items: Iterable[Any], serialization: Serialization) -> tuple[Resource, ...]:
    """Read ``predicate.resources`` back, checking each entry's shape and algorithm."""
    out: list[Resource] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise InputError("signature: each resource must be an object with name, algorithm, digest")
        name, algorithm, digest = item.get("name"), item.get("algorithm"), item.get("digest")
        if not (isinstance(name, str) and isinstance(algorithm, str) and isinstance(digest, str)):
            raise InputError(f"signature: malformed resource {item!r}")
        if algorithm != serialization.resource_algorithm:
            raise InputError(f"signature: resource {name!r} uses {algorithm!r}, the serialization says "
                             f"{serialization.resource_algorithm!r}")
        try:
            bytes.fromhex(digest)
        except ValueError:
            raise InputError(f"signature: resource {name!r} has a non-hex digest") from None
        if serialization.method == "shards":
            path, start, end = _split_shard(name)
            out.append(make_resource(path, algorithm, digest.lower(), start=start, end=end))
        else:
            out.append(make_resource(name, algorithm, digest.lower()))
    return tuple(out)


def _split_shard(name: str) -> tuple[str, int, int]:
    parts = name.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise InputError(f"signature: shard resource {name!r} is not 'path:start:end'")
    return parts[0], int(parts[1]), int(parts[2])


def sizes_from_shards(resources: Iterable[Resource]) -> dict[str, int]:
    """File sizes implied by shard names (the end of each file's last shard)."""
    sizes: dict[str, int] = {}
    for resource in resources:
        _, _, end = _split_shard(resource.name)
        sizes[resource.path] = max(sizes.get(resource.path, 0), end)
    return sizes
