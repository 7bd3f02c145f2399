"""Secret providers (guide 13.1): read credentials at run time, never from code.

``SecretProvider.get_secret(name) -> str`` is the small interface of the guide; ``get(name)`` wraps
the value in ``Secret``, whose ``repr``/``str``/``format`` are masked so a stray log line or
traceback does not leak it. Providers: ``EnvProvider`` (environment variables), ``FileProvider``
(one file per secret, e.g. Docker/Kubernetes ``/run/secrets``, refusing group/world-readable files),
``VaultProvider`` (HashiCorp Vault KV version 2 over its HTTP API) and ``ChainProvider`` (the first
provider that has the secret). No provider logs or puts a value in an exception message.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import quote, urlsplit

from mlsecure.errors import ConfigError, InputError, MLSecureError, require
from mlsecure.private_files import read_private_file

if TYPE_CHECKING:
    import httpx


class SecretNotFoundError(MLSecureError, KeyError):
    """The provider does not hold a secret of that name."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else "secret not found"


class Secret:
    """A secret value that does not print itself. ``reveal()`` is the one way to get the string."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise ConfigError(f"a Secret holds a str, got {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    def __str__(self) -> str:
        return "********"

    def __format__(self, spec: str) -> str:
        return "********"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", len(self._value)))

    def __len__(self) -> int:
        return len(self._value)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


class SecretProvider(ABC):
    """Where secrets come from. Implement ``get_secret``; raise ``SecretNotFoundError`` when absent."""

    @abstractmethod
    def get_secret(self, name: str) -> str:
        """The value of ``name``; ``SecretNotFoundError`` if this provider has no such secret."""

    def get(self, name: str) -> Secret:
        """``get_secret`` wrapped in a masked ``Secret``."""
        return Secret(self.get_secret(name))

    def describe(self) -> str:
        return type(self).__name__


class EnvProvider(SecretProvider):
    """Environment variables (``prefix`` + name), the guide's "inject at run time" provider."""

    def __init__(self, *, prefix: str = "", environ: Mapping[str, str] | None = None) -> None:
        self.prefix = prefix
        self._environ = os.environ if environ is None else environ

    def get_secret(self, name: str) -> str:
        key = self.prefix + name
        value = self._environ.get(key)
        if value is None:
            raise SecretNotFoundError(f"environment variable {key} is not set")
        return value

    def describe(self) -> str:
        return f"environment ({self.prefix}*)" if self.prefix else "environment"


class FileProvider(SecretProvider):
    """One file per secret in ``directory`` (``/run/secrets/NAME``); trailing newline stripped.

    With ``require_private`` (default) a file readable or writable by group or others (mode & 0o077)
    is refused: other local users could read it too.
    """

    def __init__(self, *, directory: Path | str, require_private: bool = True) -> None:
        self.directory = Path(directory)
        self.require_private = require_private

    def get_secret(self, name: str) -> str:
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            # never a path outside the directory; in a chain, other providers may hold such names
            raise SecretNotFoundError(f"{name!r} is not a plain file name: not looked up in {self.directory}")
        path = self.directory / name
        try:
            raw = read_private_file(path, what="the secret file", require_private=self.require_private)
        except FileNotFoundError:
            raise SecretNotFoundError(f"no secret file {path}") from None
        except InputError as exc:
            raise ConfigError(str(exc)) from None
        try:
            return raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: cannot read the secret file: {exc}") from None

    def describe(self) -> str:
        return f"files in {self.directory}"


