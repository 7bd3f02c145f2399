"""``mlsecure gateway serve|token|verify-response``: run the secure serving gateway and manage its tokens."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import re
import socket
import sys
from pathlib import Path
from typing import Any

from mlsecure.cli import exit_codes
from mlsecure.cli.fail_closed import one_line_errors
from mlsecure.errors import ConfigError, InputError

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def register(subparsers: Any) -> list[str]:
    group = subparsers.add_parser("gateway", help="secure model-serving gateway (auth, limits, audit, signing)",
                                  description="Serve a model behind authentication, RBAC, rate limits, query "
                                              "budgets, input validation, output hardening, signed responses, "
                                              "an extraction monitor and a tamper-evident audit log.")
    verbs = group.add_subparsers(dest="gateway_verb", metavar="VERB", required=True)

    serve = verbs.add_parser("serve", help="start the gateway (its own HTTP/1.1 server, or uvicorn)",
                             epilog="exit codes: 0 stopped cleanly; 2 refused to start (bad config, corrupt token "
                             "store, model refused by the artifact gate, port already in use), one line on stderr")
    serve.add_argument("--model", type=Path, help="model file (ONNX, TorchScript, scikit-learn pickle)")
    serve.add_argument("--upstream", metavar="URL",
                       help="forward to this model server instead of loading a model ([upstream] url)")
    serve.add_argument("--protocol", choices=["oip", "kserve-v1", "mlflow", "torchserve"],
                       help="the upstream's protocol ([upstream] protocol; default oip)")
    serve.add_argument("--config", type=Path, help="gateway TOML file (default: built-in secure defaults)")
    serve.add_argument("--host", help="bind address (default from config: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default from config: 8000)")
    serve.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=_serve)

    token = verbs.add_parser("token", help="create, list or revoke API tokens")
    tverbs = token.add_subparsers(dest="token_verb", metavar="ACTION", required=True)
    create = tverbs.add_parser("create", help="mint a token (printed once; only its SHA-256 is stored)")
    _store_options(create)
    create.add_argument("--name", required=True, help="who or what the token is for")
    create.add_argument("--role", required=True,
                        choices=["viewer", "data_scientist", "ml_engineer", "auditor", "admin"])
    create.add_argument("--scope", action="append", default=[], metavar="PERMISSION",
                        help="limit the token to this permission (repeatable): predict, models:read, "
                             "audit:read, metrics:read, tokens:manage")
    create.add_argument("--ttl", default="90d", help="lifetime, e.g. 3600, 12h, 30d, or 'never' (default 90d)")
    create.set_defaults(handler=_token_create)
    lst = tverbs.add_parser("list", help="list tokens (ids, roles, status; never the tokens)")
    _store_options(lst)
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.set_defaults(handler=_token_list)
    revoke = tverbs.add_parser("revoke", help="revoke a token by id (effective on the next request)")
    _store_options(revoke)
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=_token_revoke)

    verify = verbs.add_parser("verify-response", help="check a response's Ed25519 signature (exit 1 if invalid)",
                              description="Check the signature over the exact body bytes, which must be canonical "
                              "JSON (UTF-8, sorted keys, no whitespace, no duplicate keys).",
                              epilog="exit codes: 0 valid; 1 invalid (altered, re-encoded, duplicate keys, another "
                              "key); 2 unreadable key, body or signature")
    verify.add_argument("--public-key", type=Path, required=True, help="the gateway's public key (PEM)")
    verify.add_argument("--body", type=Path, required=True, help="the response body as received ('-': stdin)")
    verify.add_argument("--signature", required=True,
                        help="the X-Signature header value, or @FILE holding it")
    verify.set_defaults(handler=_verify_response)
    return ["gateway"]


@one_line_errors
def run(args: argparse.Namespace) -> int:
    code: int = args.handler(args)
    return code


def _store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="gateway TOML (its [auth] token_store and [audit] log are used)")
    p.add_argument("--store", type=Path, help="token store file (*.json or SQLite), overrides --config")


def _serve(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from mlsecure.serving.config import GatewayConfig, load_config
    from mlsecure.serving.gateway import build_gateway
    from mlsecure.serving.server import make_server

    cfg = load_config(args.config) if args.config else GatewayConfig()
    if args.model is not None and (args.upstream is not None or cfg.upstream.url is not None):
        raise ConfigError("--model and an upstream ([upstream] url / --upstream) are exclusive: serve one or forward")
    if args.model is not None:
        cfg = replace(cfg, model=replace(cfg.model, path=args.model))
    if args.upstream is not None or args.protocol is not None:
        up = replace(cfg.upstream, **({"url": args.upstream} if args.upstream is not None else {}),
                     **({"protocol": args.protocol} if args.protocol is not None else {}))
        if up.url is None:
            raise ConfigError("--protocol needs an upstream: --upstream URL or [upstream] url")
        if not up.url.startswith(("http://", "https://")):
            raise ConfigError(f"--upstream must be an http:// or https:// URL, got {up.url!r}")
        cfg = replace(cfg, upstream=up)
    host = args.host or cfg.server.host
    port = cfg.server.port if args.port is None else args.port
    sock = bind_listening_socket(host, port)  # a busy port is one clear line before anything else starts
    try:
        gw = build_gateway(cfg)
    except BaseException:
        sock.close()
        raise
    try:
        server = make_server(gw, host=args.host, port=args.port, log_level=args.log_level)
        scheme = "https" if cfg.server.tls_certfile else "http"
        via = f" -> {gw.upstream.endpoint}" if gw.upstream is not None else ""
        print(f"mlsecure gateway: serving {cfg.model.name}:{cfg.model.version} ({gw.model.framework}{via}) on "
              f"{scheme}://{host}:{port}; audit log {cfg.audit.store}", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # the server re-raises the signal after a graceful shutdown
            server.run(sockets=[sock])
    finally:
        sock.close()
        gw.close()
    return exit_codes.OK


def bind_listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (as uvicorn binds: SO_REUSEADDR), or a ``ConfigError`` that
    says the port is taken, instead of uvicorn's exit without a message."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"cannot serve on {host}:{port}: the port is already in use (another gateway or "
                              "program listens there); stop it or choose another with --port") from None
        raise ConfigError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def _open(args: argparse.Namespace) -> tuple[Any, Any]:
    """(token store, audit store or None)."""
    from mlsecure.serving.config import load_config
    from mlsecure.serving.gateway import open_audit_store
    from mlsecure.serving.tokens import open_token_store

    cfg = load_config(args.config) if args.config else None
    if args.store is None and cfg is None:
        raise InputError("name the token store: --store FILE or --config gateway.toml")
    store = open_token_store(args.store if args.store is not None else cfg.auth.token_store)  # type: ignore[union-attr]
    audit = open_audit_store(cfg) if cfg is not None else None
    return store, audit


def _audit(audit: Any, event_type: str, action: str, token_id: str, details: dict[str, Any]) -> None:
    if audit is None:
        print("mlsecure: note: no --config, so this token change is not in the audit log", file=sys.stderr)
        return
    import getpass

    from mlsecure.audit import AuditEvent

    audit.append(AuditEvent(event_type=event_type, actor=f"cli:{getpass.getuser()}", action=action,
                            resource=f"token:{token_id}", outcome="allowed", details=details))
    audit.close()


def parse_ttl(text: str) -> float | None:
    if text.lower() in ("never", "none", "0"):
        return None
    m = _DURATION.match(text.strip().lower())
    if not m:
        raise InputError(f"--ttl {text!r}: expected a number of seconds or e.g. 90m, 12h, 30d, 2w, or 'never'")
    return float(m.group(1)) * _UNITS[m.group(2)]


def _token_create(args: argparse.Namespace) -> int:
    store, audit = _open(args)
    try:
        issued = store.create(name=args.name, role=args.role, scopes=tuple(args.scope), ttl_s=parse_ttl(args.ttl))
    finally:
        store.close()
    rec = issued.record
    _audit(audit, "token_created", "create", rec.token_id,
           {"name": rec.name, "role": rec.role.value, "scopes": list(rec.scopes), "expires_at": rec.expires_at})
    print(issued.token)
    print(f"mlsecure: token {rec.token_id} for {rec.name!r} (role {rec.role.value}) created; it is shown only once",
          file=sys.stderr)
    return exit_codes.OK


def _token_list(args: argparse.Namespace) -> int:
    import time

    store, audit = _open(args)
    if audit is not None:
        audit.close()
    try:
        records = store.records()
    finally:
        store.close()
    if args.json:
        print(json.dumps([r.public() for r in records], indent=2))
        return exit_codes.OK
    print(f"{'id':<13} {'status':<8} {'role':<15} {'expires (UTC)':<20} name")
    for r in records:
        exp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(r.expires_at)) if r.expires_at else "never"
        print(f"{r.token_id:<13} {r.status():<8} {r.role.value:<15} {exp:<20} {r.name}")
    return exit_codes.OK


def _token_revoke(args: argparse.Namespace) -> int:
    store, audit = _open(args)
    try:
        rec = store.revoke(args.token_id)
    finally:
        store.close()
    _audit(audit, "token_revoked", "revoke", rec.token_id, {"name": rec.name})
    print(f"mlsecure: token {rec.token_id} revoked", file=sys.stderr)
    return exit_codes.OK


def _verify_response(args: argparse.Namespace) -> int:
    from mlsecure.serving.signing import check_response, load_public_key

    try:
        key = load_public_key(args.public_key.read_bytes())
        body = sys.stdin.buffer.read() if str(args.body) == "-" else args.body.read_bytes()
        sig = args.signature
        if sig.startswith("@"):
            sig = Path(sig[1:]).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputError(f"cannot read {exc.filename}: {exc.strerror}") from None
    problem = check_response(body, sig, key)
    if problem is None:
        print("mlsecure: signature valid (over the exact bytes; canonical JSON)", file=sys.stderr)
        return exit_codes.OK
    print(f"mlsecure: signature INVALID: {problem}", file=sys.stderr)
    return exit_codes.FINDINGS
