"""A trustworthy robustness evaluation: attack ensemble, per-sample worst case, curve, validity checks.

``evaluate_robustness(model, x, y, epsilons=[...])`` runs every applicable attack at every epsilon of a grid
(the requested values plus a few around them), takes the per-sample worst case over all attacks (a
sample counts as robust only if no attack fooled it), gives the headline robust accuracy with a 95%
Clopper-Pearson interval, the accuracy-vs-epsilon curve of one minimal-norm run (FMN: sorted per-sample
distances) confirmed at each requested epsilon by the ensemble, and the evaluation-validity checks of
``validity.py`` (Carlini et al. 2019, arXiv:1902.06705). Work streams chunk by chunk: only per-sample flags
and distances are kept, never the adversarial inputs. With ``engine`` (``mlsecure.engines``: ``ray``) the
attack calls run as shards on the engine's workers (``robustness/shards.py``), with the same results.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.errors import InputError
from mlsecure.models.interface import encode_labels
from mlsecure.robustness.attacks.interface import Attack, AttackError
from mlsecure.robustness.attacks.ops import Norm
from mlsecure.robustness.attacks.registry import AttackSpec, get
from mlsecure.robustness.victim import Victim, as_victim
from mlsecure.stats import clopper_pearson as clopper_pearson  # re-exported for robustness callers

if TYPE_CHECKING:
    from mlsecure.engines import Engine

FAST_ATTACKS: tuple[str, ...] = ("fgsm", "pgd", "apgd-ce", "apgd-dlr", "apgd-t", "fmn")
FULL_ATTACKS: tuple[str, ...] = ("fgsm", "pgd", "cw-linf", "apgd-ce", "apgd-dlr", "apgd-t", "fab-t", "square",
                                 "deepfool", "cw-l2", "fmn")
BLACK_BOX_ATTACKS: tuple[str, ...] = ("square",)

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ValidityCheck:
    """One evaluation-validity test; ``passed`` is ``None`` when it does not apply to this model."""

    name: str
    passed: bool | None
    detail: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RobustnessEvaluation:
    """Everything the evaluation measured. Accuracies are fractions of all evaluated samples."""

    n_samples: int
    norm: Norm
    epsilons: tuple[float, ...]  # the requested values (headline)
    grid: tuple[float, ...]  # every epsilon attacked (requested plus curve points)
    clean_accuracy: float
    robust_accuracy: Mapping[str, tuple[float, ...]]  # attack -> accuracy at each grid epsilon
    worst_case: tuple[float, ...]  # per grid epsilon, worst case over attacks
    worst_case_ci: tuple[tuple[float, float], ...]
    curve_attack: str | None
    curve: tuple[tuple[float, ...], tuple[float, ...]]  # (epsilons, accuracy) of the minimal-norm run
    applied: Mapping[str, str]
    skipped: Mapping[str, str]
    validity: tuple[ValidityCheck, ...]
    white_box: bool
    bounds: str
    fooled_rows: Mapping[float, tuple[int, ...]]  # requested epsilon -> rows some attack fooled
    seconds: Mapping[str, float]

    @property
    def reliable(self) -> bool:
        """False when any validity check failed: the headline number must not be trusted."""
        return all(c.passed is not False for c in self.validity)

    def at(self, eps: float) -> float:
        """Worst-case robust accuracy at ``eps`` (one of ``grid``)."""
        return self.worst_case[_index(self.grid, eps)]

    def ci_at(self, eps: float) -> tuple[float, float]:
        return self.worst_case_ci[_index(self.grid, eps)]


def evaluate_robustness(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epsilons: Sequence[float],
    norm: Norm = "linf",
    attacks: Sequence[str] = FAST_ATTACKS,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    curve_points: bool = True,
    validity: bool = True,
    bounds: tuple[Any, Any] | None = None,
    bounds_source: str = "model clip_values",
    batch_size: int = 256,
    chunk_size: int = 2048,
    seed: int = 0,
    progress: Progress | None = None,
    threads: int | None = None,
    engine: Engine | None = None,
) -> RobustnessEvaluation:
    """Evaluate ``model`` on ``(x, y)`` (labels as the model's class values or indices).

    ``threads``: torch intra-op threads during the evaluation (restored afterwards). ``None`` picks 1 for
    small inputs (<= 4096 features), where per-step overhead dominates and extra threads only contend.
    ``engine``: run each attack call (attack, epsilon, chunk of ``chunk_size`` samples) as one engine task;
    the result equals the in-process one (each call seeds its own generator), so ``chunk_size`` sets the
    parallelism, not the answer's dependence on the engine.
    """
    import torch

    n_threads = threads if threads is not None else (1 if int(np.prod(np.shape(x)[1:])) <= 4096 else None)
    before = torch.get_num_threads()
    if n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        return _evaluate(model, x, y, epsilons=epsilons, norm=norm, attacks=attacks, settings=settings,
                         curve_points=curve_points, validity=validity, bounds=bounds, bounds_source=bounds_source,
                         batch_size=batch_size, chunk_size=chunk_size, seed=seed, progress=progress,
                         engine=engine, threads=n_threads)
    finally:
        torch.set_num_threads(before)


def _evaluate(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epsilons: Sequence[float],
    norm: Norm,
    attacks: Sequence[str],
    settings: Mapping[str, Mapping[str, Any]] | None,
    curve_points: bool,
    validity: bool,
    bounds: tuple[Any, Any] | None,
    bounds_source: str,
    batch_size: int,
    chunk_size: int,
    seed: int,
    progress: Progress | None,
    engine: Engine | None = None,
    threads: int | None = None,
) -> RobustnessEvaluation:
    from mlsecure.robustness.validity import run_validity_checks

    report = progress or (lambda task, frac: None)
    eps_req = tuple(sorted({float(e) for e in epsilons}))
    if not eps_req or any(not (e > 0 and np.isfinite(e)) for e in eps_req):
        raise InputError(f"epsilons must be positive finite numbers, got {list(epsilons)}")
    if len(x) == 0:
        raise InputError("no samples to evaluate")
    sample_shape = tuple(int(d) for d in np.shape(x)[1:])
    victim = as_victim(model, sample_shape=sample_shape, bounds=bounds)
    if victim.lo is None and bounds is None:
        bounds_source = "unbounded"
    x = np.array(np.reshape(x, (len(x), *victim.input_shape)), dtype=np.float32, copy=True)
    y_idx = encode_labels(victim.model, np.asarray(y))
    grid = _grid(eps_req) if curve_points else eps_req
    settings = settings or {}
    applied, skipped, specs = _select(victim, attacks, norm, settings)
    n = len(x)
    clean_pred = _predict(victim, x, batch_size)
    correct = clean_pred == y_idx
    robust = {name: np.tile(correct, (len(grid), 1)) for name in specs}
    distances: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    total = max(len(specs), 1)
    in_process = specs if engine is None else {}
    if engine is not None:
        from mlsecure.robustness.shards import run_shards

        report(f"robustness: {len(specs)} attacks as shards on {engine!r}", 0.0)
        robust, distances, seconds = run_shards(
            engine, model, x, y_idx, correct, sample_shape=sample_shape,
            minimal={name: spec.cls.minimal for name, spec in specs.items()}, grid=grid, norm=norm,
            settings=settings, bounds=bounds, batch_size=batch_size, chunk_size=chunk_size, seed=seed,
            threads=threads)
    for k, (name, spec) in enumerate(in_process.items()):
        report(f"robustness: {name}", k / total * 0.95)
        t0 = time.process_time()
        if spec.cls.minimal:
            dist = _minimal_distances(victim, spec, settings.get(name, {}), x, y_idx, correct, norm, batch_size,
                                      chunk_size, seed)
            distances[name] = dist
            for j, eps in enumerate(grid):
                robust[name][j] &= ~(dist <= eps * (1 + 1e-5))
        else:
            for j, eps in enumerate(grid):
                report(f"robustness: {name} at eps={eps:g}", (k + j / len(grid)) / total * 0.95)
                attack = _build(spec, settings.get(name, {}), eps=eps, norm=norm, batch_size=batch_size, seed=seed)
                fooled = _fooled(attack, victim, x, y_idx, correct, chunk_size)
                robust[name][j] &= ~fooled
        seconds[name] = time.process_time() - t0
    worst = np.logical_and.reduce([robust[a] for a in robust]) if robust else np.tile(correct, (len(grid), 1))
    worst_acc = tuple(float(w.mean()) for w in worst)
    ci = tuple(clopper_pearson(int(w.sum()), n) for w in worst)
    curve_attack = _strongest(distances, correct, grid)
    curve = _curve(distances[curve_attack], correct, grid) if curve_attack else ((), ())
    fooled_rows = {e: tuple(int(i) for i in np.flatnonzero(correct & ~worst[_index(grid, e)])) for e in eps_req}
    evaluation = RobustnessEvaluation(
        n_samples=n, norm=norm, epsilons=eps_req, grid=grid, clean_accuracy=float(correct.mean()),
        robust_accuracy={a: tuple(float(r.mean()) for r in robust[a]) for a in robust},
        worst_case=worst_acc, worst_case_ci=ci, curve_attack=curve_attack, curve=curve,
        applied=applied, skipped=skipped, validity=(), white_box=victim.differentiable is not None,
        bounds=bounds_source, fooled_rows=fooled_rows, seconds=seconds,
    )
    if not validity:
        return evaluation
    report("robustness: validity checks", 0.95)
    checks = run_validity_checks(evaluation, victim, x, y_idx, correct, worst, batch_size=batch_size, seed=seed)
    return replace(evaluation, validity=checks)


def _grid(eps_req: tuple[float, ...]) -> tuple[float, ...]:
    top = max(eps_req)
    return tuple(sorted({*eps_req, top / 4, top / 2, top * 2}))


def _index(grid: tuple[float, ...], eps: float) -> int:
    for i, e in enumerate(grid):
        if abs(e - eps) <= 1e-12 * max(1.0, abs(eps)):
            return i
    raise InputError(f"epsilon {eps} was not evaluated; evaluated: {list(grid)}")


def _select(victim: Victim, names: Sequence[str], norm: Norm, settings: Mapping[str, Mapping[str, Any]]
            ) -> tuple[dict[str, str], dict[str, str], dict[str, AttackSpec]]:
    """Split the requested attacks into those that run and those skipped (with the reason), from what each
    attack declares (``AttackSpec.unsupported``): never from its name."""
    applied: dict[str, str] = {}
    skipped: dict[str, str] = {}
    specs: dict[str, AttackSpec] = {}
    for name in dict.fromkeys(names):
        spec = get(name)
        reason = _unsupported(spec, victim, norm, settings)
        if reason:
            skipped[name] = reason
            continue
        specs[name] = spec
        applied[name] = spec.access
    if victim.differentiable is None and all(s.needs_gradients for s in specs.values()):
        for name in BLACK_BOX_ATTACKS:  # a black-box model always gets the black-box attack
            spec = get(name)
            if not _unsupported(spec, victim, norm, settings):
                specs[name] = spec
                applied[name] = f"black-box fallback: {victim.why_black_box}"
    if not specs:
        raise AttackError(f"no attack applies to this model with norm {norm}: " +
                          "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    return applied, skipped, specs


def _unsupported(spec: AttackSpec, victim: Victim, norm: Norm, settings: Mapping[str, Mapping[str, Any]]) -> str:
    black_box = None if victim.differentiable is not None else victim.why_black_box
    return spec.unsupported(norm=norm, black_box_reason=black_box, n_classes=victim.n_classes,
                            settings=settings.get(spec.name, {}))


def _build(spec: AttackSpec, extra: Mapping[str, Any], *, eps: float | None, norm: Norm, batch_size: int,
           seed: int) -> Attack:
    kwargs: dict[str, Any] = {"batch_size": batch_size, "seed": seed, **extra}
    kwargs["eps"] = None if spec.minimal else eps
    kwargs["norm"] = norm
    return spec.build(**kwargs)


def _strongest(distances: Mapping[str, np.ndarray], correct: np.ndarray, grid: tuple[float, ...]) -> str | None:
    """The minimal-norm run whose curve lies lowest over the grid: the smallest mean distance, each capped at
    the largest epsilon attacked (ties: the first run)."""
    if not distances or not correct.any():
        return next(iter(distances), None)
    top = max(grid)
    return min(distances, key=lambda a: float(np.minimum(distances[a][correct], top).mean()))


def _predict(victim: Victim, x: np.ndarray, batch_size: int) -> np.ndarray:
    import torch

    out = [victim.predict(torch.from_numpy(x[i : i + batch_size]).to(victim.device)).cpu().numpy()
           for i in range(0, len(x), batch_size)]
    return np.concatenate(out)


def _fooled(attack: Attack, victim: Victim, x: np.ndarray, y: np.ndarray, correct: np.ndarray,
            chunk_size: int) -> np.ndarray:
    """Per sample: did ``attack`` fool it (only clean-correct samples are attacked)."""
    fooled = np.zeros(len(x), dtype=bool)
    rows = np.flatnonzero(correct)
    for i in range(0, len(rows), chunk_size):
        idx = rows[i : i + chunk_size]
        result = attack.attack(victim, x[idx], y[idx])
        fooled[idx] = result.success
    return fooled


def _minimal_distances(victim: Victim, spec: AttackSpec, extra: Mapping[str, Any], x: np.ndarray, y: np.ndarray,
                       correct: np.ndarray, norm: Norm, batch_size: int, chunk_size: int, seed: int) -> np.ndarray:
    """Per-sample minimal adversarial distance (``inf`` where the attack failed, ``0`` if misclassified)."""
    attack = _build(spec, extra, eps=None, norm=norm, batch_size=batch_size, seed=seed)
    dist = np.where(correct, np.inf, 0.0)
    rows = np.flatnonzero(correct)
    for i in range(0, len(rows), chunk_size):
        idx = rows[i : i + chunk_size]
        result = attack.attack(victim, x[idx], y[idx])
        dist[idx] = np.where(result.success, result.distance, np.inf)
    return dist


def _curve(dist: np.ndarray, correct: np.ndarray, grid: tuple[float, ...]) -> tuple[tuple[float, ...],
                                                                                      tuple[float, ...]]:
    """Accuracy at each epsilon from sorted minimal distances: the fraction with distance > eps."""
    top = max(grid) if grid else 1.0
    finite = dist[np.isfinite(dist) & correct]
    hi = max(top, float(finite.max()) if len(finite) else top)
    xs = np.unique(np.concatenate([np.linspace(0.0, hi, 41), np.asarray(grid)]))
    d = np.sort(np.where(correct, dist, 0.0))
    acc = 1.0 - np.searchsorted(d, xs * (1 + 1e-5), side="right") / len(d)
    return tuple(float(v) for v in xs), tuple(float(v) for v in acc)
