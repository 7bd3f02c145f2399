"""Helpers the poisoning tests import by this unique module name (a ``from conftest import ...`` finds
whichever directory's conftest pytest loaded last, so it breaks when other test folders are collected too)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def train_mlp(x: np.ndarray, y: np.ndarray, *, seed: int = 0, steps: int = 200) -> torch.nn.Module:
    """A 64-64-10 MLP, full-batch Adam (the shape of the demo model)."""
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    xt, yt = torch.from_numpy(np.asarray(x, np.float32)), torch.from_numpy(np.asarray(y, np.int64))
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    return net.eval()


def mlp_trainer(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    net = train_mlp(x, y)

    def predict(inputs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out: np.ndarray = net(torch.from_numpy(np.asarray(inputs, np.float32))).argmax(1).numpy()
        return out

    return predict
