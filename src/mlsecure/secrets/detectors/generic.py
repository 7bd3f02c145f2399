"""Heuristics for secrets without a provider format: keyword assignments and high-entropy strings.

The entropy is Shannon's, in bits per character over the string's own character frequencies,
H(s) = -sum_c p_c log2 p_c (a random string over an alphabet of size A tends to log2 A as it grows;
a string of n distinct characters has exactly log2 n). Thresholds follow detect-secrets' defaults
(base64 4.5, hex 3.0) but are capped at 0.8 log2(n) for an n-character string, which is the most a
string that short can reach; non-hex strings must also mix cases and hold two digits (or be 32+ characters at 4.5 bits).
"""

from __future__ import annotations

import base64
import binascii
import math
import operator
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from typing import ClassVar

from mlsecure.findings import Severity
from mlsecure.secrets.interface import Candidate, Detector, FileKind

_SECRET_WORDS = (r"password|passwd|passphrase|pwd|secrete?|api[_\-]?key|apikey|access[_\-]?key|pass|"
                 r"auth[_\-]?token|access[_\-]?token|token|credentials?|private[_\-]?key|client[_\-]?secret")
# tokenizer vocabulary entries are not credentials: pad_token = "<pad>", eos_token: "</s>" ...
_SPECIAL_TOKEN_KEY = re.compile(r"(?i)(?:^|[_.\-])(?:pad|eos|bos|unk|sep|cls|mask|special|start|end|"
                                r"additional_special|decoder_start|next|page|csrf|refresh_token_url)[_\-]?token$")
# a secret word is a name part: "db_pass", "password2", "secrete"; not "passage", "compass", "bypass"
_SECRET_WORD = re.compile(r"(?i)(?<![A-Za-z])(?:" + _SECRET_WORDS + r")(?![a-z])")
# a secret word that ends a camelCase name: AdminPassword, personalAccessToken, FromEmailPassword
# (the lower-case or digit before it is checked in Python: a pattern that opens with a literal is searched fast)
_CAMEL_SECRET_WORD = re.compile(r"(?:Password|Passwd|Passphrase|Pwd|Secret|Token|Api[Kk]ey|AccessKey|SecretKey|"
                                r"PrivateKey|Credentials?)(?![a-z])")


def _camel_words(text: str) -> Iterator[re.Match[str]]:
    """``_CAMEL_SECRET_WORD`` matches that end a camelCase name (a lower-case letter or a digit before them)."""
    for match in _CAMEL_SECRET_WORD.finditer(text):
        before = text[match.start() - 1:match.start()]
        if before and (before.islower() or before.isdigit()):
            yield match
# Python's re is ~10x faster on a case-sensitive alternation: run it on the lower-cased text
_SECRET_WORD_LOWER = re.compile(r"(?<![a-z])(?:" + _SECRET_WORDS + r")(?![a-z])")
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
# after the secret word: the rest of the name (password_super_secure, secrete[25]; not Token.Name),
# an optional type annotation on the same line (``password: str = ...``; never across a line end, where
# ``accessKeySecret:`` opens a YAML mapping whose ``key: accesskey`` names a key of a Kubernetes Secret),
# then an operator (assignment, comparison, a call's parenthesis, or only spaces before a quote), then
# the value: a quoted literal ("...", '...', `...`, Objective-C @"...", up to 2 kB: refresh tokens and JWTs
# run past 300 characters) or a bare word. (Session 14) The name may be a subscript's string key:
# ``os.environ["DB_PASSWORD"] = "..."``, ``app.config['SECRET_KEY'] = '...'``, as notebooks set them
_KEY_VALUE = (
    r"(?P<tail>[A-Za-z0-9_\-]{0,30}?)(?:\[\d*\])?(?:(?P<sub>[\"'`]\])|[\"'`]?)"
    r"(?:[ \t]*{annotation}(?P<op>:=|=>|===|!==|==|!=|=|:(?!:)|\()[ \t]*"
    r"|[ \t]+(?P<copula>is[ \t]+)?(?=[@\"'`]))"
    r"@?(?:\"(?P<dq>[^\"\n]{1,2048})\"|'(?P<sq>[^'\n]{1,2048})'|`(?P<bq>[^`\n]{1,2048})`"
    r"|(?P<bare>[^\s\"'`][^\n]{0,299}))")
# code may annotate the name's type (``api_key: str = "..."``); a configuration file has no annotations, so
# ``POSTGRES_PASSWORD: a2F0aWI=  # katib`` is the value ``a2F0aWI=`` and a comment, not a type and ``= # katib``
_AFTER_KEY = re.compile(_KEY_VALUE.replace("{annotation}", r"(?:\:[ \t]*[A-Za-z_][\w.\[\]|]{0,40}[ \t]*)?"))
_AFTER_CONFIG_KEY = re.compile(_KEY_VALUE.replace("{annotation}", ""))
# the reverse comparison: if ("value" == password)
_COMPARED = re.compile(r"(?P<q>[\"'`])(?P<value>[^\"'`\n]{1,300})(?P=q)[ \t]*(?:===?|!==?)[ \t]*"
                       r"(?P<key>[A-Za-z_][\w.]{0,60})")
# a call whose first two arguments are a secret's name and a literal: the literal is that secret's
# hard-coded fallback (os.getenv("API_TOKEN", "..."), os.environ.setdefault("SECRET_KEY", "..."),
# GetEnvOrDefault("api_token", "..."), config.get("password", "...")); a call, not a tuple in a table
# (transformers' ("qwen2_5_omni_token2wav", "qwen2_5_omni") mappings)
_NAMED_DEFAULT = re.compile(r"(?<=[A-Za-z0-9_])\(\s*(?P<kq>[\"'])(?P<key>[A-Za-z_][\w.\-]{0,60})(?P=kq)\s*,\s*"
                            r"(?P<q>[\"'`])(?P<value>[^\"'`\n]{8,300})(?P=q)")
