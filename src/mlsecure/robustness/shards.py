"""The attack phase of ``evaluate_robustness`` as independent shards on an engine (``mlsecure.engines``).

The in-process evaluation calls each attack once per epsilon per chunk of ``chunk_size`` clean-correct
samples, and every call seeds its own generator from ``seed`` (``Attack.attack``). So one shard is one such
call, ``(attack, epsilon, chunk)`` (a minimal-norm attack: ``(attack, chunk)``), and the shards together
compute exactly what the loop computes, on any engine and any number of workers: the results are the
in-process evaluation's, flag for flag. Each shard rebuilds the victim from the model in its worker (torch
on one intra-op thread there, as in-process for small inputs); the model and the evaluated samples travel
to the workers once, with the task function. TorchScript does not pickle, so a model adapter holding a
TorchScript ``module`` travels with the module's saved bytes in its place (``_Shipped``). A model an engine
cannot ship at all is a ``CheckError`` (the check then fails closed), not a traceback.
"""

from __future__ import annotations

import copy
import io
import pickle
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.errors import CheckError, require
from mlsecure.robustness.attacks.ops import Norm
from mlsecure.robustness.attacks.registry import get

if TYPE_CHECKING:
    from mlsecure.engines import Engine


@dataclass(frozen=True)
class Shard:
    """One attack call: ``attack`` at grid index ``j`` (``None``: minimal-norm) on sample rows ``rows``."""

    attack: str
    j: int | None
    rows: np.ndarray


class _Shipped:
    """A model adapter whose TorchScript ``module`` is replaced by its ``torch.jit.save`` bytes for the trip."""

    def __init__(self, model: Any) -> None:
        import torch

        buffer = io.BytesIO()
        torch.jit.save(model.module, buffer)
        self.script, self.device = buffer.getvalue(), str(model.device)
        self.adapter = copy.copy(model)
        self.adapter.module = None

    def restore(self) -> Any:
        torch: Any = require("torch", "torch")
        model = copy.copy(self.adapter)
        model.module = torch.jit.load(io.BytesIO(self.script), map_location=self.device).eval()
        return model


def _portable(model: Any) -> Any:
    import torch

    if isinstance(getattr(model, "module", None), torch.jit.ScriptModule):
        return _Shipped(model)
    return model


@dataclass(frozen=True)
class _Context:
    model: Any
    sample_shape: tuple[int, ...]
    x: np.ndarray
    y: np.ndarray
    grid: tuple[float, ...]
    norm: Norm
    settings: Mapping[str, Mapping[str, Any]]
    bounds: tuple[Any, Any] | None
    batch_size: int
    seed: int
    threads: int | None

    def __call__(self, shard: Shard) -> tuple[np.ndarray, float]:
        """Per row of the shard: fooled (bool) or the minimal distance (``inf`` where the attack failed)."""
        import torch

        from mlsecure.robustness.evaluate import _build
        from mlsecure.robustness.victim import as_victim

        if self.threads is not None:
            torch.set_num_threads(self.threads)
        t0 = time.process_time()
        model = self.model.restore() if isinstance(self.model, _Shipped) else self.model
        victim = as_victim(model, sample_shape=self.sample_shape, bounds=self.bounds)
        spec = get(shard.attack)
        eps = None if shard.j is None else self.grid[shard.j]
        attack = _build(spec, self.settings.get(shard.attack, {}), eps=eps, norm=self.norm,
                        batch_size=self.batch_size, seed=self.seed)
        result = attack.attack(victim, self.x[shard.rows], self.y[shard.rows])
        out = (np.where(result.success, result.distance, np.inf) if shard.j is None
               else np.asarray(result.success, dtype=bool))
        return out, time.process_time() - t0


def run_shards(engine: Engine, model: Any, x: np.ndarray, y: np.ndarray, correct: np.ndarray, *,
               sample_shape: tuple[int, ...], minimal: Mapping[str, bool], grid: tuple[float, ...], norm: Norm,
               settings: Mapping[str, Mapping[str, Any]], bounds: tuple[Any, Any] | None, batch_size: int,
               chunk_size: int, seed: int, threads: int | None
               ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, float]]:
    """Per attack: robust flags ``(len(grid), n)``, minimal distances ``(n,)`` and CPU seconds (summed)."""
    rows = np.flatnonzero(correct)
    chunks = [rows[i:i + chunk_size] for i in range(0, len(rows), chunk_size)]
    shards: list[Shard] = []
    for name, is_minimal in minimal.items():
        steps: Sequence[int | None] = [None] if is_minimal else range(len(grid))
        shards.extend(Shard(name, j, idx) for j in steps for idx in chunks)
    local = engine.name == "local"
    context = _Context(model if local else _portable(model), sample_shape, x, y, grid, norm, settings, bounds,
                       batch_size, seed, threads)
    try:
        done = engine.map(context, shards)
    except (TypeError, pickle.PicklingError) as exc:
        if local:
            raise
        raise CheckError(f"the {engine.name} engine cannot send this model to its workers ({exc}); "
                         "run the robustness check on the local engine") from exc
    robust = {name: np.tile(correct, (len(grid), 1)) for name in minimal}
    distances = {name: np.where(correct, np.inf, 0.0) for name, m in minimal.items() if m}
    seconds = dict.fromkeys(minimal, 0.0)
    for shard, (out, spent) in zip(shards, done, strict=True):
        seconds[shard.attack] += spent
        if shard.j is None:
            distances[shard.attack][shard.rows] = out
        else:
            robust[shard.attack][shard.j][shard.rows] &= ~out
    for name, dist in distances.items():
        for j, eps in enumerate(grid):
            robust[name][j] &= ~(dist <= eps * (1 + 1e-5))
    return robust, distances, seconds
