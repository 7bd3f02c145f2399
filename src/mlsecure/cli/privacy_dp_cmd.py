"""``mlsecure privacy dp epsilon|noise|plan|compose``: differential-privacy accounting and planning.

Calculators, not scans: they print numbers (``--format json`` for machines) and exit 0, or 2 on bad
input. Warnings (delta not below 1/n, ...) go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mlsecure.cli import exit_codes
from mlsecure.errors import InputError


def register(verbs: Any) -> None:
    dp = verbs.add_parser("dp", help="differential privacy: epsilon, noise, plan, compose",
                          description="Privacy accounting for DP-SGD with Google's dp-accounting (PLD by default, "
                          "RDP cross-check), assuming Poisson sampling.")
    sub = dp.add_subparsers(dest="dp_verb", metavar="VERB", parser_class=type(dp))
    dp.set_defaults(handler=lambda args: _no_verb(dp))

    eps = sub.add_parser("epsilon", help="the epsilon a DP-SGD configuration spends")
    eps.add_argument("--noise-multiplier", type=float, required=True, help="sigma (noise std / clipping norm)")
    _config(eps)
    eps.add_argument("--accountant", choices=["pld", "rdp"], default="pld", help="default: pld (tightest)")
    _fmt(eps)
    eps.set_defaults(handler=run_epsilon)

    noise = sub.add_parser("noise", help="the smallest noise multiplier that meets a target epsilon")
    noise.add_argument("--target-epsilon", type=float, required=True)
    _config(noise)
    noise.add_argument("--accountant", choices=["pld", "rdp"], default="pld", help="default: pld (tightest)")
    _fmt(noise)
    noise.set_defaults(handler=run_noise)

    plan = sub.add_parser("plan", help="recommended epsilon and noise from the guide's tiers and flowchart")
    plan.add_argument("--sensitivity", choices=["medical", "government", "personal", "low"], required=True,
                      help="medical/financial/legal, government/health records, personal, low")
    plan.add_argument("--dataset-size", type=int, required=True)
    plan.add_argument("--batch-size", type=int, default=64, help="default 64")
    plan.add_argument("--epochs", type=float, default=10.0, help="default 10")
    plan.add_argument("--delta", type=float, help="default: the largest power of ten below 1/n")
    plan.add_argument("--regulated", action="store_true", help="a regulation requires privacy guarantees")
    plan.add_argument("--no-membership-concern", action="store_true",
                      help="membership inference is not a concern (low sensitivity only)")
    plan.add_argument("--noise-grid", type=_floats, default=None,
                      help="comma-separated noise multipliers for the table (default 0.5,0.7,1,1.5,2,3)")
    plan.add_argument("--guide-table", action="store_true",
                      help="also show the guide's noise table (10 epochs, batch 64, n=50,000) beside the true values")
    _fmt(plan)
    plan.set_defaults(handler=run_plan)

    comp = sub.add_parser("compose", help="total privacy of several releases: basic, advanced, RDP, PLD",
                          description="Either --epsilon per release (repeatable, or with --count), or a DP-SGD "
                          "configuration (--noise-multiplier ...) whose steps are composed.")
    comp.add_argument("--epsilon", type=float, action="append", help="epsilon of one release; repeatable")
    comp.add_argument("--count", type=int, default=1, help="each --epsilon release happens this many times")
    comp.add_argument("--release-delta", type=float, default=0.0, help="delta of each release (default 0)")
    comp.add_argument("--delta", type=float, default=1e-5, help="total delta (default 1e-5)")
    comp.add_argument("--noise-multiplier", type=float, help="compose the steps of this DP-SGD run instead")
    comp.add_argument("--batch-size", type=int, default=64)
    comp.add_argument("--dataset-size", type=int, default=50_000)
    comp.add_argument("--epochs", type=float, default=10.0)
    _fmt(comp)
    comp.set_defaults(handler=run_compose)


def run_epsilon(args: argparse.Namespace) -> int:
    from mlsecure.privacy.dp import DPSGDConfig, compute_epsilon

    cfg = DPSGDConfig(noise_multiplier=args.noise_multiplier, batch_size=args.batch_size,
                      dataset_size=args.dataset_size, epochs=args.epochs, steps=args.steps)
    delta = _delta(args)
    res = compute_epsilon(cfg, delta=delta, accountant=args.accountant)
    out = res.to_dict()
    lines = [
        f"epsilon          {res.epsilon:.4f}   ({res.accountant.upper()}, dp-accounting)",
        f"cross-check      {_shown(res.cross_check)}   ({'RDP' if res.accountant == 'pld' else 'PLD'})",
        f"delta            {res.delta:g}",
        f"noise multiplier {res.noise_multiplier:g}",
        f"sample rate q    {res.sample_rate:.6g}  (batch {cfg.batch_size} / dataset {cfg.dataset_size})",
        f"steps            {res.steps}",
        f"assumes          {res.sampling}",
    ]
    return _emit(args, out, lines)


def run_noise(args: argparse.Namespace) -> int:
    from mlsecure.privacy.dp import find_noise_multiplier

    delta = _delta(args)
    res = find_noise_multiplier(target_epsilon=args.target_epsilon, delta=delta, batch_size=args.batch_size,
                                dataset_size=args.dataset_size, epochs=args.epochs, steps=args.steps,
                                accountant=args.accountant)
    out = {"target_epsilon": args.target_epsilon, **res.to_dict()}
    lines = [
        f"noise multiplier {res.noise_multiplier:.4f}   (smallest meeting epsilon <= {args.target_epsilon:g})",
        f"epsilon          {res.epsilon:.4f}   ({res.accountant.upper()})",
        f"delta            {res.delta:g}",
        f"sample rate q    {res.sample_rate:.6g}, steps {res.steps}",
        f"assumes          {res.sampling}",
    ]
    return _emit(args, out, lines)


def run_plan(args: argparse.Namespace) -> int:
    from mlsecure.privacy.dp import guide_table_check, plan
    from mlsecure.privacy.dp.planning import DEFAULT_NOISE_GRID

    result = plan(sensitivity=args.sensitivity, dataset_size=args.dataset_size, batch_size=args.batch_size,
                  epochs=args.epochs, delta=args.delta, regulated=args.regulated,
                  membership_concern=not args.no_membership_concern,
                  noise_grid=args.noise_grid or DEFAULT_NOISE_GRID)
    out = result.to_dict()
    lines = [
        f"sensitivity      {result.sensitivity.value}: target epsilon <= {result.target_epsilon:g} "
        f"({result.tier.level}: {result.tier.use_case})",
        f"delta            {result.delta:g}  (below 1/n = {1 / result.dataset_size:.3g})",
        f"configuration    n={result.dataset_size}, batch {result.batch_size}, {result.epochs:g} epochs "
        f"-> q={result.sample_rate:.5g}, {result.steps} steps (Poisson sampling)",
        f"noise multiplier {result.noise_multiplier:.4f}  (smallest meeting the target; epsilon "
        f"{result.achieved_epsilon:.4f}, PLD)",
        "",
        "noise   epsilon(PLD)  epsilon(RDP)  tier",
        *(f"{r.noise_multiplier:<7g} {r.epsilon:<13.4f} {r.rdp_epsilon:<13.4f} {r.tier}" for r in result.table),
        "",
        *(f"- {a}" for a in result.advice),
    ]
    if args.guide_table:
        rows = guide_table_check(delta=1e-5)
        out["guide_table"] = rows
        lines += ["", "The guide's table (10 epochs, batch 64, n=50,000, delta=1e-5) vs accounting:",
                  "noise   guide says   PLD       RDP",
                  *(f"{r['noise_multiplier']:<7g} ~{r['guide_epsilon']:<11g} {r['pld_epsilon']:<9.4f} "
                    f"{r['rdp_epsilon']:.4f}" for r in rows),
                  "(the guide's values are not reproduced by accounting; trust the computed ones)"]
    return _emit(args, out, lines)


def run_compose(args: argparse.Namespace) -> int:
    from mlsecure.privacy.dp import DPSGDConfig, compose_dpsgd, compose_releases

    if args.noise_multiplier is not None:
        cfg = DPSGDConfig(noise_multiplier=args.noise_multiplier, batch_size=args.batch_size,
                          dataset_size=args.dataset_size, epochs=args.epochs)
        results = compose_dpsgd(cfg, delta=args.delta)
        head = f"DP-SGD: sigma={cfg.noise_multiplier:g}, q={cfg.sample_rate:.5g}, T={cfg.n_steps} steps"
    else:
        if not args.epsilon:
            raise InputError("give --epsilon (repeatable) or --noise-multiplier")
        if args.count < 1:
            raise InputError(f"--count must be at least 1, got {args.count}")
        eps = list(args.epsilon)
        results = compose_releases(eps, delta=args.delta, deltas=[args.release_delta] * len(eps),
                                   counts=[args.count] * len(eps))
        head = (f"{len(eps) * args.count} releases, epsilons {sorted(set(eps))}, per-release delta "
                f"{args.release_delta:g}")
    out = {"composition": [r.__dict__ for r in results], "delta": args.delta}
    lines = [head, "method     epsilon        delta      note",
             *(f"{r.method:<10} {('n/a' if r.epsilon is None else f'{r.epsilon:.4f}'):<14} {r.delta:<10.3g} "
               f"{r.note}" for r in results)]
    return _emit(args, out, lines)


def _config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-size", type=int, required=True, help="expected batch size (q = batch / n)")
    parser.add_argument("--dataset-size", type=int, required=True, help="n, the number of training records")
    parser.add_argument("--epochs", type=float, default=1.0, help="default 1")
    parser.add_argument("--steps", type=int, help="number of steps (default: epochs * n / batch)")
    parser.add_argument("--delta", type=float, help="default: the largest power of ten below 1/n")


def _fmt(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["terminal", "json"], default="terminal", help="default: terminal")


def _delta(args: argparse.Namespace) -> float:
    from mlsecure.privacy.dp import default_delta, delta_warning

    delta: float = default_delta(args.dataset_size) if args.delta is None else args.delta
    warning = delta_warning(delta, args.dataset_size)
    if warning:
        print(f"mlsecure: warning: {warning}", file=sys.stderr)
    return delta


def _emit(args: argparse.Namespace, out: dict[str, Any], lines: list[str]) -> int:
    if args.format == "json":
        sys.stdout.write(json.dumps(out, indent=2, default=str) + "\n")
    else:
        sys.stdout.write("\n".join(lines) + "\n")
    return exit_codes.OK


def _floats(text: str) -> list[float]:
    try:
        return [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None


def _no_verb(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return exit_codes.ERROR


def _shown(value: float | None) -> str:
    """A cross-check the other accountant could not compute (too many steps, too little noise) is said so."""
    return "not computed (outside that accountant's numerics)" if value is None else f"{value:.4f}"
