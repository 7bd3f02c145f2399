"""mlsecure's robust aggregation and signed updates inside a real Flower deployment.

``server_app`` and ``client_app`` are Flower apps (legacy ``server_fn`` / ``client_fn`` style, so the
``flwr.server.strategy`` wrapper in :mod:`mlsecure.federated.flower` runs unchanged): each SuperNode
trains softmax regression on its Dirichlet share of scikit-learn digits (the same data and model as
``federated simulate``), signs the weights it sends with its own Ed25519 key (``--node-config
signing-key=PATH``), and the ServerApp verifies every update against the enrolled public keys before
the robust aggregator sees it. ``run_deployment`` starts a SuperLink and N SuperNodes as separate
processes on 127.0.0.1 (insecure transport: loopback only), submits the app with ``flwr run``, and
reads back the per-round accuracy and the rejections the ServerApp wrote.

Node config keys: ``partition-id``, ``num-partitions``, ``signing-key`` (PEM path), optional
``behaviour`` = ``honest`` | ``sign-flip`` (a compromised client: it signs its poison) | ``tamper`` (the
update is altered after signing, as a man in the middle would).

Client-level DP (``dp=DeploymentDP(...)``): DP-FedAvg (:mod:`mlsecure.federated.client_dp`) split as
Flower's "client-side fixed clipping" is. Each client clips its update ``Δ = w_k - w`` to L2 norm ``S``
before it signs and sends ``w + Δ``, and reports the norm it had before clipping; the server clips again
(a client that skips clipping gains nothing), adds ``N(0, z² S² I)`` to the sum and divides by the number of
clients. Every client takes part in every round (no sampling, ``q = 1``: no amplification is claimed),
so ``R`` rounds are ``R`` Gaussian mechanisms with noise multiplier ``z``; the ServerApp reports the
epsilon spent after each round from dp-accounting (PLD). DP replaces the robust rule (a median or Krum
has no per-client sensitivity bound to account): the aggregator is ``dp-fedavg``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlsecure.errors import ConfigError, InputError, MLSecureError, require
from mlsecure.federated.aggregators.interface import AggregationResult
from mlsecure.federated.client_dp import DPFedAvg

APP_MODULE = "mlsecure.federated.deployment"
NORM_KEY = "mlsecure-update-norm"  # the L2 norm of a client's update before it clipped it (DP runs)


@dataclass(frozen=True)
class DeploymentDP:
    """Client-level DP-FedAvg: clip norm ``S``, noise multiplier ``z``, and the ``delta`` epsilon is reported at."""

    clip_norm: float
    noise_multiplier: float
    delta: float

    def __post_init__(self) -> None:
        if not self.clip_norm > 0 or not self.noise_multiplier > 0 or not 0 < self.delta < 1:
            raise ConfigError(f"DP needs a positive clip norm and noise multiplier and delta in (0, 1); got "
                              f"S={self.clip_norm}, z={self.noise_multiplier}, delta={self.delta}")


@dataclass(frozen=True)
class DeploymentResult:
    """What the ServerApp recorded: accuracy after each round and the rejected updates; with DP also the
    epsilon spent after each round, the update norms the clients reported before clipping and the norms of
    the updates the server received (per round, in client order)."""

    aggregator: str
    rounds: int
    accuracy: tuple[float, ...]
    rejections: tuple[dict[str, Any], ...]
    accepted: tuple[int, ...]
    epsilon: tuple[float, ...] = ()
    delta: float | None = None
    reported_norms: tuple[tuple[float, ...], ...] = ()
    received_norms: tuple[tuple[float, ...], ...] = ()

    @property
    def final_accuracy(self) -> float:
        return self.accuracy[-1]


def _data(seed: int, n_partitions: int, alpha: float) -> tuple[list[tuple[np.ndarray, np.ndarray]],
                                                                np.ndarray, np.ndarray]:
    from mlsecure.data import load_builtin
    from mlsecure.federated.simulation import dirichlet_partition

    data = load_builtin("digits")
    if data.y is None:  # pragma: no cover - the built-in set is labelled
        raise InputError("digits has no labels")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(data))
    cut = int(0.7 * len(order))
    x, y = data.x[order[:cut]].astype(np.float64), data.y[order[:cut]]
    parts = dirichlet_partition(y, n_clients=n_partitions, alpha=alpha, rng=rng)
    return [(x[p], y[p]) for p in parts], data.x[order[cut:]].astype(np.float64), data.y[order[cut:]]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _train(weight: np.ndarray, bias: np.ndarray, x: np.ndarray, y: np.ndarray, *, epochs: int, lr: float,
           rng: np.random.Generator, batch: int = 16) -> tuple[np.ndarray, np.ndarray]:
    weight, bias = weight.copy(), bias.copy()
    onehot = np.eye(bias.shape[0])[y]
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            b = order[start:start + batch]
            grad = (_softmax(x[b] @ weight + bias) - onehot[b]) / len(b)
            weight -= lr * (x[b].T @ grad)
            bias -= lr * grad.sum(axis=0)
    return weight, bias


def clip_update(base: list[np.ndarray], trained: list[np.ndarray], clip_norm: float
                ) -> tuple[list[np.ndarray], float]:
    """``base + π(Δ, S)`` for ``Δ = trained - base`` (``π(Δ, S) = Δ · min(1, S / ||Δ||₂)`` over all arrays)
    and ``||Δ||₂`` before clipping."""
    deltas = [t - b for t, b in zip(trained, base, strict=True)]
    norm = float(np.sqrt(sum(float(np.sum(d * d)) for d in deltas)))
    scale = min(1.0, clip_norm / norm) if norm > 0 else 1.0
    return [b + scale * d for b, d in zip(base, deltas, strict=True)], norm


class _RecordingDPFedAvg(DPFedAvg):
    """DP-FedAvg that keeps the L2 norm of every update it received (the server's view of the clipping)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.received: list[list[float]] = []

    def _aggregate(self, x: np.ndarray, w: np.ndarray) -> AggregationResult:
        self.received.append(np.linalg.norm(x, axis=1).tolist())
        return super()._aggregate(x, w)


def _client_fn(context: Any) -> Any:
    from mlsecure.federated.flower import CLIENT_KEY, ROUND_KEY, SIGNATURE_KEY, signed_arrays
    from mlsecure.federated.signing import sign_update
    from mlsecure.keyfiles import load_ed25519_private_key

    client_mod = require("flwr.client", "fl")
    node, run = context.node_config, context.run_config
    pid, n_parts = int(node["partition-id"]), int(node["num-partitions"])
    behaviour = str(node.get("behaviour", "honest"))
    key = load_ed25519_private_key(Path(str(node["signing-key"])), what="the client's signing key")
    parts, _, _ = _data(int(run["seed"]), n_parts, float(run["alpha"]))
    x, y = parts[pid]
    client_id = f"client-{pid}"
    clip = float(run.get("dp-clip", 0.0))

    signing_key = key
    base: Any = client_mod.NumPyClient

    class DigitsClient(base):  # type: ignore[misc]  # the base is Any: flwr is imported lazily
        def fit(self, parameters: list[np.ndarray], config: dict[str, Any]
                ) -> tuple[list[np.ndarray], int, dict[str, Any]]:
            rnd = int(config["server-round"])
            rng = np.random.default_rng(int(run["seed"]) * 1000 + rnd * 100 + pid)
            w, b = _train(parameters[0], parameters[1], x, y, epochs=int(run["local-epochs"]),
                          lr=float(run["lr"]), rng=rng)
            metrics: dict[str, Any] = {}
            if behaviour == "sign-flip":
                w, b = parameters[0] - 10 * (w - parameters[0]), parameters[1] - 10 * (b - parameters[1])
            elif clip > 0:
                (w, b), metrics[NORM_KEY] = clip_update(parameters, [w, b], clip)
            out = [w, b]
            signed = sign_update(signing_key, signed_arrays(out), client=client_id, round_number=rnd)
            if behaviour == "tamper":
                out = [w + 0.5, b]
            return out, len(y), {CLIENT_KEY: client_id, ROUND_KEY: rnd, SIGNATURE_KEY: signed.signature, **metrics}

    return DigitsClient().to_client()


def _server_fn(context: Any) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from mlsecure.federated.aggregators.interface import Aggregator
    from mlsecure.federated.aggregators.registry import build_aggregator
    from mlsecure.federated.client_dp import federated_epsilon
    from mlsecure.federated.flower import robust_strategy
    from mlsecure.federated.signing import UpdateVerifier

    server = require("flwr.server", "fl")
    common = require("flwr.common", "fl")
    run = context.run_config
    rounds, n_clients = int(run["rounds"]), int(run["clients"])
    enrolled = json.loads(Path(str(run["enrolled-keys"])).read_text())
    verifier = UpdateVerifier({cid: Ed25519PublicKey.from_public_bytes(bytes.fromhex(hexkey))
                               for cid, hexkey in enrolled.items()})
    clip, noise = float(run.get("dp-clip", 0.0)), float(run.get("dp-noise", 0.0))
    delta = float(run.get("dp-delta", 0.0))
    dp = _RecordingDPFedAvg(clip_norm=clip, noise_multiplier=noise, expected_clients=n_clients,
                            seed=int(run["seed"])) if clip > 0 else None
    aggregator: Aggregator = dp if dp is not None else build_aggregator(str(run["aggregator"]), f=int(run["byzantine"]))
    _, x_test, y_test = _data(int(run["seed"]), n_clients, float(run["alpha"]))
    out = Path(str(run["result-path"]))
    record: dict[str, Any] = {"aggregator": aggregator.name, "rounds": rounds, "accuracy": [], "accepted": [],
                              "epsilon": [], "reported_norms": [], "received_norms": []}
    holder: dict[str, Any] = {}

    def evaluate(server_round: int, parameters: list[np.ndarray], _config: dict[str, Any]
                 ) -> tuple[float, dict[str, Any]]:
        acc = float(np.mean(np.argmax(x_test @ parameters[0] + parameters[1], axis=1) == y_test))
        if server_round > 0:
            record["accuracy"].append(acc)
            strat = holder["strategy"]
            record["rejections"] = [{"client": r.client, "round": r.round, "reason": r.reason}
                                    for r in strat.rejections]
            if dp is not None:
                # q = 1: every client in every round; epsilon after server_round Gaussian mechanisms (PLD)
                record["epsilon"].append(federated_epsilon(noise_multiplier=noise, sample_rate=1.0,
                                                           rounds=server_round, delta=delta).epsilon)
                record["received_norms"] = dp.received
            tmp = out.with_suffix(".tmp")
            tmp.write_text(json.dumps(record))
            tmp.replace(out)
        return 0.0, {"accuracy": acc}

    def fit_metrics(metrics: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
        record["accepted"].append(len(metrics))
        record["reported_norms"].append([float(m[NORM_KEY]) for _, m in metrics if NORM_KEY in m])
        return {}

    d_in, n_classes = x_test.shape[1], 10
    initial = common.ndarrays_to_parameters([np.zeros((d_in, n_classes)), np.zeros(n_classes)])
    strategy = robust_strategy(aggregator, verifier=verifier, fraction_fit=1.0, fraction_evaluate=0.0,
                               min_fit_clients=n_clients, min_available_clients=n_clients,
                               min_evaluate_clients=0, initial_parameters=initial, evaluate_fn=evaluate,
                               on_fit_config_fn=lambda r: {"server-round": r},
                               fit_metrics_aggregation_fn=fit_metrics)
    holder["strategy"] = strategy
    return server.ServerAppComponents(strategy=strategy, config=server.ServerConfig(num_rounds=rounds))


def make_server_app() -> Any:
    """The Flower ``ServerApp`` (verify signatures, aggregate robustly, record accuracy)."""
    return require("flwr.server", "fl").ServerApp(server_fn=_server_fn)


def make_client_app() -> Any:
    """The Flower ``ClientApp`` (train on this node's share, sign the weights sent)."""
    return require("flwr.client", "fl").ClientApp(client_fn=_client_fn)


class DeploymentError(MLSecureError):
    """The Flower deployment did not complete (a process failed or the run timed out)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, deadline: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DeploymentError(f"flower-superlink exited with {proc.returncode}: "
                                  f"{log.read_text(errors='replace')[-600:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise DeploymentError(f"flower-superlink did not listen on 127.0.0.1:{port} in time")


def _kill_detached(ports: list[int]) -> None:
    """The SuperLink starts SuperExec and the ServerApp in their own sessions: end those of this run.

    They are found by this run's SuperLink and SuperNode addresses on their command line (Linux
    ``/proc``); nothing else is touched."""
    if not ports or not Path("/proc").is_dir():
        return
    needles = [f"127.0.0.1:{port}".encode() for port in ports]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(n in a for a in argv for n in needles) and any(b"flwr" in a or b"flower" in a for a in argv[:2]):
            with contextlib.suppress(OSError):
                os.kill(int(entry.name), 9)


def _write_keys(folder: Path, n: int) -> dict[str, str]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    enrolled = {}
    for i in range(n):
        key = Ed25519PrivateKey.generate()
        path = folder / f"client-{i}.pem"
        path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        path.chmod(0o600)
        enrolled[f"client-{i}"] = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    (folder / "enrolled.json").write_text(json.dumps(enrolled))
    return enrolled


def _bin(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise DeploymentError(f"{name} not found: install Flower (pip install \"mlsecure[fl]\")")
    return found


def run_deployment(*, clients: int = 4, rounds: int = 3, aggregator: str = "krum", byzantine: int = 0,
                   behaviours: dict[int, str] | None = None, seed: int = 0, alpha: float = 0.5,
                   local_epochs: int = 1, lr: float = 0.5, timeout: float = 240.0,
                   dp: DeploymentDP | None = None) -> DeploymentResult:
    """SuperLink + ``clients`` SuperNodes as processes on 127.0.0.1, one ``flwr run``; the ServerApp's record.

    With ``dp`` the clients clip and the server aggregates with DP-FedAvg (``aggregator`` must be
    ``dp-fedavg``); the result carries the epsilon spent."""
    require("flwr.server", "fl")
    if (dp is not None) != (aggregator == DPFedAvg.name):
        raise ConfigError(f"aggregator {DPFedAvg.name!r} goes with DP settings (clip norm, noise multiplier, "
                          f"delta) and DP with that aggregator only; got aggregator {aggregator!r}"
                          f"{' with' if dp else ' without'} DP")
    behaviours = behaviours or {}
    work = Path(tempfile.mkdtemp(prefix="mlsecure-flower-"))
    procs: list[subprocess.Popen[bytes]] = []
    env = dict(os.environ, FLWR_HOME=str(work / "home"), FLWR_DISABLE_UPDATE_CHECK="1",
               PATH=os.pathsep.join([str(Path(_bin("flwr")).parent), os.environ.get("PATH", "")]),
               PYTHONPATH=os.pathsep.join(p for p in [str(Path(__file__).resolve().parents[2]),
                                                      os.environ.get("PYTHONPATH", "")] if p))
    ports: list[int] = []
    try:
        _write_keys(work, clients)
        app = work / "app"
        app.mkdir()
        (app / "mlsecure_flower_app.py").write_text(
            f'"""Entry points for Flower: mlsecure\'s apps."""\n'
            f"from {APP_MODULE} import make_client_app, make_server_app\n\n"
            "server_app = make_server_app()\nclient_app = make_client_app()\n")
        result_path = work / "result.json"
        (app / "pyproject.toml").write_text(_APP_TOML.format(
            rounds=rounds, clients=clients, aggregator=aggregator, byzantine=byzantine, seed=seed, alpha=alpha,
            epochs=local_epochs, lr=lr, keys=json.dumps(str(work / "enrolled.json")),
            result=json.dumps(str(result_path)), dp_clip=dp.clip_norm if dp else 0.0,
            dp_noise=dp.noise_multiplier if dp else 0.0, dp_delta=dp.delta if dp else 0.0))
        link_port = _free_port()
        ports.append(link_port)
        (work / "home").mkdir()
        (work / "home" / "config.toml").write_text(
            f'[superlink]\ndefault = "deploy"\n\n[superlink.deploy]\naddress = "127.0.0.1:{link_port}"\n'
            "insecure = true\n")
        logs = work / "logs"
        logs.mkdir()

        def start(name: str, argv: list[str]) -> None:
            with (logs / f"{name}.log").open("wb") as log:
                procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work))

        start("superlink", [_bin("flower-superlink"), "--insecure", "--host", "127.0.0.1", "--port",
                            str(link_port), "--database", str(work / "state.db"),
                            "--disable-runtime-dependency-installation"])
        for i in range(clients):
            cfg = (f'partition-id={i} num-partitions={clients} signing-key="{work / f"client-{i}.pem"}" '
                   f'behaviour="{behaviours.get(i, "honest")}"')
            ports.append(_free_port())
            start(f"supernode-{i}", [_bin("flower-supernode"), "--insecure", "--superlink",
                                     f"127.0.0.1:{link_port}", "--port", str(ports[-1]),
                                     "--node-config", cfg])
        deadline = time.monotonic() + timeout
        _wait_for_port(link_port, deadline, procs[0], logs / "superlink.log")
        start("flwr-run", [_bin("flwr"), "run", str(app), "deploy", "--stream"])
        while time.monotonic() < deadline:
            if result_path.exists():
                record = json.loads(result_path.read_text())
                if len(record["accuracy"]) >= rounds:
                    # let the ServerApp report the end of the run before the SuperLink stops
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        procs[-1].wait(timeout=max(1.0, min(60.0, deadline - time.monotonic())))
                    return DeploymentResult(
                        aggregator=record["aggregator"], rounds=rounds, accuracy=tuple(record["accuracy"]),
                        rejections=tuple(record.get("rejections", [])), accepted=tuple(record["accepted"]),
                        epsilon=tuple(record["epsilon"]), delta=dp.delta if dp else None,
                        reported_norms=tuple(tuple(r) for r in record["reported_norms"]),
                        received_norms=tuple(tuple(r) for r in record["received_norms"]))
            dead = [p for p in procs[:-1] if p.poll() is not None]
            if dead or (procs[-1].poll() not in (None, 0)):
                break
            time.sleep(0.5)
        tail = (logs / "flwr-run.log").read_text(errors="replace").strip()[-600:]
        raise DeploymentError(f"the Flower run did not finish {rounds} rounds in {timeout:.0f} s "
                              f"(set MLSECURE_KEEP_FLOWER_LOGS=1 to keep {logs}): {tail}")
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        _kill_detached(ports)
        if not os.environ.get("MLSECURE_KEEP_FLOWER_LOGS"):
            shutil.rmtree(work, ignore_errors=True)


_APP_TOML = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "mlsecure-flower-app"
version = "1.0.0"
dependencies = []

[tool.hatch.build.targets.wheel]
packages = ["."]

[tool.flwr.app]
publisher = "mlsecure"

[tool.flwr.app.components]
serverapp = "mlsecure_flower_app:server_app"
clientapp = "mlsecure_flower_app:client_app"

[tool.flwr.app.config]
rounds = {rounds}
clients = {clients}
aggregator = "{aggregator}"
byzantine = {byzantine}
seed = {seed}
alpha = {alpha}
local-epochs = {epochs}
lr = {lr}
enrolled-keys = {keys}
result-path = {result}
dp-clip = {dp_clip!r}
dp-noise = {dp_noise!r}
dp-delta = {dp_delta!r}
"""
