"""DP accounting: mlsecure's wrapper vs calling dp-accounting and Opacus directly (speed and agreement).

For a grid of DP-SGD configurations it times, interleaved (A B C A B C ...), the median process CPU
time of
  - mlsecure ``compute_epsilon`` (PLD, no cross-check) vs ``dp_accounting.pld.PLDAccountant`` directly;
  - mlsecure ``compute_epsilon`` (RDP) vs ``dp_accounting.rdp.RdpAccountant`` and Opacus'
    ``compute_rdp`` + ``get_privacy_spent`` (the floor: a closed-form sum over orders);
  - noise search: mlsecure ``find_noise_multiplier`` (PLD and RDP) vs Opacus ``get_noise_multiplier``
    (its PRV and RDP accountants, epsilon_tolerance=0.01);
and prints the epsilons side by side, plus the guide's noise table against the true values.

Run:  python benchmarks/bench_dp.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import dp_accounting as dp
from opacus.accountants.analysis import rdp as opacus_rdp
from opacus.accountants.utils import get_noise_multiplier

from mlsecure.privacy.dp import DPSGDConfig, compute_epsilon, find_noise_multiplier, guide_table_check

ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(11, 64))  # Opacus' default alphas
GRID = [(1.0, 64, 50_000, 10), (0.8, 256, 60_000, 5), (2.0, 512, 100_000, 20)]
DELTA = 1e-5


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def interleave(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, tuple[float, Any]]:
    times: dict[str, list[float]] = {k: [] for k in fns}
    values: dict[str, Any] = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            t, v = timed(fn)
            times[name].append(t)
            values[name] = v
    return {k: (statistics.median(times[k]), values[k]) for k in fns}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print("epsilon of one DP-SGD run (median process CPU seconds over interleaved repeats)")
    for sigma, batch, n, epochs in GRID:
        cfg = DPSGDConfig(noise_multiplier=sigma, batch_size=batch, dataset_size=n, epochs=epochs)
        q, steps = cfg.sample_rate, cfg.n_steps
        event = dp.SelfComposedDpEvent(dp.PoissonSampledDpEvent(q, dp.GaussianDpEvent(sigma)), steps)
        def direct_pld(event: Any = event) -> float:
            acc = dp.pld.PLDAccountant()
            acc.compose(event)
            return float(acc.get_epsilon(DELTA))

        def direct_rdp(event: Any = event) -> float:
            acc = dp.rdp.RdpAccountant()
            acc.compose(event)
            return float(acc.get_epsilon(DELTA))

        def opacus(q: float = q, sigma: float = sigma, steps: int = steps) -> float:
            rdp = opacus_rdp.compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=ORDERS)
            return float(opacus_rdp.get_privacy_spent(orders=ORDERS, rdp=rdp, delta=DELTA)[0])

        res = interleave({
            "mlsecure pld": lambda cfg=cfg: compute_epsilon(cfg, delta=DELTA, cross_check=False).epsilon,
            "dp-accounting pld": direct_pld,
            "mlsecure rdp": lambda cfg=cfg: compute_epsilon(cfg, delta=DELTA, accountant="rdp",
                                                            cross_check=False).epsilon,
            "dp-accounting rdp": direct_rdp,
            "opacus rdp": opacus,
        }, args.repeats)
        print(f"\nsigma={sigma} batch={batch} n={n} epochs={epochs} (q={q:.5g}, T={steps})")
        for name, (t, v) in res.items():
            print(f"  {name:18s} eps={v:.6f}  {t * 1000:8.1f} ms")
        print(f"  ratio mlsecure/dp-accounting: PLD {res['mlsecure pld'][0] / res['dp-accounting pld'][0]:.2f}x, "
              f"RDP {res['mlsecure rdp'][0] / res['dp-accounting rdp'][0]:.2f}x; "
              f"RDP vs Opacus floor {res['mlsecure rdp'][0] / res['opacus rdp'][0]:.2f}x")

    print("\nnoise search: smallest sigma for epsilon <= 3 (batch 256, n=60,000, 10 epochs, delta 1e-5)")
    kw = {"batch_size": 256, "dataset_size": 60_000, "epochs": 10}
    q = 256 / 60_000
    res = interleave({
        "mlsecure pld": lambda: find_noise_multiplier(target_epsilon=3.0, delta=DELTA, **kw).noise_multiplier,
        "mlsecure rdp": lambda: find_noise_multiplier(target_epsilon=3.0, delta=DELTA, accountant="rdp",
                                                      **kw).noise_multiplier,
        "opacus prv": lambda: get_noise_multiplier(target_epsilon=3.0, target_delta=DELTA, sample_rate=q, epochs=10,
                                                   accountant="prv"),
        "opacus rdp": lambda: get_noise_multiplier(target_epsilon=3.0, target_delta=DELTA, sample_rate=q, epochs=10,
                                                   accountant="rdp"),
    }, max(1, args.repeats - 1))
    for name, (t, v) in res.items():
        cfg = DPSGDConfig(noise_multiplier=float(v), batch_size=256, dataset_size=60_000, epochs=10)
        eps = compute_epsilon(cfg, delta=DELTA, cross_check=False).epsilon
        print(f"  {name:14s} sigma={float(v):.4f}  (PLD epsilon at that sigma {eps:.4f})  {t:6.2f} s")

    print("\nthe guide's noise table (10 epochs, batch 64, n=50,000, delta=1e-5) vs accounting")
    for row in guide_table_check():
        print(f"  sigma={row['noise_multiplier']:<4g} guide ~{row['guide_epsilon']:<5g} "
              f"PLD {row['pld_epsilon']:.4f}  RDP {row['rdp_epsilon']:.4f}")


if __name__ == "__main__":
    main()
