"""Regenerate ``data/peer_corpora3.json.gz``: real non-English text with persons tagged by people (not run by pytest).

    python tests/pii/peers3/extract_peers3.py [--mirrors /work/.mirror] [--out data/peer_corpora3.json.gz]

The third corpus for issue 15: its two others (``tests/pii/peers``, ``tests/pii/peers2``) are English, while the
issue's evaluation holds texts in several locales. Finnish (Turku NER: web, news, Wikipedia, fiction), Hungarian
(NerKor: web, news, Wikipedia, fiction, legal), German, French and Dutch (Europeana Newspapers: OCR of 19th and 20th
century newspapers), Norwegian (NorNE: news, blogs, parliament), Spanish and Dutch (CoNLL-2002: EFE and De Morgen
news). Every source is a bare git mirror ``<mirrors>/<owner>+<name>/repo`` (or a checkout's ``repo/.git``) read with
``git show HEAD:path``: nothing is imported or run. The text is rebuilt from the tokens with
``extract_peers2.detokenize`` and every tagged run of tokens becomes a character span, labelled as in peers2
(person tags -> ``PERSON``, places -> ``LOCATION``, organisations -> ``ORGANIZATION``, the rest -> ``MISC``).

Documents: a ``-DOCSTART-`` section (Turku, CoNLL-2002 Dutch), a file (NerKor), or, where a source marks no article
(Europeana, NorNE, CoNLL-2002 Spanish), ``CHUNK`` consecutive sentences (Europeana marks no sentence either: a
sentence ends at a ``.``, ``!`` or ``?`` token). The dev/report half of a document is fixed here, before any result,
by the sha256 of ``<source>:<document id>`` (``extract_peers2.half``).

Only what the licence allows is written to the shipped file: Europeana (CC0), Turku NER and NerKor (CC BY-SA 4.0,
shipped under that licence with their notices, ``data/NOTICE.md``). NorNE's texts are excluded from its CC0 grant
("may not be republished as stand-alone texts") and CoNLL-2002 is for the shared task's research use only: both are
read from their mirrors by the benchmark (``--mirrors``) and never stored here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OUT = HERE / "data" / "peer_corpora3.json.gz"
sys.path.insert(0, str(HERE.parent / "peers2"))
from extract_peers2 import Token, conll_documents, detokenize, half  # noqa: E402

CHUNK = 20  # sentences per document where a source marks no article
_EUROPEANA = "EuropeanaNewspapers/ner-corpora"
_CC0_EUROPEANA = (
    "Europeana Newspapers NER corpora, Europeana Newspapers Project 2012-2015 (CC0). Changes: text "
    "rebuilt from the BIO tokens, cut into documents of 20 sentences, tags turned into character spans."
)
_BY_SA = "CC-BY-SA-4.0"
SOURCES: dict[str, dict[str, Any]] = {
    "turku-fi": {
        "repo": "TurkuNLP/turku-ner-corpus",
        "paths": ["data/conll/train.tsv", "data/conll/dev.tsv", "data/conll/test.tsv"],
        "format": "conll",
        "language": "fi",
        "shipped": True,
        "license": _BY_SA,
        "kind": "Finnish web, news, Wikipedia, fiction",
        "notice": "Turku NER corpus, Luoma et al. 2020 (CC BY-SA 4.0). Changes: text rebuilt from the CoNLL tokens, "
        "tags turned into character spans; this adaptation is under CC BY-SA 4.0.",
    },
    "nerkor-hu": {
        "repo": "nytud/NYTK-NerKor",
        "paths": ["data/devel/", "data/test/"],
        "format": "conllup",
        "language": "hu",
        "shipped": True,
        "license": _BY_SA,
        "kind": "Hungarian web, news, Wikipedia, fiction, legal",
        "notice": "NYTK-NerKor, Simon and Vadász 2021 (CC BY-SA 4.0). Changes: text rebuilt from the CoNLL-U Plus "
        "tokens, tags turned into character spans; this adaptation is under CC BY-SA 4.0.",
    },
    "europeana-de": {
        "repo": _EUROPEANA,
        "paths": ["enp_DE.lft.bio/enp_DE.lft.bio", "enp_DE.onb.bio/enp_DE.onb.bio", "enp_DE.sbb.bio/enp_DE.sbb.bio"],
        "format": "bio",
        "language": "de",
        "shipped": True,
        "license": "CC0-1.0",
        "kind": "German newspapers (OCR), 1850-1950",
        "notice": _CC0_EUROPEANA,
    },
    "europeana-fr": {
        "repo": _EUROPEANA,
        "paths": ["enp_FR.bnf.bio/enp_FR.bnf.bio"],
        "format": "bio",
        "language": "fr",
        "shipped": True,
        "license": "CC0-1.0",
        "kind": "French newspapers (OCR), 1870-1950",
        "notice": _CC0_EUROPEANA,
    },
    "europeana-nl": {
        "repo": _EUROPEANA,
        "paths": ["enp_NL.kb.bio/enp_NL.kb.bio"],
        "format": "bio",
        "language": "nl",
        "shipped": True,
        "license": "CC0-1.0",
        "kind": "Dutch newspapers (OCR), 1620-1995",
        "notice": _CC0_EUROPEANA,
    },
    "norne-no": {
        "repo": "ltgoslo/norne",
        "paths": ["ud/nob/no_bokmaal-ud-test.conllu", "ud/nno/no_nynorsk-ud-test.conllu"],
        "format": "conllu",
        "language": "no",
        "shipped": False,
        "license": "CC0 annotations; texts excluded (LICENSE_NDT.txt): not shipped",
        "kind": "Norwegian (Bokmål, Nynorsk) news, blogs, parliament",
        "notice": "read from the mirror only",
    },
    "conll2002-es": {
        "repo": "dice-group/FOX",
        "paths": ["input/conll2002/esp.testa.gz", "input/conll2002/esp.testb.gz"],
        "format": "conll-gz",
        "language": "es",
        "shipped": False,
        "license": "CoNLL-2002 shared-task research use only: not shipped",
        "kind": "Spanish news (EFE), 2000",
        "notice": "read from the mirror only",
    },
    "conll2002-nl": {
        "repo": "dice-group/FOX",
        "paths": ["input/conll2002/ned.testa.gz", "input/conll2002/ned.testb.gz"],
        "format": "conll-gz",
        "language": "nl",
        "shipped": False,
        "license": "CoNLL-2002 shared-task research use only: not shipped",
        "kind": "Dutch news (De Morgen), 2000",
        "notice": "read from the mirror only",
    },
}
_NORNE_TAG = {"GPE_LOC": "LOC", "GPE_ORG": "ORG", "PROD": "MISC", "EVT": "MISC", "DRV": "MISC"}
_SENTENCE_END = {".", "!", "?"}


def git_dir(mirrors: Path, repo: str) -> Path:
    """The bare mirror, or the ``.git`` of a checked-out one (the fetch tool gives either)."""
    root = mirrors / repo.replace("/", "+") / "repo"
    return root / ".git" if (root / ".git").is_dir() else root


def _git_bytes(mirrors: Path, repo: str, *args: str) -> bytes:
    cmd = ["git", f"--git-dir={git_dir(mirrors, repo)}", *args]
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def _read(mirrors: Path, repo: str, path: str) -> str:
    raw = _git_bytes(mirrors, repo, "show", f"HEAD:{path}")
    return (gzip.decompress(raw) if path.endswith(".gz") else raw).decode("utf-8").lstrip("\ufeff")


def _paths(mirrors: Path, repo: str, paths: list[str]) -> list[str]:
    """Files named, folders listed (sorted) for their ``.conllup`` files."""
    out: list[str] = []
    for path in paths:
        if path.endswith("/"):
            listing = _git_bytes(mirrors, repo, "ls-tree", "-r", "--name-only", "HEAD", path).decode().split()
            out += sorted(p for p in listing if p.endswith(".conllup"))
        else:
            out.append(path)
    return out


def conllup_sentences(raw: str) -> list[list[Token]]:
    """NerKor's CONLL-U Plus: the ``CONLL:NER`` column named by the ``global.columns`` header."""
    columns: list[str] = []
    sentences: list[list[Token]] = []
    sent: list[Token] = []
    for line in [*raw.splitlines(), ""]:
        if line.startswith("# global.columns"):
            columns = line.split("=", 1)[1].split()
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 2:
            if sent:
                sentences.append(sent)
            sent = []
            continue
        sent.append((cols[columns.index("FORM")], cols[columns.index("CONLL:NER")]))
    return sentences


