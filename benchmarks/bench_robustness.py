"""Benchmark: mlsecure PGD-20 vs a bare PyTorch PGD loop (the floor) vs ART, Foolbox and torchattacks.

Same model, same 1000 digits inputs, same settings (L-inf, eps=0.1, absolute step 0.0125, 20 steps, no
random start, one batch), torch single-threaded. Runs are interleaved (A B C ... then rotated) and the
median process CPU time of each is reported with its ratio to the bare loop, plus robust accuracy
(identical across implementations without random start, up to ties).

    python benchmarks/bench_robustness.py [--repeats 15] [--n 1000]

Peers are optional: a library that is not installed is reported as such.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

from mlsecure.data import load_builtin
from mlsecure.models.wrap import as_model
from mlsecure.robustness.attacks.pgd import PGD

EPS, STEP, STEPS = 0.1, 0.0125, 20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = load_builtin("digits")
    order = np.random.default_rng(0).permutation(len(data))
    x_all = torch.from_numpy(data.x[order])
    y_all = torch.from_numpy(data.y[order]).long()
    print(f"torch {torch.__version__}, threads={torch.get_num_threads()}, n={args.n}, eps={EPS}, step={STEP}, "
          f"steps={STEPS}, repeats={args.repeats}")
    for kind in ("mlp", "cnn"):
        net, shape = _train(kind, x_all, y_all)
        x = x_all[: args.n].reshape((-1, *shape)).contiguous()
        y = y_all[: args.n]
        _run(kind, net, shape, x, y, args.repeats)


def _train(kind: str, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.nn.Module, tuple[int, ...]]:
    nn = torch.nn
    if kind == "mlp":
        net: torch.nn.Module = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
        shape: tuple[int, ...] = (64,)
    else:
        net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1, stride=2),
                            nn.ReLU(), nn.Flatten(), nn.Linear(32 * 4 * 4, 10))
        shape = (1, 8, 8)
    xt = x[1000:].reshape((-1, *shape))  # train on the inputs the benchmark does not attack
    yt = y[1000:]
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(150):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    return net.eval(), shape


def bare_pgd(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The floor: 20 forward+backward passes and the projection, nothing else."""
    adv = x.clone()
    for _ in range(STEPS):
        adv.requires_grad_(True)
        loss = torch.nn.functional.cross_entropy(net(adv), y)
        (g,) = torch.autograd.grad(loss, adv)
        adv = adv.detach() + STEP * g.sign()
        adv = torch.min(torch.max(adv, x - EPS), x + EPS).clamp(0.0, 1.0)
    return adv


Impl = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _impls(net: torch.nn.Module, shape: tuple[int, ...], n: int) -> dict[str, Impl | str]:
    impls: dict[str, Impl | str] = {}
    impls["bare loop"] = lambda x, y: bare_pgd(net, x, y)
    model = as_model(net, input_shape=shape, clip_values=(0.0, 1.0))
    ours = PGD(eps=EPS, steps=STEPS, step=STEP, random_start=False, batch_size=n)
    impls["mlsecure"] = lambda x, y: ours(model, x, y)
    try:
        from art.attacks.evasion import ProjectedGradientDescentPyTorch
        from art.estimators.classification import PyTorchClassifier

        clf = PyTorchClassifier(model=net, loss=torch.nn.CrossEntropyLoss(), input_shape=shape, nb_classes=10,
                                clip_values=(0.0, 1.0), device_type="cpu")
        art = ProjectedGradientDescentPyTorch(clf, norm=np.inf, eps=EPS, eps_step=STEP, max_iter=STEPS,
                                              num_random_init=0, batch_size=n, verbose=False)
        impls["ART"] = lambda x, y: torch.from_numpy(art.generate(x.numpy(), y=y.numpy()))
    except ImportError as exc:
        impls["ART"] = f"not installed ({exc.name})"
    try:
        import foolbox as fb

        fmodel = fb.PyTorchModel(net, bounds=(0.0, 1.0))
        fpgd = fb.attacks.LinfPGD(abs_stepsize=STEP, steps=STEPS, random_start=False)
        impls["Foolbox"] = lambda x, y: fpgd(fmodel, x, y, epsilons=EPS)[1]
    except ImportError as exc:
        impls["Foolbox"] = f"not installed ({exc.name})"
    try:
        import torchattacks

        tpgd = torchattacks.PGD(net, eps=EPS, alpha=STEP, steps=STEPS, random_start=False)
        impls["torchattacks"] = lambda x, y: tpgd(x, y)
    except ImportError as exc:
        impls["torchattacks"] = f"not installed ({exc.name})"
    return impls


def _run(kind: str, net: torch.nn.Module, shape: tuple[int, ...], x: torch.Tensor, y: torch.Tensor,
         repeats: int) -> None:
    impls = _impls(net, shape, len(x))
    runnable = {k: v for k, v in impls.items() if not isinstance(v, str)}
    times: dict[str, list[float]] = {k: [] for k in runnable}
    acc: dict[str, float] = {}
    names = list(runnable)
    for name in names:  # warm-up, and the robust accuracy of each
        adv = runnable[name](x, y)
        with torch.no_grad():
            acc[name] = float((net(adv).argmax(1) == y).float().mean())
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:  # interleaved, rotated
            t0 = time.process_time()
            runnable[name](x, y)
            times[name].append(time.process_time() - t0)
    with torch.no_grad():
        clean = float((net(x).argmax(1) == y).float().mean())
    floor = statistics.median(times["bare loop"])
    print(f"\n{kind.upper()} (input {shape}), clean accuracy {clean:.3f}")
    print(f"{'implementation':<14} {'median CPU s':>12} {'x bare loop':>11} {'robust acc':>10}")
    for name in names:
        med = statistics.median(times[name])
        print(f"{name:<14} {med:>12.4f} {med / floor:>11.2f} {acc[name]:>10.3f}")
    for name, why in impls.items():
        if isinstance(why, str):
            print(f"{name:<14} {why}")


if __name__ == "__main__":
    main()
