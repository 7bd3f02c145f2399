"""Context of notebooks and docs that says a matched value is not a credential (session 13b).

Each reason is a mechanism that holds in any repository, not a list of one repository's strings:

- a saved output's HTML rendering (rich, IPython) wraps every token of a printed object in a styling
  ``<span>``, which hides the name a value is printed under (``'source_id'``: a document hash); the output
  is read as displayed, the same way terminal colour codes are removed from it (``walk``);
- a UUID printed as the bare ``key`` / ``id`` of a record that carries timestamps (``created_at``) is the
  identifier a program gave the record (a key-value store item, an API resource), not a credential;
- an unquoted UPPER_SNAKE name in code (``"authorization": GSUITE_ACCESS_TOKEN``) is a variable;
- ``$$NAME`` and ``\\$NAME`` are escaped environment references (Cloud Build / Compose / Make write ``$$``
  for a literal ``$``; a shell heredoc or string writes ``\\$``): the value is read at run time;
- a value that is a word in markdown emphasis (``GOOGLE_API_KEY: **Required**``) is prose in a doc.
"""

from __future__ import annotations

import html
import re

from mlsecure.secrets.detectors.generic import UUID_SHAPE, constant_name
from mlsecure.secrets.interface import FileKind

# inline presentation tags whose only attributes are styling: they change how a token looks, not what it says
_STYLING_TAG = re.compile(
    r"</?(?:span|font|b|strong|i|em|u|small|code)"
    r"(?:\s+(?:style|class)\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))*\s*>",
    re.IGNORECASE,
)


def displayed_html(body: str) -> str:
    """An HTML output as a reader sees its text: inline styling tags removed, character references read.

    Only tags that carry nothing but ``style`` / ``class`` go: a link's ``href`` or a cell's content stays.
    """
    if "<" not in body:
        return body
    stripped = _STYLING_TAG.sub("", body)
    return html.unescape(stripped) if stripped != body else body


# a record's own identifier field, quoted or not, just before the value: 'key': '...', key='...', "id": "..."
_RECORD_ID_BEFORE = re.compile(r"(?:^|[\s{(,])[\"']?(?:key|id)[\"']?\s*[:=]\s*[\"']?$")
# a timestamp field of the same record: 'created_at': '2024-11-04T22:48:16...', updated_at=datetime(...)
_TIMESTAMP_FIELD = re.compile(
    r"(?i)[\"']?(?:created|updated|modified|inserted)(?:_at|_on|_time)?[\"']?\s*[:=]\s*"
    r"(?:[\"']?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|datetime)"
)
_RECORD_WINDOW = 600
_ESCAPED_REFERENCE = re.compile(r"^(?:\$\$|\\\$)(?:\{[A-Za-z_]\w*\}|[A-Za-z_]\w*)$")
_EMPHASIZED_WORDS = re.compile(r"^(?:\*\*?|__?)[A-Za-z][A-Za-z \-]*(?:\*\*?|__?)$")


def _is_output(member: str | None) -> bool:
    return member is not None and " output " in member


def record_identifier(secret: str, text: str, start: int, member: str | None) -> bool:
    """A UUID under a bare ``key`` / ``id`` in a saved output, with a timestamp field in the same record."""
    if not _is_output(member) or UUID_SHAPE.match(secret) is None:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    if _RECORD_ID_BEFORE.search(text[max(line_start, start - 40) : start]) is None:
        return False
    window = text[max(0, start - _RECORD_WINDOW) : start + len(secret) + _RECORD_WINDOW]
    return _TIMESTAMP_FIELD.search(window) is not None


def unquoted_constant(secret: str, text: str, start: int, kind: FileKind) -> bool:
    """An UPPER_SNAKE name written without quotes in code: a variable holding the value, not the value."""
    if kind not in (FileKind.CODE, FileKind.C_LIKE_CODE) or not constant_name(secret):
        return False
    return start == 0 or text[start - 1] not in "\"'`"


def escaped_reference(secret: str) -> bool:
    """``$$HF_TOKEN``, ``\\$NEW_SECRET``, ``$${TOKEN}``: an environment reference with its ``$`` escaped."""
    return _ESCAPED_REFERENCE.match(secret) is not None


def emphasized_words(secret: str) -> bool:
    """``**Required**``, ``*optional*``: words in markdown emphasis, a doc's prose in the value's place."""
    return _EMPHASIZED_WORDS.match(secret) is not None


def notebook_reason(secret: str, text: str, start: int, *, member: str | None, kind: FileKind) -> str | None:
    """Why a matched value in a notebook part or a doc is not a credential, or None."""
    if record_identifier(secret, text, start, member):
        return "record identifier (UUID key of a printed record with timestamps)"
    if unquoted_constant(secret, text, start, kind):
        return "variable (unquoted UPPER_SNAKE name in code)"
    if escaped_reference(secret):
        return "escaped environment reference ($$NAME, \\$NAME)"
    if emphasized_words(secret):
        return "markdown emphasis (words, not a value)"
    return None
