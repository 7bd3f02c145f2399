"""Regenerate ``gitleaks_cases.json`` from a checkout of github:gitleaks/gitleaks (MIT licence).

Only the literal test DATA is taken: the plain string literals listed in each rule's ``tps`` (true
positives) and ``fps`` (false positives) slices in ``cmd/generate/config/rules/*.go``, labelled by
which slice holds them. Samples gitleaks generates at run time (``GenerateSampleSecret``,
``secrets.NewSecret``) are not reproduced, so the corpus covers the rules whose tests list literals.

    python tests/secrets/data/extract_gitleaks.py GITLEAKS_GIT_DIR > tests/secrets/data/gitleaks_cases.json
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

_FUNC = re.compile(r"^func (\w+)\(\) \*config\.Rule \{", re.MULTILINE)
_RULE_ID = re.compile(r'RuleID:\s*"([^"]+)"')
_SLICE = re.compile(r"\b(tps|fps)\s*(?::=|=)\s*(?:append\(\s*\1\s*,|\[\]string\{)")


def _go_string(token: str) -> str:
    if token.startswith("`"):
        return token[1:-1]
    return str(json.loads(token.replace("\\'", "'")))


def _elements(source: str, start: int) -> list[str]:
    """The string literals that stand alone as top-level elements of the slice literal or append call
    opening at ``start`` (not call arguments, not pieces of a concatenation)."""
    depth, i, items = 0, start, []
    current: list[str] = []  # the tokens of the element being read at depth 1
    while i < len(source):
        c = source[i]
        if c in "`\"'":
            j = i + 1
            while j < len(source) and source[j] != c:
                j += 2 if c != "`" and source[j] == "\\" else 1
            if depth == 1:
                current.append(source[i:j + 1])
            i = j
        elif c == "/" and source[i:i + 2] == "//":
            i = source.find("\n", i) - 1
        elif c in "{(":
            depth += 1
            if depth > 1:
                current.append("CALL")
        elif c in "})":
            depth -= 1
            if depth == 0:
                items.append(current)
                break
        elif c == "," and depth == 1:
            items.append(current)
            current = []
        elif depth == 1 and not c.isspace():
            current.append("OTHER")
        i += 1
    return [t[0] for t in items if len(t) == 1 and t[0][0] in "`\""]


def cases_of(name: str, source: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    funcs = list(_FUNC.finditer(source))
    for index, func in enumerate(funcs):
        body = source[func.start():funcs[index + 1].start() if index + 1 < len(funcs) else len(source)]
        rule = _RULE_ID.search(body)
        if rule is None:
            continue
        for found in _SLICE.finditer(body):
            opening = body.index("(" if "append" in found.group(0) else "{", found.start())
            for literal in _elements(body, opening):
                text = _go_string(literal)
                if text.strip():
                    line = source[:func.start()].count("\n") + body[:found.start()].count("\n") + 1
                    out.append({"plugin": rule.group(1), "text": text, "filename": "sample.txt",
                                "expected": found.group(1) == "tps", "source": f"{name}:{line}"})
    return out


def main(root: str) -> None:
    git = ["git", "--git-dir", root] if root.endswith(("repo", ".git")) else ["git", "-C", root]
    commit = subprocess.check_output([*git, "rev-parse", "HEAD"], text=True).strip()
    names = subprocess.check_output([*git, "ls-tree", "--name-only", "HEAD", "cmd/generate/config/rules/"],
                                    text=True).split()
    cases: list[dict[str, Any]] = []
    for name in sorted(names):
        if name.endswith(".go") and not name.endswith("_test.go"):
            cases.extend(cases_of(name, subprocess.check_output([*git, "show", f"HEAD:{name}"], text=True)))
    document = {
        "notice": ("Test strings and labels from gitleaks (https://github.com/gitleaks/gitleaks), Copyright (c) "
                   "2019 Zachary Rice, MIT License: Permission is hereby granted, free of charge, to any person "
                   "obtaining a copy of this software and associated documentation files, to deal in the Software "
                   "without restriction, subject to the condition that the copyright notice and this permission "
                   "notice be included in all copies or substantial portions of the Software. Extracted as data by "
                   "tests/secrets/data/extract_gitleaks.py; labels are the rule tests' own tps / fps."),
        "repository": "https://github.com/gitleaks/gitleaks", "commit": commit, "cases": cases,
    }
    json.dump(document, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