def conllu_sentences(raw: str) -> Iterator[tuple[str, list[Token]]]:
    """NorNE's CoNLL-U: (sent_id, tokens) with the ``name=`` tag of the MISC column (multiword ranges skipped)."""
    sent_id, sent = "", []
    for line in [*raw.splitlines(), ""]:
        if line.startswith("# sent_id"):
            sent_id = line.split("=", 1)[1].strip()
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 10:
            if sent:
                yield sent_id, sent
            sent = []
            continue
        if not cols[0].isdigit():
            continue
        tag = next((f[5:] for f in cols[9].split("|") if f.startswith("name=")), "O")
        prefix, _, kind = tag.partition("-")
        sent.append((cols[1], f"{prefix}-{_NORNE_TAG.get(kind, kind)}" if kind else "O"))


def bio_sentences(raw: str) -> list[list[Token]]:
    """Europeana's BIO files: one token and tag a line, ``#`` comment lines, no sentence marks (cut at ``.!?``)."""
    sentences: list[list[Token]] = []
    sent: list[Token] = []
    for line in raw.splitlines():
        cols = line.split()
        if len(cols) != 2 or line.startswith("# "):
            continue
        sent.append((cols[0], cols[1] if re.fullmatch(r"[BI]-(?:PER|LOC|ORG|MISC)", cols[1], re.I) else "O"))
        if cols[0] in _SENTENCE_END:
            sentences.append(sent)
            sent = []
    if sent:
        sentences.append(sent)
    return sentences