# .NET appSettings / NuGet: <add key="FromEmailPassword" value="..." />
_XML_KEY_VALUE = re.compile(r"<add[ \t]+key=(?P<kq>[\"'])(?P<key>[^\"'<>\n]{1,80})(?P=kq)[ \t]+"
                            r"value=(?P<vq>[\"'])(?P<value>[^\"'<>\n]{1,300})(?P=vq)")
_START = operator.methodcaller("start")
_BARE_ASSIGN = frozenset({":=", "=>", "=", ":"})
# in "Server=db;User ID=app;Password=#gets0m3;Trusted_Connection=False" (ADO.NET / ODBC / JDBC connection
# strings) a value ends at the ";" that opens the next Name= pair
_CONNECTION_PAIR_END = re.compile(r";(?=[ \t]*[A-Za-z][A-Za-z _]{0,30}=)")
_PASSWORD_WORD = re.compile(r"(?i)pass|pwd")
# secret words that name a secret on their own (an assignment without an operator, `password "x"`)
_STRONG_WORDS = frozenset({"password", "passwd", "passphrase", "secret", "secrete", "api_key", "api-key", "apikey",
                           "private_key", "private-key", "client_secret", "client-secret", "credentials"})
_BARE_TRAILING = ",;\"'`)]}"
_BARE_NON_SECRETS = frozenset({"true", "false", "null", "none", "nil", "yes", "no", "on", "off", "str",
                               "enabled", "disabled", "auto", "default",
                               "string", "bytes", "int", "required", "optional", "secret", "password",
                               "undefined", "env", "environ", "getenv", "input"})
_STOPWORDS = frozenset({"a", "an", "the", "of", "to", "is", "for", "and", "or", "in", "that", "used", "by",
                        "with", "this", "be", "are", "from", "on"})
_PATH_LIKE = re.compile(r"^(?:/|\./|\.\./|~/|[A-Za-z]:\\)|\.(?:pem|key|json|txt|ya?ml|crt|cer|p12|env|whl|metadata|"
                        r"html?|md|rst|py|ipynb|csv|zip|t?gz|pdf|png|jpe?g|svg)$")
_CODE_REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:\[.*\])?$")
# a key that names an id, a name, a location, a reference or a type of the secret, not the secret itself
_NAME_OF_SOMETHING = re.compile(r"(?:[_.\-]|(?<=[a-z])(?=[A-Z]))(?:[Ii][Dd]s?|ID|[Nn]ame|NAME|[Uu]rl|URL|[Pp]ath|PATH|"
                                r"[Ff]ile|FILE|[Tt]ype|TYPE|[Ll]ength|LENGTH|[Ff]ield|FIELD|[Hh]eader|HEADER|"
                                r"[Ss]uffix|SUFFIX|[Pp]refix|PREFIX|[Ll]abel|LABEL|[Hh]int|HINT|[Pp]rompt|PROMPT|[Pp]laceholder|PLACEHOLDER|"
                                r"[Tt]itle|TITLE|[Mm]essage|MESSAGE|[Pp]olicy|POLICY|[Ss]ource|SOURCE|"
                                # a reference to a secret held elsewhere (secretRef, secretKeyRef, secret_ref); a salt,
                                # stored beside the hash it seasons (hash_salt): public by design. (Session 14) Not a
                                # password's or secret's salt (Flask-Security's SECURITY_PASSWORD_SALT, SECRET_SALT):
                                # its docs call it the HMAC salt, a key the server keeps to HMAC every password
                                r"[Rr]efs?|REFS?|[Rr]eference|REFERENCE|"
                                r"(?<![Pp]assword_)(?<!PASSWORD_)(?<![Ss]ecret_)(?<!SECRET_)(?<!password)(?<!Password)"
                                r"(?<!secret)(?<!Secret)(?:[Ss]alt|SALT))$"
                                # key ids written as one word: TUF / in-toto / OpenPGP "keyid", JWK "kid"
                                r"|(?:^|[_.\-])(?:[Kk]ey[Ii][Dd]s?|KEYIDS?|kid|KID)$")
# a signature is public by design (whoever verifies it reads it): "sig", "signatures", "x_signature"
SIGNATURE_NAME = re.compile(r"(?:^|[_.\-]|(?<=[a-z])(?=[A-Z]))(?:[Ss]ig|SIG|[Ss]ignatures?|SIGNATURES?)$")
# the text between two string literals, not inside one: `"...:_password = "+new Buffer(...)`, list items
# `"Password:",rememberMeLabel:"Remember me:"`
_CONCATENATION = re.compile(r"^[+,;)]+\s*[A-Za-z_$(]|[A-Za-z0-9_)\]]\s*\+$")
# a version or a version range (package.json "^3.972.3", ">=1.2,<2"), not a secret
_VERSION_SPEC = re.compile(r"^(?:[\^~]|[<>=!]=?)?v?\d+(?:\.\d+)+(?:[-+][\w.]+)?(?:\s*,\s*[<>=!~^]=?\s*\d+(?:\.\d+)*)*$")
# an UPPER_SNAKE constant or environment-variable name (SECRET_VAR, API_TOKEN_NOT_NEEDED, BLOCK_V1_PIPELINES):
# the name of a value held elsewhere; a drawn token has no words joined by underscores in one case
_EMBEDDED_REFERENCE = re.compile(r"\$\{?[A-Z_][A-Z0-9_]{2,}")
_CONSTANT_NAME = re.compile(r"^[A-Z][A-Z0-9]{0,15}(?:_[A-Z0-9]{1,16})+$")
_ESCAPES_ONLY = re.compile(r"^(?:\\(?:U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|.))+$")
_SNAKE_NAME = re.compile(r"^[a-z]+(?:[_\-][a-z]+)+$")
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_\-+/=.@!#$%^&*~?:,]+$")
# a DNS name: dot-separated lower-case labels ending in a top-level domain of letters
_HOSTNAME = re.compile(r"^(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,12}$")


