"""Pickle-emulator cost on opcode-heavy pickles and on expansion bombs: CPU time of ``scan_file`` for
comparing two checkouts like for like (the session-3 resource accounting must not slow clean files).

    PYTHONPATH=/path/to/checkout/src python benchmarks/bench_artifact_vm.py --data /tmp/vm --repeats 5

Files (written once under ``--data``, reused, so both checkouts read the same bytes):
``dict_50k.pkl``: ``{f"k{i}": [i, (i, "x"), {"a": i}]}`` for 50,000 keys (~0.9 M opcodes, no shared
containers); ``shared_50k.pkl``: 50,000 objects referencing 500 shared dicts (composite DUP/GET: the
traversal check runs); ``tuple_keys.pkl``: 20,000 tuple-keyed entries. Bombs (``--bombs``) are timed
with a 60 s cap per file: ``hash_dag_key.pkl`` (408 bytes), ``laughs.pkl`` (globalLaughs.pt shape).
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import time
from pathlib import Path


def build(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    shared = [{"w": i, "name": f"s{i}"} for i in range(500)]
    files = {
        "dict_50k.pkl": lambda: pickle.dumps({f"k{i}": [i, (i, "x"), {"a": i}] for i in range(50_000)}, protocol=4),
        "shared_50k.pkl": lambda: pickle.dumps([{"id": i, "ref": shared[i % 500]} for i in range(50_000)], protocol=4),
        "tuple_keys.pkl": lambda: pickle.dumps({(i, f"t{i}"): i for i in range(20_000)}, protocol=4),
        "hash_dag_key.pkl": lambda: b"\x80\x02}K\x01" + b"2\x86" * 200 + b"Ns.",
        "laughs.pkl": lambda: b"\x80\x04" + b"(" * 9 + b"\x8c\x03lol" + (b"2" * 9 + b"l") * 9 + b".",
    }
    out = {}
    for name, make in files.items():
        path = folder / name
        if not path.exists():
            path.write_bytes(make())
        out[name] = path
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bombs", action="store_true", help="also time the bombs (they hang unfixed scanners)")
    args = parser.parse_args()
    from mlsecure.artifacts.scan import Limits, scan_file

    files = build(args.data)
    limits = Limits(max_seconds=60)
    for name, path in files.items():
        if name in ("hash_dag_key.pkl", "laughs.pkl") and not args.bombs:
            continue
        times, verdict = [], ""
        for _ in range(args.repeats):
            start = time.process_time()
            result = scan_file(path, limits=limits)
            times.append(time.process_time() - start)
            verdict = result.verdict.value
        print(f"{name}\t{path.stat().st_size}\tmedian {statistics.median(times) * 1000:.0f} ms CPU\t{verdict}")


if __name__ == "__main__":
    main()
