"""Session 10: false-positive families read on ten new dev repositories (workflow engines, LLM tracing and agent
frameworks, vector databases).

The look-alike lines are written by us in the shape of what PrefectHQ/prefect, langfuse/langfuse,
microsoft/autogen and crewAIInc/crewAI hold, with our own values: the family is copied, not the text. Each
look-alike has a twin in the same place, with a drawn value, that must still fail a scan by the named rule.
"""

from __future__ import annotations

import base64
import random
import zlib
from pathlib import Path

import pytest
from look_alikes import assert_look_alike_pair

from mlsecure.findings import Severity
from mlsecure.secrets.code_values import code_value, default_of_expansion
from mlsecure.secrets.scanner import SecretScanner
from mlsecure.secrets.typed_stand_ins import default_credential, leet_stand_in, typed_stand_in

_RNG = random.Random(10)
_DRAWN = "".join(_RNG.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(32))
_HEX128 = "".join(_RNG.choice("0123456789abcdef") for _ in range(128))
_KEY_BYTES_B64 = base64.b64encode(bytes(_RNG.randrange(256) for _ in range(33))).decode()
_ZLIB_B64 = base64.b64encode(zlib.compress(b'{"type": "Title", "text": "Quarterly report"}' * 3)).decode()[:88]
_SHA40 = "".join(_RNG.choice("0123456789abcdef") for _ in range(40))


def _findings(tmp_path: Path, name: str, text: str) -> list[tuple[str, Severity, str]]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [
        (f.rule_id, f.severity, str(f.details.get("local_stack", "")))
        for f in SecretScanner().scan_paths([path]).findings
    ]


