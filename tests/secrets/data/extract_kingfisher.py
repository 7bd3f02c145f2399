"""Regenerate ``kingfisher_cases.json`` from a clone of github:mongodb/kingfisher (Apache-2.0).

Only the test DATA is taken: each rule file ``data/rules/*.yml`` lists ``examples`` (strings the rule
must match; Kingfisher's own ``rules check`` command, ``src/main.rs``, fails on an example its pattern
does not match) and, for a few rules, ``negative_examples``. A string is labelled positive when it is an
``examples`` entry of a reported rule, negative when it is only a ``negative_examples`` entry.
Kingfisher's helper rules (``visible: false``: account names, hosts, client ids, domains, which are only
used as context by a dependent rule) and its ``identifier`` rules named ``... ID`` / ``... Username``
are public identifiers, not secrets, and are left out. Strings are kept exactly as YAML reads them.

The corpus is split BEFORE its strings were read: ``half`` is ``held-out`` when the sha256 of the
rule file's name (the provider) is odd, ``dev`` otherwise (see ``kingfisher_half`` in
``tests/secrets/secrets_peer_corpus.py``); only the dev half's misses may be read while fixing.

    python tests/secrets/data/extract_kingfisher.py --git-dir KINGFISHER/.git \
        --out tests/secrets/data/kingfisher_cases.json

Needs PyYAML (in the project's dev environment). Kingfisher: Copyright 2025 MongoDB, Inc., Apache
License 2.0 (its LICENSE); the output names the commit and each string's source file.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
from git_corpus_cli import git, run

_RULES = "data/rules/"


def half(source: str) -> str:
    """``held-out`` for odd sha256 of the rule file's base name, ``dev`` for even."""
    name = Path(source).name
    return "held-out" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 2 else "dev"


def _public_identifier(rule: dict[str, Any]) -> bool:
    if rule.get("visible") is False:
        return True
    return "identifier" in (rule.get("categories") or []) and bool(re.search(r"\b(?:ID|Username)$", rule["name"]))


def extract(git_dir: str, commit: str) -> dict[str, Any]:
    files = [f for f in git(git_dir, "ls-tree", "-r", "--name-only", commit, _RULES).split() if f.endswith(".yml")]
    cases: list[dict[str, Any]] = []
    skipped: list[str] = []
    for path in sorted(files):
        for rule in yaml.safe_load(git(git_dir, "show", f"{commit}:{path}")).get("rules") or []:
            if _public_identifier(rule):
                skipped.append(rule["id"])
                continue
            for expected, field in ((True, "examples"), (False, "negative_examples")):
                cases.extend({"plugin": rule["id"], "text": text, "filename": "sample.txt", "expected": expected,
                              "source": path, "half": half(path)}
                             for text in rule.get(field) or [] if isinstance(text, str))
    return {"source": "https://github.com/mongodb/kingfisher", "commit": commit,
            "licence": "Apache-2.0 (Kingfisher LICENSE; Copyright 2025 MongoDB, Inc.)",
            "selection": "rules of data/rules/*.yml except visible:false helpers and identifier ID/Username rules; "
                         "examples positive, negative_examples negative; half = sha256(rule file name) odd -> held-out",
            "rules_left_out": sorted(skipped), "cases": cases}


def _summary(document: dict[str, Any]) -> str:
    cases = document["cases"]
    return (f"{len(cases)} cases ({sum(c['expected'] for c in cases)} positive) from "
          f"{len({c['plugin'] for c in cases})} rules; {len(document['rules_left_out'])} rules left out; "
          f"held-out {sum(c['half'] == 'held-out' for c in cases)}")


if __name__ == "__main__":
    run(__doc__.split("\n")[0], extract, _summary)
