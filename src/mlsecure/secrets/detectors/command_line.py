"""Passwords typed into commands and environment variables: ``docker login -p X``, ``mysql -pX``,
``sshpass -p X``, ``--password X``, ``PGPASSWORD=X psql``, ``export ACRPWD=X``.

Two detectors, each one rule family rather than one rule per tool:

- ``CommandLinePassword`` (SEC-021): a command whose manual documents a flag that takes the password
  (or token) itself as its argument. The table ``COMMAND_FLAGS`` names the command and the flag; a
  long ``--*password`` / ``--*token`` / ``--*secret`` flag is read for any command.
- ``EnvironmentCredential`` (SEC-022): ``NAME=value`` in shell form (no spaces around ``=``, optionally
  after ``export`` / ``set`` / ``-e`` / ``--build-arg``) where NAME is an upper-case variable name ending
  in a credential word or its abbreviation (``PASSWORD``, ``PASSWD``, ``PASS``, ``PWD``, ``SECRET``,
  ``TOKEN``, ``APIKEY``, ``_KEY``, ``CREDS``, ``CREDENTIALS``). ``ACRPWD``, ``PGPASSWORD`` and
  ``MYSQL_PWD`` are such names; the shell's own ``PWD`` / ``OLDPWD`` (a directory) are not.

A value is a password only when it is one: references (``$VAR``, ``${VAR}``, ``$(cmd)``, ``%VAR%``,
``{{ var }}``), the next flag (``-p -u``), paths and the scanner's placeholder words are not reported.
Names ending in ``TOKEN`` / ``KEY`` (often an id, a name or a mode: ``SORT_KEY=name``) need a value that
looks machine-issued (letters with digits or mixed case, 12+ characters); password names accept any
value of 6+ characters that is not a lone lower-case word (prose: ``--password option``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlsecure.findings import Severity
from mlsecure.secrets.detectors.generic import _issued, names_no_secret
from mlsecure.secrets.interface import Candidate, Detector, FileKind

# the value after a flag or "=": double-quoted, single-quoted, or a bare shell word
_VALUE = r"(?:\"(?P<dq>[^\"\n]{1,200})\"|'(?P<sq>[^'\n]{1,200})'|(?P<bare>[^\s\"'`;|&<>()]{1,200}))"
# the rest of one shell command: no newline (unless escaped), no ; | && that start another command
_SAME_COMMAND = r"(?:[^\n;|&]|\\\n){0,300}?"
_S = r"[ \t]+"

# (name, command words, flag hints, command, flag): the flag's argument is the secret (each tool's manual page /
# --help). The regexes run only on a text holding one flag hint and one command word, lower-cased (hints first:
# a dozen short substrings, absent from most files, spare a scan for each of the twenty command words).
COMMAND_FLAGS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], str, str], ...] = (
    # container registry logins: docker / podman / nerdctl / buildah / skopeo / helm registry / oras
    ("registry login", ("login",), (" -p", "--password"),
     r"\b(?:docker|podman|nerdctl|buildah|skopeo|oras|(?:helm|regctl)[ \t]+registry)[ \t]+login\b",
     r"(?:-p|--password)(?:" + _S + "|=)"),
    ("az login", ("az login",), (" -p", "--password"), r"\baz[ \t]+login\b", r"(?:-p|--password)(?:" + _S + "|=)"),
    ("twine upload", ("twine",), (" -p", "--password"), r"\btwine[ \t]+upload\b", r"(?:-p|--password)(?:" + _S + "|=)"),
    ("sshpass", ("sshpass",), ("sshpass",), r"\bsshpass\b", r"-p[ \t]*"),
    # MySQL / MariaDB clients: -p takes the password only when attached (-pSECRET); "-p db" prompts
    ("mysql client", ("mysql", "mariadb"), (" -p",),
     r"\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mysqlpump|mariadb|mariadb-dump|mariadb-admin)\b",
     r"-p(?=[^\s-])"),
    ("mongo client", ("mongo",), (" -p", "--password"),
     r"\b(?:mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport)\b",
     r"(?:-p|--password)(?:" + _S + "|=)"),
    ("redis-cli", ("redis-cli",), (" -a", "--pass"), r"\bredis-cli\b", r"(?:-a|--pass)" + _S),
    ("sqlcmd / bcp", ("sqlcmd", "bcp"), (" -p",), r"\b(?:sqlcmd|bcp)\b", r"-P[ \t]*"),
    ("ldap tools", ("ldap",), (" -w",), r"\bldap(?:search|add|modify|delete|passwd|whoami|compare|modrdn)\b",
     r"-w" + _S),
    ("openssl", ("openssl",), ("pass:",), r"\bopenssl\b", r"-pass(?:in|out)?" + _S + r"pass:"),
    ("keytool", ("keytool",), ("storepass", "keypass"), r"\bkeytool\b",
     r"-(?:src|dest|new)?(?:storepass|keypass)" + _S),
    ("zip", ("zip",), (" -p",), r"\b(?:zip|unzip)\b", r"-P" + _S),
    ("7z", ("7z",), (" -p",), r"\b7za?\b", r"-p(?=[^\s-])"),
    ("mosquitto", ("mosquitto",), (" -p",), r"\bmosquitto_(?:pub|sub|rr)\b", r"-P" + _S),
    ("smbclient", ("smb", "rpcclient"), (" -u", "--user"), r"\b(?:smbclient|rpcclient|smbmap)\b",
     r"(?:-U|--user(?:name)?)(?:" + _S + r"|=)['\"]?[^\s%'\"]{1,64}%"),
    ("rabbitmqctl", ("rabbitmqctl",), ("add_user", "change_password"), r"\brabbitmqctl\b",
     r"(?:add_user|change_password)" + _S + r"[^\s]{1,64}" + _S),
    ("psexec", ("psexec",), (" -p",), r"(?i)\bpsexec(?:64)?(?:\.exe)?\b", r"-p" + _S),
    ("net use", ("net use",), ("/user:",), r"(?i)\bnet[ \t]+use\b", r"/user:\S{1,100}" + _S),
    # session 6, passwords as positional or slash-option arguments (Microsoft's command references:
    # "net user [<UserName> {<Password> | *}]", "cmdkey /pass:<Password>", "schtasks /create ... /rp <Password>",
    # "ConvertTo-SecureString [-String] <String> -AsPlainText -Force")
    ("net user", ("net user",), ("net user",), r"(?i)\bnet[ \t]+user\b", r"[^\s/*]{1,64}" + _S),
    ("cmdkey", ("cmdkey",), ("/pass:",), r"(?i)\bcmdkey(?:\.exe)?\b", r"(?i:/pass:)"),
    ("schtasks", ("schtasks",), ("/rp",), r"(?i)\bschtasks(?:\.exe)?\b", r"(?i:/rp)" + _S),
    ("ConvertTo-SecureString", ("convertto-securestring",), ("-asplaintext",), r"(?i)\bConvertTo-SecureString\b",
     r"(?:(?i:-String)" + _S + r")?"),
    ("htpasswd", ("htpasswd",), ("htpasswd",), r"\bhtpasswd\b",
     r"-[a-zA-Z]{0,8}b[a-zA-Z]{0,8}(?:" + _S + r"-\S{1,40}){0,6}" + _S + r"\S{1,200}" + _S + r"\S{1,200}" + _S),
)
# PowerShell / Windows / Java style: one dash and a whole word (Connect-VIServer -Password X, -storepass X)
# (each regex opens with its literal and checks the character before it afterwards: re then skips ahead to
# the literal instead of trying every position)
_WORD_PARAMETER = re.compile(r"-(?<![\w\-]-)(?P<flag>(?i:[a-z]{0,20}(?:password|passwd|pwd)))[ \t]+" + _VALUE)
# any command: a long flag whose name ends in a credential word takes the credential
_LONG_FLAG = re.compile(r"--(?<![\w\-]--)(?P<flag>(?:[a-z0-9]+-){0,3}(?P<word>password|passwd|pass|pwd|secret|token|"
                        r"api-key|apikey|access-key|secret-key|auth-token))(?:[ \t]+|=)" + _VALUE)
_ALL_HINTS = frozenset(h for _, _, hints, _, _ in COMMAND_FLAGS for h in hints)
_LONG_FLAG_WORDS = re.compile(r"(?:pass(?:word|wd)?|pwd|secret|token|key)(?:[ \t]|=)")
_COMMANDS = tuple((name, words, hints, re.compile(command + _SAME_COMMAND + r"(?<![\w\-])" + flag + _VALUE))
                  for name, words, hints, command, flag in COMMAND_FLAGS)
# "echo SECRET | docker login --password-stdin"
_ECHO_STDIN = re.compile(r"\b(?:echo|printf)[ \t]+(?:-n[ \t]+)?" + _VALUE + r"[ \t]*\|[ \t]*" + _SAME_COMMAND
                         + r"--password-stdin\b")
_COMMAND_KEYWORDS = tuple(sorted({w for _, words, _, _, _ in COMMAND_FLAGS for w in words} | {"--", "-pass", "-pwd"}))

_NESTED_PAIR = re.compile(r"^[A-Za-z_][\w.\-]{0,30}=")
_REFERENCE_START = tuple("$%<{[(-`@")
_PATH = re.compile(r"^(?:/|\./|\.\./|~/|[A-Za-z]:\\)|\.(?:txt|pem|key|json|ya?ml|env|cfg|conf|ini|crt|p12|pfx|jks)$")


def _value(match: re.Match[str]) -> tuple[str, int, bool]:
    """The value, where it starts and whether it was quoted (a bare word loses trailing punctuation)."""
    group = next(g for g in ("dq", "sq", "bare") if match.group(g) is not None)
    value, start = match.group(group), match.start(group)
    if group == "bare":
        stripped = value.rstrip(",.:")
        value = stripped or value
    return value, start, group != "bare"


def _usable(value: str, *, password: bool, quoted: bool, anchored: bool = False) -> bool:
    """A literal credential, not a reference, a path, the next flag or a word of prose (``anchored``: the
    flag belongs to a command whose manual says it takes the password, so a lone word counts too)."""
    value = value.strip("'\"")  # "'$PRECOMPILE_PASSWORD'": quotes inside quotes still hold a reference
    if not value or _NESTED_PAIR.match(value):
        return False  # AZURE_SAS_TOKEN=st=2025-03-04...&sr=c: a query string's first pair, not the credential
    if value.startswith(_REFERENCE_START) or "${" in value or "$(" in value or "{{" in value or _PATH.search(value):
        return False
    if not password:
        return len(value) >= 12 and _issued(value)
    if len(value) < 6:
        return False
    # a bare lone word in one case reads as prose ("--password option"); typed passwords mix classes
    return quoted or anchored or not (value.isalpha() and (value.islower() or value.isupper()))


def _windows(lowered: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans from the start of each line holding one of ``words`` to 400 characters past the word (a
    command and its escaped continuation lines), merged: the command regexes run only there, not over
    every position of a long file."""
    spans: list[tuple[int, int]] = []
    for word in words:
        at = lowered.find(word)
        while at >= 0:
            spans.append((lowered.rfind("\n", 0, at) + 1, min(len(lowered), at + 400)))
            at = lowered.find(word, at + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class CommandLinePassword(Detector):
    """A password or token given as a command's argument (shell scripts, READMEs, CI files, notebooks)."""

    rule_id = "SEC-021"
    title = "Password on a command line"
    description = ("A password or token passed as a command-line argument (docker login -p, mysql -pX, sshpass -p, "
                   "--password X, openssl pass:X, echo X | ... --password-stdin): it is stored in the file and "
                   "visible in the process list and shell history.")
    severity = Severity.MEDIUM
    priority = 45  # before the keyword assignment, which would read "--password=x" as a name "password"
    keywords = _COMMAND_KEYWORDS

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        del kind
        seen: set[int] = set()
        lowered = text.lower()
        hints_present = {h for h in _ALL_HINTS if h in lowered}
        for name, words, hints, pattern in _COMMANDS if hints_present else ():
            if not any(h in hints_present for h in hints) or not any(k in lowered for k in words):
                continue
            for match in (m for start, end in _windows(lowered, words) for m in pattern.finditer(text, start, end)):
                yield from self._candidate(match, name, seen, password=True, anchored=True)
        for match in _ECHO_STDIN.finditer(text) if "--password-stdin" in lowered else ():
            yield from self._candidate(match, "echo | --password-stdin", seen, password=True)
        for match in _WORD_PARAMETER.finditer(text) if "-pass" in lowered or "-pwd" in lowered else ():
            if not names_no_secret(match.group("flag")):
                yield from self._candidate(match, "-" + match.group("flag"), seen, password=True)
        for match in _LONG_FLAG.finditer(text) if "--" in text and _LONG_FLAG_WORDS.search(lowered) else ():
            word = match.group("word")
            if names_no_secret(match.group("flag")):
                continue  # --public-key, --key-id, --token-name
            yield from self._candidate(match, "--" + match.group("flag"), seen,
                                       password=word in ("password", "passwd", "pass", "pwd"))

    def _candidate(self, match: re.Match[str], how: str, seen: set[int], *, password: bool,
                   anchored: bool = False) -> Iterator[Candidate]:
        value, start, quoted = _value(match)
        if start in seen or not _usable(value, password=password, quoted=quoted, anchored=anchored):
            return
        seen.add(start)
        yield Candidate(detector=self.rule_id, secret=value, start=start, end=start + len(value),
                        severity=self.severity, details={"argument_of": how}, free_form=True)


# NAME=value: NAME upper-case, ending in a credential word (joined: ACRPWD, PGPASSWORD, GHTOKEN) or
# _KEY / APIKEY / SECRETKEY / ACCESSKEY / PRIVATEKEY
_ENV_ASSIGNMENT = re.compile(
    r"(?:^|(?<=[\s;&|(\"'`]))(?:(?:export|set|setenv|ENV|ARG|-e|--env|--build-arg|--set)[ \t]+)?"
    r"(?P<name>[A-Z][A-Z0-9_]{0,60}?(?P<word>PASSWORDS?|PASSWD|PASSPHRASE|PASS|PWD|SECRET|TOKEN|APIKEY|_KEY|"
    r"(?:SECRET|ACCESS|PRIVATE|AUTH|LICENSE|MASTER|SIGNING|ENCRYPTION)KEY|CREDS|CREDENTIALS))"
    r"=" + _VALUE, re.MULTILINE)
_ENV_HINT = re.compile(r"(?:PASS|PWD|SECRET|TOKEN|KEY|CRED)[A-Z]{0,9}=")
_ENV_KEYWORDS = ("pass", "pwd", "secret", "token", "key", "cred")
# names that end in PASS / PWD / KEY but name no secret: the working directory, filters, sort keys
_NOT_CREDENTIAL_NAMES = re.compile(
    r"^(?:OLD)?PWD$|(?:BY|COM|SUR|OVER|UNDER|TRES|FIRST|MULTI|ONE|SINGLE|TWO|HIGH|LOW|BAND|ALL|SECOND)PASS$|"
    r"(?:SORT|PRIMARY|PARTITION|CACHE|OBJECT|S3|FOREIGN|UNIQUE|SHARD|ROUTING|HASH|LOOKUP|GROUP|DEDUP|IDEMPOTENCY|"
    r"RANGE|ROW|COLUMN|INDEX|MAP|DICT|JSON|CONFIG|REDIS|QUEUE|METRIC|LABEL|STATE|FEATURE|TARGET|DATA|INPUT|OUTPUT|"
    r"IMAGE|TEXT|MODEL|HOT|SHORTCUT|ENV|PREFIX|VAULT_SECRET|SECRET_NAME|RESOURCE|ACCESSOR)_?KEY$")
# a variable named for a stand-in holds one: FAKE_KEY, DUMMY_TOKEN, EXAMPLE_PASSWORD
_STAND_IN_NAME = re.compile(r"(?:^|_)(?:FAKE|DUMMY|EXAMPLE|SAMPLE|PLACEHOLDER|MOCK)(?:_|$)")
_PASSWORD_WORDS = frozenset({"PASSWORD", "PASSWORDS", "PASSWD", "PASSPHRASE", "PASS", "PWD"})


_LINE_HEAD = re.compile(r"[ \t]*(?:#[ \t]*)?(?:export[ \t]+)?")
_LINE_TAIL = re.compile(r"[\"']?[ \t]*(?:#[^\n]*)?(?:\n|$)")


def _whole_line(text: str, match: re.Match[str], value_end: int) -> bool:
    """The assignment is its line's only content (comments aside): ``NAME=value`` in a dotenv file."""
    line_start = text.rfind("\n", 0, match.start("name")) + 1
    head = _LINE_HEAD.match(text, line_start)
    return head is not None and head.end() == match.start("name") and _LINE_TAIL.match(text, value_end) is not None


class EnvironmentCredential(Detector):
    """``export ACRPWD=...``, ``PGPASSWORD=... psql``, ``-e DB_PASS=...``: a credential set in an environment
    variable assignment written into a file."""

    rule_id = "SEC-022"
    title = "Credential in an environment variable assignment"
    description = ("A literal value assigned to an environment variable whose name ends in a credential word "
                   "(PASSWORD, PASS, PWD, SECRET, TOKEN, APIKEY, _KEY, CREDS): ACRPWD=..., PGPASSWORD=..., "
                   "export API_TOKEN=...")
    severity = Severity.MEDIUM
    priority = 42  # before the keyword assignment (40): same span, a more specific reading
    keywords = _ENV_KEYWORDS

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        for match in self._assignments(text):
            name, word = match.group("name"), match.group("word")
            if _NOT_CREDENTIAL_NAMES.search(name) or names_no_secret(name) or _STAND_IN_NAME.search(name):
                continue
            value, start, quoted = _value(match)
            password = word in _PASSWORD_WORDS
            # a line that is only the assignment (a dotenv / shell-profile line, also commented out:
            # "# REACT_APP_PASS=whiteduke") holds the password itself, a lone lower-case word included
            whole_line = _whole_line(text, match, start + len(value))
            if not _usable(value, password=password, quoted=quoted, anchored=whole_line):
                continue
            if kind in (FileKind.CODE, FileKind.C_LIKE_CODE) and not quoted and not _issued(value):
                continue  # API_KEY=api_key in code: a variable, not a literal
            yield Candidate(detector=self.rule_id, secret=value, start=start, end=start + len(value),
                            severity=self.severity, details={"key": name})

    @staticmethod
    def _assignments(text: str) -> Iterator[re.Match[str]]:
        """``_ENV_ASSIGNMENT`` run only on the lines where a credential word meets ``=`` (one fast scan
        for that literal-led hint, instead of trying the full pattern at every position of the text)."""
        done = -1
        for hint in _ENV_HINT.finditer(text):
            if hint.start() < done:
                continue
            line_start = text.rfind("\n", 0, hint.start()) + 1
            line_end = text.find("\n", hint.end())
            done = len(text) if line_end < 0 else line_end
            yield from _ENV_ASSIGNMENT.finditer(text, line_start, done)


# machine HOST [login USER] [account ACCT] password PASSWORD, on one line or several (GNU inetutils manual,
# 'The .netrc file'); the tokens may come in any order after machine, password is read where it stands
_NETRC = re.compile(r"machine(?<!\wmachine)[ \t]+\S{1,200}(?:\s{1,20}(?:login|account)[ \t]+\S{1,200}){0,2}\s{1,20}"
                    r"password[ \t]+(?P<value>[^\s\"'$`]\S{3,200})")


class NetrcPassword(Detector):
    """A password in a ``.netrc`` entry (curl, git, pip, ftp and wandb read this file)."""

    rule_id = "SEC-023"
    title = "Password in a netrc entry"
    description = "A password in a .netrc 'machine ... login ... password ...' entry."
    severity = Severity.HIGH
    priority = 44  # after provider formats (a W&B key in ~/.netrc is reported as a W&B key)
    keywords = ("machine",)

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        del kind
        for match in _NETRC.finditer(text):
            value = match.group("value")
            if _usable(value, password=True, quoted=False, anchored=True):
                yield Candidate(detector=self.rule_id, secret=value, start=match.start("value"),
                                end=match.end("value"), severity=self.severity, free_form=True)


DETECTORS: tuple[type[Detector], ...] = (CommandLinePassword, EnvironmentCredential, NetrcPassword)
