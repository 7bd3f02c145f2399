"""The gateway app: ``create_app(gateway)`` -> an ASGI app with every defence in one request path.

``POST /v1/predict`` runs, in order: client address (trusted proxies only) -> failed-auth lockout
per address -> authentication (opaque token or JWT) -> permission (RBAC + scopes) -> extraction
block -> per-token rate limits -> body size -> input validation -> query budget -> model ->
extraction monitor -> output hardening -> canonical body -> audit record (committed before the
answer) and Ed25519 signature of the body, both by the audit writer off the event loop -> response.
Every ``/v1`` request, refused or not, leaves exactly one audit record carrying its ``request_id``;
``/healthz``, ``/metrics`` and the OpenAPI spec are not audited.

``POST /v2/models/{name}[/versions/{v}]/infer`` (the Open Inference Protocol, ``serving.oip``) runs the very
same path (``_Handlers.serve_rows``); only the body's decoding and the answer's encoding differ. The other
``/v2/models`` routes (metadata, ready) are authorised and audited like ``/v1/models``; ``/v2`` and its health
routes are open and unaudited like ``/healthz``. In upstream mode (``serving.upstream``) the model step is an
HTTP call to the model server, and its failures are audited 502/504 answers.

``POST /v1/predict`` is served by a plain ASGI handler in front of the FastAPI app (which still
declares the route, so the OpenAPI spec describes it): FastAPI's request object, dependency solving and
response classes cost more per request than all of the checks above except the signature. The
other routes are FastAPI's; they share the same authorize/audit code through ``_Call``.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
from fastapi import FastAPI, Request  # at module level: FastAPI resolves the handlers' annotations here
from fastapi.responses import JSONResponse, Response

from mlsecure.errors import require
from mlsecure.serving import oip
from mlsecure.serving.auth import AuthFailure, Principal
from mlsecure.serving.canonical import response_json
from mlsecure.serving.client_ip import client_address
from mlsecure.serving.gateway import Gateway
from mlsecure.serving.rbac import Permission
from mlsecure.serving.signing import KEY_ID_HEADER, SIGNATURE_HEADER
from mlsecure.serving.upstream import UpstreamError
from mlsecure.serving.validation import ValidationFailure

_JSON = "application/json"
_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_Headers = list[tuple[bytes, bytes]]
_Reply = tuple[int, _Headers, bytes]
"""status, response headers (besides content-type/length), JSON body."""

_PLAIN_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))  # as JSONResponse
_SIGNATURE_HEADER = SIGNATURE_HEADER.lower().encode("latin-1")
_KEY_ID_HEADER = KEY_ID_HEADER.lower().encode("latin-1")


class _Refusal(Exception):
    """A request refused before the model ran: status, public message, audit details."""

    def __init__(self, status: int, error: str, detail: str, *, event_type: str = "prediction",
                 actor: str = "anonymous", headers: dict[str, str] | None = None, outcome: str = "denied",
                 **audit: Any) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.status = status
        self.error = error
        self.detail = detail
        self.event_type = event_type
        self.actor = actor
        self.headers = headers or {}
        self.audit = audit


class _Call:
    """What the handlers read of one request, taken from the ASGI scope in one pass over its headers."""

    __slots__ = ("authorization", "binary_header", "body", "content_length", "content_type", "forwarded_for", "peer",
                 "receive")

    def __init__(self, scope: _Scope, receive: _Receive) -> None:
        auth = ctype = clen = None
        binary = False
        xff: list[str] = []
        for name, value in scope["headers"]:  # ASGI: names are lower-case bytes; the first value wins
            if name == b"authorization":
                if auth is None:
                    auth = value.decode("latin-1")
            elif name == b"content-type":
                if ctype is None:
                    ctype = value.decode("latin-1")
            elif name == b"content-length":
                if clen is None:
                    clen = value.decode("latin-1")
            elif name == b"x-forwarded-for":
                xff.append(value.decode("latin-1"))
            elif name == b"inference-header-content-length":
                binary = True
        self.authorization: str | None = auth
        self.content_type: str = ctype or ""
        self.content_length: str | None = clen
        self.forwarded_for = xff
        self.binary_header = binary
        """The OIP binary-tensor extension (a JSON header followed by raw tensor bytes)."""
        client = scope.get("client")
        self.peer: str | None = client[0] if client else None
        self.receive = receive
        self.body: bytes | None = None
        """The whole body, when the server has read it already (``direct``): read without ``receive``."""

    @classmethod
    def direct(cls, headers: _Headers, client: tuple[str, int] | None, body: bytes) -> _Call:
        """From a request the server has read whole: ``body`` is read at once; ``receive`` (for a handler that
        asks anyway) gives it in one message, then ASGI's end of the request."""
        call = cls({"headers": headers, "client": client}, _no_more)
        call.body = body
        return call


