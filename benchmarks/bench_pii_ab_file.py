"""Audit time of two versions of mlsecure's PII code on the same file, interleaved in one run (A B A B ...),
process CPU time of ``audit_file`` only (what ``bench_pii.py`` reports as mlsecure's ``table`` time), medians.

    python benchmarks/bench_pii_ab_file.py --old /tmp/base/src --new src --rows 20000 --repeats 3

Each measurement is a fresh subprocess that imports one version, audits the file once (timed apart: the
first audit of a process also loads lexicons, gazetteers and compiles patterns), then times ``--inner``
audits; the machine is shared, so only the ratio within one run means anything.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import json, sys, time
from mlsecure.privacy.pii.audit import audit_file
path, inner = sys.argv[1], int(sys.argv[2])
t = time.process_time()
result = audit_file(path)
first = time.process_time() - t
t = time.process_time()
for _ in range(inner):
    audit_file(path)
print(json.dumps({"cpu": (time.process_time() - t) / inner, "first": first,
                  "types": {v.column: v.pii_type.value if v.pii_type else None for v in result.columns}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the src folder of the old version")
    parser.add_argument("--new", required=True, help="the src folder of the new version")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--inner", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.new).resolve()))
    from mlsecure.privacy.pii.synth import generate_table

    cache = Path(tempfile.gettempdir()) / f"mlsecure_bench_pii_{args.rows}_{args.seed}.csv"
    if not cache.exists():
        generate_table(args.rows, seed=args.seed, neutral_headers=True).frame.write_csv(cache)
    times: dict[str, list[float]] = {"old": [], "new": []}
    firsts: dict[str, list[float]] = {"old": [], "new": []}
    types: dict[str, dict[str, str | None]] = {}
    for _ in range(args.repeats):
        for label in ("old", "new"):
            env = {**os.environ, "PYTHONPATH": str(Path(getattr(args, label)).resolve())}
            out = subprocess.run([sys.executable, "-c", _CHILD, str(cache), str(args.inner)], env=env,
                                 capture_output=True, text=True, check=True)
            found = json.loads(out.stdout.strip().splitlines()[-1])
            times[label].append(found["cpu"])
            firsts[label].append(found["first"])
            types[label] = found["types"]
    old, new = statistics.median(times["old"]), statistics.median(times["new"])
    print(f"audit_file of {args.rows} rows ({cache.name}), process CPU s, medians of {args.repeats} x {args.inner}:")
    print(f"  old {old:.3f} s  {[round(t, 3) for t in times['old']]}")
    print(f"  new {new:.3f} s  {[round(t, 3) for t in times['new']]}")
    print(f"  new / old = {new / old:.3f}")
    cold_old, cold_new = statistics.median(firsts["old"]), statistics.median(firsts["new"])
    print(f"  first audit of a process (lexicons, gazetteers, patterns loaded): old {cold_old:.3f} s, "
          f"new {cold_new:.3f} s, new / old = {cold_new / cold_old:.3f}")
    changed = {c: (types["old"][c], types["new"][c]) for c in types["old"] if types["old"][c] != types["new"].get(c)}
    print(f"  columns typed differently: {changed or 'none'}")


if __name__ == "__main__":
    main()
