"""Reading and writing files whose loss or exposure matters: keys, tokens, signatures, manifests.

Reading: one rule for every capability that reads a secret from disk (secret files, encryption keys): a
regular file, no permission bits for group or others (on POSIX), and a size limit so a wrong path is not
slurped. ``read_regular_file`` applies the same rule, less the permission check, to the other small
inputs (signature files, checkpoints): a FIFO or a device is refused at once by ``fstat`` on a
non-blocking descriptor, so a hostile path can never make a command wait forever.

Writing: ``write_file_atomic`` puts bytes in place all at once (temporary file in the same folder,
fsync, rename), so a full disk or a ``kill -9`` leaves the old file or nothing, never a short file under
the final name. Every failure is one ``OutputError`` line naming the file and the reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from mlsecure.errors import ConfigError, InputError, LimitExceededError, OutputError

_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)  # POSIX; Windows has no FIFOs to block on
_READ_FLAGS = os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_LINK_UNSUPPORTED = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK}


def read_private_file(path: Path, *, what: str, require_private: bool = True, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path`` (``what`` names it in messages: "the key file", "the secret file").

    ``FileNotFoundError`` passes through (callers may look elsewhere); other problems are an
    ``InputError``, and a file others can read a ``ConfigError`` saying how to fix it."""
    return _read(path, what=what, require_private=require_private, max_bytes=max_bytes, missing_ok=True)


def read_regular_file(path: str | Path, *, what: str, max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file ``path``; anything else (missing, FIFO, device, directory, symlink
    loop, unreadable, over ``max_bytes``) is one ``InputError`` naming the file and ``what`` it is."""
    return _read(Path(path), what=what, require_private=False, max_bytes=max_bytes, missing_ok=False)


def describe_os_error(exc: OSError) -> str:
    """A short reason for an ``OSError`` ("symlink loop" reads better than "Too many levels of ...")."""
    if exc.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    return exc.strerror or str(exc)


def _read(path: Path, *, what: str, require_private: bool, max_bytes: int | None, missing_ok: bool) -> bytes:
    try:
        fd = os.open(path, _READ_FLAGS)  # non-blocking: opening a FIFO returns at once instead of waiting
    except FileNotFoundError:
        if missing_ok:
            raise
        raise InputError(f"{path}: cannot read {what}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {describe_os_error(exc)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            raise InputError(f"{path}: {what} must be a regular file, not {kind}")
        mode = stat.S_IMODE(info.st_mode)
        if require_private and os.name == "posix" and mode & 0o077:
            raise ConfigError(f"{path}: {what} is accessible by group or others (mode {mode:04o}); "
                              f"run `chmod 600 {path}` (expected 0600 or 0400)")
        if max_bytes is not None and info.st_size > max_bytes:
            raise LimitExceededError(f"{path}: not {what} ({info.st_size} bytes; at most {max_bytes} expected)")
        if _NONBLOCK:
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {describe_os_error(exc)}") from None
    finally:
        os.close(fd)
    if max_bytes is not None and len(data) > max_bytes:  # grew while we read it
        raise LimitExceededError(f"{path}: not {what} (more than {max_bytes} bytes; it grew while read)")
    return data


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def write_private_file(path: Path, data: bytes, *, what: str, overwrite: bool = False) -> bool:
    """Put ``data`` at ``path`` with mode 0600, never visible half-written; False when ``path`` already
    exists and ``overwrite`` is off (it is left as it is)."""
    return write_file_atomic(path, data, what=what, overwrite=overwrite, mode=0o600)


def write_file_atomic(path: Path, data: bytes, *, what: str, overwrite: bool = False, mode: int = 0o666) -> bool:
    """Put ``data`` at ``path`` all at once; False when ``path`` exists and ``overwrite`` is off.

    The bytes go to a temporary file in the same folder first (created with ``mode`` less the umask,
    written and fsynced), then ``os.link`` puts it in place only if nothing is there yet (two processes
    creating the same file at once: one wins, the other sees False), or ``os.replace`` when
    overwriting; the folder is fsynced so the new name survives a power cut. A failure at any step
    (``ENOSPC``, a read-only folder, a symlink loop) is an ``OutputError`` and removes the temporary
    file: nothing short is ever left under ``path``."""
    path = Path(path)
    refuse_special_output(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            tmp.replace(path)
        elif not _link_into_place(tmp, path):
            return False
        _fsync_dir(path.parent)
        return True
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write {what}: {describe_os_error(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


@contextlib.contextmanager
def atomic_text_output(path: Path, *, what: str, overwrite: bool = False) -> Iterator[TextIO]:
    """A text handle whose content appears at ``path`` only when the block ends without an exception
    (temporary file beside it, fsync, link or rename); ``InputError`` when ``path`` exists and
    ``overwrite`` is off; every OS failure an ``OutputError``. For outputs too large to hold in memory."""
    path = Path(path)
    refuse_special_output(path)
    if not overwrite and os.path.lexists(path):
        raise InputError(f"{path}: exists; pass --force to replace it")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            tmp.replace(path)
        elif not _link_into_place(tmp, path):
            raise InputError(f"{path}: exists; pass --force to replace it")
        _fsync_dir(path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write {what}: {describe_os_error(exc)}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def refuse_special_output(path: Path) -> None:
    """An existing output must be a regular file: replacing never renames over a device (``/dev/null``
    as root), a FIFO, a socket or a directory."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: exists and is {_kind(mode)}; an output is only ever a regular file")


def _link_into_place(tmp: Path, path: Path) -> bool:
    try:
        os.link(tmp, path)  # fails if path exists: the atomic "create only if absent"
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _LINK_UNSUPPORTED:
            raise
        if os.path.lexists(path):  # a file system without hard links: check, then rename
            return False
        tmp.replace(path)
    return True


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or file system can open a directory
        fd = os.open(folder if str(folder) else ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
