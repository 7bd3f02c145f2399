"""The built-in demo: train a small model on scikit-learn's digits, save it, and scan it with every check.

Library half of ``mlsecure demo`` (the CLI renders and writes the report files).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlsecure.check import CheckResult, ProgressCallback, ScanContext
from mlsecure.data import Dataset, load_builtin
from mlsecure.errors import CheckError, require
from mlsecure.findings import Figure, Report, Series
from mlsecure.scan.registry import all_checks

SIMULATION = "demo-simulated-poisoning"
"""Report key of the demo's own poisoning attack (metrics and a figure; never findings)."""


@dataclass(frozen=True)
class DemoFiles:
    model: Path
    train: Path
    holdout: Path
    serving: Path | None = None
    """Held-out rows as a drifted serving feed would deliver them (see ``simulate_serving_skew``)."""


SKEWED_COLUMNS = (0, 1)
"""Image columns (of 8) that the demo's simulated serving feed brightens: a camera or preprocessing change."""


def prepare_demo(directory: Path, *, seed: int = 0) -> DemoFiles:
    """Train a 64-128-10 MLP on 70% of digits and write model.pt, train.csv, holdout.csv and serving.csv."""
    from mlsecure.artifacts.load import save_torchscript

    directory.mkdir(parents=True, exist_ok=True)
    digits = load_builtin("digits")
    order = np.random.default_rng(seed).permutation(len(digits))
    cut = int(0.7 * len(digits))
    train, holdout = digits.subset(order[:cut]), digits.subset(order[cut:])
    if train.y is None:
        raise CheckError("built-in digits lost its labels")
    net = _train_mlp(train.x, train.y, seed=seed)
    files = DemoFiles(directory / "model.pt", directory / "train.csv", directory / "holdout.csv",
                      directory / "serving.csv")
    save_torchscript(net, files.model, input_shape=(64,), clip_values=(0.0, 1.0),
                     train_data=files.train.name, holdout_data=files.holdout.name)
    _write_csv(train, files.train)
    _write_csv(holdout, files.holdout)
    _write_csv(simulate_serving_skew(holdout), directory / "serving.csv")
    return files


def simulate_serving_skew(data: Dataset, *, brighten: float = 0.3) -> Dataset:
    """The rows as a changed upstream pipeline would deliver them: the left ``SKEWED_COLUMNS`` of every 8x8
    image brightened by ``brighten`` (clipped to 1), what a new camera or a preprocessing bug does. The
    demo's drift check is run against it (ML08 train/serve skew)."""
    from dataclasses import replace

    x = data.x.reshape(len(data), 8, 8).copy()
    x[:, :, list(SKEWED_COLUMNS)] = np.minimum(x[:, :, list(SKEWED_COLUMNS)] + brighten, 1.0)
    return replace(data, x=x.reshape(data.x.shape))


def run_demo(files: DemoFiles, *, progress: ProgressCallback | None = None, seed: int = 0) -> Report:
    """Scan the demo files exactly as a user's are scanned: one ``Session`` (model through the artifact gate,
    each file parsed once), every registered check."""
    from mlsecure.scan.session import Session

    checks = all_checks()
    options = {"current": str(files.serving)} if files.serving is not None and "drift" in checks else {}
    session = Session(files.model, files.train, files.holdout, checks=list(checks), options=options, seed=seed,
                      framework="pytorch", target=f"demo: {files.model} + {files.train}")
    report = session.run(progress=progress)
    if "poisoning" in checks:
        if progress:
            progress("Simulated poisoning attack", 0.0)
        simulated = simulate_poisoning(files, seed=seed, train=session.context.data, holdout=session.context.holdout)
        report.metrics[SIMULATION] = dict(simulated.metrics)
        report.figures.update({f"{SIMULATION}.{k}": v for k, v in simulated.figures.items()})
        if progress:
            progress("Simulated poisoning attack", 1.0)
    return report