class VaultProvider(SecretProvider):
    """HashiCorp Vault KV v2: ``get_secret("path/to/secret#field")`` (or ``"path/to/secret/field"``).

    Reads ``GET {url}/v1/{mount}/data/{path}`` with the ``X-Vault-Token`` header (and
    ``X-Vault-Namespace`` when given); the value is ``data.data[field]``. The token is only ever sent
    over HTTPS, or plain HTTP to a loopback address (a local agent / dev server).
    """

    def __init__(self, *, url: str, token: Secret | str, mount: str = "secret", namespace: str | None = None,
                 timeout: float = 5.0, verify: bool | str = True, client: httpx.Client | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"Vault address {url!r} must be an http(s) URL")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise ConfigError(f"Vault address {url!r}: refusing to send a token over plain HTTP to a "
                              "non-loopback host; use https://")
        self.url = url.rstrip("/")
        self._token = token if isinstance(token, Secret) else Secret(token)
        self.mount = mount.strip("/")
        self.namespace = namespace
        self.timeout = timeout
        self.verify = verify
        self._client = client

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> VaultProvider:
        """``VAULT_ADDR`` and ``VAULT_TOKEN`` (and ``VAULT_NAMESPACE``), as the vault CLI reads them."""
        env = os.environ if environ is None else environ
        if "VAULT_ADDR" not in env or "VAULT_TOKEN" not in env:
            raise ConfigError("set VAULT_ADDR and VAULT_TOKEN to use the Vault provider")
        return cls(url=env["VAULT_ADDR"], token=Secret(env["VAULT_TOKEN"]),
                   namespace=env.get("VAULT_NAMESPACE"), **kwargs)

    def get_secret(self, name: str) -> str:
        path, field = _split_vault_name(name)
        response = self._request(path)
        if response.status_code == 404:
            raise SecretNotFoundError(f"Vault has no secret at {self.mount}/{path}")
        if response.status_code in (401, 403):
            raise ConfigError(f"Vault refused access to {self.mount}/{path} (HTTP {response.status_code}): "
                              "check the token and its policy")
        if response.status_code != 200:
            raise ConfigError(f"Vault answered HTTP {response.status_code} for {self.mount}/{path}")
        try:
            data = response.json()["data"]["data"]
        except (ValueError, KeyError, TypeError):
            raise ConfigError(f"Vault's answer for {self.mount}/{path} is not a KV v2 secret") from None
        if not isinstance(data, dict) or field not in data:
            raise SecretNotFoundError(f"Vault secret {self.mount}/{path} has no field {field!r}")
        value = data[field]
        if not isinstance(value, str):
            raise ConfigError(f"Vault secret {self.mount}/{path} field {field!r} is not a string")
        return value

    def _request(self, path: str) -> httpx.Response:
        httpx_mod = require("httpx", "gateway")
        headers = {"X-Vault-Token": self._token.reveal(), "Accept": "application/json"}
        if self.namespace:
            headers["X-Vault-Namespace"] = self.namespace
        url = f"{self.url}/v1/{quote(self.mount)}/data/{quote(path)}"
        try:
            if self._client is not None:
                return self._client.get(url, headers=headers, timeout=self.timeout)
            with httpx_mod.Client(verify=self.verify, timeout=self.timeout, follow_redirects=False) as client:
                return cast("httpx.Response", client.get(url, headers=headers))
        except httpx_mod.HTTPError as exc:
            raise ConfigError(f"cannot reach Vault at {self.url}: {type(exc).__name__}") from None

    def describe(self) -> str:
        return f"Vault {self.url} ({self.mount})"


class ChainProvider(SecretProvider):
    """Ask each provider in turn; the first that has the secret wins. Other errors are not swallowed."""

    def __init__(self, providers: Sequence[SecretProvider]) -> None:
        if not providers:
            raise ConfigError("a ChainProvider needs at least one provider")
        self.providers = tuple(providers)

    def get_secret(self, name: str) -> str:
        return self.find(name)[1]

    def find(self, name: str) -> tuple[SecretProvider, str]:
        """The provider that answered and the value."""
        for provider in self.providers:
            try:
                return provider, provider.get_secret(name)
            except SecretNotFoundError:
                continue
        tried = ", ".join(p.describe() for p in self.providers)
        raise SecretNotFoundError(f"secret {name!r} not found in: {tried}")

    def describe(self) -> str:
        return "chain(" + ", ".join(p.describe() for p in self.providers) + ")"


def _split_vault_name(name: str) -> tuple[str, str]:
    if "#" in name:
        path, field = name.rsplit("#", 1)
    elif "/" in name:
        path, field = name.rsplit("/", 1)
    else:
        raise ConfigError(f"Vault secret name {name!r} must be 'path/to/secret#field' or 'path/field'")
    path = path.strip("/")
    if not path or not field or ".." in path.split("/"):
        raise ConfigError(f"Vault secret name {name!r} must be 'path/to/secret#field' or 'path/field'")
    return path, field


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
