"""The poisoning suite: mlsecure's calibrated scan vs ART 1.20's activation clustering and spectral
signatures on generated images (shapes/textures, 12x12x1 and 16x16x3), tabular data and text
embeddings, with every attack family of ``mlsecure.poisoning.suite`` and a clean control per dataset.

Per case: a tiny model is trained on the poisoned rows (CNN for images, MLP otherwise); every detector
sees the same data and model; each flagged set is scored (precision, recall, F1, share flagged) and
the model is retrained without our flags (and without ART's) to measure the backdoor's success.

Seeds: even seeds are the DESIGN half (the fusion variants are compared there), odd seeds the REPORT
half (the chosen variant's figures). ``--variants`` prints every variant on the chosen seeds.

    nice python benchmarks/poisoning_suite.py --seeds 1 --out /tmp/suite-report.jsonl
    nice python benchmarks/poisoning_suite.py --seeds 0 --variants --no-art --out /tmp/suite-design.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mlsecure.poisoning.analysis import scan_poisoning
from mlsecure.poisoning.calibrated import Space, calibrated_scan
from mlsecure.poisoning.metrics import detection_metrics
from mlsecure.poisoning.probes import CLEAN_PROBES, clean_probe
from mlsecure.poisoning.suite import (
    DATASETS,
    HELDOUT,
    Attack,
    Case,
    DatasetSpec,
    attack_success,
    clean_correct,
    generate,
    make_case,
    trigger_resistant,
)

torch.set_num_threads(1)

# (attack, rate) per dataset: every dataset's clean control; the done-when triggers (patch, blend,
# tabular) at 3% and 10% on one image set, 5% on the others; one case of each other family (sig and
# clean-label draw from the target class only: 5% of the data is ~30% of it). Sized for the shared
# 2-core box (about 20 minutes a seed); widen it where CPU allows.
PLAN: dict[str, tuple[tuple[Attack, float], ...]] = {
    "shapes-12x12x1": (("none", 0.0), ("patch", 0.03), ("patch", 0.10), ("blend", 0.03), ("blend", 0.10),
                       ("wanet", 0.05), ("sig", 0.05), ("clean_label", 0.05), ("flip", 0.05)),
    "shapes-16x16x3": (("none", 0.0), ("patch", 0.05)),
    "textures-12x12x1": (("none", 0.0), ("patch", 0.005)),
    "textures-16x16x3": (("none", 0.0), ("patch", 0.05), ("blend", 0.05)),
    "tabular-24": (("none", 0.0), ("feature", 0.03), ("feature", 0.10), ("flip", 0.05)),
    "text-emb-48": (("none", 0.0), ("token", 0.05), ("flip", 0.05)),
}
# Held-out datasets (other sizes, channels, widths; never looked at while choosing the method)
PLAN_HELDOUT: dict[str, tuple[tuple[Attack, float], ...]] = {
    "shapes-20x20x1": (("none", 0.0), ("patch", 0.03), ("patch", 0.10), ("blend", 0.05), ("flip", 0.05)),
    "textures-14x14x2": (("none", 0.0), ("patch", 0.03), ("blend", 0.10), ("wanet", 0.05)),
    "tabular-40": (("none", 0.0), ("feature", 0.03), ("feature", 0.10), ("flip", 0.05)),
    "text-emb-64": (("none", 0.0), ("token", 0.05), ("flip", 0.03)),
}
# Held-out clean controls of another construction (session 6, ``poisoning.probes``): classes of unequal
# spread, elongated, multi-modal, heavy-tailed, 10:1 imbalanced, overlapping, and real scikit-learn data.
# Run with --heldout (no model: they are clean, there is no backdoor to measure); named "probe:NAME".
PROBE_PREFIX = "probe:"
VARIANTS: dict[str, tuple[Space, ...]] = {
    "act": ("activations",),
    "feat": ("features",),
    "nb": ("neighbours",),
    "nb+norm": ("neighbours", "normalised"),  # images; on tables and text the same as "nb"
    "feat+nb": ("features", "neighbours"),
    "act+feat+nb": ("activations", "features", "neighbours"),
}
CHOSEN = "nb+norm"  # chosen on the design seeds 0, 2, 4 (docs/poisoning.md): the library default


class Net(torch.nn.Module):
    def __init__(self, spec: DatasetSpec, n_classes: int) -> None:
        super().__init__()
        if spec.kind == "image":
            c = spec.channels
            self.body: torch.nn.Module = torch.nn.Sequential(
                torch.nn.Conv2d(c, 12, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                torch.nn.Conv2d(12, 24, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                torch.nn.Flatten(), torch.nn.Linear(24 * (spec.size // 4) ** 2, 32), torch.nn.ReLU())
        else:
            self.body = torch.nn.Sequential(torch.nn.Linear(spec.dims, 64), torch.nn.ReLU(),
                                            torch.nn.Linear(64, 32), torch.nn.ReLU())
        self.head = torch.nn.Linear(32, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.body(x))
        return out


def train(spec: DatasetSpec, x: np.ndarray, y: np.ndarray, n_classes: int, seed: int, epochs: int = 12) -> Net:
    torch.manual_seed(seed)
    net = Net(spec, n_classes)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    xt, yt = torch.from_numpy(np.asarray(x, np.float32)), torch.from_numpy(np.asarray(y, np.int64))
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(xt), generator=gen).split(64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
            opt.step()
    return net.eval()


def predictor(net: Net) -> Callable[[np.ndarray], np.ndarray]:
    def predict(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out: np.ndarray = net(torch.from_numpy(np.asarray(x, np.float32))).argmax(1).numpy()
        return out

    return predict


def penultimate(net: Net, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out: np.ndarray = net.body(torch.from_numpy(np.asarray(x, np.float32))).numpy()
    return out


def art_flags(net: Net, spec: DatasetSpec, case: Case, n_classes: int) -> dict[str, np.ndarray]:
    from art.defences.detector.poison import ActivationDefence, SpectralSignatureDefense
    from art.estimators.classification import PyTorchClassifier

    clf = PyTorchClassifier(model=net, loss=torch.nn.CrossEntropyLoss(), input_shape=spec.sample_shape,
                            nb_classes=n_classes)
    onehot = np.eye(n_classes, dtype=np.float32)[case.y]
    x = case.x.astype(np.float32)
    _, clean = ActivationDefence(clf, x, onehot).detect_poison(nb_clusters=2, nb_dims=10, reduce="PCA")
    out = {"ART-AC": np.asarray(clean) == 0}
    rate = max(float(case.poisoned.mean()), 0.01)  # ART needs a rate; give it the true one
    _, clean = SpectralSignatureDefense(clf, x, onehot, expected_pp_poison=rate, eps_multiplier=1.5).detect_poison()
    out["ART-SS"] = np.asarray(clean) == 0
    return out


def run_case(spec: DatasetSpec, attack: Attack, rate: float, seed: int, *, variants: Sequence[str],
             art: bool, retrain: bool, legacy: bool = False) -> list[dict[str, Any]]:
    start = time.time()
    case = make_case(spec, attack, rate, seed)
    if not variants:  # no model: the default check without --model (seconds a case)
        flagged = calibrated_scan(case.x, case.y, seed=seed).flagged
        m = detection_metrics(flagged, case.poisoned)
        return [{"dataset": spec.name, "attack": attack, "rate": rate, "seed": seed, "detector": "ours[no model]",
                 "precision": m.precision, "recall": m.recall, "f1": m.f1, "flagged": m.flagged,
                 "poisoned": m.poisoned, "flag_rate": float(flagged.mean()), "asr_before": float("nan"),
                 "asr_after": float("nan"), "seconds": round(time.time() - start, 1)}]
    x_test, y_test = generate(spec, 1000, seed + 10_000)
    n_classes = int(max(case.y.max(), y_test.max())) + 1
    net = train(spec, case.x, case.y, n_classes, seed)
    acts = penultimate(net, case.x)
    asr_before = attack_success(predictor(net), case, x_test, y_test)
    acc_before = float(np.mean(predictor(net)(x_test) == y_test))
    # the floor: a model trained on the truly clean rows (no filter can do better than removing exactly
    # the poison); "strict" success counts only test rows that model classifies right without the trigger
    # "attributable" counts only rows the floor model gets right WITH the trigger (suite.trigger_resistant):
    # the trigger alone does not fool a model that never saw poison there, so success is the backdoor's
    asr_floor = strict_floor = strict_before = attr_floor = attr_before = float("nan")
    right = resist = np.ones(len(y_test), dtype=bool)
    if retrain and attack != "none":
        floor_pred = predictor(train(spec, case.x[~case.poisoned], case.y[~case.poisoned], n_classes, seed))
        right = clean_correct(floor_pred, x_test, y_test)
        resist = trigger_resistant(floor_pred, case, x_test, y_test)
        asr_floor = attack_success(floor_pred, case, x_test, y_test)
        strict_floor = attack_success(floor_pred, case, x_test, y_test, among=right)
        strict_before = attack_success(predictor(net), case, x_test, y_test, among=right)
        attr_floor = attack_success(floor_pred, case, x_test, y_test, among=resist)
        attr_before = attack_success(predictor(net), case, x_test, y_test, among=resist)
    attr_rows = int(np.sum(resist & ((y_test == case.source) if attack == "flip" else (y_test != case.target))))
    flags: dict[str, np.ndarray] = {}
    extra: dict[str, dict[str, Any]] = {}
    for v in variants:
        spaces = tuple(sp for sp in VARIANTS[v] if sp != "normalised" or spec.kind == "image")
        scan = calibrated_scan(case.x, case.y, representations=acts, spaces=spaces, seed=seed)
        flags[f"ours[{v}]"] = scan.flagged
        extra[f"ours[{v}]"] = {"expected_false": round(scan.expected_false, 3),
                               "classes": [f.label for f in scan.findings],
                               "spaces": [f.space for f in scan.findings],
                               "p": [f.p_value for f in scan.findings]}
    if legacy:  # the per-detector thresholds the issue measured (scan_poisoning's verdict)
        flags["legacy verdict"] = scan_poisoning(case.x, case.y, representations=acts).suspicious
    if art:
        flags.update(art_flags(net, spec, case, n_classes))
    rows = []
    retrained: dict[bytes, tuple[float, float, float]] = {
        np.zeros(len(case.y), dtype=bool).tobytes(): (asr_before, strict_before, attr_before),
        case.poisoned.tobytes(): (asr_floor, strict_floor, attr_floor)}
    for name, flagged in flags.items():
        m = detection_metrics(flagged, case.poisoned)
        asr_after = strict_after = attr_after = float("nan")
        if retrain and attack != "none":
            key = flagged.tobytes()  # same flags (or none): same retrained model, train once
            if key not in retrained:
                keep = ~flagged
                after = predictor(train(spec, case.x[keep], case.y[keep], n_classes, seed))
                retrained[key] = (attack_success(after, case, x_test, y_test),
                                  attack_success(after, case, x_test, y_test, among=right),
                                  attack_success(after, case, x_test, y_test, among=resist))
            asr_after, strict_after, attr_after = retrained[key]
        rows.append({"dataset": spec.name, "attack": attack, "rate": rate, "seed": seed, "detector": name,
                     "precision": m.precision, "recall": m.recall, "f1": m.f1, "flagged": m.flagged,
                     "poisoned": m.poisoned, "flag_rate": float(flagged.mean()), "asr_before": asr_before,
                     "asr_after": asr_after, "asr_floor": asr_floor, "strict_before": strict_before,
                     "strict_after": strict_after, "strict_floor": strict_floor, "attr_before": attr_before,
                     "attr_after": attr_after, "attr_floor": attr_floor, "attr_rows": attr_rows,
                     "clean_acc": acc_before, **extra.get(name, {}),
                     "seconds": round(time.time() - start, 1)})
    return rows


def run_probe(name: str, seed: int) -> dict[str, Any]:
    """One clean probe with the default scan (no model): the share of rows flagged and the smallest
    class p-value (how close "no poison" came to a finding)."""
    start = time.time()
    x, y = clean_probe(name, seed)
    scan = calibrated_scan(x, y, seed=seed)
    m = detection_metrics(scan.flagged, np.zeros(len(y), dtype=bool))
    return {"dataset": PROBE_PREFIX + name, "attack": "none", "rate": 0.0, "seed": seed, "detector": "ours[no model]",
            "precision": m.precision, "recall": m.recall, "f1": m.f1, "flagged": m.flagged, "poisoned": 0,
            "flag_rate": float(scan.flagged.mean()), "finding": scan.poison_found,
            "min_p": min(t.p_value for t in scan.tests), "asr_before": float("nan"), "asr_after": float("nan"),
            "seconds": round(time.time() - start, 1)}


def table(path: Path, variant: str) -> str:
    """Markdown: one line per case, ours (``variant``) beside ART's two defences; backdoor success raw
    and attributable (only rows the clean floor model gets right with the trigger, ``trigger_resistant``)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    cases: dict[tuple[str, str, float, int], dict[str, dict[str, Any]]] = {}
    for r in rows:
        cases.setdefault((r["dataset"], r["attack"], r["rate"], r["seed"]), {})[r["detector"]] = r
    out = ["| dataset | attack | rate | seed | poisoned | ASR before | ASR floor (clean model) "
           "| attributable ASR before (rows) | ours P / R / F1 | ours flagged | ours ASR after "
           "| ours attributable after | ART-AC P / R / F1 | ART-AC flagged | ART-AC ASR after "
           "| ART-AC attributable after | ART-SS P / R / F1 | ART-SS flagged | ART-SS ASR after "
           "| ART-SS attributable after |",
           "|" + "---|" * 20]

    def num(r: dict[str, Any] | None, key: str) -> str:
        value = float("nan") if r is None else r.get(key, float("nan"))
        return "-" if value != value else f"{value:.2f}"

    def cell(r: dict[str, Any] | None) -> list[str]:
        if r is None:
            return ["-", "-", "-", "-"]
        prf = "-" if r["poisoned"] == 0 else f"{r['precision']:.2f} / {r['recall']:.2f} / {r['f1']:.2f}"
        return [prf, f"{100 * r['flag_rate']:.1f}%", num(r, "asr_after"), num(r, "attr_after")]

    for (dataset, attack, rate, seed), by in cases.items():
        ours = by.get(f"ours[{variant}]") or by.get("ours[no model]")
        first = next(iter(by.values()))
        before = num(first, "attr_before")
        if before != "-" and "attr_rows" in first:
            before += f" ({first['attr_rows']})"
        line = [dataset, "clean control" if attack == "none" else attack, f"{100 * rate:g}%", str(seed),
                str(first["poisoned"]), num(first, "asr_before"), num(ours, "asr_floor"), before, *cell(ours),
                *cell(by.get("ART-AC")), *cell(by.get("ART-SS"))]
        out.append("| " + " | ".join(line) + " |")
    return "\n".join(out)


