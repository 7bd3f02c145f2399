"""Values a person typed in a generic rule's place that stand in for a secret, and products' default credentials.

Session 10 read the reports of ten new dev repositories (Prefect, Langfuse, AutoGen, CrewAI, Chroma, ...)
and found stand-ins the placeholder vocabulary misses because they are spelt, not named:

* the vocabulary in leetspeak: ``p@ssw0rd``, ``s3cr3t``, ``P4ssw0rd!`` (a word of the vocabulary once its
  digits and symbols are read back as letters). Such a word is also a weak password people deploy, so it is
  reported at low with the reason, not dropped;
* an instruction in camelCase: ``yourTopSecretPassword``, ``yourApiKey`` (``your_password`` is already one).

The keyboard typed in order (``123456789:ABCdefGHIjklMNOpqrsTUVwxyz``, ``SAK123456789``) was not judged up to
session 10: the peers' test suites label such values positive (session 8 measured the loss, session 10 again: 10
peer positives). Session 11b judges it by its place as well as its shape: a value that is, past a short prefix
(``phx_``, ``sk-``), nothing but runs of the keyboard or the alphabet typed in order (``1234567890abcdef``,
``qwerty123``, ``asdfgh``) holds no drawn character, and in a docs / example file, a test or a comment it shows a
reader the shape of a key (``repo_context`` calls ``keyboard_run`` there only). It is reported at **low** with the
reason, not dropped: ``123456`` and ``qwerty123`` head every list of breached passwords. Anywhere else it keeps its
rule's severity: the peers' suites label ``abcdef1234567890`` in a plain file a key in use (127 of their cases).

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

import base64
import re

from mlsecure.secrets.detectors.generic import UUID_SHAPE

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
    # the JDK's keytool docs: the cacerts keystore's initial password is changeit (keytool -storepass changeit)
    "changeit": "the JDK cacerts keystore",
}


def read_leet(value: str) -> str:
    """``Meltan0admin`` -> ``Meltanoadmin``: digits and symbols written for letters read back as the letters."""
    return value.translate(_LEET)


def leet_stand_in(value: str) -> bool:
    """``p@ssw0rd``, ``s3cr3t``, ``P4ssw0rd!``: the placeholder vocabulary with letters written as digits or
    symbols (at least one such substitution: ``password`` itself is the placeholder list's)."""
    trailing = value.rstrip("!?.")
    if len(trailing) < 5 or not re.search(r"[0-9@!]", value) or re.search(r"[^A-Za-z0-9@!?._-]", value):
        return False
    read = read_leet(trailing).lower()
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


# (session 14) and between letters and digits: TestPass1 -> Test, Pass, 1
_SELF_NAMED_SPLIT = re.compile(r"[-_.]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)")
_CREDENTIAL_WORDS = frozenset({"password", "passwd", "pswd", "pwd", "pass", "passphrase", "secret", "token", "apikey",
                               "key", "credential", "credentials", "creds"})
_STAND_IN_WORDS = frozenset({"test", "testing", "tests", "dev", "development", "example", "examples", "demo",
                             "sample", "dummy", "fake", "mock", "insecure", "unsafe", "placeholder", "changeme",
                             "local", "localdev"})


# keys typed in order: digits (0 after 9), the alphabet, the three letter rows of a QWERTY keyboard; and the digits
# and the alphabet typed backwards (session 13: ``abc123XYZ987``, a Helm tutorial's API key, runs up and down)
_ORDERED = ("1234567890", "0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm",
            "9876543210", "0987654321", "zyxwvutsrqponmlkjihgfedcba")
_RUN_PREFIX = re.compile(r"^[A-Za-z]{1,6}[-_]|^[A-Z]{2,4}(?=\d)")  # (session 14: up to 6, GOCSPX-)


def keyboard_run(value: str) -> bool:
    """``phx_1234567890abcdef``, ``qwerty123``, ``12345678-1234-1234-1234-123456789012``: past an optional short
    prefix, pieces (split at ``-`` ``_`` ``.`` ``/`` ``:``) made only of runs of 3+ keys typed in order, 6+ such keys in
    all: a few hundred strings of 6 keys are such runs, against 36 ** 6 drawn ones."""
    rest = _RUN_PREFIX.sub("", value, count=1)
    pieces = [p for p in re.split(r"[-_./:]", rest) if p]  # abc123/def456/ghi789, 123456789:ABCdef...
    if not pieces or sum(map(len, pieces)) < 6:
        return False
    return all(_runs_only(piece.lower()) for piece in pieces)


def _runs_only(piece: str) -> bool:
    """``piece`` splits into runs of 3+ consecutive keys of one ordered row (greedy longest run first)."""
    at = 0
    while at < len(piece):
        longest = max(_run_length(piece, at, row) for row in _ORDERED)
        if longest < 3 and not (at > 0 and at + longest == len(piece) and longest == 2):
            return False  # a short run only closes a piece (123456789012: the row, then 12 again)
        at += longest
    return True


def _run_length(piece: str, at: int, row: str) -> int:
    """How many keys of ``row`` typed in order start at ``piece[at]`` (0 if that key is not in the row)."""
    index = row.find(piece[at])
    if index < 0:
        return 0
    length = 1
    while at + length < len(piece) and index + length < len(row) and piece[at + length] == row[index + length]:
        length += 1
    return length


_LABEL_WORD = re.compile(r"^(?:[A-Z][a-z]+|[A-Z]{2,5})$")
_LABEL_NOUNS = frozenset({"key", "secret", "password", "passphrase", "token", "credential", "credentials"})


def credential_label(value: str) -> bool:
    """``Langfuse Secret Key``, ``Admin Password``: two to five capitalised words (or acronyms), the last naming
    a credential. Docs write such a label in the value's place to say which credential goes there; a passphrase
    is not written in title case ending in what it is."""
    words = value.split(" ")
    return 2 <= len(words) <= 5 and all(_LABEL_WORD.match(w) for w in words) \
        and words[-1].lower() in _LABEL_NOUNS




def case_mixed_uuid(value: str) -> bool:
    """``AB832ABC-fc98-4c73-a0bd-c4708e6479d9``: a UUID with upper- and lower-case hex letters. No UUID library
    prints mixed case: a test upper-cased part of ``uuid4()`` to pass a password policy (session 11b, Determined's
    end-to-end tests). Judged in tests only, where a fixture draws a fresh password for each run."""
    mixed = any(c in "ABCDEF" for c in value) and any(c in "abcdef" for c in value)
    return UUID_SHAPE.match(value) is not None and mixed


_NAME_PIECES = re.compile(r"[ _\-.]+|(?<=[a-z])(?=[A-Z])")


def vocabulary_name(value: str) -> bool:
    """``apiKey``, ``test key``, ``mySecretToken``: the placeholder vocabulary written as a camelCase name or as
    words (session 12: ``new ApiKeyCredential("apiKey")`` in .NET unit tests). A name or a label of what goes
    there; a word run together (``supersecret``, ``testkey``) is left alone, as a weak password may be one."""
    if " " not in value and not re.search(r"[a-z][A-Z]", value):
        return False
    pieces = [p.lower() for p in _NAME_PIECES.split(value) if p]
    return len(pieces) >= 2 and all(p.isalpha() for p in pieces) and _VOCABULARY.match("".join(pieces)) is not None


# the verbs an instruction in a template opens with: BOT_SECRET="copy from the portal, under Settings > Security"
_INSTRUCTION_VERBS = frozenset({"copy", "paste", "get", "put", "insert", "enter", "replace", "fill", "obtain",
                                "generate", "create", "find", "add", "retrieve", "grab", "fetch"})


def instruction(value: str) -> bool:
    """A value of 3+ words opening with an imperative verb (``copy from Copilot Studio, under Settings``): what to
    do to get the credential, in a template's value place (session 12). A passphrase does not open by telling the
    reader to copy or paste something."""
    words = value.split()
    return len(words) >= 3 and words[0].lower() in _INSTRUCTION_VERBS and words[0].isalpha()


def counting_bytes(value: str) -> bool:
    """``AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=``, ``000102030405060708090a0b``: base64 or hex of 8+ bytes
    that count up by one (``bytes(range(32))``): test data made by a program; n drawn bytes do so at 256^-(n-1)."""
    raw: bytes | None = None
    if re.fullmatch(r"(?:[0-9a-fA-F]{2}){8,}", value):
        raw = bytes.fromhex(value)
    elif re.fullmatch(r"[A-Za-z0-9+/_\-]{11,}={0,2}", value):
        try:
            raw = base64.b64decode(value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4), validate=True)
        except ValueError:
            return False
    if raw is None or len(raw) < 8:
        return False
    return all((raw[i + 1] - raw[i]) % 256 == 1 for i in range(len(raw) - 1))


def typed_stand_in(value: str) -> str | None:
    """Why ``value`` is a typed stand-in (leetspeak, a label naming the credential, a camelCase instruction, the
    vocabulary as a name, an instruction in words, bytes counting up), or None."""
    if leet_stand_in(value):
        return "the placeholder vocabulary in leetspeak (p@ssw0rd, s3cr3t)"
    if credential_label(value):
        return "a label that names the credential (password: Langfuse Secret Key): what goes there, not it"
    if _YOUR_CAMEL.match(value):
        return "an instruction in camelCase (yourTopSecretPassword)"
    if vocabulary_name(value):
        return "the placeholder vocabulary written as a name (apiKey, test key): what goes there, not it"
    if instruction(value):
        return "an instruction in the value's place (copy from the portal, under Settings > Security)"
    if counting_bytes(value):
        return "bytes counting up by one (bytes(range(32)) in base64 or hex): test data, not a draw"
    return None


def default_credential(value: str) -> str | None:
    """The product whose documented default credential ``value`` is, or None."""
    return _DEFAULTS.get(value.lower())
