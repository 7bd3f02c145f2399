"""Table loading: mlsecure.data.load_table vs pandas.read_csv (the peer) vs one read of the file (the floor).

    python benchmarks/bench_data_loading.py [--rows 200000] [--repeats 7]

load_table adds a strict pass that pandas skips (ragged rows are an error here; pandas pads them with
NaN silently), so the ratio to pandas is the price of that check. Process CPU time, medians, A/B/C
interleaved.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from mlsecure.data import load_table


def make_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((rows, 32)), columns=[f"f{i}" for i in range(32)])
    frame["label"] = rng.integers(0, 10, rows)
    frame.to_csv(path, index=False, float_format="%.6g")


def cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        make_csv(path, args.rows)
        contenders: dict[str, Callable[[], object]] = {
            "floor: read bytes": path.read_bytes,
            "pandas.read_csv": lambda: pd.read_csv(path),
            "mlsecure load_table": lambda: load_table(path),
        }
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(args.repeats):
            for name, fn in contenders.items():  # interleaved A B C A B C
                times[name].append(cpu(fn))
        size_mb = path.stat().st_size / 1e6
    floor = statistics.median(times["floor: read bytes"])
    peer = statistics.median(times["pandas.read_csv"])
    print(f"{args.rows} rows x 33 columns, {size_mb:.1f} MB CSV; median process CPU time of {args.repeats} runs")
    print(f"{'contender':24s} {'seconds':>8s} {'MB/s':>8s} {'x floor':>8s} {'x pandas':>8s}")
    for name, samples in times.items():
        t = statistics.median(samples)
        print(f"{name:24s} {t:8.3f} {size_mb / t:8.1f} {t / floor:8.1f} {t / peer:8.2f}")


if __name__ == "__main__":
    main()
