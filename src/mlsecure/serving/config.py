"""The gateway's configuration: one TOML file read with ``tomllib`` into frozen dataclasses.

Every section is optional and every setting has a secure default, so an empty file gives a gateway
with token authentication, rate limits, query budgets, input validation, output hardening, response
signing, the extraction monitor and the audit log all switched on. Unknown keys and wrong types are a
``ConfigError`` naming the section and key. Relative paths are resolved against the config file's folder.

Example::

    [model]
    name = "digits"
    input_range = [0.0, 1.0]
    max_batch = 64

    [auth]
    token_store = "tokens.db"

    [rate_limit]
    per_minute = 600
    per_day = 50000

    [output]
    top_k = 3
    decimals = 3

    [extraction]
    action = "throttle"

    [audit]
    store = "audit.db"
    hmac_key_env = "MLSECURE_AUDIT_HMAC_KEY"
    writer = "auto"
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from mlsecure.errors import ConfigError
from mlsecure.private_files import read_regular_file

ExtractionAction = Literal["flag", "throttle", "block"]
NoiseKind = Literal["none", "laplace", "gaussian"]
TlsVersion = Literal["1.2", "1.3"]
AuditWriterKind = Literal["auto", "process", "thread"]
HttpServerKind = Literal["builtin", "uvicorn"]
UpstreamProtocol = Literal["oip", "kserve-v1", "mlflow", "torchserve"]

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """What is served and the input schema the gateway enforces (defaults come from the model)."""

    path: Path | None = None
    name: str = "model"
    version: str = "1"
    input_range: tuple[float, float] | None = None
    """Allowed ``(min, max)`` of every input value; default: the model's ``clip_values`` (none if unset)."""
    max_batch: int = 64
    input_shape: tuple[int, ...] | None = None
    """Needed only for models that do not record it (TorchScript without metadata) and for an upstream
    that does not publish Open Inference Protocol metadata."""
    labels: tuple[str, ...] | None = None
    """Class labels in the model's output order (default: the model's classes, else 0..k-1)."""
    input_name: str = "input-0"
    """The input tensor's name on the Open Inference Protocol (``/v2``) front."""


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1_048_576
    trusted_proxies: tuple[IpNetwork, ...] = ()
    """Peers whose X-Forwarded-For is believed; the client is the right-most hop not in this list."""
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    tls_client_ca: Path | None = None
    """CA bundle for mutual TLS: when set, clients must present a certificate it signed."""
    tls_min_version: TlsVersion = "1.3"
    openapi: bool = True
    metrics_public: bool = False
    """Serve ``/metrics`` without authentication (default: needs the ``metrics:read`` permission)."""
    http: HttpServerKind = "builtin"
    """``builtin``: the gateway's own HTTP/1.1 server (``serving.http_server``); ``uvicorn``: uvicorn."""
    request_timeout_s: float = 10.0
    """A request's head and body must arrive within this many seconds of its first byte (else 408; builtin)."""
    keepalive_timeout_s: float = 5.0
    """An idle keep-alive connection is closed after this many seconds (builtin; uvicorn's default too)."""


@dataclass(frozen=True, kw_only=True)
class JwtConfig:
    """OIDC/JWT bearer tokens, verified against a JWKS file (no network fetch)."""

    jwks_file: Path
    issuer: str
    audience: str
    algorithms: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
    role_claim: str = "role"
    scope_claim: str = "scope"
    leeway_s: float = 30.0


@dataclass(frozen=True, kw_only=True)
class AuthConfig:
    token_store: Path = Path("tokens.db")
    """``*.json`` selects the JSON file store, anything else SQLite."""
    jwt: JwtConfig | None = None


@dataclass(frozen=True, kw_only=True)
class RateLimitConfig:
    """Per-token limits; ``0`` switches one off. Budgets (day, lifetime) are cumulative query counts."""

    per_minute: int = 600
    per_hour: int = 20_000
    per_day: int = 200_000
    lifetime: int = 0
    count: Literal["requests", "rows"] = "rows"
    """Whether budgets count requests or predicted rows (a batch of 64 costs 64 by default)."""
    storage: str = "memory://"
    """``memory://`` (one process) or ``redis://host:port/db`` so several workers share one count."""
    auth_failures_per_minute: int = 30
    """Per client address: failed authentications allowed per minute before 429."""


