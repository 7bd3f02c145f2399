"""Federated training under attack: how much accuracy each aggregator keeps.

``simulate`` trains a softmax-regression classifier (parameters ``{"weight": (64, 10), "bias": (10,)}``)
on scikit-learn's digits, split over ``n`` clients by a Dirichlet(``α``) label partition (Hsu, Qi,
Brown 2019, arXiv:1909.06335; smaller ``α`` = more non-IID). Each round every client runs
``local_epochs`` of mini-batch SGD from the global model and sends ``Δ_k = w_k - w``; ``f`` of them
(fixed at random once) follow an ``Attack``; the aggregator combines the ``n`` updates and the server
applies ``w ← w + Δ``. Every aggregator sees the same partition, the same Byzantine clients and the
same random streams. A clean FedAvg run (no attacker: every client honest) gives the reference
accuracy. Library code: no printing; progress goes to the ``progress`` callback.

Random streams: by default one generator feeds every client in turn (the historical numbers). With
``client_streams=True`` client ``k`` draws from its own generators (``client_rng``), seeded by
``(seed, k)`` for its data and ``(seed, round, k)`` for its training, and a Byzantine client poisons its
own update alone: the same computation a Flower client does in its own process
(:mod:`mlsecure.federated.flower_simulation`), so the two give the same model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mlsecure.check import ProgressCallback
from mlsecure.errors import ConfigError, InputError
from mlsecure.federated.aggregators.interface import Aggregator
from mlsecure.federated.aggregators.registry import build_aggregator
from mlsecure.federated.attacks import Attack, Backdoor, build_attack
from mlsecure.federated.updates import UpdateLayout


@dataclass(frozen=True)
class SimulationConfig:
    n_clients: int = 20
    n_byzantine: int = 4
    rounds: int = 20
    alpha: float = 0.5
    local_epochs: int = 2
    learning_rate: float = 0.5
    batch_size: int = 16
    seed: int = 0
    client_streams: bool = False  # one generator per client and round (what a Flower client can do)

    def __post_init__(self) -> None:
        if self.n_clients < 1:
            raise ConfigError(f"--clients must be at least 1, got {self.n_clients}")
        if self.n_byzantine < 0:
            raise ConfigError(f"--byzantine must be 0 or more, got {self.n_byzantine}")
        if self.n_byzantine >= self.n_clients:
            raise ConfigError(f"need at least one honest client: {self.n_byzantine} Byzantine of {self.n_clients}")
        if self.rounds < 1 or self.local_epochs < 1 or self.batch_size < 1:
            raise ConfigError("rounds, local epochs and batch size must be at least 1")
        if not (math.isfinite(self.alpha) and self.alpha > 0 and math.isfinite(self.learning_rate)
                and self.learning_rate > 0):
            raise ConfigError(f"--alpha and --lr must be positive finite numbers, got {self.alpha} and "
                              f"{self.learning_rate}")


@dataclass(frozen=True)
class AggregatorRun:
    """One aggregator's trajectory: test accuracy (and backdoor success) after each round."""

    name: str
    accuracy: tuple[float, ...]
    attack_success: tuple[float, ...] = ()
    weights: np.ndarray | None = field(default=None, compare=False, repr=False)  # final flat model

    @property
    def final_accuracy(self) -> float:
        return self.accuracy[-1]

    @property
    def final_attack_success(self) -> float | None:
        return self.attack_success[-1] if self.attack_success else None


