"""Reference (shadow) models: copies of the target's architecture trained on random halves of the data.

LiRA, RMIA and Shokri's shadow-model attack all compare the target's output on a record with the
outputs of models that did (IN) or did not (OUT) train on it. The auditor knows which records are
members, so reference models are trained on the audit pool ``members + non-members``: each record is
IN for exactly half of the ``K`` models (balanced masks, Carlini et al. 2022 Sec. VI-A), so every
record has ``K/2`` IN and ``K/2`` OUT models.

How a reference model is built (the target's training recipe is unknown):

- scikit-learn: ``sklearn.base.clone(estimator)`` refit on the subset (same hyper-parameters);
- torch: a copy of the module (TorchScript copied through ``torch.jit.save``/``load`` in memory) with
  every parameter re-initialised (weights Kaiming-uniform as ``nn.Linear``/``nn.Conv`` do, biases
  uniform in ``+/- 1/sqrt(fan_in)``, normalisation weights 1 and biases 0), trained with Adam for at
  most ``max_epochs`` epochs and stopped once its mean training loss reaches the target's mean loss
  on its members, so the reference models overfit about as much as the target did.

Models train in parallel (``n_jobs`` workers; torch with one intra-op thread each), or, given an
``engine`` (:mod:`mlsecure.engines`), one reference model per engine task (scikit-learn or torch; a
TorchScript module travels as its saved bytes): the masks and seeds are drawn before any task runs and each
torch model trains on one thread from its own seed, so every engine returns the same models.

Shapes: ``probs`` ``(K, n, k)``, ``signal`` ``(K, n)`` (LiRA's scaled logit), ``in_mask`` ``(K, n)``.
"""

from __future__ import annotations

import copy
import functools
import io
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.errors import CheckError, InputError, require
from mlsecure.models.interface import DifferentiableModel, Model, softmax
from mlsecure.privacy.inference.signals import scaled_logit, scaled_logit_from_logits

if TYPE_CHECKING:
    from mlsecure.engines import Engine


@dataclass(frozen=True)
class ModelOutputs:
    """A model's outputs on the audit pool."""

    probs: np.ndarray  # (n, k)
    signal: np.ndarray  # (n,) scaled logit of the true class


@dataclass(frozen=True)
class ReferenceSet:
    probs: np.ndarray  # (K, n, k)
    signal: np.ndarray  # (K, n)
    in_mask: np.ndarray  # (K, n) bool
    method: str
    seconds: float
    epochs: tuple[int, ...] = ()

    @property
    def n_models(self) -> int:
        return int(self.in_mask.shape[0])