@dataclass(frozen=True, kw_only=True)
class OutputConfig:
    """Output hardening against extraction and inversion (ML05, ML03)."""

    top_k: int = 1
    """Return only the ``k`` most probable labels (0: all classes). Default: the top-1 label only."""
    decimals: int = 2
    """Round probabilities to this many decimals (-1: no rounding)."""
    labels_only: bool = False
    """Return labels without any probability."""
    noise: NoiseKind = "none"
    noise_scale: float = 0.0
    """Laplace scale ``b`` or Gaussian ``sigma`` added to each probability before renormalising."""
    preserve_top1: bool = True
    """Keep the arg-max label of the noisy output equal to the model's."""


@dataclass(frozen=True, kw_only=True)
class SigningConfig:
    enabled: bool = True
    key_file: Path = Path("gateway-signing-key.pem")
    """Ed25519 private key (PKCS#8 PEM); created with mode 0600 when missing and ``generate`` is true."""
    generate: bool = True


@dataclass(frozen=True, kw_only=True)
class ExtractionConfig:
    """Model-extraction monitor (PRADA, Juuti et al. 2019, arXiv:1805.02628, plus a uniformity test)."""

    enabled: bool = True
    min_queries: int = 100
    window: int = 2000
    check_every: int = 50
    prada_delta: float = 0.90
    """Flag when the Shapiro-Wilk W of the min-distance set falls below this."""
    uniformity_alpha: float = 0.05
    uniform_fraction: float = 0.5
    """Flag when at least this fraction of tested features is indistinguishable from uniform."""
    max_features: int = 32
    uniformity_window: int = 500
    """The uniformity test looks at the client's last this-many queries."""
    action: ExtractionAction = "flag"
    throttle_per_minute: int = 10
    storage: str = "memory://"
    """``memory://`` (one process) or ``redis://host:port/db``: several replicas share one monitor state
    (see ``serving.extraction_shared``)."""


@dataclass(frozen=True, kw_only=True)
class AuditConfig:
    store: str = "audit.db"
    """A SQLite path, ``sqlite:///path`` or ``postgresql://...`` URL."""
    hmac_key_env: str = "MLSECURE_AUDIT_HMAC_KEY"
    hmac_key_file: Path | None = None
    max_batch: int = 256
    """Group commit: at most this many events per durable write."""
    writer: AuditWriterKind = "auto"
    """Where records are built, committed and responses signed: a child process (another core) or a
    thread of the gateway's own process (see ``serving.audit_writer``). ``auto`` (the default): the thread
    in upstream mode, where the model server needs the other cores and the thread costs less CPU and
    latency per request; the process when the gateway serves the model itself (``benchmarks/gateway.md``)."""


@dataclass(frozen=True, kw_only=True)
class UpstreamConfig:
    """An existing model server the gateway forwards validated, authorised requests to (``url`` unset: the
    gateway serves ``[model] path`` itself)."""

    url: str | None = None
    protocol: UpstreamProtocol = "oip"
    model: str | None = None
    """The model's name on the upstream (default: ``[model] name``)."""
    version: str | None = None
    """OIP: the upstream model version to call (default: the upstream's default version)."""
    output: str | None = None
    """OIP: the output tensor holding class probabilities (default ``predict_proba``, MLServer's name for
    scikit-learn models; the only output when the upstream returns one)."""
    timeout_s: float = 10.0
    connect_timeout_s: float = 2.0
    max_response_bytes: int = 8_388_608
    max_connections: int = 64
    use_metadata: bool = True
    """OIP: read the input schema (shape, input name) from the upstream's ``/v2/models/{name}`` at start-up
    when ``[model] input_shape`` is not set."""


@dataclass(frozen=True, kw_only=True)
class GatewayConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    signing: SigningConfig = field(default_factory=SigningConfig)
    extraction: ExtractionConfig = field(default_factory=ExtractionConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    upstream: UpstreamConfig = field(default_factory=UpstreamConfig)
    source: Path | None = None
    sha256: str = ""
    """SHA-256 of the config file's bytes (recorded in the audit log's config_change event)."""


def load_config(path: str | Path) -> GatewayConfig:
    """Read and validate a gateway TOML file; raise ``ConfigError`` naming the bad key."""
    path = Path(path)
    raw = read_regular_file(path, what="the gateway config", max_bytes=1 << 20)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, base=path.parent, source=path, sha256=hashlib.sha256(raw).hexdigest())


