"""``DockerConfigAuth`` (SEC-028): the ``auth`` field of a Docker / Podman registry config, decoded.

docker/cli's config file (``~/.docker/config.json``) and containers-auth.json (Podman, Buildah, Skopeo)
store each registry's login as ``"auths": {"<registry>": {"auth": "<base64 of user:password>"}}``. A
committed config therefore holds the password in base64, which no entropy rule reads as more than a
random literal; for Google's registries the password of user ``_json_key`` is a whole service-account key
file (GCR "JSON key file" authentication), thousands of characters long. SEC-027 covers the same file
when it is itself base64-encoded (a Kubernetes ``.dockerconfigjson``); this rule reads it in plain JSON.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

from mlsecure.findings import Severity
from mlsecure.secrets.allowlist import is_placeholder, is_reference
from mlsecure.secrets.detectors.base import PatternDetector
from mlsecure.secrets.interface import Candidate, FileKind

_KEY_MATERIAL = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----(?:\\n|\s)+[A-Za-z0-9+/]{64}")


class DockerConfigAuth(PatternDetector):
    """``"auth": "<base64>"`` that decodes to ``user:password`` with a usable password."""

    rule_id = "SEC-028"
    title = "Registry credentials in a Docker config"
    description = ("The auth field of a Docker / Podman registry config (config.json, auth.json): base64 of "
                   "user:password, decoded; critical when the password is a service-account key file.")
    severity = Severity.HIGH
    priority = 92  # below SEC-027 (the same file base64-encoded), above the rule table and the generic rules
    keywords = ('"auth"',)
    pattern = re.compile(r'"auth"\s{0,8}:\s{0,8}"([A-Za-z0-9+/]{8,65536}={0,2})"')
    validated = True

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        """Decodable logins; a login whose password is a placeholder or a reference (``user:${PASS}``) is
        yielded rejected, so that no entropy rule reports its base64; any other value keeps its span."""
        yield from (c for c in super().find(text, kind=kind) if not c.rejected or _decoded(c.secret) is not None)

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        login = _login(secret)
        if login is None:
            return None
        user, password = login
        if _KEY_MATERIAL.search(password):
            return {"encoding": "base64", "user": user, "password": "service-account key file"}
        return {"encoding": "base64", "user": user}

    def severity_of(self, secret: str) -> Severity:
        login = _login(secret)
        return Severity.CRITICAL if login is not None and _KEY_MATERIAL.search(login[1]) else self.severity


def _login(value: str) -> tuple[str, str] | None:
    """``(user, password)`` when ``value`` is base64 of ``user:password`` whose password is usable (6+
    characters, not a placeholder or a reference)."""
    parts = _decoded(value)
    if parts is None:
        return None
    user, password = parts
    if len(password) < 6 or is_reference(password) or (len(password) < 200 and is_placeholder(password)):
        return None
    return user, password


def _decoded(value: str) -> tuple[str, str] | None:
    """``(user, password)`` when ``value`` is base64 of ``user:...`` with a printable user name."""
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    if not colon or not user.strip() or not user.isprintable():
        return None
    return user, password
