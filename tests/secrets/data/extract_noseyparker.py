"""Regenerate ``noseyparker_cases.json`` from a clone of github:praetorian-inc/noseyparker (Apache-2.0).

Only the test DATA is taken: each rule file ``crates/noseyparker/data/default/builtin/rules/*.yml`` lists
``examples`` (strings the rule must match) and ``negative_examples`` (strings it must not match), and
Nosey Parker's own ``rules check`` test (``crates/noseyparker-cli/tests/rules``) verifies both lists.
Only the rules of Nosey Parker's ``default`` ruleset (``rulesets/default.yml``: "rules that detect
secrets"; public identifiers, public keys, asset names and password hashes are kept out of it by
Nosey Parker itself) are used. A string is labelled positive when it is an ``examples`` entry of a
default rule, negative when it is only a ``negative_examples`` entry. Strings are kept exactly as YAML
reads them (a ``\\n`` inside single quotes stays a backslash and an ``n``, as Nosey Parker matches it).

    python tests/secrets/data/extract_noseyparker.py --git-dir NOSEYPARKER/.git \
        --out tests/secrets/data/noseyparker_cases.json

Needs PyYAML (in the project's dev environment). Nosey Parker's NOTICE: "Copyright 2022 Praetorian
Security, Inc"; the output names the commit and each string's source file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

_RULES = "crates/noseyparker/data/default/builtin/rules/"
_DEFAULT = "crates/noseyparker/data/default/builtin/rulesets/default.yml"


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True,
                          text=True).stdout


def extract(git_dir: str, commit: str) -> dict[str, Any]:
    default = yaml.safe_load(_git(git_dir, "show", f"{commit}:{_DEFAULT}"))
    include = {rid for rs in default["rulesets"] if rs["id"] == "default" for rid in rs["include_rule_ids"]}
    files = [f for f in _git(git_dir, "ls-tree", "-r", "--name-only", commit, _RULES).split() if f.endswith(".yml")]
    cases: list[dict[str, Any]] = []
    skipped: list[str] = []
    for path in sorted(files):
        for rule in yaml.safe_load(_git(git_dir, "show", f"{commit}:{path}"))["rules"]:
            if rule["id"] not in include:
                skipped.append(rule["id"])
                continue
            for expected, field in ((True, "examples"), (False, "negative_examples")):
                cases.extend({"plugin": rule["id"], "text": text, "filename": "sample.txt", "expected": expected,
                              "source": path} for text in rule.get(field) or [])
    return {"source": "https://github.com/praetorian-inc/noseyparker", "commit": commit,
            "licence": "Apache-2.0 (Nosey Parker NOTICE: Copyright 2022 Praetorian Security, Inc)",
            "selection": "rules of the 'default' ruleset; examples positive, negative_examples negative",
            "rules_not_in_default_ruleset": sorted(skipped), "cases": cases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--git-dir", required=True)
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    commit = _git(args.git_dir, "rev-parse", args.commit).strip()
    document = extract(args.git_dir, commit)
    args.out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    cases = document["cases"]
    print(f"{len(cases)} cases ({sum(c['expected'] for c in cases)} positive) from "
          f"{len({c['plugin'] for c in cases})} rules; {len(document['rules_not_in_default_ruleset'])} rules "
          "outside the default ruleset skipped")


if __name__ == "__main__":
    main()
