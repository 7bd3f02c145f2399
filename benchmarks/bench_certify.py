"""Benchmark: mlsecure randomized-smoothing CERTIFY vs ART's vs the floor (a bare torch loop of the same passes).

Same noise-trained digits MLP (64-128-10, Gaussian augmentation at sigma), the same test points, the same
budget per point (n0 = 100 selection + n = 10,000 estimation noisy forwards, batches of ``--batch``), torch
single-threaded. Runs are interleaved and rotated (A B C, B C A, ...); the median process CPU time of each
is printed with its ratio to the floor, plus each implementation's mean radius and certified accuracy
(Monte-Carlo estimates of the same quantities: they agree within sampling noise, not bit for bit).

    python benchmarks/bench_certify.py [--repeats 11] [--points 20] [--n 10000] [--batch 1000]

ART is optional (``adversarial-robustness-toolbox``); its Clopper-Pearson bound imports statsmodels, and
where that is missing the same bound is computed with scipy (``beta.ppf``), which costs microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from scipy.stats import beta, norm

from mlsecure.data import load_builtin
from mlsecure.models.wrap import as_model
from mlsecure.robustness.smoothing import ABSTAIN, certify, train_with_noise

SIGMA, N0, ALPHA = 0.25, 100, 0.001
Result = tuple[np.ndarray, np.ndarray]  # (prediction, radius)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_builtin("digits")
    order = np.random.default_rng(0).permutation(len(data))
    cut = int(0.7 * len(data))
    train, test = data.subset(order[:cut]), data.subset(order[cut:])
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    train_with_noise(net, train.x, train.y, sigma=SIGMA, epochs=30, seed=0)
    x = np.ascontiguousarray(test.x[: args.points], dtype=np.float32)
    y = np.asarray(test.y[: args.points])
    n, bs = args.n, args.batch

    impls: dict[str, Callable[[], Result]] = {
        "bare loop (floor)": lambda: _bare(net, x, n, bs),
        "mlsecure certify": lambda: _ours(net, x, n, bs),
        f"mlsecure certify (batch {10 * bs})": lambda: _ours(net, x, n, 10 * bs),
    }
    art = _art(net, n, bs)
    if art is not None:
        impls["ART PyTorchRandomizedSmoothing.certify"] = lambda: art(x)
    else:
        print("ART: not installed")
    names = list(impls)
    times: dict[str, list[float]] = {k: [] for k in names}
    results: dict[str, Result] = {}
    for rep in range(args.repeats):
        for name in names[rep % len(names):] + names[: rep % len(names)]:
            start = time.process_time()
            results[name] = impls[name]()
            times[name].append(time.process_time() - start)
    floor = statistics.median(times[names[0]])
    forwards = args.points * (N0 + n)
    print(f"digits MLP 64-128-10, sigma={SIGMA}, {args.points} points x ({N0} + {n}) noisy forwards = {forwards:,}, "
          f"batch {bs}, 1 thread, median of {args.repeats}")
    print("| implementation | median CPU s | x bare loop | mean radius | certified acc @ sigma | abstain |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        med = statistics.median(times[name])
        pred, radius = results[name]
        cert_acc = float(np.mean((pred == y) & (radius >= SIGMA)))
        print(f"| {name} | {med:.4f} | {med / floor:.2f} | {radius.mean():.4f} | {cert_acc:.3f} | "
              f"{np.mean(pred == ABSTAIN):.3f} |")
    ours = results["mlsecure certify"][1]
    for name in names:
        if name != "mlsecure certify":
            print(f"max |radius - mlsecure's| per point, {name}: {np.abs(results[name][1] - ours).max():.4f}")


def _ours(net: torch.nn.Module, x: np.ndarray, n: int, bs: int) -> Result:
    cert = certify(as_model(net, input_shape=(64,)), x, sigma=SIGMA, n0=N0, n=n, alpha=ALPHA, batch_size=bs, seed=0)
    return cert.prediction, cert.radius


def _bare(net: torch.nn.Module, x: np.ndarray, n: int, bs: int) -> Result:
    """The floor: per point, the same noisy forward passes in batches, counted with bincount, CP bound once."""
    gen = torch.Generator().manual_seed(0)
    xt = torch.from_numpy(x)
    preds, radii = [], []
    with torch.inference_mode():
        for xi in xt:
            counts = []
            for num in (N0, n):
                c = torch.zeros(10, dtype=torch.int64)
                for start in range(0, num, bs):
                    k = min(bs, num - start)
                    noisy = xi + SIGMA * torch.randn((k, 64), generator=gen)
                    c += torch.bincount(net(noisy).argmax(1), minlength=10)
                counts.append(c)
            top = int(counts[0].argmax())
            k_a = int(counts[1][top])
            p_low = float(beta.ppf(ALPHA, k_a, n - k_a + 1)) if k_a else 0.0
            preds.append(top if p_low > 0.5 else ABSTAIN)
            radii.append(SIGMA * float(norm.ppf(p_low)) if p_low > 0.5 else 0.0)
    return np.array(preds), np.array(radii)


def _art(net: torch.nn.Module, n: int, bs: int) -> Callable[[np.ndarray], Result] | None:
    try:
        from art.estimators.certification.randomized_smoothing import PyTorchRandomizedSmoothing
    except ImportError:
        return None
    smoother = PyTorchRandomizedSmoothing(model=net, loss=torch.nn.CrossEntropyLoss(), input_shape=(64,),
                                          nb_classes=10, sample_size=N0, scale=SIGMA, alpha=ALPHA)
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        smoother._lower_confidence_bound = lambda k, total: float(beta.ppf(ALPHA, k, total - k + 1)) if k else 0.0

    def run(x: np.ndarray) -> Result:
        np.random.seed(0)
        pred, radius = smoother.certify(x, n=n, batch_size=bs)
        return np.asarray(pred), np.asarray(radius)

    return run


if __name__ == "__main__":
    main()
