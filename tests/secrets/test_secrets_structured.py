"""Private-key blocks (keys generated with `cryptography`, the whole BEGIN..END block reported),
credentials in URLs, keyword-less high-entropy strings against their look-alikes, and the ML file
shapes (Dockerfile ENV/ARG, notebook outputs, GCP service-account JSON)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.interface import FileKind

ALNUM = string.ascii_letters + string.digits


def _pem(key: object, fmt: serialization.PrivateFormat, password: bytes | None = None) -> str:
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption).decode()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def _only_key(text: str, kind: FileKind = FileKind.TEXT) -> tuple[str, str, dict[str, object], int]:
    (finding,) = [f for f in SecretScanner().scan_text(text, kind=kind) if f.rule_id == "SEC-014"]
    return finding.severity.value, finding.masked, finding.details, finding.length


def test_pkcs8_and_traditional_keys_are_whole_blocks(rsa_key: rsa.RSAPrivateKey) -> None:
    block = _pem(rsa_key, serialization.PrivateFormat.PKCS8)
    severity, masked, details, length = _only_key("config\n" + block + "trailer\n")
    assert severity == "critical" and length == len(block.rstrip("\n")) and details["encrypted"] is False
    assert masked == "----********"  # never more than 4 characters of a secret
    ec_block = _pem(ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.TraditionalOpenSSL)
    assert ec_block.startswith("-----BEGIN EC PRIVATE KEY-----")
    assert _only_key(ec_block)[2]["label"] == "EC PRIVATE KEY"


def test_encrypted_keys_are_reported_as_medium(rsa_key: rsa.RSAPrivateKey) -> None:
    block = _pem(rsa_key, serialization.PrivateFormat.PKCS8, b"correct horse")
    assert block.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    severity, _, details, _ = _only_key(block)
    assert severity == "medium" and details["encrypted"] is True


def test_openssh_keys_and_their_cipher_field() -> None:
    block = _pem(ed25519.Ed25519PrivateKey.generate(), serialization.PrivateFormat.OpenSSH)
    assert block.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    severity, _, details, _ = _only_key(block)
    assert severity == "critical" and details["encrypted"] is False

    def string_field(value: bytes) -> bytes:
        return struct.pack(">I", len(value)) + value

    # PROTOCOL.key layout with an aes256-ctr cipher and bcrypt KDF (bytes after the header are random)
    blob = (b"openssh-key-v1\0" + string_field(b"aes256-ctr") + string_field(b"bcrypt")
            + string_field(random.Random(0).randbytes(24)) + struct.pack(">I", 1) + random.Random(1).randbytes(300))
    body = base64.b64encode(blob).decode()
    encrypted = ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(body[i:i + 70] for i in range(0, len(body), 70))
                 + "\n-----END OPENSSH PRIVATE KEY-----\n")
    assert _only_key(encrypted)[2]["encrypted"] is True


def test_pgp_private_key_block() -> None:
    body = base64.b64encode(random.Random(2).randbytes(900)).decode()
    armour = ("-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n"
              + "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
              + "\n=Xq4L\n-----END PGP PRIVATE KEY BLOCK-----")
    assert _only_key(armour)[2]["label"] == "PGP PRIVATE KEY BLOCK"


def test_key_stubs_in_docs_are_not_keys() -> None:
    """No key material, no key: a stub is an info stand-in (the file shows where a key is kept)."""
    for stub in ("-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
                 "-----BEGIN RSA PRIVATE KEY-----\n<your key here>\n-----END RSA PRIVATE KEY-----",
                 "-----BEGIN RSA PRIVATE KEY-----\nsuper secret private key here\n-----END RSA PRIVATE KEY-----",
                 "notes\n-----BEGIN PRIVATE KEY-----\nyabba dabba doo"):  # detect-secrets' private_key test
        findings = [f for f in SecretScanner().scan_text(stub) if f.rule_id == "SEC-014"]
        assert [(f.severity, f.details["key_material"]) for f in findings] == [(Severity.INFO, False)], stub
    assert SecretScanner().scan_text("-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----") == []


def test_pem_markers_in_parser_code_are_not_reported() -> None:
    code = ('BEGIN = "-----BEGIN PRIVATE KEY-----"\n'
            'if line.startswith(b"-----BEGIN RSA PRIVATE KEY-----"):\n    parse(line)\n')
    assert SecretScanner().scan_text(code, kind=FileKind.CODE) == []


def test_gcp_service_account_json(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    document = {"type": "service_account", "project_id": "ml-prod", "private_key_id": "0" * 40,
                "private_key": _pem(rsa_key, serialization.PrivateFormat.PKCS8),
                "client_email": "trainer@ml-prod.iam.gserviceaccount.com"}
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(document, indent=2))
    result = SecretScanner().scan_paths([path])
    rules = {f.rule_id for f in result.findings}
    assert "SEC-014" in rules  # the key, though its newlines are JSON escapes
    assert any(f.title == "Google Cloud service account file" for f in result.findings)


@pytest.mark.parametrize("url", ["https://alice:Qm7vT2xLp9@nexus.internal/repository/pypi/simple",
                                 "ftp://deploy:Wq8!zR2@files.example.net/models/",
                                 "http://admin:hunter2-prod@10.0.0.5:8080/",
                                 "MLFLOW_TRACKING_URI=https://trainer:Zr4pW9kQ@mlflow.corp.net"])
def test_credentials_in_urls(url: str) -> None:
    findings = SecretScanner().scan_text(url + "\n", kind=FileKind.CONFIG)
    assert [f.rule_id for f in findings] == ["SEC-020"]


@pytest.mark.parametrize("url", ["https://url:8000 @something", "https://user:password@host.org",
                                 "https://user:${PASSWORD}@host.org", "https://user:<password>@host.org",
                                 "http://localhost:5000/<%= @variable %>", "git@github.com:org/repo.git",
                                 "https://github.com/org/repo@v1.2.0"])
def test_url_look_alikes(url: str) -> None:
    assert SecretScanner().scan_text(url, kind=FileKind.CONFIG) == []


def _random(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(ALNUM) for _ in range(n))


@pytest.mark.parametrize("seed", range(5))
def test_keyword_less_random_literal_is_reported(seed: int) -> None:
    """A base62 literal of key length that nothing names fails a scan (medium). So does an unnamed hex
    literal, unless its text speaks of digests anywhere (WEIGHTS_HASHES = {...}, md5, a commit): then it
    is taken for one of them (low)."""
    value = _random(40, seed)
    (finding,) = SecretScanner().scan_text(f'client = Client(endpoint, "{value}")\n', kind=FileKind.CODE)
    assert finding.rule_id == "SEC-019" and finding.severity.value == "medium" and finding.length == 40
    hex_value = hashlib.sha1(value.encode()).hexdigest()
    (finding,) = SecretScanner().scan_text(f'client = Client(endpoint, "{hex_value}")\n', kind=FileKind.CODE)
    assert finding.rule_id == "SEC-019" and finding.severity.value == "medium"
    table = f'WEIGHTS_HASHES = {{\n    "resnet50": (\n        "{hex_value}",\n    ),\n}}\n'
    (finding,) = SecretScanner().scan_text(table, kind=FileKind.CODE)
    assert finding.rule_id == "SEC-019" and finding.severity.value == "low"


def test_name_given_as_the_first_string_of_a_pair() -> None:
    """setenv("MLFLOW_RUN_ID", "<hex>") names a run id; setdefault("SESSION_COOKIE", "<random>") a session secret."""
    run_id = hashlib.md5(b"run").hexdigest()
    assert SecretScanner().scan_text(f'monkeypatch.setenv("MLFLOW_RUN_ID", "{run_id}")\n', kind=FileKind.CODE) == []
    (finding,) = SecretScanner().scan_text(f'os.environ.setdefault("SESSION_COOKIE", "{_random(40, 3)}")\n',
                                          kind=FileKind.CODE)
    assert finding.severity.value == "medium" and finding.details["name"] == "SESSION_COOKIE"


def test_keyword_less_value_named_on_the_line_above() -> None:
    """A mapping entry split over two lines ('gdrive_id':\n '15tU...'): the name above is the context."""
    value = _random(40, 9)
    text = f"MODELS = {{\n    'gdrive_id':\n        '{value}',\n    'api_secret':\n        '{_random(40, 8)}',\n}}\n"
    findings = SecretScanner().scan_text(text, kind=FileKind.CODE)
    assert [(f.line, f.severity.value) for f in findings] == [(5, "medium")]
    # the same value with no name anywhere is reported (so the silence above comes from the name)
    (finding,) = SecretScanner().scan_text(f"MODELS = {{\n    1:\n        '{value}',\n}}\n", kind=FileKind.CODE)
    assert finding.severity.value == "medium"


def test_keyword_less_look_alikes_are_silent() -> None:
    digest = hashlib.sha256(b"model.safetensors").hexdigest()
    sha1 = hashlib.sha1(b"commit").hexdigest()
    texts = [
        (f'sha256 = "{digest}"', FileKind.CODE),
        (f'EXPECTED_CHECKSUM = "{digest}"', FileKind.CODE),
        (f'"integrity": "sha512-{base64.b64encode(hashlib.sha512(b"x").digest()).decode()}"', FileKind.CONFIG),
        (f'[[package]]\nname = "torch"\nsource = {{ git = "https://github.com/x/y", rev = "{sha1}" }}\n'
         f'files = [{{file = "a.whl", hash = "sha256:{digest}"}}]', FileKind.LOCKFILE),
        (f'resolved "{sha1}"', FileKind.LOCKFILE),
        ('run_id = "3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30"', FileKind.CODE),
        ('MODEL = "models/bert-base-uncased/checkpoints/epoch-12"', FileKind.CODE),
        ('API_TOKEN = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"', FileKind.CODE),
        ('FIXTURE_TOKEN = "test_' + "a1B2" * 8 + '"', FileKind.CODE),
        (f'commit: {sha1}', FileKind.CONFIG),
        ('class_name = "TFAutoModelForSequenceClassification"', FileKind.CODE),
        (f'data = "data:image/png;base64,{base64.b64encode(random.Random(3).randbytes(60)).decode()}"', FileKind.CODE),
    ]
    for text, kind in texts:
        assert SecretScanner().scan_text(text, kind=kind) == [], text


def test_dockerfile_env_and_arg_forms(tmp_path: Path) -> None:
    rng = random.Random(4)
    key = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM python:3.11\nENV WANDB_API_KEY {key}\nARG HF_TOKEN=hf_{_random(34, 5)}\n"
                          "ENV PYTHONUNBUFFERED 1\nARG BASE_IMAGE=nvidia/cuda:12.1\n")
    found = SecretScanner().scan_paths([dockerfile]).findings
    assert sorted(f.line for f in found) == [2, 3]


def test_notebook_saved_outputs_are_scanned(tmp_path: Path) -> None:
    rng = random.Random(6)
    token = "hf_" + "".join(rng.choice(string.ascii_letters) for _ in range(34))
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": ["import os\n", "print(os.environ['HF_TOKEN'])"], "metadata": {},
         "execution_count": 1, "outputs": [{"output_type": "stream", "name": "stdout", "text": [token + "\n"]}]}]}
    path = tmp_path / "explore.ipynb"
    path.write_text(json.dumps(notebook))
    (finding,) = SecretScanner().scan_paths([path]).findings
    assert finding.member == "cell 0 output 0" and finding.rule_id == "SEC-011"


@pytest.mark.parametrize(("text", "kind"), [
    # held-out library code, first run of the rule-table version (polars, pygments, markdown_it)
    ("Pass `use_pyarrow_extension_array=True` to get a pandas DataFrame", FileKind.TEXT),
    ('    Pass `use_pyarrow_extension_array=True` to get a pandas Series backed by a', FileKind.CODE),
    ('    Token.Name.Builtin.MusicCommand: "bold #08547A",', FileKind.CODE),
    ("    >>> string_to_token('String.Double')", FileKind.CODE),
    ('        token.markup = "linkify"', FileKind.CODE),
    ('if bearer_token == "databricks-sdk" or (', FileKind.CODE),
    ("COCOA_INTERFACES = {'AAAttribution', 'APActivationPayload', 'ABPersonViewController'}", FileKind.CODE),
    # gitleaks' generic-api-key fps: ids, names and public values are not secrets
    ('  "credentialId": "B9mTcFSck2LzJO2S3ols63",', FileKind.CONFIG),
    ('public_key = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"', FileKind.TEXT),
    ('LLM_SECRET_NAME = "NEXUS-GPT4-API-KEY"', FileKind.CODE),
])
def test_prose_and_identifier_regressions(text: str, kind: FileKind) -> None:
    assert SecretScanner().scan_text(text, kind=kind) == []


def test_guards_keep_real_assignments() -> None:
    """The guards above do not silence the forms the peers label positive."""
    scanner = SecretScanner()
    value = _random(20, 9)
    assert scanner.scan_text(f'password "{value}";', kind=FileKind.CODE)
    assert scanner.scan_text(f'std::string secret("{value}");', kind=FileKind.C_LIKE_CODE)
    # a character constant in C is not a string literal for the keyword rule (the entropy rule may still fire)
    assert "SEC-017" not in {f.rule_id for f in scanner.scan_text(f"api_key = '{value}';", kind=FileKind.C_LIKE_CODE)}
    assert scanner.scan_text(f"api_key = '{value}'", kind=FileKind.CODE)
    assert scanner.scan_text(f'if (db_pass !== "{value}") {{', kind=FileKind.CODE)


def test_aws_principal_ids_are_not_access_keys() -> None:
    """AIDA / AROA / AGPA prefixes name IAM users, roles and groups (AWS IAM 'Unique identifiers')."""
    scanner = SecretScanner()
    assert scanner.scan_text("UserId: AIDAJQABLZS4A3QDU576", kind=FileKind.CONFIG) == []
    assert scanner.scan_text("RoleId: AROAJQABLZS4A3QDU576", kind=FileKind.CONFIG) == []
    (key,) = scanner.scan_text("aws_access_key_id = AKIAJQABLZS4A3QDU576", kind=FileKind.CONFIG)
    assert key.rule_id == "SEC-001"


@pytest.mark.parametrize("text", [
    "api_key: `m{{h}o)p${e]nob(ody[finds>-_$#thisone}}`",  # detect-secrets' keyword test (a .cls / no extension)
    "Set the deploy token: `glc4Zr8kQp2Wm7Xt9Lb3` in the runner settings",
    "password: `Tr0ub4dor&3xK9`",
])
def test_secret_values_in_code_spans_of_text_files(text: str) -> None:
    """A backtick span after a secret name that holds a value (letters and digits, or text no language
    parses) is a leaked secret in a README, not a code reference."""
    assert [f.rule_id for f in SecretScanner().scan_text(text, kind=FileKind.TEXT)] == ["SEC-017"]


@pytest.mark.parametrize("text", [
    "Pass `use_pyarrow_extension_array=True` to get a pandas DataFrame",
    "the token: `tokenizer.eos_token` is appended",
    "password: `settings.DB_PASSWORD`",
    "api_key: `os.environ[\"API_KEY\"]`",
])
def test_code_references_in_code_spans_stay_silent(text: str) -> None:
    assert SecretScanner().scan_text(text, kind=FileKind.TEXT) == []


@pytest.mark.parametrize("line", [
    'password = "value with quotes and spaces"',  # detect-secrets' keyword tests (.conf)
    "aws_secret_access_key: value with quotes and spaces",
    "db_password = open sesame and then some",
])
def test_multi_word_config_values_of_secret_keys_are_passphrases(line: str) -> None:
    (finding,) = SecretScanner().scan_text(line + "\n", kind=FileKind.CONFIG)
    assert finding.rule_id == "SEC-017"


@pytest.mark.parametrize("line", [
    'password_hint: "Use at least 8 characters and a digit."',
    "password: Enter the password of the service account",
    'api_key: "The key is sent in the X-Api-Key header"',
    'password = "value with quotes and spaces"',  # the same words in code: a string, no config key
])
def test_sentences_under_secret_keys_stay_silent(line: str) -> None:
    kind = FileKind.CODE if line.startswith("password =") else FileKind.CONFIG
    assert SecretScanner().scan_text(line + "\n", kind=kind) == []


def test_placeholder_words_inside_a_key_body_do_not_demote_it(rsa_key: rsa.RSAPrivateKey) -> None:
    """A key body is 800+ random base64 characters: "FAkE", "xXxX" or "DuMMy" occur in it by chance
    (seen in a generated RSA key), and must not turn a real key into a placeholder."""
    block = _pem(rsa_key, serialization.PrivateFormat.PKCS8)
    lines = block.splitlines()
    for word in ("FAkE", "xXxXxXxXxX", "DuMMy", "EXAMPLE"):
        spliced = "\n".join([lines[0], word + lines[1][len(word):], *lines[2:]]) + "\n"
        severity, _, details, _ = _only_key(spliced)
        assert severity == "critical" and "stand_in" not in details, word


@pytest.mark.parametrize("line", [
    'pub const SN_id_Gost28147_89_None_KeyMeshing = "id-Gost28147-89-None-KeyMeshing"',  # gitleaks fps
    '#define SN_id_GostR3410_2001_CryptoPro_XchA_ParamSet "id-GostR3410-2001-CryptoPro-XchA-ParamSet"',
])
def test_values_that_restate_their_name_are_constants(line: str) -> None:
    """OpenSSL's object-name tables (obj_mac.h) and their ports: the value spells the name beside it."""
    assert SecretScanner().scan_text(line + "\n", kind=FileKind.C_LIKE_CODE) == []
    secret = _random(32, 11)
    assert SecretScanner().scan_text(f'#define SN_api_key_{secret[:6]} "{secret}"\n', kind=FileKind.C_LIKE_CODE)