class KeywordAssignment(Detector):
    """``password = "..."``, ``API_KEY: ...``, ``--token=...``: a literal assigned to a secret-ish name."""

    rule_id = "SEC-017"
    title = "Hard-coded password or API key"
    description = "A literal value assigned to (or compared with) a password / secret / API-key / token name."
    severity = Severity.MEDIUM
    priority = 40
    keywords = ("pass", "pwd", "secret", "key", "token", "cred")

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        lowered = _lower_same_length(text)
        words = _SECRET_WORD.finditer(text) if lowered is None else _SECRET_WORD_LOWER.finditer(lowered)
        seen: set[int] = set()
        # camelCase names that end in a secret word (AdminPassword, personalAccessToken, appSecret) as well
        for word in sorted([*words, *_camel_words(text)], key=_START):
            start = word.start()
            while start > 0 and text[start - 1] in _KEY_CHARS and word.start() - start < 60:
                start -= 1
            match = (_AFTER_CONFIG_KEY if kind is FileKind.CONFIG else _AFTER_KEY).match(text, word.end())
            if match is None:
                continue
            if match.group("sub") is not None and text[start - 2:start] not in ('["', "['", "[`"):
                continue  # Literal["string", "secret"] = ...: a quoted word closing a list, not a subscript's key
            key = text[start:match.end("tail")]
            group = next(g for g in ("dq", "sq", "bq", "bare") if match.group(g) is not None)
            value, value_start = match.group(group), match.start(group)
            op = match.group("op")
            if op is None and word.group(0).lower() not in _STRONG_WORDS:
                continue  # `password "..."` is an assignment; "Pass `x=True`" and "token `t`" are prose
            if op is None and match.group("copula") is None and _CODE_REFERENCE.match(value) \
                    and not any(c.isdigit() for c in value):
                continue  # "the secret `HF_TOKEN` ...": a name in prose, not an operator-less assignment
            if text.endswith("typeof ", max(0, start - 7), start):
                continue  # typeof apiKey === 'function': a comparison of the value's type name
            if op == "(" and kind is not FileKind.C_LIKE_CODE:
                continue  # string_to_token('String.Double') is a call; std::string secret("...") is C++
            if group == "bq" and kind is FileKind.TEXT and not _literal_in_code_span(value):
                continue  # backticks in prose and Markdown are code spans: `x=True`, `token.markup`
            if group == "bare":
                if op not in _BARE_ASSIGN:
                    continue  # a bare word after a comparison or a call is code, not a literal
                # configuration values run to the end of the line (a passphrase has spaces), others to a space
                value = value.split(" #")[0].rstrip() if kind in (FileKind.CONFIG, FileKind.LOCKFILE) \
                    else value.split()[0]
                if "\\n" in value:
                    # text kept inside a JSON / CSV string writes its line breaks as "\n": the value ends there,
                    # and its quotes are escaped (password=\"Test\".getBytes(); is code around a literal)
                    value = value.split("\\n", 1)[0]
                    if value.startswith('\\"'):
                        value_start += 2
                        value = value[2:].split('\\"', 1)[0]
                    elif "(" in value or value.endswith(";"):
                        continue
                value = _strip_trailing(_CONNECTION_PAIR_END.split(value, maxsplit=1)[0])
                if not value or (value.startswith("#") and kind is FileKind.CONFIG):
                    continue  # "# password: # Paste from the dashboard": a comment where the value would go
            if group == "sq" and kind is FileKind.C_LIKE_CODE:
                continue  # 'abc' is a (multi-)character constant in C, not a string
            # after ":=" (Go's short declaration, Make's immediate assignment) text that no language parses
            # (`m{{h}o)p...`, `A,.:-¨@*¿?!`) can only be a literal written without quotes
            literal = group != "bare" or (op == ":=" and _not_an_expression(value))
            if value_start in seen or not self._keep(key, value, word.group(0), quoted=literal, kind=kind):
                continue
            if _minified(text, value_start, kind) and not _issued(value):
                continue  # "password"===e.type?"string":...: a bundle's code pieces, not a literal assigned
            if _tail_names_more(match.group("tail")) and _CODE_REFERENCE.match(value) \
                    and not any(c.isdigit() for c in value) \
                    and (not _issued(value) or word_like(value)):
                continue  # API_KEY_CONTAINER_SPEC = 'containerSpec': the name goes on past the secret word
            if "/" in value and _task_name(key, match.group("tail")):
                continue  # {"token-classification": "dslim/bert-base-NER"}: a task's model, not a secret
            seen.add(value_start)
            yield Candidate(detector=self.rule_id, secret=value, start=value_start, end=value_start + len(value),
                            severity=self.severity, details={"key": key})
        for compared in _COMPARED.finditer(text):
            key = compared.group("key")
            secret_word = _SECRET_WORD.search(key)
            value = compared.group("value")
            if secret_word is None or compared.start("value") in seen:
                continue
            if _minified(text, compared.start("value"), kind) and not _issued(value):
                continue
            if self._keep(key, value, secret_word.group(0), quoted=True, kind=kind):
                yield Candidate(detector=self.rule_id, secret=value, start=compared.start("value"),
                                end=compared.end("value"), severity=self.severity, details={"key": key})
        for pair in _XML_KEY_VALUE.finditer(text) if "<add" in text else ():
            key, value = pair.group("key"), pair.group("value")
            secret_word = _SECRET_WORD.search(key) or next(_camel_words(key), None)
            if secret_word is None or pair.start("value") in seen:
                continue
            if self._keep(key, value, secret_word.group(0), quoted=True, kind=kind):
                seen.add(pair.start("value"))
                yield Candidate(detector=self.rule_id, secret=value, start=pair.start("value"),
                                end=pair.end("value"), severity=self.severity, details={"key": key})
        for pair in _NAMED_DEFAULT.finditer(text):
            key, value = pair.group("key"), pair.group("value")
            secret_word = _SECRET_WORD.search(key)
            if secret_word is None or pair.start("value") in seen or \
                    (pair.group("q") == "'" and kind is FileKind.C_LIKE_CODE):
                continue
            if _task_name(key, key[secret_word.end():]):
                continue  # pipeline("token-classification", "<model>"): a task's name goes on past the word
            # the value must look machine-issued (no spaces, letters mixed with digits or cases): a call
            # such as _("password", "Mot de passe") or choices ("token", "Token") pairs labels, not secrets
            if _issued(value) and self._keep(key, value, secret_word.group(0), quoted=True, kind=kind):
                seen.add(pair.start("value"))
                yield Candidate(detector=self.rule_id, secret=value, start=pair.start("value"),
                                end=pair.end("value"), severity=self.severity, details={"key": key})

    @staticmethod
    def _keep(key: str, value: str, secret_word: str, *, quoted: bool, kind: FileKind) -> bool:
        if _SPECIAL_TOKEN_KEY.search(key) or "public" in key.lower() or _NAME_OF_SOMETHING.search(key):
            return False  # tokenizer vocabulary, publicKeyToken / public_key, credentials_id: not secrets
        if _COUNTS_TOKENS.search(_snake(key)) or _PASSING.search(key.lower()):
            return False  # totalTokenCount (a model's tokens counted), pass_criteria (passing a check)
        if not _plausible(value, quoted=quoted, kind=kind) or _names_itself(value, secret_word):
            return False
        # in ML code a bare "token" is usually a word piece: token = "#Comment"; a token is issued by a
        # machine, so a *_token name holding a word is a marker (upgrade_token = "upgrades"), not a token
        if secret_word.lower() in ("token", "tokens"):
            return _issued(value) if key.lower() not in ("token", "tokens") else _credential_like(value)
        if value.isdigit() and not _PASSWORD_WORD.match(secret_word):
            return False  # apiKey=218873249723411: keys and secrets are drawn from letters too; digits are an id
        return key.lower() not in ("pass",) or _credential_like(value)


