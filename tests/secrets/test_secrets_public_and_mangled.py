"""Look-alikes that are not secrets by their issuer's design or by their shape (session 5): Stripe
publishable keys, host names, digit-only ids after a key name, strings broken by ``?`` / ``#``; and
the near neighbours that must still fail."""

from __future__ import annotations

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.interface import FileKind

RANDOM = "qtb537zc8slokboyekq08tsut9atqa4h"  # 32 made-up characters


def _failing(text: str, kind: FileKind = FileKind.TEXT) -> list[str]:
    path = "notes.txt" if kind is FileKind.TEXT else "app.py"
    findings = SecretScanner().scan_text(text + "\n", path=path, kind=kind)
    return [f.rule_id for f in findings if f.severity >= Severity.MEDIUM]


@pytest.mark.parametrize(("text", "kind"), [
    # Stripe docs 'API keys': publishable keys are meant for client-side code
    ("stripe_publishable_key = 'pk_live_51MtwBwLkdIwHu7ix0AHtQwX6NWg8Fq7QKq5YGFy7WGBqRFHdTdE8'", FileKind.CODE),
    ("A hasura secret: project-one-12345.hasura.app", FileKind.TEXT),  # a host name
    ("[DEBUG] Using apiKey=218873249723411", FileKind.TEXT),  # digits only: an id
    (f"sheety token - '{RANDOM}?ewgjsi2olklupy2z4s3wilqorymakjd'", FileKind.TEXT),  # broken by '?'
    (f"roaring token - 'Xq?{RANDOM}'", FileKind.TEXT),
])
def test_look_alikes_do_not_fail(text: str, kind: FileKind) -> None:
    assert _failing(text, kind) == []


@pytest.mark.parametrize(("text", "kind"), [
    ("stripe_key = 'sk_live_51MtwBwLkdIwHu7ix0AHtQwX6NWg8Fq7QKq5YGFy7WGBqRFHdTdE8'", FileKind.CODE),  # secret key
    ('db_password = "84920175"', FileKind.CODE),  # a digit-only password is still a password
    (f"sheety token - '{RANDOM}'", FileKind.TEXT),  # the same value, whole
    (f"https://example.org/data?api_key={RANDOM}", FileKind.TEXT),  # '?' opening a named query parameter
    ("sig=WSdF9YeZhvrbs%2B%2B1f8ZdDBzEe7fBJ%2BenuaXQ%2BJ9WOw0%3D&token=" + RANDOM, FileKind.TEXT),
])
def test_neighbours_still_fail(text: str, kind: FileKind) -> None:
    assert _failing(text, kind) != []
