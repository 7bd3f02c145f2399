"""Who is calling: opaque API tokens first, OIDC/JWT bearer tokens (verified against a JWKS file) second.

``Authenticator.authenticate(header)`` returns a ``Principal`` or raises ``AuthFailure`` with the HTTP
status (401: no/unknown/expired/revoked credentials; the reason is logged, never echoed in detail).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsecure.errors import ConfigError, require
from mlsecure.serving.config import JwtConfig
from mlsecure.serving.rbac import Role, permissions_for
from mlsecure.serving.tokens import TokenRecord, TokenStore


@dataclass(frozen=True)
class Principal:
    actor: str
    """Token id, or ``jwt:<sub>`` for JWT callers: the audit log's actor and the rate-limit key."""
    name: str
    role: Role
    permissions: frozenset[str]
    kind: str


class AuthFailure(Exception):
    """Authentication refused; ``reason`` goes to the audit log, ``public`` to the client."""

    def __init__(self, reason: str, *, public: str = "invalid or missing credentials", actor: str = "anonymous"):
        super().__init__(reason)
        self.reason = reason
        self.public = public
        self.actor = actor


class Authenticator:
    def __init__(self, tokens: TokenStore, jwt_config: JwtConfig | None = None) -> None:
        self.tokens = tokens
        self.jwt = JwtVerifier(jwt_config) if jwt_config is not None else None
        self._verified: dict[str, tuple[TokenRecord, Principal]] = {}
        """Authorization header -> the record its token matched and its principal (opaque tokens only)."""

    def authenticate(self, authorization: str | None, *, now: float | None = None) -> Principal:
        if not authorization:
            raise AuthFailure("no Authorization header")
        hit = self._verified.get(authorization)
        # a header seen before: its token's hash matched this very record object, and the store hands out the same
        # object until its file changes (``get`` looks, one stat, on every call), so a revoked or edited token is
        # a new record and goes the full way below on its very next request
        if hit is not None and self.tokens.get(hit[0].token_id) is hit[0] and hit[0].status(now) == "active":
            return hit[1]
        return self._authenticate(authorization, now)

    def _authenticate(self, authorization: str, now: float | None) -> Principal:
        scheme, _, credential = authorization.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise AuthFailure("Authorization is not a Bearer credential")
        if credential.count(".") == 2 and self.jwt is not None:
            return self.jwt.verify(credential)
        record = self.tokens.verify(credential)
        if record is None:
            raise AuthFailure("unknown token")
        status = record.status(now)
        if status != "active":
            raise AuthFailure(f"token {status}", public=f"token {status}", actor=record.token_id)
        principal = Principal(actor=record.token_id, name=record.name, role=record.role,
                              permissions=record.permissions, kind="token")
        if len(self._verified) >= 10_000:  # only headers that verified are kept: a stranger cannot fill it
            self._verified.clear()
        self._verified[authorization] = (record, principal)
        return principal


class JwtVerifier:
    """Verifies RS256/ES256/EdDSA JWTs with keys from a JWKS file; ``exp``, ``iss``, ``aud`` required."""

    def __init__(self, cfg: JwtConfig) -> None:
        self.cfg = cfg
        self._jwt: Any = require("jwt", "gateway")
        try:
            jwks = json.loads(Path(cfg.jwks_file).read_text(encoding="utf-8"))
            keyset = self._jwt.PyJWKSet.from_dict(jwks)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{cfg.jwks_file}: cannot read the JWKS: {exc}") from None
        except self._jwt.exceptions.PyJWKSetError as exc:
            raise ConfigError(f"{cfg.jwks_file}: no usable key in the JWKS: {exc}") from None
        self._keys = {k.key_id: k for k in keyset.keys}

    def verify(self, token: str) -> Principal:
        jwt = self._jwt
        try:
            header = jwt.get_unverified_header(token)
        except jwt.exceptions.PyJWTError:
            raise AuthFailure("malformed JWT") from None
        alg = header.get("alg")
        if alg not in self.cfg.algorithms:
            raise AuthFailure(f"JWT algorithm {alg!r} not allowed")
        key = self._keys.get(header.get("kid"))
        if key is None:
            if len(self._keys) != 1 or header.get("kid") is not None:
                raise AuthFailure("JWT signed by an unknown key")
            key = next(iter(self._keys.values()))
        try:
            claims = jwt.decode(token, key=key, algorithms=[alg], audience=self.cfg.audience, issuer=self.cfg.issuer,
                                leeway=self.cfg.leeway_s, options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.exceptions.ExpiredSignatureError:
            raise AuthFailure("JWT expired", public="token expired") from None
        except jwt.exceptions.PyJWTError as exc:
            raise AuthFailure(f"JWT rejected: {exc}") from None
        sub = str(claims["sub"])
        try:
            role = Role.parse(str(claims.get(self.cfg.role_claim, "viewer")))
        except ValueError:
            raise AuthFailure(f"JWT role claim {claims.get(self.cfg.role_claim)!r} unknown",
                              actor=f"jwt:{sub}") from None
        perms = permissions_for(role)
        scope = claims.get(self.cfg.scope_claim)
        if isinstance(scope, str) and scope.strip():
            perms = perms & frozenset(scope.split())
        elif isinstance(scope, list):
            perms = perms & frozenset(str(s) for s in scope)
        return Principal(actor=f"jwt:{sub}", name=sub, role=role, permissions=perms, kind="jwt")
