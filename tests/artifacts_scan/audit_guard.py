"""Record side effects through ``sys.addaudithook``: files opened for writing, processes, sockets.

``guard()`` is a context manager yielding the list of side-effect events raised inside it (Python's audit
events; native code that writes files without Python's ``open`` raises none, so callers also compare a
scratch folder's contents). The hook is installed once per process and records only while a guard is
active, so pytest's own file writes are not counted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
SIDE_EFFECT_EVENTS = frozenset({
    "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.kill",
    "os.startfile", "os.remove", "os.rename", "os.rmdir", "os.truncate", "os.mkdir", "os.chmod", "os.symlink",
    "os.link", "os.chown", "pty.spawn", "ctypes.dlopen", "urllib.Request", "webbrowser.open",
})
_active: list[list[str]] = []
_installed = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    if event == "open":
        mode, flags = (args[1], args[2]) if len(args) >= 3 else (None, 0)
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(
            isinstance(flags, int) and flags & WRITE_FLAGS)
        if writes:
            _active[-1].append(f"open for writing: {args[0]!r} mode={mode!r}")
    elif event in SIDE_EFFECT_EVENTS or event.startswith(("socket.", "shutil.")):
        _active[-1].append(f"{event}: {args!r}"[:200])


@contextmanager
def guard() -> Iterator[list[str]]:
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    events: list[str] = []
    _active.append(events)
    try:
        yield events
    finally:
        _active.pop()
