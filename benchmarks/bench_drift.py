"""Drift benchmark: mlsecure's per-feature tests (KS + Wasserstein + PSI, all columns) and multivariate tests
(C2ST, MMD permutation test) on an n x d table, vs the per-column scipy loop (``ks_2samp`` asymptotic +
``wasserstein_distance``, the peer every drift library wraps) and the floor (one ``np.sort`` per column).

Interleaved repetitions, medians of process CPU time (all threads). Run:
    python benchmarks/bench_drift.py --rows 100000 --cols 50 --reps 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from scipy import stats

from mlsecure.governance import drift


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cols", type=int, default=50)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(args.rows, args.cols))
    cur = rng.normal(size=(args.rows, args.cols))
    cur[:, 17] += 0.3

    def ours() -> object:
        return drift.numeric_drift(ref, cur)

    def scipy_loop() -> object:
        return [(stats.ks_2samp(ref[:, j], cur[:, j], method="asymp"),
                 stats.wasserstein_distance(ref[:, j], cur[:, j])) for j in range(args.cols)]

    def floor() -> object:
        return [(np.sort(ref[:, j]), np.sort(cur[:, j])) for j in range(args.cols)]

    def c2st() -> object:
        return drift.classifier_test(ref, cur, max_samples=2000)

    def mmd() -> object:
        return drift.mmd_test(ref, cur, n_perm=200, max_samples=1000)

    jobs: dict[str, Callable[[], object]] = {"floor (np.sort per column)": floor, "mlsecure per-feature": ours,
                                              "scipy per-column loop": scipy_loop,
                                              "mlsecure C2ST (2000/side)": c2st,
                                              "mlsecure MMD (1000/side, 200 perms)": mmd}
    times: dict[str, list[float]] = {k: [] for k in jobs}
    for _ in range(args.reps):
        for name, job in jobs.items():  # interleaved
            t0 = time.process_time()
            job()
            times[name].append(time.process_time() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.rows} x {args.cols} per side, {args.reps} interleaved reps, median process CPU seconds")
    for name, t in med.items():
        print(f"  {name:38s} {t:8.3f} s   {t / med['floor (np.sort per column)']:6.2f} x floor")
    print(f"  scipy loop / mlsecure per-feature: {med['scipy per-column loop'] / med['mlsecure per-feature']:.2f}")
    t = drift.numeric_drift(ref, cur)
    q = drift.benjamini_hochberg(t.ks_pvalue)
    print(f"  flagged (q <= 0.05): {np.flatnonzero(q <= 0.05).tolist()}, "
          f"W/sigma of col 17 = {t.wasserstein_scaled[17]:.3f}, PSI = {t.psi[17]:.3f}")


if __name__ == "__main__":
    main()