def parse_config(data: dict[str, Any], *, base: Path = Path(), source: Path | None = None,
                 sha256: str = "") -> GatewayConfig:
    """Build a ``GatewayConfig`` from already-parsed TOML data."""
    where = str(source) if source else "config"
    sections: dict[str, Any] = {}
    top = {f.name: f for f in fields(GatewayConfig) if f.name not in ("source", "sha256")}
    for key, value in data.items():
        if key not in top:
            raise ConfigError(f"{where}: unknown section [{key}]{_suggest(key, top)}")
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: [{key}] must be a table")
    sections["model"] = _build(ModelConfig, data.get("model", {}), "model", where, base)
    sections["server"] = _build(ServerConfig, data.get("server", {}), "server", where, base)
    auth = dict(data.get("auth", {}))
    jwt_raw = auth.pop("jwt", None)
    jwt = None
    if jwt_raw is not None:
        if not isinstance(jwt_raw, dict):
            raise ConfigError(f"{where}: [auth.jwt] must be a table")
        jwt = _build(JwtConfig, jwt_raw, "auth.jwt", where, base)
    sections["auth"] = _build(AuthConfig, {**auth, "jwt": jwt}, "auth", where, base)
    for name, cls in (("rate_limit", RateLimitConfig), ("output", OutputConfig), ("signing", SigningConfig),
                      ("extraction", ExtractionConfig), ("audit", AuditConfig),
                      ("upstream", UpstreamConfig)):
        sections[name] = _build(cls, data.get(name, {}), name, where, base)
    audit = sections["audit"]
    if "://" not in audit.store and not Path(audit.store).is_absolute():
        sections["audit"] = replace(audit, store=str(base / audit.store))
    cfg = GatewayConfig(**sections, source=source, sha256=sha256)
    _check_values(cfg, where)
    return cfg


def _suggest(key: str, options: Any) -> str:
    close = difflib.get_close_matches(key, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _build(cls: Any, raw: dict[str, Any], section: str, where: str, base: Path) -> Any:
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{where}: [{section}] unknown key {key!r}{_suggest(key, known)}")
        if key == "jwt" and (value is None or isinstance(value, JwtConfig)):
            kwargs[key] = value
            continue
        kwargs[key] = _coerce(value, str(known[key].type), f"[{section}] {key}", where, base)
    missing = [f.name for f in fields(cls) if f.name not in kwargs and _is_required(f)]
    if missing:
        raise ConfigError(f"{where}: [{section}] missing required key {missing[0]!r}")
    return cls(**kwargs)


def _is_required(f: Any) -> bool:
    from dataclasses import MISSING

    return f.default is MISSING and f.default_factory is MISSING


def _coerce(value: Any, type_name: str, name: str, where: str, base: Path) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{where}: {name} must be {expected}, got {value!r}")

    optional = type_name.endswith("| None")
    core = type_name.removesuffix(" | None").strip()
    if optional and value is None:
        return None
    if core == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if core == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise bad("a non-negative integer")
        return value
    if core == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise bad("a non-negative number")
        return float(value)
    if core == "str":
        if not isinstance(value, str) or not value:
            raise bad("a non-empty string")
        return value
    if core == "Path":
        if not isinstance(value, str) or not value:
            raise bad("a file path string")
        p = Path(value).expanduser()
        return p if p.is_absolute() else base / p
    if core == "tuple[float, float]":
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
                or value[0] >= value[1]):
            raise bad("[min, max] with min < max")
        return (float(value[0]), float(value[1]))
    if core == "tuple[int, ...]":
        if not isinstance(value, list) or not value or not all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
            raise bad("a list of positive integers")
        return tuple(value)
    if core == "tuple[str, ...]":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise bad("a list of strings")
        return tuple(value)
    if core == "tuple[IpNetwork, ...]":
        if not isinstance(value, list):
            raise bad("a list of IP addresses or CIDR networks")
        try:
            return tuple(ipaddress.ip_network(v, strict=False) for v in value)
        except (ValueError, TypeError):
            raise bad("a list of IP addresses or CIDR networks") from None
    literal = _LITERALS.get(core)
    if literal is not None:
        if value not in literal:
            raise bad(f"one of {', '.join(map(repr, literal))}")
        return value
    raise ConfigError(f"{where}: {name}: unsupported setting type {type_name}")  # a bug in this module


