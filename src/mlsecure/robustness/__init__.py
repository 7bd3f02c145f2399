"""Adversarial robustness (OWASP ML01): evasion attacks and a trustworthy robustness evaluation.

``attacks`` (FGSM, PGD, APGD, FAB, FMN, DeepFool, C&W, Square, HopSkipJump, Boundary, AutoAttack, transfer),
``adaptive`` (EoT, BPDA), ``evaluate`` (ensemble worst case, curve, confidence interval), ``validity``
(Carlini et al. 2019 checks), ``sklearn_torch`` (exact gradients for scikit-learn models), ``checks``
(the ``--scan robustness`` check).
"""

from mlsecure.robustness.evaluate import RobustnessEvaluation, ValidityCheck, evaluate_robustness

__all__ = ["RobustnessEvaluation", "ValidityCheck", "evaluate_robustness"]
