"""``Gateway``: the served model plus every defence, built from a ``GatewayConfig``.

``build_gateway(config)`` loads the model through the artifact gate (``load_model``), opens the token
store and the audit log, loads (or creates) the response-signing key and sets up the limiter and the
extraction monitor. ``create_app(gateway)`` (``serving.app``) turns it into an ASGI app.
"""

from __future__ import annotations

import itertools
import os
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.errors import ConfigError
from mlsecure.models.interface import Model
from mlsecure.serving.auth import Authenticator
from mlsecure.serving.config import GatewayConfig
from mlsecure.serving.extraction import ExtractionMonitor
from mlsecure.serving.hardening import OutputPolicy
from mlsecure.serving.metrics import GatewayMetrics
from mlsecure.serving.ratelimit import RateLimiter
from mlsecure.serving.signing import ResponseSigner
from mlsecure.serving.tokens import TokenStore, open_token_store
from mlsecure.serving.validation import InputSchema

if TYPE_CHECKING:
    from mlsecure.audit import AuditStore
    from mlsecure.serving.audit_sink import AuditSink


@dataclass(eq=False)
class Gateway:
    config: GatewayConfig
    model: Model
    schema: InputSchema
    authenticator: Authenticator
    limiter: RateLimiter
    policy: OutputPolicy
    signer: ResponseSigner | None
    monitor: ExtractionMonitor | None
    store: AuditStore
    sink: AuditSink
    metrics: GatewayMetrics
    labels: list[Any]
    rng: np.random.Generator = field(default_factory=np.random.default_rng)
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

    async def audit(self, *, event_type: str, actor: str, action: str, outcome: str, ip: str | None,
                    input_hash: str | None, latency_ms: float | None, details: dict[str, Any],
                    output_summary: str | None = None) -> None:
        """Write one event and wait until it is committed (``output_summary`` may also come in ``details``)."""
        from mlsecure.audit import AuditEvent

        summary = details.pop("output_summary", output_summary)
        rid = details.get("request_id")
        model = self.config.model
        await self.sink.record(AuditEvent(
            event_id=rid if isinstance(rid, str) else uuid.uuid4().hex,
            event_type=event_type, actor=actor, action=action, resource=self.resource, outcome=outcome,  # type: ignore[arg-type]
            details=details, input_hash=input_hash, model_name=model.name,
            model_version=model.version, latency_ms=latency_ms, ip_address=ip, output_summary=summary))

    async def record_lifecycle(self, what: str) -> None:
        cfg = self.config
        await self.audit(event_type="config_change", actor="gateway", action=what, outcome="allowed", ip=None,
                         input_hash=None, latency_ms=None,
                         details={"config_file": str(cfg.source) if cfg.source else None,
                                  "config_sha256": cfg.sha256 or None, "pid": os.getpid(),
                                  "signing_key_id": self.signer.key_id if self.signer else None,
                                  "extraction_action": cfg.extraction.action if self.monitor else "off"})

    async def observe_extraction(self, actor: str, x: np.ndarray, proba: np.ndarray, request_id: str, *,
                                 top1: np.ndarray | None = None) -> None:
        """Feed the monitor; audit the moment a client is first flagged. ``top1``: ``proba.argmax(1)``."""
        if self.monitor is None:
            return
        was_flagged = self.monitor.is_flagged(actor)
        verdict = self.monitor.observe(actor, x, proba.argmax(axis=1) if top1 is None else top1)
        if verdict is None or not verdict.suspicious or was_flagged:
            return
        self.metrics.extraction_flags.inc()
        await self.audit(event_type="extraction_suspected", actor=actor, action="monitor", outcome="denied"
                         if self.config.extraction.action == "block" else "allowed", ip=None, input_hash=None,
                         latency_ms=None, details={**verdict.as_dict(), "trigger_request_id": request_id,
                                                   "action": self.config.extraction.action,
                                                   "atlas": "AML.T0024.002", "owasp": "ML05"})

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
        self.store.close()
        self.authenticator.tokens.close()


def build_gateway(cfg: GatewayConfig, *, model: Model | None = None, token_store: TokenStore | None = None,
                  audit_store: AuditStore | None = None, seed: int | None = None) -> Gateway:
    """Assemble a ``Gateway``; the model comes from ``cfg.model.path`` unless given."""
    from mlsecure.serving.audit_sink import AuditSink

    if model is None:
        if cfg.model.path is None:
            raise ConfigError("no model to serve: pass --model or set [model] path")
        from mlsecure.artifacts.load import load_model

        model = load_model(cfg.model.path, input_shape=cfg.model.input_shape)
    schema = InputSchema.for_model(model, value_range=cfg.model.input_range, max_batch=cfg.model.max_batch)
    tokens = token_store if token_store is not None else open_token_store(cfg.auth.token_store)
    store = audit_store if audit_store is not None else open_audit_store(cfg)
    signer = ResponseSigner.from_file(cfg.signing.key_file, generate=cfg.signing.generate) \
        if cfg.signing.enabled else None
    classes = model.classes
    labels = list(range(model.n_classes)) if classes is None else \
        [c.item() if hasattr(c, "item") else c for c in classes]
    return Gateway(
        config=cfg, model=model, schema=schema,
        authenticator=Authenticator(tokens, cfg.auth.jwt),
        limiter=RateLimiter(cfg.rate_limit, throttle_per_minute=cfg.extraction.throttle_per_minute),
        policy=OutputPolicy(cfg.output), signer=signer,
        monitor=ExtractionMonitor(cfg.extraction) if cfg.extraction.enabled else None,
        store=store, sink=AuditSink(store, max_batch=cfg.audit.max_batch), metrics=GatewayMetrics(),
        labels=labels, rng=np.random.default_rng(seed),
    )


def open_audit_store(cfg: GatewayConfig) -> AuditStore:
    """The configured audit log; the HMAC key from ``hmac_key_file`` or the ``hmac_key_env`` variable."""
    from mlsecure.audit import open_store, resolve_hmac_key

    key: bytes | str | None = None
    if cfg.audit.hmac_key_file is not None:
        key = _read_key(cfg.audit.hmac_key_file)
    elif os.environ.get(cfg.audit.hmac_key_env):
        key = os.environ[cfg.audit.hmac_key_env]
    return open_store(cfg.audit.store, hmac_key=resolve_hmac_key(key))


def _read_key(path: Path) -> bytes | str:
    try:
        raw = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the audit HMAC key: {exc.strerror}") from None
    text = raw.decode("ascii", "replace")
    return text if raw and len(raw) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in text) else raw
