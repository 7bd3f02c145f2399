"""Hash a model directory (or file) into a ``Manifest``, on every core.

Work items are whole files (``files`` layout) or fixed-size shards (``shards`` layout), scheduled
largest first on a thread pool: ``hashlib`` and ``blake3`` release the GIL while they hash, and
``readinto`` releases it while it reads, so threads scale without the pickling cost of processes.
BLAKE3 is a tree hash, so one large file is split across threads *inside* the hash (``max_threads``)
and its digest is still the plain whole-file BLAKE3 digest.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mlsecure.artifacts.signing.manifest import (
    DEFAULT_SHARD_SIZE,
    GIT_IGNORES,
    SINGLE_FILE_NAME,
    HashAlgorithm,
    Layout,
    Manifest,
    Resource,
    Serialization,
    make_resource,
)
from mlsecure.errors import InputError, require

ProgressCallback = Callable[[str, float], None]
READ_SIZE = 1024 * 1024  # fits in L2: measured ~3% less CPU than 4 MiB reads
BLAKE3_PARALLEL_MIN = 32 * 1024 * 1024  # below this, one thread per file beats splitting inside the hash


@dataclass(frozen=True)
class _Task:
    name: str  # path relative to the model root (POSIX), or "." for a one-file model
    path: Path
    start: int
    end: int
    whole: bool  # a whole file (files layout) rather than a shard


def hash_model(
    model_path: str | Path,
    *,
    algorithm: HashAlgorithm = "sha256",
    layout: Layout = "files",
    shard_size: int = DEFAULT_SHARD_SIZE,
    ignore_paths: Iterable[str] = GIT_IGNORES,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> Manifest:
    """The manifest of ``model_path``: every regular file's size and digest.

    ``ignore_paths`` are POSIX paths relative to the model root (a directory ignores everything under
    it). Symbolic links and special files are refused: a link could point anywhere at verify time.
    """
    root = Path(model_path)
    if algorithm == "blake3":
        layout = "files"  # BLAKE3 parallelises inside the hash: shards add nothing (as in model-signing)
    if layout == "shards" and shard_size <= 0:
        raise InputError(f"shard size must be positive, got {shard_size}")
    ignore = tuple(dict.fromkeys(ignore_paths))
    files = list_files(root, ignore)
    serialization = Serialization(method=layout, hash_type=algorithm,
                                  shard_size=shard_size if layout == "shards" else None, ignore_paths=ignore)
    sizes = {name: size for name, _, size in files}
    tasks = _tasks(files, layout, shard_size)
    n_workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    total = max(1, sum(t.end - t.start for t in tasks))
    done = [0]
    lock = threading.Lock()

    def run(task: _Task) -> Resource:
        digest = _hash_range(task, algorithm, n_workers)
        if progress is not None:
            with lock:
                done[0] += task.end - task.start
                progress("hashing", done[0] / total)
        if task.whole:
            return make_resource(task.name, serialization.resource_algorithm, digest)
        return make_resource(task.name, serialization.resource_algorithm, digest, start=task.start, end=task.end)

    if algorithm == "blake3":
        big = [t for t in tasks if t.end - t.start >= BLAKE3_PARALLEL_MIN]
        small = [t for t in tasks if t.end - t.start < BLAKE3_PARALLEL_MIN]
        resources = [run(t) for t in big]  # each one already uses every core
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            resources.extend(pool.map(run, small))
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            resources = list(pool.map(run, tasks))
    name = root.name or root.resolve().name
    return Manifest(model_name=name, serialization=serialization, resources=tuple(resources), sizes=sizes)


def list_files(root: Path, ignore: tuple[str, ...]) -> list[tuple[str, Path, int]]:
    """``(relative POSIX name, path, size)`` of every regular file under ``root``, not following links."""
    try:
        info = root.lstat()
    except OSError as exc:
        raise InputError(f"{root}: cannot read the model: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        raise InputError(f"{root}: is a symbolic link; sign the real path")
    if stat.S_ISREG(info.st_mode):
        return [(SINGLE_FILE_NAME, root, info.st_size)]
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"{root}: is neither a regular file nor a directory")
    out: list[tuple[str, Path, int]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=_raise_walk_error):
        base = Path(dirpath)
        rel_dir = base.relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for d in dirnames:
            rel = prefix + d
            if _ignored(rel, ignore):
                continue
            if (base / d).is_symlink():
                raise InputError(f"{base / d}: symbolic links are not signed (the target could change)")
            keep.append(d)
        dirnames[:] = sorted(keep)
        for f in filenames:
            rel = prefix + f
            if _ignored(rel, ignore):
                continue
            st = (base / f).lstat()
            if stat.S_ISLNK(st.st_mode):
                raise InputError(f"{base / f}: symbolic links are not signed (the target could change)")
            if not stat.S_ISREG(st.st_mode):
                raise InputError(f"{base / f}: not a regular file (device, socket or pipe)")
            out.append((rel, base / f, st.st_size))
    return out


def _raise_walk_error(exc: OSError) -> None:
    raise InputError(f"{exc.filename}: cannot read: {exc.strerror}")


def _ignored(rel: str, ignore: tuple[str, ...]) -> bool:
    return any(rel == p or rel.startswith(p.rstrip("/") + "/") for p in ignore)


def _tasks(files: list[tuple[str, Path, int]], layout: Layout, shard_size: int) -> list[_Task]:
    tasks: list[_Task] = []
    for name, path, size in files:
        if layout == "files":
            tasks.append(_Task(name, path, 0, size, True))
            continue
        tasks.extend(_Task(name, path, start, min(start + shard_size, size), False)
                     for start in range(0, size, shard_size))  # an empty file has no shard (model-signing)
    tasks.sort(key=lambda t: t.end - t.start, reverse=True)  # longest first: the last worker idles least
    return tasks


def _hash_range(task: _Task, algorithm: HashAlgorithm, workers: int) -> str:
    length = task.end - task.start
    if algorithm == "blake3":
        blake3 = require("blake3", "supply")
        threads = workers if length >= BLAKE3_PARALLEL_MIN else 1
        hasher = blake3.blake3(max_threads=threads)
        if task.whole and length > 0:
            hasher.update_mmap(str(task.path))
            _check_size(task, task.path.stat().st_size)
            return str(hasher.hexdigest())
        _feed(task, hasher.update)
        return str(hasher.hexdigest())
    h = hashlib.sha256()
    _feed(task, h.update)
    return h.hexdigest()


def _feed(task: _Task, update: Callable[[memoryview], object]) -> None:
    length = task.end - task.start
    buf = bytearray(min(READ_SIZE, max(length, 1)))
    view = memoryview(buf)
    read = 0
    with task.path.open("rb", buffering=0) as fh:
        if task.start:
            fh.seek(task.start)
        while read < length:
            n = fh.readinto(view[: min(len(buf), length - read)])
            if not n:
                break
            update(view[:n])
            read += n
        if task.whole and fh.read(1):
            read += 1  # grew while we hashed
    _check_size(task, task.start + read)


def _check_size(task: _Task, seen_end: int) -> None:
    if seen_end != task.end:
        raise InputError(f"{task.path}: changed size while being hashed ({task.end} -> {seen_end} bytes)")
