"""Session 11b: false-positive families left on the dev repositories after session 11 (Phoenix, Langfuse, mlrun,
Determined): keys typed in order, labels that name the credential, case-mixed UUIDs as test passwords, JWTs whose
signature was cut short.

The look-alike lines are written by us in the shape of what those repositories hold, with our own values. Each
look-alike has a twin in the same place, with a drawn value, that must still fail a scan by the named rule.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest
from look_alikes import assert_look_alike_pair, drawn

from mlsecure.findings import Severity
from mlsecure.secrets.detectors.structured import short_signature
from mlsecure.secrets.scanner import SecretScanner
from mlsecure.secrets.typed_stand_ins import case_mixed_uuid, credential_label, keyboard_run

_RNG = random.Random(1111)
_DRAWN16 = drawn(_RNG, 16)
_DRAWN24 = drawn(_RNG, 24)
_DRAWN_UUID = "9b2e7c41-0d5f-4a8e-b3c6-7f1e2d9a0c58"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _jwt(signature: str) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({"sub": "4242", "name": "Ada"}).encode())
    return f"{header}.{payload}.{signature}"


_FULL_SIGNATURE = _b64(bytes(_RNG.randrange(256) for _ in range(32)))  # HS256: 32 bytes, 43 characters

# (file, rule the twin must fail by, look-alike that must not fail, twin in the same place that must still fail)
_PAIRS = [
    # a provider prefix then the digit row and a-f, in a JSDoc example
    (
        "js/packages/tracer-otel/src/register.ts",
        "SEC-017",
        " *   apiKey: 'trc_1234567890abcdef',\n",
        f" *   apiKey: 'trc_{_DRAWN16}',\n",
    ),
    # keys typed in order in a dev .env template
    (
        ".env.dev.example",
        "SEC-022",
        'BEDROCK_API_KEY="1234567890abcdef"\nSTORE_SECRET_ACCESS_KEY="QWE123456789"\n',
        f'BEDROCK_API_KEY="{_DRAWN16}"\nSTORE_SECRET_ACCESS_KEY="QWE123456789"\n',
    ),
    # a UUID made of runs in a docs page
    (
        "docs/store/datastore.md",
        "SEC-017",
        'profile = Profile(name="p", v3io_access_key="12345678-1234-1234-1234-123456789012")\n',
        f'profile = Profile(name="p", v3io_access_key="{_DRAWN_UUID}")\n',
    ),
    # a label naming the credential, where the docs say which key goes in the password of Basic auth
    (
        "fern/apis/server/definition/api.yml",
        "SEC-017",
        "docs: |\n  - username: Tracer Public Key\n  - password: Tracer Secret Key\n",
        f"docs: |\n  - username: Tracer Public Key\n  - password: {_DRAWN24}\n",
    ),
    # a uuid4 with its first group upper-cased to pass a password policy, in an end-to-end test
    (
        "e2e_tests/tests/cluster/test_users.py",
        "SEC-017",
        '    new_password = "5E0A7D3C-c1b2-4f9e-8d7a-6b5c4d3e2f10"\n',
        f'    new_password = "{_DRAWN24}"\n',
    ),
    # an HS256 JWT whose signature was typed short (6 characters for 32 bytes) in a test
    (
        "js/packages/cli/test/auth.test.ts",
        "SEC-015",
        f'const token = "{_jwt("abc123")}";\n',
        f'const token = "{_jwt(_FULL_SIGNATURE)}";\n',
    ),
]


@pytest.mark.parametrize(("name", "rule", "look_alike", "twin"), _PAIRS, ids=[p[0] for p in _PAIRS])
def test_look_alike_passes_and_twin_fails(tmp_path: Path, name: str, rule: str, look_alike: str, twin: str) -> None:
    assert_look_alike_pair(tmp_path, name, rule, look_alike, twin)


def _findings(tmp_path: Path, name: str, text: str) -> list[tuple[str, Severity]]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [(f.rule_id, f.severity) for f in SecretScanner().scan_paths([path]).findings]


def test_keyboard_run_in_docs_is_reported_at_low_not_dropped(tmp_path: Path) -> None:
    # 123456 heads the lists of breached passwords: in a docs page a keyboard run is shown at low with its reason
    assert _findings(tmp_path, "docs/setup.md", "api_key: 1234567890abcdef\n") == [("SEC-017", Severity.LOW)]


def test_keyboard_run_in_a_plain_config_keeps_its_severity(tmp_path: Path) -> None:
    # the peers' suites label abcdef1234567890 in a plain file a key in use (Kingfisher's formcraft case)
    assert _findings(tmp_path, "deploy/app.yaml", "formcraft_token: abcdef1234567890\n") == [
        ("SEC-017", Severity.MEDIUM)
    ]


def test_case_mixed_uuid_outside_tests_keeps_its_severity(tmp_path: Path) -> None:
    text = '    password = "5E0A7D3C-c1b2-4f9e-8d7a-6b5c4d3e2f10"\n'
    assert _findings(tmp_path, "harness/api_utils.py", text) == [("SEC-017", Severity.MEDIUM)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("phx_1234567890abcdef", True),
        ("sk-1234567890abcdef", True),
        ("asdfgh", True),
        ("qwerty123", True),
        ("SAK123456789", True),
        ("0123456789abcdef", True),
        ("12345678-1234-1234-1234-123456789012", True),
        ("abc12", False),  # under 6 keys
        ("qwertz12", False),  # a German row: z is no run of qwertyuiop
        ("sk-prod-abc123xyz789secret", False),  # "prod" and "secret" are words, not runs
        ("1234567890x", False),  # a single key closing a piece is a drawn character
        (_DRAWN16, False),
    ],
)
def test_keyboard_run_known_answers(value: str, expected: bool) -> None:
    assert keyboard_run(value) is expected


@pytest.mark.parametrize(
    ("alg", "signature", "expected"),
    [
        ("HS256", "abc123", True),
        ("HS256", _FULL_SIGNATURE, False),
        ("HS512", _FULL_SIGNATURE, True),  # HS512 makes 64 bytes (RFC 7518 section 3.2)
        ("ES256", _b64(bytes(64)), False),  # ECDSA P-256: r || s, 64 bytes (RFC 7518 section 3.4)
        ("RS256", _b64(bytes(256)), False),
        ("RS256", _b64(bytes(100)), True),
        ("XYZ", "a", False),  # an algorithm not listed is never judged
    ],
)
def test_short_signature_known_answers(alg: str, signature: str, expected: bool) -> None:
    assert short_signature(alg, signature) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Langfuse Secret Key", True),
        ("Admin Password", True),
        ("API Token", True),
        ("Secret Key Rotation", False),  # the credential word does not close the label
        ("correct horse battery key", False),  # a passphrase is not title case
        ("Key", False),  # one word
    ],
)
def test_credential_label_known_answers(value: str, expected: bool) -> None:
    assert credential_label(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5E0A7D3C-c1b2-4f9e-8d7a-6b5c4d3e2f10", True),
        (_DRAWN_UUID, False),
        (_DRAWN_UUID.upper(), False),
        ("5E0A7D3C-c1b2-4f9e-8d7a", False),
    ],
)
def test_case_mixed_uuid_known_answers(value: str, expected: bool) -> None:
    assert case_mixed_uuid(value) is expected
