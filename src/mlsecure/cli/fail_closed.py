"""One line, exit 2, for the operating-system errors a command meets on hostile or broken inputs.

``one_line_errors`` wraps a command handler: an ``OSError`` that escaped the library (a full disk, a
read-only folder, an unreadable file, a symlink loop) becomes an ``InputError`` or ``OutputError`` that
``cli.main`` prints as one line with exit code 2, and a ``RecursionError`` (a structure nested deeper
than Python can walk) a ``LimitExceededError``. Everything else passes through untouched.
"""

from __future__ import annotations

import argparse
import errno
import functools
from collections.abc import Callable

from mlsecure.errors import InputError, LimitExceededError, OutputError
from mlsecure.private_files import describe_os_error

Handler = Callable[[argparse.Namespace], int]
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG}


def one_line_errors(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except RecursionError:
            raise LimitExceededError("input nested too deeply to process") from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            error = OutputError if exc.errno in _WRITE_ERRNOS else InputError
            raise error(f"{where}{describe_os_error(exc)}") from None

    return run
