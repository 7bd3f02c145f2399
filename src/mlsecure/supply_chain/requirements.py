"""Read pip requirements files into typed entries (PEP 508 via ``packaging``), keeping what matters for
security: exact pins, ``--hash`` pins, direct URLs / VCS / local paths, editable installs, and the
file-level index options (``--extra-index-url`` and ``--trusted-host``).

Follows pip's format: ``\\`` continues a line; ``#`` starts a comment at the start of a line or after
whitespace (so ``...#egg=name`` and ``#sha256=`` fragments survive); ``-r``/``-c`` include other
files relative to the including one (cycles are refused).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from mlsecure.errors import InputError
from mlsecure.private_files import read_regular_file

_COMMENT = re.compile(r"(^|\s+)#.*$")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git\+|hg\+|svn\+|bzr\+|file:)", re.IGNORECASE)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class RequirementEntry:
    """One requirement line."""

    source: str  # file path
    line: int  # first line of the (possibly continued) entry
    text: str  # the requirement as written, options stripped
    name: str | None  # canonical project name (None for a URL without #egg=)
    specifier: str = ""
    pinned_version: str | None = None  # the version of an exact ``==``/``===`` pin
    hashes: tuple[str, ...] = ()  # "sha256:..." from --hash options
    url: str | None = None  # direct reference: URL, VCS or local path
    editable: bool = False
    marker: str | None = None
    extras: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return self.name or self.text


@dataclass(frozen=True)
class RequirementsFile:
    """Every entry of a requirements file (with its includes) and its index options."""

    path: str
    entries: tuple[RequirementEntry, ...]
    index_urls: tuple[tuple[str, int, str], ...] = ()  # (source, line, url)
    extra_index_urls: tuple[tuple[str, int, str], ...] = ()
    trusted_hosts: tuple[tuple[str, int, str], ...] = ()
    constraints: tuple[str, ...] = field(default=())


def parse_requirements(path: str | Path) -> RequirementsFile:
    """Parse ``path`` and the files it includes with ``-r``/``-c``."""
    collector = _Collector()
    collector.read(Path(path), stack=())
    return RequirementsFile(str(path), tuple(collector.entries), tuple(collector.index_urls),
                            tuple(collector.extra_index_urls), tuple(collector.trusted_hosts),
                            tuple(collector.constraints))


def parse_line(text: str, *, source: str = "<string>", line: int = 1) -> RequirementEntry:
    """Parse one requirement (``name[extras] specifier ; marker`` or a URL/path), options removed."""
    editable = False
    stripped = text.strip()
    for flag in ("--editable=", "--editable ", "-e=", "-e "):
        if stripped.startswith(flag):
            editable, stripped = True, stripped[len(flag):].strip()
            break
    spec_text, option_text = _break_args_options(stripped, keep_first=editable)
    hashes = _hashes(_split(option_text, source, line), source, line)
    if not spec_text:
        raise InputError(f"{source}:{line}: no requirement on this line")
    if _URL.match(spec_text) or spec_text.startswith((".", "/", "~")) or (editable and "@" not in spec_text):
        egg = _EGG.search(spec_text)
        name = canonicalize_name(egg.group(1)) if egg else None
        return RequirementEntry(source, line, spec_text, name, hashes=hashes, url=spec_text.split()[0],
                                editable=editable)
    try:
        req = Requirement(spec_text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__  # packaging adds a caret drawing
        raise InputError(f"{source}:{line}: not a valid requirement {spec_text!r}: {reason}") from None
    pinned = None
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
        pinned = specs[0].version
    return RequirementEntry(
        source, line, spec_text, canonicalize_name(req.name), specifier=str(req.specifier), pinned_version=pinned,
        hashes=hashes, url=req.url, editable=editable, marker=str(req.marker) if req.marker else None,
        extras=tuple(sorted(req.extras)),
    )


def _break_args_options(text: str, *, keep_first: bool) -> tuple[str, str]:
    """pip's split: the requirement runs up to the first token that starts with ``-``."""
    tokens = text.split(" ")
    args: list[str] = []
    for i, token in enumerate(tokens):
        if token.startswith("-") and not (keep_first and i == 0):
            return " ".join(args).strip(), " ".join(tokens[i:])
        args.append(token)
    return " ".join(args).strip(), ""


def _hashes(tokens: list[str], source: str, line: int) -> tuple[str, ...]:
    out: list[str] = []
    for i, token in enumerate(tokens):
        if token.startswith("--hash="):
            out.append(token.partition("=")[2])
        elif token == "--hash" and i + 1 < len(tokens):
            out.append(tokens[i + 1])
    for value in out:
        algo, _, digest = value.partition(":")
        if not algo or not re.fullmatch(r"[0-9a-fA-F]+", digest or ""):
            raise InputError(f"{source}:{line}: malformed --hash {value!r}; expected ALGORITHM:HEX")
    return tuple(out)


class _Collector:
    def __init__(self) -> None:
        self.entries: list[RequirementEntry] = []
        self.index_urls: list[tuple[str, int, str]] = []
        self.extra_index_urls: list[tuple[str, int, str]] = []
        self.trusted_hosts: list[tuple[str, int, str]] = []
        self.constraints: list[str] = []

    def read(self, path: Path, *, stack: tuple[Path, ...]) -> None:
        resolved = path.resolve()
        if resolved in stack:
            raise InputError(f"{path}: requirements include cycle ({' -> '.join(str(p) for p in stack)})")
        raw = read_regular_file(path, what="the requirements file", max_bytes=16 << 20)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 at byte {exc.start}") from None
        for number, logical in _logical_lines(text):
            self._line(path, number, logical, (*stack, resolved))

    def _line(self, path: Path, number: int, logical: str, stack: tuple[Path, ...]) -> None:
        source = str(path)
        tokens = logical.split()
        head = tokens[0]
        option, eq, value = head.partition("=")
        value = value if eq else (tokens[1] if len(tokens) > 1 else "")
        if option in ("-r", "--requirement", "-c", "--constraint") or (head.startswith(("-r", "-c")) and len(head) > 2):
            if option not in ("-r", "--requirement", "-c", "--constraint"):
                option, value = head[:2], head[2:]
            target = path.parent / value
            if option in ("-c", "--constraint"):
                self.constraints.append(str(target))
            self.read(target, stack=stack)
        elif option in ("-i", "--index-url"):
            self.index_urls.append((source, number, value))
        elif option == "--extra-index-url":
            self.extra_index_urls.append((source, number, value))
        elif option == "--trusted-host":
            self.trusted_hosts.append((source, number, value))
        elif option in ("-f", "--find-links", "--no-index", "--pre", "--prefer-binary", "--only-binary",
                        "--no-binary", "--require-hashes", "--use-feature"):
            return
        else:
            self.entries.append(parse_line(logical, source=source, line=number))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw)
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        joined = " ".join(part.strip() for part in buffer).strip()
        buffer = []
        if joined:
            out.append((start, joined))
    if buffer and " ".join(buffer).strip():
        out.append((start, " ".join(part.strip() for part in buffer).strip()))
    return out


def _split(text: str, source: str, line: int) -> list[str]:
    try:
        return shlex.split(text, posix=True)
    except ValueError as exc:
        raise InputError(f"{source}:{line}: cannot split {text!r}: {exc}") from None
