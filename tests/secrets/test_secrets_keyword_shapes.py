"""Keyword-assignment shapes added in session 5 (camelCase names, connection strings, "password is '...'")
and the look-alikes they must leave alone (labels, concatenations, HTML-escaped placeholders)."""

from __future__ import annotations

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.interface import FileKind

PW = "Xk9vQ2mT7wLp3zR8"


def _values(text: str, kind: FileKind = FileKind.TEXT, path: str = "notes.txt") -> list[str]:
    findings = SecretScanner().scan_text(text + "\n", path=path, kind=kind)
    return [text[f.offset:f.offset + f.length] for f in findings if f.severity >= Severity.MEDIUM]


@pytest.mark.parametrize(("text", "kind", "value"), [
    ('"AdminPassword" : "thisismypassword"', FileKind.CONFIG, "thisismypassword"),
    ('private const string DevPfxPassword = "thisismypassword";', FileKind.C_LIKE_CODE, "thisismypassword"),
    (f'var personalAccessToken = "{PW}";', FileKind.CODE, PW),
    ('<add key="FromEmailPassword" value="Prestigitariu$"/>', FileKind.TEXT, "Prestigitariu$"),
    ('<add key="Db" value="Server=db,1433;User ID=app;Password=#gets0m3;Trusted_Connection=False" />',
     FileKind.TEXT, "#gets0m3"),
    ("echo \"The password is 'Secret123'\"", FileKind.TEXT, "Secret123"),
])
def test_shapes_fail_a_scan(text: str, kind: FileKind, value: str) -> None:
    assert _values(text, kind) == [value]


@pytest.mark.parametrize(("text", "kind"), [
    ('usernameLabel:"Username or email:",passwordLabel:"Password:",rememberMeLabel:"Remember me:"', FileKind.TEXT),
    ('"//localhost:1337/:_password = "+new Buffer("feast").toString("base64")', FileKind.CODE),
    ('"password": "&lt;YOURPASSWORD&gt;"', FileKind.CONFIG),
    ('OID.CHALLENGE_PASSWORD: "challengePassword"', FileKind.CODE),  # a name that restates the key
    ('password = "password"', FileKind.CODE),
    ('db_password: "db-password"', FileKind.CONFIG),
    ("export DATABASE_PASSWORD=\"'$PRECOMPILE_PASSWORD'\"", FileKind.CODE),
])
def test_look_alikes_do_not_fail(text: str, kind: FileKind) -> None:
    assert _values(text, kind, "app.py" if kind is FileKind.CODE else "notes.txt") == []


def test_a_copula_asserts_a_value_in_prose() -> None:
    assert _values("The default Password is 'blooberry'") == ["blooberry"]
    assert _values("The password field is 'required' for login") == []  # "field" names no value
