"""Model-extraction audit (OWASP ML05, ATLAS AML.T0024.002 / AML.T0005): how many black-box queries
does an attacker need to build a faithful copy of the model?

Threat model: the attacker sees only what the prediction API returns for inputs of its choice
(``predict_proba`` rows, or what an output defence leaves of them) and owns some in-distribution data
(a slice disjoint from the data the fidelity is measured on). It trains a surrogate on the answers.

Query strategies (all with the attacker's per-feature bounds ``lo, hi`` of shape ``(d,)``):

* ``random``: ``x ~ U(lo, hi)`` (the guide's section 8.1; Tramèr et al., "Stealing Machine Learning
  Models via Prediction APIs", USENIX Security 2016, arXiv:1609.02943).
* ``natural``: the attacker's own data, then mixup points ``l*a + (1-l)*b`` once it runs out.
* ``active``: uncertainty sampling (Tramèr et al. section 5's adaptive retraining): each round queries
  the candidates (unused natural rows, mixups, uniform points) with the smallest surrogate margin
  ``p_(1) - p_(2)``, doubling the query set per round.
* ``jacobian``: Papernot et al.'s Jacobian-based dataset augmentation ("Practical Black-Box Attacks
  against Machine Learning", AsiaCCS 2017, arXiv:1602.02697): ``x' = clip(x + lambda *
  sign(grad_x z_{O(x)}(x)))`` on the surrogate's logits ``z`` for the victim's label ``O(x)``.

The surrogate is a small softmax MLP trained by L-BFGS on the soft cross-entropy to whatever the API
returned (probabilities, rounded or noisy probabilities, or one-hot labels). Fidelity is the share of
held-out inputs where the surrogate's arg-max equals the victim's. ``equation_solving`` is Tramèr's
exact attack on softmax-linear models: ``log p_j - log p_0 = (w_j - w_0) . x + (b_j - b_0)`` is linear,
so ``d + 1`` queries with probabilities determine the model.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # no stubs; sklearn dependency

from mlsecure.check import ProgressCallback
from mlsecure.errors import InputError
from mlsecure.findings import Figure, Series
from mlsecure.models.interface import Model, softmax

STRATEGIES = ("random", "natural", "active", "jacobian")
DEFAULT_BUDGETS = (100, 300, 1000, 3000)


@dataclass(frozen=True)
class Defence:
    """An output defence: labels only, rounding to ``decimals``, or Gaussian noise ``N(0, sigma^2)``
    added to the probability vector (clipped at 0, renormalised)."""

    name: str
    labels_only: bool = False
    decimals: int | None = None
    noise_sigma: float = 0.0

    def apply(self, proba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``(n, k)`` probabilities -> the ``(n, k)`` targets the attacker can train on (rows sum to 1)."""
        if self.labels_only:
            onehot: np.ndarray = np.eye(proba.shape[1])[proba.argmax(axis=1)]
            return onehot
        p = proba
        if self.noise_sigma > 0:
            p = np.clip(p + rng.normal(0.0, self.noise_sigma, p.shape), 0.0, None)
        if self.decimals is not None:
            p = np.round(p, self.decimals)
        return _normalise(p)


NO_DEFENCE = Defence("none")
DEFAULT_DEFENCES = (
    NO_DEFENCE,
    Defence("top-1 label", labels_only=True),
    Defence("round 2 decimals", decimals=2),
    Defence("round 1 decimal", decimals=1),
    Defence("gaussian noise 0.1", noise_sigma=0.1),
)


@dataclass(frozen=True)
class Surrogate:
    """A softmax MLP (``hidden == 0``: softmax-linear). ``predict_proba`` takes ``(n, d)`` flat rows."""

    weights: tuple[np.ndarray, ...]
    center: np.ndarray
    scale: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        return _forward(self.weights, (x - self.center) / self.scale)[0]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return softmax(self.logits(x))

    def input_gradient(self, x: np.ndarray, cls: np.ndarray) -> np.ndarray:
        """``d z_cls / d x`` per row, shape ``(n, d)``."""
        z, h = _forward(self.weights, (x - self.center) / self.scale)
        del z
        if len(self.weights) == 2:
            g = self.weights[0][:, cls].T
        else:
            w1, _, w2, _ = self.weights
            g = ((h > 0) * w2[:, cls].T) @ w1.T
        out: np.ndarray = g / self.scale
        return out


