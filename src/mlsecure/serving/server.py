"""Run a gateway under its own HTTP server (``[server] http = "builtin"``, the default: ``serving.http_server``)
or under uvicorn, with TLS (1.3 by default) and optional mutual TLS.

The built-in server gets an ``ssl.SSLContext`` built here with the same settings. uvicorn builds the
``ssl.SSLContext`` from its ``ssl_*`` options; the minimum protocol version is
then raised on that context (uvicorn has no option for it), so TLS 1.2 clients are refused unless
``[server] tls_min_version = "1.2"``. With ``tls_client_ca`` the server requires a client certificate
signed by that CA (``ssl.CERT_REQUIRED``).
"""

from __future__ import annotations

import ssl
from typing import Any

from mlsecure.errors import ConfigError, require
from mlsecure.serving.app import create_app
from mlsecure.serving.gateway import Gateway


def make_server(gw: Gateway, *, host: str | None = None, port: int | None = None, log_level: str = "warning",
                access_log: bool = False) -> Any:
    """A server for ``gw`` (call ``.run(sockets=[...])``); TLS settings come from ``[server]``."""
    s = gw.config.server
    kwargs: dict[str, Any] = {}
    if s.tls_certfile is not None:
        for p in (s.tls_certfile, s.tls_keyfile, s.tls_client_ca):
            if p is not None and not p.is_file():
                raise ConfigError(f"{p}: TLS file does not exist")
    if s.http == "builtin":
        return _builtin_server(gw)
    uvicorn: Any = require("uvicorn", "gateway")
    if s.tls_certfile is not None:
        kwargs.update(ssl_certfile=str(s.tls_certfile), ssl_keyfile=str(s.tls_keyfile))
        if s.tls_client_ca is not None:
            kwargs.update(ssl_ca_certs=str(s.tls_client_ca), ssl_cert_reqs=ssl.CERT_REQUIRED)
    config = uvicorn.Config(create_app(gw), host=host or s.host, port=s.port if port is None else port,
                            log_level=log_level, access_log=access_log, lifespan="on",
                            server_header=False, proxy_headers=False, **kwargs)
    try:
        config.load()
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"cannot set up TLS: {exc}") from None
    if config.ssl is not None:
        config.ssl.minimum_version = ssl.TLSVersion.TLSv1_3 if s.tls_min_version == "1.3" else ssl.TLSVersion.TLSv1_2
    return uvicorn.Server(config)


def _builtin_server(gw: Gateway) -> Any:
    from mlsecure.serving.http_server import HttpServer

    require("httptools", "gateway")
    s = gw.config.server
    context = None
    if s.tls_certfile is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(str(s.tls_certfile), str(s.tls_keyfile) if s.tls_keyfile else None)
            if s.tls_client_ca is not None:
                context.load_verify_locations(cafile=str(s.tls_client_ca))
                context.verify_mode = ssl.CERT_REQUIRED
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(f"cannot set up TLS: {exc}") from None
        context.minimum_version = ssl.TLSVersion.TLSv1_3 if s.tls_min_version == "1.3" else ssl.TLSVersion.TLSv1_2
    return HttpServer(create_app(gw), max_body_bytes=s.max_body_bytes, request_timeout_s=s.request_timeout_s,
                      keepalive_timeout_s=s.keepalive_timeout_s, ssl_context=context)
