"""What is not a secret: documentation placeholders, published examples, and the inline pragma."""

from __future__ import annotations

import itertools
import re

PRAGMA = "mlsecure: ignore-secret"
"""Put ``# mlsecure: ignore-secret`` (or ``// ...``, ``<!-- ... -->``) on a line to silence it."""

KNOWN_EXAMPLES = frozenset({
    "AKIAIOSFODNN7EXAMPLE",  # the AWS documentation's example access key id
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # ... and its secret access key
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    # the Azure Storage emulator's (Azurite) well-known account key for "devstoreaccount1", published in
    # Microsoft's docs ("Use the Azurite emulator for local Azure Storage development")
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    # the Google Cloud SDK's (gcloud) installed-application OAuth client secret, shipped in the SDK's source and
    # sent by every gcloud refresh: Google's OAuth docs for installed apps say such a secret "is obviously not
    # treated as a secret"; it shows up in every recorded token refresh (VCR cassettes)
    "d-FL95Q19q7MQmFpd7hHD0Ty",
    # the W3C Trace Context recommendation's example trace-id and parent-id (section "traceparent Header")
    "4bf92f3577b34da6a3ce929d0e0e4736",
    "00f067aa0ba902b7",
})

# Python's %-formatting placeholder written in full: "%(password)s", "%(port)d" (a conversion type after the
# parenthesis). A bare "%(" also occurs inside drawn keys: Django's get_random_secret_key() draws from
# "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)" (django/core/management/utils.py), so
# "django-insecure-...%(..." is a key, not a template
_PERCENT_TEMPLATE = r"%\([A-Za-z_][\w.\-]{0,40}\)[#0 +\-]{0,3}\d{0,3}(?:\.\d{1,3})?[diouxXeEfFgGcrsa]"

# a str.format / f-string field, with attributes: "{password}", "{PasswordMasker.MASKED_PASSWORD_STRING}"
_FORMAT_FIELD = r"\{[A-Za-z_][A-Za-z0-9_]+(?:\.[A-Za-z_][A-Za-z0-9_]*)*\}"

_PLACEHOLDER = re.compile(
    r"(?i)x{4,}|\*{3,}|\.{3}|\u2026|#{3,}|change[_\-]?me|example|placeholder|dummy|redacted|your[_\- ]|fake|"
    # an instruction written in the value's place: "ENTER YOUR OPENAI KEY HERE", "ADD YOU KEY HERE"
    r"^(?:enter|add|insert|put|paste|type)[ ](?:your|you|the|an?)[ ].*\bhere$|"
    r"<[^>]*>|&lt;.*?&gt;|\[[A-Za-z _\-]+\]|\$\{[A-Za-z_][\w.:\-]*(?::?-[^}]*)?\}|\{\{[^{}]*\}\}|"
    + _PERCENT_TEMPLATE + r"|\$\(|^\$[A-Za-z_]|"
    r"^%[A-Za-z_]+%$|" + _FORMAT_FIELD + r"|"
    r"replace[_\-]?me|^pass$|^test[_\-]|[_\-]test$|^mock[_\-]|^sample[_\-]|"
    r"insert[_\-]|_here$|^fake|not[ _\-]?set|^secret$|^password$|^token$|^test$|^user(?:name)?$|"
    r"^(?:my|some|the|super)[_\-]?(?:secret|password|passwd|token|key|api[_\-]?key)|"
    # typed from the vocabulary of credentials and stand-ins alone, with at most a short number:
    # password123, secretpassword, testkey, somevalue, admin1234, all lower case (a person's stand-in, no
    # draw; 'Secret123' is capitalised as a person types a password in use)
    r"^(?-i:(?:my|some|super|test|testing|secret|password|passwd|key|token|admin|default|dummy|sample|api|"
    r"access|value)+[_\-]?\d{0,4})$|"
    # the alphabet and the digits typed in order (abc123, abcd1234), and "your@login", "your.password"
    r"^abc(?:d(?:ef?)?)?123(?:4(?:56?)?)?$|^your[@.]|"
    # a short prefix then two or three x's: "m0-xxx", "sk-xx", "org_xx" (four or more x's are matched above)
    r"^[a-z0-9]{1,8}[_\-]x{2,3}$|"
    # an indefinite pronoun typed in the value's place: OPENAI_API_KEY="something" in a docstring
    r"^(?:something|anything|whatever)$|"
    # "your key" in Portuguese, Spanish, French, German: sua_chave, tu_clave, votre_cle, dein_schluessel
    r"^(?:sua|seu|tu|su|votre|ton|ta|dein|deine|ihr|ihre)[_\- ](?:chave|clave|cl[eé]|schl(?:ü|ue)ssel|senha|"
    r"contrase(?:ñ|n)a|mot[_\- ]de[_\- ]passe|passwort|token|api)|"
    # a Jinja / Go template expression with braces inside ({{ {'auths': {}} }})
    r"^\{\{.*\}\}$")


# references to a value held elsewhere (template variables, environment / shell expansion): the
# recommended way to write a config, never reported, not even as a stand-in
_REFERENCE = re.compile(
    r"<[^>]*>|&lt;.*?&gt;|\$\{[A-Za-z_][\w.:\-]*(?::?-[^}]*)?\}|\{\{[^{}]*\}\}|"
    + _PERCENT_TEMPLATE + r"|\$\(|^\$[A-Za-z_]|"
    r"^%[A-Za-z_]+%$|" + _FORMAT_FIELD)


