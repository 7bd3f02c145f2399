"""Regenerate ``data/stdnum_corpus.json`` from python-stdnum's doctests (not run by pytest).

    python tests/pii/make_stdnum_corpus.py /work/.mirror/arthurdejong+python-stdnum/repo

python-stdnum (LGPL-2.1+) documents each number format with doctests: lists of numbers "found online"
that must all be valid, and single ``validate(...)`` / ``is_valid(...)`` calls with their expected
outcome. This script reads those doctest texts (``tests/test_<module>.doctest`` and the module
docstrings) as plain text - nothing is imported or run - and keeps only the numbers and stdnum's own
verdict on each (valid when the doctest expects a value or ``True``, invalid when it expects an
exception or ``False``). The numbers are data; none of stdnum's code or prose is copied.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

MODULES = ("gb.nhs", "de.idnr", "fr.nir", "es.dni", "es.nie", "it.codicefiscale", "nl.bsn", "in_.aadhaar", "in_.pan",
           "br.cpf", "br.cnpj", "ca.sin", "au.tfn", "us.ssn", "us.itin", "us.rtn", "iban", "luhn", "pl.pesel")
LICENSE_NOTE = ("Numbers and their expected validity taken as data from the doctests of arthurdejong/python-stdnum "
                "(tests/test_*.doctest and module docstrings), GNU LGPL 2.1 or later, Copyright (C) Arthur de Jong "
                "and contributors. Only the numbers and stdnum's verdicts are kept; no code or text.")

_LIST = re.compile(r">>> numbers = '''\n(.*?)\n\.\.\. '''\n>>> \[ ?x for x in numbers\.splitlines\(\) if x and "
                   r"(not )?[\w.]*is_valid\(x(, check_country=False)?\) ?\]\n\[\]", re.S)
_CALL = re.compile(r">>> (?:[\w.]+\.)?(validate|is_valid)\('([^']*)'\)[^\n]*\n([^\n]*)")


def harvest(text: str) -> tuple[list[str], list[str]]:
    """(valid, invalid) numbers of one doctest text."""
    valid: list[str] = []
    invalid: list[str] = []
    for match in _LIST.finditer(text):
        body, negated, any_country = match.groups()
        numbers = [line.removeprefix("...").strip() for line in body.splitlines()]
        if any_country:  # valid with ``check_country=False`` only: the country's BBAN format is not checked
            continue
        (valid if negated else invalid).extend(n for n in numbers if n)
    for function, number, outcome in _CALL.findall(text):
        if function == "validate":
            (invalid if outcome.startswith("Traceback") else valid).append(number)
        elif outcome.strip() in ("True", "False"):
            (valid if outcome.strip() == "True" else invalid).append(number)
    return valid, invalid


def _show(git_dir: Path, path: str) -> str | None:
    run = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"HEAD:{path}"], capture_output=True, text=True)
    return run.stdout if run.returncode == 0 else None


def main(git_dir: Path) -> None:
    commit = subprocess.run(["git", "--git-dir", str(git_dir), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    out: dict[str, dict[str, object]] = {}
    for module in MODULES:
        sources, valid, invalid = [], [], []
        for path in (f"tests/test_{module.replace('.', '_').replace('__', '_')}.doctest",
                     f"stdnum/{module.replace('.', '/')}.py"):
            text = _show(git_dir, path)
            if text is None:
                continue
            v, i = harvest(text)
            if v or i:
                sources.append(path)
                valid += v
                invalid += i
        out[module] = {"sources": sources, "valid": list(dict.fromkeys(valid)),
                       "invalid": list(dict.fromkeys(n for n in invalid if n not in valid))}
    data = {"license": LICENSE_NOTE, "repository": "https://github.com/arthurdejong/python-stdnum", "commit": commit,
            "modules": out}
    target = Path(__file__).parent / "data" / "stdnum_corpus.json"
    target.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    for module, entry in out.items():
        print(f"{module:<20} valid {len(entry['valid']):>4}  invalid {len(entry['invalid']):>3}  {entry['sources']}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
