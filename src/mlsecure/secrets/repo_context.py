"""What the text around a generic finding says it is, in large multi-project repositories: not a credential.

Session 8 read the >= medium reports of ten new dev repositories (mlrun, kedro, flyte, pytorch/serve,
polyaxon, determined, dvc, ludwig, meltano, triton) and found classes no earlier corpus held, each the
same in many projects:

* a digest named as one: ``"hashed_secret": "<40 hex>"`` (a detect-secrets baseline), Helm's
  ``checksum/secret: <64 hex>``, ``creditcardfraud.zip: <64 hex>`` (a file's checksum), a hash compared in
  a test (``assert.Equal(t, "<base64url>", hash)``);
* an identifier named as one: ``uid=<32 hex>`` in a run log, ``Subject: "..."``, "run has uuid value ``...``",
  a diagram's ``<mxCell id="...">`` and the ``parent="..."`` that refers to an id defined in the file;
* code, not a literal: a Python string annotation (``password: "typing.Union[str, None]" = _unset``), a Go
  struct tag (```protobuf:"bytes,2" json:"x"```), a Go import path or a label key (``secret
  "github.com/org/repo/secret"``, ``"app.example.org/managed"``), a regular expression (``'"private_key":\\s"'``),
  a header set from an expression (``Authorization: request.headers.get(...)``), a version after a
  package named for credentials (``google-auth-library-credentials:1.35.0``), a resource-name template
  (``projects/HOST_PROJECT_ID/locations/...``);
* a name of a credential entry, not the credential: ``credentials: dev_s3`` (a catalog entry), the Fetch
  API's ``credentials: 'include'``, a Postman variable's ``"key": "mar_path_resnet-152-batch"``;
* a typed fixture in a test-case folder (``schemas/test_cases/v0/defaults.yaml``: ``password: eggsnham``),
  as the scanner already reads ``tests/``;
* tokens that are not credentials by their API's own name: ``NextToken``, ``CreationToken``,
  ``ContinuationToken`` (pagination cursors and idempotency keys);
* ``https://my-token:x-oauth-basic@host``: GitHub's fixed password of token-in-username URLs, whose secret
  is the user part (reported when that part is drawn);
* an Algolia DocSearch configuration (``apiKey`` next to ``appId`` in a file that uses DocSearch, or next to
  ``appId`` and ``indexName`` in one that names Algolia): a search-only key published for browsers.

Each is dropped (counted as a placeholder). A line that another scanner's reviewer allowlisted
(detect-secrets' ``pragma: allowlist secret``, gitleaks' ``gitleaks:allow``, gosec's ``#nosec G101``) is
reported at **low** with that reason: the author declared it reviewed, and it stays visible. So is base64
of a typed password (``YWRtaW46c3VwZXJzZWNyZXQ=``, ``admin:supersecret``) in a docs / example / compose file,
as session 7 round 2 reports the same password written in clear there (``local_stack``), and a typed
password in a file or folder that names a developer's cluster or sandbox (``tools/devcluster.yaml``,
``docker/devbox-bundled/manifests/dev.yaml``: ``password: postgres``). Only generic rules
are judged here; a provider format keeps its verdict, and a drawn value keeps it wherever a class asks for a
typed one.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from mlsecure.secrets.allowlist import is_placeholder
from mlsecure.secrets.code_values import code_value, default_of_expansion, names_its_own_key
from mlsecure.secrets.deployment_values import deployment_value
from mlsecure.secrets.detectors.context import drawn_shape, typed_filler
from mlsecure.secrets.detectors.generic import encoded_text, names_no_secret
from mlsecure.secrets.example_values import example_value, low_reason, replace_comment
from mlsecure.secrets.format_values import format_value, table_column_header
from mlsecure.secrets.local_stack import (
    DEMOTABLE_RULES,
    example_file,
    local_by_neighbours,
    local_stack_reason,
    shipped_default,
    typed_word,
)
from mlsecure.secrets.rules import RULES
from mlsecure.secrets.typed_stand_ins import (
    case_mixed_uuid,
    default_credential,
    keyboard_run,
    leet_stand_in,
    self_named,
    typed_stand_in,
)

# generic rules: keyword assignments, keyword-line and bare entropy, token after a word, flags, env exports
_GENERIC = frozenset({"SEC-017", "SEC-018", "SEC-019", "SEC-024", "SEC-021", "SEC-022", "SEC-023", "SEC-026"})
_NOT_EQUAL_BEFORE = re.compile(r"(?:!==?|<>)[ \t]*[\"'`]$")
_KUBERNETES_SECRET_KIND = re.compile(r"(?m)^kind:[ \t]*[\"']?Secret[\"']?[ \t]*(?:#.*)?$")

def _rule_id(provider: str, name: str) -> str:
    return next(rule.rule_id for rule in RULES if rule.provider == provider and rule.name == name)


# rules.py rules whose value is a password a person types (curl -u user:password), not a provider's issued format
_TYPED_PASSWORD_RULES = frozenset({_rule_id("curl", "user-password")})
_KUBERNETES_SECRET = _rule_id("Kubernetes", "secret-manifest")  # a Secret's first data: value
_ENTROPY = frozenset({"SEC-018", "SEC-019", "SEC-024"})

_HEX_DIGEST = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$",
                         re.IGNORECASE)
# the name just before the value on its line
_NAME_BEFORE = re.compile(r"(?P<name>[A-Za-z0-9_][\w./\-]{0,80})[\"'`]?[ \t]*(?::=|=>|=|:)[ \t]*[\"'`]?$")
_DIGEST_PIECE = re.compile(r"(?i)(?:^|[^a-z])(?:hash(?:ed)?|checksum|digest|sha\d*|md5|integrity|fingerprint)"
                           r"(?:[^a-z]|$)|(?:^|[a-z])(?:Hash(?:ed)?|Checksum|Digest|Sha\d*|Md5)(?:[A-Z_]|$)")
_FILE_NAME = re.compile(r"(?i)\.(?:zip|gz|tgz|bz2|xz|tar|whl|jar|csv|tsv|json|parquet|bin|pt|pth|onnx|h5|pkl|"
                        r"npz|txt|deb|rpm|exe|dmg|iso|img|msi|pdf)$")
# a digest word, alone or ending a camelCase name (localHash, expectedDigest)
_DIGEST_WORD = re.compile(r"(?i)\b(?:hash(?:ed)?\w*|checksum|digest|sha\d+|md5)\b"
                          r"|(?-i:(?<=[a-z])(?:Hash|Digest|Checksum))\b")
# an id named as one: uid=..., "subject": ..., run has uuid value `...`
_ID_BEFORE = re.compile(r"(?i)(?:^|[^A-Za-z0-9])(?:[a-z]+_)?(?:u?uid|guid|subject|id)s?[\"'`]?[ \t]*"
                        r"(?:[:=]|={2,3}|\s(?:value|is|of))?[ \t]*[\"'`]?$")
# a file or folder that names itself a developer's cluster or sandbox (devbox, devcluster, sandbox, kind, minikube)
# (session 12: a Tilt setup, tilt.dev's local-development tool: a tilt/ folder, a Tiltfile, *.tiltfile; a devstack)
_DEV_ENVIRONMENT = re.compile(r"(?i)(?:^|/)[^/]*(?:devbox|devcluster|dev[-_]cluster|sandbox|devcontainer|minikube|"
                              r"kind[-_]config|dev[-_]?stack)[^/]*(?:/|$)|(?:^|/)tilt/|(?:^|/|\.)tiltfile$")
# (session 13) a subscript or attribute named as an id: ["eventId"], ["run_id"], .request_id, .id
_ID_ACCESS = re.compile(r"""\[[ \t]*["'](?:[\w.\-]*[._])?(?:id|[a-z]+Id|[a-z]+_id)["'][ \t]*\]"""
                        r"|\.(?:id|[a-z]+Id|[a-z_]+_id)\b")
_CREDENTIAL_WORD = re.compile(r"(?i)secret|token|passw|api_?key|credential|auth")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{4,64}={0,2}$")
# a type, or a union of types (``"AzureKeyCredential | None"``, PEP 604, written as a string forward reference)
_ONE_TYPE = r"[A-Za-z_][\w.]*(?:\[[\w., \[\]\"'|]*\])?"
_TYPE_EXPRESSION = re.compile(rf"^{_ONE_TYPE}(?:[ \t]*\|[ \t]*{_ONE_TYPE})*$")
_STRUCT_TAG = re.compile(r'^[a-z_]+:"[^"\n]*"(?:[ \t]+[a-z_]+:"[^"\n]*")*$')
_MODULE_PATH = re.compile(r"^(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,12}/[A-Za-z0-9_.~/\-]+$")
# test folders the scanner's test-path rule does not name; a typed value there is a fixture, as in tests/
_MORE_TEST_DIRS = re.compile(r"(?i)(?:^|/)(?:test[-_]?cases?|test[-_]?resources|test[-_]?fixtures)/")
# rules whose typed (not drawn) value in a test is a fixture: assignments, flags, env exports (a URL's password is
# judged by typed_word instead: a person's 15-character password is not "drawn" yet is no fixture); session 13: an
# Authorization header's value (Headers({"authorization": "Bearer secret-token-123"}) in a test)
FIXTURE_RULES = frozenset({"SEC-017", "SEC-021", "SEC-022", "SEC-023", "SEC-026",
                           _rule_id("HTTP", "authorization-header")})
# (session 14) a release label of several parts after the number: 1.6.3-db2-hadoop2-scala2.10, 1.6.x-ubuntu15.10
# (a Cloudflare origin CA key, v1.0-<24 hex>-<146 hex>, has long drawn parts: each label part is short)
_VERSION = re.compile(r"^v?\d+(?:\.(?:\d+|x)){1,3}(?:[-+][\w.]+|(?:[-+][\w.]{1,16}){2,})?['\"<>/]*$")
_TEMPLATE_SEGMENT = re.compile(r"(?:^|/)\{?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\}?(?:/|$)")
_REGEX_ESCAPE = re.compile(r"\\[sdwbSDWB](?:[*+?{]|\b)|\(\?[:=!<]|\.\*")
# a header value that is an expression: self.VALID_AUTH_HEADER, process.env.GITHUB_TOKEN, createAuthHeader(...)
_DOTTED_CODE = re.compile(r"^[a-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$")
_CALLED_NAME = re.compile(r"^[a-z_$][\w$]*$")
_CODE_SUFFIXES = (".py", ".pyi", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".go", ".java", ".kt", ".rs", ".rb",
                  ".cs", ".scala", ".swift", ".php")
_SNAKE_REFERENCE = re.compile(r"^[a-z][a-z0-9]*(?:[_\-][a-z0-9]+)*$")
_CREDENTIALS_KEY = re.compile(r"(?i)(?:^|[^a-z])(?:credentials|creds)$")
# (session 13) keys whose value names a Kubernetes Secret object, never holds its content: Helm charts' existingSecret,
# secretName / secret-name / secretRef, cert-manager's inject-ca-from-secret (a namespace/name)
_SECRET_OBJECT_KEY = re.compile(r"(?i)(?:existing[-_]?secret|secret[-_]?name|secret[-_]?ref|from[-_]?secret)$")
_K8S_OBJECT_NAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?/)?[a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?$")
_CODE_SPAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "none", "nil"})
_NAME_VALUE = re.compile(r"^[a-z0-9]{1,10}(?:[_\-][a-z0-9]{1,10}){2,}$")
# API names of tokens that are cursors or idempotency keys, not credentials (AWS NextToken / ClientRequestToken /
# CreationToken, Google nextPageToken, S3 ContinuationToken)
_CURSOR_WORDS = frozenset({"next", "page", "continuation", "creation", "idempotency", "pagination", "sync",
                           "cursor", "cancellation", "resumption", "request"})