_TAIL_WORD = re.compile(r"[A-Za-z][a-z]*")
_CREDENTIAL_TAIL_WORDS = frozenset({"key", "keys", "token", "tokens", "secret", "secrets", "password", "pass",
                                    "passwd", "pwd", "word", "phrase", "access", "api", "private", "auth"})


def _tail_names_more(tail: str) -> bool:
    """The name goes on past its secret word with another word (``API_KEY_CONTAINER_SPEC``), not only
    with more credential words (``mockaroo-secret-key``)."""
    return any(word.lower() not in _CREDENTIAL_TAIL_WORDS for word in _TAIL_WORD.findall(tail))


def _task_name(key: str, tail: str) -> bool:
    """``token-classification``, ``password-reset``: a lower-case hyphenated name that goes on past its secret word
    with another word, as task, route and command names are written (session 12); no variable is spelt so."""
    return "-" in key and key.islower() and _tail_names_more(tail)


def constant_name(value: str) -> bool:
    """``SECRET_VAR``, ``BLOCK_V1_PIPELINES``: an UPPER_SNAKE name whose last part holds a letter (a name
    ending in a number, ``..._HERE_12345678900000``, is filler)."""
    return _CONSTANT_NAME.match(value) is not None and any(c.isalpha() for c in value.rsplit("_", 1)[-1])


def _minified(text: str, at: int, kind: FileKind) -> bool:
    """``at`` lies on a code line of 1 000+ characters: a minified bundle, where names and string pieces
    of unrelated expressions sit side by side."""
    if kind not in (FileKind.CODE, FileKind.C_LIKE_CODE):
        return False
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    return (len(text) if line_end < 0 else line_end) - line_start >= 1000


def _strip_trailing(value: str) -> str:
    """Drop trailing punctuation that closes the statement, not the value: ``abc,`` ``abc"`` but ``${x}``."""
    pairs = {")": "(", "]": "[", "}": "{"}
    while value and value[-1] in _BARE_TRAILING:
        closer = value[-1]
        if closer in pairs and value.count(pairs[closer]) >= value.count(closer):
            break
        value = value[:-1]
    return value


def _names_no_secret(text: str, start: int, end: int) -> bool:
    """The identifier around ``text[start:end]`` names a public value, an id, a name or a path."""
    while start > 0 and text[start - 1] in _KEY_CHARS and end - start < 80:
        start -= 1
    while end < len(text) and text[end] in _KEY_CHARS and end - start < 80:
        end += 1
    if text[start:end].lower() == "tokens" and text[start - 1:start] in ("'", '"') and text[end:end + 1] == \
            text[start - 1]:
        return True  # 'TOKENS' alone in quotes: the unit a model's price or limit counts in, not a name
    return names_no_secret(text[start:end])


def names_no_secret(name: str) -> bool:
    """``name`` names a public value, an id, a name, a path, a signature or a digest, not a secret."""
    lowered = name.lower()
    # anti-forgery tokens (Rails authenticity_token, csrf / xsrf fields) are written into every page served
    return "pub" in lowered or "csrf" in lowered or "xsrf" in lowered or "authenticity" in lowered \
        or _NAME_OF_SOMETHING.search(name) is not None or SIGNATURE_NAME.search(name) is not None \
        or _NAMES_A_DIGEST.search(lowered) is not None or _COUNTS_TOKENS.search(_snake(name)) is not None \
        or _PASSING.search(lowered) is not None


def _snake(name: str) -> str:
    """``tokensPerMessage`` -> ``tokens_per_message``: camelCase pieces read as snake_case ones."""
    return _CAMEL_CUT.sub("_", name).lower()


