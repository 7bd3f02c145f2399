"""What a generic finding's value is by the file format, protocol or code syntax around it: not a credential.

Session 11 read the reports of ten new dev repositories (Phoenix, promptflow, mem0, ragas, ...) and found
classes that are decided by a published format or by the language, the same in any project:

* a key of a Python ``dbm.dumb`` index (``shelve`` caches write ``<name>.dir`` / ``.bak`` as lines
  ``'<key>', (<offset>, <size>)``): the index of a cache, whose keys are lookup keys (content hashes);
* an Application Insights instrumentation key (``"iKey": "<uuid>"``, ``INSTRUMENTATION_KEY = "<uuid>"``):
  Microsoft documents the instrumentation key and connection string as "not considered a security token or
  key"; every telemetry envelope carries it and browsers' snippets publish it;
* a serializer's attribute map (autorest / msrest ``{'key': 'clusterLogConfDbfsPath', 'type': 'str'}``): the
  ``key`` is the wire name of a field;
* a commit pinned after a repository link (``[boto3](https://github.com/boto/boto3) @ `<40 hex>```);
* a macOS per-user temporary folder (``/var/folders/5x/<random>/T/ipykernel_1/...py:55:``) in a saved
  traceback: a directory name shown by every warning a notebook prints;
* a reference to a constant or an environment variable, TypeScript's non-null ``!`` included
  (``apiKey: process.env.MEM0_API_KEY!``);
* the type name a ``typeof`` test compares with (``typeof v.api_key === "string"``);
* a table keyed by command-line flags (``"--api-key": "Connection"``: which help section lists the flag);
* a cell of a Markdown table whose column header names an id, a name or a public value (``| `client_id` |``:
  Auth0 SPA client ids listed per environment; session 12), judged in ``repo_context`` with the header;
* an ICE password of an SDP offer or answer (``a=ice-pwd:...``, session 12): RFC 8839 has each agent draw it per
  session and send it to the peer in the offer itself; it authenticates connectivity checks of that call only;
* an object id of an LLM API (``toolu_bdrk_015f...``, ``msg_01...``, ``chatcmpl-...``; session 13), as tests and
  recorded traces compare them: the provider's own prefix for a message, a tool call or a batch, not for a key;
* a password hash in the Modular Crypt Format (``$2y$12$...``, ``$6$...``, ``$argon2id$...``; session 13), as an
  identity provider's static users list it: the server's check value, not the password;
* (session 14) an event namespace or CSS selector (Bootstrap's ``DATA_API_KEY = '.data-api'``), a PDF hex string of
  the document's dictionary (``/Keywords <DC61...>``), a type in a docstring's argument list
  (``token_level_rewards: `(torch.Tensor)` ``).
"""

from __future__ import annotations

import re

from mlsecure.secrets.code_values import FULL_SHA
from mlsecure.secrets.detectors.context import drawn_shape
from mlsecure.secrets.detectors.generic import UUID_SHAPE

