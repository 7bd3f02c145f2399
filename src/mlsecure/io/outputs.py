"""Create every output file one way: never through an input, never over a file unless forced, atomically.

``atomic_output(path, inputs=[...], force=False)`` is a context manager yielding a file object::

    with atomic_output(args.output, inputs=[args.input], force=args.force) as handle:
        handle.write(text)

Before anything is written it refuses a ``path`` that is, or resolves to (symbolic or hard link: the
same device and inode), one of ``inputs``; an existing ``path`` unless ``force``; a ``path`` that is a
folder, FIFO or device. The bytes go to a temporary file in the same folder (so the rename cannot cross
file systems), are flushed and fsynced, and only then renamed over ``path``: a run killed at any moment
leaves either no output or the previous one, never a partial file that looks complete (the temporary
``.NAME.*.partial`` file of a killed run says what it is). Without ``force`` the file is put in place
with ``link``, which fails if something appeared at ``path`` meanwhile. Every ``OSError`` (read-only
folder, disk full, permission denied) becomes an ``OutputError`` naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from mlsecure.errors import OutputError

PARTIAL_SUFFIX = ".partial"


def check_output(path: str | Path, *, inputs: Iterable[str | Path | None] = (), force: bool = False,
                 what: str = "output") -> Path:
    """Refuse ``path`` if writing it could destroy an input or an existing file (see the module docstring)."""
    path = Path(path)
    for source in inputs:
        if source is not None and _same_file(path, Path(source)):
            if not Path(source).exists():
                raise OutputError(f"{path}: the {what} is also named as another output ({source}); choose "
                                  "another path")
            raise OutputError(f"{path}: refusing to overwrite the input {source} (the {what} is the same file "
                              "or a link to it); choose another path")
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise OutputError(f"{path}: the {what} is a dangling symbolic link; remove it or choose another "
                              "path") from None
        info = None
    except OSError as exc:
        raise output_os_error(path, exc, what) from None
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise OutputError(f"{path}: the {what} is {kind}; give a file path")
        if not force:
            raise OutputError(f"{path}: the {what} already exists; pass --force to replace it")
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"{path}: cannot write the {what}: the folder {parent} does not exist")
    return path


@contextmanager
def atomic_output(path: str | Path, *, inputs: Iterable[str | Path | None] = (), force: bool = False,
                  binary: bool = False, what: str = "output", mode: int | None = None) -> Iterator[IO[Any]]:
    """Yield a text (UTF-8, ``\\n`` newlines) or ``binary`` handle whose content becomes ``path`` only
    when the block ends without an exception. ``mode`` defaults to 0666 less the umask."""
    path = check_output(path, inputs=inputs, force=force, what=what)
    parent = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX, dir=parent)
    except OSError as exc:
        raise output_os_error(path, exc, what) from None
    tmp = Path(tmp_name)
    try:
        try:
            os.fchmod(fd, _default_mode() if mode is None else mode)
            handle: IO[Any] = (os.fdopen(fd, "wb") if binary else
                               os.fdopen(fd, "w", encoding="utf-8", newline=""))
        except OSError as exc:
            os.close(fd)
            raise output_os_error(path, exc, what) from None
        with handle:
            try:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise output_os_error(path, exc, what) from None
        _put_in_place(tmp, path, force=force, what=what)
        _fsync_folder(parent)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def write_output(path: str | Path, data: str | bytes, *, inputs: Iterable[str | Path | None] = (),
                 force: bool = False, what: str = "output") -> Path:
    """``atomic_output`` for content already in memory; returns ``path``."""
    if isinstance(data, bytes):
        with atomic_output(path, inputs=inputs, force=force, what=what, binary=True) as handle:
            handle.write(data)
    else:
        with atomic_output(path, inputs=inputs, force=force, what=what) as handle:
            handle.write(data)
    return Path(path)


def output_os_error(path: Path, exc: OSError, what: str = "output") -> OutputError:
    """One line for an ``OSError`` met while creating ``path``."""
    reasons = {errno.ENOSPC: "no space left on the device", errno.EROFS: "the file system is read-only",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied",
               errno.EDQUOT: "disk quota exceeded", errno.ELOOP: "symbolic link loop",
               errno.ENOENT: "the folder does not exist", errno.EISDIR: "it is a folder",
               errno.EFBIG: "file too large"}
    reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(f"{path}: cannot write the {what}: {reason}")


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether writing ``a`` would write ``b``: see ``_same_file``."""
    return _same_file(Path(a), Path(b))


def _same_file(a: Path, b: Path) -> bool:
    """Same device and inode (the file, a hard link, a symbolic link), or the same path not yet created
    (two outputs of one run named alike)."""
    try:
        sa, sb = a.stat(), b.stat()
    except OSError:
        try:
            return a.resolve() == b.resolve()
        except (OSError, RuntimeError):
            return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _put_in_place(tmp: Path, path: Path, *, force: bool, what: str) -> None:
    try:
        if force:
            tmp.replace(path)
            return
        try:
            path.hardlink_to(tmp)  # fails if something appeared at path meanwhile: never clobbered
        except FileExistsError:
            raise OutputError(f"{path}: the {what} appeared while it was being written; "
                              "pass --force to replace it") from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            if path.exists() or path.is_symlink():  # a file system without hard links: check, then rename
                raise OutputError(f"{path}: the {what} already exists; pass --force to replace it") from None
            tmp.replace(path)
    except OSError as exc:
        raise output_os_error(path, exc, what) from None


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort where folders cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