# (file, rule the twin must fail by, look-alike that must not fail, twin in the same place that must still fail)
_PAIRS = [
    # a schema listing which of a block's fields are secret
    (
        "server/blocks_data.json",
        "SEC-017",
        '  "secret_fields": ["minio_root_password", "credentials.token"],\n',
        f'  "secret_fields": "{_DRAWN}",\n',
    ),
    # a Python forward reference annotating a parameter
    (
        "flows/tasks.py",
        "SEC-017",
        'async def get(\n    credentials: "RedisDatabase",\n    key: str,\n):\n',
        f'async def get(\n    credentials = "{_DRAWN}",\n    key: str,\n):\n',
    ),
    # a template literal / a shell expansion made at run time
    (
        "web/projects.ts",
        "SEC-017",
        "const orgSecretKey = `sk-lf-org-${randomUUID().substring(0, 8)}`;\n",
        f"const orgSecretKey = `sk-lf-org-{_DRAWN}`;\n",
    ),
    ("web/entrypoint.sh", "SEC-017", '_pass="${_creds#*:}"\n', f'_pass="{_DRAWN}"\n'),
    # a number where a token count goes
    (
        "worker/prices.json",
        "SEC-017",
        '  "cached_content_token_count": 0.125e-6,\n',
        f'  "content_token": "{_DRAWN}",\n',
    ),
    # an action pinned to a commit
    (
        ".github/workflows/deploy.yml",
        "SEC-018",
        f"      - uses: aws-actions/configure-aws-credentials@{_SHA40} # v6.2.3\n",
        f"      - uses: aws-actions/configure-aws-credentials with secret {_DRAWN} # v6.2.3\n",
    ),
    # a W3C trace context under a name holding "key"
    (
        "telemetry/labels.py",
        "SEC-018",
        f'LABELS_TRACEPARENT_KEY: "00-{_HEX128[:32]}-{_HEX128[32:48]}-01"\n',
        f'LABELS_TRACEPARENT_KEY: "00-{_DRAWN}-01"\n',
    ),
    # a package manager's catalog reference
    (
        "packages/shared/package.json",
        "SEC-017",
        '    "@aws-sdk/credential-providers": "catalog:",\n',
        f'    "credential_providers": "{_DRAWN}",\n',
    ),
    # a header set from code
    (
        "scripts/sync.mjs",
        "SEC-240",
        "  headers: {\n    Authorization: process.env.GITHUB_TOKEN,\n  },\n",
        f"  headers: {{\n    Authorization: Bearer {_DRAWN}\n  }},\n",
    ),
    (
        "server/test_app.py",
        "SEC-240",
        '    headers={"Authorization": self.VALID_AUTH_HEADER},\n',
        f'    headers={{"Authorization": {_DRAWN}}},\n',
    ),
    # LLM tokens counted, on a SQL row whose first column is an id
    (
        "prisma/migrations/1/migration.sql",
        "SEC-018",
        "  ('clm0obv1u00003b6lc9etkzfg','gpt-4', 'PER_1000_TOKENS', 0.03, 'USD', 'PROMPT'),\n",
        "  ('clm0obv1u00003b6lc9etkzfg','gpt-4', 'API_TOKEN', 0.03, 'USD', 'PROMPT'),\n",
    ),
    # the placeholder vocabulary spelt, not named
    ("docs/custom-blocks.mdx", "SEC-017", '    "password": "p@ssw0rd",\n', f'    "password": "{_DRAWN}",\n'),
    (
        "load_testing/run-server.sh",
        "SEC-022",
        "docker run -e POSTGRES_PASSWORD=yourTopSecretPassword \\\n",
        f"docker run -e POSTGRES_PASSWORD={_DRAWN} \\\n",
    ),
    # typed credentials of test URLs (a fixture, as a typed password = "..." in a test already is)
    (
        "tests/test_storage.py",
        "SEC-020",
        '    url = "https://x-access-token:my-gitlab-token@github.com/org/repo.git"\n',
        f'    url = "https://x-access-token:{_DRAWN}@github.com/org/repo.git"\n',
    ),
    (
        "tests/test_credentials.py",
        "SEC-020",
        '    assert url == "https://oauth2:my-personal-token@gitlab.com/org/repo.git"\n',
        # a person's password (15 characters, no words) in a test URL is no fixture: planted recall caught it
        '    assert url == "https://admin:vJTmb#985xTE4Lg@mlflow.example.io/repo.git"\n',
    ),
    # an element id in a diagram, a uuid after the entity's name
    (
        "prisma/database.svg",
        "SEC-024",
        '<g id="entity-apikeys-7059566d-39e1-5393-b565-a2d822ec26c6"><rect height="90"/></g>\n',
        f'<g data-ref="entity-apikeys-{_DRAWN}"><rect height="90"/></g>\n',
    ),
    # an object's key beside the same object's id, in escaped JSON of a saved trace; an app key beside its app id
    # is a credential pair and still fails
    (
        "traces/crewai.trace.json",
        "SEC-018",
        f'  "metadata": "{{\\"crew_key\\":\\"{_HEX128[:32]}\\",\\"crew_id\\":\\"7aaad2cf-aeb4\\"}}",\n',
        f'  "metadata": "{{\\"app_key\\":\\"{_HEX128[:32]}\\",\\"app_id\\":\\"7aaad2cf-aeb4\\"}}",\n',
    ),
    # "your key" in Portuguese where the key goes (versioned docs copies)
    (
        "docs/pt-BR/mcp/dsl-integration.mdx",
        "SEC-017",
        '    "https://mcp.example.ai/mcp?api_key=sua_chave&profile=pesquisa"\n',
        f'    "https://mcp.example.ai/mcp?api_key={_DRAWN}&profile=pesquisa"\n',
    ),
    # a CDN's bot-management cookies in a recorded response (VCR cassette)
    (
        "tests/cassettes/test_llm_call.yaml",
        "SEC-018",
        f"      - __cf_bm={_DRAWN}-1758647885-1.0.1.1-{_DRAWN[::-1]}; path=/; domain=.api.example.com; HttpOnly\n",
        f"      - session={_DRAWN}-1758647885-1.0.1.1-{_DRAWN[::-1]}; path=/; domain=.api.example.com; HttpOnly\n",
    ),
    # a ULID with its type prefix (an OAuth audience), an HTTP ETag
    (
        "cli/constants.py",
        "SEC-019",
        'DEFAULT_OAUTH2_AUDIENCE = "client_01JNJQWBJ4SPFN3SWJM5T7BDG8"\n',
        f'DEFAULT_OAUTH2_AUDIENCE = "client_{_DRAWN[:26]}"\n',
    ),
    (
        "cassettes/scrape.yaml",
        "SEC-019",
        '      - W/"6075-Q1W6uMv95JKEZARbtaiPYYMojlU"\n',
        f'      - "6075-{_DRAWN}"\n',
    ),
    # display labels of a variable -> provider table
    (
        "cli/deploy/validate.py",
        "SEC-017",
        '    "OPENAI_API_KEY": "OpenAI",\n    "AZURE_OPENAI_API_KEY": "Azure OpenAI",\n',
        '    "OPENAI_API_KEY": "OpenAI",\n    "AZURE_OPENAI_API_KEY": "AzureOpenAIKey2024",\n',
    ),
    # an HTML accesskey (a keyboard shortcut) in a recorded page
    (
        "tests/cassettes/docling.yaml",
        "SEC-017",
        '  <a href="https://blog.example.io/" accesskey="h" title="Log">\n',
        f'  <a href="https://blog.example.io/" secret="{_DRAWN}" title="Log">\n',
    ),
    # the gcloud SDK's published installed-app client secret in a recorded token refresh
    (
        "tests/cassettes/vertex.yaml",
        "SEC-017",
        "    body: grant_type=refresh_token&client_secret=d-FL95Q19q7MQmFpd7hHD0Ty&refresh_token=1%2F%2F0abc\n",
        f"    body: grant_type=refresh_token&client_secret={_DRAWN}&refresh_token=1%2F%2F0abc\n",
    ),
    # a workflow id after its type's name in a rich box of a saved output
    (
        "notebooks/agent_output.txt",
        "SEC-019",
        f"│ 'TransformationWorkflow-{_HEX128[:32]}'}}      │\n",
        f"│ '{_DRAWN}{_HEX128[:16]}'}}      │\n",
    ),
    # a command quoted inline in prose (a MITRE ATT&CK CSV); the same command with an argument in its code span
    (
        "datasets/mitre_framework.csv",
        "SEC-021",
        '"T1087","Commands such as `net user` and `net localgroup` of the Net utility list accounts"\n',
        f'"T1087","Commands such as `net user admin {_DRAWN}` of the Net utility list accounts"\n',
    ),
    # base64 of JSON text in a notebook cell
    (
        "docs/templates/prompt.py",
        "SEC-019",
        "contents_b64 = b'W3sicGFydHMiOiBbeyJ0ZXh0IjogIkhlbGxvIn1dfV0='\n",
        f"contents_b64 = b'{_KEY_BYTES_B64}'\n",
    ),
    # a minified bundle's class-method descriptors; a path glued to a CI template
    (
        "frontend/_next/static/chunks/app.js",
        "SEC-018",
        'return(0,k.Z)(e,[{key:"getScriptPartFromCode",value:function(e){return e}}])\n',
        f'return(0,k.Z)(e,[{{key:"{_DRAWN}",value:function(e){{return e}}}}])\n',
    ),
    (
        ".github/workflows/ci.yaml",
        "SEC-018",
        '  run: docker run --volume "${{ matrix.image }}/MPI_MXNet2_MNIST_api_run_1:/artifacts" img\n',
        f'  run: docker run --volume "/{_DRAWN}:/artifacts" img api\n',
    ),
    # an email's Authentication-Results (DKIM selector) beside "dkim=pass"
    (
        "example-docs/eml/mail.eml",
        "SEC-017",
        "    dkim=pass header.i=@mail.example.com header.s=6gbrjpgwjskckoa6a5zn6fwqkn67xbtw header.b=iH985p4O;\n",
        f"    dkim=pass header.i=@mail.example.com password={_DRAWN} header.b=iH985p4O;\n",
    ),
    # Drupal's per-page theme token in a saved page
    (
        "example-docs/page.html",
        "SEC-017",
        '<script>jQuery.extend(Drupal.settings, {"ajaxPageState": {"theme_token": "WGdOX9GIo1-RMafKAQwjSsmyLL7WEe"}});'
        "</script>\n",
        f'<script>jQuery.extend(Drupal.settings, {{"ajaxPageState": {{"api_token": "{_DRAWN}"}}}});</script>\n',
    ),
    # base64 of a zlib stream and the end of a base64 PNG in test data
    ("tests/staging/test_base.py", "SEC-019", f'    "{_ZLIB_B64}"\n', f'    "{_KEY_BYTES_B64}"\n'),
    (
        "tests/partition/test_html.py",
        "SEC-019",
        '    "w38GIAXDIBKE0DHxgljNBAAO9TXL0Y4OHwAAAABJRU5ErkJggg=="\n',
        f'    "{_KEY_BYTES_B64}"\n',
    ),
    # a proptest regression seed; the W3C Trace Context example trace id
    (
        "rust/blockstore/proptest-regressions/arrow/blockfile.txt",
        "SEC-017",
        f"cc {_HEX128[:64]} # shrinks to num_key = 3, query_key = 1000\n",
        f"api_key = {_HEX128[:64]} # shrinks to num_key = 3, query_key = 1000\n",
    ),
    (
        "rust/tracing/src/tower_tracing.rs",
        "SEC-019",
        '        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()\n',
        f'        TraceId::from_hex("{_KEY_BYTES_B64}").unwrap()\n',
    ),
    # digests in test data, no credential word near them
    ("tests/graphrag/conftest.py", "SEC-019", f'    "{_HEX128}",\n', f'    "{_DRAWN}{_DRAWN[:8]}",\n'),
]