_LITERALS: dict[str, tuple[str, ...]] = {
    "ExtractionAction": get_args(ExtractionAction),
    "NoiseKind": get_args(NoiseKind),
    "TlsVersion": get_args(TlsVersion),
    "AuditWriterKind": get_args(AuditWriterKind),
    "HttpServerKind": get_args(HttpServerKind),
    "UpstreamProtocol": get_args(UpstreamProtocol),
    "Literal['requests', 'rows']": ("requests", "rows"),
}


def _check_values(cfg: GatewayConfig, where: str) -> None:
    if cfg.model.max_batch < 1:
        raise ConfigError(f"{where}: [model] max_batch must be at least 1")
    if cfg.server.max_body_bytes < 64:
        raise ConfigError(f"{where}: [server] max_body_bytes must be at least 64")
    if cfg.server.request_timeout_s <= 0 or cfg.server.keepalive_timeout_s <= 0:
        raise ConfigError(f"{where}: [server] request_timeout_s and keepalive_timeout_s must be > 0")
    if cfg.server.port > 65535:
        raise ConfigError(f"{where}: [server] port must be at most 65535")
    if (cfg.server.tls_certfile is None) != (cfg.server.tls_keyfile is None):
        raise ConfigError(f"{where}: [server] tls_certfile and tls_keyfile must be set together")
    if cfg.server.tls_client_ca is not None and cfg.server.tls_certfile is None:
        raise ConfigError(f"{where}: [server] tls_client_ca (mutual TLS) needs tls_certfile and tls_keyfile")
    if cfg.output.decimals > 15 and cfg.output.decimals != -1:
        raise ConfigError(f"{where}: [output] decimals must be between 0 and 15")
    if cfg.output.noise != "none" and cfg.output.noise_scale <= 0:
        raise ConfigError(f"{where}: [output] noise = {cfg.output.noise!r} needs noise_scale > 0")
    ex = cfg.extraction
    if not 0 < ex.prada_delta < 1:
        raise ConfigError(f"{where}: [extraction] prada_delta must be in (0, 1)")
    if not 0 < ex.uniform_fraction <= 1 or not 0 < ex.uniformity_alpha < 1:
        raise ConfigError(f"{where}: [extraction] uniform_fraction must be in (0, 1], uniformity_alpha in (0, 1)")
    if ex.min_queries < 20:
        raise ConfigError(f"{where}: [extraction] min_queries must be at least 20 (Shapiro-Wilk needs a sample)")
    if ex.window < ex.min_queries:
        raise ConfigError(f"{where}: [extraction] window must be at least min_queries")
    if ex.check_every < 1:
        raise ConfigError(f"{where}: [extraction] check_every must be at least 1")
    if cfg.audit.max_batch < 1:
        raise ConfigError(f"{where}: [audit] max_batch must be at least 1")
    up = cfg.upstream
    if up.url is not None:
        if not up.url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}: [upstream] url must be an http:// or https:// URL, got {up.url!r}")
        if cfg.model.path is not None:
            raise ConfigError(f"{where}: [upstream] url and [model] path are exclusive (serve one or forward)")
        if up.timeout_s <= 0 or up.connect_timeout_s <= 0:
            raise ConfigError(f"{where}: [upstream] timeout_s and connect_timeout_s must be > 0")
        if up.max_connections < 1 or up.max_response_bytes < 64:
            raise ConfigError(f"{where}: [upstream] max_connections must be >= 1, max_response_bytes >= 64")
    if not ex.storage.startswith(("memory://", "redis://", "rediss://")):
        raise ConfigError(f"{where}: [extraction] storage must be memory:// or a redis:// URL, got {ex.storage!r}")
    storage = cfg.rate_limit.storage
    if not storage.startswith(("memory://", "redis://", "rediss://", "redis+sentinel://", "redis+cluster://")):
        raise ConfigError(f"{where}: [rate_limit] storage must be memory:// or a redis:// URL, got {storage!r}")
