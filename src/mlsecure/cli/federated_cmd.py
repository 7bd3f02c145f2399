"""``mlsecure federated simulate`` (aggregators under attack), ``dp-plan``, ``aggregators``, ``attacks``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mlsecure import __version__
from mlsecure.cli import exit_codes
from mlsecure.cli.common import add_output_options, emit_report, progress_bar
from mlsecure.findings import Report

ATTACK_CHOICES = ["sign-flip", "gaussian", "alie", "ipm", "label-flip", "backdoor", "none"]


def register(subparsers: Any) -> list[str]:
    from mlsecure.federated.aggregators.registry import aggregator_classes

    parser = subparsers.add_parser(
        "federated", help="federated learning security: robust aggregation under attack, client-level DP",
        description="Federated learning security (OWASP ML02/ML10; MITRE ATLAS AML.T0020, AML.T0018.000).")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=type(parser))
    sim = verbs.add_parser(
        "simulate", help="train over non-IID clients with Byzantine attackers; compare aggregators",
        description="Federated softmax regression on scikit-learn digits (Dirichlet non-IID split). f clients "
        "attack; each aggregator trains from scratch on the same split, attackers and random streams. Reports "
        "final accuracy (and backdoor success) per aggregator against a clean FedAvg run.")
    sim.add_argument("--aggregator", action="append", metavar="NAME",
                     help=f"repeatable; 'all' for every registered one ({', '.join(aggregator_classes())}); "
                     "default: fedavg, median, trimmed-mean, krum")
    sim.add_argument("--clients", type=int, default=20, help="number of clients n (default 20)")
    sim.add_argument("--byzantine", type=int, default=4, help="number of Byzantine clients f (default 4)")
    sim.add_argument("--attack", choices=ATTACK_CHOICES, default="sign-flip", help="default: sign-flip")
    sim.add_argument("--rounds", type=int, default=20, help="federated rounds (default 20)")
    sim.add_argument("--alpha", type=float, default=0.5, help="Dirichlet concentration; lower = more non-IID")
    sim.add_argument("--local-epochs", type=int, default=2, help="local epochs per round (default 2)")
    sim.add_argument("--lr", type=float, default=0.5, help="local SGD learning rate (default 0.5)")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--engine", choices=["local", "flower"], default="local",
                     help="local: this process (default); flower: every run inside Flower's simulation runtime "
                     "(Ray backend; needs mlsecure[fl,ray]), each client on its own random streams")
    sim.add_argument("--workers", type=int, default=2, help="--engine flower: Ray CPUs for the ClientApps (default 2)")
    add_output_options(sim, default_fail_on="high")
    plan = verbs.add_parser(
        "dp-plan", help="client-level DP for DP-FedAvg: noise for a target epsilon, or epsilon for a noise",
        description="Poisson client sampling at q = clients-per-round / total-clients, R rounds of the Gaussian "
        "mechanism on clipped client updates, accounted by dp-accounting (user-level neighbouring).")
    plan.add_argument("--total-clients", type=int, required=True, help="population N")
    plan.add_argument("--clients-per-round", type=int, required=True, help="expected clients per round qN")
    plan.add_argument("--rounds", type=int, required=True)
    plan.add_argument("--delta", type=float, help="default: below 1/N")
    which = plan.add_mutually_exclusive_group(required=True)
    which.add_argument("--target-epsilon", type=float, help="find the smallest noise multiplier z for this epsilon")
    which.add_argument("--noise-multiplier", type=float, help="compute the epsilon this z spends")
    plan.add_argument("--accountant", choices=["pld", "rdp"], default="pld")
    plan.add_argument("--format", choices=["text", "json"], default="text")
    flower = verbs.add_parser(
        "flower", help="run the robust aggregator inside a real Flower deployment on 127.0.0.1",
        description="Starts a Flower SuperLink and one SuperNode per client as separate processes on 127.0.0.1 "
        "(insecure transport: loopback only), submits mlsecure's ServerApp/ClientApp with `flwr run`: each "
        "client signs the weights it sends with its own Ed25519 key; the server verifies them before the robust "
        "aggregator runs. Needs Flower's deployment extras (see docs/federated-learning.md).")
    flower.add_argument("--aggregator", help="a registered aggregator (default median; dp-fedavg with --dp-clip)")
    flower.add_argument("--clients", type=int, default=3, help="SuperNodes to start (default 3)")
    flower.add_argument("--byzantine", type=int, default=0, help="f the aggregator is configured for")
    flower.add_argument("--rounds", type=int, default=2)
    flower.add_argument("--tamper", type=int, action="append", default=[], metavar="CLIENT",
                        help="partition id whose update is altered after signing (repeatable)")
    flower.add_argument("--sign-flip", type=int, action="append", default=[], metavar="CLIENT",
                        help="partition id that is compromised: it signs a scaled sign-flipped update")
    flower.add_argument("--seed", type=int, default=0)
    flower.add_argument("--timeout", type=float, default=300.0, help="seconds for the whole run (default 300)")
    flower.add_argument("--dp-clip", type=float, metavar="S",
                        help="client-level DP-FedAvg: each client clips its update to L2 norm S, the server adds "
                        "Gaussian noise (std z*S on the sum); reports the epsilon spent (dp-accounting)")
    flower.add_argument("--dp-noise", type=float, default=1.0, metavar="Z", help="noise multiplier z (default 1.0)")
    flower.add_argument("--dp-delta", type=float, default=1e-5, help="delta for the reported epsilon (default 1e-5)")
    add_output_options(flower, default_fail_on="high")
    verbs.add_parser("aggregators", help="list the registered aggregators")
    verbs.add_parser("attacks", help="list the attack simulators")
    parser.set_defaults(federated_parser=parser)
    return ["federated"]


def run(args: argparse.Namespace) -> int:
    match args.verb:
        case "simulate":
            return _simulate(args)
        case "dp-plan":
            return _dp_plan(args)
        case "flower":
            return _flower(args)
        case "aggregators":
            return _aggregators()
        case "attacks":
            return _attacks()
        case _:
            args.federated_parser.print_help(sys.stderr)
            return exit_codes.ERROR


def _simulate(args: argparse.Namespace) -> int:
    from mlsecure.federated.aggregators.registry import aggregator_classes
    from mlsecure.federated.evidence import simulation_figures, simulation_findings, simulation_metrics, summary
    from mlsecure.federated.simulation import SimulationConfig, simulate

    names = args.aggregator or ["fedavg", "median", "trimmed-mean", "krum"]
    if "all" in names:
        names = list(aggregator_classes())
    attack = None if args.attack == "none" else args.attack
    config = SimulationConfig(n_clients=args.clients, n_byzantine=args.byzantine if attack else 0,
                              rounds=args.rounds, alpha=args.alpha, local_epochs=args.local_epochs,
                              learning_rate=args.lr, seed=args.seed, client_streams=args.engine == "flower")
    with progress_bar() as progress:
        if args.engine == "flower":
            from mlsecure.federated.flower_simulation import simulate_with_flower

            result = simulate_with_flower(aggregators=list(dict.fromkeys(names)), attack=attack, config=config,
                                          workers=args.workers, progress=progress)
        else:
            result = simulate(aggregators=list(dict.fromkeys(names)), attack=attack, config=config,
                              progress=progress)
    _print_table(result)
    where = " in Flower's simulation" if args.engine == "flower" else ""
    report = Report(target=f"federated simulation{where}: digits, {config.n_clients} clients, "
                           f"{config.n_byzantine} x {attack or 'no attack'}, {config.rounds} rounds",
                    tool_version=__version__)
    report.extend(simulation_findings(result))
    report.metrics["federated-simulation"] = simulation_metrics(result)
    report.figures.update(simulation_figures(result))
    report.checks_run.append("federated-simulation")
    for name, reason in result.skipped:
        from mlsecure.findings import Skipped

        report.skipped.append(Skipped(f"aggregator {name}", reason))
    print(f"mlsecure: {summary(result)}", file=sys.stderr)
    return emit_report(report, args)


def _flower(args: argparse.Namespace) -> int:
    from mlsecure.federated.deployment import DeploymentDP, run_deployment
    from mlsecure.findings import Finding, Location, Severity

    behaviours = dict.fromkeys(args.tamper, "tamper") | dict.fromkeys(args.sign_flip, "sign-flip")
    dp = (DeploymentDP(clip_norm=args.dp_clip, noise_multiplier=args.dp_noise, delta=args.dp_delta)
          if args.dp_clip is not None else None)
    aggregator = args.aggregator or ("dp-fedavg" if dp else "median")
    res = run_deployment(clients=args.clients, rounds=args.rounds, aggregator=aggregator,
                         byzantine=args.byzantine, behaviours=behaviours, seed=args.seed, timeout=args.timeout, dp=dp)
    for r, (acc, n) in enumerate(zip(res.accuracy, res.accepted, strict=False), start=1):
        spent = f", epsilon spent {res.epsilon[r - 1]:.3f} at delta {res.delta:g}" if res.epsilon else ""
        print(f"round {r}: {n}/{args.clients} signed updates accepted, test accuracy {acc:.1%}{spent}",
              file=sys.stderr)
    report = Report(target=f"Flower deployment: {args.clients} SuperNodes on 127.0.0.1, {res.aggregator}, "
                           f"{res.rounds} rounds", tool_version=__version__)
    for rej in res.rejections:
        report.findings.append(Finding(
            id="FL-010", title="federated update rejected: authentication failed", severity=Severity.HIGH,
            owasp="ML10", atlas=("AML.T0020",), location=Location(endpoint=str(rej["client"])),
            evidence={"client": rej["client"], "round": rej["round"], "reason": rej["reason"]},
            remediation="Investigate the client and the path between it and the SuperLink; re-enrol its key.",
            check="federated-flower"))
    report.metrics["federated-flower"] = {"aggregator": res.aggregator, "rounds": res.rounds,
                                          "accuracy": list(res.accuracy), "accepted": list(res.accepted)}
    if dp is not None:
        report.metrics["federated-flower"] |= {
            "dp": {"clip_norm": dp.clip_norm, "noise_multiplier": dp.noise_multiplier, "delta": dp.delta,
                   "sample_rate": 1.0, "accountant": "pld", "epsilon_per_round": list(res.epsilon),
                   "neighbouring": "add or remove one client (user-level)",
                   "max_update_norm_received": max((n for r in res.received_norms for n in r), default=0.0)}}
    report.checks_run.append("federated-flower")
    return emit_report(report, args)


def _print_table(result: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    backdoor = result.clean_attack_success is not None
    table = Table(title=f"accuracy after {result.config.rounds} rounds "
                        f"(clean FedAvg: {result.clean_accuracy:.1%})")
    table.add_column("aggregator")
    table.add_column("accuracy", justify="right")
    table.add_column("lost (points)", justify="right")
    if backdoor:
        table.add_column("backdoor success", justify="right")
    for r in result.runs:
        row = [r.name, f"{r.final_accuracy:.1%}", f"{100 * (result.clean_accuracy - r.final_accuracy):+.1f}"]
        if backdoor:
            row.append(f"{r.final_attack_success:.1%}")
        table.add_row(*row)
    for name, reason in result.skipped:
        table.add_row(name, "skipped", reason, *([""] if backdoor else []))
    Console(stderr=True).print(table)


def _dp_plan(args: argparse.Namespace) -> int:
    from mlsecure.federated.client_dp import federated_epsilon, plan_noise
    from mlsecure.privacy.dp.accounting import default_delta

    delta = args.delta if args.delta is not None else default_delta(args.total_clients)
    if args.target_epsilon is not None:
        res = plan_noise(target_epsilon=args.target_epsilon, delta=delta, clients_per_round=args.clients_per_round,
                         total_clients=args.total_clients, rounds=args.rounds, accountant=args.accountant)
    else:
        if not 1 <= args.clients_per_round <= args.total_clients:
            from mlsecure.errors import InputError

            raise InputError("--clients-per-round must be between 1 and --total-clients")
        res = federated_epsilon(noise_multiplier=args.noise_multiplier,
                                sample_rate=args.clients_per_round / args.total_clients, rounds=args.rounds,
                                delta=delta, accountant=args.accountant, cross_check=True)
    if args.format == "json":
        sys.stdout.write(json.dumps(res.to_dict(), indent=2) + "\n")
    else:
        print(f"noise multiplier z = {res.noise_multiplier:.4g} -> client-level epsilon = {res.epsilon:.3f} at "
              f"delta = {res.delta:g} ({res.accountant.upper()}; q = {res.sample_rate:.4g}, {res.rounds} rounds)")
        if res.cross_check is not None:
            print(f"cross-check ({'RDP' if res.accountant == 'pld' else 'PLD'}): epsilon = {res.cross_check:.3f}")
        print(f"server noise: std z*C on the sum of clipped updates (C = your clip norm), "
              f"divided by {args.clients_per_round} for the average")
    return exit_codes.OK


def _aggregators() -> int:
    from mlsecure.federated.aggregators.registry import aggregator_classes

    for name, cls in aggregator_classes().items():
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        print(f"{name:<18} {doc.replace('``', '')}")  # docstring markup is not for the terminal
    return exit_codes.OK


def _attacks() -> int:
    from mlsecure.federated.attacks import ATTACKS

    for name, cls in ATTACKS.items():
        print(f"{name:<11} {cls.owasp}  {','.join(cls.atlas):<32} {cls.description}")
    return exit_codes.OK
