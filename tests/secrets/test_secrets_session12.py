"""Session 12: false-positive families read on eleven fresh dev repositories (semantic-kernel, txtai, Kubeflow
Trainer, ...) and on the older dev ones: a reference to a secret held elsewhere (``'secret_ref': 'V1Local...'``), a
type after ``authorization:``, a string annotation of a union, the placeholder vocabulary written as a name
(``"apiKey"``), an instruction in the value's place, bytes counting up, an SDP ICE password, a hash compared in
.NET / JVM tests; a typed password that repeats its user name or sits in a block whose host is this machine
(reported at low, as a local stack's), a salt, a leetspeak
word in a compose file, a docs table column headed by an id, keys typed in order split by ``/`` or ``:``.

The look-alike lines are written by us in the shape of what those repositories hold, with our own values. Each
look-alike has a twin in the same place, with a drawn value, that must still fail a scan by the named rule.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from look_alikes import assert_look_alike_pair, drawn

from mlsecure.findings import Severity
from mlsecure.secrets.format_values import table_column_header
from mlsecure.secrets.scanner import _TEST_PATH, SecretScanner
from mlsecure.secrets.typed_stand_ins import counting_bytes, instruction, keyboard_run, vocabulary_name

_RNG = random.Random(1212)
_DRAWN22 = drawn(_RNG, 22)
_DRAWN24 = drawn(_RNG, 24)
_DRAWN40 = drawn(_RNG, 40)
_DRAWN_B64 = base64.b64encode(bytes(_RNG.randrange(256) for _ in range(32))).decode()
_COUNTING_B64 = base64.b64encode(bytes(range(32))).decode()
_HASH_B64 = base64.b64encode(bytes(_RNG.randrange(256) for _ in range(32))).decode()

# (file, rule the twin must fail by, look-alike that must not fail, twin in the same place that must still fail)
_PAIRS = [
    # an OpenAPI generator's type map: the attribute secret_ref holds a reference object, typed by its class name
    (
        "sdk/trainer/models/dataset_config.py",
        "SEC-017",
        "    openapi_types = {\n        'secret_ref': 'V1LocalObjectReference',\n    }\n",
        f"    openapi_types = {{\n        'secret_key': '{_DRAWN24}',\n    }}\n",
    ),
    # FastAPI: a parameter named authorization, annotated with the credentials' type
    (
        "src/python/app/api/authorization.py",
        "SEC-240",
        "    def __call__(self, authorization: HTTPAuthorizationCredentials = Depends(HTTPBearer())):\n",
        f"    command = \"curl -H 'Authorization: Bearer {_DRAWN40}' http://api.internal\"\n",
    ),
    # a string forward reference of a union type, then a default
    (
        "python/connectors/search.py",
        "SEC-017",
        '        azure_credentials: "AzureKeyCredential | None" = None,\n',
        f'        azure_credentials: str = "{_DRAWN24}",\n',
    ),
    # the vocabulary written as a name where a key goes
    (
        "dotnet/src/Connectors/OpenAI/Services/OpenAIService.cs",
        "SEC-017",
        'var client = new OpenAIClient(new ApiKeyCredential("apiKey"), options);\n',
        f'var client = new OpenAIClient(new ApiKeyCredential("{_DRAWN24}"), options);\n',
    ),
    (
        "dotnet/src/Connectors/OpenAI/Services/OpenAIService.cs",
        "SEC-017",
        'var token = new AccessToken("test key", DateTimeOffset.Now);\n',
        f'var token = new AccessToken("{_DRAWN24}", DateTimeOffset.Now);\n',
    ),
    # an instruction in a template's value place
    (
        "samples/demos/agent/.env.sample",
        "SEC-022",
        'BOT_SECRET="copy from the Agent portal, under Settings > Security > Web Channel"\n',
        f'BOT_SECRET="{_DRAWN24}"\n',
    ),
    # bytes counting up, in base64, next to a secret word
    (
        "src/Contents/BinaryContentSample.cs",
        "SEC-018",
        f'var secretKey = Convert.FromBase64String("{_COUNTING_B64}");\n',
        f'var secretKey = Convert.FromBase64String("{_DRAWN_B64}");\n',
    ),
    # a run store's config: the password repeats the user name beside it (no compose file, no docs folder)
    (
        "runs/config.yaml",
        "SEC-017",
        'database:\n  postgres:\n    dbname: "runs"\n    username: "warehouse"\n    password: "warehouse"\n',
        f'database:\n  postgres:\n    dbname: "runs"\n    username: "warehouse"\n    password: "{_DRAWN24}"\n',
    ),
    # a cluster tool's stages: the block's host is this machine
    (
        "tools/k8s/multicluster.yaml",
        "SEC-017",
        "stages:\n  - master:\n      db:\n        host: localhost\n        port: 5432\n        password: ledger\n",
        f"stages:\n  - master:\n      db:\n        host: localhost\n        port: 5432\n        password: {_DRAWN24}\n",
    ),
    # an object store's keys beside a localhost endpoint
    (
        "manager/config.yaml",
        "SEC-017",
        '    config:\n      access_key_id: "blobs"\n      secret_key: "blobstorage"\n'
        '      endpoint: "http://localhost:30002"\n',
        f'    config:\n      access_key_id: "blobs"\n      secret_key: "{_DRAWN24}"\n'
        '      endpoint: "http://localhost:30002"\n',
    ),
    # a salt, stored beside the hash it seasons (session 14: a *password's* salt, PASSWORD_SALT, is reported again, as
    # Flask-Security's is an HMAC key; see test_secrets_session14)
    (
        "harness/common/api/authentication.py",
        "SEC-017",
        f'HASH_SALT = "{_DRAWN22[:20]}"\n',
        f'PASSWORD_SECRET = "{_DRAWN22[:20]}"\n',
    ),
    # a product's name in leetspeak as the password of a CI compose stack
    (
        ".github/workflows/resources/docker-compose.mssql.yaml",
        "SEC-022",
        "services:\n  mssql:\n    image: mcr.microsoft.com/mssql/server:2022-latest\n    environment:\n"
        "      - MSSQL_SA_PASSWORD=Gr4nary0admin\n",
        "services:\n  mssql:\n    image: mcr.microsoft.com/mssql/server:2022-latest\n    environment:\n"
        f"      - MSSQL_SA_PASSWORD={_DRAWN24}\n",
    ),
    # a docs table whose column is headed client_id (a public SPA client id per environment)
    (
        "docs/cloud/managing-a-workspace.mdx",
        "SEC-018",
        "| Active environment | `client_id` | `domain` |\n|---|---|---|\n"
        f"| `dev` | `{_DRAWN40[:32]}` | `tenant.eu.auth0.com` (from base) |\n",
        "| Active environment | `client_secret` | `domain` |\n|---|---|---|\n"
        f"| `dev` | `{_DRAWN40[:32]}` | `tenant.eu.auth0.com` (from base) |\n",
    ),
    # keys typed in order, joined by slashes, in a test of how a URL escapes them
    (
        "src/integrations/git/tests/test_credentials.py",
        "SEC-017",
        '    credentials = RepoCredentials(token="abc123/def456/ghi789")\n',
        f'    credentials = RepoCredentials(token="{_DRAWN24}")\n',
    ),
    # typed words joined by escaped slashes as a URL's password, in a test
    (
        "src/integrations/git/tests/test_repository.py",
        "SEC-020",
        '    assert url == "https://x-token-auth:token%2Fwith%2Fslashes@git.example.org/org/repo.git"\n',
        f'    assert url == "https://x-token-auth:{_DRAWN24}@git.example.org/org/repo.git"\n',
    ),
    # a bot token typed in order in a docs page
    (
        "docs/how-to-guides/custom-notifications.mdx",
        "SEC-017",
        'bot_token = "123456789:ABCdefGHIjklMNOpqrsTUVwxyz"\n',
        f'bot_token = "{_DRAWN40}"\n',
    ),
    # Helm values set by a Tilt file (tilt.dev: a local development loop)
    (
        "devtools/tilt/postgresql.tiltfile",
        "SEC-017",
        "helm_resource('postgresql', flags=['--set', 'auth.password=granary123'])\n",
        f"helm_resource('postgresql', flags=['--set', 'auth.password={_DRAWN24}'])\n",
    ),
    # run ids (uuid4().hex) listed with their names in a notebook's saved output
    (
        "docs/tutorials/remote_execution.ipynb",
        "SEC-019",
        '{"cells": [{"cell_type": "code", "source": ["tasks"], "outputs": [{"output_type": "execute_result", '
        '"data": {"text/plain": ["[(\'XGBoost Training\', \'8f0c2e7a91d34b6f9a1e5c3b7d20f4e6\')]"]}}]}]}\n',
        '{"cells": [{"cell_type": "code", "source": ["tasks"], "outputs": [{"output_type": "execute_result", '
        '"data": {"text/plain": ["[(\'XGBoost Training\', \'8f0c2e7a91d34b6f5a1e5c3b7d20f4e6\')]"]}}]}]}\n',
    ),
    # a pipeline task's name, then its model, as a call's two first arguments
    (
        "src/features/hf_feature.py",
        "SEC-017",
        '    model = pipeline("token-classification", "someuser42/deberta_finetuned_pii")\n',
        f'    client = connect("api-token", "{_DRAWN24}")\n',
    ),
    # a table of models keyed by task name
    (
        "notebooks/examples/token_classification.py",
        "SEC-017",
        'MODELS = {"token-classification": "someuser42/bert-base-NER"}\n',
        f'MODELS = {{"api-token": "{_DRAWN24}"}}\n',
    ),
    # the JDK's documented initial cacerts password, given to keytool in a notebook's shell line
    (
        "sagemaker/spark/import_certificate.sh",
        "SEC-021",
        "keytool -importcert -noprompt -alias corp -storepass changeit -keystore cacerts -file ca.pem\n",
        f"keytool -importcert -noprompt -alias corp -storepass {_DRAWN24} -keystore cacerts -file ca.pem\n",
    ),
    # a fine-tuning job printed in a notebook: its trained token count beside the ids of its result files
    (
        "notebooks/fine_tuning_job.py",
        "SEC-018",
        f"FineTuningJob(result_files=['file-{_DRAWN24}'], seed=349, trained_tokens=655614)\n",
        f"FineTuningJob(result_files=['file-{_DRAWN24}'], seed=349, auth_tokens=655614)\n",
    ),
    # an SDP offer's ICE password in a recorded realtime session
    (
        "python/samples/realtime/offer.py",
        "SEC-018",
        f'SDP = "v=0\\r\\na=ice-ufrag:Xk2p\\r\\na=ice-pwd:{_DRAWN22}\\r\\n"\n',
        f'SDP = "v=0\\r\\na=ice-ufrag:Xk2p\\r\\na=x-pwd:{_DRAWN22}\\r\\n"\n',
    ),
]


@pytest.mark.parametrize(("name", "rule", "look_alike", "twin"), _PAIRS, ids=[p[0] for p in _PAIRS])
def test_look_alike_passes_and_twin_fails(tmp_path: Path, name: str, rule: str, look_alike: str, twin: str) -> None:
    assert_look_alike_pair(tmp_path, name, rule, look_alike, twin)


def test_vocabulary_name_known_answers() -> None:
    assert vocabulary_name("apiKey") and vocabulary_name("test key") and vocabulary_name("mySecretToken")
    # a word run together may be a weak password in use; a drawn camelCase value is no vocabulary
    assert not vocabulary_name("supersecret") and not vocabulary_name("testkey")
    assert not vocabulary_name("kT9mQx2wLp") and not vocabulary_name("blueHorse")


def test_instruction_known_answers() -> None:
    assert instruction("copy from Copilot Studio Agent, under Settings > Security")
    assert instruction("Paste your key here")
    assert not instruction("correct horse battery staple") and not instruction("copy that")


def test_counting_bytes_known_answers() -> None:
    assert counting_bytes(_COUNTING_B64)
    assert counting_bytes(bytes(range(100, 116)).hex())
    assert counting_bytes(base64.urlsafe_b64encode(bytes(range(250, 256)) + bytes(range(0, 6))).decode())
    assert not counting_bytes(_DRAWN_B64) and not counting_bytes(_HASH_B64)
    assert not counting_bytes(bytes(range(6)).hex())  # under 8 bytes: too short to say


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("dotnet/src/Agents/UnitTests/Internal/KeyEncoderTests.cs", True),
        ("dotnet/src/Connectors.OpenAI.IntegrationTests/Client.cs", True),
        ("src/test/java/org/acme/ClientTest.java", True),
        ("src/Latest.java", False),
        ("src/main/Contest/Program.cs", False),
        ("docs/LatestTests.md", False),
    ],
)
def test_dotnet_and_jvm_test_paths(path: str, is_test: bool) -> None:
    assert (_TEST_PATH.search(path) is not None) is is_test


def test_local_default_is_still_reported_at_low(tmp_path: Path) -> None:
    """A password that repeats its user name is a weak password in use somewhere: reported at low, with the reason."""
    path = tmp_path / "runs" / "config.yaml"
    path.parent.mkdir()
    path.write_text('postgres:\n  username: "warehouse"\n  password: "warehouse"\n', encoding="utf-8")
    findings = SecretScanner().scan_paths([path]).findings
    assert [(f.rule_id, f.severity) for f in findings] == [("SEC-017", Severity.LOW)]


def test_table_column_header_known_answers() -> None:
    table = "intro\n\n| env | `client_id` | domain |\n|:---|---:|---|\n| dev | abc | x.org |\n| prod | def | y.org |\n"
    assert table_column_header(table, table.index("def")) == "client_id"
    assert table_column_header(table, table.index("y.org")) == "domain"
    assert table_column_header(table, table.index("intro")) is None  # not a row
    assert table_column_header("| a | b |\n| c | d |\n", 14) is None  # no separator row above


def test_keyboard_run_split_at_slash_and_colon() -> None:
    assert keyboard_run("abc123/def456/ghi789") and keyboard_run("123456789:ABCdefGHIjklMNOpqrsTUVwxyz")
    assert not keyboard_run(f"abc123/{_DRAWN22}") and not keyboard_run("https://x.org/abc")