async def _no_more() -> MutableMapping[str, Any]:
    return {"type": "http.disconnect"}


def _encode_headers(headers: dict[str, str]) -> _Headers:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class _Handlers:
    """The audited ``/v1`` request path; per-gateway constants computed once."""

    def __init__(self, gw: Gateway) -> None:
        cfg = gw.config
        self.gw = gw
        self.max_body = cfg.server.max_body_bytes
        self.trusted = cfg.server.trusted_proxies
        self.block = gw.monitoring and cfg.extraction.action == "block"
        self.throttle = gw.monitoring and cfg.extraction.action == "throttle"
        self.model_ref = {"name": cfg.model.name, "version": cfg.model.version}
        self.labels = gw.labels
        self.label_text = [str(label) for label in gw.labels]
        self.key_id = gw.signer.key_id.encode("latin-1") if gw.signer is not None else b""
        self.in_flight = 0  # audited requests in progress (one alone: its record may be committed inline)
        self._range_labels: dict[int, tuple[list[Any], list[str]]] = {}
        self.input_name = cfg.model.input_name
        self.labels_only = cfg.output.labels_only
        self.model_key = (cfg.model.name, cfg.model.version)
        out = cfg.output
        self.plain_policy = out.noise == "none" and out.decimals <= 15
        """Small upstream answers are hardened in Python (``OutputPolicy.apply_rows``)."""

    def address(self, call: _Call) -> str:
        if not self.trusted:  # client_address(peer, ..., ()) is the peer itself
            return call.peer if call.peer is not None else "unknown"
        return client_address(call.peer, call.forwarded_for, self.trusted)

    async def authorize(self, call: _Call, permission: str, ip: str) -> Principal:
        gw = self.gw
        blocked = await gw.limiter.auth_blocked(ip)
        if not blocked.allowed:
            gw.metrics.rate_limited.labels("auth_failures").inc()
            raise _Refusal(429, "too_many_failures", "too many failed authentications from this address",
                           event_type="auth_failure", headers=_retry(blocked.retry_after_s), reason="locked out")
        try:
            principal = gw.authenticator.authenticate(call.authorization)
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

    async def audited(self, call: _Call, endpoint: str, action: str, permission: str, work: Any, *,
                      oip: bool = False) -> _Reply:
        """Authorize, run ``work(call, principal, request_id)``, write the one audit record, answer
        (``oip``: errors in the Open Inference Protocol's shape, ``{"error": message, ...}``)."""
        self.in_flight += 1  # audited requests in progress (one alone: its record may be committed inline)
        try:
            gw = self.gw
            t0 = time.perf_counter()
            request_id = gw.next_request_id()
            ip = self.address(call)
            actor = "anonymous"
            summary = None
            reply: _Reply
            try:
                principal = await self.authorize(call, permission, ip)
                actor = principal.actor
                reply, event_type, outcome, extra = await work(call, principal, request_id)
                status = reply[0]
                summary = extra.pop("output_summary", None)
            except _Refusal as r:
                reply, status = refusal_reply(r, request_id, oip=oip), r.status
                event_type, outcome, extra = r.event_type, r.outcome, {"reason": r.detail, **r.audit}
                actor = r.actor if r.actor != "anonymous" else actor
            except Exception as exc:  # a bug or a model failure: answer 500, and still audit it
                reply = _json_reply(500, _error_body("internal", "internal error", request_id, oip))
                status, event_type, outcome = 500, "prediction" if "infer" in endpoint or endpoint == "predict" \
                    else "model_access", "error"
                extra = {"reason": f"{type(exc).__name__}: {str(exc)[:200]}"}
            input_hash = extra.pop("input_hash", None)
            to_sign = reply[2] if extra.pop("sign", False) else None
            observe = extra.pop("observe", None)
            latency_ms = (time.perf_counter() - t0) * 1000
            try:
                signature = await gw.audit(
                    event_type=event_type, actor=actor, action=action, outcome=outcome, ip=ip, input_hash=input_hash,
                    latency_ms=latency_ms, output_summary=summary, sign=to_sign, observe=observe,
                    details={"request_id": request_id, "endpoint": endpoint, "status": status, **extra},
                    alone=self.in_flight == 1)
                if signature is not None:  # signed by the audit writer, off the event loop, once the record is in
                    reply[1].append((_SIGNATURE_HEADER, signature.encode("latin-1")))
                    reply[1].append((_KEY_ID_HEADER, self.key_id))
            except Exception:  # fail closed: nothing is answered without its audit record
                status = 503
                reply = _json_reply(503, _error_body("audit_unavailable", "the audit log cannot be written; request "
                                                     "not served", request_id, oip))
            gw.metrics.observe(endpoint, status, time.perf_counter() - t0)
            return reply
        finally:
            self.in_flight -= 1

    async def predict(self, call: _Call) -> _Reply:
        return await self.audited(call, "predict", "predict", Permission.PREDICT, self._predict)

    async def unrouted(self, call: _Call, method: str, path: str, status: int, allow: str, *,
                       oip: bool = False) -> _Reply:
        """404 (no such ``/v1`` path) or 405 (not this method), audited like every ``/v1`` request."""
        gw = self.gw
        t0 = time.perf_counter()
        request_id = gw.next_request_id()
        ip = self.address(call)
        path = path[:200]
        error = "not_found" if status == 404 else "method_not_allowed"
        detail = f"no endpoint {path}" if status == 404 else f"{path} does not answer {method} (allowed: {allow})"
        reply: _Reply = (status, _encode_headers({"Allow": allow} if status == 405 else {}),
                         _PLAIN_JSON.encode(_error_body(error, detail, request_id, oip)).encode())
        try:
            await gw.audit(event_type="access_denied", actor="anonymous", action=method.lower() or "request",
                           outcome="denied", ip=ip, input_hash=None, latency_ms=(time.perf_counter() - t0) * 1000,
                           details={"request_id": request_id, "endpoint": "unrouted", "status": status,
                                    "method": method[:16], "path": path, "reason": error})
        except Exception:  # fail closed: nothing is answered without its audit record
            reply = _json_reply(503, _error_body("audit_unavailable", "the audit log cannot be written; request "
                                                 "not served", request_id, oip))
        return reply

    async def v2(self, call: _Call, method: str, path: str) -> _Reply:
        """The Open Inference Protocol routes. Health and server metadata answer without a credential and
        are not audited (as ``/healthz``); every ``/v2/models`` request is authorised and audited."""
        get = method in ("GET", "HEAD")
        if path in _V2_OPEN:
            if not get:
                return await self.unrouted(call, method, path, 405, "GET, HEAD", oip=True)
            if path == "/v2":
                return _json_reply(200, {"name": "mlsecure-gateway", "version": "1", "extensions": []})
            return _json_reply(200, {"live": True} if path.endswith("live") else {"ready": True})
        m = _V2_MODEL.fullmatch(path)
        if m is None:
            return await self.unrouted(call, method, path, 404, "", oip=True)
        name, version, tail = m.group(1), m.group(2), m.group(3) or ""
        allowed = "POST" if tail == "/infer" else "GET, HEAD"
        if (tail == "/infer") == get:
            return await self.unrouted(call, method, path, 405, allowed, oip=True)
        known = name == self.model_ref["name"] and version in (None, self.model_ref["version"])
        if tail == "/infer":
            if not known:
                return await self.audited(call, "v2_infer", "predict", Permission.PREDICT,
                                          self._unknown_model(name, version), oip=True)
            return await self.infer(call)
        work = self._model_ready if tail == "/ready" else self._model_metadata
        return await self.audited(call, "v2_ready" if tail else "v2_metadata", "read_metadata",
                                  Permission.MODELS_READ, work if known else self._unknown_model(name, version),
                                  oip=True)

    @staticmethod
    def _unknown_model(name: str, version: str | None) -> Any:
        async def work(call: _Call, principal: Principal, request_id: str) -> tuple[_Reply, str, str, dict[str, Any]]:
            del call
            what = f"{name!r}" + (f" version {version!r}" if version is not None else "")
            raise _Refusal(404, "model_not_found", f"no model {what[:200]}", event_type="model_access",
                           actor=principal.actor)

        return work

    async def _model_ready(self, call: _Call, principal: Principal,
                           request_id: str) -> tuple[_Reply, str, str, dict[str, Any]]:
        del call, principal, request_id
        ref = self.model_ref
        return _json_reply(200, {"name": ref["name"], "ready": True}), "model_access", "allowed", {}

    async def _model_metadata(self, call: _Call, principal: Principal,
                              request_id: str) -> tuple[_Reply, str, str, dict[str, Any]]:
        del call, principal, request_id
        gw, cfg = self.gw, self.gw.config
        body = oip.model_metadata(name=cfg.model.name, version=cfg.model.version, platform=gw.model.framework,
                                  input_name=cfg.model.input_name, input_shape=gw.schema.input_shape,
                                  labels=self.labels, labels_only=cfg.output.labels_only, top_k=cfg.output.top_k)
        return _json_reply(200, body), "model_access", "allowed", {}

    def _predict(self, call: _Call, principal: Principal,
                 request_id: str) -> Coroutine[Any, Any, tuple[_Reply, str, str, dict[str, Any]]]:
        return self.serve_rows(call, principal, request_id, self._v1_decode, self._v1_encode)

    def _v1_decode(self, body: bytes) -> tuple[np.ndarray, Any]:
        return self.gw.schema.parse(body), None

    def _v1_encode(self, request_id: str, input_hash: str, predictions: list[dict[str, Any]],
                   context: Any) -> dict[str, Any]:
        del context
        return {"request_id": request_id, "model": self.model_ref, "input_sha256": input_hash,
                "predictions": predictions, "served_at": round(time.time(), 3)}

    async def infer(self, call: _Call) -> _Reply:
        """``POST /v2/models/{name}/infer``: the same request path as ``/v1/predict``, OIP tensors in and out."""
        return await self.audited(call, "v2_infer", "predict", Permission.PREDICT, self._infer, oip=True)

    def _infer(self, call: _Call, principal: Principal,
               request_id: str) -> Coroutine[Any, Any, tuple[_Reply, str, str, dict[str, Any]]]:
        # a binary-tensor request is refused by _read_body before any decoding (untyped=True)
        return self.serve_rows(call, principal, request_id, self._oip_decode, self._oip_encode, untyped=True)

    def _oip_decode(self, body: bytes) -> tuple[np.ndarray, Any]:
        return oip.parse_infer(body, self.gw.schema, self.input_name, self.labels_only, model=self.model_key)

    def _oip_encode(self, request_id: str, input_hash: str, predictions: list[dict[str, Any]],
                    context: Any) -> dict[str, Any]:
        return oip.infer_response(model_name=self.model_ref["name"], model_version=self.model_ref["version"],
                                  request_id=request_id, input_hash=input_hash, served_at=round(time.time(), 3),
                                  predictions=predictions, context=context)

    async def serve_rows(self, call: _Call, principal: Principal, request_id: str,
                         decode: Callable[[bytes], tuple[np.ndarray, Any]],
                         encode: Callable[[str, str, list[dict[str, Any]], Any], dict[str, Any]],
                         *, untyped: bool = False) -> tuple[_Reply, str, str, dict[str, Any]]:
        """Every defence of a prediction, whatever the wire format (``decode`` the body, ``encode`` the
        hardened predictions; ``untyped``: a body without Content-Type is read as JSON, as OIP clients send it)."""
        gw = self.gw
        actor = principal.actor
        flagged = actor in gw.flagged
        if flagged and self.block:
            raise _Refusal(403, "blocked", "client blocked after suspected model extraction",
                           actor=actor, reason="extraction block")
        decision = await gw.limiter.acquire_rate(actor, throttled=flagged and self.throttle)
        if not decision.allowed:
            gw.metrics.rate_limited.labels(decision.limit).inc()
            raise _Refusal(429, "rate_limited", f"{decision.limit} limit reached", actor=actor,
                           headers=_retry(decision.retry_after_s), limit=decision.limit)
        body = await _read_body(call, self.max_body, actor, untyped=untyped)
        input_hash = hashlib.sha256(body).hexdigest()
        try:
            x, context = decode(body)
        except ValidationFailure as exc:
            gw.metrics.invalid.inc()
            raise _Refusal(422, "invalid_input", f"{exc.field}: {exc.message}", actor=actor,
                           field=exc.field, input_hash=input_hash) from None
        n = len(x)
        decision = await gw.limiter.acquire_budget(actor, n)
        if not decision.allowed:
            gw.metrics.rate_limited.labels(decision.limit).inc()
            raise _Refusal(429, "budget_exhausted", f"{decision.limit} query budget used up",
                           actor=actor, headers=_retry(decision.retry_after_s),
                           limit=decision.limit, input_hash=input_hash)
        upstream = gw.upstream
        proba: np.ndarray | list[list[float]]
        if upstream is None:
            proba = gw.model.predict_proba(x)
            labels, text = self.labels, self.label_text
        else:
            try:
                proba = await upstream.predict_rows(x)
            except UpstreamError as exc:
                gw.metrics.upstream_errors.labels(exc.code).inc()
                try:  # no answer, no charge: the rows were reserved until now
                    await gw.limiter.refund_budget(actor, n)
                    refunded = True
                except Exception:  # the budget storage is down: the units stay spent (never more than the budget)
                    refunded = False
                raise _Refusal(exc.status, exc.code, exc.detail, actor=actor, outcome="error", rows=n,
                               input_hash=input_hash, upstream=upstream.endpoint, budget_refunded=refunded) from None
            if isinstance(proba, list):  # a small answer in plain floats: hardened without numpy (apply_rows)
                labels, text = self._labels_for(len(proba[0]))
                rows = proba
                top = [max(range(len(row)), key=row.__getitem__) for row in rows]  # argmax: the first maximal
                gw.metrics.rows_total += n
                predictions = gw.policy.apply_rows(rows, labels, top) if self.plain_policy else \
                    gw.policy.apply(np.asarray(rows, dtype=np.float64), labels, gw.rng, top1=np.asarray(top))
                return self._answer(request_id, input_hash, x, n, predictions, context, encode,
                                    [text[i] for i in top[:16]], array("q", top).tobytes())
            labels, text = self._labels_for(proba.shape[1])
        gw.metrics.rows_total += n
        top1 = proba.argmax(axis=1)
        predictions = gw.policy.apply(proba, labels, gw.rng, top1=top1)
        return self._answer(request_id, input_hash, x, n, predictions, context, encode,
                            [text[i] for i in top1[:16].tolist()], top1.astype(np.int64).tobytes())

    def _labels_for(self, k: int) -> tuple[list[Any], list[str]]:
        """The configured labels (and their text), else ``0..k-1`` for an upstream without them (made once per k)."""
        if self.labels:
            return self.labels, self.label_text
        made = self._range_labels.get(k)
        if made is None:
            labels: list[Any] = list(range(k))
            made = self._range_labels[k] = (labels, [str(i) for i in labels])
        return made

    def _answer(self, request_id: str, input_hash: str, x: np.ndarray, n: int, predictions: list[dict[str, Any]],
                context: Any, encode: Callable[[str, str, list[dict[str, Any]], Any], dict[str, Any]],
                summary: list[str], top1: bytes) -> tuple[_Reply, str, str, dict[str, Any]]:
        """The signed answer's body and what its audit record and the extraction monitor get."""
        gw = self.gw
        content = response_json(encode(request_id, input_hash, predictions, context))
        headers: _Headers = [(b"x-request-id", request_id.encode("latin-1"))]
        return ((200, headers, content), "prediction", "allowed",
                {"rows": n, "input_hash": input_hash, "output_summary": ",".join(summary),
                 "sign": gw.signer is not None,
                 "observe": (np.ascontiguousarray(x, dtype=np.float32).tobytes(), x.size // n, top1)
                 if gw.monitoring else None})


_BINARY_FIELD = "Inference-Header-Content-Length"
_BINARY_REFUSED = ("binary tensor data (binary_data_size) is not accepted; send tensors as JSON (tritonclient: "
                   "binary_data=False; kserve: set_data_from_numpy(..., binary_data=False))")
_V2_OPEN = frozenset({"/v2", "/v2/health/live", "/v2/health/ready"})
_V2_MODEL = re.compile(r"/v2/models/([^/]+)(?:/versions/([^/]+))?(/ready|/infer)?")


def refusal_reply(r: _Refusal, request_id: str, *, oip: bool = False) -> _Reply:
    body = _error_body(r.error, r.detail, request_id, oip)
    if "field" in r.audit:
        body["field"] = r.audit["field"]
    return r.status, _encode_headers(r.headers), _PLAIN_JSON.encode(body).encode("utf-8")


def _error_body(error: str, detail: str, request_id: str, oip: bool) -> dict[str, Any]:
    """``/v1``: ``error`` is a code; OIP clients (tritonclient) show only ``error``, so there it is the
    whole message and the code moves to ``code``."""
    if oip:
        return {"error": f"{error}: {detail}", "code": error, "detail": detail, "request_id": request_id}
    return {"error": error, "detail": detail, "request_id": request_id}


def _json_reply(status: int, body: Any) -> _Reply:
    return status, [], _PLAIN_JSON.encode(body).encode("utf-8")


def _as_response(reply: _Reply) -> Response:
    status, headers, content = reply
    return Response(content, status_code=status, media_type=_JSON,
                    headers={k.decode("latin-1"): v.decode("latin-1") for k, v in headers})


class GatewayApp:
    """The ASGI app: ``POST /v1/predict`` straight to the handler, everything else to ``self.fastapi``."""

    def __init__(self, api: FastAPI, handlers: _Handlers) -> None:
        self.fastapi = api
        self._handlers = handlers
        self._v1 = _v1_routes(api)
        ref = handlers.model_ref
        name, version = ref["name"], ref["version"]
        self._infer_paths = frozenset(
            {f"/v2/models/{name}/infer", f"/v2/models/{name}/versions/{version}/infer"}
            if name and version and "/" not in name + version else ())
        """The served model's OIP infer routes, which ``_Handlers.v2`` routes to ``infer`` too."""

    def openapi(self) -> dict[str, Any]:
        return self.fastapi.openapi()

    async def direct(self, method: str, path: str, headers: _Headers, body: bytes,
                     client: tuple[str, int] | None) -> _Reply | None:
        """``POST /v1/predict`` and ``/v2`` for the built-in server, which has the whole request already: the
        very answer ``__call__`` sends (same handlers, same headers), without building an ASGI scope, a
        ``receive`` and two ``send`` messages per request. None: not one of these routes (the server then
        calls the ASGI app)."""
        if method == "POST" and path in self._infer_paths:  # the hot route: no regex, no branching on the path
            h = self._handlers
            status, out, content = await h.audited(_Call.direct(headers, client, body), "v2_infer", "predict",
                                                   Permission.PREDICT, h._infer, oip=True)
        elif method == "POST" and path == "/v1/predict":
            status, out, content = await self._handlers.predict(_Call.direct(headers, client, body))
        elif path == "/v2" or path.startswith("/v2/"):
            status, out, content = await self._handlers.v2(_Call.direct(headers, client, body), method, path)
        else:
            return None
        out.append((b"content-type", b"application/json"))
        out.append((b"content-length", str(len(content)).encode("latin-1")))
        return status, out, content

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/predict" and scope["method"] == "POST":
            status, headers, content = await self._handlers.predict(_Call(scope, receive))
            headers.append((b"content-type", b"application/json"))
            headers.append((b"content-length", str(len(content)).encode("latin-1")))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})
            return
        if scope["type"] == "http" and (scope["path"] == "/v2" or scope["path"].startswith("/v2/")):
            status, headers, content = await self._handlers.v2(_Call(scope, receive), str(scope["method"]),
                                                               str(scope["path"]))
            headers.append((b"content-type", b"application/json"))
            headers.append((b"content-length", str(len(content)).encode("latin-1")))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})
            return
        if scope["type"] == "http" and (scope["path"] == "/v1" or scope["path"].startswith("/v1/")):
            methods = self._v1.get(scope["path"])
            if methods is None or scope["method"] not in methods:  # answered and audited here, not by FastAPI
                allow = ", ".join(sorted(methods or ()))
                status, headers, content = await self._handlers.unrouted(
                    _Call(scope, receive), str(scope["method"]), str(scope["path"]), 404 if methods is None else 405,
                    allow)
                headers.append((b"content-type", b"application/json"))
                headers.append((b"content-length", str(len(content)).encode("latin-1")))
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": content})
                return
        await self.fastapi(scope, receive, send)