@pytest.mark.parametrize("line", [
    # the fresh held-out set of benchmarks/secrets.md (alembic, huggingface_hub), first run of round 2
    '    upgrade_token: str = "upgrades",',
    '                upgrade_token="%s_upgrades" % name,',
    'REVISION_SCRIPT_TOKEN = "REVISION_SCRIPT_FILENAME"',
    '        "id_token": "FOOBAR",',
    '        `{"access_token": "hf_jwt_\u2026", "token_type": "bearer", "expires_in": 3600, ...}`.',
    '                "\\nAccess to the secret `HF_TOKEN` has not been granted on this notebook."',
])
def test_marker_words_under_token_names_are_not_tokens(line: str) -> None:
    """A token is machine-issued: a *_token name holding a word or a constant name is a marker."""
    assert SecretScanner().scan_text(line + "\n", kind=FileKind.CODE) == []


@pytest.mark.parametrize(("line", "kind"), [
    ('curl -X POST --header "Api-Token: Sk94HG7f6KB"', FileKind.TEXT),  # gitleaks curl-auth-header tps
    ('refresh_token = "r8Kd02LmQa"', FileKind.CODE), ('upgrade_token = "tok_4f9Xq2Lm"', FileKind.CODE)])
def test_issued_values_under_token_names_are_reported(line: str, kind: FileKind) -> None:
    assert SecretScanner().scan_text(line + "\n", kind=kind)


