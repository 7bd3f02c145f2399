"""Lint a training data pipeline configuration for the controls of guide section 16.1.

Rules (ids are stable; each finding names the config path and its line):

===========  ========  =====================================================================
ENC-101      high      storage with encryption at rest disabled (medium: none declared)
ENC-102      low       server-side encryption with provider-managed keys (no KMS/customer key)
ENC-103      medium    weak or obsolete cipher named (DES, 3DES, RC4, Blowfish, ECB mode)
ENC-104      medium    temporary storage on disk without encryption (tmpfs/memory is fine)
ENC-105      medium    data masking disabled or listing no fields (low: not configured at all)
ENC-106      info      masking fields omit common PII categories (name, address, birth date, ...)
ENC-107      medium    access logging disabled (low: not configured anywhere)
ENC-108      high      plaintext transport: http://, ftp://, ws:// URL or ``ssl: false``/``tls: false``
ENC-109      high      TLS certificate verification disabled (``verify: false``, ``insecure: true``)
SEC-xxx      per rule  credentials inline in the config (the ``mlsecure.secrets`` scanner)
===========  ========  =====================================================================

The walker knows the guide's layout (``data_pipeline.source/processing/output``) but relies only on key
names, so any nesting works: sections named like storage (``source``, ``output``, ``sink``,
``checkpoints``...) with a location key (``bucket``, ``path``, ``uri``...) are storage; keys named like
``encryption``, ``*_masking``, ``access_logging``, ``verify`` are judged wherever they appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsecure.encryption.config_file import ConfigDocument, ConfigPath, load_config
from mlsecure.errors import InputError
from mlsecure.findings import Finding, Location, Severity

CHECK = "pipeline-policy"
ATLAS_AT_REST = ("AML.T0035", "AML.T0036", "AML.T0025")  # AI Artifact Collection, Data from Info Repos, Exfil
ATLAS_LOCAL = ("AML.T0037", "AML.T0025")  # Data from Local System, Exfiltration via Cyber Means
ATLAS_TRANSIT = ("AML.T0010.002", "AML.T0020")  # AI Supply Chain Compromise: Data, Poison Training Data
ATLAS_MASKING = ("AML.T0024.001", "AML.T0024.000")  # Invert AI Model, Infer Training Data Membership

_STORAGE = re.compile(r"^(sources?|inputs?|outputs?|destinations?|sinks?|targets?|storage|datasets?|data_?stores?|"
                      r"artifact_?stores?|artifacts|checkpoints?|model_?stores?|buckets?|warehouse|lake)$")
_LOCATION = re.compile(r"^(bucket|path|uri|url|location|container|prefix|table|database|endpoint|dir|"
                       r"directory|store|encryption|access_logging)$")
_STORAGE_TYPES = frozenset({"s3", "gcs", "gs", "azure", "azure_blob", "blob", "adls", "local", "file", "filesystem",
                            "disk", "hdfs", "nfs", "minio", "bigquery", "snowflake", "redshift", "postgres", "mysql",
                            "database", "sftp", "ftp", "http", "https"})
_ENCRYPTION = re.compile(r"^(encryption|encrypt|encrypted|sse|server_side_encryption|encryption_at_rest|"
                         r"at_rest_encryption|encryption_type)$")
_KEY_FIELD = re.compile(r"(kms|cmk|key_id|key_arn|key_name|encryption_key|customer_key|key_uri|key_ref|keyring|"
                        r"sse_c|customer_managed)")
_TEMP = re.compile(r"^(temp|tmp|scratch|spill|staging|local_cache|cache)(_?(storage|dir|directory|volume|space))?$")
_IN_MEMORY = re.compile(r"^(tmpfs|ramfs|memory|in[-_ ]?memory|ram|ramdisk|/dev/shm.*)$")
_MASKING = re.compile(r"^(data_|pii_)?(masking|mask|anonymi[sz]ation|redaction|de_?identification|"
                      r"pseudonymi[sz]ation)$")
_LOGGING = re.compile(r"^(access_logging|access_logs?|audit_logging|audit_logs?|data_access_logging|"
                      r"server_access_logging|logging_enabled)$")
_TLS_ON = re.compile(r"^(ssl|tls|use_ssl|use_tls|secure|https|ssl_enabled|tls_enabled|encrypt_in_transit|"
                     r"in_transit_encryption)$")
_VERIFY = re.compile(r"^(verify|verify_ssl|ssl_verify|tls_verify|verify_tls|verify_certs?|check_hostname|"
                     r"validate_certs?|ssl_cert_verify)$")
_INSECURE = re.compile(r"^(insecure|insecure_skip_verify|skip_verify|skip_tls_verify|no_verify|allow_insecure)$")
_PLAIN_URL = re.compile(r"^(http|ftp|ws|telnet)://([^/:@\s]+@)?(\[[^\]]+\]|[^/:\s]+)", re.IGNORECASE)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "0.0.0.0"})
_WEAK = re.compile(r"(^|[^a-z0-9])(des|3des|des3|tripledes|rc4|arcfour|blowfish|ecb)([^a-z0-9]|$)")
_OFF = frozenset({"", "none", "off", "false", "no", "disabled", "disable", "plaintext", "plain", "null", "0"})
_SERVER_SIDE = re.compile(r"(sse|aes-?256|aws:kms|kms|google|azure|server|managed|bucket)")
_FIELDS = ("fields", "columns", "pii_fields", "attributes", "mask_fields", "targets", "entities")
# Common direct identifiers (GDPR Art. 4(1) examples, HIPAA Safe Harbor 45 CFR 164.514(b)(2)).
PII_CATEGORIES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full_name", "first_name", "last_name", "surname", "given_name", "person"),
    "email": ("email", "e_mail", "email_address", "mail"),
    "phone": ("phone", "phone_number", "telephone", "mobile", "fax"),
    "national id": ("ssn", "social_security_number", "national_id", "passport", "tax_id", "nin", "sin"),
    "address": ("address", "street", "postal_address", "zip", "postcode", "postal_code", "home_address"),
    "birth date": ("dob", "date_of_birth", "birth_date", "birthdate", "birthday"),
    "card number": ("credit_card", "card_number", "cc_number", "pan", "iban", "account_number"),
    "ip address": ("ip", "ip_address", "ipv4", "ipv6", "client_ip"),
}


@dataclass(frozen=True)
class PipelinePolicyResult:
    """The findings of one configuration and what was looked at."""

    document: ConfigDocument
    findings: tuple[Finding, ...]

    def metrics(self) -> dict[str, int | str]:
        return {"format": self.document.format, "keys": len(self.document.lines),
                "findings": len(self.findings)}


def check_pipeline(path: Path, *, scan_secrets: bool = True) -> PipelinePolicyResult:
    """Load ``path`` (YAML/TOML/JSON, safe loaders only) and lint it."""
    return check_document(load_config(path), scan_secrets=scan_secrets)


def check_document(document: ConfigDocument, *, scan_secrets: bool = True) -> PipelinePolicyResult:
    """Lint ``document``. A document that is not a mapping or list is an ``InputError``; one in which no
    setting the linter knows appears is ENC-100 (high): nothing was checked, which is not "no findings"."""
    if not isinstance(document.data, Mapping | list):
        shown = "empty" if document.data is None else f"a single {type(document.data).__name__} value"
        raise InputError(f"{document.path}: not a pipeline configuration: the document is {shown}; expected a "
                         "mapping of sources, storage, temp storage, masking and logging settings")
    linter = _Linter(document)
    linter.run()
    if not linter.recognised:
        linter.add_unrecognised()
    findings = list(linter.findings)
    if scan_secrets:
        findings.extend(_secret_findings(document))
    return PipelinePolicyResult(document, tuple(findings))


class _Linter:
    def __init__(self, document: ConfigDocument) -> None:
        self.doc = document
        self.findings: list[Finding] = []
        self.saw_logging = False
        self.saw_masking = False
        self.saw_storage = False
        self.recognised = False  # any storage, temp, encryption, masking, logging, TLS setting or URL seen

    def add_unrecognised(self) -> None:
        self._add("ENC-100", "No pipeline setting recognised: no control could be checked", Severity.HIGH, "ML06",
                  ATLAS_AT_REST, (), {"top_level": [str(k) for k in self.doc.data][:20]
                                      if isinstance(self.doc.data, Mapping) else f"a list of {len(self.doc.data)}"},
                  "Point the linter at the pipeline's data configuration (sources/storage with their location, "
                  "temp storage, masking, access logging); a config it cannot read is not a compliant one.")

    def run(self) -> None:
        for path, mapping in _mappings(self.doc.data, ()):
            self._mapping(path, mapping)
        for path, value in _scalars(self.doc.data, ()):
            if isinstance(value, str):
                self._url(path, value)
        if self.saw_storage and not self.saw_masking:
            self._add("ENC-105", "No data masking configured for the pipeline", Severity.LOW, "ML03",
                      ATLAS_MASKING, (), {}, "Mask or tokenize PII columns before training (data_masking: "
                      "{enabled: true, fields: [...]}); see `mlsecure privacy anonymize`.")
        if not self.saw_logging and (self.saw_storage or self.saw_masking):
            self._add("ENC-107", "No data access logging configured", Severity.LOW, "ML06", ATLAS_AT_REST, (), {},
                      "Enable access logging on the data stores (access_logging: true; S3 server access logs "
                      "or CloudTrail data events) and log reads in the pipeline (mlsecure.audit.access).")

    def _mapping(self, path: ConfigPath, mapping: Mapping[Any, Any]) -> None:
        name = _norm(path[-1]) if path and isinstance(path[-1], str) else ""
        if path and isinstance(path[-1], int) and len(path) > 1 and isinstance(path[-2], str):
            name = _norm(path[-2])  # an item of ``sources: [...]`` is a source
        keys = {_norm(k): k for k in mapping if isinstance(k, str)}
        is_temp = bool(_TEMP.match(name))
        if is_temp or any(p.match(k) for k in keys for p in (_ENCRYPTION, _MASKING, _LOGGING, _TLS_ON, _VERIFY,
                                                               _INSECURE)):
            self.recognised = True
        if is_temp:
            self._temp(path, mapping, keys)
        elif _STORAGE.match(name) and (any(_LOCATION.match(k) for k in keys)
                                       or _norm(mapping.get(keys.get("type", ""), "")) in _STORAGE_TYPES):
            self.saw_storage = self.recognised = True
            in_memory = _IN_MEMORY.match(str(mapping.get(keys.get("type", ""), "")).lower())
            if not in_memory and not any(_ENCRYPTION.match(k) for k in keys):
                self._add("ENC-101", "No encryption at rest declared", Severity.MEDIUM,
                          "ML06", ATLAS_AT_REST, path, {}, _REMEDIATE_AT_REST)
        for norm, key in keys.items():
            value = mapping[key]
            here = (*path, key)
            if _ENCRYPTION.match(norm) and not is_temp:
                self._encryption(here, value, mapping)
            elif _MASKING.match(norm):
                self.saw_masking = True
                self._masking(here, value)
            elif _LOGGING.match(norm):
                self.saw_logging = True
                if _is_off(_enabled(value)):
                    self._add("ENC-107", "Access logging disabled", Severity.MEDIUM, "ML06",
                              ATLAS_AT_REST, here, {"value": _show(value)},
                              "Turn access logging on: without it, reads of the training data (exfiltration) "
                              "and writes (tampering) leave no trace.")
            elif _TLS_ON.match(norm) and _is_off(value):
                self._add("ENC-108", "Encryption in transit disabled", Severity.HIGH, "ML02",
                          ATLAS_TRANSIT, here, {"value": _show(value)}, _REMEDIATE_TRANSIT)
            elif (_VERIFY.match(norm) and _is_off(value)) or (_INSECURE.match(norm) and value is True):
                self._add("ENC-109", "TLS certificate verification disabled", Severity.HIGH,
                          "ML02", ATLAS_TRANSIT, here, {"value": _show(value)},
                          "Keep certificate verification on; for a private CA pass its bundle (verify: "
                          "/path/ca.pem) instead of turning checks off, which allows a man in the middle.")

    def _encryption(self, path: ConfigPath, value: Any, parent: Mapping[Any, Any]) -> None:
        setting = _enabled(value)
        label = _show(value)
        if _is_off(setting):
            self._add("ENC-101", "Encryption at rest disabled", Severity.HIGH, "ML06",
                      ATLAS_AT_REST, path, {"value": label}, _REMEDIATE_AT_REST)
            return
        text = " ".join(str(v) for v in _values(value)).lower()
        if _WEAK.search(text):
            self._add("ENC-103", "Weak cipher", Severity.MEDIUM, "ML06", ATLAS_AT_REST, path,
                      {"value": label}, "Use AES-256-GCM (or the provider's AES-256 SSE with a customer-managed "
                      "key); DES, 3DES, RC4, Blowfish and ECB mode are broken or obsolete.")
            return
        has_key = any(_KEY_FIELD.search(_norm(k)) and not _is_off(v)
                      for m in (parent, value if isinstance(value, Mapping) else {}) for k, v in m.items()
                      if isinstance(k, str))
        if not has_key and _SERVER_SIDE.search(text):
            self._add("ENC-102", "Provider-managed encryption keys", Severity.LOW, "ML06",
                      ATLAS_AT_REST, path, {"value": label},
                      "Name a customer-managed key (kms_key_id: arn:aws:kms:...) so key use is logged, access "
                      "to the data needs kms:Decrypt, and the key can be disabled or rotated by you.")

    def _temp(self, path: ConfigPath, mapping: Mapping[Any, Any], keys: Mapping[str, Any]) -> None:
        medium = next((str(mapping[keys[k]]) for k in ("type", "medium", "backend", "kind", "path") if k in keys), "")
        if _IN_MEMORY.match(medium.lower()):
            return
        encryption = next((mapping[keys[k]] for k in keys if _ENCRYPTION.match(k)), None)
        if encryption is None or _is_off(_enabled(encryption)):
            self._add("ENC-104", "Temporary storage on disk without encryption", Severity.MEDIUM,
                      "ML06", ATLAS_LOCAL, path, {"type": medium or "unspecified", "encryption": _show(encryption)},
                      "Keep intermediate data in memory (type: tmpfs) or on an encrypted volume (LUKS/dm-crypt, "
                      "encrypted EBS); temp files outlive the job on disk and in snapshots.")

    def _masking(self, path: ConfigPath, value: Any) -> None:
        if _is_off(_enabled(value)):
            self._add("ENC-105", "Data masking disabled", Severity.MEDIUM, "ML03", ATLAS_MASKING,
                      path, {"value": _show(value)}, _REMEDIATE_MASKING)
            return
        if not isinstance(value, Mapping):
            return
        field_key = next((k for k in value if isinstance(k, str) and _norm(k) in _FIELDS), None)
        fields = value.get(field_key) if field_key is not None else None
        names = {_norm(str(f)) for f in fields} if isinstance(fields, list) else set()
        if not names:
            self._add("ENC-105", "Data masking enabled but names no fields", Severity.MEDIUM,
                      "ML03", ATLAS_MASKING, path, {}, _REMEDIATE_MASKING)
            return
        missing = [cat for cat, aliases in PII_CATEGORIES.items() if not names & set(aliases)]
        if missing:
            where = (*path, field_key) if field_key is not None else path
            self._add("ENC-106", "Masking fields omit common PII categories", Severity.INFO,
                      "ML03", ATLAS_MASKING, where, {"fields": sorted(names), "missing_categories": missing},
                      "Check the dataset schema for these categories (`mlsecure privacy audit` classifies "
                      "columns) and add the ones present to the masking list.")

    def _url(self, path: ConfigPath, value: str) -> None:
        if "://" in value:
            self.recognised = True
        match = _PLAIN_URL.match(value.strip())
        if match is None or match.group(3).lower() in _LOCAL_HOSTS:
            return
        scheme = match.group(1).lower()
        self._add("ENC-108", f"Plaintext {scheme}:// URL", Severity.HIGH, "ML02", ATLAS_TRANSIT,
                  path, {"scheme": scheme, "host": match.group(3)}, _REMEDIATE_TRANSIT)

    def _add(self, rule: str, title: str, severity: Severity, owasp: str, atlas: tuple[str, ...],
             path: ConfigPath, evidence: dict[str, Any], remediation: str) -> None:
        line = self.doc.line_of(path)
        self.findings.append(Finding(
            id=rule, title=title + (f" (line {line})" if line else ""), severity=severity, owasp=owasp, atlas=atlas,
            location=Location(path=self.doc.path, member=_dotted(path) if path else None),
            evidence={"config_path": _dotted(path) or "<root>", **({"line": line} if line else {}), **evidence},
            remediation=remediation, check=CHECK))


_REMEDIATE_AT_REST = ("Encrypt the store at rest with a customer-managed key (S3: SSE-KMS with kms_key_id; GCS: "
                      "CMEK; Azure: customer-managed keys), or encrypt files client-side with "
                      "`mlsecure data encrypt` before upload.")
_REMEDIATE_TRANSIT = ("Use TLS endpoints (https://, sftp/ftps, wss://) with certificate verification on; a "
                      "plaintext hop lets anyone on the path read the data or poison it in flight.")
_REMEDIATE_MASKING = ("Enable masking and list the PII columns (ssn, email, phone, name, address, date of birth, "
                      "...); a model trained on raw PII can leak it through inversion or memorization.")


def _secret_findings(document: ConfigDocument) -> list[Finding]:
    from mlsecure.secrets.interface import FileKind
    from mlsecure.secrets.scanner import SecretScanner

    found = SecretScanner().scan_text(document.text, path=document.path, kind=FileKind.CONFIG)
    return [f.to_finding() for f in found]


def _mappings(value: Any, path: ConfigPath) -> Iterator[tuple[ConfigPath, Mapping[Any, Any]]]:
    if isinstance(value, Mapping):
        yield path, value
        for key, child in value.items():
            yield from _mappings(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _mappings(child, (*path, index))


def _scalars(value: Any, path: ConfigPath) -> Iterator[tuple[ConfigPath, Any]]:
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield from _scalars(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _scalars(child, (*path, index))
    else:
        yield path, value


def _values(value: Any) -> list[Any]:
    return [v for _, v in _scalars(value, ())]


def _enabled(value: Any) -> Any:
    """``{enabled: false, ...}`` -> False; a scalar is its own setting."""
    if isinstance(value, Mapping):
        for key in ("enabled", "enable", "on", "active"):
            if key in value:
                return value[key]
        return True if value else None
    return value


def _is_off(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return value.strip().lower() in _OFF
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


def _norm(key: Any) -> str:
    return re.sub(r"[\s.-]+", "_", str(key).strip().lower())


def _dotted(path: ConfigPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."
