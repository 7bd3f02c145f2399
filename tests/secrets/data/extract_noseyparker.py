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

from typing import Any

import yaml
from git_corpus_cli import git, run

_RULES = "crates/noseyparker/data/default/builtin/rules/"
_DEFAULT = "crates/noseyparker/data/default/builtin/rulesets/default.yml"


def extract(git_dir: str, commit: str) -> dict[str, Any]:
    default = yaml.safe_load(git(git_dir, "show", f"{commit}:{_DEFAULT}"))
    include = {rid for rs in default["rulesets"] if rs["id"] == "default" for rid in rs["include_rule_ids"]}
    files = [f for f in git(git_dir, "ls-tree", "-r", "--name-only", commit, _RULES).split() if f.endswith(".yml")]
    cases: list[dict[str, Any]] = []
    skipped: list[str] = []
    for path in sorted(files):
        for rule in yaml.safe_load(git(git_dir, "show", f"{commit}:{path}"))["rules"]:
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


def _summary(document: dict[str, Any]) -> str:
    cases = document["cases"]
    return (f"{len(cases)} cases ({sum(c['expected'] for c in cases)} positive) from "
          f"{len({c['plugin'] for c in cases})} rules; {len(document['rules_not_in_default_ruleset'])} rules "
          "outside the default ruleset skipped")


if __name__ == "__main__":
    run(__doc__.split("\n")[0], extract, _summary)
