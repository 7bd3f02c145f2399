"""Aggregator throughput: mlsecure vs Flower's aggregation functions (or the guide's loops) vs the floor.

    python benchmarks/bench_federated.py --clients 100 --params 1000000 --repeats 3

Each client update is two layers (``(1000, d/1000 - 1)`` weight plus the rest as a bias), float32. Peers:
``flwr.server.strategy.aggregate`` (``aggregate``, ``aggregate_median``, ``aggregate_trimmed_avg``,
``aggregate_krum``, ``aggregate_bulyan``) when Flower is importable, always the guide's section 10.2 loops
(``federated_averaging``, ``krum_aggregation``, ``trimmed_mean_aggregation``). Floor: one ``np.mean`` pass
over the stacked ``(n, d)`` matrix. mlsecure is timed through its dict API (``Aggregator.aggregate``:
validation + stacking + aggregation + unflattening), the peers through theirs. Runs are interleaved
(A B A B ...), timed in process CPU seconds and wall seconds; medians are printed with ratios.
Bulyan runs on ``--bulyan-clients`` clients (Flower's Bulyan calls its O(n^2 d) Krum n - 2f times).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from mlsecure.federated.aggregators import Bulyan, CoordinateMedian, FedAvg, Krum, MultiKrum, TrimmedMean


def guide_fedavg(updates: list[dict[str, np.ndarray]], weights: list[float]) -> dict[str, np.ndarray]:
    total = sum(weights)
    return {k: sum(w * u[k] for w, u in zip(weights, updates, strict=True)) / total for k in updates[0]}


def guide_krum(updates: list[dict[str, np.ndarray]], f: int) -> dict[str, np.ndarray]:
    n = len(updates)
    flat = np.array([np.concatenate([v.flatten() for v in u.values()]) for u in updates])
    scores = np.zeros(n)
    for i in range(n):
        dists = np.sort(np.linalg.norm(flat - flat[i], axis=1))
        scores[i] = np.sum(dists[1:n - f - 1])
    return updates[int(np.argmin(scores))]


def guide_trimmed_mean(updates: list[dict[str, np.ndarray]], trim_ratio: float) -> dict[str, np.ndarray]:
    out = {}
    for key in updates[0]:
        stacked = np.stack([u[key] for u in updates], axis=0)
        n = stacked.shape[0]
        k = int(n * trim_ratio)
        out[key] = (np.sort(stacked, axis=0)[k:n - k] if k > 0 else stacked).mean(axis=0)
    return out


def make_updates(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d), dtype=np.float32)
    rows = 1000
    cols = d // rows - 1
    split = rows * cols
    updates = [{"weight": x[i, :split].reshape(rows, cols), "bias": x[i, split:]} for i in range(n)]
    return x, updates


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def bench(cases: dict[str, Callable[[], Any]], repeats: int) -> dict[str, tuple[float, float]]:
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
    for name, fn in cases.items():  # warm-up
        fn()
        del name
    for _ in range(repeats):
        for name, fn in cases.items():
            samples[name].append(timed(fn))
    return {k: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v)) for k, v in samples.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--params", type=int, default=1_000_000)
    ap.add_argument("--f", type=int, default=10, help="Byzantine clients tolerated (Krum, trimmed mean)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bulyan-clients", type=int, default=23)
    ap.add_argument("--skip-slow-peers", action="store_true", help="skip the O(n^2) Python-loop Krum peers")
    args = ap.parse_args()
    try:
        from flwr.server.strategy import aggregate as fa
    except ImportError:
        fa = None
    x, updates = make_updates(args.clients, args.params)
    nd = [([u["weight"], u["bias"]], 1) for u in updates]
    beta = args.f / args.clients
    rows: list[tuple[str, dict[str, Callable[[], Any]]]] = [
        ("fedavg", {"mlsecure": lambda: FedAvg().aggregate(updates),
                    "flower": (lambda: fa.aggregate(nd)) if fa else None,
                    "guide": lambda: guide_fedavg(updates, [1.0] * len(updates))}),
        ("median", {"mlsecure": lambda: CoordinateMedian(f=args.f).aggregate(updates),
                    "flower": (lambda: fa.aggregate_median(nd)) if fa else None}),
        ("trimmed-mean", {"mlsecure": lambda: TrimmedMean(beta=beta).aggregate(updates),
                          "flower": (lambda: fa.aggregate_trimmed_avg(nd, beta)) if fa else None,
                          "guide": lambda: guide_trimmed_mean(updates, beta)}),
        ("krum", {"mlsecure": lambda: Krum(f=args.f).aggregate(updates),
                  "flower": (lambda: fa.aggregate_krum(nd, args.f, 0)) if fa and not args.skip_slow_peers else None,
                  "guide": (lambda: guide_krum(updates, args.f)) if not args.skip_slow_peers else None}),
        ("multi-krum", {"mlsecure": lambda: MultiKrum(f=args.f).aggregate(updates),
                        "flower": (lambda: fa.aggregate_krum(nd, args.f, args.clients - args.f))
                        if fa and not args.skip_slow_peers else None}),
    ]
    nb = args.bulyan_clients
    fb = (nb - 3) // 4
    xb, ub = make_updates(nb, args.params, seed=1)
    ndb = [([u["weight"], u["bias"]], 1) for u in ub]
    rows.append((f"bulyan (n={nb}, f={fb})", {
        "mlsecure": lambda: Bulyan(f=fb).aggregate(ub),
        "flower": (lambda: fa.aggregate_bulyan(list(ndb), num_malicious=fb, aggregation_rule=fa.aggregate_krum,
                                               to_keep=0)) if fa and not args.skip_slow_peers else None,
        "floor": lambda: np.mean(xb, axis=0)}))
    print(f"# {args.clients} clients x {args.params:,} float32 params ({x.nbytes / 2**20:.0f} MiB), "
          f"f={args.f}, {args.repeats} interleaved repeats, Flower: {'yes' if fa else 'not installed'}")
    print(f"{'rule':<26}{'impl':<10}{'CPU s':>9}{'wall s':>9}{'x floor':>9}{'peer/ours':>11}")
    for rule, impls in rows:
        cases = {k: v for k, v in impls.items() if v is not None}
        cases.setdefault("floor", lambda: np.mean(x, axis=0))
        res = bench(cases, args.repeats)
        floor = res["floor"][0]
        ours = res["mlsecure"][0]
        for impl, (cpu, wall) in res.items():
            ratio = f"{cpu / ours:>10.1f}x" if impl not in ("mlsecure", "floor") else ""
            print(f"{rule:<26}{impl:<10}{cpu:>9.3f}{wall:>9.3f}{cpu / floor:>9.1f}{ratio:>11}")


if __name__ == "__main__":
    main()
