"""Model extraction: mlsecure's surrogate training vs ART's CopycatCNN and KnockoffNets, and the floor.

Same victim (the demo's digits 64-128-10 torch MLP), same attacker data (the 70% train slice), same
budgets, probabilities returned; fidelity = arg-max agreement with the victim on the 30% holdout.
The floor is the cost of the queries themselves (victim forward passes on ``budget`` rows).
Process CPU time, one thread (torch and BLAS), interleaved A B C D A B C D, medians of ``--reps``.

    python benchmarks/bench_extraction.py [--reps 3] [--budgets 300,1000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # no stubs

from mlsecure.data import load_builtin
from mlsecure.models import as_model
from mlsecure.privacy.inference.extraction import train_surrogate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--budgets", default="300,1000")
    parser.add_argument("--art-epochs", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        run(args.reps, [int(b) for b in args.budgets.split(",")], args.art_epochs)


def run(reps: int, budgets: list[int], art_epochs: int) -> None:
    from art.attacks.extraction import CopycatCNN, KnockoffNets
    from art.estimators.classification import PyTorchClassifier

    digits = load_builtin("digits")
    order = np.random.default_rng(0).permutation(len(digits))
    cut = int(0.7 * len(digits))
    train, hold = digits.subset(order[:cut]), digits.subset(order[cut:])
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    x, y = torch.from_numpy(train.x), torch.from_numpy(train.y)
    for _ in range(300):  # the demo's victim
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    net.eval()
    victim = as_model(net, input_shape=(64,), clip_values=(0.0, 1.0))
    victim_hold = victim.predict_proba(hold.x).argmax(1)

    def art_classifier(module: torch.nn.Module) -> PyTorchClassifier:
        return PyTorchClassifier(model=module, loss=torch.nn.CrossEntropyLoss(),
                                 optimizer=torch.optim.Adam(module.parameters(), lr=1e-2),
                                 input_shape=(64,), nb_classes=10, clip_values=(0.0, 1.0))

    class _Softmaxed(torch.nn.Module):  # ART's use_probability expects the victim's outputs as probabilities
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, t: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.inner(t), dim=1)

    art_victim = art_classifier(_Softmaxed(net))

    def thief() -> PyTorchClassifier:
        torch.manual_seed(1)
        return art_classifier(torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)))

    def fidelity(pred: np.ndarray) -> float:
        return float((pred.argmax(1) == victim_hold).mean())

    for budget in budgets:
        xs = train.x[np.random.default_rng(budget).permutation(len(train))[:budget]]

        def floor(xs: np.ndarray = xs) -> float:
            victim.predict_proba(xs)
            return float("nan")

        def ours(xs: np.ndarray = xs) -> float:
            p = victim.predict_proba(xs).astype(np.float64)
            s = train_surrogate(xs.astype(np.float64), p, hidden=64, bounds=(np.zeros(64), np.ones(64)))
            return fidelity(s.predict_proba(hold.x.astype(np.float64)))

        def copycat(xs: np.ndarray = xs, budget: int = budget) -> float:
            attack = CopycatCNN(art_victim, batch_size_fit=64, batch_size_query=256, nb_epochs=art_epochs,
                                nb_stolen=budget, use_probability=True)
            stolen = attack.extract(xs, thieved_classifier=thief())
            return fidelity(stolen.predict(hold.x))

        def knockoff(xs: np.ndarray = xs, budget: int = budget) -> float:
            attack = KnockoffNets(art_victim, batch_size_fit=64, batch_size_query=256, nb_epochs=art_epochs,
                                  nb_stolen=budget, sampling_strategy="random", use_probability=True, verbose=False)
            stolen = attack.extract(xs, thieved_classifier=thief())
            return fidelity(stolen.predict(hold.x))

        runners: dict[str, Callable[[], float]] = {"floor (queries only)": floor, "mlsecure": ours,
                                                   "ART CopycatCNN": copycat, "ART KnockoffNets": knockoff}
        times: dict[str, list[float]] = {k: [] for k in runners}
        fids: dict[str, float] = {}
        for _ in range(reps):
            for name, fn in runners.items():
                t0 = time.process_time()
                fids[name] = fn()
                times[name].append(time.process_time() - t0)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"budget {budget} queries (victim accuracy {float((victim_hold == hold.y).mean()):.4f}):")
        for name in runners:
            fid = "" if np.isnan(fids[name]) else f"fidelity {fids[name]:.4f}  "
            print(f"  {name:22s} {fid}cpu {1000 * med[name]:9.2f} ms  x{med[name] / med['mlsecure']:.2f} of mlsecure"
                  f"  x{med[name] / med['floor (queries only)']:.0f} of floor")


if __name__ == "__main__":
    main()