_CAMEL_CUT = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# "pass" as in passing a check, not a password: pass_criteria, PASS_RATE, passThreshold, pass_at_k, pass@1
_PASSING = re.compile(r"(?:^|[_.\-])pass(?:ed|ing)?(?:[_\-]?(?:criteria|criterion|rate|ratio|threshold|count|fail|"
                      r"at[_\-]?k|at[_\-]?\d+|status|score|condition|percent|percentage|mark|rule|rules|check|"
                      r"checks|filter)|@\d+)(?:$|[_.\-])")


# a language model's tokens counted or priced, not an auth token: PER_1000_TOKENS, max_tokens, token_count,
# trained_tokens (an OpenAI fine-tuning job's billed tokens)
_COUNTS_TOKENS = re.compile(r"(?:^|[_.\-])(?:per|max|min|num|total|prompt|completion|input|output|cached|reasoning|"
                            r"trained|\d+)[_\-]?tokens?(?:$|[_.\-])|(?:^|[_.\-])tokens?[_\-]?(?:count|counts|limit|usage|per)"
                            r"(?:$|[_.\-])")


# a name that ends by saying version, commit or digest holds one (MantleAPI_version=<40 hex>: a git SHA)
_NAMES_A_DIGEST = re.compile(r"[_.\-](?:version|revision|rev|commit|sha\d*|hash|digest|checksum)s?$")


# letters that may join a keyword inside one name part: apikey, secretkey, authtoken, PASSWORD, creds
_JOINED_BEFORE = ("api", "secret", "access", "private", "auth", "client", "master", "signing", "session", "bearer",
                  "app", "account", "storage", "ssh", "refresh", "oauth", "admin", "service", "deploy", "user",
                  "encryption", "license", "webhook", "shared", "root", "db", "x", "my", "the")
_JOINED_AFTER = ("", "s", "word", "words", "wd", "phrase", "ential", "entials", "orization", "key", "keys",
                 "token", "tokens", "secret", "secrets", "id")


_QUERY_PARAMETER = re.compile(r"[?&;](?P<name>[A-Za-z_][\w\-]{0,40})=$")


def _secret_query(line: str, start: int) -> bool:
    """The token at ``line[start:]`` is the value of a URL query parameter naming a secret
    (``?api_key=...``, ``&access_token=...``, ``?key=...``): a credential written into a URL."""
    parameter = _QUERY_PARAMETER.search(line, max(0, start - 48), start)
    if parameter is None:
        return False
    name = parameter.group("name")
    return (name.lower() == "key" or _SECRET_WORD.search(name) is not None) and not _SPECIAL_TOKEN_KEY.search(name)


def _name_part(text: str, start: int, end: int) -> bool:
    """The keyword ``text[start:end]`` is (part of) a name: at a word or camelCase boundary, or joined to
    a secret word (``apikey``, ``AUTHTOKEN``, ``password``), not inside another word (``monkeypatch``,
    ``tokenizer``, ``author``, ``keyboard``, ``bypass``)."""
    before = start
    while before > 0 and text[before - 1].isalpha() and start - before < 12:
        before -= 1
    after = end
    while after < len(text) and text[after].isalpha() and after - end < 12:
        after += 1
    head, tail = text[before:start], text[end:after]
    camel_left = bool(head) and head[-1].islower() and text[start].isupper()
    camel_right = bool(tail) and tail[0].isupper() and text[end - 1].islower()
    left = not head or camel_left or head.lower().endswith(_JOINED_BEFORE)
    right = camel_right or tail.lower() in _JOINED_AFTER
    return left and right


def mixed_alphabets(value: str) -> bool:
    """Holds both base64's ``+/`` and url-safe base64's ``-``: no encoder writes that, so the value is
    a path or a name (``meta-llama/Llama-2-7b-hf``, ``google/gemma-2b-it``), not a token. (``_`` is
    left out: token prefixes use it, ``fm1r_`` + base64.)"""
    return "-" in value and any(c in value for c in "+/")


