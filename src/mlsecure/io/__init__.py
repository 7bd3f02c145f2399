"""The one way in and the one way out: ``open_input`` for every input file, ``atomic_output`` for every
output file (see ``inputs`` and ``outputs``; docs/fail-closed.md states the contract)."""

from mlsecure.io.inputs import check_input, detect_encoding, open_input, sniff_compression
from mlsecure.io.outputs import atomic_output, check_output, write_output

__all__ = ["atomic_output", "check_input", "check_output", "detect_encoding", "open_input", "sniff_compression",
           "write_output"]