def is_reference(secret: str) -> bool:
    """True for ``${VAR}``, ``{{ var }}``, ``%(name)s``, ``$(cmd)``, ``<your-key>``: not a value at all."""
    return _REFERENCE.search(secret) is not None


_PREFIX = re.compile(r"^[A-Za-z0-9]{1,8}[_\-](?:[A-Za-z0-9]{1,4}[_\-])?|^[A-Za-z]{4}")


def filler_body(secret: str) -> bool:
    """The part after a provider prefix (``dapi``, ``glc_``, ``AIza``, ``xoxb-``) carries no drawn randomness:
    8+ characters of at most three distinct ones (``dapi`` + 32 zeros, ``glc_111...``, ``AIzaaaa...``); a
    tail of 16+ such characters over half the value (``GR1348941`` + ``123123...``, a prefix the split
    above does not know); or, after a prefix, one ascending run (``xoxp-1234567890``; a bare
    ``password = "12345678"`` is a weak password in use, not a stand-in). A drawn random part is none of
    these. Runs inside a token are not enough: Slack tokens carry typed-looking numeric ids
    (``xoxa-511111111-...``) before their random part."""
    prefix = _PREFIX.match(secret)
    body = secret[prefix.end():] if prefix else secret
    if len(body) < 8:
        return False
    if len(set(body)) <= 3 or (prefix is not None and _ascending(body)):
        return True
    tail, seen = 0, set()
    for c in reversed(secret):
        seen.add(c)
        if len(seen) > 3:
            break
        tail += 1
    return tail >= 16 and tail * 2 >= len(secret)


def _ascending(body: str) -> bool:
    """``1234567890``, ``abcdefgh``: each character the one after the previous (9 wraps to 0)."""
    return all(ord(b) == ord(a) + 1 or (a, b) == ("9", "0") for a, b in itertools.pairwise(body))


def is_placeholder(secret: str) -> bool:
    """True for values that only stand in for a secret: ``xxxx``, ``changeme``, ``<your-key>``, ``${VAR}``."""
    if secret in KNOWN_EXAMPLES:
        return True
    if len(set(secret)) <= 3:  # "aaaaaaaa", "00000000", "abababab"
        return True
    if " " in secret and _ascending(secret.replace(" ", "")) and len(secret) >= 8:
        return True  # "abcd efgh ijkl mnop": an app password's documented shape, typed in order
    return _PLACEHOLDER.search(secret) is not None or filler_body(secret)


# armoured material that is public by design: certificates, public keys, CSRs, CRLs, PGP public keys
# and signatures (RFC 7468 labels, RFC 4880 armour); the END label must repeat the BEGIN one
_PUBLIC_BLOCK = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]{2,10} ){0,2}(?:PUBLIC KEY|CERTIFICATE|CERTIFICATE REQUEST|X509 CRL|"
    r"PGP PUBLIC KEY BLOCK|PGP SIGNATURE|PGP MESSAGE|SIGNATURE))-----(?:[^-]|-(?!---BEGIN )){0,16384}?-----END \1-----",
    re.DOTALL)


def public_blocks(text: str) -> list[tuple[int, int]]:
    """Spans of PEM / PGP blocks that hold only public material (no detector reports inside them)."""
    if "-----BEGIN " not in text:
        return []
    return [match.span() for match in _PUBLIC_BLOCK.finditer(text)]


# values that are public by their issuer's design: Stripe publishable keys ("pk_live_..." / "pk_test_...",
# Stripe docs 'API keys': "publishable keys ... can be publicly accessible in your web or mobile app's
# client-side code"; neither gitleaks' nor detect-secrets' Stripe rule matches them), PostHog project keys
# ("phc_...", PostHog docs: the project API key is write-only and meant for client-side code such as
# ``posthog.init('phc_...')`` in a page; its personal API keys, ``phx_...``, are secrets)
_PUBLIC_VALUE = re.compile(r"^(?:pk_(?:live|test)_[A-Za-z0-9]{16,}|phc_[A-Za-z0-9]{32,64})$")


def is_public_value(secret: str) -> bool:
    """True for a value its issuer publishes by design (a Stripe publishable key): not a secret."""
    return _PUBLIC_VALUE.match(secret) is not None


# base64 of binary media (a PNG / JPEG / GIF / WebP image, a PDF, a zip) pasted into JSON or text outputs
# (an API response saved next to a notebook): data, not a credential; a rule's pattern can match inside it
_MEDIA_BASE64 = re.compile(r"(?:iVBORw0KGgo|/9j/[2-7]|R0lGOD[lh]|UklGR|JVBERi0|UEsDB)[A-Za-z0-9+/]{200,}={0,2}")
_MEDIA_MARKS = ("iVBORw0KGgo", "/9j/", "R0lGOD", "UklGR", "JVBERi0", "UEsDB")


def encoded_media(text: str) -> list[tuple[int, int]]:
    """Spans of base64 runs of 200+ characters that open with a binary file signature: not secrets."""
    if not any(mark in text for mark in _MEDIA_MARKS):
        return []
    return [match.span() for match in _MEDIA_BASE64.finditer(text)]


def has_pragma(line: str) -> bool:
    return PRAGMA in line