_DBM_INDEX_LINE = re.compile(r"""^(?:'[^'\n]*'|"[^"\n]*"), \(\d+, \d+\)$""")
_DBM_INDEX_FILE = re.compile(r"\.(?:dir|bak)$")
# iKey (telemetry envelopes), instrumentationKey / INSTRUMENTATION_KEY / APPINSIGHTS_INSTRUMENTATIONKEY
_INSTRUMENTATION_KEY_NAME = re.compile(
    r"(?i)(?:^|[^a-z])(?:i_?key|instrumentation_?key)[\"'`]?[ \t]*[:=][ \t]*[\"'`]?$"
)
_ATTRIBUTE_MAP_KEY = re.compile(r"\{[ \t]*[\"']key[\"'][ \t]*:[ \t]*[\"']$")
_ATTRIBUTE_MAP_TYPE = re.compile(r"^[\"'][ \t]*,[ \t]*[\"']type[\"'][ \t]*:")
# a field name: camelCase or snake_case words (clusterLogConfDbfsPath, cluster_log_conf), a dotted path of them
_FIELD_NAME = re.compile(r"^(?:[a-z]{2,}(?:[A-Z][a-z]+|_[a-z]+)*\d{0,2}\.?)+$")
_REPOSITORY_LINK_BEFORE = re.compile(r"https?://[\w.\-]+/[\w.\-]+/[\w.\-]+/?\)?[ \t]*@[ \t]*`?$")
_MACOS_TEMPORARY = re.compile(r"^/(?:private/)?var/folders/[\w+\-]{2}/[\w+\-]+/T/")
# a.b.CONSTANT, process.env.NAME!, import.meta.env.VITE_KEY: a chain of names ending in an upper-case one
_CONSTANT_REFERENCE = re.compile(r"^(?:[A-Za-z_$][\w$]*\.)+[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*!?$")
_TYPEOF_BEFORE = re.compile(r"\btypeof\b[^=!]{1,120}[!=]==?[ \t]*[\"'`]$")
_JS_TYPES = frozenset({"string", "number", "boolean", "undefined", "object", "function", "symbol", "bigint"})
_FLAG_KEY_BEFORE = re.compile(r"[\"']--[a-z][a-z0-9\-]*[\"'][ \t]*:[ \t]*[\"']$")
_SDP_ICE_BEFORE = re.compile(r"(?:^|[\s\"']|\\n)a=ice-(?:pwd|ufrag):$")  # a line of SDP text, or one after "\n"


# (session 13) ids the LLM APIs give their objects, as responses, traces and test recordings print them: Anthropic's
# message / tool-use / batch ids (msg_01..., toolu_01..., on Bedrock toolu_bdrk_01..., on Vertex msg_vrtx_01...),
# OpenAI's chatcmpl-..., call_..., asst_..., thread_..., run_..., resp_...; their keys start sk-, never so
_LLM_OBJECT_ID = re.compile(r"^(?:(?:toolu|srvtoolu|msg|msgbatch|call|asst|thread|run|step|batch|resp|fc|vs|req)_"
                            r"(?:bdrk_|vrtx_)?|chatcmpl-)[A-Za-z0-9]{16,64}$")
