"""Session 7 round 2: typed passwords of a local stack or a docs example are reported at low, with the
reason; a drawn value (or a typed one outside such files) in the same place keeps its severity.

Classes read on dev repositories (clearml, katib, aim, evidently, great_expectations, haystack):
``POSTGRES_PASSWORD: postgres`` in docker-compose, ``MSSQL_SA_PASSWORD: ReallyStrongPwd1234%^&*`` in CI,
``export ARCADEDB_PASSWORD=arcadedb`` / ``pa\\$\\$word`` in docs, ``postgresql://postgres:postgres@localhost``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets.local_stack import local_stack_reason, typed_word
from mlsecure.secrets.scanner import SecretScanner

DRAWN = "q7Vx2LmR9tKp4ZsW8nYc3HdJ"  # 24 base62 characters, no word, no run


_ROOT: list[Path] = []


@pytest.fixture(autouse=True)
def _root(tmp_path: Path) -> None:
    _ROOT[:] = [tmp_path]


def _scan(text: str, path: str) -> list[tuple[str, Severity, str | None]]:
    """Write ``text`` at ``path`` (the file kind follows its name, as in a real scan) and scan it."""
    target = _ROOT[0] / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return [(f.rule_id, f.severity, f.details.get("local_stack"))
            for f in SecretScanner().scan_paths([target]).findings]


@pytest.mark.parametrize("value", ["postgres", "arcadedb", "my-db-password", "minio123", "metaflow123",
                                   "ReallyStrongPwd1234%^&*", "SecureHaystack*2026", "pa\\$\\$word",
                                   "p=ssword", "p%3Dssword", "YourPassword", "try_gx"])
def test_typed_words(value: str) -> None:
    assert typed_word(value)


@pytest.mark.parametrize("value", [DRAWN, "abcde#123xyzabc", "kXpQz#482aB3dE9", "Tr0ub4dor&3", "xKqzPw",
                                   "qzxkvbnm", "Bpu6RgmPMMaDeeq5", "ab$cd#ef!gh"])
def test_drawn_or_mixed_values_are_not_typed_words(value: str) -> None:
    assert not typed_word(value)


COMPOSE = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: {}\n"


def test_compose_typed_password_is_low_with_reason() -> None:
    found = _scan(COMPOSE.format("postgres"), "deploy/docker-compose.yml")
    assert [(r, s) for r, s, _ in found] == [("SEC-017", Severity.LOW)]
    assert found[0][2] is not None and "local stack" in found[0][2]


@pytest.mark.parametrize("value", [DRAWN, "abcde#123xyzabc"])
def test_compose_drawn_password_stays_medium(value: str) -> None:
    found = _scan(COMPOSE.format(value), "deploy/docker-compose.yml")
    assert [(r, s, why) for r, s, why in found] == [("SEC-017", Severity.MEDIUM, None)]


def test_same_typed_password_in_application_code_stays_medium() -> None:
    # session 11: a file holding a Compose document is read as one whatever its name (compose_by_content), so the
    # application's own settings are written as such here
    found = _scan("database:\n  host: db.internal\n  password: postgres\n", "src/app/settings.yaml")
    assert [(r, s, why) for r, s, why in found] == [("SEC-017", Severity.MEDIUM, None)]


def test_docs_export_typed_low_drawn_medium() -> None:
    typed = _scan("```bash\nexport ARCADEDB_PASSWORD=arcadedb\n```\n", "docs/stores/arcadedb.mdx")
    drawn = _scan(f"```bash\nexport ARCADEDB_PASSWORD={DRAWN}\n```\n", "docs/stores/arcadedb.mdx")
    assert [s for _, s, _ in typed] == [Severity.LOW]
    assert [s for _, s, _ in drawn] == [Severity.MEDIUM]


def test_docs_prose_password_is_low_script_medium() -> None:
    line = "echo \"The password is 'Secret123'\"\n"
    assert [(r, s) for r, s, _ in _scan(line, "docs/setup.md")] == [("SEC-017", Severity.LOW)]
    assert [(r, s) for r, s, _ in _scan(line, "scripts/setup.sh")] == [("SEC-017", Severity.MEDIUM)]


def test_localhost_url_typed_low_remote_or_drawn_high() -> None:
    local = _scan('URL = "postgresql://postgres:postgres@localhost:5432/postgres"\n', "app/db.py")
    service = _scan('URL = "mssql://sa:postgres@db:1433/main"\n', "app/db.py")
    remote = _scan('URL = "postgresql://postgres:postgres@db.prod.example.com:5432/postgres"\n', "app/db.py")
    drawn = _scan(f'URL = "postgresql://postgres:{DRAWN}@localhost:5432/postgres"\n', "app/db.py")
    assert [(r, s) for r, s, _ in local] == [("SEC-016", Severity.LOW)]
    assert [(r, s) for r, s, _ in service] == [("SEC-016", Severity.LOW)]
    assert [(r, s) for r, s, _ in remote] == [("SEC-016", Severity.HIGH)]
    assert [(r, s) for r, s, _ in drawn] == [("SEC-016", Severity.HIGH)]


def test_url_password_cut_at_an_inner_at_sign_is_not_demoted() -> None:
    # the URL pattern stops the password at its first "@": "Whheg" looks typed, the value is not
    found = _scan("      - DB_URI=postgresql://mlflow:Whheg@633MKLnzj@db:5432/mlflow\n", "docker-compose.yml")
    assert [(r, s) for r, s, _ in found] == [("SEC-016", Severity.HIGH)]


def test_fstring_attribute_reference_is_not_a_value() -> None:
    text = 'masked = f"oracle://scott:{PasswordMasker.MASKED_PASSWORD_STRING}@tnsname"\n'
    assert _scan(text, "pkg/utils.py") == []


def test_reason_only_for_generic_rules() -> None:
    assert local_stack_reason("SEC-001", "postgres", "docker-compose.yml", None, in_tests=False) is None
    assert local_stack_reason("SEC-017", "postgres", "docker-compose.yml", None, in_tests=False) is not None
    after = "@db.example.com/orcl"
    assert local_stack_reason("SEC-016", "tiger", "pkg/db.py", "db.example.com", in_tests=True,
                              after=after) is not None
    assert local_stack_reason("SEC-016", "tiger", "pkg/db.py", "db.example.com", in_tests=False,
                              after=after) is None
