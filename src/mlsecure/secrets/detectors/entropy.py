"""``ContextEntropy``: random-looking string literals with no secret keyword nearby, scored with context.

The charset and length set the bar (detect-secrets' defaults: hex >= 3.0 bits/char, base64 >= 4.5,
both over at least 32 characters, the shortest common key length); the context removes look-alikes:
the name the literal is assigned to (``sha256 = "..."``, ``commit: ...``, ``uuid`` are digests and ids),
a digest prefix on the value (``sha256:``, ``sha512-``), the file kind (lockfiles pin hashes and git
commits by design), UUIDs, placeholders, word-like or CamelCase strings, and file paths. Only quoted
literals count in code and prose; configuration files also count bare values (``key: value``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from mlsecure.findings import Severity
from mlsecure.secrets.detectors.generic import (
    _NAME_OF_SOMETHING,
    EXAMPLE_BEFORE,
    NON_SECRET_KEY_NAME,
    SIGNATURE_NAME,
    UUID_SHAPE,
    mixed_alphabets,
    public_der,
    shannon_entropy,
    word_like,
)
from mlsecure.secrets.interface import Candidate, Detector, FileKind

_QUOTED = re.compile(r"(?P<q>[\"'`])(?P<value>[A-Za-z0-9+/=_\-]{32,512}+)(?P=q)")
_BARE = re.compile(r"(?m)(?:[:=][ \t]*)(?P<value>[A-Za-z0-9+/=_\-]{32,512}+)[ \t]*+(?:#.*)?$")
_NAME = re.compile(r"(?P<name>[A-Za-z_][\w.\-]{0,60})[\"'`]?\s*(?::=|=>|=|:)\s*(?:[A-Za-z_]\w*\()?\s*$")
_BYTES_CALL = re.compile(r"(?:fromhex|unhexlify|a2b_hex|b16decode|hex2bin|decode_hex)\($")
_PROMPT = re.compile(r"^[ \t]*(?:\.\.\.|>>>)[ \t]")
# a line that is only a string piece, also after a doctest prompt (``...     '5736F7...'``)
_STRING_PIECE = re.compile(r"^[ \t]*(?:(?:\.\.\.|>>>)[ \t]+)?[bruf]{0,2}[\"'][^\"'\n]*[\"'][ \t,+\\)]*$")


def _opening_line(text: str, line_start: int) -> str:
    """The line above ``line_start``, skipping lines that are only string pieces (implicit concatenation)."""
    end = line_start - 1
    for _ in range(64):
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if not _STRING_PIECE.match(line) or start == 0:
            return line
        end = start - 1
    return ""


# a (name, value) pair of string arguments: setenv("MLFLOW_RUN_ID", "..."), ("api_key", "...")
_PAIR_NAME = re.compile(r"[\"'](?P<name>[A-Za-z_][\w.\-]{0,60})[\"']\s*,\s*$")
_DIGEST_NAME = re.compile(r"(?i)sha|md5|hash|digest|checksum|crc|etag|commit|rev|integrity|fingerprint|uuid|guid|"
                          r"(?:^|[_\-.])o?ids?$|version|build|nonce|salt_id|object_?id|image|font|icon|data$")
_SECRET_NAME = re.compile(r"(?i)key|token|secret|pass|pwd|auth|cred|signing|private|cookie|session|bearer")
_DIGEST_PREFIX = re.compile(r"(?i)(?:sha(?:1|224|256|384|512)|md5|blake2b?|sha3-\d+)[:\-=]$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
# prose or a table cell that says what the value is: "commit `3f2c...`", "sha256: ...", "| md5 |"
_DIGEST_WORD_BEFORE = re.compile(r"(?i)(?:sha\d*|md5|hash|digest|checksum|commit|revision|rev|etag|integrity|"
                                 r"fingerprint|uuid|run)\W{0,12}$")


_MAPPING_KEY = re.compile(r"[ \t]*:(?![:=/])")
_LIST_ITEMS = re.compile(r"""(?:\s*(?:"[^"\n]*"|'[^'\n]*')\s*,)*\s*$""")
_LIST_NAME = re.compile(r"(?P<name>[A-Za-z_][\w.\-]{0,60})[\"'`]?\s*(?::|=)\s*\[$")


def _list_name(text: str, start: int) -> str:
    """The name of the list a quoted item stands in (``"keyids": [ "aa61...", "61f9..." ]``), or ''."""
    before = text[max(0, start - 4096):start]
    opening = before.rfind("[")
    if opening < 0 or not _LIST_ITEMS.fullmatch(before, opening + 1):
        return ""
    name = _LIST_NAME.search(before[:opening + 1].rstrip() if before[opening] != "[" else before[:opening + 1])
    return name.group("name") if name else ""


# a text that speaks of digests anywhere (WEIGHTS_HASHES = {...}, "md5", "checksum", a git revision): its
# unnamed hex literals are taken for digests (low); in a text that never does, one is medium
_DIGEST_TEXT = re.compile(r"(?i)hash|sha\d|md5|digest|checksum|crc|commit|revision|fingerprint|etag|integrity|"
                          r"blake|\bgit\b|\boid\b|\brev\b")
# a hex value on a line that speaks of commits, revisions, object ids or hashes is one of those
_DIGEST_LINE_WORD = re.compile(r"(?i)\b(?:commit|revision|oid|sha\d*|hash|digest|checksum)s?\b")


# anti-forgery tokens (Rails authenticity_token, Django csrfmiddlewaretoken, ASP.NET
# __RequestVerificationToken, xsrf cookies) are written into every page a server sends: public, as SEC-018 holds
_ANTI_FORGERY = re.compile(r"(?i)csrf|xsrf|authenticity_token|requestverificationtoken|anti-?forgery")


