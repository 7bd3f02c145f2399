"""Benchmark: mlsecure APGD-L1 vs ART's APGD(norm=1) vs a bare PyTorch loop (the floor).

Same digits MLP (64-64-10, trained as in tests/conftest.py), same test inputs, L1 eps=2.0, 100 iterations,
one batch, torch single-threaded. torchattacks 3.5 has no L1 APGD (its APGD takes Linf/L2 only), so it
is not in the table. The floor is 101 forward/backward passes (the start plus 100 steps, as APGD-L1
spends) with a bare sign step and clamp: the cost of the model alone. Runs are interleaved and rotated;
the median process CPU time of each is reported with its ratio to the floor, plus robust accuracy.

    python benchmarks/bench_apgd_l1.py [--repeats 7] [--n 500] [--eps 2.0]

ART is optional: when it is not installed it is reported as such.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np
import torch

from mlsecure.data import load_builtin
from mlsecure.models.wrap import as_model
from mlsecure.robustness.attacks.apgd_l1 import APGDL1
from mlsecure.robustness.attacks.pgd import PGD

STEPS = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--eps", type=float, default=2.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    net, x, y = _setup(args.n)
    model = as_model(net, input_shape=(64,), clip_values=(0.0, 1.0))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).long()
    eps = args.eps

    def floor() -> np.ndarray:
        adv = xt.clone()
        for _ in range(STEPS + 1):
            adv.requires_grad_(True)
            (g,) = torch.autograd.grad(torch.nn.functional.cross_entropy(net(adv), yt, reduction="sum"), adv)
            adv = (adv.detach() + 1e-3 * g.sign()).clamp_(0.0, 1.0)
        return adv.numpy()

    def ours() -> np.ndarray:
        out: np.ndarray = APGDL1(eps=eps, steps=STEPS, batch_size=len(x))(model, x, y)
        return out

    def pgd() -> np.ndarray:
        out: np.ndarray = PGD(eps=eps, norm="l1", steps=STEPS, batch_size=len(x))(model, x, y)
        return out

    runs: dict[str, Callable[[], np.ndarray]] = {"floor (bare torch, 101 fwd/bwd)": floor,
                                                 "mlsecure APGD-L1": ours, "mlsecure PGD-L1 (sparse step)": pgd}
    art = _art(net, eps, len(x))
    if art is not None:
        runs["ART 1.20 APGD(norm=1)"] = lambda: art(x, y)
    times: dict[str, list[float]] = {k: [] for k in runs}
    advs: dict[str, np.ndarray] = {}
    names = list(runs)
    for r in range(args.repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            t0 = time.process_time()
            advs[name] = runs[name]()
            times[name].append(time.process_time() - t0)
    base = statistics.median(times[names[0]])
    print(f"digits MLP, n={len(x)}, L1 eps={eps}, {STEPS} iterations, 1 thread, {args.repeats} interleaved repeats")
    print(f"{'implementation':34} {'median CPU s':>12} {'x floor':>8} {'robust acc':>10}")
    for name in names:
        med = statistics.median(times[name])
        acc = "-" if name == names[0] else f"{_robust(net, x, y, advs[name], eps):.3f}"  # the floor is unbounded
        print(f"{name:34} {med:12.3f} {med / base:8.2f} {acc:>10}")
    if art is None:
        print("ART: not installed")


def _setup(n: int) -> tuple[torch.nn.Module, np.ndarray, np.ndarray]:
    data = load_builtin("digits")
    order = np.random.default_rng(0).permutation(len(data))
    cut = int(0.7 * len(data))
    train, test = data.subset(order[:cut]), data.subset(order[cut:])
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    xtr, ytr = torch.from_numpy(train.x), torch.from_numpy(train.y)
    for _ in range(150):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xtr), ytr).backward()  # type: ignore[no-untyped-call]  # torch stub
        opt.step()
    return net.eval(), np.asarray(test.x)[:n].astype(np.float32), np.asarray(test.y)[:n].astype(np.int64)


def _robust(net: torch.nn.Module, x: np.ndarray, y: np.ndarray, adv: np.ndarray, eps: float) -> float:
    with torch.no_grad():
        pred = net(torch.from_numpy(adv.astype(np.float32))).argmax(1).numpy()
    ok = pred == y
    ok |= np.abs(adv - x).sum(1) > eps * (1 + 1e-5)  # a perturbation outside the ball does not count
    return float(ok.mean())


def _art(net: torch.nn.Module, eps: float, batch: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from art.attacks.evasion import AutoProjectedGradientDescent  # type: ignore[import-untyped]  # no stubs
            from art.estimators.classification import PyTorchClassifier  # type: ignore[import-untyped]  # no stubs
    except ImportError:
        return None
    clf = PyTorchClassifier(model=net, loss=torch.nn.CrossEntropyLoss(), input_shape=(64,), nb_classes=10,
                            clip_values=(0.0, 1.0))
    attack = AutoProjectedGradientDescent(clf, norm=1, eps=eps, eps_step=eps, max_iter=STEPS, nb_random_init=1,
                                          batch_size=batch, verbose=False)

    def run(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out: np.ndarray = attack.generate(x, y)
        return out

    return run


if __name__ == "__main__":
    main()
