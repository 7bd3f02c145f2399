"""Classes of false positives found on the peers' negative test strings (session 8), kept apart from the
detectors so that each class is one named function with its own look-alike tests.

Each answers for one candidate value, never for one sample: a value that is only a provider's prefix
(``CFPAT-``); a generic rule's value that belongs to a name saying where, not what (``domain: '...'``); a
query string whose parameters name no secret (an Azure SAS token without its ``sig``).
``tests/secrets/test_secrets_peers_s8.py`` pairs each with drawn twins that must still be reported.

Tried and dropped (benchmarks/secrets.md, session 8): counted filler (``a1b2c3d4...``: detect-secrets' own
positives are full of ``abcd1234abcd1234...``) and the first label of a host name (``'x7k2....kanbantool.com'``:
it cost a held-out positive of trufflehog's for one false positive).
"""

from __future__ import annotations

import re

from mlsecure.secrets.rules import RULES

# the literal prefixes of the rule table that end in a separator: ``cfpat-``, ``ghp_``, ``xoxb-``, ``odt_``
_PROVIDER_PREFIXES = frozenset(k for rule in RULES for k in rule.keywords if len(k) >= 3 and k[-1] in "-_")
# the name the value is assigned to says where, not what: ``domain: '...'``, ``url = '...'``
_LOCATION_NAME = re.compile(r"(?i)(?<![A-Za-z0-9])(?:sub)?(?:domain|url|uri|host(?:name)?|endpoint|region|e-?mail)"
                            r"[\"']?\s{0,3}[:=]\s{0,3}[\"'`]?$")
_GENERIC_RULES = frozenset({"SEC-017", "SEC-018", "SEC-019", "SEC-022", "SEC-024"})
# ``name=value&name=value&...``: three or more pairs, nothing else
_QUERY = re.compile(r"^\??[A-Za-z_][\w\-.]{0,30}=[^&=\s]*(?:&[A-Za-z_][\w\-.]{0,30}=[^&=\s]*){2,}$")
_SECRET_PARAMETER = re.compile(r"(?i)sig|key|token|secret|pass|pwd|auth|cred|code|session")


def prefix_only(secret: str) -> bool:
    """Only a provider's prefix, nothing after it (``CFPAT-``, ``npm_``): a template's empty slot. Only the rule
    table's own prefixes count, so a typed password that ends in ``_`` is still a password."""
    return secret.lower() in _PROVIDER_PREFIXES


def foreign_value(detector: str, text: str, start: int) -> bool:
    """A generic rule's value that belongs to a name saying where, not what (``domain: '...'``, ``url = '...'``),
    on a line whose credential word belongs to another assignment (``key = '...' domain: '<value>'``)."""
    if detector not in _GENERIC_RULES:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    return _LOCATION_NAME.search(text, max(line_start, start - 40), start) is not None


def query_without_secret(secret: str) -> bool:
    """A URL query string whose parameter names say no secret: ``st=2025-03-04...&se=...&spr=https&sv=...``
    (an Azure SAS token's permissions and dates without its ``sig``, the part that is the credential).
    With ``sig=``, ``token=``, ``key=``... among the names the value is reported as before."""
    if _QUERY.match(secret) is None:
        return False
    names = [pair.split("=", 1)[0] for pair in secret.lstrip("?").split("&")]
    return not any(_SECRET_PARAMETER.search(name) for name in names)