# (session 13) a password hash in the Modular Crypt Format a login server stores (htpasswd, Dex's staticPasswords,
# /etc/shadow): bcrypt $2a$/$2b$/$2y$<cost>$<53>, sha256/512-crypt $5$/$6$[rounds=N$]<salt>$<hash>, MD5-crypt $1$ and
# Apache's $apr1$, argon2 $argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>, Django's pbkdf2_sha256$<iter>$<salt>$<hash>,
# Jupyter's hashed server password (argon2:$argon2id$..., legacy sha1:<12 hex salt>:<40 hex>)
_CRYPT_HASH = re.compile(
    r"^(?:\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}|\$[156]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,86}"
    r"|\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}|(?:argon2:)?\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"
    r"|pbkdf2_sha(?:1|256|512)\$\d+\$[A-Za-z0-9]+\$[A-Za-z0-9+/]+={0,2}"
    r"|sha(?:1|256|512):[0-9a-f]{12}:[0-9a-f]{40,128})$"
)
# (session 14) a jQuery event namespace or a CSS class selector (Bootstrap's DATA_API_KEY = '.data-api'): a dot,
# then lower-case words joined by - or _; no drawn value opens with a dot
_DOTTED_NAMESPACE = re.compile(r"^\.[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
# (session 14) a PDF hex string after a name of the document's dictionary (/Keywords <DC61...>, /ID [<...>])
_PDF_HEX_BEFORE = re.compile(r"/[A-Z][A-Za-z]*[ \t]*\[?[ \t]*<$")
_HEX = re.compile(r"^[0-9A-Fa-f]+$")
# (session 14) a type in a docstring's argument list (token_level_rewards: `(torch.Tensor)`): a dotted name ending in
# a class, in parentheses or backticks
_DOC_TYPE = re.compile(r"^\(?(?:[A-Za-z_]\w*\.)+[A-Z]\w*\)?$")
_TABLE_SEPARATOR = re.compile(r"^\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")


def table_column_header(text: str, start: int) -> str | None:
    """The header of the Markdown table column that holds ``text[start]`` (``| env | `client_id` | domain |``), with
    its backticks and spaces stripped; None when the line is no table row or the header is more than 40 rows up."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    row = text[line_start:len(text) if line_end < 0 else line_end]
    if not row.lstrip().startswith("|"):
        return None
    column = row[: start - line_start].count("|") - 1
    above = text[max(0, line_start - 8000):line_start].split("\n")[:-1]
    for index in range(len(above) - 1, max(-1, len(above) - 41), -1):
        if _TABLE_SEPARATOR.match(above[index].strip()) and index > 0:
            cells = above[index - 1].strip().strip("|").split("|")
            return cells[column].strip().strip("`*_ ") if 0 <= column < len(cells) else None
        if not above[index].lstrip().startswith("|"):
            return None
    return None


def format_value(secret: str, line: str, at: int, *, path: str) -> str | None:
    """Why ``secret`` (at column ``at`` of ``line``) is not a credential by its format or syntax; or None."""
    before, after = line[:at], line[at + len(secret) :]
    if _DBM_INDEX_FILE.search(path) and _DBM_INDEX_LINE.match(line.strip()):
        return "a key of a Python dbm.dumb / shelve index ('<key>', (offset, size)): a cache's lookup key"
    if UUID_SHAPE.match(secret) and _INSTRUMENTATION_KEY_NAME.search(before):
        return "an Application Insights instrumentation key: an ingestion id, documented as not a secret"
    if _ATTRIBUTE_MAP_KEY.search(before) and _ATTRIBUTE_MAP_TYPE.match(after) and _FIELD_NAME.match(secret):
        return "a serializer's attribute map ({'key': <wire name>, 'type': ...}): a field's name"
    if FULL_SHA.match(secret) and _REPOSITORY_LINK_BEFORE.search(before):
        return "a commit pinned after a repository link (repo @ <sha>)"
    if _MACOS_TEMPORARY.match(secret):
        return "a macOS per-user temporary folder (/var/folders/../T/) in a saved traceback"
    if _CONSTANT_REFERENCE.match(secret) and not drawn_shape(secret.rsplit(".", 1)[-1]):
        return "a reference to a constant or an environment variable (process.env.NAME), not a literal"
    if secret in _JS_TYPES and _TYPEOF_BEFORE.search(before):
        return 'the type name of a typeof test (typeof x === "string")'
    if _FLAG_KEY_BEFORE.search(before) and not drawn_shape(secret):
        return 'a table keyed by command-line flags ("--api-key": "Connection")'
    if _CRYPT_HASH.match(secret):
        return "a password hash in Modular Crypt Format (bcrypt $2y$, sha512-crypt $6$, argon2): what a server stores"
    if _LLM_OBJECT_ID.match(secret):
        return "an LLM API's object id (toolu_..., msg_..., chatcmpl-...): names a message or a call, opens nothing"
    if _DOTTED_NAMESPACE.match(secret):
        return "an event namespace or a CSS class selector ('.data-api'): a dot, then words"
    if path.lower().endswith(".pdf") and _HEX.match(secret) and _PDF_HEX_BEFORE.search(before):
        return "a PDF hex string of the document's dictionary (/Keywords <...>, /ID [<...>]): metadata, not a key"
    if _DOC_TYPE.match(secret) and before.rstrip()[-1:] in ("`", "("):
        return "a type in a docstring's argument list (name: `(torch.Tensor)`): a class, not a literal"
    if _SDP_ICE_BEFORE.search(before):
        return "an SDP ICE password (a=ice-pwd:): drawn per session and sent to the peer in the offer (RFC 8839)"
    return None
