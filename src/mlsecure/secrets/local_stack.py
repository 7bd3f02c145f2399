"""Typed credentials of a local stack or a documentation example: reported at low, not at medium.

A docker-compose file, a CI job, Helm values, a README or a docs page that starts a database for a tutorial
writes its password in clear (``POSTGRES_PASSWORD: postgres``, ``postgresql://postgres:postgres@localhost``,
``export ARCADEDB_PASSWORD=arcadedb``, ``MSSQL_SA_PASSWORD: ReallyStrongPwd1234%^&*``). Such a value is a
typed word, not a draw, and the stack it opens runs on the reader's machine. It is still a password in
clear, so it is reported - at low, with the reason - and a drawn value in the same place stays at its
rule's severity (a leaked production key is drawn, or it is a provider format another rule reports).

Session 12 adds two signs read in the lines around the value, whatever the file's name (``runs/config.yaml``,
``tools/k8s/multicluster.yaml``): the password repeats the user name written beside it (``username: postgres`` /
``password: postgres``, the pairs a local install starts with), or the same block connects to this machine
(``host: localhost``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from mlsecure.secrets.detectors.context import drawn_shape
from mlsecure.secrets.typed_stand_ins import read_leet

# generic assignment rules (keyword = value, command-line flags, env exports) and connection URLs
DEMOTABLE_RULES = frozenset({"SEC-016", "SEC-017", "SEC-021", "SEC-022", "SEC-023", "SEC-026"})

# files that describe or start a local stack: compose files, CI jobs, Helm values, docs and examples,
# *.example / *.sample templates
_LOCAL_FILE = re.compile(
    r"(?:^|/)(?:docker-)?compose[^/]*\.ya?ml$"
    r"|(?:^|/)\.github/workflows/|(?:^|/)\.gitlab-ci\.ya?ml$|(?:^|/)azure-pipelines[^/]*\.ya?ml$"
    r"|(?:^|/)\.circleci/|(?:^|/)(?:[^/]*[-_.])?values[^/]*\.ya?ml$"
    r"|(?:^|/)(?:docs?|docs-website|documentation|examples?|tutorials?|samples?|demos?)/"
    r"|\.(?:md|mdx|rst|adoc|example|sample|template|dist)$", re.IGNORECASE)
# a connection URL to this machine or to a compose service (one label, no dots: ``@db:5432``, ``@postgres``)
_LOCAL_HOST = re.compile(r"^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[?::1\]?|host\.docker\.internal|"
                         r"[a-z][a-z0-9_-]{0,30})$", re.IGNORECASE)
# one to six words, then at most a 4-digit number and short symbol runs: ``postgres``, ``my-db-password``,
# ``minio123``, ``SecureHaystack*2026``; a draw has letters after its digits or mixed-case noise
_TYPED = re.compile(r"^(?P<words>[A-Za-z]{2,}(?:[-_. ][A-Za-z]{2,}){0,5})[-_.@#!*%^&$]{0,4}[0-9]{0,4}"
                    r"[-_.@#!*%^&$]{0,4}$")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_AUTHORITY = re.compile(r"[^/?#\s'\"]*")
_INNER_SYMBOLS = re.compile(r"(?<=[A-Za-z])[$@=!*#]+(?=[A-Za-z])")
_VOWEL = re.compile(r"[aeiouy]", re.IGNORECASE)
# credential words people abbreviate without vowels (pg-test-pswd): words, not draws
_ABBREVIATIONS = frozenset({"pswd", "pwd", "psswd", "passwd"})


def typed_word(value: str) -> bool:
    """A person's password made of words (each a lower, Capitalised or upper-case run of 2+ letters with a
    vowel when 4+ long), optionally a short number and symbols: not a machine draw."""
    user, colon, password = value.partition(":")
    if colon and user and password and ":" not in password:  # user:password, both typed (admin:admin)
        return typed_word(user) and typed_word(password)
    value = unquote(value.replace("\\", ""))  # shell-escaped ``pa\\$\\$word``, URL-encoded ``p%3Dssword``
    # a word with up to two letters written as symbols (``pa$$word``, ``p=ssword``) reads as the word
    inner = _INNER_SYMBOLS.sub("", value)
    if inner != value and len(value) - len(inner) <= 2:
        value = inner
    match = _TYPED.match(value)
    if match is None or len(value) > 40 or drawn_shape(value):
        return False
    for segment in re.split(r"[-_. ]", match.group("words")):
        pieces = _CAMEL.findall(segment)
        if "".join(pieces) != segment:
            return False
        if any(len(p) < 2 or (len(p) >= 4 and not _VOWEL.search(p) and p.lower() not in _ABBREVIATIONS)
               for p in pieces):
            return False
    return True


def example_file(path: str) -> bool:
    """A compose / CI / Helm values / docs / example / template file: where a reader is shown a stack or a key.

    A notebook is one only under a docs / examples / tutorials folder: elsewhere it is where a team's real database
    password is typed (``conn = connect(password="Summer2024!")``), so a typed password there keeps its rule's severity
    (session 14 lead's decision: recall first)."""
    return _LOCAL_FILE.search(path.replace("\\", "/")) is not None


def compose_by_content(text: str, path: str) -> bool:
    """A YAML file that is a Compose file by what it holds (a top-level ``services:`` whose entries have an
    ``image:``, ``build:`` or ``environment:``), whatever its name: overrides passed with
    ``docker compose -f overrides/ldap.yml``."""
    return path.endswith((".yml", ".yaml")) and _COMPOSE_SERVICES.search(text) is not None \
        and _COMPOSE_SERVICE_KEY.search(text) is not None


_COMPOSE_SERVICES = re.compile(r"^services:[ \t]*(?:#.*)?$", re.MULTILINE)
_COMPOSE_SERVICE_KEY = re.compile(r"^[ \t]{4,}(?:image|build|environment):", re.MULTILINE)


def local_stack_reason(rule_id: str, secret: str, path: str, host: str | None, *, in_tests: bool,
                       after: str = "", compose: bool = False, document: bool = False) -> str | None:
    """Why a finding is a typed credential of a local stack or a docs example (reported at low), or None.

    ``after`` is the text right after the value: a URL whose authority holds a second ``@``
    (``user:Whheg@633MKLnzj@db``) has a password the URL pattern cut short, so it is never demoted. ``compose``:
    the file is a Compose file by its content (``compose_by_content``). ``document``: a notebook written to be read
    (``walk.tutorial_notebook``), shown like a docs file."""
    if rule_id not in DEMOTABLE_RULES:
        return None
    if not typed_word(secret):
        # a word in leetspeak (Meltan0admin, 0p3n-w3bu!) shown in a compose / docs / example file is typed as much as
        # the word is (session 12); elsewhere (mongodb://user:D1fficult@localhost) it keeps its rule's severity
        shown = compose or document or example_file(path)
        if not (shown and read_leet(secret) != secret and typed_word(read_leet(secret))):
            return None
    if rule_id == "SEC-016" and _AUTHORITY.match(after).group().count("@") != 1:  # type: ignore[union-attr]
        return None
    if compose or example_file(path):
        return "typed password in a compose / CI / Helm values / docs / example file (local stack)"
    if document:
        return "typed password in a notebook written to be read (a tutorial: markdown explains its code)"
    if rule_id == "SEC-016" and host is not None and _LOCAL_HOST.match(host) is not None:
        return "typed password of a connection URL to localhost or a compose service"
    if rule_id == "SEC-016" and in_tests:
        return "typed password of a connection URL in test code"
    return None


# ``user: postgres``, ``"username": "admin"``, ``POSTGRES_USER=app``, ``db_user = 'feast'``: a user name set beside it
_USER_SETTING = r"(?im)(?:^|[\s{,\"'])[\w.\-]*user(?:name)?[\"']?[ \t]*[:=][ \t]*[\"']?{value}[\"']?[ \t]*(?:[,#}}]|$)"
# ``host: localhost``, ``"host": "127.0.0.1"``, ``endpoint: "http://localhost:30002"``: the block connects here
_LOCAL_HOST_SETTING = re.compile(r"(?im)(?:^|[\s{,\"'])[\w.\-]*(?:host|hostname|server|endpoint|url|uri)[\"']?"
                                 r"[ \t]*[:=][ \t]*[\"']?(?:[a-z][a-z0-9+]*://)?(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|"
                                 r"host\.docker\.internal)(?::\d{1,5})?/?[\"']?[ \t]*(?:[,#}]|$)")
_NEAR = 300


def local_by_neighbours(rule_id: str, secret: str, text: str, start: int, *, decoded: str | None = None) -> str | None:
    """Why a typed password is a local default by the lines around it (within 300 characters): it repeats the
    user name set beside it, or its block's host is this machine; else None. ``decoded``: the text ``secret`` is base64
    of (a Kubernetes Secret's ``data:``, where the user name beside it is base64 too); it is what must be typed."""
    if rule_id not in DEMOTABLE_RULES or not typed_word(secret if decoded is None else decoded):
        return None
    window = text[max(0, start - _NEAR):start + len(secret) + _NEAR]
    if re.search(_USER_SETTING.replace("{value}", re.escape(secret)), window) is not None:
        return "typed password that repeats the user name beside it (postgres / postgres: a local default)"
    if _LOCAL_HOST_SETTING.search(window) is not None:
        return "typed password of a configuration block whose host is this machine (host: localhost)"
    return None


# (session 13) a folder of defaults a product ships: ``config/default/secure.conf``, ``conf/defaults/``, an Ansible
# role's ``defaults/main.yml``; every install starts from these files, so their values are public with each release
_SHIPPED_DEFAULTS = re.compile(r"(?i)(?:^|/)(?:config|configs|conf|settings|etc)/defaults?/|(?:^|/)defaults/")


def shipped_default(path: str) -> bool:
    """The file sits in a product's folder of shipped defaults: a credential there is a default credential (known to
    every user of the release, as ``minioadmin`` is), reported at low with "change it", not as a leak."""
    return _SHIPPED_DEFAULTS.search(path.replace("\\", "/")) is not None