def model_outputs(model: Model, x: np.ndarray, y: np.ndarray, *, batch_size: int = 1024) -> ModelOutputs:
    """Probabilities and the LiRA statistic; from logits when the model has them (no saturation)."""
    if isinstance(model, DifferentiableModel):
        torch = require("torch", "torch")
        xs = np.asarray(x, dtype=np.float32).reshape((len(x), *model.input_shape))
        chunks = []
        with torch.no_grad():
            for i in range(0, len(xs), batch_size):
                batch = torch.from_numpy(xs[i : i + batch_size]).to(model.device)
                chunks.append(model.logits(batch).double().cpu().numpy())
        logits = np.concatenate(chunks) if chunks else np.empty((0, model.n_classes))
        return ModelOutputs(softmax(logits), scaled_logit_from_logits(logits, y))
    probs = np.concatenate([model.predict_proba(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])
    return ModelOutputs(probs, scaled_logit(probs, y))


def balanced_masks(n_models: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``(K, n)`` bool: each column has exactly ``K // 2`` True entries in random rows."""
    if n_models < 2:
        raise InputError(f"need at least 2 reference models, got {n_models}")
    keys = rng.random((n_models, n))
    ranks = keys.argsort(axis=0).argsort(axis=0)
    return np.asarray(ranks < n_models // 2)


def train_references(model: Model, x: np.ndarray, y_idx: np.ndarray, y_raw: np.ndarray, *, n_models: int = 8,
                     seed: int = 0, n_jobs: int = 2, max_epochs: int = 100, target_loss: float | None = None,
                     batch_size: int = 64, lr: float = 2e-3, engine: Engine | None = None) -> ReferenceSet:
    """Train ``n_models`` reference models on balanced halves of ``x`` and evaluate them on all of it."""
    rng = np.random.default_rng(seed)
    masks = balanced_masks(n_models, len(x), rng)
    seeds = rng.integers(0, 2**31 - 1, size=n_models)
    start = time.process_time(), time.perf_counter()
    estimator = getattr(model, "estimator", None)
    module = getattr(model, "module", None)
    epochs: list[int] = []
    if estimator is not None:
        outs = _sklearn_refs(model, estimator, x, y_idx, y_raw, masks, seeds, n_jobs, engine)
        method = f"sklearn.base.clone({type(estimator).__name__}) refit on half of the pool"
    elif module is not None and isinstance(model, DifferentiableModel):
        outs, epochs = _torch_refs(model, module, x, y_idx, masks, seeds, n_jobs=n_jobs, max_epochs=max_epochs,
                                   target_loss=target_loss, batch_size=batch_size, lr=lr, engine=engine)
        method = (f"torch copy re-initialised, Adam lr={lr:g}, batch {batch_size}, <= {max_epochs} epochs, "
                  f"stopped at the target's member loss"
                  + (f" ({target_loss:.3g})" if target_loss is not None else ""))
    else:
        raise CheckError(f"cannot retrain a {model.framework} model: reference models need a scikit-learn "
                         "estimator or a torch module (the architecture)")
    probs = np.stack([o.probs for o in outs])
    signal = np.stack([o.signal for o in outs])
    return ReferenceSet(probs, signal, masks, method, time.perf_counter() - start[1], tuple(epochs))


def _fit_clone(estimator: Any, flat: np.ndarray, y_raw: np.ndarray, job: tuple[np.ndarray, int]) -> Any:
    """One reference model: a clone of ``estimator`` (its ``random_state`` set to the job's seed) on the mask."""
    from sklearn.base import clone

    mask, seed = job
    est = clone(estimator)
    if "random_state" in est.get_params():
        est.set_params(random_state=int(seed))
    return est.fit(flat[mask], y_raw[mask])


def _sklearn_refs(model: Model, estimator: Any, x: np.ndarray, y_idx: np.ndarray, y_raw: np.ndarray,
                  masks: np.ndarray, seeds: np.ndarray, n_jobs: int, engine: Engine | None = None
                  ) -> list[ModelOutputs]:
    from joblib import Parallel, delayed

    from mlsecure.models.sklearn_model import SklearnModel

    flat = np.asarray(x).reshape(len(x), -1)
    jobs = [(m, int(s)) for m, s in zip(masks, seeds, strict=True)]
    fit = functools.partial(_fit_clone, estimator, flat, y_raw)
    fitted = (engine.map(fit, jobs) if engine is not None
              else Parallel(n_jobs=n_jobs)(delayed(fit)(job) for job in jobs))
    outs = []
    for est in fitted:
        ref = SklearnModel(est, input_shape=model.input_shape)
        if len(ref.classes if ref.classes is not None else ()) != model.n_classes:
            raise CheckError("a reference model saw fewer classes than the target; audit with more data per class")
        outs.append(model_outputs(ref, x, y_idx))
    return outs


def _torch_refs(model: DifferentiableModel, module: Any, x: np.ndarray, y_idx: np.ndarray, masks: np.ndarray,
                seeds: np.ndarray, *, n_jobs: int, max_epochs: int, target_loss: float | None, batch_size: int,
                lr: float, engine: Engine | None = None) -> tuple[list[ModelOutputs], list[int]]:
    torch = require("torch", "torch")
    scripted = isinstance(module, torch.jit.ScriptModule)
    if scripted and engine is not None and engine.name != "local":  # TorchScript does not pickle: ship its bytes
        buffer = io.BytesIO()
        torch.jit.save(module, buffer)
        module = buffer.getvalue()
    task = _TorchReference(module, np.asarray(x, dtype=np.float32).reshape((len(x), *model.input_shape)),
                           np.asarray(y_idx, dtype=np.int64), masks, seeds, max_epochs, target_loss, batch_size, lr)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one core per model: intra-op threads on tiny layers only contend
    try:
        if engine is not None and engine.name != "local":
            results = engine.map(task, list(range(len(masks))))
        else:
            with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
                results = list(pool.map(task, range(len(masks))))
    finally:
        torch.set_num_threads(threads)
    return [r[0] for r in results], [r[1] for r in results]


@dataclass(frozen=True)
class _TorchReference:
    """Reference model ``i``: a fresh copy of ``module`` trained on ``masks[i]`` with ``seeds[i]``, and its
    outputs on the pool. Picklable, so an engine (Ray) can run it in another process with the same result."""

    module: Any  # an nn.Module, a TorchScript module, or TorchScript bytes (for another process)
    x: np.ndarray
    y: np.ndarray
    masks: np.ndarray
    seeds: np.ndarray
    max_epochs: int
    target_loss: float | None
    batch_size: int
    lr: float

    def __call__(self, i: int) -> tuple[ModelOutputs, int]:
        torch = require("torch", "torch")
        if torch.get_num_threads() != 1:  # a fresh engine worker: one intra-op thread, as in this process
            torch.set_num_threads(1)
        module = (torch.jit.load(io.BytesIO(self.module), map_location="cpu") if isinstance(self.module, bytes)
                  else self.module)
        xs, ys = torch.from_numpy(self.x), torch.from_numpy(self.y)
        net = fresh_copy(module, seed=int(self.seeds[i]))
        idx = torch.from_numpy(np.nonzero(self.masks[i])[0])
        epochs = _fit_torch(torch, net, xs[idx], ys[idx], seed=int(self.seeds[i]), max_epochs=self.max_epochs,
                            target_loss=self.target_loss, batch_size=self.batch_size, lr=self.lr)
        with torch.no_grad():
            logits = net(xs).double().numpy()
        return ModelOutputs(softmax(logits), scaled_logit_from_logits(logits, self.y)), epochs


def fresh_copy(module: Any, *, seed: int) -> Any:
    """A copy of ``module`` (TorchScript or ``nn.Module``) with every parameter re-initialised."""
    torch = require("torch", "torch")
    if isinstance(module, torch.jit.ScriptModule):
        buffer = io.BytesIO()
        torch.jit.save(module, buffer)
        buffer.seek(0)
        net = torch.jit.load(buffer, map_location="cpu")
    else:
        net = copy.deepcopy(module).cpu()
    reinitialise(net, seed=seed)
    return net


def reinitialise(net: Any, *, seed: int) -> None:
    """Re-draw every parameter as PyTorch's default ``reset_parameters`` would (works on TorchScript)."""
    torch = require("torch", "torch")
    gen = torch.Generator().manual_seed(seed)
    params = dict(net.named_parameters())
    with torch.no_grad():
        for name, p in params.items():
            if p.ndim >= 2:
                torch.nn.init.kaiming_uniform_(p, a=math.sqrt(5), generator=gen)
            elif name.endswith("bias"):
                weight = params.get(name[: -len("bias")] + "weight")
                if weight is not None and weight.ndim >= 2:
                    fan_in = int(np.prod(weight.shape[1:]))
                    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                    torch.nn.init.uniform_(p, -bound, bound, generator=gen)
                else:
                    p.zero_()
            else:  # 1-D weights: normalisation scales
                p.fill_(1.0)
        for name, b in net.named_buffers():  # batch-norm running statistics
            if name.endswith("running_mean"):
                b.zero_()
            elif name.endswith("running_var"):
                b.fill_(1.0)


def _fit_torch(torch: Any, net: Any, x: Any, y: Any, *, seed: int, max_epochs: int, target_loss: float | None,
               batch_size: int, lr: float) -> int:
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    n = len(x)
    epoch = 0
    for epoch in range(1, max_epochs + 1):  # noqa: B007  # epoch is returned
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        if target_loss is not None and total / n <= target_loss:
            break
    net.eval()
    return epoch
