"""``python -m mlsecure``."""

from mlsecure.cli.main import console_main

console_main()
