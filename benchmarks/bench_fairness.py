"""Fairness-audit benchmark: mlsecure's audit vs calling fairlearn's ``MetricFrame`` directly vs the
numpy floor, on the same synthetic predictions.

Like for like: fairlearn's bootstrap resamples ALL rows (group sizes random). The rows marked "rows design"
run that same algorithm; the stratified rows run a different design (group sizes fixed) and are shown apart.

- ``fairlearn``: ``MetricFrame(metrics=4, n_boot=B, ci_quantiles=[.025, .975])`` plus
  ``demographic_parity_difference/ratio`` and ``equalized_odds_difference`` (each regroups the data),
  the way a user would call the library directly. Rows design.
- ``mls-rows``: ``audit_fairness(engine="numpy", bootstrap="rows")``: the same design, each replicate's
  whole (group x cell) table drawn from ``Multinomial(n, cells / n)``, which is exactly the distribution of
  resampling the n rows.
- ``rows-naive``: the same design done row by row with numpy (``integers(0, n, n)`` + ``bincount`` per
  replicate): the floor of an implementation that touches every row of every replicate.
- ``mlsecure``: ``audit_fairness`` defaults (MetricFrame point estimates + the STRATIFIED multinomial
  bootstrap); ``mls-numpy``: the same with ``engine="numpy"``. Different design: its coverage is tested
  (tests/governance/test_governance_fairness.py::test_bootstrap_interval_coverage_is_nominal).
- ``floor``: one ``np.bincount`` of (group, confusion cell) and the stratified multinomial bootstrap on
  those counts; nothing else.

Runs are interleaved (A B C A B C ...); medians of process CPU time are printed with ratios; the
interval widths of both bootstraps are printed so the speed is not bought with different answers.

    python benchmarks/bench_fairness.py                 # n=100000 rows, 4 groups, B=100
    python benchmarks/bench_fairness.py --n 1000000 --boot 1000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from mlsecure.governance.fairness import audit_fairness, bootstrap_cells, confusion_cells, metrics_from_cells


def make_predictions(n: int, groups: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, predictions with a group-dependent selection bias, and group names."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    y = (rng.random(n) < 0.4).astype(np.int64)
    flip_down = rng.random(n) < 0.08 * g  # higher groups lose positives
    pred = np.where(rng.random(n) < 0.85, y, 1 - y)
    pred[flip_down] = 0
    return y, pred, np.array([f"g{i}" for i in range(groups)])[g]


def run_mlsecure(y: np.ndarray, p: np.ndarray, s: np.ndarray, boot: int) -> dict[str, float]:
    a = audit_fairness(y, p, s, n_boot=boot)
    d = a.demographic_parity_difference
    return {"dp_diff": d.value, "dp_width": d.high - d.low, "eo": a.equalized_odds_difference.value}


def run_mlsecure_numpy(y: np.ndarray, p: np.ndarray, s: np.ndarray, boot: int) -> dict[str, float]:
    a = audit_fairness(y, p, s, n_boot=boot, engine="numpy")
    d = a.demographic_parity_difference
    return {"dp_diff": d.value, "dp_width": d.high - d.low, "eo": a.equalized_odds_difference.value}


def run_mlsecure_rows(y: np.ndarray, p: np.ndarray, s: np.ndarray, boot: int) -> dict[str, float]:
    a = audit_fairness(y, p, s, n_boot=boot, engine="numpy", bootstrap="rows")
    d = a.demographic_parity_difference
    return {"dp_diff": d.value, "dp_width": d.high - d.low, "eo": a.equalized_odds_difference.value}


def run_rows_naive(y: np.ndarray, p: np.ndarray, s: np.ndarray, boot: int) -> dict[str, float]:
    names, codes = np.unique(s, return_inverse=True)
    g = len(names)
    cells = confusion_cells(y, p, codes, g, positive=1)
    sr = metrics_from_cells(cells)["selection_rate"]
    out = {"dp_diff": float(sr.max() - sr.min()), "dp_width": float("nan"), "eo": float("nan")}
    if boot:
        cell_of_row = codes * 5 + np.where(y == 1, np.where(p == 1, 0, 2), np.where(p == 1, 1, np.where(y == p, 3, 4)))
        rng = np.random.default_rng(0)
        reps = np.empty((boot, g, 5), dtype=np.int64)
        for b in range(boot):
            reps[b] = np.bincount(cell_of_row[rng.integers(0, len(y), len(y))], minlength=g * 5).reshape(g, 5)
        bsr = metrics_from_cells(reps)["selection_rate"]
        lo, hi = np.quantile(np.nanmax(bsr, axis=1) - np.nanmin(bsr, axis=1), [0.025, 0.975])
        out["dp_width"] = float(hi - lo)
    return out


def run_fairlearn(y: np.ndarray, p: np.ndarray, s: np.ndarray, boot: int) -> dict[str, float]:
    metrics = {"selection_rate": selection_rate, "accuracy": accuracy_score, "tpr": true_positive_rate,
               "fpr": false_positive_rate}
    mf = MetricFrame(metrics=metrics, y_true=y, y_pred=p, sensitive_features=s, n_boot=boot or None,
                     ci_quantiles=[0.025, 0.975] if boot else None, random_state=0)
    _ = mf.by_group
    dp = demographic_parity_difference(y, p, sensitive_features=s)
    demographic_parity_ratio(y, p, sensitive_features=s)
    eo = equalized_odds_difference(y, p, sensitive_features=s)
    width = float("nan")
    if boot:
        lo, hi = mf.difference_ci()  # per-metric bootstrap intervals of the between-group difference
        width = float(hi["selection_rate"] - lo["selection_rate"])
    return {"dp_diff": float(dp), "dp_width": width, "eo": float(eo)}


def run_floor(y: np.ndarray, p: np.ndarray, s: np.ndarray, boot: int) -> dict[str, float]:
    names, codes = np.unique(s, return_inverse=True)
    cells = confusion_cells(y, p, codes, len(names), positive=1)
    sr = metrics_from_cells(cells)["selection_rate"]
    out = {"dp_diff": float(sr.max() - sr.min()), "dp_width": float("nan"), "eo": float("nan")}
    if boot:
        b = metrics_from_cells(bootstrap_cells(cells, n_boot=boot, seed=0))["selection_rate"]
        diff = b.max(axis=1) - b.min(axis=1)
        lo, hi = np.quantile(diff, [0.025, 0.975])
        out["dp_width"] = float(hi - lo)
    return out


def timed(fn: Callable[..., dict[str, float]], *args: Any) -> tuple[float, dict[str, float]]:
    t0 = time.process_time()
    result = fn(*args)
    return time.process_time() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--boot", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    y, p, s = make_predictions(args.n, args.groups, 0)
    runners = {"fairlearn": run_fairlearn, "mls-rows": run_mlsecure_rows, "rows-naive": run_rows_naive,
               "mlsecure": run_mlsecure, "mls-numpy": run_mlsecure_numpy, "floor": run_floor}
    print(f"n={args.n} groups={args.groups} bootstrap replicates={args.boot} repeats={args.repeats} (CPU s, median)")
    for boot in (0, args.boot):
        times: dict[str, list[float]] = {k: [] for k in runners}
        last: dict[str, dict[str, float]] = {}
        for _ in range(args.repeats):
            for name, fn in runners.items():
                t, last[name] = timed(fn, y, p, s, boot)
                times[name].append(t)
        floor = statistics.median(times["floor"])
        label = "point estimates only" if boot == 0 else f"with {boot} bootstrap replicates"
        print(f"\n{label}")
        print(f"{'tool':<10} {'design':<10} {'cpu_s':>9} {'x floor':>9} {'x mls-rows':>11} {'dp_diff':>9} "
              f"{'dp_ci_width':>12} {'eo':>8}")
        ours = statistics.median(times["mls-rows"])
        for name in runners:
            med = statistics.median(times[name])
            r = last[name]
            design = "rows" if name in ("fairlearn", "mls-rows", "rows-naive") else "stratified"
            print(f"{name:<10} {design:<10} {med:>9.4f} {med / floor:>9.1f} {med / ours:>11.2f} {r['dp_diff']:>9.4f} "
                  f"{r['dp_width']:>12.4f} {r['eo']:>8.4f}")


if __name__ == "__main__":
    main()
