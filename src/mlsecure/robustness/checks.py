"""``mlsecure scan --scan robustness``: the adversarial-robustness check (OWASP ML01).

Options (``--option key=value``): ``attacks`` (comma-separated registry names, ``fast`` (default) or
``full``), ``norm`` (``linf``/``l2``/``l1``), ``batch_size``, ``queries`` (Square's per-sample budget,
default 1000). ``--epsilon`` (repeatable) sets the budgets
in the model's input units; without it the budgets are 1%, 3% and 10% of the input range (the median
per-feature range when features are bounded separately).
``--max-samples`` caps the evaluated samples (default 500, drawn at random with ``--seed``).
``engine=ray`` (with ``engine_workers``, or ``ray_address`` for a running cluster) runs the attack calls as
shards on Ray (``robustness/shards.py``): one shard per attack, epsilon and ``shard_size`` samples; the
results equal the local engine's for the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from mlsecure.check import MAX_SAMPLES_HELP, SEED_HELP, Check, CheckResult, Requirement, ScanContext, opt
from mlsecure.errors import CheckError, ConfigError
from mlsecure.findings import Figure, Finding, Location, Series, Severity
from mlsecure.models.interface import Model
from mlsecure.robustness.attacks.ops import NORMS, Norm
from mlsecure.robustness.evaluate import FAST_ATTACKS, FULL_ATTACKS, RobustnessEvaluation, evaluate_robustness
from mlsecure.robustness.normalized import range_normalized

if TYPE_CHECKING:
    from mlsecure.engines import Engine

ATLAS = ("AML.T0043", "AML.T0015")
DEFAULT_MAX_SAMPLES = 500
DEFAULT_FRACTIONS = (0.01, 0.03, 0.1)
# A robust-accuracy interval wider than this cannot tell the severity bands apart (the medium band spans a 15% to
# 40% relative accuracy drop, 25 points): a pass whose interval also reaches a failing severity is inconclusive
# (ROB-004, high), not a pass.
MAX_CI_WIDTH = 0.25
REMEDIATION = ("Train with adversarial training (PGD-AT/TRADES) at the budget you must withstand, validate inputs "
               "at the serving boundary, and re-run this evaluation with the full attack set "
               "(--option attacks=full) after any defence; do not rely on gradient obfuscation.")


class AdversarialRobustnessCheck(Check):
    """Clean vs worst-case robust accuracy under an ensemble of evasion attacks, with validity checks."""

    name = "adversarial-robustness"
    title = "Adversarial robustness (evasion attacks)"
    group = "robustness"
    owasp = ("ML01",)
    atlas = ATLAS
    requires: ClassVar[frozenset[Requirement]] = frozenset({Requirement.MODEL, Requirement.DATA})

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        seed: int = opt(0, SEED_HELP)
        max_samples: int = opt(DEFAULT_MAX_SAMPLES, MAX_SAMPLES_HELP)
        norm: str = opt("linf", "perturbation norm: linf, l2 or l1")
        epsilon: tuple[float, ...] | None = opt(None,
                "perturbation budget(s) in input units (default: fractions of the input range)")
        attacks: str = opt("fast", "attack set: fast, all, or comma-separated attack names")
        queries: int = opt(1000, "query budget of the black-box Square attack")
        batch_size: int = opt(256, "samples per attack batch")
        shard_size: int = opt(2048, "clean-correct samples per attack call (one engine task per call)")
        engine: str = opt("local", "where the attack calls run: local, or ray (pip install 'mlsecure[ray]')")
        engine_workers: int = opt(2, "workers of the ray engine's local cluster")
        ray_address: str | None = opt(None, "address of an existing Ray cluster (implies engine=ray)")

    def run(self, ctx: ScanContext) -> CheckResult:
        model = ctx.need_model()
        data = ctx.evaluation_data()
        seed = int(ctx.option("seed", 0))
        cap = int(ctx.option("max_samples", DEFAULT_MAX_SAMPLES))
        x, y = data.x, data.y
        if y is None:  # need_data guarantees labels; kept for the type checker
            raise CheckError("this check needs labelled data")
        if len(x) > cap:
            idx = np.sort(np.random.default_rng(seed).choice(len(x), cap, replace=False))
            x, y = x[idx], y[idx]
        else:
            idx = np.arange(len(x))
        norm = _norm(str(ctx.option("norm", "linf")))
        bounds, source = _bounds(model.clip_values, data.x)
        spans = np.asarray(bounds[1], dtype=np.float64) - np.asarray(bounds[0], dtype=np.float64)
        if not np.any(spans > 0):
            raise CheckError(f"{data.source}: every feature takes a single value in the {len(data.x)} row(s) and the "
                             "model declares no clip_values, so the input bounds allow no perturbation at all; give "
                             "more rows or --clip-values MIN MAX")
        positive = spans[spans > 0]
        span = float(np.median(positive)) if positive.size else 1.0  # median feature range (tabular scales vary)
        eps_opt = ctx.option("epsilon", None)
        if eps_opt:
            epsilons = tuple(float(e) for e in (eps_opt if isinstance(eps_opt, list | tuple) else [eps_opt]))
            eps_note = "given"
        elif _heterogeneous_tabular(model, spans) and norm == "linf":
            # One raw-unit budget would overwhelm small-range features: attack min-max scaled inputs instead,
            # so each default budget is a fraction of every feature's own observed range.
            lo = np.asarray(bounds[0], dtype=np.float64)
            model = range_normalized(model, lo, spans)
            x = model.to_unit(x)
            bounds, source = (0.0, 1.0), "per-feature min/max of the data, inputs min-max scaled to [0, 1]"
            epsilons = DEFAULT_FRACTIONS
            eps_note = (f"default: {', '.join(f'{f:.0%}' for f in DEFAULT_FRACTIONS)} of each feature's range "
                        "(features on different scales: budgets are range-relative, not raw units)")
        else:
            scale = {"linf": 1.0, "l2": float(np.sqrt(np.prod(model.input_shape))) / 4, "l1": 4.0}[norm]
            epsilons = tuple(round(f * span * scale, 6) for f in DEFAULT_FRACTIONS)
            eps_note = f"default: {', '.join(f'{f:.0%}' for f in DEFAULT_FRACTIONS)} of the input range"
        attacks = _attacks(str(ctx.option("attacks", "fast")))
        settings = {"square": {"queries": int(ctx.option("queries", 1000))}}
        engine = _engine(ctx)
        try:
            ev = evaluate_robustness(model, x, y, epsilons=epsilons, norm=norm, attacks=attacks, bounds=bounds,
                                     settings=settings, bounds_source=source,
                                     batch_size=int(ctx.option("batch_size", 256)),
                                     chunk_size=ctx.int_option("shard_size", 2048), seed=seed,
                                     progress=ctx.progress, engine=engine)
        finally:
            if engine is not None:
                engine.close()
        if ev.clean_accuracy <= 0:
            raise CheckError(f"{data.source}: none of the {ev.n_samples} evaluated samples is classified correctly, so "
                             "there is nothing to attack; check that the label column holds the labels the model "
                             "predicts (--label-column)")
        findings = _findings(ev, idx)
        metrics = {"evaluated_on": data.source, **_metrics(ev, eps_note)}
        return CheckResult(findings=tuple(findings), metrics=metrics, figures={"robustness_curve": _figure(ev)})


def _engine(ctx: ScanContext) -> Engine | None:
    """The Ray engine when ``engine=ray`` or ``ray_address`` is given; ``None`` runs in this process."""
    name = str(ctx.option("engine", "local"))
    address = ctx.option("ray_address", None)
    if name == "local" and not address:
        return None
    from mlsecure.engines import get_engine

    return get_engine("ray" if address and name == "local" else name, workers=ctx.int_option("engine_workers", 2),
                      address=None if address is None else str(address))


def _heterogeneous_tabular(model: Model, spans: np.ndarray) -> bool:
    """Flat feature vectors without declared clip values whose ranges differ by more than 10x."""
    positive = spans[spans > 0]
    return (model.clip_values is None and len(model.input_shape) == 1 and positive.size > 1
            and float(positive.max()) > 10 * float(positive.min()))


def _norm(text: str) -> Norm:
    for n in NORMS:
        if text.lower() == n:
            return n
    raise ConfigError(f"--option norm={text!r}: expected one of {', '.join(NORMS)}")


def _attacks(text: str) -> tuple[str, ...]:
    if text == "fast":
        return FAST_ATTACKS
    if text in ("full", "all"):
        return FULL_ATTACKS
    return tuple(a.strip() for a in text.split(",") if a.strip())


def _bounds(clip: tuple[float, float] | None, x: np.ndarray) -> tuple[tuple[Any, Any], str]:
    if clip is not None:
        return (float(clip[0]), float(clip[1])), "model clip_values"
    lo, hi = x.min(axis=0), x.max(axis=0)
    return (lo, hi), "per-feature min/max of the data (the model declares no clip_values)"


def severity_for(clean: float, robust: float) -> Severity:
    """Severity from the accuracy lost to the attack, relative to clean accuracy."""
    if clean <= 0:
        return Severity.INFO
    drop = max(clean - robust, 0.0) / clean
    if robust < 0.1 or drop >= 0.75:
        return Severity.CRITICAL
    if drop >= 0.4:
        return Severity.HIGH
    if drop >= 0.15:
        return Severity.MEDIUM
    if drop >= 0.03:
        return Severity.LOW
    return Severity.INFO


def _findings(ev: RobustnessEvaluation, rows: np.ndarray) -> list[Finding]:
    out: list[Finding] = []
    for eps in ev.epsilons:
        robust = ev.at(eps)
        lo, hi = ev.ci_at(eps)
        fooled = tuple(int(rows[i]) for i in ev.fooled_rows[eps])
        sev = severity_for(ev.clean_accuracy, robust)
        out.append(Finding(
            id="ROB-001",
            title=(f"Accuracy falls from {ev.clean_accuracy:.1%} to {robust:.1%} under {ev.norm} attacks "
                   f"at eps={eps:g}" if robust < ev.clean_accuracy else
                   f"No attack lowered accuracy ({ev.clean_accuracy:.1%}) under {ev.norm} attacks at eps={eps:g}"),
            severity=sev, owasp="ML01", atlas=ATLAS, location=Location(rows=fooled[:50]),
            evidence={"epsilon": eps, "norm": ev.norm, "clean_accuracy": ev.clean_accuracy,
                      "robust_accuracy": robust, "robust_accuracy_ci95": [lo, hi], "samples": ev.n_samples,
                      "fooled": len(fooled), "reliable": ev.reliable,
                      "per_attack": {a: acc[ev.grid.index(eps)] for a, acc in ev.robust_accuracy.items()},
                      "epsilon_units": f"model input units (bounds: {ev.bounds})"},
            remediation=REMEDIATION,
            description="Worst case per sample over every applied attack: a sample counts as robust only if no "
                        "attack changed its prediction within the budget. Evasion (craft adversarial data) lets an "
                        "attacker choose the model's output with a perturbation this small.",
        ))
    # A pass drawn from too few samples: the point estimate is below high, the interval's low end is not.
    unearned = {eps: ev.ci_at(eps)[1] - ev.ci_at(eps)[0] for eps in ev.epsilons
                if ev.ci_at(eps)[1] - ev.ci_at(eps)[0] > MAX_CI_WIDTH
                and severity_for(ev.clean_accuracy, ev.at(eps)) < Severity.HIGH
                <= severity_for(ev.clean_accuracy, ev.ci_at(eps)[0])}
    if unearned:
        eps, width = max(unearned.items(), key=lambda item: item[1])
        lo, hi = ev.ci_at(eps)
        out.append(Finding(
            id="ROB-004", title=f"Robustness evaluation inconclusive: {ev.n_samples} sample(s) leave robust accuracy "
                                f"anywhere in {lo:.1%}-{hi:.1%} at eps={eps:g}",
            severity=Severity.HIGH, owasp="ML01", atlas=ATLAS,
            evidence={"samples": ev.n_samples, "epsilon": eps, "robust_accuracy_ci95": [lo, hi],
                      "ci_width": width, "max_ci_width": MAX_CI_WIDTH},
            remediation="Evaluate on more labelled samples (--data/--holdout with more rows, --max-samples) until the "
                        "95% interval is narrower than the severity bands.",
            description="A verdict drawn from this few samples is not evidence of robustness: the 95% Clopper-Pearson "
                        "interval of the robust accuracy spans several severity bands.",
        ))
    failed = [c for c in ev.validity if c.passed is False]
    if failed:
        out.append(Finding(
            id="ROB-002", title="Robustness evaluation unreliable: " + ", ".join(c.name for c in failed),
            severity=Severity.HIGH, owasp="ML01", atlas=ATLAS,
            evidence={c.name: c.detail for c in failed},
            remediation="Treat the robust accuracy above as an upper bound. Fix the cause named in each failed "
                        "check (logits not softmax, eval mode, EoT for randomness, BPDA for non-differentiable "
                        "preprocessing) and run the full attack set with more steps.",
            description="Evaluation-validity checks of Carlini et al. 2019 (arXiv:1902.06705) failed.",
        ))
    if not ev.white_box:
        out.append(Finding(
            id="ROB-003", title="Only black-box attacks applied: robust accuracy is an upper bound",
            severity=Severity.LOW, owasp="ML01", atlas=("AML.T0043.001", "AML.T0015"),
            evidence={"attacks_applied": dict(ev.applied), "attacks_skipped": dict(ev.skipped)},
            remediation="Provide a differentiable model (PyTorch, or a scikit-learn linear model/MLP) so gradient "
                        "attacks can run.",
        ))
    return out


def _metrics(ev: RobustnessEvaluation, eps_note: str) -> dict[str, Any]:
    failed = [c.name for c in ev.validity if c.passed is False]
    ran = [c for c in ev.validity if c.passed is not None]
    flat: dict[str, Any] = {}  # scalar one-liners for the terminal and Markdown tables
    for e in ev.epsilons:
        lo, hi = ev.ci_at(e)
        flat[f"robust_accuracy@{e:g}"] = ev.at(e)
        flat[f"robust_accuracy_ci95@{e:g}"] = f"{lo:.3f}-{hi:.3f}"
    flat["attacks_run"] = ", ".join(ev.applied)
    flat["validity_checks"] = (f"{len(ran) - len(failed)}/{len(ran)} passed"
                               + (f"; failed: {', '.join(failed)}" if failed else ""))
    return {
        **flat,
        "samples": ev.n_samples,
        "norm": ev.norm,
        "epsilons": list(ev.epsilons),
        "epsilon_source": eps_note,
        "epsilon_units": "model input units",
        "input_bounds": ev.bounds,
        "clean_accuracy": ev.clean_accuracy,
        "robust_accuracy": {f"{e:g}": ev.at(e) for e in ev.epsilons},
        "robust_accuracy_ci95": {f"{e:g}": list(ev.ci_at(e)) for e in ev.epsilons},
        "robust_accuracy_per_attack": {a: {f"{e:g}": acc[i] for i, e in enumerate(ev.grid)}
                                       for a, acc in ev.robust_accuracy.items()},
        "worst_case_curve": {f"{e:g}": a for e, a in zip(ev.grid, ev.worst_case, strict=True)},
        "minimal_norm_attack": ev.curve_attack,
        "attacks_applied": dict(ev.applied),
        "attacks_skipped": dict(ev.skipped),
        "white_box": ev.white_box,
        "reliable": ev.reliable,
        "validity": {c.name: {"passed": c.passed, "detail": c.detail} for c in ev.validity},
        "cpu_seconds": {k: round(v, 3) for k, v in ev.seconds.items()},
    }


def _figure(ev: RobustnessEvaluation) -> Figure:
    xs = (0.0, *ev.grid)  # every line starts at the clean accuracy (eps = 0)
    c = ev.clean_accuracy
    series = [Series(a, xs, (c, *acc)) for a, acc in ev.robust_accuracy.items() if a != ev.curve_attack]
    if ev.curve_attack:
        series.append(Series(f"{ev.curve_attack} (minimal norm)", *ev.curve))
    series.append(Series("worst case", xs, (c, *ev.worst_case)))
    return Figure(title=f"Accuracy vs {ev.norm} epsilon" + ("" if ev.reliable else " (evaluation unreliable)"),
                  x_label=f"epsilon ({ev.norm}, model input units)", y_label="accuracy", series=tuple(series),
                  kind="line")


CHECKS: tuple[type[Check], ...] = (AdversarialRobustnessCheck,)