def test_hex_given_to_a_bytes_decoder_is_a_constant() -> None:
    """bytes.fromhex("3026b275...") is a magic number or a table, also when split into string pieces."""
    magic = hashlib.md5(b"asf").hexdigest()
    table = hashlib.sha256(b"grid").hexdigest()
    text = (f'if head[:16] == bytes.fromhex("{magic}"):\n    pass\n'
            f'KSIGNS = bytes.fromhex(\n    "{table}"\n    "{table[::-1]}"\n)\n')
    findings = SecretScanner().scan_text(text, kind=FileKind.CODE)
    assert [(f.line, f.severity.value) for f in findings] == [(1, "low"), (4, "low"), (5, "low")]
    (finding,) = SecretScanner().scan_text(f'session = Session("{magic}")\n', kind=FileKind.CODE)
    assert finding.severity.value == "medium"


def test_doctest_continuation_pieces_share_the_opening_name() -> None:
    """pyspark's doctest: >>> desc_hex = str('0ACE...'\\n...    '5736...'\\n...    '7061...')."""
    pieces = [hashlib.sha256(bytes([i])).hexdigest().upper() for i in range(3)]
    text = (f"    >>> desc_hex = str('{pieces[0]}'\n"
            f"    ...    '{pieces[1]}'\n"
            f"    ...    '{pieces[2]}')\n")
    findings = SecretScanner().scan_text(text, kind=FileKind.CODE)
    assert [f.severity.value for f in findings] == ["low", "low", "low"]


def test_a_name_suffix_is_not_a_secret() -> None:
    text = '_APPIO_CREDENTIAL_SECRET_SUFFIX = "-appio"\n_ROOT_CERTIFICATES_SECRET_PREFIX = "runtime-ca-"\n'
    assert SecretScanner().scan_text(text, kind=FileKind.CODE) == []