def summary(path: Path, variant: str) -> str:
    """Markdown: one line per (dataset, attack, rate) over the seeds in ``path``: F1 per seed (clean
    controls: share of rows flagged) and how many seeds reach the targets."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    groups: dict[tuple[str, str, float], dict[int, dict[str, Any]]] = {}
    for r in rows:
        if r["detector"] in (f"ours[{variant}]", "ours[no model]"):
            groups.setdefault((r["dataset"], r["attack"], r["rate"]), {})[r["seed"]] = r
    out = ["| dataset | attack | rate | seeds | per seed: F1 (clean control: % of rows flagged, * a finding) "
           "| target met |",
           "|---|---|---|---|---|---|"]
    for (dataset, attack, rate), by in groups.items():
        seeds = sorted(by)
        if attack == "none":
            cells = [f"{100 * by[sd]['flag_rate']:.1f}%" + ("*" if by[sd].get("finding") else "") for sd in seeds]
            met = f"{sum(by[sd]['flag_rate'] <= 0.01 for sd in seeds)} of {len(seeds)} flag <= 1%"
            if any("finding" in by[sd] for sd in seeds):
                met += f", {sum(not by[sd]['finding'] for sd in seeds)} of {len(seeds)} no finding"
        else:
            cells = [f"{by[sd]['f1']:.2f}" for sd in seeds]
            met = f"{sum(by[sd]['f1'] >= 0.9 for sd in seeds)} of {len(seeds)} at F1 >= 0.9"
        out.append(f"| {dataset} | {'clean control' if attack == 'none' else attack} | {100 * rate:g}% | "
                   f"{','.join(map(str, seeds))} | {' / '.join(cells)} | {met} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--datasets", nargs="*", default=None,
                        help="default: every dataset of the set (with --heldout also every clean probe, probe:NAME)")
    parser.add_argument("--heldout", action="store_true", help="the held-out datasets instead of the design set")
    parser.add_argument("--attacks", nargs="*", default=None)
    parser.add_argument("--variants", action="store_true", help="score every fusion variant")
    parser.add_argument("--no-art", action="store_true")
    parser.add_argument("--no-retrain", action="store_true")
    parser.add_argument("--no-model", action="store_true", help="no training, no ART: the check without --model (fast)")
    parser.add_argument("--legacy", action="store_true", help="also score the per-detector thresholds' verdict")
    parser.add_argument("--out", type=Path, required=True, help="JSON lines, appended")
    parser.add_argument("--table", action="store_true", help="print the markdown table of --out and stop")
    parser.add_argument("--summary", action="store_true", help="print the per-case summary over seeds and stop")
    parser.add_argument("--variant", default=CHOSEN, choices=sorted(VARIANTS), help="the variant --table shows")
    args = parser.parse_args(argv)
    if args.table or args.summary:
        print((table if args.table else summary)(args.out, args.variant))  # a benchmark script's output
        return 0
    variants = [] if args.no_model else list(VARIANTS) if args.variants else [CHOSEN]
    with args.out.open("a") as fh:
        for seed in args.seeds:
            specs, plan = (HELDOUT, PLAN_HELDOUT) if args.heldout else (DATASETS, PLAN)
            for spec in specs:
                if args.datasets and spec.name not in args.datasets:
                    continue
                for attack, rate in plan[spec.name]:
                    if args.attacks and attack not in args.attacks:
                        continue
                    for row in run_case(spec, attack, rate, seed, variants=variants, art=not args.no_art,
                                        retrain=not args.no_retrain, legacy=args.legacy):
                        fh.write(json.dumps(row) + "\n")
                        fh.flush()
                        print(json.dumps(row), file=sys.stderr)
            for name in CLEAN_PROBES if args.heldout and not args.attacks else ():
                if args.datasets and PROBE_PREFIX + name not in args.datasets:
                    continue
                row = run_probe(name, seed)
                fh.write(json.dumps(row) + "\n")
                fh.flush()
                print(json.dumps(row), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