_NAME_PIECES = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
# only pragmas that allowlist a *secret* (detect-secrets, gitleaks, gosec's hard-coded-credentials rule); a
# general suppression (NOSONAR, nosemgrep) silences some other rule and says nothing about this value
_FOREIGN_PRAGMA = re.compile(r"pragma:[ \t]*allowlist[ \t]+(?:nextline[ \t]+)?secret|gitleaks:allow|"
                             r"#[ \t]?nosec[ \t]+G101")
# RFC 8601 ptype.property names of an Authentication-Results header (dkim=pass header.s=<selector> header.b=<sig>)
_AUTHENTICATION_RESULTS = frozenset({"header.s", "header.b", "header.d", "header.i", "header.a", "header.from"})
# Drupal's ajaxPageState.theme_token and form_token / form_build_id: per-page anti-forgery values in every page
_PAGE_FORM_TOKENS = frozenset({"theme_token", "form_token", "form_build_id"})
# a PNG's IEND chunk and CRC (49 45 4E 44 AE 42 60 82) in each of base64's three alignments
_PNG_END = ("SUVORK5CYII", "lFTkSuQmCC", "RU5ErkJggg")
# base64 of '{"', '[{"', '["': JSON text; base64 of other printable text stays (the peers' suites label base64 of
# prose or of "user:..." positive, as a credential may be text)
_BASE64_JSON = ("eyJ", "W3si", "WyJ")
_CAMEL_WORDS = re.compile(r"^[a-z]{2,}(?:[A-Z][a-z]{1,}){2,}$")
_VOWEL = re.compile(r"[aeiouyAEIOUY]")
_FILE_PATH = re.compile(r"^\.{0,2}/[\w.\-]+(?:/[\w.\-]+)*(?::/[\w.\-/]*)?:?$")
_URL_AUTHORITY_REST = re.compile(r"[^/?#\s'\"]*")
_FORM_NEXT_FIELD = re.compile(r"^[^&\s]+&[A-Za-z_][\w.\-]*=")
# a ULID, optionally after a type prefix (client_01JNJQWBJ4SPFN3SWJM5T7BDG8): 48-bit time then 80 random bits
# a UUID v4 written without dashes (uuid4().hex: version nibble 4, variant 8-b), as run and task ids print
_UUID4_HEX = re.compile(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$")
_ULID = re.compile(r"^(?:[a-z]+_)?0[0-9A-HJKMNP-TV-Z]{25}$")
# TransformationWorkflow-<hex>: a PascalCase type name and a hyphen right before the value
_TYPED_ID_PREFIX = re.compile(r"(?:^|[^A-Za-z])[A-Z][a-z]+(?:[A-Z][a-z]+)+-$")
_TYPED_ID = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z]+)+-[0-9a-f]{16,64}$")
# Cloudflare's bot-management and load-balancing cookies (Cloudflare docs, "Cloudflare Cookies": __cf_bm holds a
# bot score, _cfuvid and __cfruid tell visitors apart for rate limiting): set on every visitor, authorise nothing
_NOT_A_CREDENTIAL_COOKIE = re.compile(r"(?:^|[\s;,:'\"])(?:__cf_bm|_cfuvid|__cfruid)=$")
# the value sits inside a markup attribute that names an element (id="entity-apikeys-<uuid>", class="...")
_MARKUP_ATTRIBUTE = re.compile(r"(?:^|\s)(?:id|class|for|aria-labelledby|xlink:href)=[\"'][^\"'\s]*$")
# "<entity>_key": "  /  \"crew_key\": \"  (escaped JSON inside a JSON string)
_ENTITY_KEY_BEFORE = re.compile(r"(?<![A-Za-z0-9_])(?:(?P<entity>[a-z][a-z0-9]*)_)?key[\\\"']*\s*[:=]\s*[\\\"']*$")
# an app / client / account key beside its id is a credential pair (app_id + app_key), never an object's key
_CREDENTIAL_ENTITIES = frozenset({"app", "api", "client", "consumer", "access", "secret", "private", "auth", "master",
                                  "account", "user", "service", "license", "signing", "encryption", "project",
                                  "developer", "partner", "merchant", "integration", "webhook", "session", "ssh"})