def _chunks(path: str, sentences: list[list[Token]]) -> Iterator[tuple[str, list[list[Token]]]]:
    for i in range(0, len(sentences), CHUNK):
        yield f"{path}#{i // CHUNK}", sentences[i : i + CHUNK]


def documents(mirrors: Path, info: dict[str, Any]) -> Iterator[tuple[str, str, list[list[Token]]]]:
    """(path, document id, sentences) per document of a source."""
    fmt, repo = info["format"], info["repo"]
    for path in _paths(mirrors, repo, info["paths"]):
        raw = _read(mirrors, repo, path)
        if fmt == "conllup":
            yield path, path, conllup_sentences(raw)
        elif fmt == "conllu":
            sentences = [s for _, s in conllu_sentences(raw)]
            yield from ((path, doc_id, doc) for doc_id, doc in _chunks(path, sentences))
        elif fmt == "bio":
            yield from ((path, doc_id, doc) for doc_id, doc in _chunks(path, bio_sentences(raw)))
        elif "-DOCSTART-" in raw:
            for i, doc in enumerate(conll_documents(raw)):
                yield path, f"{path}#{i}", doc
        else:
            (whole,) = conll_documents(raw)
            yield from ((path, doc_id, doc) for doc_id, doc in _chunks(path, whole))


def extract(mirrors: Path, names: list[str]) -> dict[str, Any]:
    sources: dict[str, Any] = {}
    cases: list[dict[str, Any]] = []
    for name in names:
        info = SOURCES[name]
        commit = _git_bytes(mirrors, info["repo"], "rev-parse", "HEAD").decode().strip()
        count = 0
        for path, doc_id, sentences in documents(mirrors, info):
            built = detokenize(sentences, "\n" if info["format"] in ("conllup", "conllu") else " ")
            if not built.text.strip():
                continue
            count += 1
            cases.append(
                {
                    "source": name,
                    "path": path,
                    "doc": doc_id,
                    "half": half(f"{name}:{doc_id}"),
                    "text": built.text,
                    "spans": [list(s) for s in built.spans],
                }
            )
        sources[name] = {k: v for k, v in info.items() if k not in ("format", "paths")} | {
            "paths": info["paths"],
            "commit": commit,
            "documents": count,
        }
    return {"sources": sources, "cases": cases}


def shipped_names() -> list[str]:
    return [n for n, i in SOURCES.items() if i["shipped"]]


def mirror_only_names() -> list[str]:
    return [n for n, i in SOURCES.items() if not i["shipped"]]


def encode(data: dict[str, Any]) -> bytes:
    """The shipped bytes: sorted compact JSON, gzip with no name and mtime 0 (the same bytes on every run)."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return gzip.compress(payload, compresslevel=9, mtime=0)


def write_main(doc: str | None, out: Path, extract: Callable[[Path, list[str]], dict[str, Any]],
               names: list[str]) -> int:
    """An extractor's command line (``--mirrors``, ``--out``): the shipped sources ``names`` extracted, encoded,
    written whole to a temporary file and moved over the shipped one (shared with ``extract_peers4``)."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=out)
    args = parser.parse_args()
    data = extract(args.mirrors, names)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")  # written whole, then moved over the shipped file
    tmp.write_bytes(encode(data))
    tmp.replace(args.out)
    for name, info in data["sources"].items():
        print(f"{name}: {info['documents']} documents @ {info['commit'][:12]}")
    return 0


def main() -> int:
    return write_main(__doc__, OUT, extract, shipped_names())


if __name__ == "__main__":
    raise SystemExit(main())
