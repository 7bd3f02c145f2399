"""The secure model-serving gateway (deployment checklist; OWASP ML05, ML09; ATLAS AML.T0024, AML.T0040).

    from mlsecure.serving import load_config, build_gateway, create_app
    gw = build_gateway(load_config("gateway.toml"))
    app = create_app(gw)            # any ASGI server; or serving.server.make_server(gw).run()

Modules: ``config`` (TOML -> frozen dataclasses), ``tokens`` (hashed opaque tokens, SQLite/JSON
stores), ``auth`` (tokens + OIDC/JWT), ``rbac`` (roles -> permissions), ``ratelimit`` (``limits``:
rates and budgets), ``client_ip`` (trusted proxies), ``validation`` (input schema), ``hardening``
(top-k, rounding, noise), ``signing`` (Ed25519 detached response signatures), ``extraction`` (PRADA +
uniformity), ``audit_sink`` (group commit into ``mlsecure.audit``), ``metrics``, ``gateway``, ``app``,
``server``.
"""

from mlsecure.serving.config import GatewayConfig, load_config, parse_config
from mlsecure.serving.gateway import Gateway, build_gateway
from mlsecure.serving.signing import canonical_json, verify_response


def create_app(gw: Gateway) -> object:
    """The ASGI app for ``gw`` (imports FastAPI lazily)."""
    from mlsecure.serving.app import create_app as _create

    return _create(gw)


__all__ = ["Gateway", "GatewayConfig", "build_gateway", "canonical_json", "create_app", "load_config",
           "parse_config", "verify_response"]
