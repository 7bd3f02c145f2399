"""What is not a secret: documentation placeholders, published examples, and the inline pragma."""

from __future__ import annotations

import re

PRAGMA = "mlsecure: ignore-secret"
"""Put ``# mlsecure: ignore-secret`` (or ``// ...``, ``<!-- ... -->``) on a line to silence it."""

KNOWN_EXAMPLES = frozenset({
    "AKIAIOSFODNN7EXAMPLE",  # the AWS documentation's example access key id
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # ... and its secret access key
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
})

_PLACEHOLDER = re.compile(
    r"(?i)x{4,}|\*{3,}|\.{3}|#{3,}|change[_\-]?me|example|placeholder|dummy|redacted|your[_\-]|fake|"
    r"<[^>]*>|\[[A-Za-z _\-]+\]|\$\{[A-Za-z_][\w.:\-]*(?::?-[^}]*)?\}|\{\{[^{}]*\}\}|%\(|\$\(|^\$[A-Za-z_]|"
    r"^%[A-Za-z_]+%$|\{[A-Za-z_][A-Za-z0-9_]+\}|"
    r"replace[_\-]?me|^pass$|^test[_\-]|[_\-]test$|^mock[_\-]|^sample[_\-]|"
    r"insert[_\-]|_here$|^fake|not[ _\-]?set|^secret$|^password$|^token$|^test$|^user(?:name)?$|"
    r"^(?:my|some|the|super)[_\-]?(?:secret|password|passwd|token|key|api[_\-]?key)")


def is_placeholder(secret: str) -> bool:
    """True for values that only stand in for a secret: ``xxxx``, ``changeme``, ``<your-key>``, ``${VAR}``."""
    if secret in KNOWN_EXAMPLES:
        return True
    if len(set(secret)) <= 3:  # "aaaaaaaa", "00000000", "abababab"
        return True
    return _PLACEHOLDER.search(secret) is not None


def has_pragma(line: str) -> bool:
    return PRAGMA in line
