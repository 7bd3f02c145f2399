"""Values of ML example collections and their data that a keyword or entropy rule reads as a credential.

Session 13c read example / tutorial collections of ML platforms and serving / feature-store projects (the kind of
repository the report half holds) and found classes each decided by a published format or by the text around the
value, never by a project's names:

* an experiment tracker's run id named as one: ``experimentKey=<32 hex>`` in an asset URL a notebook printed,
  ``EXPERIMENT_KEY = "<32 hex>"``, ``source_experiment_key='<32 hex>'``, and the id closing a
  ``api.get("workspace", "project", "<32 hex>")`` path: the key that looks a run up, shown on its public page;
* an OpenPGP fingerprint or key id (``gpg --recv-keys <40 hex>``, ``ENV GPG_KEY <40 hex>``): a public key's name,
  published on key servers so that anyone can verify a download;
* a format field in a secret's place (``password={1},ssl=True`` in an ARM template's ``format()``): filled at deploy;
* the name of a variable that holds the secret (``gpg-passphrase: ORG_GRADLE_PROJECT_signingInMemoryKeyPassword``,
  as GitHub's setup-java takes the name of an environment variable): words, one of them a credential word.

Three more stay visible at **low** (``low_reason``): a row of a text data set (a CSV of scraped issue text quotes
what strangers pasted; it configures nothing here), a keyword inside a minified script a notebook output embeds
(a charting library's bundle), and a cookie a server set in a printed HTTP response (an error dump's ``Set-Cookie``).

Session 14 (notebook / tutorial collections) added: an interpolated expression in the value's place
(``"{azureOpenAIKey.GetClearTextPassword()}"``), a name in upper case joined by ``-``
(``"AZURE-CONTENT-UNDERSTANDING-KEY"``), a pointer in words (``"from app settings"``); at low, a package's long
description in JSON metadata (pip's ``--report``: other packages' READMEs, their code examples quoted); and
``replace_comment``, a comment after a typed value telling the reader to change it (``# change password here``).
"""

from __future__ import annotations

import re

# a tracker's run / experiment / asset id named as one (EXPERIMENT_KEY, experimentKey=, source_experiment_key=)
_RUN_KEY_BEFORE = re.compile(
    r"(?i)(?:^|[^a-z0-9])(?:[a-z]+_)?(?:experiment|run|trial|sweep|asset|artifact)[_\-]?key"
    r"[\"']?[ \t]*[:=][ \t]*[\"']?$"
)
# the last of three string arguments of a get call: workspace, project, run id (api.get("ws", "proj", "<id>"))
_TRACKER_PATH_BEFORE = re.compile(
    r"\.get\w*\([ \t]*[\"'][\w.\-]+[\"'][ \t]*,[ \t]*[\"'][\w.\-]+[\"'][ \t]*,[ \t]*"
    r"[\"']$"
)
_RUN_ID = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
# OpenPGP: a v4 fingerprint (40 hex) or a long / short key id (16 / 8 hex), after gpg's receive flag or a GPG key name
_PGP_ID = re.compile(r"^(?:0x)?(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{16})$")
_PGP_BEFORE = re.compile(
    r"(?i)(?:--recv-keys?|--recv)[ \t]+(?:(?:0x)?[0-9a-f]{8,40}[ \t]+)*$"
    r"|(?:^|[^a-z])(?:gpg|pgp)[_\-]?(?:keys?|key[_\-]?id|fingerprint)[\"']?"
    r"(?:[ \t]*[:=][ \t]*|[ \t]+)[\"']?$"
)
# {1}, {name}; (session 14) an interpolated expression: $"...{azureOpenAIKey.GetClearTextPassword()}" (C#), f"{cfg.key}"
_FORMAT_FIELD = re.compile(r"^\{(?:\d+|[A-Za-z_][\w.]*(?:\(\))?)?\}(?:[,;&'\")\s].*)?$", re.DOTALL)
_NAME_PIECES = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
_CREDENTIAL_PIECES = frozenset(
    {"password", "passwd", "passphrase", "secret", "token", "key", "credential", "credentials"}
)
_VOWEL = re.compile(r"[aeiouy]", re.IGNORECASE)
_DATA_SUFFIXES = (".csv", ".tsv")
_WORD = re.compile(r"\b[A-Za-z]{2,}\b")
# (session 14) core metadata's Description (README) as JSON carries it: pip install --report's "metadata", PyPI's JSON
_PACKAGE_DESCRIPTION = re.compile(r'^[ \t]*"(?:description|long_description)"[ \t]*:[ \t]*"')
# (session 14) a pointer in words to where the value lives: "from app settings", "see the README", "in Key Vault"
_WHERE_IT_COMES_FROM = re.compile(r"^(?:from|see|in|via)(?: [A-Za-z]{2,}){1,6}\.?$")
# (session 14) a comment closing the line that says to put one's own value there: # change password here, // replace
# with your key, # TODO: set your token
_REPLACE_COMMENT = re.compile(
    r"(?i)^[\"'`]?[,;)]*[ \t]*(?:#|//)[ \t]*(?:todo:?[ \t]*)?(?:change|replace|update|set|put|enter|insert|fill"
    r"|use)\b[^\n]{0,40}?\b(?:here|this|yours?|own|before|later)\b"
)
_SET_COOKIE_BEFORE = re.compile(r"(?i)set-cookie[\"']?[ \t]*:[ \t]*[\"']?[\w.\-]+=$")


