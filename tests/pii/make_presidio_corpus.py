"""Regenerate ``data/presidio_corpus.json`` from Presidio's recognizer tests (not run by pytest).

    python tests/pii/make_presidio_corpus.py /path/to/presidio/checkout-or-bare-git-dir

Reads ``presidio-analyzer/tests/test_<name>_recognizer.py`` with ``ast`` (nothing is imported or run),
takes every ``pytest.mark.parametrize`` row whose first two fields are a text and ``expected_len``, and
labels it with the file's entity: positive when Presidio expects at least one result. Rows built by the
test file's ``update_iban_checksum(...)`` helper are completed by our own IBAN check-digit code. Only the
strings and labels are kept, each with the file it came from.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

FILES = {  # Presidio test file stem -> (Presidio entity, our type or None when we have no such type)
    "credit_card": "CREDIT_CARD", "email": "EMAIL_ADDRESS", "us_ssn": "US_SSN", "iban": "IBAN_CODE",
    "phone": "PHONE_NUMBER", "ip": "IP_ADDRESS",
    "uk_nino": "UK_NINO", "uk_nhs": "UK_NHS", "de_tax_id": "DE_TAX_ID", "es_nie": "ES_NIE", "es_nif": "ES_NIF",
    "it_fiscal_code": "IT_FISCAL_CODE", "in_aadhaar": "IN_AADHAAR", "in_pan": "IN_PAN", "ca_sin": "CA_SIN",
    "au_tfn": "AU_TFN", "au_medicare": "AU_MEDICARE", "sg_fin": "SG_NRIC_FIN", "us_itin": "US_ITIN",
    "us_npi": "US_NPI", "aba_routing": "ABA_ROUTING_NUMBER", "crypto": "CRYPTO", "mac": "MAC_ADDRESS",
    "url": "URL", "uk_postcode": "UK_POSTCODE",
}
CORE = ("credit_card", "email", "us_ssn", "iban", "phone", "ip")
LICENSE_NOTE = (
    "Test strings and expected entities copied as data from microsoft/presidio "
    "(presidio-analyzer/tests/test_*_recognizer.py), MIT License, Copyright (c) Presidio Contributors. "
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and "
    "associated documentation files (the \"Software\"), to deal in the Software without restriction, including "
    "without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell "
    "copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the "
    "following conditions: The above copyright notice and this permission notice shall be included in all "
    "copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF "
    "ANY KIND, EXPRESS OR IMPLIED."
)


def iban_with_check_digits(iban: str) -> str:
    compact = iban.replace(" ", "")
    digits = "".join(str(int(c, 36)) for c in (compact[4:] + compact[:2] + "00").upper())
    return iban[:2] + f"{98 - int(digits) % 97:02d}" + iban[4:]


def _text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "update_iban_checksum"
            and isinstance(node.args[0], ast.Constant)):
        return iban_with_check_digits(str(node.args[0].value))
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return None
    return None


def rows(source: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize" and len(node.args) >= 2):
            continue
        names = node.args[0]
        if not (isinstance(names, ast.Constant) and isinstance(names.value, str)):
            continue
        fields = [f.strip() for f in names.value.split(",")]
        if len(fields) < 2 or fields[1] != "expected_len":
            continue
        if not isinstance(node.args[1], ast.List | ast.Tuple):
            continue
        for row in node.args[1].elts:
            if not isinstance(row, ast.Tuple) or len(row.elts) < 2:
                continue
            text = _text(row.elts[0])
            count = row.elts[1]
            if text is None or not (isinstance(count, ast.Constant) and isinstance(count.value, int)):
                continue
            out.append((text, int(count.value)))
    return out


def read(root: str, stem: str) -> str:
    rel = f"presidio-analyzer/tests/test_{stem}_recognizer.py"
    path = Path(root) / rel
    if path.is_file():
        return path.read_text()
    return subprocess.run(["git", f"--git-dir={root}", "show", f"HEAD:{rel}"], check=True, capture_output=True,
                          text=True).stdout


def main(root: str) -> None:
    commit = ""
    if not (Path(root) / "presidio-analyzer").is_dir():
        commit = subprocess.run(["git", f"--git-dir={root}", "rev-parse", "HEAD"], check=True, capture_output=True,
                                text=True).stdout.strip()
    cases = []
    for stem, entity in FILES.items():
        seen: set[str] = set()
        for text, count in rows(read(root, stem)):
            if text in seen:
                continue
            seen.add(text)
            cases.append({"source": f"presidio-analyzer/tests/test_{stem}_recognizer.py", "entity": entity,
                          "core": stem in CORE, "text": text, "expected_len": count})
    out = {"license": LICENSE_NOTE, "repository": "https://github.com/microsoft/presidio", "commit": commit,
           "cases": cases}
    target = Path(__file__).parent / "data" / "presidio_corpus.json"
    target.write_text(json.dumps(out, indent=0, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
