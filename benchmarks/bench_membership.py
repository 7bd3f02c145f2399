"""Membership inference: mlsecure's attacks beside ART's black-box membership attack, same model, same run.

Target (the issue's setting): an overfit digits MLP 64-512-10 trained on 400 members (100 % train
accuracy), audited against 400 non-members. Prints every attack's AUC, TPR at 1 % and 0.1 % FPR with
Clopper-Pearson intervals, and time; ART's supervised attacks are trained on half of the records and
scored on the other half, so every attack is also reported on that same evaluation half.

The floor is the loss-threshold attack: one forward pass, no reference models. The bar to beat is the
issue's 16-shadow LiRA: AUC 0.64, TPR 8 % at 1 % FPR, 5 % at 0.1 % FPR, in under two minutes.

Run:  python benchmarks/bench_membership.py [--seeds 0 1] [--references 16 64]
Needs: adversarial-robustness-toolbox (benchmark only: pip install -c constraints.txt adversarial-robustness-toolbox)
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import numpy as np
import torch

from mlsecure.data import Dataset, load_builtin
from mlsecure.models import as_model
from mlsecure.privacy.inference import audit_membership
from mlsecure.privacy.inference.metrics import AttackMetrics, evaluate

ATTACKS = ("loss", "confidence", "entropy", "mentr", "shadow", "lira_offline", "lira_online", "rmia", "rmia_offline")


def overfit_target(seed: int) -> tuple[torch.nn.Module, Dataset, Dataset]:
    digits = load_builtin("digits")
    order = np.random.default_rng(seed).permutation(len(digits))
    members, non_members = digits.subset(order[:400]), digits.subset(order[400:800])
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(64, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x, y = torch.from_numpy(members.x), torch.from_numpy(members.y)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(100):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    return net.eval(), members, non_members


def run_ours(net: torch.nn.Module, members: Dataset, non_members: Dataset, refs: int, seed: int) -> dict[str, Any]:
    model = as_model(net, input_shape=(64,))
    wall, cpu = time.perf_counter(), time.process_time()
    audit = audit_membership(model, members, non_members, attacks=ATTACKS, n_reference=refs, seed=seed)
    return {"audit": audit, "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def run_art(net: torch.nn.Module, members: Dataset, non_members: Dataset, kind: str, seed: int) -> dict[str, Any]:
    from art.attacks.inference.membership_inference import MembershipInferenceBlackBox
    from art.estimators.classification import PyTorchClassifier

    clf = PyTorchClassifier(model=net, loss=torch.nn.CrossEntropyLoss(), input_shape=(64,), nb_classes=10,
                            clip_values=(0.0, 1.0), device_type="cpu")
    half_m, half_n = len(members) // 2, len(non_members) // 2
    wall, cpu = time.perf_counter(), time.process_time()
    attack = MembershipInferenceBlackBox(clf, attack_model_type=kind)
    attack.fit(members.x[:half_m], members.y[:half_m], non_members.x[:half_n], non_members.y[:half_n])
    x_eval = np.concatenate([members.x[half_m:], non_members.x[half_n:]])
    y_eval = np.concatenate([members.y[half_m:], non_members.y[half_n:]])
    scores = attack.infer(x_eval, y_eval, probabilities=True).reshape(len(x_eval), -1)[:, -1]
    return {"scores": scores, "wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def fmt(name: str, m: AttackMetrics, seconds: float) -> str:
    t1, t01 = m.tpr_at_1pct, m.tpr_at_01pct
    return (f"{name:22s} AUC {m.auc:.3f}  TPR@1% {100 * t1.value:5.1f}% [{100 * t1.low:4.1f},{100 * t1.high:5.1f}]  "
            f"TPR@0.1% {100 * t01.value:5.1f}% [{100 * t01.low:4.1f},{100 * t01.high:5.1f}]  "
            f"eps>= {m.epsilon_lower:4.2f}  {seconds:6.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--references", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--art", nargs="+", default=["rf", "gb", "nn"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    for seed in args.seeds:
        net, members, non_members = overfit_target(seed)
        with torch.no_grad():
            acc_m = (net(torch.from_numpy(members.x)).argmax(1).numpy() == members.y).mean()
            acc_n = (net(torch.from_numpy(non_members.x)).argmax(1).numpy() == non_members.y).mean()
        print(f"\n== seed {seed}: 64-512-10 MLP, 400 members (train acc {acc_m:.3f}), "
              f"400 non-members (acc {acc_n:.3f}) ==")
        # interleave ours and ART: A B A B
        runs: list[tuple[str, dict[str, Any]]] = []
        for refs in args.references:
            runs.append((f"ours-{refs}", run_ours(net, members, non_members, refs, seed)))
            runs.extend((f"ART-bb-{kind}", run_art(net, members, non_members, kind, seed)) for kind in args.art)
        half_m, half_n = 200, 200
        eval_member = np.r_[np.ones(half_m, bool), np.zeros(half_n, bool)]
        for label, run in runs:
            if label.startswith("ours"):
                audit = run["audit"]
                print(f"-- {label}: {audit.reference_models} reference models, {audit.reference_seconds:.1f}s wall "
                      f"to train; whole audit {run['wall']:.1f}s wall, {run['cpu']:.1f}s CPU")
                print("   all 400 + 400 records:")
                for name, r in audit.results.items():
                    print("   " + fmt(name, r.metrics, r.seconds))
                print("   evaluation half (200 + 200, the records ART is scored on):")
                pick = np.r_[np.arange(half_m, 400), 400 + np.arange(half_n, 400)]
                for name, r in audit.results.items():
                    print("   " + fmt(name, evaluate(r.scores[pick], eval_member), r.seconds))
            else:
                print(f"-- {label} (trained on 200 + 200, scored on 200 + 200): {run['wall']:.1f}s wall")
                print("   " + fmt(label, evaluate(run["scores"], eval_member), run["cpu"]))


if __name__ == "__main__":
    main()