_DOCSEARCH = re.compile(r"(?i)docsearch|algolia")
_DOCSEARCH_UI = re.compile(r"(?i)docsearch")
_ALGOLIA_FIELDS = re.compile(r"\b(?:appId|applicationId|app_id)\b[\"']?\s*[:=]")
_INDEX_FIELD = re.compile(r"\bindex_?[Nn]ame\b[\"']?\s*[:=]")
# the credential *scope* of a presigned URL (SigV4 ``X-Amz-Credential=AKIA.../<date>/<region>/s3/aws4_request``,
# ``X-Goog-Credential=<service account>/<date>/...``): the key id or account that signed, sent in clear in every
# signed link by design; the secret part is ``X-Amz-Signature``, which expires with the link
_SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh")
# a line of a comment or a doc comment: ``# ...``, ``// ...``, `` * ...`` (JSDoc / Javadoc), ``/* ...``
_COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//|/?\*)")
# (session 13) and the same scope in a signed request's Authorization header (``AWS4-HMAC-SHA256
# Credential=AKIA.../<date>/...``, ``GOOG4-HMAC-SHA256 Credential=...``), which HTTP recordings (.har, cassettes) keep
_PRESIGNED_SCOPE = re.compile(r"(?i)(?:[?&]x-(?:amz|goog)-credential=|\b(?:aws4|goog4)-(?:hmac|rsa)-sha256[ \t]+"
                              r"credential=)$")


