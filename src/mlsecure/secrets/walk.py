"""Which files to read and how: directory walk (skipping VCS and virtualenvs), binary sniffing,
file kinds, and the text parts of a Jupyter notebook (cell sources and text outputs)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsecure.errors import InputError
from mlsecure.secrets.interface import FileKind
from mlsecure.secrets.notebook_context import displayed_html

SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "node_modules", "__pycache__", ".mypy_cache",
                       ".ruff_cache", ".pytest_cache", ".tox", ".nox", "site-packages", ".venv", "venv",
                       ".ipynb_checkpoints", ".eggs"})
SNIFF_BYTES = 8192

_CODE_SUFFIXES = frozenset({".py", ".pyi", ".js", ".mjs", ".ts", ".tsx", ".jsx", ".java", ".go", ".rb",
                            ".sh", ".bash", ".zsh", ".r", ".scala", ".kt",
                            ".rs", ".php", ".swift", ".jl", ".lua", ".pl", ".ps1", ".sql",
                            ".tf", ".hcl", ".tfvars"})  # HCL: strings are always quoted, bare words are references
_C_LIKE_SUFFIXES = frozenset({".c", ".h", ".cc", ".cpp", ".hpp", ".cxx", ".cs", ".m", ".mm"})
_CONFIG_SUFFIXES = frozenset({".env", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".properties",
                              ".json", ".netrc", ".xml", ".npmrc", ".pypirc"})
_CONFIG_NAMES = frozenset({".env", ".netrc", ".npmrc", ".pypirc", "dockerfile", "credentials", "config",
                           ".dockercfg", "docker-compose.yml"})


@dataclass(frozen=True)
class TextPart:
    """A piece of text to scan: a whole file, or one cell / output of a notebook (``member``)."""

    text: str
    kind: FileKind
    member: str | None = None
    tutorial: bool = False  # a part of a notebook written to be read (``tutorial_notebook``)


def iter_files(paths: Sequence[Path]) -> Iterator[Path]:
    """Every regular file under ``paths`` (files as given, directories recursively, sorted).

    Skips VCS metadata, caches, ``node_modules`` and virtual environments (a directory holding
    ``pyvenv.cfg``), and does not follow symbolic links to directories inside the tree. A root named by a symbolic
    link is scanned where it points: the user named it, and skipping it ended the scan clean having read nothing. A
    link to a regular file is scanned (under the link's name) when its target lies outside every root: a Hugging Face
    snapshot folder is made of links to ``../../blobs/``, and skipping them scanned nothing; a target inside a root
    is scanned there once. Overlapping roots (``repo/tests repo``) yield each file once, so no finding is doubled.
    """
    inside = [root.resolve() for root in paths if root.is_dir()]
    seen: set[Path] = set()
    for path in _all_files(paths, inside):
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            yield path


def _all_files(paths: Sequence[Path], inside: Sequence[Path]) -> Iterator[Path]:
    for root in paths:
        if root.is_file():
            yield root
            continue
        if not root.is_dir():
            raise InputError(f"{root}: no such file or directory")
        for directory, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS
                                 and not (Path(directory) / d / "pyvenv.cfg").exists())
            for name in sorted(filenames):
                path = Path(directory) / name
                if not path.is_symlink() or _outside_link(path, inside):
                    yield path


def _outside_link(link: Path, roots: Sequence[Path]) -> bool:
    """A symbolic link to a regular file that no scanned directory holds (so nothing else reads it)."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):  # broken or looping link
        return False
    return target.is_file() and not any(target.is_relative_to(root) for root in roots)


def inside_root(path: Path, roots: Sequence[Path]) -> str:
    """Where ``path`` sits inside the scanned tree, for the judgements that read a path (tests, docs, examples):
    relative to the directory root that holds it, so a checkout at ``~/examples/repo`` or ``/srv/tests/repo`` is
    judged by its own folders only. A file named as a root keeps the path it was given. With overlapping roots
    (``repo/tests repo``) the outermost one decides, so ``tests/`` still reads as test code."""
    if path in roots:
        return str(path)
    for root in sorted(roots, key=lambda r: len(r.parts)):
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return str(path)


def count_files(directory: Path, *, limit: int) -> int:
    """How many files ``iter_files`` would yield, counting stops at ``limit + 1``."""
    n = 0
    for _ in iter_files([directory]):
        n += 1
        if n > limit:
            break
    return n


def is_binary(head: bytes) -> bool:
    """A NUL byte in the first 8 KiB (without a UTF-16/32 byte-order mark) means binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head[:SNIFF_BYTES]


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")


_LOCKFILES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock",
                        "pipfile.lock", "uv.lock", "pdm.lock", "cargo.lock", "go.sum", "gemfile.lock",
                        "composer.lock", "conda-lock.yml", "flake.lock", "packages.lock.json",
                        "go.mod"})  # go.mod pins versions and pseudo-versions (v0.0.0-<date>-<commit>)


def file_kind(path: Path) -> FileKind:
    name = path.name.lower()
    if name in _LOCKFILES or name.endswith(".lock") or (name.startswith("requirements") and "lock" in name):
        return FileKind.LOCKFILE
    if name in _CONFIG_NAMES or name.startswith(".env") or path.suffix.lower() in _CONFIG_SUFFIXES:
        return FileKind.CONFIG
    if path.suffix.lower() in _CODE_SUFFIXES:
        return FileKind.CODE
    if path.suffix.lower() in _C_LIKE_SUFFIXES:
        return FileKind.C_LIKE_CODE
    return FileKind.TEXT


def text_parts(path: Path, text: str) -> list[TextPart]:
    """The parts of a file to scan: a notebook's cells and text outputs, or the whole text."""
    if path.suffix.lower() == ".ipynb":
        parts = notebook_parts(text)
        if parts is not None:
            return parts
    name = path.name.lower()
    if name == "dockerfile" or name.startswith("dockerfile.") or name.endswith(".dockerfile"):
        return [TextPart(dockerfile_assignments(text), FileKind.CONFIG)]
    return [TextPart(text, file_kind(path))]


_DOCKER_SPACE_FORM = re.compile(r"(?im)^([ \t]*(?:ENV|ARG)[ \t]+[A-Za-z_][A-Za-z0-9_.\-]*) (?=[^=\s])")


def dockerfile_assignments(text: str) -> str:
    """``ENV NAME value`` (the legacy space form) read as ``ENV NAME=value``; offsets are unchanged."""
    return _DOCKER_SPACE_FORM.sub(r"\1=", text)


def notebook_parts(text: str) -> list[TextPart] | None:
    """Cell sources (code cells as code) and text outputs of an nbformat-4 notebook; ``None`` if not one.

    Image outputs (base64 PNG/JPEG) are not text a person typed and are left out.
    """
    try:
        notebook = json.loads(text)
    except ValueError:
        return None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None
    parts: list[TextPart] = []
    tutorial = tutorial_notebook(notebook["cells"])
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict):
            continue
        kind = FileKind.CODE if cell.get("cell_type") == "code" else FileKind.TEXT
        source = _joined(cell.get("source"))
        if source:
            parts.append(TextPart(source, kind, f"cell {index}", tutorial))
        outputs = cell.get("outputs")
        for out_index, output in enumerate(outputs if isinstance(outputs, list) else ()):
            if isinstance(output, dict):
                body = _output_text(output)
                if body:
                    parts.append(TextPart(body, FileKind.TEXT, f"cell {index} output {out_index}", tutorial))
    metadata = notebook.get("metadata")
    if isinstance(metadata, dict) and metadata:
        parts.append(TextPart(json.dumps(metadata, indent=1), FileKind.CONFIG, "metadata"))
    return parts


