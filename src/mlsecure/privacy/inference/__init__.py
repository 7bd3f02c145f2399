"""Inference attacks that measure what a trained model leaks: membership inference (OWASP ML04).

``audit_membership(model, members, non_members)`` runs the loss / confidence / entropy attacks,
Shokri's shadow models, LiRA (offline and online) and RMIA with shared reference models.
"""

from mlsecure.privacy.inference.audit import DEFAULT_ATTACKS, MembershipAudit, audit_membership
from mlsecure.privacy.inference.metrics import AttackMetrics, clopper_pearson, evaluate

__all__ = ["DEFAULT_ATTACKS", "AttackMetrics", "MembershipAudit", "audit_membership", "clopper_pearson", "evaluate"]
