"""Poisoning detection benchmark: mlsecure's detectors vs ART 1.20's ActivationDefence and
SpectralSignatureDefense, on the same poisoned data and the same trained model, in one run.

For every attack it prints precision / recall / F1 of each detector's flagged set, process CPU
seconds (median over ``--repeats`` interleaved runs: ours, ART-AC, ART-SS, ours, ...), and the
backdoor's attack success rate (ASR) after removing the flagged rows and retraining. Floors: the
ASR after removing exactly the true poison (the best any detector can do) and the CPU time of one
blocked pass of per-class covariances over the activations (the least work a spectral method does).

    python benchmarks/bench_poisoning.py            # digits backdoors + tabular label flips
    python benchmarks/bench_poisoning.py --scale    # also 100,000 x 512 synthetic, wall and CPU time
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from mlsecure.data import load_builtin
from mlsecure.poisoning import detection_metrics, scan_poisoning, simulate
from mlsecure.poisoning.detectors.interface import class_rows
from mlsecure.poisoning.linalg import class_moments
from mlsecure.poisoning.metrics import attack_success_rate

torch.set_num_threads(1)


def train_mlp(x: np.ndarray, y: np.ndarray, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    xt, yt = torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y.astype(np.int64))
    for _ in range(200):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    return net.eval()


def predictor(net: torch.nn.Module) -> Callable[[np.ndarray], np.ndarray]:
    def predict(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out: np.ndarray = net(torch.from_numpy(np.asarray(x, np.float32))).argmax(1).numpy()
        return out

    return predict


def cpu(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


def art_detectors(net: torch.nn.Module, x: np.ndarray, y: np.ndarray,
                  rate: float) -> dict[str, Callable[[], np.ndarray]]:
    from art.defences.detector.poison import ActivationDefence, SpectralSignatureDefense
    from art.estimators.classification import PyTorchClassifier

    clf = PyTorchClassifier(model=net, loss=torch.nn.CrossEntropyLoss(), input_shape=(64,), nb_classes=10,
                            clip_values=(0.0, 1.0))
    onehot = np.eye(10, dtype=np.float32)[y]

    def ac() -> np.ndarray:
        _, clean = ActivationDefence(clf, x, onehot).detect_poison(nb_clusters=2, nb_dims=10, reduce="PCA")
        return np.asarray(clean) == 0

    def ss() -> np.ndarray:
        defence = SpectralSignatureDefense(clf, x, onehot, expected_pp_poison=rate, eps_multiplier=1.5)
        _, clean = defence.detect_poison()
        return np.asarray(clean) == 0

    return {"ART activation clustering": ac, "ART spectral signatures": ss}


def backdoor_case(name: str, poisoned: simulate.PoisonedData, test_x: np.ndarray, test_y: np.ndarray,
                  repeats: int) -> list[dict[str, Any]]:
    x, y, truth = poisoned.x, poisoned.y, poisoned.is_poisoned
    trigger, target = poisoned.trigger, int(poisoned.target or 0)
    assert trigger is not None  # backdoor simulators always set it
    net = train_mlp(x, y)
    with torch.no_grad():
        reps = net[1](net[0](torch.from_numpy(x))).numpy()
    rate = float(truth.mean())
    arts = art_detectors(net, x, y, rate)
    times: dict[str, list[float]] = {"mlsecure (all detectors)": [], **{k: [] for k in arts}, "floor": []}
    results: dict[str, np.ndarray] = {}
    scan = None
    for _ in range(repeats):  # interleaved: ours, ART-AC, ART-SS, floor, ours, ...
        scan, t = cpu(lambda: scan_poisoning(x, y, representations=reps))
        times["mlsecure (all detectors)"].append(t)
        for key, fn in arts.items():
            results[key], t = cpu(fn)
            times[key].append(t)
        _, t = cpu(lambda: [class_moments(reps, rows) for rows in class_rows(y)])
        times["floor"].append(t)
    assert scan is not None
    asr_before = attack_success_rate(predictor(net), test_x, test_y, trigger=trigger, target=target)

    def asr_after(flags: np.ndarray) -> float:
        if not flags.any():
            return asr_before
        return attack_success_rate(predictor(train_mlp(x[~flags], y[~flags])), test_x, test_y,
                                   trigger=trigger, target=target)

    rows = []
    entries: list[tuple[str, np.ndarray, float | None]] = [
        ("mlsecure verdict (suspicious rows)", scan.suspicious, statistics.median(times["mlsecure (all detectors)"])),
    ]
    entries += [(f"  {r.key}", r.result.flagged, r.seconds) for r in scan.runs]
    entries += [(k, results[k], statistics.median(times[k])) for k in arts]
    entries.append(("oracle: remove the true poison", truth, None))
    for label, flags, seconds in entries:
        m = detection_metrics(flags, truth)
        rows.append({"attack": name, "detector": label, "precision": m.precision, "recall": m.recall, "f1": m.f1,
                     "cpu_s": seconds, "asr_before": asr_before, "asr_after": asr_after(flags)})
    rows.append({"attack": name, "detector": "floor: one pass of class covariances", "precision": None,
                 "recall": None, "f1": None, "cpu_s": statistics.median(times["floor"]), "asr_before": None,
                 "asr_after": None})
    return rows


def label_case(name: str, poisoned: simulate.PoisonedData) -> list[dict[str, Any]]:
    scan, t = cpu(lambda: scan_poisoning(poisoned.x, poisoned.y))
    rows = []
    for label, flags, seconds in [("mlsecure verdict (suspicious rows)", scan.suspicious, t),
                                  *[(f"  {r.key}", r.result.flagged, r.seconds) for r in scan.runs]]:
        m = detection_metrics(flags, poisoned.is_poisoned)
        rows.append({"attack": name, "detector": label, "precision": m.precision, "recall": m.recall, "f1": m.f1,
                     "cpu_s": seconds, "asr_before": None, "asr_after": None})
    rows.append({"attack": name, "detector": "ART: no label-flip detector", "precision": None, "recall": None,
                 "f1": None, "cpu_s": None, "asr_before": None, "asr_after": None})
    return rows


def clean_case(seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    """No poison: 70% digits splits, MLP activations; any flagged row is a false alarm."""
    digits = load_builtin("digits")
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(len(digits.x))[: int(0.7 * len(digits.x))]
        x, y = digits.x[order], digits.y[order]
        net = train_mlp(x, y)
        with torch.no_grad():
            reps = net[1](net[0](torch.from_numpy(x))).numpy()
        scan = scan_poisoning(x, y, representations=reps)
        print(f"clean digits split seed {seed}: {len(scan.verdicts)} findings, {int(scan.suspicious.sum())} rows "
              f"flagged (untangling flags: {_max_flags(scan)})")


def _max_flags(scan: Any) -> str:
    return ", ".join(f"{r.key} {int(r.result.flagged.sum())}" for r in scan.runs if r.name == "untangling")


def scale_case() -> None:
    rng = np.random.default_rng(0)
    n, d = 100_000, 512
    y = rng.integers(0, 10, n)
    x = rng.standard_normal((n, d), dtype=np.float32) + (rng.standard_normal((10, d)).astype(np.float32) * 0.5)[y]
    poison = (rng.random(n) < 0.05) & (y != 3)
    x[poison, :8] += 3.0
    y[poison] = 3
    wall, start = time.perf_counter(), time.process_time()
    scan = scan_poisoning(x, y)
    m = detection_metrics(scan.suspicious, poison)
    print(f"\nscale: {n:,} x {d} features, 10 classes, {poison.mean():.1%} planted backdoor rows, all detectors: "
          f"wall {time.perf_counter() - wall:.1f} s, CPU {time.process_time() - start:.1f} s; "
          f"verdict precision {m.precision:.3f} recall {m.recall:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--scale", action="store_true")
    args = parser.parse_args()
    digits = load_builtin("digits")
    order = np.random.default_rng(0).permutation(len(digits.x))
    cut = int(0.7 * len(order))
    xtr, ytr, xte, yte = digits.x[order[:cut]], digits.y[order[:cut]], digits.x[order[cut:]], digits.y[order[cut:]]
    patch = simulate.patch_trigger(64, image_shape=(8, 8))
    cases = [
        ("BadNets 5% -> 3", simulate.badnets(xtr, ytr, target=3, rate=0.05, image_shape=(8, 8), seed=1)),
        ("BadNets 7% -> 3", simulate.badnets(xtr, ytr, target=3, rate=0.07, image_shape=(8, 8), seed=1)),
        ("BadNets 7% -> 8", simulate.badnets(xtr, ytr, target=8, rate=0.07, image_shape=(8, 8), seed=1)),
        ("BadNets 10% -> 0", simulate.badnets(xtr, ytr, target=0, rate=0.10, image_shape=(8, 8), seed=1)),
        ("blended 7% -> 2", simulate.blended(xtr, ytr, target=2, rate=0.07, alpha=0.2, seed=1)),
        ("clean-label 5% -> 4", simulate.clean_label(xtr, ytr, trigger=patch, target=4, rate=0.05, seed=1)),
    ]
    rows: list[dict[str, Any]] = []
    for name, poisoned in cases:
        rows += backdoor_case(name, poisoned, xte, yte, args.repeats)
    for ds, src, tgt in (("wine", 0, 1), ("breast_cancer", 1, 0), ("breast_cancer", 0, 1)):
        data = load_builtin(ds)
        rows += label_case(f"{ds} flips {src}->{tgt} 10%",
                           simulate.label_flip(data.x, data.y, rate=0.1, source=src, target=tgt, seed=0))
    fmt = "{:<22} {:<40} {:>5} {:>5} {:>5} {:>7} {:>10}"
    print(fmt.format("attack", "detector", "P", "R", "F1", "CPU s", "ASR after"))
    for r in rows:
        def num(v: float | None, spec: str = ".2f") -> str:
            return "-" if v is None else format(v, spec)

        asr = "-" if r["asr_after"] is None else f"{r['asr_after']:.2f}/{r['asr_before']:.2f}"
        print(fmt.format(r["attack"], r["detector"], num(r["precision"]), num(r["recall"]), num(r["f1"]),
                         num(r["cpu_s"], ".3f"), asr))
    print("\nASR after = backdoor success after removing the flagged rows and retraining / before removal.")
    for name, _ in cases:
        ours = max((r["f1"] for r in rows if r["attack"] == name and r["detector"].startswith("mlsecure")), default=0)
        art = max((r["f1"] for r in rows if r["attack"] == name and r["detector"].startswith("ART")), default=0)
        print(f"{name:<22} verdict F1 {ours:.2f} vs best ART F1 {art:.2f}  ratio {ours / max(art, 1e-9):.1f}x")
    clean_case()
    if args.scale:
        scale_case()


if __name__ == "__main__":
    main()
