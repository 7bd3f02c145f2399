"""Regenerate ``data/peer_corpora.json``: peers' public labelled free-text PII test cases (not run by pytest).

    python tests/pii/peers/extract_peers.py [--mirrors /work/.mirror] [--out tests/pii/peers/data/peer_corpora.json]

Each ``<mirrors>/<owner>+<name>/repo`` is a bare git directory (``git show HEAD:path`` reads it; nothing
is imported or run). Only texts and the peers' own expected spans are kept, each case with the file it came
from; labels are the peers' test expectations, never ours:

* microsoft/presidio-research ``data/synth_dataset_v2.json`` (MIT): its 1,500 template sentences with
  labelled spans (their generator, their templates), each distinct text once. Every PII span is labelled:
  ``complete``.
* microsoft/presidio (MIT): the ``text, expected_len, expected_positions, entity_num`` rows of the spaCy,
  transformers and stanza recognizer tests (PERSON / DATE_TIME with positions), the e2e package flow's
  ``RecognizerResult`` expectations, and ``e2e-tests/resources/demo.txt`` against ``demo_anonymized.txt``.
* LeapBeyond/scrubadub (Apache-2.0): every ``BEFORE:/AFTER:`` docstring of a test that calls
  ``compare_before_after``, the phone lists fed to ``check_phone_numbers``, ``assertEqual`` of a literal
  against ``clean(<literal>)``, and ``tests/example_real_data`` (document + ``known_pii.csv``).
* philterd/phileas (Apache-2.0): Java filter tests with one ``filter.filter(..., "<text>")`` call, an
  expected span count, and one ``checkSpan(..., start, end, FilterType.X)`` per expected span (or count 0).

Per-filter tests label only the tested entity (``complete`` false): their negatives say "no <entity>
here", not "no PII here". Spans from expected scrubbed text are found by aligning the text with the
placeholders' literal context.

The dev/report split is fixed here, before any result: sha256 of the unit (source file, plus the template
id inside presidio-research's one data file), first byte even -> dev, odd -> report.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
MIT = "MIT"
APACHE = "Apache-2.0"
MIT_PERMISSION = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated "
    "documentation files (the \"Software\"), to deal in the Software without restriction, including without "
    "limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the "
    "Software, and to permit persons to whom the Software is furnished to do so, subject to the following "
    "conditions: The above copyright notice and this permission notice shall be included in all copies or "
    "substantial portions of the Software. THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, "
    "EXPRESS OR IMPLIED."
)
APACHE_TERMS = ("Licensed under the Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0). "
                "Changes: test texts and expected spans extracted from the test files into this JSON.")
SOURCES: dict[str, dict[str, str]] = {
    "presidio-research": {"repo": "microsoft/presidio-research", "license": MIT,
                          "notice": "Copyright (c) Microsoft Corporation. MIT License."},
    "presidio": {"repo": "microsoft/presidio", "license": MIT,
                 "notice": "Copyright (c) Presidio Contributors. MIT License."},
    "scrubadub": {"repo": "LeapBeyond/scrubadub", "license": APACHE,
                  "notice": "scrubadub test data, Apache License 2.0 (LeapBeyond/scrubadub LICENSE)."},
    "phileas": {"repo": "philterd/phileas", "license": APACHE,
                "notice": "Copyright Philterd, LLC. Apache License 2.0 (philterd/phileas LICENSE)."},
    "datafog": {"repo": "DataFog/datafog-python", "license": MIT,
                "notice": "Copyright (c) 2023 Sid Mohan, DataFog Inc. MIT License."},
    "scrubadub_spacy": {"repo": "LeapBeyond/scrubadub_spacy", "license": APACHE,
                        "notice": "scrubadub_spacy test data, Apache License 2.0 "
                                  "(LeapBeyond/scrubadub_spacy LICENSE)."},
    "bigscience-pii-manager": {"repo": "bigscience-workshop/data_tooling", "license": APACHE,
                               "notice": "pii-manager test data, Apache License 2.0 "
                                         "(bigscience-workshop/data_tooling pii-manager/LICENSE)."},
    "llm-guard": {"repo": "protectai/llm-guard", "license": MIT,
                  "notice": "Copyright (c) Protect AI. All rights reserved. MIT License."},
    "deidentify": {"repo": "nedap/deidentify", "license": MIT,
                   "notice": "Copyright (c) 2019 Nedap N.V. MIT License."},
    "scrubadub_address": {"repo": "LeapBeyond/scrubadub_address", "license": APACHE,
                          "notice": "scrubadub_address test data, Apache License 2.0 "
                                    "(LeapBeyond/scrubadub_address LICENSE)."},
}
SCRUBADUB_ENTITY = {  # test file -> the scrubadub filth its BEFORE/AFTER cases exercise
    "test_detector_emails.py": "EMAIL", "test_detector_phone_numbers.py": "PHONE",
    "test_detector_credit_card.py": "CREDIT_CARD", "test_detector_date_of_birth.py": "DATE_OF_BIRTH",
    "test_detector_drivers_licence.py": "DRIVERS_LICENCE", "test_detector_en_GB_nino.py": "NATIONAL_INSURANCE_NUMBER",
    "test_detector_en_GB_trn.py": "TAX_REFERENCE_NUMBER",
    "test_detector_en_US_social_security_number.py": "SOCIAL_SECURITY_NUMBER", "test_detector_skype.py": "SKYPE",
    "test_detector_text_blob.py": "NAME", "test_detector_twitter.py": "TWITTER", "test_detector_urls.py": "URL",
    "test_detector_credentials.py": "CREDENTIAL",
}
SCRUBADUB_KNOWN = {"address": "ADDRESS", "phone": "PHONE", "email": "EMAIL", "name": "NAME"}
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)(?:\+[A-Z_]+)*(?:-\d+)?\}\}|<([A-Z_]+)>")
SPACY_FILTH = {"NameFilth": "NAME", "LocationFilth": "LOCATION", "OrganizationFilth": "ORGANIZATION"}
MAX_TEXT = 5000  # longer texts (a 100 kB stress string) are left out: they test speed, not recall


class Git:
    def __init__(self, mirrors: Path, repo: str) -> None:
        self.dir = mirrors / repo.replace("/", "+") / "repo"
        self.commit = self._run("rev-parse", "HEAD").strip()

    def _run(self, *args: str) -> str:
        return subprocess.run(["git", f"--git-dir={self.dir}", *args], check=True, capture_output=True,
                              text=True).stdout

    def show(self, path: str) -> str:
        return self._run("show", f"{self.commit}:{path}")

    def files(self, under: str) -> list[str]:
        return sorted(self._run("ls-tree", "-r", "--name-only", self.commit, under).split())


def half(unit: str) -> str:
    return "dev" if hashlib.sha256(unit.encode()).digest()[0] % 2 == 0 else "report"


def case(source: str, path: str, text: str, spans: list[tuple[int, int, str]], *, complete: bool,
         entity: str | None, unit: str | None = None) -> dict[str, Any]:
    unit = unit or f"{SOURCES[source]['repo']}:{path}"
    if not text.strip():
        raise ValueError(f"{path}: empty text")
    for start, end, _ in spans:
        if not (0 <= start < end <= len(text)):
            raise ValueError(f"{path}: span {start}-{end} outside a text of {len(text)} characters")
    return {"source": source, "path": path, "unit": unit, "half": half(unit), "complete": complete,
            "entity": entity, "text": text, "spans": [list(s) for s in sorted(spans)]}


def aligned(before: str, after: str) -> list[tuple[int, int, str]] | None:
    """Spans of ``before`` that ``after`` shows as placeholders (``{{EMAIL}}``, ``{{NAME-0}}``, ``<PERSON>``),
    by matching the literal text between placeholders; None when the two do not align."""
    pieces, labels, last = [], [], 0
    for m in _PLACEHOLDER.finditer(after):
        pieces.append(re.escape(after[last:m.start()]))
        labels.append(m.group(1) or m.group(2))
        last = m.end()
    pieces.append(re.escape(after[last:]))
    if not labels:
        return [] if before == after else None
    m2 = re.fullmatch("(.+?)".join(pieces), before, flags=re.DOTALL)
    if m2 is None:
        return None
    return [(m2.start(i + 1), m2.end(i + 1), label) for i, label in enumerate(labels)]


# --- microsoft/presidio-research -------------------------------------------------------------------------
def presidio_research(git: Git) -> Iterator[dict[str, Any]]:
    path = "data/synth_dataset_v2.json"
    seen: set[str] = set()
    for row in json.loads(git.show(path)):
        text = row["full_text"]
        if text in seen:  # templates without slots repeat verbatim: one case each
            continue
        seen.add(text)
        spans = [(s["start_position"], s["end_position"], s["entity_type"]) for s in row["spans"]]
        for start, end, _ in spans:
            if not text[start:end].strip():
                raise ValueError(f"{path}: empty span")
        unit = f"{SOURCES['presidio-research']['repo']}:{path}#template={row['template_id']}"
        yield case("presidio-research", path, text, spans, complete=True, entity=None, unit=unit)


# --- microsoft/presidio ----------------------------------------------------------------------------------
def _entities_fixture(tree: ast.Module) -> list[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "entities":
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and isinstance(ret.value, ast.List):
                    return [ast.literal_eval(e) for e in ret.value.elts]
    raise ValueError("no entities fixture")


def presidio(git: Git) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    for stem in ("spacy", "transformers", "stanza"):
        path = f"presidio-analyzer/tests/test_{stem}_recognizer.py"
        tree = ast.parse(git.show(path))
        entities = _entities_fixture(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize"):
                continue
            names = ast.literal_eval(node.args[0])
            if [f.strip() for f in names.split(",")] != ["text", "expected_len", "expected_positions", "entity_num"]:
                continue
            for row in node.args[1].elts:  # type: ignore[attr-defined]
                text, count, positions, entity_num = ast.literal_eval(row)
                if text in seen or count != len(positions):
                    continue
                seen.add(text)
                spans = [(s, e, entities[entity_num]) for s, e in positions]
                yield case("presidio", path, text, spans, complete=False, entity=entities[entity_num])
    path = "e2e-tests/tests/test_package_e2e_integration_flows.py"
    for fn in ast.walk(ast.parse(git.show(path))):
        if not isinstance(fn, ast.FunctionDef):
            continue
        text, spans = None, []
        for node in ast.walk(fn):
            if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id == "text_to_test" and isinstance(node.value, ast.Constant)):
                text = node.value.value
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "RecognizerResult":
                entity, start, end = (ast.literal_eval(a) for a in node.args[:3])
                spans.append((start, end, entity))
        if isinstance(text, str) and spans and text not in seen:
            seen.add(text)
            yield case("presidio", path, text, spans, complete=True, entity=None)
    before_lines = git.show("e2e-tests/resources/demo.txt").splitlines()
    after_lines = git.show("e2e-tests/resources/demo_anonymized.txt").splitlines()
    path = "e2e-tests/resources/demo.txt"
    for before, after in zip(before_lines, after_lines, strict=True):
        demo = aligned(before, after)
        if before.strip() and demo is not None:
            yield case("presidio", path, before, demo, complete=True, entity=None)


# --- LeapBeyond/scrubadub --------------------------------------------------------------------------------
def _calls(fn: ast.FunctionDef, attr: str) -> list[ast.Call]:
    return [n for n in ast.walk(fn) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == attr]


def _docstring_case(doc: str) -> tuple[str, str] | None:
    if "BEFORE:" not in doc or "AFTER:" not in doc:
        return None
    before, after = doc.split("BEFORE:")[1].split("AFTER:")
    return before.strip(), after.strip()


def scrubadub(git: Git) -> Iterator[dict[str, Any]]:
    skipped = 0
    for path in git.files("tests"):
        name = path.rsplit("/", 1)[-1]
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        tree = ast.parse(git.show(path))
        entity = SCRUBADUB_ENTITY.get(name)
        template = None
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef) and fn.name == "create_docstring":
                ret = next(n for n in ast.walk(fn) if isinstance(n, ast.Return))
                template = ast.literal_eval(ret.value.left)  # type: ignore[union-attr]
        pairs: list[tuple[str, str]] = []
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            doc = ast.get_docstring(fn, clean=False)
            compare = _calls(fn, "compare_before_after")
            if doc and compare and not any(c.keywords and c.keywords[0].arg == "docstring" for c in compare):
                found = _docstring_case(doc)
                if found:
                    pairs.append(found)
            for call in _calls(fn, "check_phone_numbers"):
                if template is None:
                    raise ValueError(f"{path}: check_phone_numbers without create_docstring")
                for arg in call.args:
                    found = _docstring_case(template % ast.literal_eval(arg))
                    if found:
                        pairs.append(found)
            pairs.extend(_assert_clean(fn))
            for text, spans_found in _to_test(fn, "POSTCODE" if "postal" in name else "ADDRESS"):
                yield case("scrubadub", path, text, spans_found, complete=False, entity=spans_found[0][2]
                           if spans_found else ("POSTCODE" if "postal" in name else "ADDRESS"))
        for before, after in pairs:
            if not before.strip():
                continue
            spans = aligned(before, after)
            if spans is None:
                skipped += 1
                continue
            yield case("scrubadub", path, before, spans, complete=False, entity=entity)
    path = "tests/example_real_data/document.txt"
    text = git.show(path)
    spans = []
    for row in csv.DictReader(io.StringIO(git.show("tests/example_real_data/known_pii.csv"))):
        start = text.index(row["match"])
        end = text.index(row["match_end"], start) + len(row["match_end"]) if row["match_end"] else start + len(
            row["match"])
        spans.append((start, end, SCRUBADUB_KNOWN[row["filth_type"]]))
    yield case("scrubadub", path, text, spans, complete=False, entity=None)
    if skipped > 5:
        raise ValueError(f"scrubadub: {skipped} BEFORE/AFTER pairs did not align")


def _assert_clean(fn: ast.FunctionDef) -> list[tuple[str, str]]:
    """``assertEqual(<expected literal>, <x>.clean(<literal>))`` in either order, or through a name
    assigned from ``self.clean(<literal>)`` in the same test; not in a test that defines its own detector."""
    if any(isinstance(n, ast.ClassDef) for n in ast.walk(fn)):
        return []
    cleaned: dict[str, str] = {}
    constants = _string_constants(fn)
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            text = _clean_arg(node.value, constants)
            if text is not None:
                cleaned[node.targets[0].id] = text
    out = []
    for call in _calls(fn, "assertEqual"):
        if len(call.args) < 2:
            continue
        a, b = call.args[:2]
        for exp, got in ((a, b), (b, a)):
            expected = exp.value if isinstance(exp, ast.Constant) else (
                constants.get(exp.id) if isinstance(exp, ast.Name) else None)
            if isinstance(expected, str):
                text = _clean_arg(got, constants) if not isinstance(got, ast.Name) else cleaned.get(got.id)
                if text is not None:
                    out.append((text, expected))
    return out


def _clean_arg(node: ast.expr, constants: dict[str, str] | None = None) -> str | None:
    if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "clean" and len(node.args) == 1
            and not node.keywords):
        return None
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.Name) and constants:
        return constants.get(arg.id)
    return None


def _string_constants(fn: ast.FunctionDef) -> dict[str, str]:
    return {n.targets[0].id: n.value.value for n in ast.walk(fn)
            if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name) and isinstance(n.value, ast.Constant)
            and isinstance(n.value.value, str)}


def _to_test(fn: ast.FunctionDef, entity: str) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """``to_test = [(value, expected bool), ...]`` scanned as ``test_str.format(value)``: the value is a
    span of ``entity`` when expected True, the text a negative when False."""
    constants = _string_constants(fn)
    template = constants.get("test_str")
    out: list[tuple[str, list[tuple[int, int, str]]]] = []
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "to_test" and template and "{}" in template):
            continue
        for value, expected in ast.literal_eval(node.value):
            text = template.format(value)
            start = template.index("{}")
            out.append((text, [(start, start + len(value), entity)] if expected else []))
    return out


# --- philterd/phileas ------------------------------------------------------------------------------------
_JAVA_STRING = r'"((?:[^"\\\n]|\\.)*)"'
_FILTER_CALL = re.compile(r"\.filter\([^;]*?," + r"\s*" + _JAVA_STRING + r"\s*\)\s*;")
_COUNT = re.compile(r"assertEquals\(\s*(\d+)\s*,\s*[^;]*?\.size\(\)\s*\)")
_CHECK = re.compile(r"checkSpan\([^;]*?,\s*(\d+)\s*,\s*(\d+)\s*,\s*FilterType\.(\w+)\s*\)")
_UNSURE = re.compile(r"ignored|Ignored|condition|Condition|crypto|Crypto|withPattern|sensitivity|fuzzy", re.I)


def _java_unescape(s: str) -> str:
    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "u"
                  else {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), s)


def phileas(git: Git) -> Iterator[dict[str, Any]]:
    under = "src/test/java/ai/philterd/phileas/filters"
    for path in git.files(under):
        if not path.endswith("FilterTest.java") or "/rules/" in path:
            continue
        entity = re.sub(r"(?<!^)(?=[A-Z])", "_", path.rsplit("/", 1)[-1][: -len("FilterTest.java")]).upper()
        for chunk in git.show(path).split("@Test")[1:]:
            calls = _FILTER_CALL.findall(chunk)
            counts = _COUNT.findall(chunk)
            if len(calls) != 1 or not counts or _UNSURE.search(chunk):
                continue
            text = _java_unescape(calls[0])
            n = int(counts[0])
            checks = [(int(s), int(e), t) for s, e, t in _CHECK.findall(chunk)]
            if n != len(checks) or not text.strip():
                continue
            if any(e > len(text) for _, e, _ in checks):
                continue
            yield case("phileas", path, text, checks, complete=False, entity=checks[0][2] if checks else entity)


# --- DataFog/datafog-python ------------------------------------------------------------------------------
def datafog(git: Git) -> Iterator[dict[str, Any]]:
    """``tests/corpus/*.json``: ``input`` with every ``expected_entities`` span (type, text, offsets)."""
    for path in git.files("tests/corpus"):
        if not path.endswith(".json"):
            continue
        for row in json.loads(git.show(path)):
            text = row["input"]
            spans = [(e["start"], e["end"], e["type"]) for e in row["expected_entities"]]
            if not text.strip() or len(text) > MAX_TEXT or "??" in text:  # "??": characters lost upstream
                continue
            if any(text[s:e] != ent["text"] for (s, e, _), ent in zip(spans, row["expected_entities"], strict=True)):
                raise ValueError(f"{path}: {row['id']}: offsets do not match the text")
            yield case("datafog", path, text, spans, complete=True, entity=None)


# --- LeapBeyond/scrubadub_spacy and scrubadub_address ----------------------------------------------------
def scrubadub_spacy(git: Git) -> Iterator[dict[str, Any]]:
    """``doc_list``/``beg_end_list`` pairs checked by ``_assert_filth_type_and_pos(..., <Filth class>)`` or,
    in the title tests, the first filth of each doc (a name); ``assertEqual`` of scrubbed literals."""
    for path in git.files("tests"):
        if not path.rsplit("/", 1)[-1].startswith("test_"):
            continue
        tree = ast.parse(git.show(path))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef) or fn.name == "test_bad_examples":
                continue  # the title expander's negatives hold names a general detector must find ("said John")
            lists = {n.targets[0].id: ast.literal_eval(n.value) for n in ast.walk(fn)
                     if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
                     and n.targets[0].id in ("doc_list", "beg_end_list")}
            docs, positions = lists.get("doc_list"), lists.get("beg_end_list")
            checks = _calls(fn, "_assert_filth_type_and_pos")
            entity = None
            if checks and isinstance(checks[0].args[2], ast.Name):
                entity = SPACY_FILTH.get(checks[0].args[2].id)
            elif docs and positions and "NameFilth" in ast.unparse(fn):
                entity = "NAME"
            if docs and positions and entity:
                if len(docs) == len(positions):
                    for doc, (s, e) in zip(docs, positions, strict=True):
                        yield case("scrubadub_spacy", path, doc, [(s, e, entity)], complete=False, entity=entity)
                elif len(docs) == 1:
                    yield case("scrubadub_spacy", path, docs[0], [(s, e, entity) for s, e in positions],
                               complete=False, entity=entity)
            for before, after in _assert_clean(fn):
                spans = aligned(before, after)
                if spans is not None and before.strip():
                    yield case("scrubadub_spacy", path, before, spans, complete=False, entity=None)


def scrubadub_address(git: Git) -> Iterator[dict[str, Any]]:
    for path in git.files("tests"):
        if not path.rsplit("/", 1)[-1].startswith("test_"):
            continue
        for fn in ast.walk(ast.parse(git.show(path))):
            if isinstance(fn, ast.FunctionDef):
                for text, spans in _to_test(fn, "ADDRESS"):
                    yield case("scrubadub_address", path, text, spans, complete=False, entity="ADDRESS")


# --- bigscience-workshop/data_tooling pii-manager --------------------------------------------------------
def pii_manager(git: Git) -> Iterator[dict[str, Any]]:
    """``TEST``/``TESTCASES`` rows ``(doc, expected with <ENTITY> placeholders, ...)`` per language test file,
    labelled with the ``PiiEnum`` the test's ``PiiManager`` is built for; ``test/data/orig.txt`` against
    ``replace.txt``."""
    for path in git.files("pii-manager/test/unit/lang"):
        if not path.endswith(".py"):
            continue
        tree = ast.parse(git.show(path))
        enums = {n.attr for c in ast.walk(tree) if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "PiiManager"
                 for a in c.args[2:3] for n in ast.walk(a) if isinstance(n, ast.Attribute)}
        entity = next(iter(enums)) if len(enums) == 1 else None
        for node in tree.body:
            if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in ("TEST", "TESTCASES") and isinstance(node.value, ast.List)):
                continue
            for row in node.value.elts:
                if not isinstance(row, ast.Tuple) or len(row.elts) < 2:
                    continue
                doc, exp = (e.value if isinstance(e, ast.Constant) else None for e in row.elts[:2])
                if not (isinstance(doc, str) and isinstance(exp, str)):
                    continue
                found = aligned(doc, exp)
                if found is not None and doc.strip():
                    yield case("bigscience-pii-manager", path, doc, found, complete=False, entity=entity)
    path = "pii-manager/test/data/orig.txt"
    spans = aligned(git.show(path), git.show("pii-manager/test/data/replace.txt"))
    if spans is None:
        raise ValueError(f"{path}: does not align with replace.txt")
    yield case("bigscience-pii-manager", path, git.show(path), spans, complete=False, entity=None)


# --- nedap/deidentify ------------------------------------------------------------------------------------
def deidentify(git: Git) -> Iterator[dict[str, Any]]:
    """The Dutch example notes of the surrogate tests with their brat annotations (``T<n> Type start end``)."""
    under = "tests/surrogates/data/original"
    for path in git.files(under):
        if not path.endswith(".txt"):
            continue
        text, ann = git.show(path), git.show(path[:-4] + ".ann")
        if not ann.strip():
            continue  # an empty annotation file tests the loader, not "no PII here" (its note holds names)
        spans = []
        for line in ann.splitlines():
            if not line.startswith("T"):
                continue
            kind, *offsets = line.split("\t")[1].replace(";", " ").split()
            start, end = int(offsets[0]), int(offsets[-1])
            spans.append((start, end, kind.upper()))
        yield case("deidentify", path, text, spans, complete=True, entity=None)


# --- protectai/llm-guard --------------------------------------------------------------------------------
_LLM_GUARD_PLACEHOLDER = re.compile(r"\[REDACTED_([A-Z_]+?)(?:_RE|_ZH)*_\d+\]")


def llm_guard(git: Git) -> Iterator[dict[str, Any]]:
    """Prompts and their expected anonymized form (``[REDACTED_<ENTITY>_<n>]``) from the Anonymize and
    Sensitive scanner tests; the preamble a test prepends is taken off; adjacent placeholders of one entity
    are one span. Only what each test's settings redact is labelled (``complete`` false)."""
    seen: set[str] = set()
    for path in ("tests/input_scanners/test_anonymize.py", "tests/output_scanners/test_sensitive.py"):
        tree = ast.parse(git.show(path))
        constants = {n.targets[0].id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                     and isinstance(n.targets[0], ast.Name) and isinstance(n.value, ast.Constant)
                     and isinstance(n.value.value, str)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "parametrize"):
                continue
            fields = [f.strip() for f in ast.literal_eval(node.args[0]).split(",")]
            text_field = "prompt" if "prompt" in fields else "output"
            if text_field not in fields or f"expected_{text_field}" not in fields:
                continue
            for row in node.args[1].elts:  # type: ignore[attr-defined]
                values = dict(zip(fields, row.elts, strict=True))
                text, expected = (_joined(values[text_field]), _joined(values[f"expected_{text_field}"]))
                if text is None or expected is None or text in seen or not text.strip():
                    continue
                for name in _preambles(values.get("settings"), constants):
                    expected = expected.removeprefix(name)
                expected = _LLM_GUARD_PLACEHOLDER.sub(lambda m: f"<{m.group(1)}>", expected)
                expected = re.sub(r"(<[A-Z_]+>)(?:\1)+", r"\1", expected)
                spans = aligned(text, expected)
                if spans is None or not spans:
                    continue
                seen.add(text)
                yield case("llm-guard", path, text, spans, complete=False, entity=None)


def _joined(node: ast.expr) -> str | None:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _preambles(settings: ast.expr | None, constants: dict[str, str]) -> list[str]:
    if not isinstance(settings, ast.Dict):
        return []
    return [constants[v.id] for k, v in zip(settings.keys, settings.values, strict=True)
            if isinstance(k, ast.Constant) and k.value == "preamble" and isinstance(v, ast.Name) and v.id in constants]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=HERE / "data" / "peer_corpora.json")
    args = parser.parse_args(argv)
    makers = {"presidio-research": presidio_research, "presidio": presidio, "scrubadub": scrubadub,
              "phileas": phileas, "datafog": datafog, "scrubadub_spacy": scrubadub_spacy,
              "scrubadub_address": scrubadub_address, "bigscience-pii-manager": pii_manager,
              "deidentify": deidentify, "llm-guard": llm_guard}
    sources: dict[str, dict[str, Any]] = {}
    cases: list[dict[str, Any]] = []
    for name, make in makers.items():
        git = Git(args.mirrors, SOURCES[name]["repo"])
        found = list(make(git))
        terms = MIT_PERMISSION if SOURCES[name]["license"] == MIT else APACHE_TERMS
        sources[name] = {**SOURCES[name], "notice": f"{SOURCES[name]['notice']} {terms}", "commit": git.commit,
                         "paths": sorted({c["path"] for c in found}),
                         "cases": len(found)}
        cases.extend(found)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"about": "Peers' public labelled PII test texts; labels are the peers' own test expectations. "
                        "Regenerate with tests/pii/peers/extract_peers.py.",
               "sources": sources, "cases": cases}
    head = json.dumps({k: v for k, v in payload.items() if k != "cases"}, ensure_ascii=False, indent=1)
    rows = ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
    args.out.write_text(head[:-2] + ',\n "cases": [\n' + rows + "\n]}\n")
    for name, info in sources.items():
        print(f"{name}: {info['cases']} cases from {len(info['paths'])} files at {info['commit'][:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
