"""DP-SGD training on Opacus (``PrivacyEngine.make_private_with_epsilon``), with the guard rails Opacus lacks.

Threat model: an adversary who sees the trained weights (or queries the model) and knows every
training record but one must not tell, beyond ``(epsilon, delta)``, whether that record was used.

``check_loader`` refuses or warns about the silent ways a DP-SGD run's accounting goes wrong:

- a loader that is not Poisson-sampled (shuffled fixed-size batches) while the accountant assumes
  Poisson sampling (Opacus issue #80; ``poisson_sampling=False``);
- a sample rate computed from the wrong length: Opacus uses ``1 / len(data_loader)``, which is
  ``batch_size / len(dataset)`` only for a plain sampler over the whole dataset. A
  ``WeightedRandomSampler``/subset sampler with ``num_samples != len(dataset)`` or ``drop_last``
  make it wrong by up to orders of magnitude (Opacus issue #813);
- tiny datasets, where Opacus's normalisation by the *expected* batch size leaks the dataset size
  and audits measured more leakage than accounted (Opacus issue #571).

``train_dp_sgd`` trains a classifier on arrays ``x`` ``(n, *input_shape)`` / ``y`` ``(n,)``, picks
``max_grad_norm`` from the per-sample gradient-norm profile when not given, records epsilon per epoch
(Opacus' own accountant and ours, PLD) and returns the trained plain module.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mlsecure.errors import ConfigError, InputError, require
from mlsecure.findings import Figure, Series
from mlsecure.privacy.dp.accounting import default_delta, sampled_gaussian_epsilon
from mlsecure.privacy.dp.profile import GradNormProfile, profile_gradient_norms

if TYPE_CHECKING:
    import torch

SMALL_DATASET = 1000


@dataclass(frozen=True)
class LoaderCheck:
    """What ``check_loader`` found: the true sample rate, Opacus' one, and the problems."""

    dataset_size: int
    batch_size: int
    true_sample_rate: float
    opacus_sample_rate: float
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


def check_loader(loader: Any, *, poisson_sampling: bool = True, tolerance: float = 0.02) -> LoaderCheck:
    """Inspect a torch ``DataLoader`` before DP-SGD; ``errors`` make ``train_dp_sgd`` refuse.

    ``len(loader)`` may differ from ``n / batch_size`` by the rounding of the last batch (Opacus then
    samples *and* accounts at ``1 / len(loader)``, consistently); anything beyond that is an error.
    """
    data = require("torch.utils.data", "torch")
    dataset_size = len(loader.dataset)
    batch_size = loader.batch_size
    sampler = loader.sampler
    errors: list[str] = []
    warns: list[str] = []
    if batch_size is None:  # a custom batch_sampler
        batch_size = getattr(loader.batch_sampler, "batch_size", None) or 1
        if not _is_poisson(loader.batch_sampler):
            errors.append("the loader uses a custom batch_sampler that is not Poisson sampling; the accountant "
                          "assumes every record joins each batch independently (Opacus issue #80)")
    true_rate = batch_size / dataset_size
    opacus_rate = 1.0 / max(1, len(loader))
    if isinstance(sampler, data.WeightedRandomSampler) or (
        hasattr(sampler, "__len__") and len(sampler) != dataset_size and not _is_poisson(loader.batch_sampler)
    ):
        errors.append(
            f"the sampler draws {len(sampler)} of {dataset_size} records per epoch "
            f"({type(sampler).__name__}); Opacus would account sample rate 1/len(loader) = {opacus_rate:.3g} "
            f"instead of batch_size/len(dataset) = {true_rate:.3g} (Opacus issue #813)"
        )
    elif abs(len(loader) - dataset_size / batch_size) > 1.0 + tolerance * dataset_size / batch_size:
        errors.append(f"1/len(loader) = {opacus_rate:.4g} differs from batch_size/len(dataset) = {true_rate:.4g} "
                      f"(a partial sampler?): the accounted epsilon would be wrong (Opacus issue #813)")
    if not poisson_sampling:
        errors.append("poisson_sampling=False: shuffled fixed-size batches are not the mechanism the "
                      "accountant analyses, so the reported epsilon is not a guarantee (Opacus issue #80)")
    if dataset_size < SMALL_DATASET:
        warns.append(f"only {dataset_size} records: Opacus normalises by the expected batch size, which leaks "
                     f"the dataset size; audits measured more leakage than accounted at tiny n (Opacus issue #571)")
    return LoaderCheck(dataset_size, int(batch_size), true_rate, opacus_rate, tuple(errors), tuple(warns))


