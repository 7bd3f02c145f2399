"""The gateway app: ``create_app(gateway) -> FastAPI`` with every defence in one request path.

``POST /v1/predict`` runs, in order: client address (trusted proxies only) -> failed-auth lockout
per address -> authentication (opaque token or JWT) -> permission (RBAC + scopes) -> extraction
block -> per-token rate limits -> body size -> input validation -> query budget -> model ->
extraction monitor -> output hardening -> canonical body + Ed25519 signature -> audit record
(committed before the answer) -> response. Every ``/v1`` request, refused or not, leaves exactly one
audit record carrying its ``request_id``; ``/healthz``, ``/metrics`` and the OpenAPI spec are not audited.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
from fastapi import FastAPI, Request  # at module level: FastAPI resolves the handlers' annotations here
from fastapi.responses import JSONResponse, Response

from mlsecure.errors import require
from mlsecure.serving.auth import AuthFailure, Principal
from mlsecure.serving.client_ip import client_address
from mlsecure.serving.gateway import Gateway
from mlsecure.serving.rbac import Permission
from mlsecure.serving.signing import KEY_ID_HEADER, SIGNATURE_HEADER, canonical_json
from mlsecure.serving.validation import ValidationFailure

_JSON = "application/json"


class _Refusal(Exception):
    """A request refused before the model ran: status, public message, audit details."""

    def __init__(self, status: int, error: str, detail: str, *, event_type: str = "prediction",
                 actor: str = "anonymous", headers: dict[str, str] | None = None, **audit: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.event_type = event_type
        self.actor = actor
        self.headers = headers or {}
        self.audit = audit


def create_app(gw: Gateway) -> FastAPI:
    """The ASGI app (FastAPI) serving ``gw``; its lifespan writes the start/stop audit events."""
    cfg = gw.config

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await gw.record_lifecycle("start")
        try:
            yield
        finally:
            await gw.record_lifecycle("stop")

    app = FastAPI(
        title="mlsecure gateway", version="1", lifespan=lifespan,
        description=f"Secure serving of model {cfg.model.name!r} version {cfg.model.version!r}.",
        openapi_url="/openapi.json" if cfg.server.openapi else None,
        docs_url="/docs" if cfg.server.openapi else None, redoc_url=None,
    )
    max_body = cfg.server.max_body_bytes
    trusted = cfg.server.trusted_proxies

    def refusal_response(r: _Refusal, request_id: str) -> Any:
        body = {"error": r.error, "detail": r.detail, "request_id": request_id}
        if "field" in r.audit:
            body["field"] = r.audit["field"]
        return JSONResponse(body, status_code=r.status, headers=r.headers)

    async def authorize(request: Request, permission: str, ip: str) -> Principal:
        blocked = await gw.limiter.auth_blocked(ip)
        if not blocked.allowed:
            gw.metrics.rate_limited.labels("auth_failures").inc()
            raise _Refusal(429, "too_many_failures", "too many failed authentications from this address",
                           event_type="auth_failure", headers=_retry(blocked.retry_after_s), reason="locked out")
        try:
            principal = gw.authenticator.authenticate(request.headers.get("authorization"))
        except AuthFailure as exc:
            gw.metrics.auth_failures.inc()
            await gw.limiter.auth_failure(ip)
            raise _Refusal(401, "unauthorized", exc.public, event_type="auth_failure", actor=exc.actor,
                           headers={"WWW-Authenticate": 'Bearer realm="mlsecure"'}, reason=exc.reason) from None
        if permission not in principal.permissions:
            raise _Refusal(403, "forbidden", f"this credential lacks the {permission!r} permission",
                           event_type="access_denied", actor=principal.actor, reason=f"missing {permission}",
                           role=principal.role.value)
        return principal

    async def audited(request: Request, endpoint: str, action: str, permission: str, work: Any) -> Any:
        """Authorize, run ``work(principal, request_id)``, write the one audit record, respond."""
        t0 = time.perf_counter()
        request_id = gw.next_request_id()
        peer = request.client.host if request.client else None
        ip = client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)
        actor = "anonymous"
        try:
            principal = await authorize(request, permission, ip)
            actor = principal.actor
            response, event_type, outcome, extra = await work(principal, request_id, ip)
            status = response.status_code
        except _Refusal as r:
            response, status = refusal_response(r, request_id), r.status
            event_type, outcome, extra = r.event_type, "denied", {"reason": r.detail, **r.audit}
            actor = r.actor if r.actor != "anonymous" else actor
        except Exception as exc:  # a bug or a model failure: answer 500, and still audit it
            response = JSONResponse({"error": "internal", "detail": "internal error", "request_id": request_id},
                                    status_code=500)
            status, event_type, outcome = 500, "prediction" if endpoint == "predict" else "model_access", "error"
            extra = {"reason": f"{type(exc).__name__}: {str(exc)[:200]}"}
        input_hash = extra.pop("input_hash", None)
        latency_ms = (time.perf_counter() - t0) * 1000
        try:
            await gw.audit(event_type=event_type, actor=actor, action=action, outcome=outcome, ip=ip,
                           input_hash=input_hash, latency_ms=latency_ms,
                           details={"request_id": request_id, "endpoint": endpoint, "status": status, **extra})
        except Exception:  # fail closed: nothing is answered without its audit record
            status = 503
            response = JSONResponse({"error": "audit_unavailable", "request_id": request_id,
                                     "detail": "the audit log cannot be written; request not served"},
                                    status_code=503)
        gw.metrics.observe(endpoint, status, time.perf_counter() - t0)
        return response

    schema = gw.schema
    predict_openapi = {
        "requestBody": {"required": True, "content": {_JSON: {"schema": schema.json_schema()}}},
        "security": [{"bearerAuth": []}],
    }

    @app.post("/v1/predict", openapi_extra=predict_openapi, responses=_responses(200, 401, 403, 413, 415, 422, 429),
              summary="Predict class probabilities for a batch of samples")
    async def predict(request: Request) -> Any:
        async def work(principal: Principal, request_id: str, ip: str) -> tuple[Any, str, str, dict[str, Any]]:
            del ip
            if gw.monitor is not None and cfg.extraction.action == "block" and gw.monitor.is_flagged(principal.actor):
                raise _Refusal(403, "blocked", "client blocked after suspected model extraction",
                               actor=principal.actor, reason="extraction block")
            throttled = (gw.monitor is not None and cfg.extraction.action == "throttle"
                         and gw.monitor.is_flagged(principal.actor))
            decision = await gw.limiter.acquire_rate(principal.actor, throttled=throttled)
            if not decision.allowed:
                gw.metrics.rate_limited.labels(decision.limit).inc()
                raise _Refusal(429, "rate_limited", f"{decision.limit} limit reached", actor=principal.actor,
                               headers=_retry(decision.retry_after_s), limit=decision.limit)
            body = await _read_body(request, max_body, principal.actor)
            input_hash = hashlib.sha256(body).hexdigest()
            try:
                x = schema.parse(body)
            except ValidationFailure as exc:
                gw.metrics.invalid.inc()
                raise _Refusal(422, "invalid_input", f"{exc.field}: {exc.message}", actor=principal.actor,
                               field=exc.field, input_hash=input_hash) from None
            decision = await gw.limiter.acquire_budget(principal.actor, len(x))
            if not decision.allowed:
                gw.metrics.rate_limited.labels(decision.limit).inc()
                raise _Refusal(429, "budget_exhausted", f"{decision.limit} query budget used up",
                               actor=principal.actor, headers=_retry(decision.retry_after_s),
                               limit=decision.limit, input_hash=input_hash)
            proba = gw.model.predict_proba(x)
            gw.metrics.rows.inc(len(x))
            await gw.observe_extraction(principal.actor, x, proba, request_id)
            payload = {
                "request_id": request_id,
                "model": {"name": cfg.model.name, "version": cfg.model.version},
                "input_sha256": input_hash,
                "predictions": gw.policy.apply(proba, gw.labels, gw.rng),
                "served_at": round(time.time(), 3),
            }
            content = canonical_json(payload)
            headers = {"X-Request-Id": request_id}
            if gw.signer is not None:
                headers[SIGNATURE_HEADER] = gw.signer.sign(content)
                headers[KEY_ID_HEADER] = gw.signer.key_id
            top1 = proba.argmax(axis=1)
            summary = ",".join(str(gw.labels[int(i)]) for i in top1[:16])
            return (Response(content, media_type=_JSON, headers=headers), "prediction", "allowed",
                    {"rows": len(x), "input_hash": input_hash, "output_summary": summary})

        return await audited(request, "predict", "predict", Permission.PREDICT, work)

    @app.get("/v1/models", responses=_responses(200, 401, 403, 429), openapi_extra={"security": [{"bearerAuth": []}]},
             summary="The served model and its input schema")
    async def models(request: Request) -> Any:
        async def work(principal: Principal, request_id: str, ip: str) -> tuple[Any, str, str, dict[str, Any]]:
            del principal, ip
            return JSONResponse({"request_id": request_id, "models": [gw.model_card()]}), "model_access", \
                "allowed", {}

        return await audited(request, "models", "read_metadata", Permission.MODELS_READ, work)

    @app.get("/v1/audit/verify", responses=_responses(200, 401, 403, 429),
             openapi_extra={"security": [{"bearerAuth": []}]}, summary="Verify the audit log's hash chain")
    async def audit_verify(request: Request) -> Any:
        async def work(principal: Principal, request_id: str, ip: str) -> tuple[Any, str, str, dict[str, Any]]:
            del principal, ip
            anyio: Any = require("anyio", "gateway")
            result = await anyio.to_thread.run_sync(gw.store.verify)
            body = {"request_id": request_id, "ok": bool(result.ok), "records_checked": result.records_checked,
                    "problems": list(result.problems)[:50]}
            return JSONResponse(body), "audit_access", "allowed", {"ok": bool(result.ok)}

        return await audited(request, "audit_verify", "verify", Permission.AUDIT_READ, work)

    @app.get("/healthz", summary="Liveness: 200 when the gateway can serve")
    async def healthz() -> Any:
        return JSONResponse({"status": "ok", "model": cfg.model.name, "version": cfg.model.version})

    @app.get("/.well-known/mlsecure-signing-key", summary="The Ed25519 public key that signs responses")
    async def signing_key() -> Any:
        if gw.signer is None:
            return JSONResponse({"error": "not_found", "detail": "response signing is off"}, status_code=404)
        return JSONResponse({"key_id": gw.signer.key_id, "algorithm": "Ed25519",
                             "public_key_pem": gw.signer.public_pem()})

    @app.get("/metrics", summary="Prometheus metrics", responses=_responses(200, 401, 403, 429))
    async def metrics(request: Request) -> Any:
        if not cfg.server.metrics_public:
            peer = request.client.host if request.client else None
            ip = client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)
            try:
                await authorize(request, Permission.METRICS_READ, ip)
            except _Refusal as r:
                return refusal_response(r, gw.next_request_id())
        data, ctype = gw.metrics.render()
        return Response(data, media_type=ctype)

    _add_security_scheme(app)
    return app


async def _read_body(request: Any, limit: int, actor: str) -> bytes:
    ctype = request.headers.get("content-type", "")
    if ctype.split(";", 1)[0].strip().lower() != _JSON:
        raise _Refusal(415, "unsupported_media_type", "send the body as application/json", actor=actor,
                       field="content-type")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _Refusal(413, "body_too_large", f"body larger than {limit} bytes", actor=actor, field="body")
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > limit:
            raise _Refusal(413, "body_too_large", f"body larger than {limit} bytes", actor=actor, field="body")
    return bytes(chunks)


def _retry(seconds: int | None) -> dict[str, str]:
    return {"Retry-After": str(seconds)} if seconds is not None else {}


_ERROR_SCHEMA = {"type": "object", "properties": {"error": {"type": "string"}, "detail": {"type": "string"},
                                                  "field": {"type": "string"}, "request_id": {"type": "string"}}}
_DESCRIPTIONS = {200: "OK", 401: "Missing, unknown, expired or revoked credential", 403: "Permission denied",
                 413: "Body too large", 415: "Not JSON", 422: "Input violates the model's schema (field named)",
                 429: "Rate limit or query budget reached (Retry-After)"}


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        if code == 200:
            continue
        out[code] = {"description": _DESCRIPTIONS[code], "content": {_JSON: {"schema": _ERROR_SCHEMA}}}
    return out


def _add_security_scheme(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "an mlsecure API token (mlsgw_...) or an OIDC JWT"}}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the spec


def _labels_of(n: int, classes: np.ndarray | None) -> list[Any]:
    if classes is None:
        return list(range(n))
    return [c.item() if hasattr(c, "item") else c for c in classes]
