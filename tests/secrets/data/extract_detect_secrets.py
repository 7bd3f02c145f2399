"""Regenerate ``detect_secrets_cases.json`` from a checkout of github:Yelp/detect-secrets (Apache-2.0).

Only the test DATA is taken: each ``@pytest.mark.parametrize`` list of ``(payload, should_flag)``
(or ``line``) in ``tests/plugins/*_test.py``, labelled by the peer's own expectation, plus the
string combinations its high-entropy, keyword and private-key tests build. The module-level string
constants the lists use are evaluated to build the strings; nothing else of the peer runs.

    python tests/secrets/data/extract_detect_secrets.py DETECT_SECRETS_GIT_DIR > \
        tests/secrets/data/detect_secrets_cases.json
"""

from __future__ import annotations

import ast
import base64
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

EXCLUDED = {"ip_public": "a public IP address is not a credential", "base": "verification plumbing"}
STRING_SETS = ("payload, should_flag", "line,should_flag", "payload", "line", "file_content")


def _constants(tree: ast.Module) -> dict[str, Any]:
    """Module- and class-level NAME = <string expression> assignments, evaluated in order."""
    names: dict[str, Any] = {"base64": base64, "textwrap": textwrap, "randint": lambda a, b: 7}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                names[node.targets[0].id] = eval(compile(ast.Expression(node.value), "<c>", "eval"), names)
            except Exception:  # a fixture or a mock, not a string constant
                continue
    return names


def _cases(path: Path, source: str) -> list[dict[str, Any]]:
    plugin = path.name.removesuffix("_test.py")
    tree = ast.parse(source)
    names = _constants(tree)
    out: list[dict[str, Any]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize"):
            continue
        argnames = ast.literal_eval(node.args[0])
        if argnames not in STRING_SETS:
            continue
        values = eval(compile(ast.Expression(node.args[1]), "<v>", "eval"), names)
        for item, element in zip(values, node.args[1].elts, strict=True):  # type: ignore[attr-defined]
            text, flag = (item, True) if isinstance(item, str) else (item[0], bool(item[1]))
            out.append({"plugin": plugin, "text": text, "filename": "mock_filename", "expected": flag,
                        "source": f"tests/plugins/{path.name}:{element.lineno}"})
    return out


def _entropy_cases() -> list[dict[str, Any]]:
    """high_entropy_strings_test.py: (plugin, non_secret, secret) x (format, should_be_caught)."""
    triples = [("hex", "aaaaaa", "2b00042f7481c7b056c4b410d28f33cf"),
               ("base64", "c3VwZXIgc2VjcmV0IHZhbHVl",
                "c3VwZXIgbG9uZyBzdHJpbmcgc2hvdWxkIGNhdXNlIGVub3VnaCBlbnRyb3B5"),
               ("base64", "Zrm-ySTAq7D2sHk=",
                "I6FwzQZFL9l-44nviI1F04OTmorMaVQf9GS4Oe07qxL_vNkW6CRas4Lo42vqJMT0M6riJfma_f-pTAuoX2U=")]
    formats = [("'{non_secret}'", False), ('"{non_secret}"', False), ('"{secret}"', True), ("'{secret}'", True),
               ("{secret}", False), ('String #1: "{non_secret}"; String #2: "{secret}"', True),
               ('String #1: "{secret}"; String #2: "{secret}a"', True)]
    return [{"plugin": f"high_entropy_strings ({kind})", "text": fmt.format(non_secret=ns, secret=s),
             "filename": "does not matter", "expected": flag,
             "source": "tests/plugins/high_entropy_strings_test.py:7-66"}
            for kind, ns, s in triples for fmt, flag in formats]


def _keyword_cases(source: str) -> list[dict[str, Any]]:
    tree = ast.parse(source)
    names = _constants(tree)
    table = [("conf", "CONFIG_TEST_CASES"), ("go", "GOLANG_TEST_CASES"), ("m", "COMMON_C_TEST_CASES"),
             ("c", "COMMON_C_TEST_CASES"), ("cs", "COMMON_C_TEST_CASES"), ("cls", "QUOTES_REQUIRED_TEST_CASES"),
             ("java", "QUOTES_REQUIRED_TEST_CASES"), ("py", "QUOTES_REQUIRED_TEST_CASES"),
             ("pyi", "QUOTES_REQUIRED_TEST_CASES"), ("js", "QUOTES_REQUIRED_TEST_CASES"),
             ("swift", "QUOTES_REQUIRED_TEST_CASES"), ("tf", "QUOTES_REQUIRED_TEST_CASES"),
             (None, "QUOTES_REQUIRED_TEST_CASES")]
    out = []
    for ext, table_name in table:
        for line, expected in names[table_name]:
            out.append({"plugin": "keyword", "text": line, "expected": expected is not None,
                        "filename": f"mock_filename.{ext}" if ext else "mock_filename",
                        "source": f"tests/plugins/keyword_test.py:{table_name}"})
    return out


def main(root: str) -> None:
    git = ["git", "--git-dir", root] if root.endswith(("repo", ".git")) else ["git", "-C", root]
    commit = subprocess.check_output([*git, "rev-parse", "HEAD"], text=True).strip()
    files = subprocess.check_output([*git, "ls-tree", "--name-only", "HEAD", "tests/plugins/"], text=True).split()
    cases: list[dict[str, Any]] = []
    for name in sorted(files):
        path = Path(name)
        plugin = path.name.removesuffix("_test.py")
        if not path.name.endswith("_test.py") or plugin in EXCLUDED:
            continue
        source = subprocess.check_output([*git, "show", f"HEAD:{name}"], text=True)
        if plugin == "keyword":
            cases.extend(_keyword_cases(source))
        elif plugin == "high_entropy_strings":
            cases.extend(_entropy_cases())
        else:
            cases.extend(_cases(path, source))
    document = {
        "notice": ("Test strings and labels from detect-secrets (https://github.com/Yelp/detect-secrets), "
                   "Copyright (c) 2018 Yelp, Inc., licensed under the Apache License, Version 2.0 "
                   "(http://www.apache.org/licenses/LICENSE-2.0). Extracted as data, unmodified, by "
                   "tests/secrets/data/extract_detect_secrets.py; labels are the peer's own test expectations."),
        "repository": "https://github.com/Yelp/detect-secrets", "commit": commit,
        "excluded_plugins": EXCLUDED, "cases": cases,
    }
    json.dump(document, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
