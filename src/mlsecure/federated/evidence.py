"""A simulation's results in the project's vocabulary: ``Finding``s, metrics and ``Figure``s.

- ``FL-001`` an aggregator lost at least ``LOSS_POINTS`` points of test accuracy to the attack
  (high from 20 points, medium from 10, low below);
- ``FL-002`` a backdoor got through an aggregator (triggered inputs classified as the target at least
  ``BACKDOOR_RATE`` of the time; high);
- ``FL-003`` an aggregator held up (info), so the report says what to switch to.

OWASP and ATLAS ids come from the attack (model poisoning ML10 / AML.T0018.000 for update attacks,
data poisoning ML02 / AML.T0020 for label flipping, AML.T0043.004 for backdoor triggers).
"""

from __future__ import annotations

from typing import Any

from mlsecure.federated.attacks import ATTACKS, Attack
from mlsecure.federated.simulation import AggregatorRun, SimulationResult
from mlsecure.findings import Figure, Finding, Series, Severity

LOSS_POINTS = 5.0
BACKDOOR_RATE = 0.5
CHECK = "federated-simulation"


def simulation_findings(result: SimulationResult) -> list[Finding]:
    """One finding per aggregator: FL-001 / FL-002 when the attack worked, FL-003 when it did not."""
    attack_cls = _attack_class(result.attack)
    owasp = attack_cls.owasp if attack_cls else "ML10"
    atlas = attack_cls.atlas if attack_cls else ("AML.T0018.000",)
    cfg = result.config
    who = f"{cfg.n_byzantine} {result.attack} client{'s' if cfg.n_byzantine != 1 else ''} of {cfg.n_clients}"
    robust = [r.name for r in result.runs if _held(result, r)]
    remedy = ("Aggregate with a rule that held up here (" + ", ".join(robust) + ") configured for the number of "
              "clients you cannot trust; " if robust else "No aggregator held up: lower the Byzantine share, ")
    remedy += ("authenticate clients with signed updates, bound update norms and monitor per-client update "
               "statistics. Simulation on digits; validate on your own model and data.")
    out: list[Finding] = []
    for run in result.runs:
        loss = 100.0 * (result.clean_accuracy - run.final_accuracy)
        evidence: dict[str, Any] = {
            "aggregator": run.name, "attack": result.attack, "n_clients": cfg.n_clients,
            "n_byzantine": cfg.n_byzantine, "rounds": cfg.rounds, "dirichlet_alpha": cfg.alpha,
            "clean_accuracy": round(result.clean_accuracy, 4), "final_accuracy": round(run.final_accuracy, 4),
            "accuracy_loss_points": round(loss, 2),
        }
        asr = run.final_attack_success
        if asr is not None:
            evidence["attack_success_rate"] = round(asr, 4)
            evidence["clean_trigger_rate"] = result.clean_attack_success
        if loss >= LOSS_POINTS:
            sev = Severity.HIGH if loss >= 20 else Severity.MEDIUM if loss >= 10 else Severity.LOW
            out.append(Finding(
                id="FL-001", title=f"{_pretty(run.name)} lost {loss:.1f} points of accuracy to {who}",
                severity=sev, owasp=owasp, atlas=atlas, evidence=evidence, remediation=remedy, check=CHECK,
                description=f"Test accuracy fell from {result.clean_accuracy:.1%} (no attacker) to "
                            f"{run.final_accuracy:.1%} after {cfg.rounds} rounds."))
        if asr is not None and asr >= BACKDOOR_RATE:
            out.append(Finding(
                id="FL-002", title=f"Backdoor implanted through {_pretty(run.name)}: {asr:.0%} of triggered "
                                   f"inputs take the attacker's class", severity=Severity.HIGH, owasp="ML10",
                atlas=atlas, evidence=evidence, remediation=remedy, check=CHECK,
                description="Triggered test inputs of other classes were classified as the target class."))
        if _held(result, run):
            out.append(Finding(
                id="FL-003", title=f"{_pretty(run.name)} kept its accuracy under {who} "
                                   f"({run.final_accuracy:.1%} vs {result.clean_accuracy:.1%} clean)",
                severity=Severity.INFO, owasp=owasp, atlas=atlas, evidence=evidence, check=CHECK))
    return out


def simulation_metrics(result: SimulationResult) -> dict[str, Any]:
    cfg = result.config
    return {
        "attack": result.attack, "n_clients": cfg.n_clients, "n_byzantine": cfg.n_byzantine, "rounds": cfg.rounds,
        "dirichlet_alpha": cfg.alpha, "seed": cfg.seed, "clean_accuracy": result.clean_accuracy,
        "final_accuracy": {r.name: r.final_accuracy for r in result.runs},
        **({"attack_success_rate": {r.name: r.final_attack_success for r in result.runs}}
           if result.clean_attack_success is not None else {}),
        "skipped": dict(result.skipped),
    }


def simulation_figures(result: SimulationResult) -> dict[str, Figure]:
    """Accuracy per round per aggregator (and backdoor success per round when measured)."""
    rounds = tuple(float(r) for r in range(1, result.config.rounds + 1))
    label = f"{result.config.n_byzantine} {result.attack} clients of {result.config.n_clients}"
    figs = {"federated-accuracy": Figure(
        title=f"Test accuracy per round ({label})", x_label="round", y_label="test accuracy",
        series=tuple(Series(_pretty(r.name), rounds, r.accuracy) for r in result.runs))}
    if result.clean_attack_success is not None:
        figs["federated-attack-success"] = Figure(
            title=f"Backdoor success per round ({label})", x_label="round", y_label="attack success rate",
            series=tuple(Series(_pretty(r.name), rounds, r.attack_success) for r in result.runs))
    return figs


def summary(result: SimulationResult) -> str:
    """One sentence: the worst aggregator's loss and who kept the accuracy."""
    if not result.runs:
        return "no aggregator could run"
    worst = min(result.runs, key=lambda r: r.final_accuracy)
    held = [_pretty(r.name) for r in result.runs if _held(result, r)]
    loss = 100.0 * (result.clean_accuracy - worst.final_accuracy)
    cfg = result.config
    text = f"{_pretty(worst.name)} lost {loss:.1f} points of accuracy to {cfg.n_byzantine} {result.attack} clients"
    through = [r for r in result.runs if (r.final_attack_success or 0.0) >= BACKDOOR_RATE]
    if through:
        text = (f"the backdoor of {cfg.n_byzantine} clients got through "
                + ", ".join(f"{_pretty(r.name)} ({r.final_attack_success:.0%})" for r in through))
    return text + (f"; {', '.join(held)} kept it" if held else "; no aggregator kept it")


def _held(result: SimulationResult, run: AggregatorRun) -> bool:
    loss = 100.0 * (result.clean_accuracy - run.final_accuracy)
    asr = run.final_attack_success
    return loss < LOSS_POINTS and (asr is None or asr < BACKDOOR_RATE)


def _attack_class(name: str | None) -> type[Attack] | None:
    return ATTACKS.get(name) if name is not None else None  # a custom attack: default ids


_PRETTY = {"fedavg": "FedAvg", "median": "Median", "trimmed-mean": "Trimmed mean", "krum": "Krum",
           "multi-krum": "Multi-Krum", "bulyan": "Bulyan", "geometric-median": "Geometric median",
           "centered-clipping": "Centered clipping", "norm-bound": "Norm bound", "dp-fedavg": "DP-FedAvg"}


def _pretty(name: str) -> str:
    return _PRETTY.get(name, name)
