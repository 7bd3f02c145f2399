"""Session 11: false-positive families read on ten new dev repositories (LLM tracing, evaluation, agent memory and
prompt-flow projects: Phoenix, promptflow, mem0, ragas, trulens, langgraph, ...).

The look-alike lines are written by us in the shape of what those repositories hold, with our own values: the
family is copied, not the text. Each look-alike has a twin in the same place, with a drawn value, that must still
fail a scan by the named rule.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest
from look_alikes import assert_look_alike_pair

from mlsecure.findings import Severity
from mlsecure.secrets.detectors.structured import public_jwt
from mlsecure.secrets.format_values import format_value
from mlsecure.secrets.local_stack import compose_by_content, typed_word
from mlsecure.secrets.scanner import SecretScanner
from mlsecure.secrets.typed_stand_ins import self_named

_RNG = random.Random(11)
_DRAWN = "".join(_RNG.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(32))
_HEX40 = ["".join(_RNG.choice("0123456789abcdef") for _ in range(40)) for _ in range(3)]
_UUID = "3f1c9a2e-5b7d-4e8a-9c0f-1a2b3c4d5e6f"
_BASE36 = "".join(_RNG.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(30))


def _jwt(payload: dict[str, object]) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    signature = base64.urlsafe_b64encode(bytes(_RNG.randrange(256) for _ in range(32))).decode().rstrip("=")
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.{signature}"


_ANON = _jwt({"iss": "supabase", "ref": "abcdefghijklmnopqrst", "role": "anon", "iat": 1719000000, "exp": 4102444800})
_SERVICE = _jwt(
    {"iss": "supabase", "ref": "abcdefghijklmnopqrst", "role": "service_role", "iat": 1719000000, "exp": 4102444800}
)


def _notebook_output(text: str) -> str:
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "source": ["memory.add(messages)\n"],
        "outputs": [{"name": "stderr", "output_type": "stream", "text": [text]}],
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _findings(tmp_path: Path, name: str, text: str) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.severity) for f in SecretScanner().scan_paths([_write(tmp_path, name, text)]).findings]


# (file, rule the twin must fail by, look-alike that must not fail, twin in the same place that must still fail)
_PAIRS = [
    # a dbm.dumb / shelve index: '<key>', (offset, size) per line
    (
        "recordings/local/node_cache.shelve.dir",
        "SEC-019",
        f"'{_HEX40[0]}', (0, 1308)\n'{_HEX40[1]}', (1536, 4997)\n",
        f"'{_HEX40[0]}', (0, 1308)\n'{_HEX40[1]}' = (1536, 4997)\n",
    ),
    # an Application Insights instrumentation key in a recorded telemetry envelope and in code
    (
        "tests/recordings/azure/evaluate.yaml",
        "SEC-017",
        f'      body: \'[{{"time": "2024-05-25T22:35:41Z", "sampleRate": 100.0, "iKey": "{_UUID}", "tags": {{}}}}]\'\n',
        f'      body: \'[{{"time": "2024-05-25T22:35:41Z", "sampleRate": 1, "accessKey": "{_DRAWN}", "tags": 0}}]\'\n',
    ),
    (
        "telemetry/logging_handler.py",
        "SEC-017",
        f'INSTRUMENTATION_KEY = "{_UUID}"\n',
        f'INSTRUMENTATION_SECRET = "{_DRAWN}"\n',
    ),
    # an autorest / msrest attribute map
    (
        "restclient/models/_models.py",
        "SEC-018",
        "        'cluster_log_conf_dbfs_path': {'key': 'clusterLogConfDbfsPath', 'type': 'str'},\n",
        f"        'cluster_log_conf_dbfs_path': {{'key': '{_DRAWN}', 'type': 'str'}},\n",
    ),
    # commits pinned after repository links in a design note
    (
        "internal_docs/specs/client-lifecycle.md",
        "SEC-019",
        f"- [boto3](https://github.com/boto/boto3) @ `{_HEX40[0]}`\n- [aiohttp](https://github.com/aio-libs/aiohttp) @ "
        f"`{_HEX40[1]}`\n",
        f"- [boto3](https://github.com/boto/boto3) @ `{_HEX40[0]}`\n- session cookie: `{_DRAWN}`\n",
    ),
    # a macOS temporary folder in a saved warning
    (
        "examples/notebooks/support-chatbot.ipynb",
        "SEC-018",
        _notebook_output(
            "/var/folders/7q/4ht2k8mzq1wv7x9pbn3c5d6r0000gn/T/ipykernel_4242/2718281828.py:12: DeprecationWarning: "
            "The current add API output format is deprecated. To use the latest format, set `api_version='v1.1'`.\n"
        ),
        _notebook_output(
            f"/tmp/ipykernel_99777/1076713094.py:55: DeprecationWarning: api_key {_DRAWN} is deprecated\n"
        ),
    ),
    # a reference to an environment variable (TypeScript's non-null assertion)
    (
        "docs/cookbooks/agent.mdx",
        "SEC-017",
        "const memory = new MemoryClient({ apiKey: process.env.MEM0_API_KEY! });\n",
        f"const memory = new MemoryClient({{ apiKey: {_DRAWN} }});\n",
    ),
    # the type name of a typeof test
    (
        "cli/src/commands/agent-mode.ts",
        "SEC-017",
        'const ok = typeof (v as Envelope).api_key === "string" && v.ready;\n',
        f'const ok = (v as Envelope).api_key === "{_DRAWN}" && v.ready;\n',
    ),
    # a table keyed by command-line flags
    (
        "cli/src/help.ts",
        "SEC-017",
        '  "--api-key": "Connection",\n  "--base-url": "Connection",\n',
        f'  "--api-key": "{_DRAWN}",\n  "--base-url": "Connection",\n',
    ),
    # a Supabase anon key (published for browsers) next to the service-role key (secret)
    ("cli/constants.py", "SEC-015", f'SUPABASE_PUBLIC_API_KEY = "{_ANON}"\n', f'SUPABASE_API_KEY = "{_SERVICE}"\n'),
    # a provider-like prefix then two or three x's
    (
        "docs/integrations/vercel-ai-sdk.mdx",
        "SEC-017",
        'await addMemories(messages, { user_id: "alice", mem0ApiKey: "m0-xxx" });\n',
        f'await addMemories(messages, {{ user_id: "alice", mem0ApiKey: "m0-{_DRAWN}" }});\n',
    ),
    # "pass" as in passing an evaluation
    (
        "examples/workflow_eval/evals.py",
        "SEC-017",
        '    "pass_criteria": "category Billing; invoice_number BILL2024-001; response handles formats",\n',
        f'    "db_pass": "{_DRAWN}",\n',
    ),
    # a model's tokens counted or priced: SQL seed rows of model prices, GraphQL counts
    (
        "prisma/migrations/20240119_add_models/migration.sql",
        "SEC-017",
        f"  ('{_BASE36[:25]}', NULL, 'gpt-4', NULL, 0.00003, 0.00006, 'TOKENS', 'openai', "
        '\'{ "tokensPerMessage": 3, "tokensPerName": 1 }\'),\n',
        f"  ('{_BASE36[:25]}', NULL, 'gpt-4', NULL, 0.00003, 0.00006, 'TOKENS', 'openai', "
        f'\'{{ "apiToken": "{_DRAWN}" }}\'),\n',
    ),
    (
        "app/schema.graphql",
        "SEC-017",
        "  totalTokenCount: ExperimentRunMetricComparison!\n",
        f'  apiToken: "{_DRAWN}"\n',
    ),
    # an id compared in a filter expression
    (
        "evals/datasets/set_spans_filter.yaml",
        "SEC-019",
        f"  condition: trace_id == '{_HEX40[0][:32]}'\n",
        f"  condition: session == '{_HEX40[0][:32]}'\n",
    ),
    # a table column's accessor key names a field
    (
        "app/src/pages/SessionsTable.tsx",
        "SEC-017",
        '    accessorKey: "traceLatencyMsP50",\n',
        f'    accessKey: "{_DRAWN}",\n',
    ),
    # a dependency's version range
    (
        "deps/overrides.yaml",
        "SEC-017",
        "  '@aws-sdk/credential-provider-node': '>=3.972.0 <4'\n",
        f"  '@aws-sdk/credential-provider-node': '{_DRAWN}'\n",
    ),
    # where a credential came from, not the credential
    (
        "client/client.py",
        "SEC-017",
        '    credential_source = "explicit arguments" if api_key else None\n',
        f'    credential = "{_DRAWN}" if api_key else None\n',
    ),
    # a replacement field of an f-string
    (
        "server/sandbox/__init__.py",
        "SEC-017",
        "        raise KeyError(f\"Secret '{sorted(failures)[0]}' exists but could not be decrypted\")\n",
        f"        raise KeyError(f\"Secret '{_DRAWN}' exists but could not be decrypted\")\n",
    ),
    # a leetspeak password in a test's URL is a fixture
    (
        "src/oss/tests/valkey.test.ts",
        "SEC-020",
        '    valkeyUrl: "valkey://user:s3cret@cluster.example:6379",\n',
        f'    valkeyUrl: "valkey://user:{_DRAWN}@cluster.example:6379",\n',
    ),
    # an indefinite pronoun in the value's place
    (
        "core/utils/keys.py",
        "SEC-022",
        '    """Set keys, for example:\n\n        OPENAI_API_KEY="something"\n    """\n',
        f'    """Set keys, for example:\n\n        OPENAI_API_KEY="{_DRAWN}"\n    """\n',
    ),
    # a value that names itself a dev / test credential
    (
        "scripts/devops/overrides/ldap-test.yml",
        "SEC-022",
        "    environment:\n      - PHOENIX_SECRET=dev-secret-for-ldap-testing-only-12345678\n",
        f"    environment:\n      - PHOENIX_SECRET={_DRAWN}\n",
    ),
]


@pytest.mark.parametrize(("name", "rule", "look_alike", "twin"), _PAIRS, ids=[p[0] for p in _PAIRS])
def test_look_alike_passes_and_its_twin_still_fails(
    tmp_path: Path, name: str, rule: str, look_alike: str, twin: str
) -> None:
    assert_look_alike_pair(tmp_path, name, rule, look_alike, twin)


_OVERRIDE = (
    "services:\n  phoenix:\n    environment:\n      - LDAP_ADMIN_PASSWORD={}\n"
    "  ldap:\n    image: osixia/openldap:1.5.0\n"
)


def test_a_compose_file_by_its_content_reports_a_typed_password_at_low_and_a_drawn_one_at_medium(
    tmp_path: Path,
) -> None:
    """``docker compose -f overrides/ldap.yml``: the file is a Compose file whatever its name."""
    assert _findings(tmp_path / "a", "devops/overrides/ldap.yml", _OVERRIDE.format("admin_password")) == [
        ("SEC-022", Severity.LOW)
    ]
    assert _findings(tmp_path / "b", "devops/overrides/ldap.yml", _OVERRIDE.format(_DRAWN)) == [
        ("SEC-022", Severity.MEDIUM)
    ]
    # the same typed assignment in a YAML file that is not a Compose document stays at medium
    plain = "phoenix:\n  settings:\n    - LDAP_ADMIN_PASSWORD=admin_password\n"
    assert _findings(tmp_path / "c", "devops/overrides/ldap.yml", plain) == [("SEC-022", Severity.MEDIUM)]
    assert compose_by_content(_OVERRIDE, "ldap.yml") and not compose_by_content(_OVERRIDE, "ldap.txt")
    assert not compose_by_content("jobs:\n  test:\n    services:\n      db:\n        image: postgres\n", "ci.yml")


def test_helm_values_named_with_a_prefix_are_a_local_stack(tmp_path: Path) -> None:
    assert _findings(tmp_path / "a", "k8s/test-values.yml", 'postgresql:\n  password: "postgres"\n') == [
        ("SEC-017", Severity.LOW)
    ]
    assert _findings(tmp_path / "b", "k8s/test-values.yml", f'postgresql:\n  password: "{_DRAWN}"\n') == [
        ("SEC-017", Severity.MEDIUM)
    ]


def test_an_abbreviated_password_word_is_typed_and_a_local_url_with_it_is_low(tmp_path: Path) -> None:
    assert typed_word("pg-test-pswd") and typed_word("phoenix-oidc-client-secret-abc")
    assert not typed_word(_DRAWN) and not typed_word("kXpQz#482aB3dE9")
    url = 'POSTGRES_URL = "postgresql://pg-user:{}@localhost:5432/pg-db"\n'
    assert _findings(tmp_path / "a", "src/db.py", url.format("pg-test-pswd")) == [("SEC-016", Severity.LOW)]
    assert _findings(tmp_path / "c", "src/db.py", url.format(_DRAWN)) == [("SEC-016", Severity.HIGH)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("dev-secret-for-ldap-testing-only-12345678", True),
        ("phoenix-secret-abc-123-for-development-only-not-secure", True),
        ("pg-test-pswd", True),
        ("example_api_key", True),
        # a credential word without a stand-in word may be a weak password in use (Kingfisher labels
        # REACT_APP_MAILER_PASSWORD=smtp_password positive)
        ("smtp_password", False),
        ("admin_password", False),
        # a stand-in word without a credential word, a drawn piece, a single word
        ("dev-cluster-01", False),
        (f"test-secret-{_DRAWN}", False),
        ("password", False),
    ],
)
def test_self_named_stand_ins(value: str, expected: bool) -> None:
    assert (self_named(value) is not None) is expected


def test_public_jwt_known_answers() -> None:
    assert public_jwt(_ANON)
    assert not public_jwt(_SERVICE)
    assert not public_jwt(_jwt({"iss": "auth0", "role": "anon"}))
    assert not public_jwt("eyJhbGciOi.not-a-jwt")


def test_format_value_known_answers() -> None:
    line = f"'{_HEX40[0]}', (0, 1308)"
    assert format_value(_HEX40[0], line, 1, path="cache.shelve.dir") is not None
    assert format_value(_HEX40[0], line, 1, path="cache.shelve.py") is None  # only the index file's own lines
    line = f'"iKey": "{_UUID}",'
    assert format_value(_UUID, line, line.index(_UUID), path="r.yaml") is not None
    line = f'"apiKey": "{_UUID}",'
    assert format_value(_UUID, line, line.index(_UUID), path="r.yaml") is None
    line = f"see [repo](https://github.com/org/repo) @ `{_HEX40[2]}`"
    assert format_value(_HEX40[2], line, line.index(_HEX40[2]), path="a.md") is not None
    line = f"token @ `{_HEX40[2]}`"
    assert format_value(_HEX40[2], line, line.index(_HEX40[2]), path="a.md") is None
    line = "apiKey: import.meta.env.VITE_API_KEY,"
    assert format_value("import.meta.env.VITE_API_KEY", line, 8, path="a.ts") is not None
    line = f"apiKey: config.{_DRAWN},"
    assert format_value(f"config.{_DRAWN}", line, 8, path="a.ts") is None
