"""Two versions of mlsecure's PII code, each as a fresh process, interleaved (A B A B ...): process CPU (the child's
user + system time, its Polars threads included) and whether their outputs are the same bytes.

    # free-text redaction through the CLI, on JSONL files with a ``text`` column
    python benchmarks/bench_pii_cli_ab.py --old /tmp/base/src --new src --rounds 3 anonymize a.jsonl b.jsonl
    # a cold process: import, then audit one small file (the first call loads the lexicons and dictionaries)
    python benchmarks/bench_pii_cli_ab.py --old /tmp/base/src --new src --rounds 7 cold small.jsonl

The machine is shared: only the ratio within one run means anything. ``--seed`` fixes ``PYTHONHASHSEED`` for both
(the output of code whose result follows a set's order changes with it).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_COLD = (
    "import sys; from mlsecure.privacy.pii.audit import audit_file; "
    "r = audit_file(sys.argv[1], text_columns=['text']); "
    "print([(v.column, v.pii_type and v.pii_type.value, v.share) for v in r.columns])"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="the old version's src folder")
    parser.add_argument("--new", required=True, help="the new version's src folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", help="PYTHONHASHSEED for both (default: random, as users run it)")
    parser.add_argument("mode", choices=("anonymize", "cold"))
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    trees = {"old": args.old, "new": args.new}
    cpu: dict[tuple[Path, str], list[float]] = {(f, t): [] for f in args.files for t in trees}
    outputs: dict[tuple[Path, str], set[str]] = {(f, t): set() for f in args.files for t in trees}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for path in args.files:
                for name, src in trees.items():
                    seconds, digest = _run(args.mode, path, src, Path(tmp) / f"{name}.jsonl", args.seed)
                    cpu[(path, name)].append(seconds)
                    outputs[(path, name)].add(digest)
    for path in args.files:
        old, new = outputs[(path, "old")], outputs[(path, "new")]
        verdict = (
            "same output"
            if old == new and len(old) == 1
            else f"outputs differ (old {len(old)}, new {len(new)} distinct over the rounds)"
        )
        print(f"{path} ({args.mode}): {verdict}")
        for name in trees:
            xs = cpu[(path, name)]
            print(f"  {name}: CPU median {statistics.median(xs):.2f}s  {[round(x, 2) for x in xs]}")
    print("load average (1, 5, 15 min):", ", ".join(f"{x:.1f}" for x in os.getloadavg()))


def _run(mode: str, path: Path, src: str, out: Path, seed: str | None) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": src} | ({"PYTHONHASHSEED": seed} if seed else {})
    if mode == "cold":
        command = [sys.executable, "-c", _COLD, str(path)]
    else:
        out.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            "mlsecure",
            "privacy",
            "anonymize",
            "--input",
            str(path),
            "--output",
            str(out),
            "--text-columns",
            "text",
        ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode not in (0, 1):
        raise SystemExit(f"{command[:4]} failed ({run.returncode}): {run.stderr[-2000:]}")
    produced = run.stdout.encode() if mode == "cold" else out.read_bytes()
    seconds = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, hashlib.sha256(produced).hexdigest()


if __name__ == "__main__":
    main()
