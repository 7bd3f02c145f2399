"""What a generic finding's value is when it is code or data in a credential's place, not a literal credential.

Session 10 read the reports of ten new dev repositories (Prefect, Langfuse, AutoGen, CrewAI, Chroma, ...):
each class below was found in several files, and is decided by the value's own syntax or by the few
characters around it, never by a repository's names:

* a list of field names: ``"secret_fields": ["minio_root_password", "credentials.token"]`` (a schema saying
  which fields are secret);
* a Python string forward reference annotating a parameter: ``credentials: "RedisDatabase",``;
* a string built at run time: ```sk-lf-org-${randomUUID().substring(0, 8)}```, ``"${_creds#*:}"`` (a JS
  template literal or a shell expansion with an operator), where what is left outside ``${...}`` is no draw;
* a decimal number: ``"cached_content_token_count": 0.125e-6``;
* a commit pin: ``uses: aws-actions/configure-aws-credentials@<40 hex>`` (an action or package pinned to a
  commit, the practice GitHub recommends);
* a W3C trace context header: ``traceparent: 00-<32 hex>-<16 hex>-01`` (ids of a trace and a span);
* a package manager's version specifier: ``"@aws-sdk/credential-providers": "catalog:"``, or a version range
  (``'@aws-sdk/credential-provider-node': '>=3.972.0 <4'`` in a pnpm lockfile; session 11);
* a Python f-string's replacement field holding an expression (``f"Secret '{sorted(failures)[0]}'"``; session 11);
* a display label that spells its own key's provider: ``"OPENAI_API_KEY": "OpenAI"`` (``names_its_own_key``).

The default of a shell expansion, ``${POSTGRES_PASSWORD:-postgres}``, is a real value a stack starts with when
the variable is unset: reported, and at low when it is a typed word (see ``default_of_expansion``).
"""

from __future__ import annotations

import re

from mlsecure.secrets.detectors.context import drawn_shape

_IDENTIFIER_LIST = re.compile(r"^\[[ \t]*(?:[\"'][a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*[\"'][ \t]*,?[ \t]*)+\]?,?$")
_PARAMETER_ANNOTATION_BEFORE = re.compile(r"(?:^|[(,\s])[A-Za-z_]\w*[ \t]*:[ \t]*[\"']$")
_PARAMETER_ANNOTATION_AFTER = re.compile(r"[\"'][ \t]*(?:,|\)|$)")
_TYPE_NAME = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z][A-Za-z0-9]*(?:\[[\w., \[\]]*\])?$")
# ${expression}: a name chain with calls (${randomUUID().substring(0, 8)}), a string's method (${"a".repeat(9)}),
# or a shell expansion with an operator (${creds#*:}); closed, or cut where the value was cut
_INTERPOLATION = re.compile(
    r"\$\{(?:[A-Za-z_$][\w$]*|\"[^\"]*\"|'[^']*')(?:\.[A-Za-z_$][\w$]*|\([^)]*\)?)*"
    r"(?:[#%/:^,][^}]*)?(?:\}|$)"
)
# ``$0``..``$9`` and Monarch's ``$S2``: a match group substituted into a string at run time (session 13), standing as
# a piece of a dotted token class (``string.$1.delim``); ``sunshine$1`` is a typed password with a symbol and a digit
_BACK_REFERENCE = re.compile(r"(?:^|(?<=[.\-]))\$(?:S?\d|#)(?=[.\-]|$)")
_DOTTED_WORDS = re.compile(r"^[a-z]+(?:[.\-]+[a-z]*)*$")
# ``.types``, ``..client.auth``: a module named relative to its package (importlib.import_module(name, package))
_RELATIVE_MODULE = re.compile(r"^\.{1,3}[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*$")
# a decimal number (a digit string alone may be a numeric token: trufflehog's Vbout keys are 25 digits)
_NUMBER = re.compile(r"^[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?[,;]?$|^[-+]?\d+[eE][-+]?\d+[,;]?$")
_COMMIT_PIN_BEFORE = re.compile(r"[\w.\-]+/[\w.\-/]+@$")
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
_PACKAGE_SPECIFIER = re.compile(r"^(?:catalog|workspace|npm|link|file|portal|patch):[\w@./^~*\-]*$")
_VERSION_RANGE = re.compile(r"^(?:[<>=~^!]=?[ \t]*v?\d+(?:\.\d+){0,3}(?:[-+][\w.]+)?[ \t]*(?:\|\|[ \t]*)?)+$")
_FSTRING_FIELD = re.compile(r"^\{[^{}\n]*[(\[][^{}\n]*\}$")
_FSTRING_OPEN = re.compile(r"\b[fF][rR]?(?:\"[^\"]*|'[^']*)$")
_PROVIDER_KEY_NAME = re.compile(
    r"(?i)^(?P<provider>[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)*?)_(?:api_?key|api_?token|token|key)$"
)
_DISPLAY_LABEL = re.compile(r"^[A-Z][A-Za-z0-9]*(?: [A-Z][A-Za-z0-9]*){0,3}$")
_EXPANSION_DEFAULT_BEFORE = re.compile(r"\$\{[A-Za-z_]\w*:?$")


