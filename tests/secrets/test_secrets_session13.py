"""Session 13: false-positive families read on ten fresh config / deployment-heavy dev repositories (KubeRay, Kubeflow
manifests, ClearML server, Yatai, text-generation-inference, ...): base64 in a Kubernetes Secret's ``data:`` judged
by what it encodes (a product's default, a placeholder, a password that repeats its user), keys typed backwards, a
header set from a variable, a relative module path, the credential scope of a SigV4 header, an LLM API's object id, a
product's shipped defaults folder (reported at low), a password hash in Modular Crypt Format, a syntax highlighter's
token class with ``$1``, the name of a Kubernetes Secret object, a flag's value inside a code span, a test comparing
a value with a field named as an id, a product's default on a curl command line, a sentinel a query compares with !=;
and the tools made to commit a secret's place: SOPS and Ansible Vault ciphertext, a SealedSecret's encryptedData, a
Vault Agent path, a secret manager's address of the secret; Jupyter's hashed server password.

The look-alike lines are written by us in the shape of what those repositories hold, with our own values. Each
look-alike has a twin in the same place, with a drawn value, that must still fail a scan by the named rule.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from look_alikes import assert_look_alike_pair, drawn, failing

from mlsecure.findings import Severity
from mlsecure.secrets.format_values import format_value
from mlsecure.secrets.local_stack import shipped_default
from mlsecure.secrets.scanner import SecretScanner
from mlsecure.secrets.typed_stand_ins import keyboard_run

_RNG = random.Random(1313)
_DRAWN24 = drawn(_RNG, 24)
_DRAWN32 = drawn(_RNG, 32)
_DRAWN40 = drawn(_RNG, 40)
_B64_16, _B64_18, _B64_32, _B64_300 = (base64.b64encode(_RNG.randbytes(n)).decode() for n in (16, 18, 32, 300))
_HEX64 = _RNG.randbytes(32).hex()
_UPPER16 = "".join(_RNG.choice("ABCDEFGHJKLMNPQRSTUVWXYZ234567") for _ in range(16))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


_MINIFIED = "var e=" + ",".join(f"a{i}=b{i}" for i in range(200)) + ";"
_SECRET_DATA = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n"

# (file, rule the twin must fail by, look-alike that must not fail, twin in the same place that must still fail)
_PAIRS = [
    # a Kubernetes Secret's data is base64 of the value: Ray's documented Redis default, a placeholder, a user repeated
    (
        "config/samples/ray-cluster.redis.yaml",
        "SEC-245",
        _SECRET_DATA + f"  password: {_b64('5241590000000000')}\n",
        _SECRET_DATA + f"  password: {_b64(_DRAWN24)}\n",
    ),
    (
        "components/mysql/secret.yaml",
        "SEC-245",
        _SECRET_DATA + f"  MYSQL_ROOT_PASSWORD: {_b64('dummy')}\n",
        _SECRET_DATA + f"  MYSQL_ROOT_PASSWORD: {_b64(_DRAWN24)}\n",
    ),
    (
        "components/postgres/secret.yaml",
        "SEC-017",
        _SECRET_DATA + f"  POSTGRES_USER: {_b64('tracker')}\n  POSTGRES_PASSWORD: {_b64('tracker')}\n",
        _SECRET_DATA + f"  POSTGRES_USER: {_b64('tracker')}\n  POSTGRES_PASSWORD: {_b64(_DRAWN24)}\n",
    ),
    # keys typed up and down the digits and the alphabet in a Helm tutorial's values
    (
        "tutorials/assets/values-secure.yaml",
        "SEC-017",
        'servingEngineSpec:\n  vllmApiKey: "xyz987abc123"\n',
        f'servingEngineSpec:\n  vllmApiKey: "{_DRAWN24}"\n',
    ),
    # a header set from a variable in source code; the twin, a token in a headers dict, was missed in code files before
    (
        "client/_client/exporter.py",
        "SEC-240",
        'headers = {\n    "Authorization": bearer_header_value,\n}\n',
        f'headers = {{\n    "Authorization": "Bearer {_DRAWN40}",\n}}\n',
    ),
    # a lazy-import table: an attribute name mapped to the module that defines it
    (
        "client/api/__init__.py",
        "SEC-017",
        '_dynamic_imports = {\n    "ProjectApiKey": ".projects",\n}\n',
        f'_dynamic_imports = {{\n    "ProjectApiKey": "{_DRAWN24}",\n}}\n',
    ),
    # a recorded request's SigV4 Authorization header: the access key id is sent in clear in its credential scope
    (
        "test/recordings/agent.har",
        "SEC-001",
        '{"name": "authorization", "value": "AWS4-HMAC-SHA256 Credential=AKIA'
        + _UPPER16
        + '/20250101/us-west-2/bedrock/aws4_request, SignedHeaders=host"}\n',
        '{"name": "aws_access_key_id", "value": "AKIA' + _UPPER16 + '"}\n',
    ),
    # an LLM API's tool-use id compared in a test
    (
        "tests/instrumentation/test_agent.py",
        "SEC-019",
        f'    assert attributes.pop("tool.id") == "toolu_bdrk_01{_DRAWN24}"\n',
        f'    assert attributes.pop("tool.output") == "tkn_bdrk_01{_DRAWN24}"\n',
    ),
    # tools made to commit a secret's place: SOPS ciphertext, Ansible Vault, a SealedSecret, a Vault Agent path
    (
        "secrets/prod.enc.yaml",
        "SEC-017",
        f"db:\n    password: ENC[AES256_GCM,data:{_B64_18},iv:{_B64_32},tag:{_B64_16},type:str]\n"
        "sops:\n    version: 3.8.1\n",
        f"db:\n    password: {_DRAWN24}\nsops:\n    version: 3.8.1\n",
    ),
    (
        "group_vars/all/vault.yml",
        "SEC-017",
        f"db_password: !vault |\n    $ANSIBLE_VAULT;1.1;AES256\n    {_HEX64}\n",
        f"db_password: {_DRAWN24}\n",
    ),
    (
        "k8s/tracking-db.sealed.yaml",
        "SEC-017",
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n"
        f"    password: {_B64_300}\n",
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n    password: {_DRAWN24}\n",
    ),
    (
        "k8s/tracking-server.yaml",
        "SEC-017",
        "metadata:\n  annotations:\n    vault.hashicorp.com/agent-inject-template-db: |\n"
        '      {{- with secret "database/creds/tracking" -}}\n',
        "metadata:\n  annotations:\n    vault.hashicorp.com/agent-inject-template-db: |\n"
        f'      password = "{_DRAWN24}"\n',
    ),
    # where a secret manager keeps the secret: an AWS ARN, a Google Secret Manager resource name
    (
        "conf/serving.yaml",
        "SEC-017",
        "db_password_secret: arn:aws:secretsmanager:eu-west-1:210987654321:secret:ml/tracking-db-Qw3rTy\n"
        "api_key_secret: projects/ml-serving/secrets/llm-api-key/versions/latest\n",
        f"db_password_secret: {_DRAWN24}\n",
    ),
    # Jupyter's hashed server password (jupyter server password writes argon2:$argon2id$...)
    (
        "conf/jupyter_server_config.py",
        "SEC-017",
        "c.ServerApp.password = 'argon2:$argon2id$v=19$m=10240,t=10,p=8$"
        f"{_B64_16.rstrip('=')}${_B64_32.rstrip('=')}'\n",
        f"c.ServerApp.password = '{_DRAWN24}'\n",
    ),
    # a migration's predicate ruling out a sentinel value
    (
        "server/migrations/20240301_add_storage.up.sql",
        "SEC-017",
        "  WHERE access_key != 'TrackerReservedEmptyMarkerValue' AND bucket IS NOT NULL;\n",
        f"  UPDATE storage SET access_key = '{_DRAWN24}' WHERE bucket IS NOT NULL;\n",
    ),
    # a recorded SigV4 request's Authorization header: the scheme name is no value (its signature is per request)
    (
        "test/recordings/invoke-model.json",
        "SEC-240",
        '      "authorization": "AWS4-HMAC-SHA256 Credential=AKIATEST1234567890AB/20250101/us-east-1/bedrock/'
        f'aws4_request, SignedHeaders=host;x-amz-date, Signature={_HEX64}",\n',
        f'      "authorization": "Bearer {_DRAWN40}",\n',
    ),
    # a typed bearer token in a test's headers is a fixture (a drawn one there still fails)
    (
        "src/tests/test_request_log.py",
        "SEC-240",
        '    headers = Headers({"authorization": "Bearer secret-token-123", "user": "test"})\n',
        f'    headers = Headers({{"authorization": "Bearer {_DRAWN40}", "user": "test"}})\n',
    ),
    # a product's documented default credential on a curl command line (MinIO's minioadmin)
    (
        "scripts/start-object-store.sh",
        "SEC-239",
        "curl -s -u minioadmin:minioadmin http://127.0.0.1:9000/minio/health/live || true\n",
        f"curl -s -u minioadmin:{_DRAWN24} http://127.0.0.1:9000/minio/health/live || true\n",
    ),
    # a test comparing a drawn-looking value with a field named as an id
    (
        "historyserver/pkg/events/log_event_test.go",
        "SEC-019",
        '\tassert.Equal(t, "4Bd7Fe2aC9E31A06147bdE8Cf503aD7E1BC6", response["eventId"])\n',
        '\tassert.Equal(t, "4Bd7Fe2aC9E31A06147bdE8Cf503aD7E1BC6", response["payload"])\n',
    ),
    # a password hash in Modular Crypt Format (bcrypt), as an identity provider's static user list holds it
    (
        "common/dex/base/dex-passwords.yaml",
        "SEC-017",
        "stringData:\n  DEX_USER_PASSWORD: $2y$12$" + drawn(_RNG, 53).replace("9", "/") + "\n",
        f"stringData:\n  DEX_USER_PASSWORD: {_DRAWN24}\n",
    ),
    # a syntax highlighter's token class built from a match group, in a minified bundle
    (
        "public/libs/editor/languages/ruby.js",
        "SEC-017",
        _MINIFIED + '[/%([qws])\\(/,{token:"string.$1.delim",next:"@q"}];\n',
        _MINIFIED + f'[/%([qws])\\(/,{{token:"{_DRAWN24}",next:"@q"}}];\n',
    ),
    # the name of the Secret object cert-manager injects a CA from (namespace/name)
    (
        "common/cert-manager/webhook.yaml",
        "SEC-017",
        'metadata:\n  annotations:\n    cert-manager.io/inject-ca-from-secret: "ml-serving/model-webhook-ca"\n',
        f'metadata:\n  annotations:\n    cert-manager.io/inject-ca-from-secret: "{_DRAWN24}"\n',
    ),
    # a flag's value inside an inline code span of a CRD's description, read past the closing backtick
    (
        "common/cert-manager/crds.yaml",
        "SEC-021",
        "                        The new default can be turned off with the\n"
        "                        `--feature-gates=DefaultPrivateKeyRotationPolicyAlways=false` option on\n",
        "                        The new default can be turned off with the\n"
        f"                        `--private-key-password={_DRAWN24}` option on\n",
    ),
]


@pytest.mark.parametrize(("name", "rule", "look_alike", "twin"), _PAIRS, ids=[p[0] for p in _PAIRS])
def test_look_alike_passes_and_its_twin_fails(tmp_path: Path, name: str, rule: str, look_alike: str, twin: str) -> None:
    assert_look_alike_pair(tmp_path, name, rule, look_alike, twin)


def test_shipped_defaults_folder_reports_drawn_values_at_low_not_silently(tmp_path: Path) -> None:
    text = f'users {{\n  fixed {{\n    user_key: "{_DRAWN32.upper()}"\n    user_secret: "{_DRAWN40}"\n  }}\n}}\n'
    assert failing(tmp_path / "a", "apiserver/config/default/secure.conf", text) == []
    path = tmp_path / "b" / "apiserver/config/default/secure.conf"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    found = SecretScanner().scan_paths([path]).findings
    assert {f.rule_id for f in found} >= {"SEC-017"}
    assert all(f.severity is Severity.LOW and "shipped default" in f.details["local_stack"] for f in found)
    # the same file in a deployment's own folder fails at the rule's severity
    assert "SEC-017" in failing(tmp_path / "c", "apiserver/config/production/secure.conf", text)


def test_shipped_default_folders() -> None:
    assert shipped_default("server/config/default/secure.conf")
    assert shipped_default("roles/postgres/defaults/main.yml")
    assert not shipped_default("server/config/production/secure.conf")
    assert not shipped_default("src/default_settings.py")


def test_keyboard_runs_backwards_are_typed_but_a_draw_is_not() -> None:
    assert keyboard_run("xyz987abc123")
    assert keyboard_run("9876543210")
    assert not keyboard_run(_DRAWN24)
    assert not keyboard_run("xyz9f7abc1q3")


def test_crypt_hash_shapes() -> None:
    bcrypt = "$2b$10$" + "N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
    assert format_value(bcrypt, "password: " + bcrypt, 10, path="a.yaml") is not None
    sha512 = "$6$rounds=5000$saltsalt$" + "a" * 86
    assert format_value(sha512, "x: " + sha512, 3, path="a.yaml") is not None
    assert format_value("$2b$10$short", "x: $2b$10$short", 3, path="a.yaml") is None


def test_password_ending_in_dollar_digit_is_no_back_reference(tmp_path: Path) -> None:
    # "string.$1.delim" is a token class built from a match group; "sunshine$1" is a typed password with a symbol
    assert failing(tmp_path / "a", "config/app.yml", 'db_password: "sunshine$1"\n') == ["SEC-017"]
    assert failing(tmp_path / "b", "app.py", 'password = "winter$S2"\n') == ["SEC-017"]


def test_a_clear_value_behind_a_sops_prefix_still_fails(tmp_path: Path) -> None:
    # SOPS ciphertext carries its iv, tag and type; "ENC[AES256_GCM,data:" before a clear value is no ciphertext
    assert failing(tmp_path / "a", "config/app.yml", f"password: ENC[AES256_GCM,data:{_DRAWN24}\n") == ["SEC-017"]
    assert failing(tmp_path / "b", "config/app.yml", f'password: "ENC[AES256_GCM,data:{_DRAWN24}"\n') == ["SEC-017"]
