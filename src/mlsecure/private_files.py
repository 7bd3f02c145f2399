"""Reading files that hold secrets (keys, tokens): refuse what other local users could read too.

One rule for every capability that reads a secret from disk (secret files, encryption keys): a regular
file, no permission bits for group or others (on POSIX), and a size limit so a wrong path is not slurped.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from mlsecure.errors import ConfigError, InputError


def read_private_file(path: Path, *, what: str, require_private: bool = True, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path`` (``what`` names it in messages: "the key file", "the secret file").

    ``FileNotFoundError`` passes through (callers may look elsewhere); other problems are an
    ``InputError``, and a file others can read a ``ConfigError`` saying how to fix it."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: {what} must be a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if require_private and os.name == "posix" and mode & 0o077:
        raise ConfigError(f"{path}: {what} is accessible by group or others (mode {mode:04o}); "
                          f"run `chmod 600 {path}` (expected 0600 or 0400)")
    if max_bytes is not None and info.st_size > max_bytes:
        raise InputError(f"{path}: not {what} ({info.st_size} bytes; at most {max_bytes} expected)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror}") from None


def write_private_file(path: Path, data: bytes, *, what: str, overwrite: bool = False) -> bool:
    """Put ``data`` at ``path`` with mode 0600, never visible half-written; False when ``path`` already
    exists and ``overwrite`` is off (it is left as it is).

    The bytes go to a private temporary file in the same folder first (written and fsynced), then
    ``os.link`` puts it in place only if nothing is there yet (two processes creating the same key at
    once: one wins, the other sees False), or ``os.replace`` when overwriting."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            tmp.replace(path)
            return True
        try:
            path.hardlink_to(tmp)  # fails if path exists: the atomic "create only if absent"
        except FileExistsError:
            return False
        return True
    except OSError as exc:
        raise InputError(f"{path}: cannot write {what}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