def _is_poisson(batch_sampler: Any) -> bool:
    return type(batch_sampler).__name__ == "UniformWithReplacementSampler"


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    loss: float
    epsilon: float  # ours (PLD) after this epoch
    opacus_epsilon: float  # Opacus' accountant after this epoch


@dataclass(frozen=True)
class DPTrainingResult:
    """A DP-SGD run: the trained module (unwrapped), the guarantee and the history."""

    module: Any  # torch.nn.Module
    target_epsilon: float
    epsilon: float
    opacus_epsilon: float
    delta: float
    noise_multiplier: float
    max_grad_norm: float
    sample_rate: float
    steps: int
    history: tuple[EpochRecord, ...]
    grad_profile: GradNormProfile | None
    warnings: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target_epsilon": self.target_epsilon, "epsilon": self.epsilon,
            "opacus_epsilon": self.opacus_epsilon, "delta": self.delta,
            "noise_multiplier": self.noise_multiplier, "max_grad_norm": self.max_grad_norm,
            "sample_rate": self.sample_rate, "steps": self.steps,
            "history": [e.__dict__ for e in self.history],
            "grad_profile": self.grad_profile.to_dict() if self.grad_profile else None,
            "warnings": list(self.warnings),
        }


def train_dp_sgd(module: torch.nn.Module, x: np.ndarray, y: np.ndarray, *, target_epsilon: float,
                 delta: float | None = None, epochs: int = 10, batch_size: int = 64, lr: float = 0.1,
                 max_grad_norm: float | Literal["median", "p75"] = "median", optimizer: str = "sgd",
                 accountant: str = "prv", seed: int = 0, loader: Any = None,
                 poisson_sampling: bool = True) -> DPTrainingResult:
    """DP-SGD via Opacus ``make_private_with_epsilon``; refuses loaders whose accounting would be wrong.

    ``loader``: optionally the user's own ``DataLoader`` (checked by ``check_loader``); by default one
    is built from ``x``/``y`` and Opacus replaces it with Poisson sampling. ``max_grad_norm`` is a
    number or ``"median"``/``"p75"`` of the per-sample gradient norms at initialisation.
    """
    torch = require("torch", "torch")
    opacus = require("opacus", "dp")
    data = require("torch.utils.data", "torch")
    if not target_epsilon > 0:
        raise InputError(f"target epsilon must be positive, got {target_epsilon}")
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    torch.manual_seed(seed)
    if loader is None:
        dataset = data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
        loader = data.DataLoader(dataset, batch_size=batch_size, shuffle=True)
    found = check_loader(loader, poisson_sampling=poisson_sampling)
    if found.errors:
        raise ConfigError("refusing DP-SGD: " + "; ".join(found.errors))
    n = found.dataset_size
    delta = default_delta(n) if delta is None else delta
    profile = None
    if isinstance(max_grad_norm, str):
        profile = profile_gradient_norms(module, x, y, rule=max_grad_norm, seed=seed)
        clip = profile.recommended
    else:
        clip = float(max_grad_norm)
    if not clip > 0 or not math.isfinite(clip):
        raise InputError(f"max_grad_norm must be positive, got {clip}")
    module.train()
    opt = (torch.optim.SGD(module.parameters(), lr=lr, momentum=0.9) if optimizer == "sgd"
           else torch.optim.Adam(module.parameters(), lr=lr))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"opacus(\..*)?")  # secure-RNG and hook notices
        warnings.filterwarnings("ignore", category=UserWarning, message=r".*[Ff]ull backward hook.*")
        engine = opacus.PrivacyEngine(accountant=accountant)
        dp_module, dp_opt, dp_loader = engine.make_private_with_epsilon(
            module=module, optimizer=opt, data_loader=loader, target_epsilon=target_epsilon,
            target_delta=delta, epochs=epochs, max_grad_norm=clip, poisson_sampling=True)
        sigma = float(dp_opt.noise_multiplier)
        history = _run_epochs(torch, dp_module, dp_opt, dp_loader, engine, epochs=epochs, delta=delta,
                              sigma=sigma)
        if hasattr(dp_module, "cleanup"):  # drop Opacus' hooks and per-sample attributes from the module
            dp_module.cleanup()
    module.eval()
    last = history[-1]
    return DPTrainingResult(module=module, target_epsilon=target_epsilon, epsilon=last.epsilon,
                            opacus_epsilon=last.opacus_epsilon, delta=delta, noise_multiplier=sigma,
                            max_grad_norm=clip, sample_rate=_rate(dp_loader),
                            steps=epochs * len(dp_loader), history=tuple(history), grad_profile=profile,
                            warnings=found.warnings)


