"""Run detect-secrets (default plugins and filters) over a directory; print {path: [lines]} and CPU s.

Used by bench_secrets.py through the interpreter of the venv that holds detect-secrets
(/work/peers/secrets), so that detect-secrets is never a dependency of mlsecure.

    /work/peers/secrets/bin/python benchmarks/_detect_secrets_scan.py ROOT
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(root: str) -> None:
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    skip = {".git", "__pycache__", ".venv", "node_modules"}
    paths = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        paths.extend(str(Path(directory) / f) for f in sorted(filenames))
    started = time.process_time()
    collection = SecretsCollection()
    with default_settings():
        for path in paths:
            collection.scan_file(path)
    seconds = time.process_time() - started
    found = {os.path.relpath(name, root): sorted({s.line_number for s in secrets})
             for name, secrets in collection.data.items() if secrets}
    json.dump({"cpu_seconds": seconds, "files": len(paths), "found": found}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