@dataclass(frozen=True)
class SimulationResult:
    config: SimulationConfig
    attack: str | None
    clean_accuracy: float  # FedAvg with every client honest
    clean_attack_success: float | None  # backdoor: how often the trigger "works" with no attacker
    runs: tuple[AggregatorRun, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (aggregator, reason): e.g. Bulyan with n < 4f + 3
    byzantine_clients: tuple[int, ...] = field(default=())

    def run(self, name: str) -> AggregatorRun:
        for r in self.runs:
            if r.name == name:
                return r
        raise InputError(f"no run for aggregator {name!r}; ran: {', '.join(r.name for r in self.runs)}")


def build_aggregators(aggregators: Sequence[str | Aggregator], *, f: int,
                      n_clients: int) -> tuple[list[Aggregator], list[tuple[str, str]]]:
    """The aggregators a run can use with ``n_clients`` clients, and (name, reason) for each it cannot."""
    built: list[Aggregator] = []
    skipped: list[tuple[str, str]] = []
    for agg in aggregators:
        candidate = build_aggregator(agg, f=f) if isinstance(agg, str) else agg
        if n_clients < candidate.min_clients():
            skipped.append((candidate.name, f"needs {candidate.requirement()}, have n={n_clients}"))
        else:
            built.append(candidate)
    return built, skipped


def simulate(*, aggregators: Sequence[str | Aggregator] = ("fedavg", "median", "krum"),
             attack: str | Attack | None = "sign-flip", config: SimulationConfig | None = None,
             progress: ProgressCallback | None = None) -> SimulationResult:
    """Run the federated simulation once per aggregator (plus one clean FedAvg reference)."""
    cfg = config or SimulationConfig()
    atk = build_attack(attack) if isinstance(attack, str) else attack
    f = cfg.n_byzantine if atk is not None else 0
    if cfg.client_streams and atk is not None and atk.colluding:
        raise ConfigError(f"attack {atk.name!r} needs the other clients' updates; with client_streams each "
                          "client poisons its own update alone")
    fed = federation_data(cfg, f)
    byz = fed.byzantine
    built, skipped = build_aggregators(aggregators, f=f, n_clients=cfg.n_clients)
    env = _Env(cfg, fed.x_train, fed.y_train, fed.x_test, fed.y_test, fed.parts, fed.n_classes)
    total = len(built) + 1
    probe = atk if isinstance(atk, Backdoor) else None
    clean = env.run(build_aggregator("fedavg"), None, (), lambda frac: _tick(progress, "clean FedAvg", frac),
                    probe=probe)
    runs = []
    for i, agg in enumerate(built):
        label = f"{agg.name} ({i + 2}/{total})"

        def tick(frac: float, label: str = label) -> None:
            _tick(progress, label, frac)

        runs.append(env.run(agg, atk, byz, tick, probe=probe))
    return SimulationResult(config=cfg, attack=atk.name if atk is not None else None,
                            clean_accuracy=clean.final_accuracy, clean_attack_success=clean.final_attack_success,
                            runs=tuple(runs), skipped=tuple(skipped), byzantine_clients=byz)


@dataclass(frozen=True)
class Federation:
    """The data every run of one config shares: train/test split, client partition, Byzantine ids."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    parts: list[np.ndarray]
    byzantine: tuple[int, ...]
    n_classes: int


def federation_data(cfg: SimulationConfig, f: int) -> Federation:
    """Digits split 70/30 and partitioned over ``cfg.n_clients`` with ``f`` Byzantine clients (seeded)."""
    from mlsecure.data import load_builtin

    data = load_builtin("digits")
    if data.y is None:  # pragma: no cover - the built-in set is labelled
        raise InputError("digits has no labels")
    rng = np.random.default_rng(cfg.seed)
    order = rng.permutation(len(data))
    cut = int(0.7 * len(order))
    x_train, y_train = data.x[order[:cut]].astype(np.float64), data.y[order[:cut]]
    x_test, y_test = data.x[order[cut:]].astype(np.float64), data.y[order[cut:]]
    parts = dirichlet_partition(y_train, n_clients=cfg.n_clients, alpha=cfg.alpha, rng=rng)
    byz = tuple(sorted(int(i) for i in rng.choice(cfg.n_clients, size=f, replace=False)))
    return Federation(x_train, y_train, x_test, y_test, parts, byz, int(data.y.max()) + 1)


def client_rng(seed: int, client: int, round_number: int | None = None) -> np.random.Generator:
    """Client ``client``'s own stream: for its data (``round_number=None``) or for one round's training."""
    key = [seed, client] if round_number is None else [seed, client, round_number]
    return np.random.default_rng(key)


def local_train(w: np.ndarray, x: np.ndarray, y: np.ndarray, *, layout: UpdateLayout, n_classes: int,
                cfg: SimulationConfig, rng: np.random.Generator) -> np.ndarray:
    """``cfg.local_epochs`` of mini-batch SGD on softmax regression from the flat model ``w``; the new flat model."""
    p = layout.unflatten(w)
    weight, bias = p["weight"], p["bias"]
    onehot = np.eye(n_classes)[y]
    for _ in range(cfg.local_epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), cfg.batch_size):
            b = order[start:start + cfg.batch_size]
            probs = _softmax(x[b] @ weight + bias)
            grad = (probs - onehot[b]) / len(b)
            weight -= cfg.learning_rate * (x[b].T @ grad)
            bias -= cfg.learning_rate * grad.sum(axis=0)
    return np.concatenate([weight.ravel(), bias])


def poison_own(atk: Attack, update: np.ndarray, *, n_clients: int, rng: np.random.Generator) -> np.ndarray:
    """One Byzantine client's update from its own honest update alone (no view of the others')."""
    if atk.colluding:
        raise ConfigError(f"attack {atk.name!r} needs the other clients' updates; a client alone cannot run it")
    own = atk.poison_updates(update[None, :], np.empty((0, update.shape[0])), n_clients=n_clients, rng=rng)
    return np.asarray(own[0])


def dirichlet_partition(y: np.ndarray, *, n_clients: int, alpha: float, rng: np.random.Generator,
                        min_size: int = 5, max_tries: int = 100) -> list[np.ndarray]:
    """Indices of ``y`` per client: for each class, shares drawn from Dirichlet(``alpha · 1_n``).

    Redraws until every client holds at least ``min_size`` samples.
    """
    if len(y) < n_clients * min_size:
        raise InputError(f"{len(y)} samples cannot give {n_clients} clients {min_size} each")
    for _ in range(max_tries):
        parts: list[list[int]] = [[] for _ in range(n_clients)]
        for c in np.unique(y):
            idx = rng.permutation(np.flatnonzero(y == c))
            shares = rng.dirichlet(np.full(n_clients, alpha))
            cuts = (np.cumsum(shares)[:-1] * len(idx)).astype(int)
            for k, chunk in enumerate(np.split(idx, cuts)):
                parts[k].extend(chunk.tolist())
        if min(len(p) for p in parts) >= min_size:
            return [np.sort(np.asarray(p, dtype=np.int64)) for p in parts]
    raise InputError(f"no Dirichlet({alpha}) split gave every client {min_size} samples in {max_tries} tries; "
                     "raise alpha or lower the number of clients")


@dataclass
class _Env:
    cfg: SimulationConfig
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    parts: list[np.ndarray]
    n_classes: int

    def run(self, agg: Aggregator, atk: Attack | None, byz: tuple[int, ...], tick: Callable[[float], None],
            *, probe: Backdoor | None) -> AggregatorRun:
        cfg = self.cfg
        d_in = self.x_train.shape[1]
        layout = UpdateLayout(keys=("weight", "bias"), shapes=((d_in, self.n_classes), (self.n_classes,)))
        w = np.zeros(layout.size)
        rng = np.random.default_rng(cfg.seed + 1)
        local = []
        for k, idx in enumerate(self.parts):
            x, y = self.x_train[idx], self.y_train[idx]
            if atk is not None and k in byz:
                x, y = atk.poison_data(x, y, client_rng(cfg.seed, k) if cfg.client_streams else rng)
            local.append((x, y))
        honest = [k for k in range(cfg.n_clients) if k not in byz]
        counts = np.array([len(y) for _, y in local], dtype=np.float64)
        accuracy, success = [], []
        for r in range(cfg.rounds):
            if cfg.client_streams:
                updates = np.stack([self._client_update(w, k, r + 1, x, y, layout, atk if k in byz else None)
                                    for k, (x, y) in enumerate(local)])
            else:
                updates = np.stack([self._train(w, x, y, layout, rng) - w for x, y in local])
                if atk is not None and byz:
                    updates[list(byz)] = atk.poison_updates(updates[list(byz)], updates[honest],
                                                            n_clients=cfg.n_clients, rng=rng)
            w = w + agg.aggregate_matrix(updates, counts).update
            acc, asr = self._evaluate(w, layout, probe)
            accuracy.append(acc)
            if asr is not None:
                success.append(asr)
            tick((r + 1) / cfg.rounds)
        return AggregatorRun(name=agg.name, accuracy=tuple(accuracy), attack_success=tuple(success), weights=w)

    def _client_update(self, w: np.ndarray, k: int, round_number: int, x: np.ndarray, y: np.ndarray,
                       layout: UpdateLayout, atk: Attack | None) -> np.ndarray:
        rng = client_rng(self.cfg.seed, k, round_number)
        update = self._train(w, x, y, layout, rng) - w
        return update if atk is None else poison_own(atk, update, n_clients=self.cfg.n_clients, rng=rng)

    def _train(self, w: np.ndarray, x: np.ndarray, y: np.ndarray, layout: UpdateLayout,
               rng: np.random.Generator) -> np.ndarray:
        return local_train(w, x, y, layout=layout, n_classes=self.n_classes, cfg=self.cfg, rng=rng)

    def _evaluate(self, w: np.ndarray, layout: UpdateLayout, atk: Backdoor | None) -> tuple[float, float | None]:
        p = layout.unflatten(w)
        pred = np.argmax(self.x_test @ p["weight"] + p["bias"], axis=1)
        acc = float(np.mean(pred == self.y_test))
        if atk is None:
            return acc, None
        keep = self.y_test != atk.target
        triggered = atk.apply_trigger(self.x_test[keep])
        hit = np.argmax(triggered @ p["weight"] + p["bias"], axis=1) == atk.target
        return acc, float(np.mean(hit))


def _tick(progress: ProgressCallback | None, task: str, fraction: float) -> None:
    if progress is not None:
        progress(task, fraction)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))
