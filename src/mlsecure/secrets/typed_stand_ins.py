"""Values a person typed in a generic rule's place that stand in for a secret, and products' default credentials.

Session 10 read the reports of ten new dev repositories (Prefect, Langfuse, AutoGen, CrewAI, Chroma, ...)
and found stand-ins the placeholder vocabulary misses because they are spelt, not named:

* the vocabulary in leetspeak: ``p@ssw0rd``, ``s3cr3t``, ``P4ssw0rd!`` (a word of the vocabulary once its
  digits and symbols are read back as letters). Such a word is also a weak password people deploy, so it is
  reported at low with the reason, not dropped;
* an instruction in camelCase: ``yourTopSecretPassword``, ``yourApiKey`` (``your_password`` is already one).

The keyboard typed in order (``123456789:ABCdefGHIjklMNOpqrsTUVwxyz``, ``SAK123456789``) is not judged here: the
peers' test suites label such values positive (session 8 measured the loss, session 10 again: 10 peer positives),
so they stay reported.

Session 11 added values that name their own kind and say they stand in (``pg-test-pswd``,
``dev-secret-for-ldap-testing-only-12345678``): words joined by ``-`` / ``_`` with a credential word and a
stand-in word (``test``, ``dev``, ``example``, ``insecure``) among them. ``admin_password`` alone is kept: it
may be a weak password in use.

A product's documented default credential (``minioadmin``, ``ollama``) is another case: it is a real
credential of a real install, so it is reported, but at **low** with the reason, as the typed password of a
local stack is: the finding says "change the default", not "rotate a leaked key".

Only generic rules are judged here (``repo_context`` calls this for them); a provider format keeps its own
verdict, as a provider's test strings are often typed in the provider's shape.
"""

from __future__ import annotations

import re

# credential words a person writes as a stand-in; read after undoing leetspeak
_VOCABULARY = re.compile(
    r"^(?:my|your|the|some|super|test|dummy|sample|default)?(?:pass(?:word|wd|phrase)?|secret|"
    r"token|api[-_]?key|key|admin|letmein|changeme|qwerty)+(?:[-_]?(?:key|token|value|here))?$"
)
# ``$`` for s is left out: Nosey Parker's generic-password tests label ``super$ecret`` a password in use
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "!": "i"})
_YOUR_CAMEL = re.compile(r"^your(?:[A-Z][a-z]+)+\d{0,4}[!?.]?$")
# a product's documented default credential: value -> the product (each from its vendor's install docs)
_DEFAULTS = {
    "minioadmin": "MinIO",  # MinIO server: MINIO_ROOT_USER / MINIO_ROOT_PASSWORD default to minioadmin
    "ollama": "Ollama",  # Ollama's OpenAI-compatible API: api_key="ollama" is required by clients, ignored by it
    "lm-studio": "LM Studio",  # LM Studio's local server: any key, the docs write "lm-studio"
    "guest": "RabbitMQ",  # RabbitMQ: user guest / password guest, accepted from localhost only
    "5241590000000000": "Ray",  # Ray: the default password of its Redis (ray_constants.REDIS_DEFAULT_PASSWORD)
}


def leet_stand_in(value: str) -> bool:
    """``p@ssw0rd``, ``s3cr3t``, ``P4ssw0rd!``: the placeholder vocabulary with letters written as digits or
    symbols (at least one such substitution: ``password`` itself is the placeholder list's)."""
    trailing = value.rstrip("!?.")
    if len(trailing) < 5 or not re.search(r"[0-9@!]", value) or re.search(r"[^A-Za-z0-9@!?._-]", value):
        return False
    read = trailing.translate(_LEET).lower()
    return read != trailing.lower() and _VOCABULARY.match(read) is not None


def self_named(value: str) -> str | None:
    """Why ``value`` is a stand-in that says so: words joined by ``-`` / ``_`` / ``.`` (short numbers allowed)
    that name a credential and say it is a test / dev / example one (``dev-secret-for-ldap-testing-only-1234``,
    ``pg-test-pswd``); None otherwise. Without such a word (``smtp_password``, ``admin_password``) the value may be
    a weak password in use: the peers' suites label ``SMTP_PASSWORD=smtp_password`` positive, so it is kept (a
    compose or docs file reports it at low as any typed password there)."""
    pieces = [p for p in _SELF_NAMED_SPLIT.split(value) if p]
    if len(pieces) < 2 or len(value) > 64:
        return None
    words = [p.lower() for p in pieces if p.isalpha()]
    if len(words) + sum(p.isdigit() and len(p) <= 10 for p in pieces) != len(pieces):
        return None
    if not _CREDENTIAL_WORDS.intersection(words):
        return None
    if _STAND_IN_WORDS.intersection(words):
        return "a value that names itself a test / dev / example credential (pg-test-pswd)"
    return None


_SELF_NAMED_SPLIT = re.compile(r"[-_.]+|(?<=[a-z])(?=[A-Z])")
_CREDENTIAL_WORDS = frozenset({"password", "passwd", "pswd", "pwd", "passphrase", "secret", "token", "apikey",
                               "key", "credential", "credentials", "creds"})
_STAND_IN_WORDS = frozenset({"test", "testing", "tests", "dev", "development", "example", "examples", "demo",
                             "sample", "dummy", "fake", "mock", "insecure", "unsafe", "placeholder", "changeme",
                             "local", "localdev"})


def typed_stand_in(value: str) -> str | None:
    """Why ``value`` is a typed stand-in (leetspeak, a camelCase instruction), or None."""
    if leet_stand_in(value):
        return "the placeholder vocabulary in leetspeak (p@ssw0rd, s3cr3t)"
    if _YOUR_CAMEL.match(value):
        return "an instruction in camelCase (yourTopSecretPassword)"
    return None


def default_credential(value: str) -> str | None:
    """The product whose documented default credential ``value`` is, or None."""
    return _DEFAULTS.get(value.lower())
