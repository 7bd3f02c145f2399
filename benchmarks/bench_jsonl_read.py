"""JSON Lines reading: the session-7 reader (``tests/core/jsonl_reader_s7.py``, as of c56238d) against the
current ``mlsecure.data.tables._read_jsonl``, inside one process, interleaved, on one generated file.

Process CPU time per read (median of ``--repeats``, old and new alternating) and the peak of Python
allocations during one read of each (``tracemalloc``, measured apart from the timing). Both readers must
return equal frames and JSON values, which is checked before anything is timed.

    PYTHONPATH=src python benchmarks/bench_jsonl_read.py [--rows 50000] [--repeats 7] [--flat]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "core"))

from jsonl_reader_s7 import read_jsonl_s7  # noqa: E402

from mlsecure.data import tables  # noqa: E402


def write_rows(path: Path, rows: int, seed: int, *, flat: bool = False) -> None:
    """A customer-record shape: ids, names, e-mails, floats, integers with nulls, booleans, a field present on
    a third of the lines, a field mixing numbers and strings, a nested object and an array (``flat``: without
    the last three, every field one JSON type)."""
    rng = random.Random(seed)
    first = ["Ana", "Björn", "Chen", "Dana", "Émile", "Farah", "Grzegorz", "Hana"]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            name = f"{rng.choice(first)} {rng.choice(first)}son"
            row: dict[str, Any] = {
                "id": i, "name": name, "email": f"user{i}@example.org", "score": round(rng.random() * 100, 3),
                "age": rng.randint(18, 90) if rng.random() > 0.1 else None, "active": rng.random() > 0.5,
                "zip": f"{rng.randint(0, 99999):05d}", "note": rng.choice(["", "call back", "VIP", "n/a"]),
                "ref": rng.randint(1, 999) if rng.random() > 0.3 else f"R-{rng.randint(1, 999)}",
                "meta": {"src": rng.choice(["web", "app"]), "visits": rng.randint(0, 50)},
                "tags": rng.sample(["a", "b", "c", "d"], rng.randint(0, 3)),
            }
            if rng.random() < 0.33:
                row["coupon"] = rng.randint(1, 10**6)
            if flat:
                del row["ref"], row["meta"], row["tags"]
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def old(path: Path) -> tuple[Any, dict[str, list[Any]]]:
    return read_jsonl_s7(pd, path, path)


def new(path: Path) -> tuple[Any, dict[str, list[Any]]]:
    loaded = tables._read_jsonl(pd, path, path)
    return loaded.frame, dict(loaded.json_values)


def cpu(fn: Callable[[Path], Any], path: Path) -> float:
    gc.collect()
    start = time.process_time()
    fn(path)
    return time.process_time() - start


def peak(fn: Callable[[Path], Any], path: Path) -> int:
    gc.collect()
    tracemalloc.start()
    fn(path)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--flat", action="store_true", help="no nested or mixed fields")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.jsonl"
        write_rows(path, args.rows, args.seed, flat=args.flat)
        (a_frame, a_values), (b_frame, b_values) = old(path), new(path)
        pd.testing.assert_frame_equal(b_frame, a_frame, check_exact=True)
        assert list(a_values) == list(b_values) and all(a_values[k] == b_values[k] for k in a_values)
        times: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(args.repeats):
            times["old"].append(cpu(old, path))
            times["new"].append(cpu(new, path))
        peaks = {"old": peak(old, path), "new": peak(new, path)}
        size = path.stat().st_size
    print(f"{args.rows} rows, {len(a_frame.columns)} fields ({', '.join(a_values) or 'none'} held as JSON values), "
          f"{size / 1e6:.1f} MB; process CPU, median of {args.repeats} interleaved reads")
    for side in ("old", "new"):
        print(f"{side}: {statistics.median(times[side]):.3f} s CPU (min {min(times[side]):.3f}), "
              f"peak Python allocations {peaks[side] / 1e6:.0f} MB")
    print(f"new/old CPU: {statistics.median(times['new']) / statistics.median(times['old']):.3f}; "
          f"peak: {peaks['new'] / peaks['old']:.3f}")


if __name__ == "__main__":
    main()
