"""``KeywordContextToken``: a token-shaped value right after a credential word, in any of the loose
syntaxes people write outside code: ``zerobounceKEY=...``, ``nimble ACCESS ...``, ``boxSECRET ...``,
``clarifai access key ...``, ``codakey-...``, ``"rapidapiKey":"..."``.

Score = context + shape. The context is a credential word (secret, token, key, access, private,
credentials) that ends or is glued into the name just before the value, with at most two more credential
words after it (``SECRET key``, ``access TOKEN``), then one separator: ``=``, ``:``, ``:=``, spaces, or
one ``-`` / ``.`` / ``_``. Because that context is explicit, the entropy bar is lower than for a string
that merely shares a line with a keyword (SEC-018): min(3.0, 0.7 log2 n) bits per character, where a
random n-character string averages close to log2 n; the value must still be machine-drawn in shape
(16+ characters, letters with digits, not word-like, not a host name, a path or a dotted code name).

A value whose "random" part is typed filler - an ascending or descending run of 6+ characters
(``abcdef``, ``123456``, ``zyxwvu``), 6+ equal characters in a row, or one unit repeated - is reported
as an info stand-in: a drawn token holds such a run rarely (each is 5 steps of probability 1/16 in hex:
16^-5 per position, about 1e-4 over the 27 positions of 32 hex characters and both directions; base62
far less), so almost no real secret is demoted, and a reviewer still sees where a key goes.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator

from mlsecure.findings import Severity
from mlsecure.secrets.detectors.command_line import _NOT_CREDENTIAL_NAMES
from mlsecure.secrets.detectors.generic import (
    _CODE_REFERENCE,
    _DIGEST_LINE,
    _HOSTNAME,
    _IDENTIFIER,
    _NAME_OF_SOMETHING,
    _PATH_LIKE,
    _SPECIAL_TOKEN_KEY,
    UUID_SHAPE,
    _lower_same_length,
    constant_name,
    mixed_alphabets,
    names_no_secret,
    shannon_entropy,
    word_like,
)
from mlsecure.secrets.detectors.single_case import letters_draw, single_case_draw
from mlsecure.secrets.interface import Candidate, Detector, FileKind

_WORDS = r"secret|token|key|access|private|credentials?|bearer"
_WORD_LOWER = re.compile(_WORDS)
_WORD_ANY = re.compile(r"(?i)" + _WORDS)
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
# the rest of the name (up to two more credential words: "SECRET key", "access TOKEN", "_ACCESS_KEY"),
# a closing quote of a JSON / dict key, one separator, then the value
_AFTER = re.compile(
    r"(?i)(?P<tail>s?(?:[ _.\-]{0,2}(?:secret|token|key|access|private|code|api)s?){0,2})"
    r"[\"'`]?(?P<sep>[ \t]*:?=[ \t]*|[ \t]*:[ \t]*|[ \t]+|[\-._])[\"'`]?"
    r"(?P<value>[A-Za-z0-9][A-Za-z0-9+/_\-.!]{11,299}={0,2})(?![A-Za-z0-9+/_\-.=!])")
_REPEATED = re.compile(r"(.)\1{5}")
# a resource or package name: lower-case words and numbers joined by "-" (cmp2-qat-1208358310,
# jjwt-jackson-0.11.2), one of them a word of letters only; drawn tokens have no such part
_RESOURCE_NAME = re.compile(r"^[a-z0-9.]+(?:-[a-z0-9.]+)+$")
_WORD_PART = re.compile(r"(?:^|-)[a-z]{2,8}(?:-|$)")


def _run_length(value: str, step: int) -> int:
    """The longest run of characters each ``step`` code points after the previous (case folded)."""
    best = run = 1
    folded = value.lower()
    for a, b in itertools.pairwise(folded):
        run = run + 1 if a.isalnum() and ord(b) - ord(a) == step else 1
        best = max(best, run)
    return best


_ENDS_VALUE = frozenset(" \t\r\n\"'`,;)]}>&<|\\")


def _glued_text(text: str, end: int) -> bool:
    """The value runs on into a character no token alphabet draws (``:``, ``*``, ``#``, ``?``, ``(``...)
    and more text after it; a space, a quote, a closing bracket, ``&`` (the next query parameter) or a
    final ``.`` / ``:`` end a value."""
    after = text[end:end + 1]
    if not after or after in _ENDS_VALUE:
        return False
    following = text[end + 1:end + 2]
    return not (after in ".:" and (not following or following in _ENDS_VALUE))


def typed_filler(value: str) -> bool:
    """``abcdef1234...``, ``zyxwvu...``, ``aaaaaa...``, ``abcd1234abcd1234``: a person's stand-in, not a draw."""
    core = value.replace("-", "").replace("_", "")
    if _run_length(core, 1) >= 6 or _run_length(core, -1) >= 6 or _REPEATED.search(core):
        return True
    return (core + core).find(core, 1) < len(core)  # a rotation of itself: one unit repeated


def _filler_marks(value: str) -> list[bool]:
    """Which characters belong to a typed run: 4+ letters or digits each one step up, one step down or
    equal to the previous (case folded): ``1234``, ``defghi``, ``9876``, ``0000``."""
    folded = value.lower()
    marks = [False] * len(value)
    for step in (1, -1, 0):
        start = 0
        for i in range(1, len(folded) + 1):
            if i < len(folded) and folded[i - 1].isalnum() and folded[i].isalnum() \
                    and ord(folded[i]) - ord(folded[i - 1]) == step:
                continue
            if i - start >= 4:
                marks[start:i] = [True] * (i - start)
            start = i
    return marks


def _typed_apart(segment: str) -> bool:
    """The letters or the digits, read apart, run in order (``ab12cd34ef56gh``, ``d1e2c3b4a5f6``): typed."""
    letters = "".join(c for c in segment if c.isalpha())
    digits = "".join(c for c in segment if c.isdigit())
    return any(_run_length(part, step) >= 6 for part in (letters, digits) for step in (1, -1))


def drawn_beyond_filler(value: str) -> bool:
    """Outside its typed runs (and ``-`` / ``_``) the value still holds a machine-drawn piece of 16+
    characters (``v9sswdzc2it8axf4jxwqt7h_12345678``): a person writing a stand-in types filler, not 16
    random characters, so the value is a key (padded, or issued with a counter), not a placeholder."""
    pieces: list[str] = []
    piece: list[str] = []
    for char, typed in zip(value, _filler_marks(value), strict=True):
        if typed or char in "-_":
            pieces.append("".join(piece))
            piece = []
        else:
            piece.append(char)
    pieces.append("".join(piece))
    return any(len(p) >= 16 and drawn_shape(p) and not _typed_apart(p) for p in pieces)


def _token_chars(value: str) -> bool:
    """16+ characters with letters and digits: the outline of a token, drawn or typed."""
    return len(value) >= 16 and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


_SINGLE_CASE = re.compile(r"^(?:[a-z0-9]+|[A-Z0-9]+)$")
_DIGIT_RUN = re.compile(r"[0-9]+")


def _scattered_digits(value: str) -> bool:
    """A single-case run with no separator and digits in 4+ places (``io3l0urk6hubmo2gbb...``): base36 drawn
    by a machine; lower-case letters of such a draw form pronounceable pieces by chance, names do not hold
    digits in four places."""
    return _SINGLE_CASE.match(value) is not None and len(_DIGIT_RUN.findall(value)) >= 4


_SEPARATORS = re.compile(r"[\-_.]")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
_CREDENTIAL_PIECES = frozenset({"secret", "secrets", "token", "tokens", "key", "keys", "password", "passwd",
                                "credential", "credentials", "access"})


def names_a_credential(value: str) -> bool:
    """A value with a whole word piece (split at ``-_.`` and at lower-to-upper case changes) that is a
    credential word (``gs-test-tokenKey-6``, ``s3-testaccessKeyKey``): a name or a label for a secret, not a
    draw. Digits do not split (``...f192key0ke9x`` is base36), so a drawn value rarely holds such a piece."""
    return any(word.lower() in _CREDENTIAL_PIECES for piece in _SEPARATORS.split(value)
               for word in _CAMEL_BOUNDARY.split(piece))


def drawn_shape(value: str) -> bool:
    """Machine-issued in shape: 16+ characters, letters with digits, not prose-like, entropy near random."""
    if not (_token_chars(value) or letters_draw(value)) or typed_filler(value):
        return False
    if word_like(value) and not (_scattered_digits(value) or single_case_draw(value) or letters_draw(value)):
        return False
    if mixed_alphabets(value) or _HOSTNAME.match(value.lower()) or _PATH_LIKE.search(value):
        return False
    if "." in value and _CODE_REFERENCE.match(value):
        return False  # settings.api_key2, a dotted name
    if _RESOURCE_NAME.match(value) and _WORD_PART.search(value) and not UUID_SHAPE.match(value):
        return False
    if UUID_SHAPE.match(value):
        return True  # many providers issue UUID keys (Heroku, Bugsnag...); its hex groups are drawn
    return shannon_entropy(value) >= min(3.0, 0.7 * math.log2(len(value)))


class KeywordContextToken(Detector):
    """A drawn-looking value directly after a credential word, glued or spaced: ``boxSECRET 5f3c...``."""

    rule_id = "SEC-024"
    title = "Token after a credential word"
    description = ("A machine-drawn value (16+ characters, letters with digits, near-random entropy) written "
                   "right after a secret / token / key / access / private word, in any syntax: NAME=value, "
                   "name: value, 'provider SECRET value', 'providerKEY-value'.")
    severity = Severity.MEDIUM
    # after the keyword assignment (40) and the keyword-line entropy rule (10): where they read the value
    # (quoted literals, tokens past their higher entropy bar) they claim it; this rule fills the gaps
    priority = 8
    keywords = ("secret", "token", "key", "access", "private", "credential", "bearer")

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        if kind is FileKind.LOCKFILE:
            return  # versions, pseudo-versions and digests by design
        lowered = _lower_same_length(text)
        words = _WORD_ANY.finditer(text) if lowered is None else _WORD_LOWER.finditer(lowered)
        done = -1
        for word in words:
            if word.start() < done:
                continue
            match = _AFTER.match(text, word.end())
            if match is None:
                continue
            done = match.end()
            start = word.start()
            while start > 0 and text[start - 1] in _NAME_CHARS and word.start() - start < 40:
                start -= 1
            name = text[start:match.end("tail")]
            if _SPECIAL_TOKEN_KEY.search(name) or names_no_secret(name) or _NAME_OF_SOMETHING.search(name) \
                    or _NOT_CREDENTIAL_NAMES.search(name.upper().replace("-", "_").replace(".", "_")):
                continue
            value = match.group("value")
            if ".." in value or text.startswith("..", match.end("value")):
                continue  # "ops_eyJzaWdu..[Redacted]": a value cut short in the text, not the value
            value = value.rstrip(".")
            if names_a_credential(value) or constant_name(value):
                continue  # "s3-test-accessKeyKey-6", "BLOCK_V1_PIPELINES": a name that says what it holds, not a draw
            if _glued_text(text, match.end("value")):
                continue  # "VmFYK7WG3CkgVmTl:c*X", "...Bg5#zy2p", "...p4j(rx5f": typed or mangled text, not a draw
            value_start = match.start("value")
            quoted = text[value_start - 1:value_start] in ("\"", "'", "`")
            if kind in (FileKind.CODE, FileKind.C_LIKE_CODE) and not quoted and _IDENTIFIER.match(value):
                continue  # a variable in code
            filler = typed_filler(value)
            if not (drawn_shape(value) or (filler and _token_chars(value))):
                continue
            line_start = max(text.rfind("\n", 0, value_start) + 1, value_start - 200)
            line_end = text.find("\n", value_start, value_start + len(value) + 200)
            if _DIGEST_LINE.search(text, line_start, value_start + len(value) + 200 if line_end < 0 else line_end):
                continue
            stand_in = filler and not drawn_beyond_filler(value)
            yield Candidate(detector=self.rule_id, secret=value, start=value_start, end=value_start + len(value),
                            severity=self.severity, details={"key": name, **({"stand_in": True} if stand_in else {})})