def train_surrogate(x: np.ndarray, targets: np.ndarray, *, hidden: int = 64, alpha: float = 1e-4,
                    max_iter: int = 200, seed: int = 0, bounds: tuple[np.ndarray, np.ndarray] | None = None,
                    init: Surrogate | None = None) -> Surrogate:
    """Minimise ``-mean_i sum_j t_ij log softmax(f(x_i))_j + alpha/2 ||W||^2`` by L-BFGS.

    ``x`` ``(n, d)``, ``targets`` ``(n, k)`` rows summing to 1 (probabilities or one-hot labels).
    Inputs are scaled to ``[-1, 1]`` by ``bounds`` (default: the data's min/max). ``init`` warm-starts.
    """
    if x.ndim != 2 or targets.ndim != 2 or len(x) != len(targets) or len(x) == 0:
        raise InputError(f"train_surrogate needs (n, d) inputs and (n, k) targets, got {x.shape} and {targets.shape}")
    lo, hi = bounds if bounds is not None else (x.min(axis=0), x.max(axis=0))
    center, scale = (hi + lo) / 2, np.where(hi > lo, (hi - lo) / 2, 1.0)
    xs = (x - center) / scale
    d, k = x.shape[1], targets.shape[1]
    if init is not None:
        shapes_from = init.weights
    else:
        rng = np.random.default_rng(seed)
        dims = (d, hidden, k) if hidden > 0 else (d, k)
        ws: list[np.ndarray] = []
        for a, b in itertools.pairwise(dims):
            limit = np.sqrt(6.0 / (a + b))
            ws += [rng.uniform(-limit, limit, (a, b)), np.zeros(b)]
        shapes_from = tuple(ws)
    shapes = [w.shape for w in shapes_from]
    theta0 = np.concatenate([w.ravel() for w in shapes_from])
    n = len(x)

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, ...]:
        out, at = [], 0
        for s in shapes:
            size = int(np.prod(s))
            out.append(theta[at:at + size].reshape(s))
            at += size
        return tuple(out)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        ws = unpack(theta)
        z, h = _forward(ws, xs)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -float((targets * logp).sum()) / n
        dz = (np.exp(logp) - targets) / n
        if len(ws) == 2:
            grads = [xs.T @ dz, dz.sum(axis=0)]
        else:
            dh = (dz @ ws[2].T) * (h > 0)
            grads = [xs.T @ dh, dh.sum(axis=0), h.T @ dz, dz.sum(axis=0)]
        for i in range(0, len(ws), 2):  # L2 on weights, not biases
            value += 0.5 * alpha * float((ws[i] ** 2).sum())
            grads[i] = grads[i] + alpha * ws[i]
        return value, np.concatenate([g.ravel() for g in grads])

    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    return Surrogate(unpack(res.x), center, scale)