@pytest.mark.parametrize(("name", "rule", "look_alike", "twin"), _PAIRS, ids=[p[0] for p in _PAIRS])
def test_look_alike_passes_and_its_twin_still_fails(
    tmp_path: Path, name: str, rule: str, look_alike: str, twin: str
) -> None:
    assert_look_alike_pair(tmp_path, name, rule, look_alike, twin)


def test_the_default_of_a_shell_expansion_is_reported_at_low_when_typed_and_at_medium_when_drawn(
    tmp_path: Path,
) -> None:
    typed = _findings(tmp_path / "a", "docker-compose.yml", "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}\n")
    assert typed == [("SEC-017", Severity.LOW, "typed default of a ${VAR:-default} expansion (local stack)")]
    drawn = _findings(
        tmp_path / "b", "docker-compose.yml", f"      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD:-{_DRAWN}}}\n"
    )
    assert [(rule, severity) for rule, severity, _ in drawn] == [("SEC-017", Severity.MEDIUM)]
    assert default_of_expansion("-postgres}", "X: ${POSTGRES_PASSWORD:") == "postgres"
    assert default_of_expansion("-postgres}", "X: ") is None


def test_a_leetspeak_password_is_reported_at_low_not_dropped(tmp_path: Path) -> None:
    """``P4ssw0rd!`` stands in for a password in docs, and is a weak password people deploy: a finding at low with the
    reason (it was dropped in session 10's first version); the camelCase instruction is no credential at all."""
    found = _findings(tmp_path, "deploy/app.env", 'DB_PASSWORD="P4ssw0rd!"\n')
    assert [(rule, severity) for rule, severity, _ in found] == [("SEC-022", Severity.LOW)]
    assert _findings(tmp_path, "deploy/b.env", 'DB_PASSWORD="yourTopSecretPassword"\n') == []


