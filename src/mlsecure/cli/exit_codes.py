"""Exit codes of every mlsecure command."""

from typing import Final

OK: Final = 0  # ran; nothing at or above --fail-on
FINDINGS: Final = 1  # findings at or above --fail-on (or a verification that failed)
ERROR: Final = 2  # bad usage or bad input; a one-line reason is on stderr

EPILOG: Final = ("exit codes: 0 = every requested check ran and found nothing at or above --fail-on; "
                 "1 = findings at or above --fail-on, or a requested check could not be evaluated "
                 "(a failing finding says why); 2 = bad usage or an input/output that cannot be used "
                 "safely (one line on stderr, no traceback unless --debug); 130 = interrupted, 143 = terminated "
                 "(SIGTERM); neither leaves a partial output")