def example_value(secret: str, before: str) -> str | None:
    """Why ``secret`` (``before``: the text before it on its line) is no credential, or None."""
    if _RUN_ID.match(secret) and (_RUN_KEY_BEFORE.search(before) or _TRACKER_PATH_BEFORE.search(before)):
        return "an experiment tracker's run / experiment id named as one (experimentKey=, a workspace/project/id path)"
    if _PGP_ID.match(secret) and _PGP_BEFORE.search(before):
        return "an OpenPGP fingerprint or key id (gpg --recv-keys, GPG_KEY): a public key's published name"
    if _FORMAT_FIELD.match(secret):
        return "a format field in the value's place (password={1}): filled in when the string is formatted"
    if _variable_name(secret):
        return "the name of a variable that holds the secret (ORG_GRADLE_PROJECT_signingInMemoryKeyPassword)"
    if _WHERE_IT_COMES_FROM.match(secret):
        return "where the value comes from, in words (from app settings, see the README): a pointer, not the value"
    return None


def replace_comment(after: str) -> bool:
    """``after`` (the line past the value) opens with a comment telling the reader to put their own value there."""
    return _REPLACE_COMMENT.match(after) is not None


def low_reason(line: str, before: str, *, path: str) -> str | None:
    """Why a finding on ``line`` is reported at low (visible, not failing): its text is data or code of others."""
    if path.lower().endswith(".json") and _PACKAGE_DESCRIPTION.match(line) and line.count("\\n") >= 10:
        return ("a package's long description in JSON metadata (pip's installation report, PyPI's JSON API): the "
                "README of someone else's package, its examples quoted as text")
    if path.lower().endswith(_DATA_SUFFIXES) and len(_WORD.findall(line)) >= 25:
        return "a row of a text data set (a CSV of scraped prose): quoted text, not this project's configuration"
    if path.lower().endswith(".ipynb") and _minified(line):
        return "inside a minified script (a charting bundle in a notebook output): a keyword there is code"
    if _SET_COOKIE_BEFORE.search(before):
        return "a cookie a server set in a printed HTTP response (an error dump's Set-Cookie): a visitor's session"
    return None


def _minified(line: str) -> bool:
    """A 5,000+ character line with 20+ functions: a bundled script. Only a notebook's output embeds others' bundles;
    in a .js / .html file of the repository the bundle is the project's own build, and a key in it ships to users."""
    return len(line) >= 5000 and line.count("function") + line.count("=>") >= 20


def _variable_name(value: str) -> bool:
    """Four or more word pieces joined by ``_`` and camelCase, letters only, one a credential word: a name. (Session
    14) upper-case words joined by ``-`` too: ``AZURE-CONTENT-UNDERSTANDING-KEY``, a name spelt in a label's place."""
    if value.isupper() and "-" in value and "_" not in value:
        value = value.replace("-", "_")
    if "_" not in value or not value.replace("_", "").isalpha():
        return False
    pieces = _NAME_PIECES.findall(value)
    if len(pieces) < 4 or "".join(pieces) != value.replace("_", ""):
        return False
    return any(p.lower() in _CREDENTIAL_PIECES for p in pieces) and all(_VOWEL.search(p) for p in pieces)
