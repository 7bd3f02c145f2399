"""The real run in docs/models.md: each model kind saved natively, loaded back, scanned (not a pytest file).

    PYTHONPATH=src python tests/models/model_sources_run.py [OUT_DIR]

Trains small models on the built-in digits data (70/30 split, seed 0), saves each in its own format,
loads it with ``load_model_source`` and runs robustness, membership and extraction through the runner.
Takes several minutes on 2 cores (the ViT's white-box attacks dominate).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import torch

from mlsecure.artifacts.sources import load_model_source
from mlsecure.check import ScanContext
from mlsecure.data import load_builtin
from mlsecure.scan.runner import run_scan, select_checks

OPTIONS = {"epsilon": 0.1, "max_samples": 100, "queries": 200, "seed": 0}
NETS = textwrap.dedent('''
    import torch


    class MLP(torch.nn.Module):
        def __init__(self, hidden=32):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10))

        def forward(self, x):
            return self.net(x.flatten(1))
''')


def build(out: Path, x: np.ndarray, y: np.ndarray) -> list[tuple[str, Path, dict[str, Any]]]:
    import keras
    import lightgbm as lgb
    import transformers
    import xgboost as xgb

    xgb.XGBClassifier(n_estimators=30, max_depth=3, n_jobs=1).fit(x, y).get_booster().save_model(str(out / "d.ubj"))
    lgb.LGBMClassifier(n_estimators=30, num_leaves=8, n_jobs=1, verbose=-1).fit(x, y).booster_.save_model(
        str(out / "d_lgb.txt"))
    keras.utils.set_random_seed(0)
    km = keras.Sequential([keras.Input((64,)), keras.layers.Dense(32, activation="relu"),
                           keras.layers.Dense(10, activation="softmax")])
    km.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    km.fit(x, y, epochs=30, verbose=0)
    km.save(str(out / "d.keras"))

    code = out / "nets.py"
    code.write_text(NETS)
    namespace: dict[str, Any] = {}
    exec(compile(NETS, str(code), "exec"), namespace)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    torch.manual_seed(0)
    mlp = namespace["MLP"](hidden=32)
    _fit(mlp, lambda b: mlp(xt[b]), yt, epochs=300, lr=1e-2, batch=len(xt))
    torch.save(mlp.state_dict(), out / "mlp_state.pt")

    torch.manual_seed(0)
    vit = transformers.ViTForImageClassification(transformers.ViTConfig(
        image_size=8, patch_size=2, num_channels=1, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, num_labels=10))
    pixels = (xt.reshape(-1, 1, 8, 8) - 0.5) / 0.5
    _fit(vit, lambda b: vit(pixel_values=pixels[b]).logits, yt, epochs=15, lr=3e-3, batch=64)
    vit.eval()
    folder = out / "vit-digits"
    vit.save_pretrained(str(folder))
    (folder / "preprocessor_config.json").write_text(json.dumps(
        {"do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True, "image_mean": [0.5], "image_std": [0.5],
         "size": {"height": 8, "width": 8}}))
    return [("xgboost", out / "d.ubj", {}), ("lightgbm", out / "d_lgb.txt", {}), ("keras", out / "d.keras", {}),
            ("state_dict", out / "mlp_state.pt", {"model_code": code, "model_class": "MLP",
                                                   "model_kwargs": '{"hidden": 32}'}),
            ("hf-image", folder, {})]


def _fit(module: Any, forward: Any, y: Any, *, epochs: int, lr: float, batch: int) -> None:
    opt = torch.optim.AdamW(module.parameters(), lr)
    for _ in range(epochs):
        perm = torch.randperm(len(y))
        for i in range(0, len(y), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(forward(idx), y[idx]).backward()
            opt.step()
    module.eval()


def main(out: Path) -> None:
    torch.set_num_threads(1)
    ds = load_builtin("digits")
    order = np.random.default_rng(0).permutation(len(ds))
    cut = int(0.7 * len(ds))
    train, hold = ds.subset(order[:cut]), ds.subset(order[cut:])
    cases = build(out, np.asarray(train.x, np.float32), np.asarray(train.y))
    checks = select_checks(["robustness", "membership", "extraction"])
    for name, path, kwargs in cases:
        start = time.perf_counter()
        model = load_model_source(path, n_features=64, clip_values=(0.0, 1.0), **kwargs)
        assert model is not None
        data, holdout = (train, hold) if len(model.input_shape) == 1 else (
            train.reshaped(model.input_shape), hold.reshaped(model.input_shape))
        report = run_scan(checks, ScanContext(model=model, model_path=path, data=data, holdout=holdout,
                                              options=OPTIONS), target=str(path))
        rob = report.metrics.get("adversarial-robustness", {})
        shown = {k: rob.get(k) for k in ("clean_accuracy", "robust_accuracy@0.1", "robust_accuracy_ci95@0.1",
                                         "attacks_run", "white_box")}
        print(f"{name}: {type(model).__name__} ran={report.checks_run} skipped={[s.reason for s in report.skipped]} "
              f"{json.dumps(shown)} {time.perf_counter() - start:.0f}s")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
