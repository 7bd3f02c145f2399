"""mlsecure's aggregators inside Flower's own simulation runtime (``flwr.simulation``, Ray backend).

``simulate_in_flower`` runs the federation of ``federated simulate`` (softmax regression on digits, a
Dirichlet split, ``f`` Byzantine clients) as a Flower ``ServerApp`` and ``ClientApp``: Flower samples the
virtual SuperNodes, ships the global model to ClientApps running in Ray actors, and hands their results to
``robust_strategy`` (:mod:`mlsecure.federated.flower`), which aggregates with the mlsecure rule. Each client
draws from its own random streams (``simulation.client_rng``) and a Byzantine client poisons its own update
alone, so the model equals ``simulate(..., config=SimulationConfig(client_streams=True))`` for the same
seeds: bit for bit where the Byzantine updates are not averaged in, and to within one rounding of
``w + Δ - w`` (about 1e-15 relative) where they are (a Flower client sends weights, not deltas).

Colluding attacks (ALIE, IPM, the default backdoor boost) need the other clients' updates, which one
Flower client never sees; they are refused. The ServerApp runs in a thread of this process (so its record
comes back directly); ``run_simulation`` is Flower's Python entry point (deprecated in favour of
``flwr run`` with a simulation federation, still shipped in 1.42). Flower and Ray are optional extras
(``pip install "mlsecure[fl,ray]"``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlsecure.check import ProgressCallback
from mlsecure.errors import ConfigError, MLSecureError, require
from mlsecure.federated.aggregators.interface import Aggregator
from mlsecure.federated.aggregators.registry import build_aggregator
from mlsecure.federated.attacks import Attack, build_attack
from mlsecure.federated.simulation import (
    AggregatorRun,
    Federation,
    SimulationConfig,
    SimulationResult,
    build_aggregators,
    client_rng,
    federation_data,
    local_train,
    poison_own,
)
from mlsecure.federated.updates import UpdateLayout


class FlowerSimulationError(MLSecureError):
    """Flower's simulation did not complete every round with every client."""


@dataclass(frozen=True)
class FlowerSimulationResult:
    """Test accuracy after each round, the final flat model (``weight`` then ``bias``) and timing."""

    aggregator: str
    attack: str | None
    accuracy: tuple[float, ...]
    byzantine_clients: tuple[int, ...]
    seconds: float
    weights: np.ndarray = field(compare=False, repr=False)

    @property
    def final_accuracy(self) -> float:
        return self.accuracy[-1]

    @property
    def rounds_per_second(self) -> float:
        return len(self.accuracy) / self.seconds


def simulate_with_flower(*, aggregators: Sequence[str | Aggregator] = ("fedavg", "median", "krum"),
                         attack: str | Attack | None = "sign-flip", config: SimulationConfig | None = None,
                         workers: int = 2, progress: ProgressCallback | None = None) -> SimulationResult:
    """``simulation.simulate`` with every run inside Flower's simulation: a clean FedAvg reference, then one
    run per aggregator (rules whose ``n`` requirement fails are skipped, as there). One Ray cluster serves
    all the runs."""
    cfg = config or SimulationConfig(client_streams=True)
    atk = _checked_attack(cfg, attack)
    f = cfg.n_byzantine if atk is not None else 0
    built, skipped = build_aggregators(aggregators, f=f, n_clients=cfg.n_clients)
    ray: Any = require("ray", "ray")
    owns = not ray.is_initialized()
    if owns:
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        total = len(built) + 1
        if progress is not None:
            progress("clean FedAvg (Flower)", 0.0)
        clean = simulate_in_flower(aggregator="fedavg", attack=None, config=cfg, workers=workers)
        runs = []
        byzantine: tuple[int, ...] = ()
        for i, agg in enumerate(built):
            if progress is not None:
                progress(f"{agg.name} ({i + 2}/{total}, Flower)", 0.0)
            res = simulate_in_flower(aggregator=agg, attack=atk, config=cfg, workers=workers)
            runs.append(AggregatorRun(name=res.aggregator, accuracy=res.accuracy, weights=res.weights))
            byzantine = res.byzantine_clients
    finally:
        if owns and ray.is_initialized():
            ray.shutdown()
    return SimulationResult(config=cfg, attack=atk.name if atk is not None else None,
                            clean_accuracy=clean.final_accuracy, clean_attack_success=None, runs=tuple(runs),
                            skipped=tuple(skipped), byzantine_clients=byzantine)


