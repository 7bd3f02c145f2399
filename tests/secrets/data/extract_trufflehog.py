"""Extract trufflehog's detector pattern-test strings as a held-out corpus (run by hand, not by pytest).

    git clone https://github.com/trufflesecurity/trufflehog  (or any bare mirror of it)
    python tests/secrets/data/extract_trufflehog.py --git-dir TRUFFLEHOG/.git --out /tmp/trufflehog_cases.json

Reads every ``pkg/detectors/**/*_test.go`` (not ``*_integration_test.go``) at the given commit, finds its
``Test*_Pattern`` function and, in its ``tests := []struct{...}{...}`` table, each entry's ``input`` and
``want``: an entry whose ``want`` lists a value is labelled positive (the detector must report it), one
with ``nil`` / ``[]string{}`` / no ``want`` negative; a ``want`` that names a package-level ``[]string{...}``
variable (``want: secrets``; session 8: these 16 entries were labelled negative before) is positive when
the list holds a value, and an entry whose ``want`` names anything else is skipped. ``input`` is evaluated
only when it is built from Go string literals, package-level string constants / variables, ``+`` and
``fmt.Sprintf`` with ``%s`` / ``%v`` / ``%d`` verbs; other entries are counted as skipped, never guessed.

trufflehog is AGPL-3.0: the strings are test data read from its repository at benchmark time and are
NOT committed here (this extractor is our own code; it copies no trufflehog code). The output names the
commit and each string's source file.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b", "f": "\f",
            "v": "\v", "0": "\0"}


class Unsupported(Exception):
    """An expression this extractor does not evaluate (the entry is skipped)."""


def _string_at(src: str, i: int) -> tuple[str, int]:
    """The Go string literal starting at ``src[i]`` (raw or interpreted) and the index after it."""
    if src[i] == "`":
        end = src.index("`", i + 1)
        return src[i + 1:end], end + 1
    if src[i] != '"':
        raise Unsupported(src[i:i + 20])
    out: list[str] = []
    j = i + 1
    while src[j] != '"':
        if src[j] == "\n":
            raise Unsupported("newline in a string")
        if src[j] == "\\":
            nxt = src[j + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                j += 2
            elif nxt in "xuU":
                width = {"x": 2, "u": 4, "U": 8}[nxt]
                out.append(chr(int(src[j + 2:j + 2 + width], 16)))
                j += 2 + width
            else:
                raise Unsupported("escape")
        else:
            out.append(src[j])
            j += 1
    return "".join(out), j + 1


def _skip_space(src: str, i: int) -> int:
    while i < len(src):
        if src[i] in " \t\r\n":
            i += 1
        elif src.startswith("//", i):
            i = src.index("\n", i) if "\n" in src[i:] else len(src)
        else:
            break
    return i


_IDENT = re.compile(r"[A-Za-z_][\w.]*")


def _sprintf(fmt: str, args: list[str]) -> str:
    pieces = re.split(r"(%[-+# 0]*\d*[svdq%])", fmt)
    out, k = [], 0
    for piece in pieces:
        if re.fullmatch(r"%[-+# 0]*\d*[svdq]", piece):
            if k >= len(args):
                raise Unsupported("too few Sprintf arguments")
            out.append(f'"{args[k]}"' if piece.endswith("q") else args[k])
            k += 1
        elif piece == "%%":
            out.append("%")
        else:
            out.append(piece)
    return "".join(out)


def _expr(src: str, i: int, names: dict[str, str]) -> tuple[str, int]:
    """Evaluate a string expression at ``src[i]``: literals, names, ``+``, ``fmt.Sprintf``."""
    value, i = _term(src, i, names)
    while True:
        j = _skip_space(src, i)
        if j < len(src) and src[j] == "+":
            term, i = _term(src, _skip_space(src, j + 1), names)
            value += term
        else:
            return value, i


def _term(src: str, i: int, names: dict[str, str]) -> tuple[str, int]:
    if src[i] in "`\"":
        return _string_at(src, i)
    match = _IDENT.match(src, i)
    if match is None:
        raise Unsupported(src[i:i + 20])
    ident, i = match.group(), match.end()
    if ident in ("fmt.Sprintf", "fmt.Sprint"):
        if src[i] != "(":
            raise Unsupported(ident)
        args: list[str] = []
        i = _skip_space(src, i + 1)
        while src[i] != ")":
            arg, i = _expr(src, i, names)
            args.append(arg)
            i = _skip_space(src, i)
            if src[i] == ",":
                i = _skip_space(src, i + 1)
        return (_sprintf(args[0], args[1:]) if ident == "fmt.Sprintf" else "".join(args)), i + 1
    if ident in names:
        return names[ident], i
    raise Unsupported(ident)


_DECL = re.compile(r"(?m)^\s*(?:(?:var|const)\s+)?([A-Za-z_]\w*)\s*(?:string\s*)?=\s*(?=[`\"]|fmt\.Sprintf|[A-Za-z_])")


def _package_strings(src: str) -> dict[str, str]:
    """Top-level ``name = "..."`` / ``name = `...``` declarations (in ``var (...)`` / ``const (...)``
    blocks too), evaluated in order so later ones may use earlier ones."""
    names: dict[str, str] = {}
    body_start = src.find("\nfunc ")
    head = src if body_start < 0 else src[:body_start]
    for match in _DECL.finditer(head):
        try:
            names[match.group(1)], _ = _expr(head, match.end(), names)
        except (Unsupported, ValueError, IndexError):
            continue
    return names


_LIST_DECL = re.compile(r"(?m)^\s*(?:var\s+)?([A-Za-z_]\w*)\s*=\s*\[\]string\s*\{")


def _package_lists(src: str) -> dict[str, int]:
    """Top-level ``name = []string{...}`` declarations: the number of items each holds."""
    body_start = src.find("\nfunc ")
    head = src if body_start < 0 else src[:body_start]
    lists: dict[str, int] = {}
    for match in _LIST_DECL.finditer(head):
        try:
            body = head[match.end() - 1:_matching(head, match.end() - 1)]
        except (Unsupported, ValueError, IndexError):
            continue
        lists[match.group(1)] = len(re.findall(r"[`\"]", re.sub(r"\\.", "", body))) // 2
    return lists


def _matching(src: str, i: int) -> int:
    """Index after the bracket closing the one at ``src[i]`` (strings and comments skipped)."""
    depth, j = 0, i
    while j < len(src):
        c = src[j]
        if c in "`\"":
            _, j = _string_at(src, j)
            continue
        if c == "'":
            j = src.index("'", j + 2) + 1
            continue
        if src.startswith("//", j):
            j = src.index("\n", j)
            continue
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise Unsupported("unbalanced")


def cases_of(src: str) -> Iterator[tuple[str, bool] | None]:
    """(input, positive) for each entry of the file's ``Test*_Pattern`` tables; None for a skipped entry."""
    names = _package_strings(src)
    lists = _package_lists(src)
    for func in re.finditer(r"func Test\w*_Pattern\(t \*testing\.T\) \{", src):
        end = _matching(src, func.end() - 1)
        body = src[func.end():end]
        table = re.search(r"\}\{\s*\n", body)  # the end of the struct type, the start of its values
        if table is None:
            continue
        i = table.end() - 1
        stop = _matching(body, table.end() - 2)
        while True:
            i = body.find("{", i, stop - 1)
            if i < 0:
                break
            entry_end = _matching(body, i)
            entry = body[i:entry_end]
            i = entry_end
            field = re.search(r"\binput\s*:\s*", entry)
            if field is None:
                continue
            try:
                text, _ = _expr(entry, field.end(), names)
            except (Unsupported, ValueError, IndexError):
                yield None
                continue
            named = re.search(r"\bwant\s*:\s*([A-Za-z_]\w*)\s*,?\s*(?:\}|\n)", entry)
            if named is not None and named.group(1) != "nil":
                if named.group(1) in lists:
                    yield text, lists[named.group(1)] > 0
                else:
                    yield None
                continue
            want = re.search(r"\bwant\s*:\s*(nil|\[\]string\s*\{\s*\}|\[\]string\s*\{)", entry)
            yield text, want is not None and want.group(1).startswith("[]string{") and \
                not re.fullmatch(r"\[\]string\s*\{\s*\}", want.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--git-dir", required=True, type=Path)
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    git = ["git", f"--git-dir={args.git_dir}"]
    commit = subprocess.run([*git, "rev-parse", args.commit], check=True, capture_output=True,
                            text=True).stdout.strip()
    files = subprocess.run([*git, "ls-tree", "-r", "--name-only", commit, "pkg/detectors"], check=True,
                           capture_output=True, text=True).stdout.split()
    cases, skipped = [], 0
    for path in files:
        if not path.endswith("_test.go") or path.endswith("integration_test.go"):
            continue
        src = subprocess.run([*git, "show", f"{commit}:{path}"], check=True, capture_output=True,
                             text=True).stdout
        detector = path.split("/")[2]
        for case in cases_of(src):
            if case is None:
                skipped += 1
                continue
            text, positive = case
            if text.strip():
                cases.append({"plugin": detector, "text": text, "filename": "sample.txt", "expected": positive,
                              "source": path})
    document = {"source": "https://github.com/trufflesecurity/trufflehog", "commit": commit,
                "notice": "Test strings of trufflehog's detector pattern tests (AGPL-3.0); read at benchmark "
                          "time, not redistributed.", "skipped_entries": skipped, "cases": cases}
    args.out.write_text(json.dumps(document, indent=0), encoding="utf-8")
    print(f"{len(cases)} cases ({sum(c['expected'] for c in cases)} positive) from "
          f"{len({c['plugin'] for c in cases})} detectors; {skipped} entries skipped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