# (session 14) a query parameter of a URL whose host is this machine: http://localhost:8888/lab?token=
_LOCAL_URL_QUERY = re.compile(r"(?i)\bhttps?://(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1\])(?::\d{1,5})?"
                              r"/[^\s\"'<>?]*\?(?:[^\s\"'<>]*&)?[\w.\-]+=$")


@dataclass(frozen=True)
class Verdict:
    """``drop``: not a credential (counted as a placeholder); otherwise reported at low with ``reason``."""

    drop: bool
    reason: str


def judge(rule_id: str, secret: str, text: str, start: int, end: int, *, path: str, in_tests: bool,
          free_form: bool = False, details: Any = None) -> Verdict | None:
    """The verdict on one finding of a generic rule from its surroundings, or None (keep as it is)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    at = start - line_start
    before = line[max(0, at - 100):at]
    reason = _not_a_credential(rule_id, secret, line, at, before, text, start, path=path, in_tests=in_tests,
                               free_form=free_form, details=details)
    if reason is not None:
        return Verdict(True, reason)
    if rule_id == "SEC-021" and _crosses_inline_code(before, details) and not path.endswith(_SHELL_SUFFIXES):
        return Verdict(True, "a command quoted in prose (the `net user` command): its code span closed before the word")
    if rule_id in _GENERIC and before.endswith("`") and path.endswith(_SHELL_SUFFIXES) and "`" in line[at:]:
        return Verdict(True, "a shell command substitution (`openssl rand -hex 20`): the value is made at run time")
    if rule_id in _GENERIC and _LOCAL_URL_QUERY.search(before) is not None:
        # (session 14) Jupyter prints http://localhost:8888/lab?token=<48 hex> at every launch, notebooks and READMEs
        # paste it: it opens a server on this machine, drawn anew each start; visible, at low
        return Verdict(False, "a token in the query of a URL to this machine (a local Jupyter server's ?token=, "
                              "printed at each launch)")
    if _PRESIGNED_SCOPE.search(before) is not None:
        # a provider's key id there keeps a finding (it names the account), at low: no secret is in the scope
        return Verdict(rule_id in _GENERIC, "the credential scope of a presigned URL or a SigV4 header (key id, date, "
                                            "region): sent in clear with every signed request")
    if rule_id == _KUBERNETES_SECRET:  # its "format" is base64 of any value: judged by what it encodes (session 13)
        return _base64_verdict(secret, text, start, path=path,
                               dev_environment=_DEV_ENVIRONMENT.search(path.replace("\\", "/")) is not None)
    if rule_id in _TYPED_PASSWORD_RULES and (product := _default_reason(secret)):  # curl -u minioadmin:minioadmin
        return Verdict(False, product)
    if rule_id not in _GENERIC:
        return None  # a provider format keeps its severity whatever the line says
    low = low_reason(line, before, path=path)
    if low is not None:
        return Verdict(False, low)
    why = code_value(secret, line, at, path=path) or typed_stand_in(secret)
    if why is not None:
        # code or data in the value's place, or an instruction, is no credential; a leetspeak word is a weak password
        # people do deploy (``P4ssw0rd!``): kept, at low, as a product's default is
        return Verdict(not leet_stand_in(secret), why)
    # a notebook shows keys typed in order as a stand-in (vLLM's "token-abc123"); its typed words keep their severity
    if keyboard_run(secret) and (in_tests or example_file(path) or path.endswith(".ipynb")
                                 or _COMMENT_LINE.match(line) is not None):
        # a stand-in shown to a reader, and a weak password people deploy (qwerty123): kept at low (session 11b)
        return Verdict(False, "keys typed in order (1234567890abcdef, qwerty123) in a docs / example / test / "
                              "comment place: a stand-in, or a weak password")
    if replace_comment(line[at + len(secret):]) and (typed_word(secret) or keyboard_run(secret)):
        # (session 14) a typed value the author marks as one to replace; kept at low: it may be deployed as it is
        return Verdict(False, "a comment after the value tells the reader to change it (# change password here)")
    named = self_named(secret) if not drawn_shape(secret) else None
    if named is not None:
        return Verdict(True, named)
    if in_tests and case_mixed_uuid(secret):
        return Verdict(True, "a UUID with its case mixed in a test (a uuid4() made to pass a password policy)")
    default = default_of_expansion(secret, before)
    if default is not None:
        if typed_word(default) or default_credential(default):
            return Verdict(False, "typed default of a ${VAR:-default} expansion (local stack)")
        return None
    product = _default_reason(secret)
    if product is not None:
        return Verdict(False, product)
    beside = local_by_neighbours(rule_id, secret, text, start)
    if beside is not None:
        return Verdict(False, beside)
    if _FOREIGN_PRAGMA.search(line) is not None:
        return Verdict(False, "allowlisted on its line by another scanner's pragma (reviewed by the author)")
    if shipped_default(path):  # generic rules only: a provider format returned above
        return Verdict(False, "a value of a product's shipped default configuration (config/default/, defaults/): "
                              "public in every install, a default credential to change in any deployment")
    dev_environment = _DEV_ENVIRONMENT.search(path.replace("\\", "/")) is not None
    if dev_environment and rule_id in DEMOTABLE_RULES and typed_word(secret):
        return Verdict(False, "typed password of a dev cluster / sandbox configuration (local stack)")
    return _base64_verdict(secret, text, start, path=path, dev_environment=dev_environment)


def _base64_verdict(secret: str, text: str, start: int, *, path: str, dev_environment: bool) -> Verdict | None:
    """The verdict on base64 of short text (a Kubernetes Secret's ``data:`` holds base64 of each value): judged as that
    text would be in clear (session 13: a placeholder is dropped; a product's default, a password that repeats its user,
    a typed one in a docs / example / compose / dev-cluster file is reported at low)."""
    password = _base64_text(secret)
    if not password:
        return None
    if is_placeholder(password) and _KUBERNETES_SECRET_KIND.search(text) is not None:
        # only where the format says the value is base64 of the secret: elsewhere base64 of "user:xxxx" may be the
        # credential itself (trufflehog's Jira cases label MGE6eHh4... a token)
        return Verdict(True, "base64 of a placeholder in a Kubernetes Secret's data (ZHVtbXk= is \"dummy\")")
    local = local_stack_reason("SEC-017", password, path, None, in_tests=False)
    local = local or local_by_neighbours("SEC-017", secret, text, start, decoded=password)
    if local is None and dev_environment and typed_word(password):
        local = "typed password of a dev cluster / sandbox configuration (local stack)"
    local = local or _default_reason(password)
    return Verdict(False, "base64 of a " + local) if local is not None else None


def _default_reason(value: str) -> str | None:
    """The reason for a product's documented default credential (minioadmin), or None."""
    product = default_credential(value)
    return None if product is None else f"{product}'s documented default credential: change it in any deployment"


def _base64_text(value: str) -> str | None:
    """The password a base64 value encodes when it is short printable text (``user:password`` or a word)."""
    if len(value) % 4 or _BASE64.match(value) is None:
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    if not decoded.isprintable() or " " in decoded:
        return None
    return decoded.partition(":")[2] if ":" in decoded else decoded


def _not_a_credential(rule_id: str, secret: str, line: str, at: int, before: str, text: str, start: int, *,
                      path: str, in_tests: bool, free_form: bool, details: Any) -> str | None:
    if rule_id == "SEC-020":
        user = details.get("user") if isinstance(details, Mapping) else None
        if secret == "x-oauth-basic" and isinstance(user, str) and not drawn_shape(user):
            return "token-in-username URL whose user part is typed (x-oauth-basic is GitHub's fixed password)"
        authority = _URL_AUTHORITY_REST.match(line, at + len(secret))
        whole = authority is not None and authority.group().count("@") == 1  # else the URL was cut at an inner @
        if in_tests and whole and secret != "x-oauth-basic" and (typed_word(unquote(secret)) or leet_stand_in(secret)
                                                                 or _typed_pieces(unquote(secret))):
            return "a typed password of a URL in a test (hunter2, my-gitlab-token): a fixture"
        return None
    if free_form and rule_id not in _GENERIC:
        before_char = line[at - 1:at]
        following = line[at + len(secret):]
        ends = not following.strip() or following.startswith(("(", ")", "}", ",", ";"))
        expression = (_DOTTED_CODE.match(secret) and ends) or (_CALLED_NAME.match(secret) and following.startswith("("))
        # (session 13) a bare name in source code is a variable (``"Authorization": basic_auth_header,``); in YAML or
        # a .env file the same unquoted word would be the literal value, so only code files are read this way
        expression = expression or (_CALLED_NAME.match(secret) and ends and path.endswith(_CODE_SUFFIXES))
        if before_char not in ("\"", "'", "`") and expression and not drawn_shape(secret):
            return "a header set from a code expression, not a literal"
        return None
    if rule_id not in _GENERIC:
        return None
    own = _NAME_BEFORE.search(before)
    name = own.group("name") if own is not None else ""
    drawn = drawn_shape(secret)
    by_format = format_value(secret, line, at, path=path)
    if by_format is not None:
        return by_format
    if _NOT_EQUAL_BEFORE.search(before) and not drawn and path.endswith(".sql"):
        # SQL only: detect-secrets' keyword tests label `if (db_pass != "<literal>")` in code a secret
        return "a value a SQL predicate compares with != / <> (a sentinel the query rules out), not one that is set"
    deployed = deployment_value(secret, before, text, start)
    if deployed is not None:
        return deployed
    example = example_value(secret, before)
    if example is not None:
        return example
    header = table_column_header(text, start) if line.lstrip().startswith("|") else None
    if header and names_no_secret(header):
        return f"a cell of a table column headed {header!r}: an id, a name or a public value"
    if _HEX_DIGEST.match(secret) and (_DIGEST_PIECE.search(name) or _FILE_NAME.search(name)):
        return "a digest named as one (hashed_secret, checksum/..., a file's checksum)"
    if rule_id in _ENTROPY and in_tests and _DIGEST_WORD.search(line):
        return "a digest in a test: its line names a hash"
    if rule_id == "SEC-019" and in_tests and _HEX_DIGEST.match(secret):
        return "test data: hex of a digest's length with no credential word near it (a hash or an id)"
    if rule_id in _ENTROPY and in_tests and _ID_ACCESS.search(line) and not _CREDENTIAL_WORD.search(line):
        return "a test comparing a value with a field named as an id (response[\"eventId\"]): an identifier"
    if rule_id in _ENTROPY and _ID_BEFORE.search(before):
        return "an identifier named as one (uid, uuid, subject)"
    if "&" in secret and _FORM_NEXT_FIELD.search(secret) and is_placeholder(secret.partition("&")[0]):
        return "a published or placeholder value, read past the & of a form body (client_secret=<public>&...)"
    if rule_id in _ENTROPY and secret.startswith(_BASE64_JSON) and encoded_text(secret):
        return "base64 of JSON text ([{\"parts\": ...}]): encoded data, not key bytes"
    if rule_id in _ENTROPY and _CAMEL_WORDS.match(secret) and all(
            _VOWEL.search(piece) for piece in _NAME_PIECES.findall(secret)):
        return "a camelCase name of words (getScriptPartFromCode): code, not a draw"
    if rule_id in _ENTROPY and _FILE_PATH.match(secret) and (before[-1:] in ("}", ")") or not any(
            drawn_shape(part) for part in re.split(r"[/:]", secret))):
        return "a filesystem path (${{ matrix.image }}/MPI_MNIST_api_run_1:/artifacts, a volume mapping)"
    if name.lower() in _AUTHENTICATION_RESULTS:
        return "an email Authentication-Results property (RFC 8601: DKIM selector, signer, signature prefix)"
    if name.lower() in _PAGE_FORM_TOKENS and "<" in text:
        return "a per-page form / theme token written into every page served (anti-forgery, as csrf tokens are)"
    if rule_id in _ENTROPY and "proptest-regressions/" in path.replace("\\", "/") and line.startswith("cc "):
        return "a proptest regression seed (cc <hex> # shrinks to ...)"
    if rule_id in _ENTROPY and (any(mark in secret for mark in _PNG_END) or _zlib_stream(secret)):
        return "base64 of image or compressed data (a PNG's IEND trailer, a zlib stream), not key bytes"
    if names_its_own_key(secret, name):
        return "a display label that spells its key's provider (\"OPENAI_API_KEY\": \"OpenAI\")"
    if _ULID.match(secret):
        return "a ULID (a time-ordered identifier, client_01JNJQ...): ids, not draws kept secret"
    if rule_id == "SEC-019" and _UUID4_HEX.match(secret):
        return "a UUID v4 without dashes and no credential word near it (uuid4().hex): a run or task id"
    if rule_id == "SEC-019" and (_TYPED_ID_PREFIX.search(before) or _TYPED_ID.match(secret)):
        return "an id after its type's name (TransformationWorkflow-<hex>)"
    if before.endswith('W/"'):
        return "an HTTP ETag (W/\"...\"): a version tag of a response"
    if _NOT_A_CREDENTIAL_COOKIE.search(before):
        return "a CDN's bot-management / load-balancing cookie (__cf_bm, _cfuvid): per visitor, not a credential"
    if name.lower() == "accesskey" and "<" in line:
        return "an HTML accesskey attribute (a keyboard shortcut)"
    if rule_id in _ENTROPY and _MARKUP_ATTRIBUTE.search(before):
        return "inside a markup id / class attribute (id=\"entity-apikeys-<uuid>\"): an element's name"
    if rule_id in _ENTROPY and _HEX_DIGEST.match(secret) and _key_beside_its_id(before, text, start):
        return "an object's key next to the same object's id (crew_key beside crew_id): a lookup key"
    if rule_id in _ENTROPY and re.search(r"\bid=[\"']" + re.escape(secret) + r"[\"']", text) is not None:
        return "a reference to an element id defined in the same file (parent=, source=, target=)"
    if rule_id in FIXTURE_RULES and _MORE_TEST_DIRS.search(path.replace("\\", "/")) and not drawn:
        return "a typed fixture in a test-case folder (test_cases/, test-resources/)"
    after = line[at + len(secret):]
    if path.endswith((".py", ".pyi")) and re.search(r":[ \t]*[\"']$", before) \
            and re.match(r"[\"'][ \t]*=(?!=)", after) and _TYPE_EXPRESSION.match(secret):
        return "a Python string annotation (name: \"Type | None\" = default)"
    if _STRUCT_TAG.match(secret):
        return "a Go struct tag"
    if _MODULE_PATH.match(secret):
        return "an import path or a label key (host/path), not a draw"
    if _VERSION.match(secret):
        return "a version number (a Maven coordinate group:artifact-credentials:1.35.0)"
    if "/" in secret and _TEMPLATE_SEGMENT.search(secret):
        return "a resource-name template with UPPER_SNAKE placeholders (projects/PROJECT_ID/...)"
    if _REGEX_ESCAPE.search(secret) and not drawn:
        return "a regular expression"
    key = str(details.get("key", name)) if isinstance(details, Mapping) else name
    if _CREDENTIALS_KEY.search(key.rstrip("\"'` \t:=")) and _SNAKE_REFERENCE.match(secret) and not drawn:
        return "the name of a credentials entry, not the credential"
    if _SECRET_OBJECT_KEY.search(key.rstrip("\"'` \t:=")) and _K8S_OBJECT_NAME.match(secret) and not drawn:
        return "the name of a Kubernetes Secret object (existingSecret, secretName, inject-ca-from-secret: ns/name)"
    if "`" in secret and before.count("`") % 2 == 1 and _code_span_word(secret.partition("`")[0]):
        return "a word closing an inline code span (`--flag=false` option): the value was read past the backtick"
    if _cursor_token(key) or _cursor_token(name):
        return "a pagination cursor or idempotency token by its API name"
    if rule_id in _ENTROPY and _NAME_VALUE.match(secret) and not typed_filler(secret) and \
            sum(piece.isalpha() for piece in re.split(r"[_\-]", secret)) >= 2:
        return "a name of lower-case words joined by - and _, not a draw"
    window = (max(0, start - 400), start + 400)
    if _ALGOLIA_FIELDS.search(text, *window) and (_DOCSEARCH_UI.search(text) or (
            _DOCSEARCH.search(text) and _INDEX_FIELD.search(text, *window))):
        return "an Algolia DocSearch search-only key (public by design)"
    return None


def _typed_pieces(value: str) -> bool:
    """``abc123/def456/ghi789``, ``token/with/slashes``, ``p@ss!word/123``: 2+ pieces split at ``/`` ``+`` ``=``,
    each a typed word, keys typed in order or a short number (a test checking how a URL escapes them; session 12)."""
    pieces = [p for p in re.split(r"[/+=]", value) if p]
    return len(pieces) >= 2 and all(typed_word(p) or keyboard_run(p) or leet_stand_in(p)
                                    or (p.isdigit() and len(p) <= 4) for p in pieces)


def _zlib_stream(value: str) -> bool:
    """base64 of a zlib stream (``eJyF...``: 78 9C, then deflate data that inflates): compressed data, not a key.
    A drawn value starts with a valid zlib header and inflates for 64 bytes with p < 10^-6."""
    if not value.startswith(("eJ", "eN", "eA")) or len(value) < 24:
        return False
    try:
        raw = base64.b64decode(value[: len(value) // 4 * 4], validate=True)
        inflated = zlib.decompressobj().decompress(raw, 4096)
    except (ValueError, zlib.error):
        return False
    return len(inflated) >= 16


def _crosses_inline_code(before: str, details: Any) -> bool:
    """A backtick between the command and its argument: the command was quoted inline in prose and closed (the
    `net user` command, `net user` and `net localgroup`); the word read as its password is the prose after it."""
    how = details.get("argument_of") if isinstance(details, Mapping) else None
    if not isinstance(how, str) or not how:
        return False
    at = before.lower().rfind(how.lower())
    return at >= 0 and "`" in before[at + len(how):]


def _key_beside_its_id(before: str, text: str, start: int) -> bool:
    """``"crew_key": "<hex>", "crew_id": "<uuid>"``: the key of an object whose id is written next to it (a
    fingerprint of its configuration, as CrewAI's traces hold), not a credential of anything."""
    named = _ENTITY_KEY_BEFORE.search(before)
    if named is None:
        return False
    if named.group("entity") in _CREDENTIAL_ENTITIES | {None}:
        return False  # a bare "key" beside "id" is how an API lists its keys ({"id": ..., "key": "<secret>"})
    sibling = re.compile(r"[\"'\s{,]" + re.escape(named.group("entity")) + r"(?:_id|Id)[\\\"']*\s*[:=]")
    return sibling.search(text, max(0, start - 300), start + 300) is not None


def _cursor_token(name: str) -> bool:
    """``NextToken``, ``next_page_token``, ``ClientRequestToken``: the word before ``token`` (a whole piece of the
    name) says the token is a cursor or an idempotency key (``statuspage_token`` is not: one piece)."""
    pieces = [p.lower() for p in _NAME_PIECES.findall(name)]
    if len(pieces) < 2 or pieces[-1] not in ("token", "tokens") or pieces[-2] not in _CURSOR_WORDS:
        return False
    return pieces[-2] != "request" or pieces[-3:-2] == ["client"]  # an OAuth request token is a credential


def _code_span_word(value: str) -> bool:
    """``false``, ``<secret>``, ``changeme``: a value a code span in prose shows (a flag's setting, a placeholder)."""
    return value.lower() in _CODE_SPAN_WORDS or is_placeholder(value)