class ContextEntropy(Detector):
    """A long random string literal anywhere (no keyword needed), unless its context says digest or id."""

    rule_id = "SEC-019"
    title = "High-entropy string (no keyword)"
    description = ("A random-looking literal of key length with no digest / id context: possibly a key "
                   "assigned to an innocuous name.")
    severity = Severity.LOW
    priority = 5
    keywords = ()
    hex_threshold = 3.0
    base64_threshold = 4.5

    def find(self, text: str, *, kind: FileKind) -> Iterator[Candidate]:
        if kind is FileKind.LOCKFILE:
            return  # lockfiles pin hashes and commits by design
        matches = list(_QUOTED.finditer(text))
        speaks_of_digests: bool | None = None  # computed once, on the first unnamed hex literal
        if kind is FileKind.CONFIG:
            matches += list(_BARE.finditer(text))
        for match in matches:
            value = match.group("value")
            start = match.start("value")
            line_start = text.rfind("\n", 0, start) + 1
            before = text[max(line_start, start - 120):start]
            if _DIGEST_PREFIX.search(before.rstrip("\"'`")) or before.endswith(("data:", "base64,")):
                continue
            if _MAPPING_KEY.match(text, match.end()):
                continue  # {"3f2c...": {...}}: a mapping key names an entry (a key id, a content address)
            name_match = _NAME.search(before.rstrip("\"'`@")) or _PAIR_NAME.search(before.rstrip("\"'`@"))
            opener = before
            if name_match is None and not _PROMPT.sub("", before).strip(" \t\"'`@") and line_start > 0:
                # the value opens its line: its name may end the line above ('gdrive_id':\n  '15tU...'),
                # or the line that opens a run of string pieces (KSIGNS = bytes.fromhex(\n "00.."\n "a0.."))
                opener = _opening_line(text, line_start)
                name_match = _NAME.search(opener.rstrip())
                if name_match is None:
                    # the opener may itself start the run of pieces: desc_hex = str('0ACE...'
                    opener = re.split(r"[\"']", opener, maxsplit=1)[0]
                    name_match = _NAME.search(opener.rstrip())
            name = name_match.group("name") if name_match else _list_name(text, match.start())
            if name and ((_DIGEST_NAME.search(name) and not _SECRET_NAME.search(name)) or "public" in name.lower()
                         or _NAME_OF_SOMETHING.search(name) or SIGNATURE_NAME.search(name)):
                continue  # a digest, an id (private_key_id, keyid), a public key or a signature: not a secret
            if name and NON_SECRET_KEY_NAME.search(name.upper().replace("-", "_").replace(".", "_")):
                continue  # ExecutionCacheKey: "<sha256>", partition_key: a key that indexes data
            if EXAMPLE_BEFORE.search(before.rstrip("\"'`")):
                continue  # "entity id value (e.g. `AB0F2EE5...`)": an example in prose
            if not name and _DIGEST_WORD_BEFORE.search(before.rstrip("\"'`")):
                continue
            if _HEX.match(value) and _DIGEST_LINE_WORD.search(text, line_start, start):
                continue  # "the model revision to deploy (e.g. `"6c0e..."`)": hex on a line about commits
            if _ANTI_FORGERY.search(text, max(line_start, start - 200), start):
                # <input name="authenticity_token" value="...">: in every page the server sends (the name
                # sits just before the value; a bounded window keeps long lines linear)
                continue
            entropy = self.score(value)
            if entropy is None or public_der(value):
                continue  # below the bar, or a certificate / public key in base64 DER
            # scored with its context: a secret's name, or no name at all on a base64 value (a random
            # literal of key length that nothing labels), fails a scan; a hex value with no name stays low
            # (md5 / sha1 / sha256 digests are hex, and tables of them rarely name every entry)
            unnamed_hex_alone = False
            if not name and _HEX.match(value) and not _BYTES_CALL.search(opener.rstrip("\"'` \t")):
                # bytes.fromhex("3026b275...") is a binary constant (a magic number, a table), not a key
                if speaks_of_digests is None:
                    speaks_of_digests = _DIGEST_TEXT.search(text) is not None
                unnamed_hex_alone = not speaks_of_digests
            unnamed_base64 = not name and not _HEX.match(value)
            severity = Severity.MEDIUM if (name and _SECRET_NAME.search(name)) or unnamed_base64 \
                or unnamed_hex_alone else self.severity
            yield Candidate(detector=self.rule_id, secret=value, start=start, end=start + len(value),
                            severity=severity, details={"entropy_bits_per_char": round(entropy, 3),
                                                        "name": name or None})

    def score(self, value: str) -> float | None:
        """The entropy when ``value`` clears the bar for its charset and is not a look-alike, else None."""
        if UUID_SHAPE.match(value) or word_like(value.replace("-", "").replace("_", "")) or mixed_alphabets(value):
            return None
        if len(set(value)) <= 6 or value.strip("=") != value.rstrip("="):
            return None
        entropy = shannon_entropy(value)
        if _HEX.match(value):
            if value.isdigit() or value.isalpha():
                return None
            return entropy if entropy >= self.hex_threshold else None
        if not (any(c.islower() for c in value) and any(c.isupper() for c in value)
                and sum(c.isdigit() for c in value) >= 2):
            return None  # CONSTANT_NAMES, snake_case, words: random base64 mixes cases and digits
        if value.count("/") >= 2 and all(len(p) < 20 for p in value.split("/")):
            return None  # a path (models/bert/v2/...), not base64
        threshold = max(self.base64_threshold, 0.75 * math.log2(len(value)))
        return entropy if entropy >= threshold else None
