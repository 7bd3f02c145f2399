"""``Gateway``: the served model plus every defence, built from a ``GatewayConfig``.

``build_gateway(config)`` loads the model through the artifact gate (``load_model``), opens the token
store and the audit log, loads (or creates) the response-signing key and sets up the limiter and the
extraction monitor (in the audit writer). ``create_app(gateway)`` (``serving.app``) turns it into an ASGI app.
"""

from __future__ import annotations

import itertools
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.errors import ConfigError
from mlsecure.models.interface import Model
from mlsecure.serving.auth import Authenticator
from mlsecure.serving.config import GatewayConfig
from mlsecure.serving.hardening import OutputPolicy
from mlsecure.serving.metrics import GatewayMetrics
from mlsecure.serving.ratelimit import RateLimiter
from mlsecure.serving.signing import ResponseSigner
from mlsecure.serving.tokens import TokenStore, open_token_store
from mlsecure.serving.validation import InputSchema

if TYPE_CHECKING:
    from mlsecure.audit import AuditStore
    from mlsecure.serving.audit_sink import AuditSink
    from mlsecure.serving.audit_writer import Observation, ProcessAuditWriter, ThreadAuditWriter
    from mlsecure.serving.upstream import Upstream


@dataclass(eq=False)
class Gateway:
    config: GatewayConfig
    model: Model
    schema: InputSchema
    authenticator: Authenticator
    limiter: RateLimiter
    policy: OutputPolicy
    signer: ResponseSigner | None
    store: AuditStore
    sink: AuditSink
    writer: ThreadAuditWriter | ProcessAuditWriter
    metrics: GatewayMetrics
    labels: list[Any]
    """Class labels in output order; empty for an upstream whose classes are not configured (0..k-1)."""
    upstream: Upstream | None = None
    """Set in upstream mode: the model server that computes the probabilities."""
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
    flagged: set[str] = field(default_factory=set)
    """Clients the extraction monitor (which runs in the audit writer) has flagged."""
    _id_prefix: str = field(default_factory=lambda: secrets.token_hex(8))
    _id_key: int = field(default_factory=lambda: secrets.randbits(64))
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def next_request_id(self) -> str:
        """32 hex characters, unique per gateway process: a random prefix and the request counter under a
        secret odd-multiplier permutation of 64-bit integers (no syscall, and it does not reveal the count)."""
        n = (next(self._ids) * 0x9E3779B97F4A7C15 + self._id_key) & 0xFFFFFFFFFFFFFFFF
        return f"{self._id_prefix}{n:016x}"

    @property
    def resource(self) -> str:
        return self._resource

    def __post_init__(self) -> None:
        self._resource = f"{self.config.model.name}:{self.config.model.version}"

    @property
    def monitoring(self) -> bool:
        """Whether the extraction monitor is on (it sees every committed prediction's rows)."""
        return self.config.extraction.enabled

    async def audit(self, *, event_type: str, actor: str, action: str, outcome: str, ip: str | None,
                    input_hash: str | None, latency_ms: float | None, details: dict[str, Any],
                    output_summary: str | None = None, sign: bytes | None = None,
                    observe: Observation | None = None, alone: bool = False) -> str | None:
        """Write one event and wait until it is committed (``output_summary`` may also come in ``details``).

        ``sign``: a response body to sign once the record is committed; its signature is returned.
        ``observe``: the prediction's rows for the extraction monitor. ``alone``: no other request is in
        progress (the sink may commit it on the event loop). Raises ``AuditStoreError`` when the
        record could not be written (the caller must not answer)."""
        summary = details.pop("output_summary", output_summary)
        rid = details.get("request_id")
        model = self.config.model
        fields = {
            "event_id": rid if isinstance(rid, str) else uuid.uuid4().hex, "timestamp": time.time(),
            "event_type": event_type, "actor": actor, "action": action, "resource": self.resource,
            "outcome": outcome, "details": details, "input_hash": input_hash, "model_name": model.name,
            "model_version": model.version, "latency_ms": latency_ms, "ip_address": ip, "output_summary": summary}
        signature, error, flagged = await self.sink.record((fields, sign, observe), alone=alone)
        if error is not None:
            from mlsecure.audit import AuditStoreError  # here, not on every request's path

            raise AuditStoreError(error)
        if flagged and actor not in self.flagged:
            self.flagged.add(actor)
            self.metrics.extraction_flags.inc()
        return signature  # type: ignore[no-any-return]  # the writer's result tuple is typed in audit_writer

    async def record_lifecycle(self, what: str) -> None:
        cfg = self.config
        await self.audit(event_type="config_change", actor="gateway", action=what, outcome="allowed", ip=None,
                         input_hash=None, latency_ms=None,
                         details={"config_file": str(cfg.source) if cfg.source else None,
                                  "config_sha256": cfg.sha256 or None, "pid": os.getpid(),
                                  "signing_key_id": self.signer.key_id if self.signer else None,
                                  "extraction_action": cfg.extraction.action if self.monitoring else "off"})

    def model_card(self) -> dict[str, Any]:
        cfg, m = self.config, self.model
        return {
            "name": cfg.model.name, "version": cfg.model.version, "framework": m.framework,
            "input_shape": list(m.input_shape), "n_classes": m.n_classes, "labels": self.labels,
            "value_range": list(self.schema.value_range) if self.schema.value_range else None,
            "max_batch": self.schema.max_batch,
            "output": {"top_k": cfg.output.top_k, "decimals": cfg.output.decimals,
                       "labels_only": cfg.output.labels_only, "noise": cfg.output.noise},
            "signing_key_id": self.signer.key_id if self.signer else None,
        }

    def close(self) -> None:
        self.sink.close()
        self.writer.close()
        self.store.close()
        self.authenticator.tokens.close()