def test_a_products_default_credential_is_reported_at_low_with_the_product(tmp_path: Path) -> None:
    found = _findings(tmp_path, "prefect_aws/s3.py", '    minio_root_password = "minioadmin",\n')
    assert found == [("SEC-017", Severity.LOW, "MinIO's documented default credential: change it in any deployment")]
    assert default_credential("Ollama") == "Ollama" and default_credential("minio123") is None
    assert default_credential("5241590000000000") == "Ray"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("p@ssw0rd", True),
        ("s3cr3t", True),
        ("P4ssw0rd!", True),
        ("t0k3n", True),
        # the plain word is the placeholder list's; a drawn or a personal value is neither
        ("password", False),
        ("Summer2024!", False),
        (_DRAWN, False),
        ("h0rse-b4ttery", False),
    ],
)
def test_leetspeak_of_the_placeholder_vocabulary(value: str, expected: bool) -> None:
    assert leet_stand_in(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yourTopSecretPassword", True),
        # the keyboard typed in order is not judged: the peers' test suites label such values positive
        ("123456789:ABCdefGHIjklMNOpqrsTUVwxyz", False),
        ("SAK123456789", False),
        ("1234567890abcdef", False),
        ("Yourself2024", False),
        (_DRAWN, False),
        ("AKIA1234QZ9XW7", False),
    ],
)
def test_typed_stand_ins(value: str, expected: bool) -> None:
    assert (typed_stand_in(value) is not None) is expected