def _v1_routes(api: FastAPI) -> dict[str, frozenset[str]]:
    """``/v1`` path -> the methods its route answers (GET routes also answer HEAD)."""
    out: dict[str, frozenset[str]] = {}
    for route in api.routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None)
        if isinstance(path, str) and path.startswith("/v1") and methods:
            out[path] = frozenset(out.get(path, frozenset()) | set(methods))
    return out


def create_app(gw: Gateway) -> GatewayApp:
    """The ASGI app serving ``gw`` (FastAPI behind a fast ``/v1/predict``); its lifespan writes the
    start/stop audit events. ``.fastapi`` is the FastAPI app (routes, OpenAPI spec)."""
    cfg = gw.config

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await gw.record_lifecycle("start")
        try:
            yield
        finally:
            await gw.record_lifecycle("stop")
            await gw.limiter.aclose()
            if gw.upstream is not None:
                await gw.upstream.aclose()

    app = FastAPI(
        title="mlsecure gateway", version="1", lifespan=lifespan,
        description=f"Secure serving of model {cfg.model.name!r} version {cfg.model.version!r}.",
        openapi_url="/openapi.json" if cfg.server.openapi else None,
        docs_url="/docs" if cfg.server.openapi else None, redoc_url=None,
    )
    h = _Handlers(gw)

    def call_of(request: Request) -> _Call:
        return _Call(request.scope, request.receive)

    schema = gw.schema
    predict_openapi = {
        "requestBody": {"required": True, "content": {_JSON: {"schema": schema.json_schema()}}},
        "security": [{"bearerAuth": []}],
    }

    @app.post("/v1/predict", openapi_extra=predict_openapi, responses=_responses(200, 401, 403, 413, 415, 422, 429),
              summary="Predict class probabilities for a batch of samples")
    async def predict(request: Request) -> Any:  # reached only through .fastapi; GatewayApp answers first
        return _as_response(await h.predict(call_of(request)))

    @app.get("/v1/models", responses=_responses(200, 401, 403, 429), openapi_extra={"security": [{"bearerAuth": []}]},
             summary="The served model and its input schema")
    async def models(request: Request) -> Any:
        async def work(call: _Call, principal: Principal, request_id: str) -> tuple[_Reply, str, str, dict[str, Any]]:
            del call, principal
            return _json_reply(200, {"request_id": request_id, "models": [gw.model_card()]}), "model_access", \
                "allowed", {}

        return _as_response(await h.audited(call_of(request), "models", "read_metadata", Permission.MODELS_READ,
                                            work))

    @app.get("/v1/audit/verify", responses=_responses(200, 401, 403, 429),
             openapi_extra={"security": [{"bearerAuth": []}]}, summary="Verify the audit log's hash chain")
    async def audit_verify(request: Request) -> Any:
        async def work(call: _Call, principal: Principal, request_id: str) -> tuple[_Reply, str, str, dict[str, Any]]:
            del call, principal
            anyio: Any = require("anyio", "gateway")
            result = await anyio.to_thread.run_sync(gw.store.verify)
            body = {"request_id": request_id, "ok": bool(result.ok), "records_checked": result.records_checked,
                    "problems": list(result.problems)[:50]}
            return _json_reply(200, body), "audit_access", "allowed", {"ok": bool(result.ok)}

        return _as_response(await h.audited(call_of(request), "audit_verify", "verify", Permission.AUDIT_READ,
                                            work))

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
            call = call_of(request)
            try:
                await h.authorize(call, Permission.METRICS_READ, h.address(call))
            except _Refusal as r:
                return _as_response(refusal_reply(r, gw.next_request_id()))
        data, ctype = gw.metrics.render()
        return Response(data, media_type=ctype)

    _add_security_scheme(app)
    return GatewayApp(app, h)


