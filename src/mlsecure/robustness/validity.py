"""Evaluation-validity checks: signs that an attack-based robustness number cannot be trusted.

From Carlini et al. 2019, "On Evaluating Adversarial Robustness", arXiv:1902.06705 (section 5, the
checklist) and the flags of AutoAttack (Croce & Hein 2020, arXiv:2003.01690):

* ``iterative_beats_single_step``: iterative attacks must do at least as well as FGSM;
* ``monotone_in_epsilon``: worst-case accuracy must not rise with epsilon;
* ``reaches_chance``: an unbounded-strength attack (epsilon = the whole input range) must fool the model;
* ``black_box_not_stronger``: a black-box attack must not fool samples the white-box ensemble could not;
* ``more_iterations_no_gain``: 5x the steps with restarts must neither find many new adversarials
  (the ensemble was not converged) nor raise the accuracy (randomness);
* ``gradients_finite_nonzero``: no NaN/Inf gradients, few exactly-zero ones (shattered/masked gradients);
* ``deterministic``: two forwards of the same input agree (else use EoT);
* ``outputs_are_logits``: the model's forward does not end in a softmax (saturated gradients);
* ``eval_mode``: no torch module left in training mode (dropout, batch-norm statistics).

A failed check makes the evaluation *unreliable*. Tolerances allow for sampling noise: a difference is
flagged only above ``max(1%, 2 standard errors)`` of the evaluated samples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.robustness.attacks.interface import AttackError
from mlsecure.robustness.attacks.ops import Tensor
from mlsecure.robustness.attacks.registry import available
from mlsecure.robustness.victim import Victim

if TYPE_CHECKING:
    from mlsecure.robustness.evaluate import RobustnessEvaluation, ValidityCheck


def run_validity_checks(ev: RobustnessEvaluation, victim: Victim, x: np.ndarray, y: np.ndarray, correct: np.ndarray,
                        worst: np.ndarray, *, batch_size: int, seed: int) -> tuple[ValidityCheck, ...]:
    """Every check, in the order of the module docstring."""
    import torch

    n = ev.n_samples
    main = max(ev.epsilons)
    j = ev.grid.index(main)
    sample = np.flatnonzero(correct)[:256]
    xs = torch.from_numpy(x[sample]).to(victim.device)
    ys = torch.from_numpy(y[sample]).to(victim.device)
    return (
        _iterative(ev, n),
        _monotone(ev, n),
        _chance(ev, victim, x, y, correct, batch_size, seed),
        _black_box(ev, victim, x, y, worst[j], main, batch_size, seed),
        _more_iterations(ev, victim, x, y, worst[j], main, batch_size, seed),
        _gradients(victim, xs, ys),
        _deterministic(victim, xs),
        _logits(victim, xs),
        _eval_mode(victim),
    )


def _tol(p: float, n: int) -> float:
    return max(0.01, 2 * float(np.sqrt(max(p * (1 - p), 1e-4) / max(n, 1))))


def _check(name: str, passed: bool | None, detail: str, **evidence: Any) -> ValidityCheck:
    from mlsecure.robustness.evaluate import ValidityCheck

    return ValidityCheck(name, passed, detail, evidence)


def _iterative(ev: RobustnessEvaluation, n: int) -> ValidityCheck:
    """Which attacks are single-step and which iterative is what each declares (``AttackSpec``)."""
    specs = available()
    kinds = {a: specs[a] for a in ev.robust_accuracy if a in specs}
    singles = {a: ev.robust_accuracy[a] for a, s in kinds.items() if s.single_step}
    iters = {a: ev.robust_accuracy[a] for a, s in kinds.items() if s.iterative}
    if not singles or not iters:
        return _check("iterative_beats_single_step", None,
                      "needs a single-step attack (FGSM) and an iterative attack in the ensemble")
    worse = []
    for j, e in enumerate(ev.grid):
        one, best = min(((s, acc[j]) for s, acc in singles.items()), key=lambda t: t[1])
        worse += [(a, e, acc[j], one, best) for a, acc in iters.items() if acc[j] > best + _tol(best, n)]
    if worse:
        a, e, acc, one, f = worse[0]
        return _check("iterative_beats_single_step", False,
                      f"{a} left {acc:.1%} accurate at eps={e:g} but one-step {one} only {f:.1%}: the iterative "
                      "attack is failing (gradient masking or too large a step)", cases=len(worse))
    return _check("iterative_beats_single_step", True,
                  "every iterative attack did at least as well as the single-step one")


def _monotone(ev: RobustnessEvaluation, n: int) -> ValidityCheck:
    acc = ev.worst_case
    rises = [(ev.grid[i], ev.grid[i + 1], acc[i], acc[i + 1]) for i in range(len(acc) - 1)
             if acc[i + 1] > acc[i] + _tol(acc[i], n)]
    if rises:
        e0, e1, a0, a1 = rises[0]
        return _check("monotone_in_epsilon", False,
                      f"accuracy rose from {a0:.1%} at eps={e0:g} to {a1:.1%} at eps={e1:g}")
    return _check("monotone_in_epsilon", True, "worst-case accuracy never rises with epsilon")


def _chance(ev: RobustnessEvaluation, victim: Victim, x: np.ndarray, y: np.ndarray, correct: np.ndarray,
            batch_size: int, seed: int) -> ValidityCheck:
    from mlsecure.robustness.attacks.pgd import PGD
    from mlsecure.robustness.attacks.square import Square

    if victim.lo is None or victim.hi is None:
        return _check("reaches_chance", None, "the input domain is unbounded: no epsilon covers it")
    span = float((victim.hi - victim.lo).max())
    d = int(np.prod(victim.input_shape))
    eps = {"linf": span, "l2": span * d**0.5, "l1": span * d}[ev.norm]
    rows = np.flatnonzero(correct)[:200]
    if len(rows) == 0:
        return _check("reaches_chance", None, "no correctly classified sample")
    attack = (PGD(eps=eps, norm=ev.norm, steps=20, step=eps / 4, batch_size=batch_size, seed=seed)
              if victim.differentiable is not None else
              Square(eps=span, queries=300, batch_size=batch_size, seed=seed))  # linf over the whole range
    result = attack.attack(victim, x[rows], y[rows])
    acc = float((~result.success).mean())
    chance = 1.0 / victim.n_classes
    passed = acc <= chance + _tol(chance, len(rows))
    return _check("reaches_chance", passed,
                  f"{type(attack).__name__} at eps={eps:g} (the whole input range) left {acc:.1%} of correct samples "
                  f"accurate (chance {chance:.1%})" + ("" if passed else ": the attack is not working on this model"),
                  accuracy=acc, eps=eps)


def _black_box(ev: RobustnessEvaluation, victim: Victim, x: np.ndarray, y: np.ndarray, robust: np.ndarray,
               eps: float, batch_size: int, seed: int) -> ValidityCheck:
    from mlsecure.robustness.attacks.square import Square

    if victim.differentiable is None:
        return _check("black_box_not_stronger", None, "the model is black-box: no white-box attack to compare")
    if ev.norm not in Square.norms:
        return _check("black_box_not_stronger", None, f"the black-box attack (Square) has no {ev.norm} update")
    rows = np.flatnonzero(robust)[:200]
    if len(rows) == 0:
        return _check("black_box_not_stronger", True, "the white-box ensemble fooled every sample")
    bb = Victim(model=victim.model, differentiable=None, device=victim.device, lo=victim.lo, hi=victim.hi,
                why_black_box="black-box comparison")
    try:
        square = Square(eps=eps, norm=ev.norm, queries=500, batch_size=batch_size, seed=seed)
        result = square.attack(bb, x[rows], y[rows])
    except AttackError as exc:
        return _check("black_box_not_stronger", None, f"Square does not apply: {exc}")
    extra = int(result.success.sum())
    passed = extra <= max(1, int(0.01 * ev.n_samples))
    return _check("black_box_not_stronger", passed,
                  f"Square (500 queries) fooled {extra} of {len(rows)} samples the white-box ensemble could not at "
                  f"eps={eps:g}" + ("" if passed else ": gradients are misleading (masking)"), extra_fooled=extra)


def _more_iterations(ev: RobustnessEvaluation, victim: Victim, x: np.ndarray, y: np.ndarray, robust: np.ndarray,
                     eps: float, batch_size: int, seed: int) -> ValidityCheck:
    from mlsecure.robustness.attacks.pgd import PGD

    if victim.differentiable is None:
        return _check("more_iterations_no_gain", None, "needs gradients")
    rows = np.flatnonzero(robust)[:200]
    if len(rows) == 0:
        return _check("more_iterations_no_gain", True, "the ensemble fooled every sample")
    strong = PGD(eps=eps, norm=ev.norm, steps=100, restarts=3, batch_size=batch_size, seed=seed + 1)
    result = strong.attack(victim, x[rows], y[rows])
    extra = int(result.success.sum())
    passed = extra <= max(1, int(0.01 * ev.n_samples))
    return _check("more_iterations_no_gain", passed,
                  f"PGD-100 with 3 restarts fooled {extra} more of {len(rows)} samples the ensemble left robust at "
                  f"eps={eps:g}" + ("" if passed else ": the ensemble was not converged"), extra_fooled=extra)


def _gradients(victim: Victim, x: Tensor, y: Tensor) -> ValidityCheck:
    import torch

    if victim.differentiable is None:
        return _check("gradients_finite_nonzero", None, "the model is black-box")
    if len(x) == 0:
        return _check("gradients_finite_nonzero", None, "no correctly classified sample")
    xg = x.detach().clone().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(victim.logits(xg), y, reduction="sum")
    (g,) = torch.autograd.grad(loss, xg)
    flat = g.flatten(1)
    bad = int((~torch.isfinite(flat).all(dim=1)).sum())
    zero = int((flat.abs().amax(dim=1) == 0).sum())
    passed = bad == 0 and zero <= 0.1 * len(x)
    return _check("gradients_finite_nonzero", passed,
                  f"{bad} of {len(x)} input gradients non-finite, {zero} exactly zero"
                  + ("" if passed else ": gradient-based attacks cannot be trusted here; use BPDA/black-box"),
                  nonfinite=bad, zero=zero)


def _deterministic(victim: Victim, x: Tensor) -> ValidityCheck:
    import torch

    if len(x) == 0:
        return _check("deterministic", None, "no sample")
    a = victim.scores(x)
    b = victim.scores(x)
    diff = float((a - b).abs().max())
    passed = bool(torch.isfinite(a).all()) and diff <= 1e-4
    return _check("deterministic", passed,
                  "two forward passes agree" if passed else
                  f"two forward passes differ by {diff:.3g}: the model is randomized; evaluate with EoT", max_diff=diff)


def _logits(victim: Victim, x: Tensor) -> ValidityCheck:
    import torch

    if victim.differentiable is None or len(x) == 0:
        return _check("outputs_are_logits", None, "the model is black-box")
    with torch.no_grad():
        z = victim.logits(x)
    probs = bool((z >= 0).all()) and bool(((z.sum(dim=1) - 1).abs() < 1e-4).all())
    return _check("outputs_are_logits", not probs,
                  "the forward returns logits" if not probs else
                  "the forward returns probabilities (softmax output): gradients saturate; attack the logits")


def _eval_mode(victim: Victim) -> ValidityCheck:
    module = getattr(victim.differentiable, "module", None)
    if module is None:
        return _check("eval_mode", None, "not a torch module")
    training = [name or "<root>" for name, m in module.named_modules() if getattr(m, "training", False)]
    return _check("eval_mode", not training,
                  "every module is in eval mode" if not training else
                  f"modules in training mode: {', '.join(training[:5])}: call model.eval() before evaluating")