def _run_epochs(torch: Any, dp_module: Any, dp_opt: Any, dp_loader: Any, engine: Any, *, epochs: int,
                delta: float, sigma: float) -> list[EpochRecord]:
    history = []
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for xb, yb in dp_loader:
            if len(xb) == 0:  # Poisson sampling can draw an empty batch; it still counts as a step
                dp_opt.zero_grad()
                dp_opt.step()
                continue
            dp_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(dp_module(xb), yb)
            loss.backward()
            dp_opt.step()
            total += float(loss.detach()) * len(xb)
            count += len(xb)
        ours = sampled_gaussian_epsilon(sample_rate=_rate(dp_loader), noise_multiplier=sigma,
                                        steps=epoch * len(dp_loader), delta=delta)
        history.append(EpochRecord(epoch, total / max(count, 1), ours, float(engine.get_epsilon(delta))))
    return history


def _rate(dp_loader: Any) -> float:
    """The Poisson rate Opacus samples (and accounts) at: ``1 / len(original loader)``."""
    return float(getattr(dp_loader, "sample_rate", 1.0 / max(1, len(dp_loader))))


@dataclass(frozen=True)
class UtilityPoint:
    target_epsilon: float
    epsilon: float
    accuracy: float


def privacy_utility_curve(make_module: Callable[[], torch.nn.Module], x: np.ndarray, y: np.ndarray,
                          x_test: np.ndarray, y_test: np.ndarray, *,
                          epsilons: Sequence[float] = (0.5, 1.0, 2.0, 4.0, 8.0),
                          baseline_accuracy: float | None = None,
                          **train_options: Any) -> tuple[list[UtilityPoint], Figure]:
    """Train one DP-SGD model per target epsilon; test accuracy vs the epsilon spent, as a ``Figure``."""
    torch = require("torch", "torch")
    points = []
    for eps in epsilons:
        result = train_dp_sgd(make_module(), x, y, target_epsilon=eps, **train_options)
        with torch.no_grad():
            pred = result.module(torch.as_tensor(np.asarray(x_test, np.float32))).argmax(dim=1).numpy()
        points.append(UtilityPoint(eps, result.epsilon, float((pred == np.asarray(y_test)).mean())))
    series = [Series("DP-SGD", tuple(p.epsilon for p in points), tuple(p.accuracy for p in points))]
    if baseline_accuracy is not None:
        xs = (points[0].epsilon, points[-1].epsilon)
        series.append(Series("non-private", xs, (baseline_accuracy, baseline_accuracy)))
    fig = Figure(title="Privacy-utility trade-off", x_label="epsilon (PLD)", y_label="test accuracy",
                 series=tuple(series), kind="line")
    return points, fig
