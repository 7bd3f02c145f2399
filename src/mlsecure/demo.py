"""The built-in demo: train a small model on scikit-learn's digits, save it, and scan it with every check.

Library half of ``mlsecure demo`` (the CLI renders and writes the report files).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlsecure.check import ProgressCallback, ScanContext
from mlsecure.data import Dataset, load_builtin
from mlsecure.errors import require
from mlsecure.findings import Report
from mlsecure.scan.registry import all_checks
from mlsecure.scan.runner import run_scan


@dataclass(frozen=True)
class DemoFiles:
    model: Path
    train: Path
    holdout: Path


def prepare_demo(directory: Path, *, seed: int = 0) -> DemoFiles:
    """Train a 64-128-10 MLP on 70% of digits and write model.pt, train.csv and holdout.csv."""
    torch = require("torch", "torch")
    from mlsecure.artifacts.load import save_torchscript

    directory.mkdir(parents=True, exist_ok=True)
    digits = load_builtin("digits")
    order = np.random.default_rng(seed).permutation(len(digits))
    cut = int(0.7 * len(digits))
    train, holdout = digits.subset(order[:cut]), digits.subset(order[cut:])
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3)
    x, y = torch.from_numpy(train.x), torch.from_numpy(train.y)
    for _ in range(300):  # full-batch training: ~1 s on one core, ~97% holdout accuracy
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        optimizer.step()
    files = DemoFiles(directory / "model.pt", directory / "train.csv", directory / "holdout.csv")
    save_torchscript(net, files.model, input_shape=(64,), clip_values=(0.0, 1.0),
                     train_data=files.train.name, holdout_data=files.holdout.name)
    _write_csv(train, files.train)
    _write_csv(holdout, files.holdout)
    return files


def run_demo(files: DemoFiles, *, progress: ProgressCallback | None = None, seed: int = 0) -> Report:
    """Load the demo files exactly as a user's would be loaded (through the artifact gate) and scan."""
    from mlsecure.artifacts.load import load_model
    from mlsecure.data import load_dataset

    model = load_model(files.model, "pytorch")
    ctx = ScanContext(
        model=model,
        model_path=files.model,
        data=load_dataset(files.train).reshaped(model.input_shape),
        holdout=load_dataset(files.holdout).reshaped(model.input_shape),
        data_path=files.train,
        options={"seed": seed},
        **({"progress": progress} if progress else {}),
    )
    return run_scan(list(all_checks().values()), ctx, target=f"demo: {files.model} + {files.train}")


def _write_csv(data: Dataset, path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(data.x.reshape(len(data), -1), columns=list(data.feature_names))
    frame["label"] = data.y
    frame.to_csv(path, index=False, float_format="%.6g")
