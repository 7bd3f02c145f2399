"""Exit codes of every mlsecure command."""

from typing import Final

OK: Final = 0  # ran; nothing at or above --fail-on
FINDINGS: Final = 1  # findings at or above --fail-on (or a verification that failed)
ERROR: Final = 2  # bad usage or bad input; a one-line reason is on stderr
