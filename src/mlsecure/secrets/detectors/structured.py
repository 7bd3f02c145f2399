"""Secrets with a structure to check: PEM private keys, JSON Web Tokens, database URLs with passwords."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any

from mlsecure.findings import Severity
from mlsecure.secrets.allowlist import is_placeholder, is_reference
from mlsecure.secrets.detectors.base import PatternDetector
from mlsecure.secrets.interface import Candidate, FileKind

_B64_BODY = re.compile(r"^[A-Za-z0-9+/=]+$")


# a string literal holding a BEGIN ... PRIVATE KEY line, then the literals that continue it: each on its
# own line after "+" / "," / nothing (implicit concatenation), optionally with a line continuation
_QUOTED_BEGIN = re.compile(r"(?P<q>[\"'])(?P<body>-{5}BEGIN (?:[A-Z0-9]{2,10} ){0,2}PRIVATE KEY-{5}"
                           r"(?:\\[rn]){0,2})(?P=q)")
_NEXT_PIECE = re.compile(r"[ \t]*[+,]?[ \t]*\\?\r?\n[ \t]*[+]?[ \t]*"
                         r"(?P<q>[\"'])(?P<body>[A-Za-z0-9+/=\\ :,\-]{1,200})(?P=q)")


# the BEGIN line and key lines of a block whose END line is not among the joined pieces (same groups)
_CUT_BLOCK = re.compile(r"(-{5}BEGIN ((?:[A-Z0-9]{2,10} ){0,2}PRIVATE KEY)-{5}((?:\n+[A-Za-z0-9+/=]{1,200}){1,400}))")


class PrivateKeyBlock(PatternDetector):
    rule_id = "SEC-014"
    title = "Private key"
    description = "A PEM / OpenSSH / PGP private key block with a base64 body."
    severity = Severity.CRITICAL
    priority = 95
    reports_stand_ins = True
    judges_stand_ins = True
    keywords = ("private key",)
    # RFC 7468 labels (PRIVATE KEY, ENCRYPTED PRIVATE KEY), the legacy OpenSSL ones (RSA / EC / DSA),
    # OpenSSH's, RFC 4880 armour (PGP PRIVATE KEY BLOCK) and RFC 4716's SSH2 4-dash form; the whole
    # BEGIN..END block is the secret
    pattern = re.compile(
        r"(-{4,5}BEGIN ((?:[A-Z0-9]{2,10} ){0,2}PRIVATE KEY(?: BLOCK)?)-{4,5}"
        r"((?:[^-]|-(?!---BEGIN )){16,32768}?)-{4,5}END \2-{4,5})", re.DOTALL)
    # the body never crosses another BEGIN line: each BEGIN scans only up to the next one (linear time
    # on a file of BEGIN lines without END)
    group = 1
    validated = True
    # a BEGIN line standing on its own line (not a quoted string in a parser's code)
    header = re.compile(r"(?m)^[ \t]*(-{5}BEGIN ((?:[A-Z0-9]{2,10} ){0,2}PRIVATE KEY(?: BLOCK)?)-{5})[ \t]*$")

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        """Blocks with key material; then BEGIN lines with none (a stub in docs, a redacted or cut key)
        as info stand-ins: no key leaks, but the file shows where a real one is kept."""
        joined = list(self._concatenated(text))  # read first: the raw block over the quotes is only a stub
        spans: list[tuple[int, int]] = [(c.start, c.end) for c in joined]
        yield from joined
        for candidate in super().find(text, kind=kind):
            if not any(s < candidate.end and candidate.start < e for s, e in spans[:len(joined)]):
                spans.append((candidate.start, candidate.end))
                yield candidate
        for match in self.header.finditer(text):
            start, end = match.start(1), match.end(1)
            if any(s <= start < e for s, e in spans):
                continue
            yield Candidate(detector=self.rule_id, secret=match.group(1), start=start, end=end,
                            severity=Severity.INFO, details={"label": match.group(2), "stand_in": True,
                                                             "key_material": False})

    def _concatenated(self, text: str) -> Iterator[Candidate]:
        """A key written as string pieces, one line each (``"-----BEGIN RSA PRIVATE KEY-----" +`` then
        ``"MIIE..." +`` ... in Java / JS / C#, adjacent literals in Python and C): the pieces are joined
        and read as one block; the span runs from the BEGIN piece to the last piece read."""
        for opening in _QUOTED_BEGIN.finditer(text) if '-----BEGIN' in text else ():
            pieces, end = [opening.group("body")], opening.end()
            for piece in _NEXT_PIECE.finditer(text, opening.end()):
                if piece.start() != end or len(pieces) > 400:
                    break
                pieces.append(piece.group("body"))
                end = piece.end()
                if "-----END" in piece.group("body"):
                    break
            joined = "\n".join(p.replace("\\r", "").replace("\\n", "\n") for p in pieces)
            if len(pieces) < 3:
                continue
            block = self.pattern.search(joined) or _CUT_BLOCK.search(joined)  # END written unquoted, or cut
            if block is None:
                continue
            details = self.validate(block.group(1), block)
            if details is None or details.get("stand_in"):
                continue
            yield Candidate(detector=self.rule_id, secret=text[opening.start("body"):end], start=opening.start("body"),
                            end=end, severity=self.severity_of(block.group(1)), validated=True,
                            details={**details, "pieces": len(pieces)})

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        lines = match.group(3).replace("\\n", "\n").replace("\\r", "\n").splitlines()
        encrypted = "ENCRYPTED" in match.group(2) or any(
            line.startswith("Proc-Type:") and "ENCRYPTED" in line for line in lines)
        body = "".join(line.strip().strip("\"',") for line in lines if ":" not in line)
        if len(body) < 64 or not _B64_BODY.match(body):
            # "-----BEGIN PRIVATE KEY-----\n...\n" in docs: no key material, reported as a stand-in
            return {"label": match.group(2), "stand_in": True, "key_material": False}
        if match.group(2) == "OPENSSH PRIVATE KEY":
            encrypted = encrypted or _openssh_encrypted(body)
        return {"encrypted": encrypted, "body_chars": len(body), "label": match.group(2)}

    def severity_of(self, secret: str) -> Severity:
        # an encrypted key still leaks (offline guessing of its passphrase): medium, not silence
        return Severity.MEDIUM if "ENCRYPTED" in secret.split("-----", 3)[1 if "-----" in secret else 0] \
            or "Proc-Type: 4,ENCRYPTED" in secret else Severity.CRITICAL


class Base64PrivateKey(PatternDetector):
    """A PEM private key stored base64-encoded: Kubernetes Secret manifests (``tls.key: LS0tLS1CRUdJTi...``),
    Helm values, CI variables and JSON configs hold keys this way. ``LS0tLS1CRUdJTi`` is the base64 of
    ``-----BEGIN`` at a 3-byte boundary, so every such encoding starts with it; the value is decoded and
    reported only when it holds a private key block (not a certificate or a public key)."""

    rule_id = "SEC-025"
    title = "Base64-encoded private key"
    description = "A base64 string that decodes to a PEM private key block (Kubernetes secrets, CI variables)."
    severity = Severity.CRITICAL
    priority = 94
    keywords = ("ls0tls1crudjti",)
    # one run, or lines of base64 as `base64` wraps them (76 characters, continued after indentation or a
    # string continuation): every continuation line holds only base64 up to its end
    pattern = re.compile(r"(?<![A-Za-z0-9+/])(LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,65536}"
                         r"(?:\\?\r?\n[ \t]*[A-Za-z0-9+/]{4,1024}(?=={0,2}[ \t]*(?:\\?\r?\n|$|[\"',])))*={0,2})"
                         r"(?![A-Za-z0-9+/=])")
    validated = True

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        joined = re.sub(r"[\s\\]", "", secret)
        whole = joined if "=" in joined else joined[:len(joined) - len(joined) % 4]  # a cut value: whole quanta
        try:
            decoded = base64.b64decode(whole + "=" * (-len(whole) % 4)).decode("ascii")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None
        block = PrivateKeyBlock.pattern.search(decoded)
        if block is not None:
            details = PrivateKeyBlock().validate(block.group(1), block)
            if details is None or details.get("stand_in"):
                return None
            return {"encoding": "base64", "complete": True, **details}
        header = PrivateKeyBlock.header.search(decoded)
        if header is None:
            return None  # a certificate or a public key
        # key lines up to an END line or the cut (headers such as "Proc-Type: 4,ENCRYPTED" left out)
        lines = decoded[header.end():].split("-----END")[0].splitlines()
        body = "".join(line.strip() for line in lines if ":" not in line)
        if len(body) < 64 or not _B64_BODY.match(body):
            return None  # a BEGIN line with no key material
        # the text holds the start of a key but not its END line (cut in the file): partial key material
        return {"encoding": "base64", "complete": False, "label": header.group(2)}

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        """Only decodable private keys: any other base64 keeps its span for the other rules."""
        yield from (c for c in super().find(text, kind=kind) if not c.rejected)

    def severity_of(self, secret: str) -> Severity:
        try:
            head = base64.b64decode(secret[:64] + "=" * (-len(secret[:64]) % 4)).decode("ascii", "replace")
            # (the first 64 characters are one run: the pattern's first line holds 54+)
        except (binascii.Error, ValueError):
            return Severity.MEDIUM
        return Severity.MEDIUM if "ENCRYPTED" in head else Severity.CRITICAL


class Base64CredentialDocument(PatternDetector):
    """A credential file stored base64-encoded, as Kubernetes ``Secret`` manifests hold them (``data:``):
    a GCP service-account key file (``key.json: ewogICJ0eXBlIjog...``) or a Docker ``.dockerconfigjson``
    whose ``auths`` entries carry ``auth`` (base64 of ``user:password``) or a ``password``. JSON opens with
    ``{``, so its base64 starts ``ey`` / ``ew``; the value is decoded and parsed, and reported only for
    these documented layouts with key material or a non-empty password."""

    rule_id = "SEC-027"
    title = "Base64-encoded credential file"
    description = ("A base64 string that decodes to a GCP service-account key file or a Docker config with "
                   "registry credentials (Kubernetes Secret data, CI variables).")
    severity = Severity.CRITICAL
    priority = 93
    keywords = ("ew", "ey")
    pattern = re.compile(r"(?<![A-Za-z0-9+/=])(e[wy][A-Za-z0-9+/]{78,65536}={0,2})(?![A-Za-z0-9+/=])")
    validated = True

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        try:
            document = json.loads(base64.b64decode(secret + "=" * (-len(secret) % 4), validate=True))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(document, dict):
            return None
        key = document.get("private_key")
        if document.get("type") == "service_account" and isinstance(key, str):
            block = PrivateKeyBlock.pattern.search(key)
            details = PrivateKeyBlock().validate(block.group(1), block) if block else None
            return None if details is None or details.get("stand_in") else \
                {"encoding": "base64", "document": "gcp-service-account"}
        auths = document.get("auths")
        if isinstance(auths, dict):
            for registry, entry in auths.items():
                if isinstance(entry, dict) and (_registry_password(entry.get("auth"))
                                                or _usable_password(entry.get("password"))):
                    return {"encoding": "base64", "document": "docker-config", "registry": str(registry)}
        return None

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        """Only the documented credential files: any other base64 keeps its span for the other rules."""
        yield from (c for c in super().find(text, kind=kind) if not c.rejected)

    def severity_of(self, secret: str) -> Severity:
        return Severity.CRITICAL if secret.startswith("ew") or "InNlcnZpY2VfYWNjb3VudC" in secret[:200] \
            else Severity.HIGH


def _usable_password(value: object) -> bool:
    return isinstance(value, str) and len(value) >= 6 and not is_placeholder(value) and not is_reference(value)


def _registry_password(value: object) -> bool:
    """Docker's ``auth`` field: base64 of ``user:password`` (docker/cli config file format)."""
    if not isinstance(value, str):
        return False
    try:
        user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return bool(user) and _usable_password(password)


def _openssh_encrypted(body: str) -> bool:
    """OpenSSH's key format (PROTOCOL.key): "openssh-key-v1\\0", then the cipher name; "none" = plain."""
    try:
        raw = base64.b64decode(body[:64] + "=" * (-len(body[:64]) % 4))
    except (binascii.Error, ValueError):
        return False
    if not raw.startswith(b"openssh-key-v1\0") or len(raw) < 19:
        return False
    length = int.from_bytes(raw[15:19], "big")
    return raw[19:19 + length] != b"none"


class JsonWebToken(PatternDetector):
    rule_id = "SEC-015"
    title = "JSON Web Token"
    description = "A JWT whose header and payload decode to JSON objects (a bearer credential)."
    severity = Severity.HIGH
    priority = 89  # above the rule table: a decodable JWT in an Authorization header is reported as a JWT
    reports_stand_ins = True
    keywords = ("eyj",)
    pattern = re.compile(r"(?<![A-Za-z0-9_\-])(eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}(?:\.[A-Za-z0-9_\-]*)?)")
    validated = True

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        # a value that does not decode is not a JWT, but that says nothing about whether it is a secret
        # (a garbled or fabricated token assigned to token = '...'): it claims no span, so the generic
        # detectors judge it by its name and its randomness, unlike a GitHub token whose checksum fails
        return (candidate for candidate in super().find(text, kind=kind) if not candidate.rejected)

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        header_b64, payload_b64 = secret.split(".")[:2]
        header, payload = decode_segment(header_b64), decode_segment(payload_b64)
        if header is None or payload is None or "alg" not in header:
            return None
        alg = str(header.get("alg"))
        details: dict[str, Any] = {"alg": alg, "claims": sorted(str(k) for k in payload)}
        exp = payload.get("exp")
        if isinstance(exp, int | float):
            details["expired"] = bool(exp < time.time())
        if alg.lower() == "none":
            details["unsigned"] = True
        signature = secret.split(".")[2] if secret.count(".") == 2 else ""
        if signature and short_signature(alg, signature):
            details["stand_in"] = True  # jwt.io's example cut short, ``.abc123``: no verifier accepts it
        return details

    def severity_of(self, secret: str) -> Severity:
        segments = secret.split(".")
        payload = decode_segment(segments[1]) or {}
        exp = payload.get("exp")
        if isinstance(exp, int | float) and exp < time.time():
            # expired: the bearer power is gone (for a verifier that checks exp). An HMAC-signed token
            # (HS256/384/512) is still a known message with its MAC under the issuer's shared secret:
            # anyone holding it can test candidate secrets offline (hashcat mode 16500, jwt_tool) and,
            # with a weak one, mint fresh tokens - so it fails a scan (medium). An RS/ES/PS/EdDSA
            # signature gives nothing about the private key, and an unsigned token (alg none, no
            # signature) nothing at all: their claims leak, reported low.
            header = decode_segment(segments[0]) or {}
            signed = len(segments) > 2 and bool(segments[2])
            return Severity.MEDIUM if signed and str(header.get("alg", "")).upper().startswith("HS") \
                else Severity.LOW
        return Severity.HIGH


# the size of a signature each algorithm makes (RFC 7518 section 3: HMAC-SHA2 makes the hash's size, ECDSA twice the
# curve's; RFC 8037: Ed25519 64 bytes); RSA signs the modulus's size, 1024 bits at the least a library accepts
_SIGNATURE_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64, "ES256": 64, "ES384": 96, "ES512": 132, "EDDSA": 64,
                    "RS256": 128, "RS384": 128, "RS512": 128, "PS256": 128, "PS384": 128, "PS512": 128}


def signature_bytes(alg: str) -> int | None:
    """The fewest bytes a signature of ``alg`` has (None: an algorithm not listed)."""
    return _SIGNATURE_BYTES.get(alg.upper())


def short_signature(alg: str, signature: str) -> bool:
    """A signature shorter than its algorithm makes (``HS256`` with ``.abc123``): typed, not signed; a token whose
    signature no verifier accepts grants nothing. An algorithm not listed is never judged."""
    size = signature_bytes(alg)
    return size is not None and len(signature) * 6 // 8 < size


def public_jwt(secret: str) -> bool:
    """A Supabase ``anon`` key: a JWT whose payload says ``"iss": "supabase", "role": "anon"``. Supabase's docs
    ("API keys") publish it for browsers and apps; row-level security, not the key, guards the data (its
    ``service_role`` key is the secret one, and stays reported)."""
    if not secret.startswith("eyJ") or secret.count(".") != 2:
        return False
    payload = decode_segment(secret.split(".")[1]) or {}
    return payload.get("iss") == "supabase" and payload.get("role") == "anon"


def decode_segment(segment: str) -> dict[str, Any] | None:
    """A base64url JWT segment decoded to a JSON object, or ``None``."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


class DatabaseUrl(PatternDetector):
    rule_id = "SEC-016"
    title = "Database URL with password"
    description = "A database / broker connection URL with an embedded password."
    severity = Severity.HIGH
    priority = 85
    reports_stand_ins = False  # user:password in a URL is documentation syntax, not a provider's shape
    keywords = ("://",)
    match_lowered = True
    pattern = re.compile(
        r"(?<![a-z0-9+])((?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|"
        r"sqlserver|oracle|snowflake|clickhouse|cockroachdb)(?:\+[a-z0-9]+)?)://"
        r"([^:/?#\s@'\"]{0,128}):([^@/?\s'\"]{1,256})@([a-z0-9.\-_]+)")
    group = 3

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        if match.group(2).startswith("[") or secret.endswith("]"):
            return None  # documentation syntax: redis://[:password]@host, mongodb://[user:password]@host
        return {"scheme": match.group(1).lower(), "host": match.group(4)}


class UrlCredentials(PatternDetector):
    """RFC 3986 userinfo with a password, any scheme: ``https://user:pass@host``, ``ftp://...``.

    Ports (``https://host:8000 @x``), template syntax (``<%= @variable %>``) and placeholders
    (``user:password``, ``${PASS}``) are not credentials; database schemes are ``DatabaseUrl``'s.
    """

    rule_id = "SEC-020"
    title = "Credentials in a URL"
    description = "A URL whose userinfo carries a password (scheme://user:password@host)."
    severity = Severity.HIGH
    priority = 84
    reports_stand_ins = False  # user:password in a URL is documentation syntax, not a provider's shape
    keywords = ("://",)
    pattern = re.compile(
        r"(?<![A-Za-z0-9+.\-])([A-Za-z][A-Za-z0-9+.\-]{1,20})://"
        r"([^\s:/?#@'\"<>\[\]]{1,128}):([^\s@/?'\"<>\[\]]{1,256})@([A-Za-z0-9][A-Za-z0-9.\-_]{0,253})")
    # a '#' is allowed in the password: an unescaped one makes the URL invalid, but the password still leaks
    group = 3

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        if secret.isdigit() and len(secret) <= 5:
            return None  # a port: https://host:8000@... is not userinfo
        return {"scheme": match.group(1).lower(), "user": match.group(2), "host": match.group(4)}


STRUCTURED_DETECTORS: tuple[type[PatternDetector], ...] = (PrivateKeyBlock, JsonWebToken, DatabaseUrl,
                                                           UrlCredentials, Base64CredentialDocument)