def _train_mlp(x: np.ndarray, y: np.ndarray, *, seed: int) -> Any:
    """A 64-128-10 MLP, full-batch Adam: ~1 s on one core, ~97% holdout accuracy on digits."""
    torch = require("torch", "torch")
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    tx, ty = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(np.asarray(y))
    for _ in range(300):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(tx), ty).backward()
        optimizer.step()
    return net.eval()


def simulate_poisoning(files: DemoFiles, *, seed: int = 0, target: int = 3, rate: float = 0.07,
                       train: Dataset | None = None, holdout: Dataset | None = None) -> CheckResult:
    """Show the poisoning detectors on a known attack: BadNets into ``target`` on the demo's training data.

    Trains a model on the poisoned rows, runs the same poisoning check a user runs, scores what it
    flagged against the ground truth, then retrains without the flagged rows and measures the backdoor's
    success rate on triggered holdout images before and after. Reported as metrics, not findings: the
    attack is ours. ``train`` / ``holdout``: the files as already read (else they are read here).
    """
    from mlsecure.data import load_dataset
    from mlsecure.models import as_model, predict_labels
    from mlsecure.poisoning.checks import PoisoningCheck
    from mlsecure.poisoning.metrics import attack_success_rate, detection_metrics
    from mlsecure.poisoning.simulate import badnets

    train = train if train is not None else load_dataset(files.train)
    holdout = holdout if holdout is not None else load_dataset(files.holdout)
    if train.y is None or holdout.y is None:
        raise CheckError("the demo's data files lost their label column")
    poisoned = badnets(train.x, train.y, target=target, rate=rate, image_shape=(8, 8), seed=seed)
    model = as_model(_train_mlp(poisoned.x, poisoned.y, seed=seed), input_shape=(64,), clip_values=(0.0, 1.0))
    ctx = ScanContext(model=model, data=Dataset(poisoned.x, poisoned.y, source="demo: BadNets-poisoned train.csv"),
                      options={"seed": seed})
    result = PoisoningCheck().execute(ctx)
    flagged = np.zeros(len(poisoned.y), dtype=bool)
    for finding in result.findings:
        flagged[list(finding.location.rows)] = True
    detection = detection_metrics(flagged, poisoned.is_poisoned)
    trigger = poisoned.trigger
    if trigger is None:
        raise CheckError("the BadNets simulator returned no trigger")
    cleaned = _train_mlp(poisoned.x[~flagged], poisoned.y[~flagged], seed=seed)
    cleaned_model = as_model(cleaned, input_shape=(64,))
    asr_before = attack_success_rate(lambda v: predict_labels(model, v), holdout.x, holdout.y,
                                     trigger=trigger, target=target)
    asr_after = attack_success_rate(lambda v: predict_labels(cleaned_model, v), holdout.x, holdout.y,
                                    trigger=trigger, target=target)
    metrics = {
        "attack": f"BadNets 2x2 corner patch relabelled as class {target}, {rate:.0%} of training rows (simulated)",
        "poisoned_rows": detection.poisoned,
        "flagged_rows": detection.flagged,
        "precision": detection.precision,
        "recall": detection.recall,
        "f1": detection.f1,
        "classes_flagged": sorted({str(f.evidence.get("class", "?")) for f in result.findings}),
        "backdoor_success_before_removal": asr_before,
        "backdoor_success_after_removal": asr_after,
        "holdout_accuracy_after_removal": float(np.mean(predict_labels(cleaned_model, holdout.x) == holdout.y)),
    }
    figure = Figure("Simulated BadNets: backdoor success on triggered holdout images", "model",
                    "attack success rate", (Series("attack success", (0.0, 1.0), (asr_before, asr_after)),),
                    kind="bar", x_ticks=("trained on poisoned data", "retrained without flagged rows"))
    return CheckResult((), metrics, {"backdoor_success": figure})


def _write_csv(data: Dataset, path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(data.x.reshape(len(data), -1), columns=list(data.feature_names))
    frame["label"] = data.y
    frame.to_csv(path, index=False, float_format="%.6g")
