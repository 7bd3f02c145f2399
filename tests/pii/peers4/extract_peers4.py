"""Regenerate ``data/peer_corpora4.json.gz``: real English text of genres the other corpora lack, persons tagged by
people (not run by pytest).

    python tests/pii/peers4/extract_peers4.py [--mirrors /work/.mirror] [--out data/peer_corpora4.json.gz]

The fourth corpus for issue 15. Every name rule so far was tuned on the dev halves of ``tests/pii/peers2`` (news,
Wikipedia, SEC filings, tweets) and ``tests/pii/peers3`` (non-English); this one holds genres found in ML training
data that those lack. GUM (Georgetown University Multilayer corpus): interviews, conversations, fiction, how-to
guides, biographies, travel guides, academic papers, letters, podcasts, vlogs, speeches, textbooks, essays, court
opinions, news; GENTLE (its out-of-domain companion, same repository): dictionary entries, eSports commentary, legal
text, medical notes, poetry, proofs, syllabi, threat letters; CrossNER: Wikipedia paragraphs on literature, music,
politics, science and AI with writers, artists, politicians and scientists tagged; Tweebank-NER: tweets.

Every source is a bare git mirror ``<mirrors>/<owner>+<name>/repo`` read with ``git show HEAD:path``: nothing is
imported or run. GUM's CoNLL-U gives each word with its ``SpaceAfter`` and every entity mention (persons include
pronouns and common nouns: "my friend", "she"); a *named* person is a run of proper-noun words (``NNP``/``NNPS``)
whose innermost mention is a person, less a leading title (``TITLES``: "President", "Dr."); a proper-noun run whose
innermost mention is a place is a ``LOCATION``, an organisation an ``ORGANIZATION``, any other (or none) ``MISC``.
Text: words joined as written (``SpaceAfter``), sentences by a space, paragraphs (``# newpar``) and speaker turns
by a newline. CrossNER and Tweebank are CoNLL files rebuilt with ``extract_peers2.detokenize``; their person tags
(CrossNER also ``writer``, ``musicalartist``, ``politician``, ``scientist``, ``researcher``) -> ``PERSON``.

Documents: a GUM or GENTLE file (its ``newdoc id``), one CrossNER paragraph, one tweet (its text is its id, so a
paragraph or tweet seen twice falls in one half). The dev/report half of a document is fixed here, before any
result, by the sha256 of ``<source>:<document id>`` (``extract_peers2.half``).

Only what the licence allows is written to the shipped file (``data/NOTICE.md``): GUM's academic, court and
Wikinews (interview, news) texts (CC BY), its Wikipedia biographies and Wikivoyage guides (CC BY-SA) and CrossNER
(MIT; Wikipedia text, CC BY-SA). GUM's fiction, how-to, letters, podcasts and essays are CC BY-NC-SA, its
conversations come from the Santa Barbara Corpus (CC BY-ND), its speeches, textbooks and vlogs name no licence in
the corpus, GENTLE's texts have mixed sources, and Tweebank's tweets fall under Twitter's terms: all of those are
read from their mirrors by the benchmark (``--mirrors``) and never stored here. GUM's Reddit part ships without its
words (underscores) and is left out.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
OUT = HERE / "data" / "peer_corpora4.json.gz"
sys.path.insert(0, str(HERE.parent / "peers2"))
sys.path.insert(0, str(HERE.parent / "peers3"))
from extract_peers2 import Built, Token, conll_documents, detokenize, half  # noqa: E402
from extract_peers3 import git_dir, write_main  # noqa: E402

GUM = "amir-zeldes/gum"
_GUM_NOTICE = (
    "GUM, Zeldes 2017 (annotations CC BY 4.0; text licence per genre, LICENSE.txt). Changes: text rebuilt "
    "from the CoNLL-U words, named person, place and organisation mentions turned into character spans."
)
# genre: (what it is, text licence, shipped)
GUM_GENRES: dict[str, tuple[str, str, bool]] = {
    "academic": ("academic papers", "CC-BY-4.0", True),
    "bio": ("Wikipedia biographies", "CC-BY-SA-3.0", True),
    "court": ("court opinions", "CC-BY-4.0", True),
    "interview": ("Wikinews interviews", "CC-BY-2.5", True),
    "news": ("Wikinews news", "CC-BY-2.5", True),
    "voyage": ("Wikivoyage travel guides", "CC-BY-SA-3.0", True),
    "conversation": ("spoken conversations (Santa Barbara Corpus)", "CC BY-ND: not shipped", False),
    "essay": ("essays", "CC BY-NC-SA 4.0: not shipped", False),
    "fiction": ("fiction", "CC BY-NC-SA 3.0: not shipped", False),
    "letter": ("letters", "CC BY-NC-SA 4.0: not shipped", False),
    "podcast": ("podcast transcripts", "CC BY-NC-SA 4.0: not shipped", False),
    "speech": ("political speeches", "no licence named in the corpus: not shipped", False),
    "textbook": ("textbooks", "no licence named in the corpus: not shipped", False),
    "vlog": ("vlog transcripts", "no licence named in the corpus: not shipped", False),
    "whow": ("wikiHow how-to guides", "CC BY-NC-SA 3.0: not shipped", False),
}
GENTLE_GENRES = {
    "dictionary": "dictionary entries",
    "esports": "eSports commentary",
    "legal": "legal text",
    "medical": "medical notes",
    "poetry": "poetry",
    "proof": "mathematical proofs",
    "syllabus": "course syllabi",
    "threat": "threat letters",
}
CROSSNER = "zliucr/CrossNER"
CROSSNER_DOMAINS = {
    "literature": "Wikipedia on literature",
    "music": "Wikipedia on music",
    "politics": "Wikipedia on politics",
    "science": "Wikipedia on science",
    "ai": "Wikipedia on AI",
}
TWEEBANK = "mit-ccc/TweebankNLP"

SOURCES: dict[str, dict[str, Any]] = {
    **{
        f"gum-{g}": {
            "repo": GUM,
            "paths": [f"dep/GUM_{g}_"],
            "format": "gum",
            "shipped": shipped,
            "license": lic,
            "kind": kind,
            "notice": _GUM_NOTICE if shipped else "read from the mirror only",
        }
        for g, (kind, lic, shipped) in GUM_GENRES.items()
    },
    **{
        f"gentle-{g}": {
            "repo": GUM,
            "paths": [f"dep/GENTLE_{g}_"],
            "format": "gum",
            "shipped": False,
            "license": "mixed sources (GENTLE): not shipped",
            "kind": kind,
            "notice": "read from the mirror only",
        }
        for g, kind in GENTLE_GENRES.items()
    },
    **{
        f"crossner-{d}": {
            "repo": CROSSNER,
            "paths": [f"ner_data/{d}/{s}.txt" for s in ("train", "dev", "test")],
            "format": "crossner",
            "shipped": True,
            "license": "MIT (Wikipedia text: CC-BY-SA-3.0)",
            "kind": kind,
            "notice": "CrossNER, Liu et al. 2021 (MIT; Wikipedia text CC BY-SA 3.0). Changes: text "
            "rebuilt from the CoNLL tokens, tags turned into character spans; this "
            "adaptation is under CC BY-SA 3.0.",
        }
        for d, kind in CROSSNER_DOMAINS.items()
    },
    "tweebank": {
        "repo": TWEEBANK,
        "paths": [f"Tweebank-NER-v1.0/{s}.bio" for s in ("train", "dev", "test")],
        "format": "conll-posts",
        "shipped": False,
        "license": "Apache-2.0 repository; tweets under Twitter's terms: not shipped",
        "kind": "tweets",
        "notice": "read from the mirror only",
    },
}

# leading words of a proper-noun run that are a title or a form of address, not part of the name
_TITLE_WORDS = (
    "mr mr. mrs mrs. ms ms. miss dr dr. prof prof. professor sir dame lady lord saint st st. president senator "
    "governor king queen prince princess pope general gen. captain capt. colonel col. lieutenant sergeant "
    "judge justice rev rev. reverend father brother sister uncle aunt mayor chancellor minister emperor "
    "empress duke duchess count countess baron bishop cardinal archbishop rabbi imam sheikh chief coach "
    "officer agent detective inspector doctor madam madame monsieur herr prime vice deputy assistant associate "
    "secretary ambassador commissioner sheriff attorney chairman chairwoman congressman congresswoman tsar czar "
    "mom mum dad mother grandma grandpa granny"
)
TITLES = frozenset(_TITLE_WORDS.split())
_CROSSNER_PERSON = {"person", "writer", "musicalartist", "politician", "scientist", "researcher"}
_CROSSNER_PLACE = {"location", "country"}
_CROSSNER_ORG = {"organisation", "band", "university", "politicalparty"}
_GUM_LABEL = {"person": "PERSON", "place": "LOCATION", "organization": "ORGANIZATION"}
_PROPER = {"NNP", "NNPS"}
_OPEN = re.compile(r"\((\d+)-([a-z]+)-")
_CLOSE = re.compile(r"(?:^|(?<=\)))(\d+)\)")


def _git(mirrors: Path, repo: str, *args: str) -> str:
    cmd = ["git", f"--git-dir={git_dir(mirrors, repo)}", *args]
    if not git_dir(mirrors, repo).is_dir():
        raise SystemExit(f"{git_dir(mirrors, repo)}: no mirror of {repo} (fetch github:{repo} first)")
    return subprocess.run(cmd, capture_output=True, check=True).stdout.decode("utf-8").lstrip("\ufeff")


@dataclass
class Word:
    form: str
    xpos: str
    space_after: bool
    mention: tuple[int, str] | None  # innermost entity mention (id, type) covering the word
    glued: bool = False  # part of a multiword token: no space after, whatever its own column says


@dataclass
class GumDoc:
    doc_id: str
    blocks: list[list[list[Word]]] = field(default_factory=list)  # paragraphs / turns -> sentences -> words


def entity_events(value: str) -> tuple[list[tuple[int, str, bool]], list[int]]:
    """Openings ``(id, type, closes on this word)`` and closings ``id`` of a CoNLL-U ``Entity=`` value, in order.

    An opening runs to the next bracket event; it closes on the same word when its text holds more ``)`` than
    ``(`` (an identity such as ``Paris_(Texas)`` keeps its own pair)."""
    events = sorted(
        [(m.start(), m.end(), "open", m) for m in _OPEN.finditer(value)]
        + [(m.start(), m.end(), "close", m) for m in _CLOSE.finditer(value)],
        key=lambda e: e[0],
    )
    opens: list[tuple[int, str, bool]] = []
    closes: list[int] = []
    for i, (_, end, kind, m) in enumerate(events):
        if kind == "close":
            closes.append(int(m.group(1)))
            continue
        rest = value[end : events[i + 1][0]] if i + 1 < len(events) else value[end:]
        opens.append((int(m.group(1)), m.group(2), rest.count(")") > rest.count("(")))
    return opens, closes


def _misc(column: str) -> dict[str, str]:
    return dict(f.split("=", 1) for f in column.split("|") if "=" in f)


def gum_documents(raw: str) -> Iterator[GumDoc]:
    """GUM / GENTLE CoNLL-U: documents of paragraphs (``# newpar``, or a new ``# speaker``) of sentences of words,
    each word with the innermost entity mention covering it."""
    doc: GumDoc | None = None
    stack: list[tuple[int, str]] = []
    sent: list[Word] = []
    mwt_end = 0
    speaker = ""
    new_block = True
    for line in [*raw.splitlines(), ""]:
        if line.startswith("# newdoc id"):
            if doc is not None:
                yield doc
            doc, stack, speaker, new_block = GumDoc(line.split("=", 1)[1].strip()), [], "", True
            continue
        if line.startswith("# newpar"):
            new_block = True
        if line.startswith("# speaker"):
            who = line.split("=", 1)[1].strip()
            new_block, speaker = new_block or who != speaker, who
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 10:
            mwt_end = 0  # word ids start again in each sentence
            if sent and doc is not None:
                if new_block or not doc.blocks:
                    doc.blocks.append([])
                doc.blocks[-1].append(sent)
                new_block = False
            sent = []
            continue
        if "-" in cols[0]:  # a multiword token (``Byron's``): its words are written glued together
            _first, last = (int(x) for x in cols[0].split("-"))
            mwt_end = last
            sent.append(Word("", "MWT", "SpaceAfter=No" not in cols[9], None))
            continue
        if not cols[0].isdigit():
            continue
        misc = _misc(cols[9])
        opens, closes = entity_events(misc.get("Entity", ""))
        singles = [(i, t) for i, t, single in opens if single]
        stack += [(i, t) for i, t, single in opens if not single]
        covering = stack + singles
        inner = covering[-1] if covering else None
        word_id = int(cols[0])
        in_mwt = word_id <= mwt_end
        sent.append(Word(cols[1], cols[4], "SpaceAfter=No" not in cols[9], inner, glued=in_mwt and word_id < mwt_end))
        for closed in closes:
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == closed:
                    del stack[k]
                    break
    if doc is not None:
        yield doc


def _words(sentence: list[Word]) -> list[Word]:
    """The words with multiword tokens resolved: a token's words glued, the token's own ``SpaceAfter`` on its
    last word."""
    out: list[Word] = []
    pending: bool | None = None
    for w in sentence:
        if w.xpos == "MWT":
            pending = w.space_after
            continue
        if pending is not None and not w.glued:
            w = Word(w.form, w.xpos, pending, w.mention)
            pending = None
        elif w.glued:
            w = Word(w.form, w.xpos, False, w.mention)
        out.append(w)
    return out


def _label(mention: tuple[int, str] | None) -> str:
    return _GUM_LABEL.get(mention[1], "MISC") if mention else "MISC"


def gum_built(doc: GumDoc) -> Built:
    """Text and named-entity spans of a GUM document (rules in the module docstring)."""
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for b, block in enumerate(doc.blocks):
        if b:
            parts.append("\n")
            pos += 1
        for s, sentence in enumerate(block):
            if s:
                parts.append(" ")
                pos += 1
            words = _words(sentence)
            run: list[tuple[int, int, Word]] = []
            for k, w in enumerate(words):
                start = pos
                parts.append(w.form)
                pos += len(w.form)
                proper = w.xpos in _PROPER
                if run and (not proper or w.mention != run[-1][2].mention):
                    spans += _run_span(run)
                    run = []
                if proper:
                    run.append((start, pos, w))
                if w.space_after and k < len(words) - 1:
                    parts.append(" ")
                    pos += 1
            if run:
                spans += _run_span(run)
    return Built("".join(parts), spans)


def _run_span(run: list[tuple[int, int, Word]]) -> list[tuple[int, int, str]]:
    """One span; a person run loses its leading titles, and is ``MISC`` when nothing else is left or when it is
    one plural proper noun (``Americans``, ``Democrats``: a group, not a name)."""
    label = _label(run[0][2].mention)
    if label == "PERSON":
        name = run
        while name and name[0][2].form.lower() in TITLES:
            name = name[1:]
        if name and not (len(name) == 1 and name[0][2].xpos == "NNPS"):
            return [(name[0][0], name[-1][1], label)]
        label = "MISC"
    return [(run[0][0], run[-1][1], label)]


def _crossner_tag(tag: str) -> str:
    if tag == "O":
        return tag
    prefix, _, kind = tag.partition("-")
    if kind in _CROSSNER_PERSON:
        return f"{prefix}-PER"
    if kind in _CROSSNER_PLACE:
        return f"{prefix}-LOC"
    return f"{prefix}-ORG" if kind in _CROSSNER_ORG else f"{prefix}-MISC"


def _files(mirrors: Path, info: dict[str, Any]) -> list[str]:
    """Files named, or for GUM every ``dep/`` file whose name starts with the path given."""
    if info["format"] != "gum":
        return list(info["paths"])
    listing = _git(mirrors, info["repo"], "ls-tree", "--name-only", "HEAD", "dep/").split()
    return sorted(p for p in listing for prefix in info["paths"] if p.startswith(prefix) and p.endswith(".conllu"))


def built_documents(mirrors: Path, info: dict[str, Any]) -> Iterator[tuple[str, str, Built]]:
    """(path, document id, text and spans) per document of a source."""
    for path in _files(mirrors, info):
        raw = _git(mirrors, info["repo"], "show", f"HEAD:{path}")
        if info["format"] == "gum":
            for doc in gum_documents(raw):
                yield path, doc.doc_id, gum_built(doc)
            continue
        for sections in conll_documents(raw):
            for sentence in sections:
                tokens: list[Token] = [
                    (t, _crossner_tag(tag) if info["format"] == "crossner" else tag) for t, tag in sentence
                ]
                built = detokenize([tokens], " ")
                yield path, built.text, built


def extract(mirrors: Path, names: list[str]) -> dict[str, Any]:
    sources: dict[str, Any] = {}
    cases: list[dict[str, Any]] = []
    for name in names:
        info = SOURCES[name]
        commit = _git(mirrors, info["repo"], "rev-parse", "HEAD").strip()
        seen: set[str] = set()
        for path, doc_id, built in built_documents(mirrors, info):
            if not built.text.strip() or built.text in seen:
                continue
            seen.add(built.text)
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
        sources[name] = {k: v for k, v in info.items() if k != "format"} | {"commit": commit, "documents": len(seen)}
    return {"sources": sources, "cases": cases}


def shipped_names() -> list[str]:
    return [n for n, i in SOURCES.items() if i["shipped"]]


def mirror_only_names() -> list[str]:
    return [n for n, i in SOURCES.items() if not i["shipped"]]


def main() -> int:
    return write_main(__doc__, OUT, extract, shipped_names())


if __name__ == "__main__":
    raise SystemExit(main())
