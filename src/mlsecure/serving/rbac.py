"""Role-based access control: the guide's five roles mapped onto the gateway's permissions.

=================  =====================================================================
role               permissions
=================  =====================================================================
viewer             models:read
data_scientist     models:read, predict
ml_engineer        models:read, predict, metrics:read
auditor            models:read, audit:read, metrics:read
admin              every permission, including tokens:manage
=================  =====================================================================

A token's scopes can only narrow its role's permissions, never widen them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from mlsecure.errors import InputError


class Permission:
    """Permission names (strings, so they double as token scopes)."""

    PREDICT: Final = "predict"
    MODELS_READ: Final = "models:read"
    AUDIT_READ: Final = "audit:read"
    METRICS_READ: Final = "metrics:read"
    TOKENS_MANAGE: Final = "tokens:manage"


ALL_PERMISSIONS: Final = frozenset({Permission.PREDICT, Permission.MODELS_READ, Permission.AUDIT_READ,
                                    Permission.METRICS_READ, Permission.TOKENS_MANAGE})


class Role(StrEnum):
    VIEWER = "viewer"
    DATA_SCIENTIST = "data_scientist"
    ML_ENGINEER = "ml_engineer"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @classmethod
    def parse(cls, value: str | Role) -> Role:
        if isinstance(value, Role):
            return value
        try:
            return cls(value)
        except ValueError:
            raise InputError(f"unknown role {value!r}; choose from {', '.join(r.value for r in cls)}") from None


ROLE_PERMISSIONS: Final[dict[Role, frozenset[str]]] = {
    Role.VIEWER: frozenset({Permission.MODELS_READ}),
    Role.DATA_SCIENTIST: frozenset({Permission.MODELS_READ, Permission.PREDICT}),
    Role.ML_ENGINEER: frozenset({Permission.MODELS_READ, Permission.PREDICT, Permission.METRICS_READ}),
    Role.AUDITOR: frozenset({Permission.MODELS_READ, Permission.AUDIT_READ, Permission.METRICS_READ}),
    Role.ADMIN: ALL_PERMISSIONS,
}


def permissions_for(role: Role) -> frozenset[str]:
    return ROLE_PERMISSIONS[role]