def simulate_in_flower(*, aggregator: str | Aggregator = "krum", attack: str | Attack | None = None,
                       config: SimulationConfig | None = None, workers: int = 2) -> FlowerSimulationResult:
    """One run of ``config`` in Flower's simulation runtime, aggregated by ``aggregator``.

    ``workers``: CPUs of the local Ray cluster Flower starts (one ClientApp actor per CPU); a Ray
    already initialised in this process is used as it is."""
    cfg = config or SimulationConfig(client_streams=True)
    atk = _checked_attack(cfg, attack)
    f = cfg.n_byzantine if atk is not None else 0
    agg = build_aggregator(aggregator, f=f) if isinstance(aggregator, str) else aggregator
    if cfg.n_clients < agg.min_clients():
        raise ConfigError(f"{agg.name} needs {agg.requirement()}, have n={cfg.n_clients}")
    require("flwr.simulation", "fl")
    fed = federation_data(cfg, f)
    record: dict[str, Any] = {"accuracy": [], "accepted": [], "weights": None}
    server_app = _server_app(agg, cfg, fed, record)
    client_app = require("flwr.client", "fl").ClientApp(client_fn=functools.partial(_client_fn, cfg, atk, f))
    backend = {"client_resources": {"num_cpus": 1, "num_gpus": 0.0},
               "init_args": {"num_cpus": workers, "log_to_driver": False, "configure_logging": False}}
    ray: Any = require("ray", "ray")
    owns = not ray.is_initialized()
    start = time.perf_counter()
    try:
        with _quiet_flower():
            require("flwr.simulation", "fl").run_simulation(server_app=server_app, client_app=client_app,
                                                            num_supernodes=cfg.n_clients, backend_config=backend)
    finally:
        if owns and ray.is_initialized():
            ray.shutdown()
    seconds = time.perf_counter() - start
    if record["accepted"] != [cfg.n_clients] * cfg.rounds or len(record["accuracy"]) != cfg.rounds:
        raise FlowerSimulationError(f"Flower aggregated {record['accepted']} client results over "
                                    f"{len(record['accuracy'])} rounds; expected {cfg.n_clients} in each of "
                                    f"{cfg.rounds} (a ClientApp failed: see Flower's log)")
    return FlowerSimulationResult(aggregator=agg.name, attack=atk.name if atk is not None else None,
                                  accuracy=tuple(record["accuracy"]), byzantine_clients=fed.byzantine,
                                  seconds=seconds, weights=record["weights"])


def _checked_attack(cfg: SimulationConfig, attack: str | Attack | None) -> Attack | None:
    """The attack, if one Flower client can run it alone under ``cfg`` (checked before Ray starts)."""
    if not cfg.client_streams:
        raise ConfigError("a Flower client draws from its own streams: use SimulationConfig(client_streams=True)")
    atk = build_attack(attack) if isinstance(attack, str) else attack
    if atk is not None and atk.colluding:
        raise ConfigError(f"attack {atk.name!r} needs the other clients' updates; a Flower client never sees "
                          "them (choose sign-flip, gaussian or label-flip)")
    return atk


def _layout(fed: Federation) -> UpdateLayout:
    d_in = fed.x_train.shape[1]
    return UpdateLayout(keys=("weight", "bias"), shapes=((d_in, fed.n_classes), (fed.n_classes,)))