def build_gateway(cfg: GatewayConfig, *, model: Model | None = None, token_store: TokenStore | None = None,
                  audit_store: AuditStore | None = None, seed: int | None = None) -> Gateway:
    """Assemble a ``Gateway``; the model comes from ``cfg.model.path`` unless given."""
    from mlsecure.serving.audit_sink import AuditSink
    from mlsecure.serving.audit_writer import ProcessAuditWriter, ThreadAuditWriter

    upstream = None
    if model is None and cfg.upstream.url is not None:
        model, upstream = _upstream_model(cfg)
    if model is None:
        if cfg.model.path is None:
            raise ConfigError("no model to serve: pass --model or --upstream, or set [model] path or [upstream] url")
        from mlsecure.artifacts.load import load_model

        model = load_model(cfg.model.path, input_shape=cfg.model.input_shape)
    schema = InputSchema.for_model(model, value_range=cfg.model.input_range, max_batch=cfg.model.max_batch)
    hmac_key = audit_hmac_key(cfg) if audit_store is None else b""  # no key, no start: before any file is made
    tokens = token_store if token_store is not None else open_token_store(cfg.auth.token_store)
    tokens.records()  # a corrupt store refuses to start (ConfigError) instead of failing every request
    signer = ResponseSigner.from_file(cfg.signing.key_file, generate=cfg.signing.generate) \
        if cfg.signing.enabled else None
    writer: ThreadAuditWriter | ProcessAuditWriter
    extraction = cfg.extraction if cfg.extraction.enabled else None
    if audit_store is not None:  # the caller's store object: written from this process
        store = audit_store
        writer = ThreadAuditWriter(store, signer, extraction)
    else:
        store = open_audit_store(cfg, hmac_key)
        kind = cfg.audit.writer if cfg.audit.writer != "auto" else \
            "thread" if upstream is not None else "process"
        writer = ProcessAuditWriter(cfg.audit.store, hmac_key=hmac_key, signer=signer, extraction=extraction) \
            if kind == "process" else ThreadAuditWriter(store, signer, extraction)
    classes = model.classes
    if cfg.model.labels is not None:
        if upstream is None and len(cfg.model.labels) != model.n_classes:
            raise ConfigError(f"[model] labels names {len(cfg.model.labels)} classes; the model has {model.n_classes}")
        labels: list[Any] = list(cfg.model.labels)
    elif upstream is not None:
        labels = []
    else:
        labels = list(range(model.n_classes)) if classes is None else \
            [c.item() if hasattr(c, "item") else c for c in classes]
    return Gateway(
        config=cfg, model=model, schema=schema,
        authenticator=Authenticator(tokens, cfg.auth.jwt),
        limiter=RateLimiter(cfg.rate_limit, throttle_per_minute=cfg.extraction.throttle_per_minute),
        policy=OutputPolicy(cfg.output), signer=signer,
        store=store, sink=AuditSink(writer, max_batch=cfg.audit.max_batch), writer=writer,
        metrics=GatewayMetrics(),
        labels=labels, upstream=upstream, rng=np.random.default_rng(seed),
    )


def _upstream_model(cfg: GatewayConfig) -> tuple[Model, Upstream]:
    """The upstream client and its schema: ``[model] input_shape``, else the upstream's OIP metadata."""
    from mlsecure.serving.upstream import Upstream, UpstreamModel

    up = cfg.upstream
    labels = list(cfg.model.labels) if cfg.model.labels is not None else None
    upstream = Upstream(up, model_name=cfg.model.name, labels=labels, input_name=cfg.model.input_name)
    shape = cfg.model.input_shape
    if shape is None:
        if up.protocol != "oip" or not up.use_metadata:
            raise ConfigError(f"[model] input_shape is required with [upstream] protocol = {up.protocol!r} "
                              "(only an OIP upstream publishes its input schema)")
        schema = upstream.fetch_schema()
        shape = schema.input_shape
        upstream.input_name = schema.input_name
    return UpstreamModel(up.protocol, shape, labels), upstream


def open_audit_store(cfg: GatewayConfig, hmac_key: bytes | None = None) -> AuditStore:
    """The configured audit log (the key from ``audit_hmac_key(cfg)`` unless given)."""
    from mlsecure.audit import open_store

    return open_store(cfg.audit.store, hmac_key=audit_hmac_key(cfg) if hmac_key is None else hmac_key)


def audit_hmac_key(cfg: GatewayConfig) -> bytes:
    """The audit chain's HMAC key from ``hmac_key_file`` or the ``hmac_key_env`` variable."""
    from mlsecure.audit import resolve_hmac_key
    from mlsecure.audit.keys import read_key_file

    key: bytes | str | None = None
    if cfg.audit.hmac_key_file is not None:
        key = read_key_file(cfg.audit.hmac_key_file)  # as `mlsecure audit` reads it, so both agree on the key
    elif os.environ.get(cfg.audit.hmac_key_env):
        key = os.environ[cfg.audit.hmac_key_env]
    else:
        from mlsecure.audit.keys import HMAC_KEY_ENV, HMAC_KEY_FILE_ENV

        if not os.environ.get(HMAC_KEY_ENV) and not os.environ.get(HMAC_KEY_FILE_ENV):
            raise ConfigError(f"no audit HMAC key: set [audit] hmac_key_file (a file holding the key) or the "
                              f"environment variable [audit] hmac_key_env names ({cfg.audit.hmac_key_env}, "
                              "64 hex characters); create one with: python3 -c 'import secrets; "
                              "print(secrets.token_hex(32))'")
    return resolve_hmac_key(key)