TUTORIAL_MARKDOWN_CELLS = 3
TUTORIAL_PROSE_SHARE = 0.5  # markdown characters per character of code


def tutorial_notebook(cells: list[Any]) -> bool:
    """A notebook that explains itself in prose (3+ markdown cells, markdown at least half as long as its code), as
    tutorial collections publish them: a typed password there is shown to a reader, as in a docs page (session 14,
    lead). A team's working notebook is mostly code: a typed password there keeps its severity."""
    markdown = [_joined(c.get("source")) for c in cells if isinstance(c, dict) and c.get("cell_type") == "markdown"]
    code = sum(len(_joined(c.get("source"))) for c in cells if isinstance(c, dict) and c.get("cell_type") == "code")
    prose = sum(len(m) for m in markdown)
    return len([m for m in markdown if m.strip()]) >= TUTORIAL_MARKDOWN_CELLS and prose >= TUTORIAL_PROSE_SHARE * code


# a terminal's colour / cursor codes (ESC [ ... letter) in a saved output: rich tracebacks and progress bars
# write them between a name and its value ('[32m'workflow_id'[0m: '...'), so the output is read as displayed
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _output_text(output: dict[str, Any]) -> str:
    """The text of one output as a reader sees it: streams, non-image data and tracebacks, colour codes removed."""
    body = _output_pieces(output)
    return _ANSI_ESCAPE.sub("", body) if "\x1b[" in body else body


def _output_pieces(output: dict[str, Any]) -> str:
    pieces = [_joined(output.get("text"))]
    data = output.get("data")
    if isinstance(data, dict):
        # an HTML rendering is read as displayed: styling spans would hide the name a value is printed under
        pieces.extend(displayed_html(_joined(value)) if mime == "text/html" else _joined(value)
                      for mime, value in data.items() if isinstance(mime, str) and not mime.startswith("image/"))
    traceback = output.get("traceback")
    if isinstance(traceback, list):
        pieces.append("\n".join(t for t in traceback if isinstance(t, str)))
    return "\n".join(p for p in pieces if p)


def _joined(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else "" for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return ""