async def _read_body(call: _Call, limit: int, actor: str, *, untyped: bool = False) -> bytes:
    if untyped and call.binary_header:  # OIP's binary-tensor extension (sent as application/octet-stream)
        raise _Refusal(422, "invalid_input", f"{_BINARY_FIELD}: {_BINARY_REFUSED}", actor=actor, field=_BINARY_FIELD)
    if call.content_type.split(";", 1)[0].strip().lower() != _JSON and not (untyped and not call.content_type):
        raise _Refusal(415, "unsupported_media_type", "send the body as application/json", actor=actor,
                       field="content-type")
    declared = call.content_length
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _Refusal(413, "body_too_large", f"body larger than {limit} bytes", actor=actor, field="body")
    whole = call.body
    if whole is not None:  # the built-in server read it (``_Call.direct``): no ASGI messages to wait for
        call.body, call.receive = None, _no_more  # a body is read once, as from ``receive``
        if len(whole) > limit:
            raise _Refusal(413, "body_too_large", f"body larger than {limit} bytes", actor=actor, field="body")
        return whole
    chunks = b""
    more = True
    while more:
        message = await call.receive()
        if message["type"] == "http.disconnect":
            raise _Refusal(400, "disconnected", "the client disconnected before sending the body", actor=actor)
        chunk = message.get("body", b"")
        chunks = chunk if not chunks else chunks + chunk
        if len(chunks) > limit:
            raise _Refusal(413, "body_too_large", f"body larger than {limit} bytes", actor=actor, field="body")
        more = message.get("more_body", False)
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