def test_code_values_known_answers() -> None:
    line = f"      - uses: actions/checkout@{_SHA40}\n"
    assert code_value(_SHA40, line, line.index(_SHA40), path="ci.yml") is not None
    # the same hex after a credential name, not after owner/repo@, is no commit pin
    line = f"      secret: {_SHA40}\n"
    assert code_value(_SHA40, line, line.index(_SHA40), path="ci.yml") is None
    assert code_value('["token", "password"]', '"f": ["token", "password"]', 5, path="a.json") is not None
    assert code_value(f'["{_DRAWN}"]', f'"f": ["{_DRAWN}"]', 5, path="a.json") is None
    # a type in quotes annotates a parameter only in Python, and only before , ) or the line's end
    text = '    credentials: "RedisDatabase",'
    assert code_value("RedisDatabase", text, text.index("Redis"), path="t.py") is not None
    assert code_value("RedisDatabase", text, text.index("Redis"), path="t.yaml") is None


def test_typed_user_and_password_pair_in_docs_is_low_and_a_drawn_pair_stays(tmp_path: Path) -> None:
    typed = _findings(tmp_path / "a", "docs/migration.mdx", 'CHROMA_SERVER_AUTH_CREDENTIALS="admin:admin"\n')
    assert [(rule, severity) for rule, severity, _ in typed] == [("SEC-017", Severity.LOW)]
    drawn = _findings(tmp_path / "b", "docs/migration.mdx", f'CHROMA_SERVER_AUTH_CREDENTIALS="admin:{_DRAWN}"\n')
    assert [severity for _, severity, _ in drawn] == [Severity.MEDIUM]  # SEC-022 claims the line first


def test_a_token_in_the_user_part_of_a_test_url_is_still_reported(tmp_path: Path) -> None:
    """``https://<token>:x-oauth-basic@host``: the credential is the user part, drawn here, so the test-fixture
    rule (typed URL passwords in tests) must not read the fixed password ``x-oauth-basic`` as the value."""
    text = f'url = "https://{_DRAWN}:x-oauth-basic@git.server/my-repo"\n'
    found = _findings(tmp_path, "tests/projects/test_project.py", text)
    assert [(rule, severity) for rule, severity, _ in found] == [("SEC-020", Severity.HIGH)]