def _lower_same_length(text: str) -> str | None:
    """``text.lower()`` when offsets stay valid (a few non-ASCII letters change length), else None."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else None


def _credential_like(value: str) -> bool:
    """Long enough and mixed enough to be a token rather than a word."""
    return len(value) >= 12 and (any(c.isdigit() for c in value) or not (value.islower() or value.isupper()))


def _issued(value: str) -> bool:
    """Looks machine-issued: 8+ characters mixing letters with digits or both cases (not a word)."""
    if any(c.isspace() for c in value):
        return False  # "torch.Tensor | None" (a type annotation): an issued token has no spaces
    has_alpha = any(c.isalpha() for c in value)
    # a capital first letter makes a word ("Missing"), not a mixed-case draw
    mixed = any(c.islower() for c in value) and any(c.isupper() for c in value[1:])
    return len(value) >= 8 and has_alpha and (any(c.isdigit() for c in value) or mixed)


def _names_itself(value: str, secret_word: str) -> bool:
    """``apiKey = "apiKey"``, ``OID.CHALLENGE_PASSWORD: "challengePassword"``, ``"db-password"``: a name
    (the word itself, or the word inside a camelCase / snake_case / dotted identifier), not a value; a
    run of lower-case letters that holds the word (``thisismypassword``) is a typed password."""
    word = re.sub(r"[^a-z0-9]", "", secret_word.lower())
    squash = re.sub(r"[^a-z0-9]", "", value.lower())
    if word not in squash:
        return False
    return squash == word or not (value.isalnum() and (value.islower() or value.isupper()))


_OPENERS = {")": "(", "]": "[", "}": "{"}


def _not_an_expression(value: str) -> bool:
    """True when ``value`` cannot be code: a closing bracket that crosses an open one (``{(]``) outside
    quotes, or a non-ASCII punctuation / symbol character (``¿``, ``¨``) outside quotes. A closing
    bracket with none open ends the value (``connect(password=pw)``)."""
    stack: list[str] = []
    quote = ""
    for char in value:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'`":
            quote = char
        elif char in "([{":
            stack.append(char)
        elif char in _OPENERS:
            if not stack:
                return False
            if stack.pop() != _OPENERS[char]:
                return True
        elif ord(char) > 127 and unicodedata.category(char)[0] in "PS":
            return True
    return False


def _literal_in_code_span(value: str) -> bool:
    """A backtick span after a secret name that holds a value, not a name: a token-like string with
    letters and digits (`sk-live-4f9...`) or text no language parses (`m{{h}o)p`)."""
    if " " in value:
        return False
    if _not_an_expression(value):
        return True
    return _TOKEN_CHARS.match(value) is not None and "=" not in value and "." not in value \
        and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _sentence(value: str) -> bool:
    """Reads as a sentence: starts with a capital letter or ends with sentence punctuation."""
    return value[:1].isupper() or value.rstrip()[-1:] in ".!?:"


def _plausible(value: str, *, quoted: bool, kind: FileKind) -> bool:
    if value != value.strip() or not any(c.isalnum() for c in value) or _CONCATENATION.search(value):
        return False  # "Credential=' + access_key + '": the quotes belong to two string pieces
    if _ESCAPES_ONLY.match(value):
        return False  # "\U000f0000", "\u2581": characters written as escapes, not a secret
    words = value.split()
    if len(words) > 1 and any(w.lower().strip(".,;:") in _STOPWORDS for w in words) \
            and (kind is not FileKind.CONFIG or _sentence(value)):
        # prose ("a secret", "A piece of data known only to ..."), not a credential; in a configuration
        # file the value of a secret-named key is the secret, a lower-case passphrase included, unless
        # it reads as a sentence (a capital first letter or a closing full stop: a hint or a label)
        return False
    if len(value) < 6 or _PATH_LIKE.search(value) or value.startswith(("http://", "https://")):
        return False
    if _HOSTNAME.match(value):
        return False  # "project-one-12345.hasura.app": a host name, not a secret
    if _SNAKE_NAME.match(value) or value.startswith(("os.environ", "process.env", "ENV[")):
        return False  # "real_key", "model_name": a name or an enum member, not a secret
    if _VERSION_SPEC.match(value) or constant_name(value):
        return False  # "^3.972.3" (a dependency's version), SECRET_VAR (the name of a variable)
    if "," in value and all(constant_name(piece.strip()) for piece in value.split(",")):
        return False  # 'GH_TOKEN,GITHUB_TOKEN': a list of variable names
    if not quoted and (value.startswith("--") or '":' in value or value.endswith("\\")):
        return False  # "secret:--nurse," (a dash in prose), JSON text run on after a name, "Missing\" (cut at \n)
    if "://" in value and _EMBEDDED_REFERENCE.search(value):
        return False  # "multiplier@https://$KV_NAME.vault.azure.net": a URL built from variables
    if value.startswith(("{\"", "{'", "[{")):
        return False  # {"parameterType":"STRING"}: a structure written after the name, not a value
    if quoted:
        return True
    if value.lower() in _BARE_NON_SECRETS:
        return False
    match kind:
        case FileKind.CODE | FileKind.C_LIKE_CODE:
            # a bare name in code is a variable or a call, not a literal (detect-secrets labels the same
            # unquoted `password = m{{h}o)p...` positive in Go and negative in eight other languages)
            return False
        case FileKind.CONFIG | FileKind.LOCKFILE:
            return not value.endswith(("(", ")")) and " =" not in value
        case FileKind.TEXT if " " in value or not _TOKEN_CHARS.match(value):
            return False  # "password: something memorable" in prose; brackets / braces are markup
        case FileKind.TEXT:
            # prose ("password: the one you chose") rarely mixes letters and digits
            return not _CODE_REFERENCE.match(value) or (any(c.isdigit() for c in value)
                                                        and any(c.isalpha() for c in value))


_KEYWORD_LINE = re.compile(r"(?i)key|token|secret|pass|pwd|auth|cred|api")
_KEYWORD_LINE_LOWER = re.compile(r"key|token|secret|pass|pwd|auth|cred|api")
_DIGEST_LINE = re.compile(r"(?i)sha-?1|sha-?256|sha-?384|sha-?512|md5|hash|digest|checksum|integrity|commit|"
                          r"revision")
# a token starts after a separator, or after the "=" of a name=value pair (Key=..., log lines); never
# inside base64 (after "==" padding or after a base64 character)
_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_\-])(?<![=+/]=)([A-Za-z0-9+/_\-]{20,}={0,2})(?![A-Za-z0-9+/=_\-])")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WORD = re.compile(r"[A-Z]?[a-z]{3,}")
_RUN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^A-Za-z0-9]+")
_SINGLE_CASE_TOKEN = re.compile(r"^(?:[a-z0-9]+|[A-Z0-9]+)$")
UUID_SHAPE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")  # any case


def word_like(value: str) -> bool:
    """Half the string in words of 4+ letters and a vowel share of natural language
    (PKCS12KeyAndCertificates), or long CamelCase runs; random base62 strings rarely look so."""
    letters = [c for c in value if c.isalpha()]
    if not letters:
        return False
    coverage = sum(len(m.group()) for m in _WORD.finditer(value)) / len(value)
    vowels = sum(c in "aeiouAEIOU" for c in letters) / len(letters)
    if coverage >= 0.5 and vowels >= 0.3:
        return True
    # CamelCase / digit runs (MLKEM768X25519PrivateKey: 6 runs of 4 characters on average); random
    # base62 strings of 24+ characters average under 2 and stay below 3.5 in > 99.9 % of draws
    return len(value) / len(_RUN.findall(value)) >= 3.5


def _restates_name(value: str, line: str, at: int) -> bool:
    """The value spells a name written on its own line (``SN_id_Gost28147_89 = "id-Gost28147-89"``,
    OpenSSL's object-name tables): a constant's text, not a secret."""
    squashed = re.sub(r"[^a-z0-9]", "", value.lower())
    if len(squashed) < 12:
        return False
    rest = re.sub(r"[^a-z0-9]", "", (line[:at] + " " + line[at + len(value):]).lower())
    if squashed in rest:
        return True  # the value spells the name
    others = (re.sub(r"[^a-z0-9]", "", m.group(1).lower()) for m in _TOKEN.finditer(line) if m.start(1) != at)
    return any(len(other) >= 12 and other in squashed for other in others)  # the name spells the value


def public_der(value: str) -> bool:
    """``value`` is base64 of DER that starts SEQUENCE { SEQUENCE ...}: an X.509 certificate or a
    SubjectPublicKeyInfo (RFC 5280), both public; a PKCS#8 / PKCS#1 private key starts with an INTEGER."""
    try:
        raw = base64.b64decode(value[:64] + "=" * (-len(value[:64]) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) < 4 or raw[0] != 0x30:
        return False
    header = 2 + (raw[1] & 0x7F if raw[1] & 0x80 else 0)  # short or long definite length
    return len(raw) > header and raw[header] == 0x30


def _interrupted(line: str, start: int, end: int) -> bool:
    """The token at ``line[start:end]`` is glued to a ``?`` or ``#`` that is glued in turn to more text
    (``...a4h?ewgj...``, ``'?MpDWS...'``): no token alphabet draws these two (they open a URL's query and
    fragment, with a name after ``?``: ``?key=``), so the string is typed text or a mangled value. Other
    symbols are left alone: Salesforce session ids hold ``!``, URL-encoded signatures ``%2B``."""
    def glued(i: int) -> bool:
        return 0 <= i < len(line) and (line[i].isalnum() or line[i] in "\"'`")
    return (line[end:end + 1] in ("?", "#") and line[end:end + 1] != "" and glued(end + 1)) \
        or (start > 0 and line[start - 1] in "?#" and (start == 1 or glued(start - 2)))


# the name just before a value on its line: id="...", 'run_id': '...', "cacheKey": "...", key = ...
_OWN_NAME = re.compile(r"(?P<name>[A-Za-z_][\w.\-]{0,60})[\"'`]?[ \t]*(?::=|=>|=|:)[ \t]*[\"'`]?$")
_ID_NAMES = frozenset({"id", "ids", "uuid", "guid", "oid", "name", "key_name", "keyname"})
# an example shown in prose: "(e.g. `AB0F2EE5...`)", "for example: ...", "such as ..."
EXAMPLE_BEFORE = re.compile(r"(?i)(?:\be\.g\.|\bi\.e\.|for example|such as)[ \t:,`'\"(]*$")
# a model / package name: capitalised words, numbers and short unit pieces joined by "-"
# (Ministral-8B-Instruct-2410, Llama-3-70B); a drawn token's pieces are not all of these
_NAME_PIECE = re.compile(r"^(?:[A-Z]?[a-z]{2,}|[A-Z]{2,5}|\d+[A-Za-z]{0,2}|[A-Za-z]\d{1,3})$")


def encoded_text(value: str) -> bool:
    """``eyJ0ZXN0aW5nIjogImZpbGUifQ==``: base64 of printable text (here ``{"testing": "file"}``) that names
    no credential and is no JWT header, not of random key bytes; a drawn key decodes to bytes that are
    rarely all printable (p < 10^-9 at 24 bytes)."""
    if len(value) % 4 or not value[:1].isalpha():
        return False
    try:
        decoded = base64.b64decode(value, validate=True)
    except ValueError:
        return False
    if len(decoded) < 12 or not all(32 <= b < 127 or b in (9, 10, 13) for b in decoded):
        return False
    # a JWT's header ({"alg": ...}) and text that names a credential stay for the rules
    return _ENCODED_KEEP.search(decoded.decode("ascii")) is None


_ENCODED_KEEP = re.compile(r"(?i)\"(?:alg|typ)\"|key|token|secret|pass|pwd|auth|cred")


def hyphenated_name(value: str) -> bool:
    """``Ministral-8B-Instruct-2410``: words and numbers joined by hyphens, at least one a word of 4+
    letters: a model, package or resource name, not a draw."""
    pieces = value.split("-")
    return len(pieces) >= 3 and all(_NAME_PIECE.match(p) for p in pieces) \
        and any(len(p) >= 4 and p.isalpha() for p in pieces)


def _logical_line(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the line around ``text[start:end]``. Text kept inside a JSON or CSV string (a dataset of code
    chunks, an exported notebook, a table of descriptions) writes its line breaks as the two characters
    ``\\n``: each such piece is a line of its own, so a keyword and a value ten source lines apart in the
    embedded text do not share one."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if line_end - line_start > 4096:
        return line_start, line_end  # a minified or data line: read whole (and skipped) as before
    escaped_start = text.rfind("\\n", line_start, start)
    if escaped_start >= 0:
        line_start = escaped_start + 2
    escaped_end = text.find("\\n", end, line_end)
    return line_start, line_end if escaped_end < 0 else escaped_end


def _own_name_says_not_secret(line: str, start: int) -> bool:
    """The value at ``line[start:]`` is assigned to a name that holds an id, a name or a public value, or it
    is shown as an example in prose; the keyword that drew the detector elsewhere on the line is not its name.
    HTML-escaped quotes (``&quot;id&quot;: &quot;3ba3...``, a table rendered in a saved output) are quotes."""
    before = line[max(0, start - 120):start].replace("&quot;", '"').replace('\\"', '"')
    if EXAMPLE_BEFORE.search(before):
        return True
    own = _OWN_NAME.search(before)
    if own is None:
        return False
    name = own.group("name")
    return name.lower() in _ID_NAMES or names_no_secret(name) \
        or NON_SECRET_KEY_NAME.search(name.upper().replace("-", "_").replace(".", "_")) is not None


# keys that index or name data, not credentials: sort / partition / cache / idempotency keys, Google
# Drive's link-sharing "resourcekey" (published in every shared link)
NON_SECRET_KEY_NAME = re.compile(
    r"(?:SORT|PRIMARY|PARTITION|CACHE|OBJECT|FOREIGN|UNIQUE|SHARD|ROUTING|HASH|LOOKUP|GROUP|DEDUP|IDEMPOTENCY|"
    r"RANGE|ROW|COLUMN|INDEX|MAP|DICT|RESOURCE|ACCESSOR)_?KEY$")


def shannon_entropy(value: str) -> float:
    """H(s) = -sum_c p_c log2 p_c over the character frequencies of ``value`` (0 for '')."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(count / n * math.log2(count / n) for count in Counter(value).values())


class HighEntropyString(Detector):
    """A long random-looking string on a line that names a key, token, secret or password."""

    rule_id = "SEC-018"
    title = "High-entropy string near a secret keyword"
    description = "A random-looking string (Shannon entropy above the threshold) next to a secret keyword."
    severity = Severity.MEDIUM
    priority = 10
    keywords = ("key", "token", "secret", "pass", "pwd", "auth", "cred", "api")
    base64_threshold: ClassVar[float] = 4.5
    hex_threshold: ClassVar[float] = 3.0

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        if kind is FileKind.LOCKFILE:
            return  # lockfiles pin hashes by design (go.sum's h1: digests next to ".../auth v0.22.0")
        line_end = -1
        lowered = _lower_same_length(text)
        keywords = _KEYWORD_LINE.finditer(text) if lowered is None else _KEYWORD_LINE_LOWER.finditer(lowered)
        for keyword in keywords:
            if keyword.start() < line_end:
                continue  # this line was already examined
            if not _name_part(text, keyword.start(), keyword.end()):
                continue  # monkeypatch, tokenizer, author, keyboard, bypass: the keyword is inside a word
            if _names_no_secret(text, keyword.start(), keyword.end()):
                continue  # public_key, publicToken, credentialId, X509_pubkey: not a secret's name
            line_start, line_end = _logical_line(text, keyword.start(), keyword.end())
            line = text[line_start:line_end]
            if len(line) > 4096 or _DIGEST_LINE.search(line):
                continue
            for token in _TOKEN.finditer(line):
                value = token.group(1)
                if not _KEYWORD_LINE.search(line[:token.start(1)] + " " + line[token.end(1):]):
                    continue  # the keyword was inside the token itself (base64 that spells "key")
                word_start = max(line.rfind(" ", 0, token.start(1)), line.rfind('"', 0, token.start(1))) + 1
                in_query = _secret_query(line, token.start(1))
                if line[token.start(1) - 1:token.start(1)] == "." or ("://" in line[word_start:token.start(1) + 3]
                                                                       and not in_query):
                    continue  # part of a URL (unless a secret's query parameter) or a dotted name
                in_code = kind in (FileKind.CODE, FileKind.C_LIKE_CODE)
                if in_code and _IDENTIFIER.match(value) and not in_query \
                        and line[token.start(1) - 1:token.start(1)] not in ("'", '"'):
                    continue  # a name in code (MLKEM768X25519PrivateKey = ...), not a literal
                if _interrupted(line, token.start(1), token.end(1)):
                    continue  # 'qtb537...a4h?ewgj...': text broken by a character no token alphabet has
                if line[token.start(1) - 1:token.start(1)] == "\\" and value[0] in "nrt":
                    value = value[1:]  # a JSON / C escape (\n) ran into the token
                if _own_name_says_not_secret(line, token.start(1)):
                    continue  # id="ejVA-6Os...", 'assistant_id': 'asst_...', ExecutionCacheKey: "<sha256>"
                entropy = self.score(value)
                if entropy is None or public_der(value) or _restates_name(value, line, token.start(1)):
                    continue
                start = line_start + token.end(1) - len(value)
                yield Candidate(detector=self.rule_id, secret=value, start=start, end=start + len(value),
                                severity=self.severity, details={"entropy_bits_per_char": round(entropy, 3)})

    def score(self, value: str) -> float | None:
        """The entropy when ``value`` passes the threshold for its alphabet, else ``None``."""
        if UUID_SHAPE.match(value) or len(value) > 512 or word_like(value) or mixed_alphabets(value) \
                or hyphenated_name(value) or encoded_text(value):
            return None
        entropy = shannon_entropy(value)
        length_cap = math.log2(len(value))
        if _HEX.match(value):
            if len(value) < 32 or value.isdigit() or value.isalpha():
                return None
            threshold = min(self.hex_threshold, 0.85 * length_cap)
        else:
            # snake_case / UPPER_CASE identifiers and words are single-case; so are base36 tokens (32
            # random [a-z0-9] or [A-Z0-9] characters: many providers issue those). Without a separator
            # and with 3+ digits and 3+ letters a single-case run is a token, not a name
            single_case = not any(c.islower() for c in value) or not any(c.isupper() for c in value)
            if single_case and (not _SINGLE_CASE_TOKEN.match(value) or sum(c.isdigit() for c in value) < 3
                                or sum(c.isalpha() for c in value) < 3):
                return None
            threshold = min(self.base64_threshold, 0.8 * length_cap)
            if sum(c.isdigit() for c in value) < 2:
                # camelCase2 identifiers: without digits only a long, near-uniform string counts
                threshold = self.base64_threshold if len(value) >= 32 else math.inf
        return entropy if entropy >= threshold else None


GENERIC_DETECTORS: tuple[type[Detector], ...] = (KeywordAssignment, HighEntropyString)
