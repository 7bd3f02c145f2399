"""``check_pipeline`` on the guide's own example (16.1), a clean config, a bad one, and hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlsecure.encryption.config_file import parse_config
from mlsecure.encryption.pipeline_policy import check_document, check_pipeline
from mlsecure.errors import ConfigError, InputError
from mlsecure.findings import Severity

# Verbatim from docs ml-security-guide.md section 16.1.
GUIDE = """\
# Example: Encrypted data pipeline configuration
data_pipeline:
  source:
    type: s3
    bucket: ml-training-data
    encryption: AES-256-SSE
    kms_key_id: arn:aws:kms:us-east-1:123456789012:key/abcd-1234
  processing:
    temp_storage:
      encryption: true
      type: tmpfs       # In-memory filesystem, never written to disk
    data_masking:
      enabled: true
      fields: [ssn, email, phone]
  output:
    encryption: AES-256-SSE
    access_logging: true
"""

CLEAN = """\
data_pipeline:
  source:
    type: s3
    bucket: ml-training-data
    endpoint: https://s3.us-east-1.amazonaws.com
    encryption: aws:kms
    kms_key_id: arn:aws:kms:us-east-1:123456789012:key/abcd-1234
    access_logging: true
  processing:
    temp_storage: {type: tmpfs}
    data_masking:
      enabled: true
      fields: [name, email, phone, ssn, address, date_of_birth, credit_card, ip_address]
  output:
    bucket: ml-features
    encryption: {algorithm: AES-256, kms_key_id: "arn:aws:kms:us-east-1:123456789012:key/efgh-5678"}
    access_logging: true
"""

BAD = """\
data_pipeline:
  source:
    type: s3
    url: http://data.example.com/train.csv
    encryption: none
    verify_ssl: false
  mirror:
    url: ftp://mirror.example.org/dump
  processing:
    temp_storage:
      type: disk
      path: /var/tmp/ml
    data_masking: false
  output:
    bucket: ml-out
    encryption: 3DES
    access_logging: false
  database:
    ssl: false
    password: Sup3r-S3cret-Value-2024
"""


def _ids(text: str, fmt: str = "yaml") -> set[str]:
    return {f.id for f in check_document(parse_config(text, name="cfg", fmt=fmt)).findings}


def test_guide_example_findings() -> None:
    result = check_document(parse_config(GUIDE, name="guide.yaml"))
    by_id = {f.id: f for f in result.findings}
    assert set(by_id) == {"ENC-102", "ENC-106"}
    # output: AES-256-SSE without a KMS key = SSE-S3, keys managed by the provider
    assert by_id["ENC-102"].severity is Severity.LOW
    assert by_id["ENC-102"].evidence["config_path"] == "data_pipeline.output.encryption"
    assert by_id["ENC-102"].evidence["line"] == 16
    assert by_id["ENC-102"].owasp == "ML06" and "AML.T0035" in by_id["ENC-102"].atlas
    # masking covers ssn/email/phone only
    assert by_id["ENC-106"].severity is Severity.INFO
    assert by_id["ENC-106"].evidence["line"] == 14
    assert {"name", "address", "birth date"} <= set(by_id["ENC-106"].evidence["missing_categories"])


def test_clean_config_has_no_findings() -> None:
    assert _ids(CLEAN) == set()


def test_bad_config_findings() -> None:
    result = check_document(parse_config(BAD, name="bad.yaml"))
    found = {(f.id, f.evidence.get("config_path")) for f in result.findings}
    assert found == {
        ("ENC-101", "data_pipeline.source.encryption"),
        ("ENC-108", "data_pipeline.source.url"),
        ("ENC-109", "data_pipeline.source.verify_ssl"),
        ("ENC-108", "data_pipeline.mirror.url"),
        ("ENC-104", "data_pipeline.processing.temp_storage"),
        ("ENC-105", "data_pipeline.processing.data_masking"),
        ("ENC-103", "data_pipeline.output.encryption"),
        ("ENC-107", "data_pipeline.output.access_logging"),
        ("ENC-108", "data_pipeline.database.ssl"),
        ("SEC-017", None),  # the secrets scanner: hard-coded password, masked
    }
    secret = next(f for f in result.findings if f.id == "SEC-017")
    assert secret.evidence["line"] == 20 and "Sup3r-S3cret-Value-2024" not in json.dumps(secret.to_dict())
    lines = {f.evidence["config_path"]: f.evidence["line"] for f in result.findings if f.id.startswith("ENC")}
    assert lines["data_pipeline.source.url"] == 4 and lines["data_pipeline.output.access_logging"] == 17


def test_undeclared_controls_are_low_or_medium() -> None:
    findings = check_document(parse_config("training:\n  dataset:\n    path: s3://bucket/train\n")).findings
    assert {(f.id, f.severity) for f in findings} == {
        ("ENC-101", Severity.MEDIUM), ("ENC-105", Severity.LOW), ("ENC-107", Severity.LOW)}


def test_local_http_and_tls_with_ca_bundle_are_fine() -> None:
    assert _ids("tracking:\n  uri: http://localhost:5000\n  verify: /etc/ssl/ca.pem\n") == set()


def test_toml_and_json_give_the_same_findings() -> None:
    toml = """\
[data_pipeline.source]
type = "s3"
bucket = "ml-training-data"
encryption = "AES-256-SSE"
kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/abcd-1234"

[data_pipeline.processing.temp_storage]
encryption = true
type = "tmpfs"

[data_pipeline.processing.data_masking]
enabled = true
fields = ["ssn", "email", "phone"]

[data_pipeline.output]
encryption = "AES-256-SSE"
access_logging = true
"""
    assert _ids(toml, "toml") == {"ENC-102", "ENC-106"}
    doc = parse_config(toml, name="c.toml", fmt="toml")
    assert doc.lines[("data_pipeline", "output", "encryption")] == 16
    as_json = json.dumps(parse_config(GUIDE).data, indent=2)
    assert _ids(as_json, "json") == {"ENC-102", "ENC-106"}


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "a: [1, {b: null}]\n", "{1: 2, 3: [4]}\n", "<<: {x: 1}\n",
                                  "? [a, b]\n: c\n"])
def test_unknown_structure_is_not_a_clean_result(text: str) -> None:
    """Documents with no pipeline setting in them: nothing could be checked, which is a failing ENC-100, never
    "No findings" (session-5 audit: an empty config passed the linter with exit 0). And no crash."""
    (finding,) = check_document(parse_config(text)).findings
    assert finding.id == "ENC-100" and finding.severity.value == "high"


@pytest.mark.parametrize("text", ["", "just a string\n", "42\n"])
def test_a_document_that_is_not_a_mapping_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="not a pipeline configuration"):
        check_document(parse_config(text))


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "pipe.yaml"
    path.write_text("data_pipeline:\n  source:\n    bucket: [unclosed\n  output: x\n")
    with pytest.raises(ConfigError, match=r"pipe\.yaml:4: invalid YAML"):
        check_pipeline(path)


@pytest.mark.parametrize(("text", "message"), [
    ("x: !!python/object/apply:os.system ['echo hi']\n", "not allowed"),
    ("x: !!python/name:os.system\n", "not allowed"),
    ("a: &a [*a]\n", "recursive YAML alias"),
    ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
     "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
     "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", "alias bomb"),
    ("a: 1\n---\nb: 2\n", "invalid YAML"),
])
def test_hostile_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(text)


def test_invalid_toml_and_json() -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        parse_config("a = \n", fmt="toml")
    with pytest.raises(ConfigError, match=r"c:2: invalid JSON"):
        parse_config('{"a":\n ]', name="c", fmt="json")