def code_value(secret: str, line: str, at: int, *, path: str) -> str | None:
    """Why ``secret`` (at column ``at`` of ``line``) is code or data, not a credential; or None."""
    before, after = line[:at], line[at + len(secret) :]
    if _IDENTIFIER_LIST.match(secret) and not drawn_shape(secret):
        return "a list of field names (which fields are secret), not a value"
    if (
        path.endswith((".py", ".pyi"))
        and _PARAMETER_ANNOTATION_BEFORE.search(before)
        and _PARAMETER_ANNOTATION_AFTER.match(after)
        and _TYPE_NAME.match(secret)
        and not drawn_shape(secret)
    ):
        return 'a Python string annotation of a parameter (credentials: "RedisDatabase")'
    if "${" in secret and not _EXPANSION_DEFAULT_BEFORE.search(before):
        rest = _INTERPOLATION.sub("", secret)
        if rest != secret and not drawn_shape(rest.strip("`'\"")):
            return "a string built at run time (${...} interpolation), no drawn part outside it"
    if _RELATIVE_MODULE.match(secret) and path.endswith((".py", ".pyi")):
        return "a relative module path (a lazy-import table: \"OrganizationApiKey\": \".organizations\")"
    if (rest := _BACK_REFERENCE.sub("", secret)) != secret and _DOTTED_WORDS.match(rest):
        return "a name built from a regex match ($1, $S2 in \"string.$1.delim\"): a syntax highlighter's token class"
    if _NUMBER.match(secret):
        return "a number"
    if FULL_SHA.match(secret) and _COMMIT_PIN_BEFORE.search(before):
        return "a commit pin (owner/repo@<sha>): a dependency pinned to a commit"
    if _TRACEPARENT.match(secret):
        return "a W3C trace context (traceparent: version-trace id-span id-flags)"
    if _PACKAGE_SPECIFIER.match(secret) and path.endswith("package.json"):
        return "a package manager's version specifier (catalog:, workspace:)"
    if _VERSION_RANGE.match(secret):
        return "a version range ('>=3.972.0 <4': a dependency's constraint in a lockfile or manifest)"
    if _FSTRING_FIELD.match(secret) and _FSTRING_OPEN.search(before):
        return "a replacement field of a Python f-string ({sorted(names)[0]}): an expression"
    return None


def names_its_own_key(secret: str, name: str) -> bool:
    """``"OPENAI_API_KEY": "OpenAI"``, ``"AZURE_OPENAI_API_KEY": "Azure OpenAI"``: a display label that spells the
    provider part of the key's own name (a table of which variable belongs to which provider). Only for API keys and
    tokens: ``ADMIN_PASSWORD: Admin`` is a weak password in use and stays reported."""
    named = _PROVIDER_KEY_NAME.match(name.strip("\"'` \t"))
    if named is None or _DISPLAY_LABEL.match(secret) is None:
        return False
    return re.sub(r"[^a-z0-9]", "", secret.lower()) == re.sub(r"[^a-z0-9]", "", named.group("provider").lower())


def default_of_expansion(secret: str, before: str) -> str | None:
    """The default of ``${NAME:-default}`` when ``secret`` is its ``-default`` part, else None."""
    if not secret.startswith("-") or _EXPANSION_DEFAULT_BEFORE.search(before) is None:
        return None
    return secret[1:].rstrip("}\"'`") or None