def _forward(ws: Sequence[np.ndarray], xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(ws) == 2:
        return xs @ ws[0] + ws[1], xs
    h = np.maximum(xs @ ws[0] + ws[1], 0.0)
    return h @ ws[2] + ws[3], h


def equation_solving(proba: np.ndarray, x: np.ndarray, *, eps: float = 1e-12) -> Surrogate:
    """Tramèr et al. 2016 section 4.1: least squares on ``log p_j - log p_0 = a_j . x + c_j``.

    ``x`` ``(n, d)`` queries, ``proba`` ``(n, k)`` answers; ``n >= d + 1`` in general position recovers a
    softmax-linear model's ``w_j - w_0`` exactly (softmax is invariant to the shared ``w_0``).
    """
    if len(x) != len(proba) or x.ndim != 2:
        raise InputError(f"equation_solving needs (n, d) queries and (n, k) answers, got {x.shape}, {proba.shape}")
    logp = np.log(np.clip(proba, eps, None))
    a = np.hstack([x, np.ones((len(x), 1))])
    coef, *_ = np.linalg.lstsq(a, logp - logp[:, :1], rcond=None)
    return Surrogate((coef[:-1], coef[-1]), np.zeros(x.shape[1]), np.ones(x.shape[1]))


@dataclass(frozen=True)
class ExtractionPoint:
    strategy: str
    defence: str
    queries: int
    fidelity: float  # label agreement with the victim on the evaluation inputs
    accuracy: float  # surrogate accuracy on the evaluation labels


@dataclass(frozen=True)
class ExtractionAudit:
    points: tuple[ExtractionPoint, ...]
    budgets: tuple[int, ...]
    defence_budget: int
    victim_accuracy: float
    evaluation_size: int
    attacker_pool_size: int
    equation_queries: int
    equation_fidelity: float | None  # None when the API returns no probabilities worth solving
    seconds: float
    threshold: float = 0.9
    surrogate: str = "mlp"
    strategies: tuple[str, ...] = field(default=STRATEGIES)

    def curve(self, strategy: str, defence: str = "none") -> list[ExtractionPoint]:
        return sorted((p for p in self.points if p.strategy == strategy and p.defence == defence),
                      key=lambda p: p.queries)

    def queries_to_threshold(self, defence: str = "none") -> tuple[int | None, str | None]:
        """The fewest queries at which any strategy's fidelity reaches ``threshold`` (and which)."""
        hits = [p for p in self.points if p.defence == defence and p.fidelity >= self.threshold]
        if self.equation_fidelity is not None and self.equation_fidelity >= self.threshold and defence == "none":
            hits.append(ExtractionPoint("equation-solving", "none", self.equation_queries, self.equation_fidelity, 0.0))
        if not hits:
            return None, None
        best = min(hits, key=lambda p: (p.queries, -p.fidelity))
        return best.queries, best.strategy

    def best(self, defence: str = "none") -> ExtractionPoint:
        return max((p for p in self.points if p.defence == defence), key=lambda p: (p.fidelity, -p.queries))

    def defence_effect(self) -> dict[str, float]:
        """Fidelity of the ``natural`` strategy at ``defence_budget`` under each defence."""
        return {p.defence: p.fidelity for p in self.points
                if p.strategy == "natural" and p.queries == self.defence_budget}

    def metrics(self) -> dict[str, object]:
        q, strategy = self.queries_to_threshold()
        out: dict[str, object] = {
            "victim_accuracy": round(self.victim_accuracy, 4),
            f"queries_to_{int(100 * self.threshold)}pct_fidelity": q,
            "fastest_strategy": strategy,
            "best_fidelity": round(self.best().fidelity, 4),
            "evaluation_size": self.evaluation_size, "attacker_pool_size": self.attacker_pool_size,
            "seconds": round(self.seconds, 2),
        }
        if self.equation_fidelity is not None:
            out["equation_solving_fidelity"] = round(self.equation_fidelity, 4)
            out["equation_solving_queries"] = self.equation_queries
        for s in self.strategies:
            for p in self.curve(s):
                out[f"fidelity_{s}_{p.queries}"] = round(p.fidelity, 4)
        for name, fid in self.defence_effect().items():
            out[f"fidelity_at_{self.defence_budget}_{name.replace(' ', '_')}"] = round(fid, 4)
        return out

    def figure(self) -> Figure:
        series = [Series(s, tuple(float(p.queries) for p in c), tuple(p.fidelity for p in c))
                  for s in self.strategies if (c := self.curve(s))]
        defences = sorted({p.defence for p in self.points} - {"none"})
        series += [Series(f"natural, {d}", tuple(float(p.queries) for p in c), tuple(p.fidelity for p in c))
                   for d in defences if (c := self.curve("natural", d))]
        return Figure(title="Model extraction: fidelity vs queries", x_label="queries to the API",
                      y_label="fidelity (label agreement)", series=tuple(series), kind="line")


def audit_extraction(model: Model, attacker_x: np.ndarray, eval_x: np.ndarray, eval_y: np.ndarray | None = None, *,
                     budgets: Sequence[int] = DEFAULT_BUDGETS, strategies: Sequence[str] = STRATEGIES,
                     defences: Sequence[Defence] = DEFAULT_DEFENCES, defence_budget: int = 1000,
                     hidden: int = 64, threshold: float = 0.9, seed: int = 0,
                     progress: ProgressCallback | None = None) -> ExtractionAudit:
    """Simulate each query strategy at each budget and each defence at ``defence_budget``.

    ``attacker_x`` ``(m, *input_shape)``: the data the attacker owns; ``eval_x`` ``(n, *input_shape)``
    disjoint data to measure fidelity on (``eval_y`` encoded column indices, for surrogate accuracy).
    Runs single-threaded: for these small matrices, BLAS threads only add contention.
    """
    with single_thread():
        return _audit(model, attacker_x, eval_x, eval_y, budgets=budgets, strategies=strategies,
                      defences=defences, defence_budget=defence_budget, hidden=hidden, threshold=threshold,
                      seed=seed, progress=progress)


@contextmanager
def single_thread() -> Iterator[None]:
    """Limit BLAS (and torch, when loaded) to one thread for the duration."""
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch is not None else 0
    with threadpool_limits(limits=1):
        if torch is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(threads)


def _audit(model: Model, attacker_x: np.ndarray, eval_x: np.ndarray, eval_y: np.ndarray | None, *,
           budgets: Sequence[int], strategies: Sequence[str], defences: Sequence[Defence], defence_budget: int,
           hidden: int, threshold: float, seed: int, progress: ProgressCallback | None) -> ExtractionAudit:
    t0 = time.perf_counter()
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise InputError(f"unknown extraction strategies {unknown}; expected some of {list(STRATEGIES)}")
    budgets = tuple(sorted({int(b) for b in budgets}))
    if not budgets or budgets[0] < 2:
        raise InputError(f"extraction budgets must be integers >= 2, got {budgets}")
    if len(attacker_x) < 2 or len(eval_x) < 1:
        raise InputError("the extraction audit needs at least 2 attacker rows and 1 evaluation row")
    shape = tuple(attacker_x.shape[1:])
    pool = attacker_x.reshape(len(attacker_x), -1).astype(np.float64)
    ev = eval_x.reshape(len(eval_x), -1).astype(np.float64)
    lo, hi = pool.min(axis=0), pool.max(axis=0)
    bounds = (lo, hi)
    rng = np.random.default_rng(seed)
    report = progress or (lambda task, fraction: None)

    def victim(x: np.ndarray) -> np.ndarray:
        out = [model.predict_proba(x[i:i + 1024].reshape(-1, *shape).astype(np.float32))
               for i in range(0, len(x), 1024)]
        return np.concatenate(out).astype(np.float64)

    victim_eval = victim(ev).argmax(axis=1)
    victim_acc = float((victim_eval == eval_y).mean()) if eval_y is not None else float("nan")

    def score(s: Surrogate) -> tuple[float, float]:
        pred = s.predict_proba(ev).argmax(axis=1)
        acc = float((pred == eval_y).mean()) if eval_y is not None else float("nan")
        return float((pred == victim_eval).mean()), acc

    def fit(x: np.ndarray, t: np.ndarray, init: Surrogate | None = None) -> Surrogate:
        return train_surrogate(x, t, hidden=hidden, seed=seed, bounds=bounds, init=init)

    points: list[ExtractionPoint] = []
    jobs = len(strategies) + max(len(defences) - 1, 0)
    for j, strategy in enumerate(strategies):
        report(f"extraction: {strategy} queries", j / jobs)
        sampler = _STRATEGY_FUNCS[strategy]
        for n, s in sampler(victim, pool, bounds, budgets, rng, fit):
            fid, acc = score(s)
            points.append(ExtractionPoint(strategy, "none", n, fid, acc))
    natural_x = _natural(pool, max(defence_budget, 1), rng)
    natural_p = victim(natural_x)
    def_budgets = [b for b in budgets if b < defence_budget] + [defence_budget]
    for j, defence in enumerate(d for d in defences if d.name != "none"):
        report(f"extraction: defence {defence.name}", (len(strategies) + j) / jobs)
        targets = defence.apply(natural_p, rng)
        for b in def_budgets:
            fid, acc = score(fit(natural_x[:b], targets[:b]))
            points.append(ExtractionPoint("natural", defence.name, b, fid, acc))
    if "natural" not in strategies or defence_budget not in budgets:
        fid, acc = score(fit(natural_x, natural_p))
        points.append(ExtractionPoint("natural", "none", defence_budget, fid, acc))
    # Tramèr's equation solving: d + 1 uniform queries, exact for softmax-linear victims
    d = pool.shape[1]
    eq_x = rng.uniform(lo, hi, (d + 1, d))
    eq_p = victim(eq_x)
    eq_fid = score(equation_solving(eq_p, eq_x))[0]
    report("extraction", 1.0)
    return ExtractionAudit(tuple(points), budgets, defence_budget, victim_acc, len(ev), len(pool), d + 1,
                           eq_fid, time.perf_counter() - t0, threshold, "mlp" if hidden else "linear",
                           tuple(strategies))


Victim = Callable[[np.ndarray], np.ndarray]
Fit = Callable[..., Surrogate]
Bounds = tuple[np.ndarray, np.ndarray]


def _normalise(p: np.ndarray) -> np.ndarray:
    s = p.sum(axis=1, keepdims=True)
    out: np.ndarray = np.where(s > 0, p / np.where(s > 0, s, 1.0), 1.0 / p.shape[1])
    return out


def _mixup(pool: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    a, b = rng.integers(0, len(pool), (2, n))
    lam = rng.uniform(0, 1, (n, 1))
    out: np.ndarray = lam * pool[a] + (1 - lam) * pool[b]
    return out


def _natural(pool: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    order = rng.permutation(len(pool))[:n]
    x = pool[order]
    return np.vstack([x, _mixup(pool, n - len(x), rng)]) if n > len(x) else x


def _fixed(x: np.ndarray, victim: Victim, budgets: Sequence[int], fit: Fit) -> list[tuple[int, Surrogate]]:
    p = victim(x)
    return [(b, fit(x[:b], p[:b])) for b in budgets]


def _random_strategy(victim: Victim, pool: np.ndarray, bounds: Bounds, budgets: Sequence[int],
                     rng: np.random.Generator, fit: Fit) -> list[tuple[int, Surrogate]]:
    return _fixed(rng.uniform(bounds[0], bounds[1], (budgets[-1], pool.shape[1])), victim, budgets, fit)


def _natural_strategy(victim: Victim, pool: np.ndarray, bounds: Bounds, budgets: Sequence[int],
                      rng: np.random.Generator, fit: Fit) -> list[tuple[int, Surrogate]]:
    del bounds
    return _fixed(_natural(pool, budgets[-1], rng), victim, budgets, fit)


def _rounds(budgets: Sequence[int], step: Callable[[np.ndarray, np.ndarray, Surrogate, int], np.ndarray],
            seed_x: np.ndarray, victim: Victim, fit: Fit) -> list[tuple[int, Surrogate]]:
    """Grow the query set by doubling rounds up to each budget; fit after each round."""
    x, p = seed_x, victim(seed_x)
    s = fit(x, p)
    out = []
    for b in budgets:
        while len(x) < b:
            new = step(x, p, s, min(b - len(x), len(x)))
            x, p = np.vstack([x, new]), np.vstack([p, victim(new)])
            s = fit(x, p, s)
        out.append((b, s))
    return out


def _active_strategy(victim: Victim, pool: np.ndarray, bounds: Bounds, budgets: Sequence[int],
                     rng: np.random.Generator, fit: Fit) -> list[tuple[int, Surrogate]]:
    order = rng.permutation(len(pool))
    n0 = max(2, min(budgets[0] // 2, len(pool)))
    unused = pool[order[n0:]]
    candidates = np.vstack([unused, _mixup(pool, 4 * budgets[-1], rng),
                            rng.uniform(bounds[0], bounds[1], (budgets[-1], pool.shape[1]))])
    taken = np.zeros(len(candidates), bool)

    def step(x: np.ndarray, p: np.ndarray, s: Surrogate, n: int) -> np.ndarray:
        del x, p
        q = np.sort(s.predict_proba(candidates), axis=1)
        margin = np.where(taken, np.inf, q[:, -1] - q[:, -2])
        pick = np.argpartition(margin, n - 1)[:n]
        taken[pick] = True
        return candidates[pick]

    return _rounds(budgets, step, pool[order[:n0]], victim, fit)


def _jacobian_strategy(victim: Victim, pool: np.ndarray, bounds: Bounds, budgets: Sequence[int],
                       rng: np.random.Generator, fit: Fit, lam: float = 0.1) -> list[tuple[int, Surrogate]]:
    lo, hi = bounds
    n0 = max(2, min(budgets[0] // 2, len(pool)))
    rounds = [0]

    def step(x: np.ndarray, p: np.ndarray, s: Surrogate, n: int) -> np.ndarray:
        pick = rng.choice(len(x), n, replace=False)
        grad = s.input_gradient(x[pick], p[pick].argmax(axis=1))
        rounds[0] += 1
        sign = 1.0 if rounds[0] % 2 else -1.0  # Papernot's periodic step sign keeps points near the data
        out: np.ndarray = np.clip(x[pick] + sign * lam * (hi - lo) * np.sign(grad), lo, hi)
        return out

    return _rounds(budgets, step, pool[rng.permutation(len(pool))[:n0]], victim, fit)


_STRATEGY_FUNCS = {"random": _random_strategy, "natural": _natural_strategy,
                   "active": _active_strategy, "jacobian": _jacobian_strategy}