def _server_app(agg: Aggregator, cfg: SimulationConfig, fed: Federation, record: dict[str, Any]) -> Any:
    from mlsecure.federated.flower import robust_strategy

    server = require("flwr.server", "fl")
    common = require("flwr.common", "fl")
    layout = _layout(fed)

    def evaluate(server_round: int, parameters: list[np.ndarray], _config: dict[str, Any]
                 ) -> tuple[float, dict[str, Any]]:
        weight, bias = parameters
        acc = float(np.mean(np.argmax(fed.x_test @ weight + bias, axis=1) == fed.y_test))
        if server_round > 0:
            record["accuracy"].append(acc)
            record["weights"] = np.concatenate([weight.ravel(), bias])
        return 0.0, {"accuracy": acc}

    def fit_metrics(metrics: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
        record["accepted"].append(len(metrics))
        return {}

    def server_fn(_context: Any) -> Any:
        initial = layout.unflatten(np.zeros(layout.size))
        strategy = robust_strategy(
            agg, fraction_fit=1.0, fraction_evaluate=0.0, min_fit_clients=cfg.n_clients,
            min_available_clients=cfg.n_clients, min_evaluate_clients=0, accept_failures=False,
            initial_parameters=common.ndarrays_to_parameters([initial["weight"], initial["bias"]]),
            evaluate_fn=evaluate, on_fit_config_fn=lambda r: {"server-round": r},
            fit_metrics_aggregation_fn=fit_metrics)
        return server.ServerAppComponents(strategy=strategy, config=server.ServerConfig(num_rounds=cfg.rounds))

    return server.ServerApp(server_fn=server_fn)


@functools.lru_cache(maxsize=4)
def _client_data(cfg: SimulationConfig, f: int, atk: Attack | None
                 ) -> tuple[Federation, tuple[tuple[np.ndarray, np.ndarray], ...]]:
    """Per Ray actor: the federation and each client's (possibly poisoned) local data, built once."""
    fed = federation_data(cfg, f)
    local = []
    for k, idx in enumerate(fed.parts):
        x, y = fed.x_train[idx], fed.y_train[idx]
        if atk is not None and k in fed.byzantine:
            x, y = atk.poison_data(x, y, client_rng(cfg.seed, k))
        local.append((x, y))
    return fed, tuple(local)


def _client_fn(cfg: SimulationConfig, atk: Attack | None, f: int, context: Any) -> Any:
    from mlsecure.federated.flower import CLIENT_KEY

    client_mod = require("flwr.client", "fl")
    k = int(context.node_config["partition-id"])
    fed, local = _client_data(cfg, f, atk)
    x, y = local[k]
    layout = _layout(fed)
    hostile = atk if k in fed.byzantine else None
    base: Any = client_mod.NumPyClient

    class SimulatedClient(base):  # type: ignore[misc]  # the base is Any: flwr is imported lazily
        def fit(self, parameters: list[np.ndarray], config: dict[str, Any]
                ) -> tuple[list[np.ndarray], int, dict[str, Any]]:
            rnd = int(config["server-round"])
            w = np.concatenate([parameters[0].ravel(), parameters[1]])
            rng = client_rng(cfg.seed, k, rnd)
            trained = local_train(w, x, y, layout=layout, n_classes=fed.n_classes, cfg=cfg, rng=rng)
            if hostile is not None:
                trained = w + poison_own(hostile, trained - w, n_clients=cfg.n_clients, rng=rng)
            out = layout.unflatten(trained)
            return [out["weight"], out["bias"]], len(y), {CLIENT_KEY: f"client-{k}"}

    return SimulatedClient().to_client()


@contextlib.contextmanager
def _quiet_flower() -> Iterator[None]:
    """Flower logs INFO lines to its own console handler and its Ray backend rewrites ``PYTHONPATH``: keep
    warnings only and restore ``PYTHONPATH`` afterwards. (Flower's telemetry is its own setting: export
    ``FLWR_TELEMETRY_ENABLED=0`` before Flower is imported to turn it off.)"""
    logger = logging.getLogger("flwr")
    level, saved = logger.level, os.environ.get("PYTHONPATH")
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
