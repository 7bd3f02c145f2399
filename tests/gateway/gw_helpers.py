"""Helpers for the gateway tests: a real ``mlsecure gateway serve`` subprocess on 127.0.0.1 and its files."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A gateway running as ``mlsecure gateway serve`` in a subprocess."""

    root: Path
    config: Path
    model: Path
    env: dict[str, str]
    port: int = 0
    scheme: str = "http"
    proc: subprocess.Popen[bytes] | None = None
    client_kwargs: dict[str, Any] = field(default_factory=dict)
    serve_args: list[str] | None = None
    """What to serve instead of ``--model MODEL`` (e.g. ``--upstream URL --protocol oip``)."""

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        self.port = self.port or free_port()
        with (self.root / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mlsecure", "gateway", "serve",
                 *(self.serve_args if self.serve_args is not None else ["--model", str(self.model)]), "--config",
                 str(self.config), "--port", str(self.port)], env=self.env, stdout=log, stderr=log, cwd=self.root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited: {(self.root / 'server.log').read_text()[-3000:]}")
            try:
                with self.client() as c:
                    if c.get("/healthz").status_code == 200:
                        return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("gateway did not start in time")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0, **{**self.client_kwargs, **kw})

    def token(self, role: str = "data_scientist", *, scopes: tuple[str, ...] = (), ttl_s: float | None = 3600,
              now: float | None = None) -> tuple[str, str]:
        """(token, token id) minted straight into the server's SQLite token store."""
        from mlsecure.serving.tokens import open_token_store

        store = open_token_store(self.root / "tokens.db")
        try:
            issued = store.create(name=f"test-{role}", role=role, scopes=scopes, ttl_s=ttl_s, now=now)
        finally:
            store.close()
        return issued.token, issued.record.token_id

    def audit_events(self) -> list[dict[str, Any]]:
        from mlsecure.audit import open_store

        store = open_store(self.root / "audit.db", hmac_key=self.env["MLSECURE_AUDIT_HMAC_KEY"])
        try:
            return [r.event.to_dict() for r in store.query()]
        finally:
            store.close()

    def verify_audit(self) -> Any:
        from mlsecure.audit import open_store

        store = open_store(self.root / "audit.db", hmac_key=self.env["MLSECURE_AUDIT_HMAC_KEY"])
        try:
            return store.verify()
        finally:
            store.close()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def write_config(root: Path, text: str) -> Path:
    path = root / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_server(root: Path, model: Path, config_text: str) -> Server:
    env = {**os.environ, "MLSECURE_AUDIT_HMAC_KEY": secrets.token_hex(32), "PYTHONUNBUFFERED": "1"}
    env.pop("MLSECURE_AUDIT_HMAC_KEY_FILE", None)
    return Server(root=root, config=write_config(root, config_text), model=model, env=env)
