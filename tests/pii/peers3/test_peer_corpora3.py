"""The third peer corpus (real non-English text labelled by people: Turku NER, NerKor, Europeana Newspapers) as a
regression check.

The corpus facts pin the extraction (``extract_peers3.py``): sources, licences, documents and tagged persons per
half, the half of every document; where the mirrors are present the shipped file is rebuilt and must be the same
bytes. ``MEASURED`` is what branch ``s10-pii-locales`` scored on a fixed dev-half sample, in process (the whole corpus,
both halves and the mirror-only sources are measured by ``benchmarks/bench_pii_peers3.py``, benchmarks/pii.md
section 0w): a change that finds fewer names (beyond 2%), lets more names survive redaction, or predicts more
spurious name spans (beyond 10%) fails here; improvements pass (raise the figures when they land).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from extract_peers3 import (
    OUT,
    SOURCES,
    bio_sentences,
    conllu_sentences,
    conllup_sentences,
    encode,
    extract,
    git_dir,
    half,
    mirror_only_names,
    shipped_names,
)
from pii_peer_corpus2 import (
    Case,
    Result,
    assert_group_no_worse,
    assert_names_no_worse,
    corpus,
    mlsecure_redact,
    mlsecure_spans,
    score_by_source,
)
from pii_peer_corpus3 import CORPUS, language, load, words_taken

MIRRORS = Path("/work/.mirror")
DOCUMENTS = {"turku-fi": 754, "nerkor-hu": 158, "europeana-de": 195, "europeana-fr": 628, "europeana-nl": 98}
# source: (documents dev, report; persons dev, report)
HALVES = {
    "turku-fi": (362, 392, 1534, 1550),
    "nerkor-hu": (67, 91, 1488, 1693),
    "europeana-de": (103, 92, 3157, 1956),
    "europeana-fr": (311, 317, 1997, 2280),
    "europeana-nl": (47, 51, 872, 1486),
}
SAMPLE = (("turku-fi", 60), ("nerkor-hu", 3), ("europeana-de", 4), ("europeana-fr", 25), ("europeana-nl", 3))
# source: (person spans, found as names, survived redaction whole, texts with no person, of those flagged,
# predicted name spans, of those spurious); main 8cd4498 scored (93, 42, 51, ...) on turku-fi, (183, 120, 63, ...)
# on nerkor-hu, (96, 82, 14, ...) on europeana-de, (201, 91, 111, ...) on europeana-fr
# Session 10 (``s10-pii-locales``) raised these: fr 137 -> 163 found, 65 -> 39 surviving; de 10 -> 7 surviving;
# nerkor-hu's spurious spans 65 -> 23 (``Az``, ``És`` are function words now) but 42 -> 46 surviving (``Chapman``
# had been found only inside the spurious ``És Chapman``); europeana-nl 13 -> 17 spurious: ``Doctor PIEPERS``,
# ``C. MARGADANT`` of a family notice, persons the corpus does not tag
# Session 11 (``s11-pii-western``): fr 39 -> 26 surviving, 15 -> 14 spurious; de 26 -> 25 spurious (the found names
# leave their titles out: ``locale_frames.without_title``)
# Session 12 (``s12-pii-lang``): europeana-nl 18 -> 21 spurious (17 pinned, 18 on the branch's base): ``J. P. BECK``,
# ``J. SABLEROLLK``, ``W.KLKIBKRGEN`` of family notices (``notice_frames.INITIALS_CAPS_RUN``), persons the corpus
# does not tag; the other sources score as on the base
MEASURED = {
    "turku-fi": (93, 70, 23, 32, 6, 136, 38),
    "nerkor-hu": (183, 137, 46, 0, 0, 153, 23),
    "europeana-de": (96, 89, 7, 0, 0, 145, 25),
    "europeana-fr": (201, 175, 26, 2, 1, 254, 14),
    "europeana-nl": (5, 1, 4, 2, 0, 25, 21),
}


@pytest.fixture(scope="module")
def dev() -> list[Case]:
    return load("dev")


@pytest.fixture(scope="module")
def scored(dev: list[Case]) -> dict[tuple[str, str], Result]:
    sample = [c for src, n in SAMPLE for c in [c for c in dev if c.source == src][:n]]
    return score_by_source(sample, mlsecure_spans, mlsecure_redact)


def test_corpus_holds_the_shipped_sources_with_their_licences() -> None:
    sources = corpus(CORPUS)["sources"]
    assert sorted(sources) == sorted(shipped_names()) == sorted(DOCUMENTS)
    assert sorted(mirror_only_names()) == ["conll2002-es", "conll2002-nl", "norne-no"]  # never stored here
    assert sorted({language(s) for s in SOURCES}) == ["de", "es", "fi", "fr", "hu", "nl", "no"]
    for name, info in sources.items():
        assert info["documents"] == DOCUMENTS[name]
        assert info["license"] in ("CC0-1.0", "CC-BY-SA-4.0") and info["notice"]
        assert len(info["commit"]) == 40


def test_halves_are_the_document_hash_and_persons_per_half_are_pinned() -> None:
    cases = load()
    assert all(c.half == half(f"{c.source}:{c.doc}") for c in cases)
    for name, (docs_dev, docs_report, pers_dev, pers_report) in HALVES.items():
        mine = [c for c in cases if c.source == name]
        assert (sum(c.half == "dev" for c in mine), sum(c.half == "report" for c in mine)) == (docs_dev, docs_report)
        persons = [sum(t == "PERSON" for c in mine if c.half == h for *_, t in c.spans) for h in ("dev", "report")]
        assert persons == [pers_dev, pers_report]


@pytest.mark.slow
@pytest.mark.skipif(not (MIRRORS / "EuropeanaNewspapers+ner-corpora").is_dir(), reason="needs the source mirrors")
def test_shipped_file_is_the_extractor_output() -> None:
    assert encode(extract(MIRRORS, shipped_names())) == OUT.read_bytes()


@pytest.mark.skipif(not (MIRRORS / "TurkuNLP+turku-ner-corpus").is_dir(), reason="needs the source mirrors")
def test_a_checked_out_mirror_is_read_through_its_git_directory() -> None:
    assert git_dir(MIRRORS, "TurkuNLP/turku-ner-corpus").name == ".git"
    assert git_dir(MIRRORS, "EuropeanaNewspapers/ner-corpora").name == "repo"


def test_readers_take_each_format_tag() -> None:
    conllup = (
        "# global.columns = FORM LEMMA UPOS XPOS FEATS CONLL:NER EMMORPH:LEMMA\n"
        "Loder\tLoder\tPROPN\t_\t_\tB-PER\tLoder\nnézte\tnéz\tVERB\t_\t_\tO\tnéz\n\n"
        "Évát\tÉva\tPROPN\t_\t_\tB-PER\tÉva\n"
    )
    assert conllup_sentences(conllup) == [[("Loder", "B-PER"), ("nézte", "O")], [("Évát", "B-PER")]]
    conllu = (
        "# sent_id =  018108\n1\tSier\tsi\tVERB\t_\t_\t0\troot\t_\tname=O\n"
        "2-3\tdu\t_\t_\t_\t_\t_\t_\t_\t_\n2\tOla\tOla\tPROPN\t_\t_\t1\tnsubj\t_\tname=B-PER\n"
        "3\tNordmann\tN\tPROPN\t_\t_\t2\tflat\t_\tSpaceAfter=No|name=I-PER\n4\ti\ti\tADP\t_\t_\t1\tcase\t_\tname=O\n"
        "5\tOslo\tOslo\tPROPN\t_\t_\t1\tobl\t_\tname=B-GPE_LOC\n"
    )
    assert list(conllu_sentences(conllu)) == [
        ("018108", [("Sier", "O"), ("Ola", "B-PER"), ("Nordmann", "I-PER"), ("i", "O"), ("Oslo", "B-LOC")])
    ]
    bio = "# file:\tF_SBB_1\nM. O\nFagard B-PEr\nkam O\n. O\nEr O\nging B-BER\n"
    assert bio_sentences(bio) == [
        [("M.", "O"), ("Fagard", "B-PEr"), ("kam", "O"), (".", "O")],
        [("Er", "O"), ("ging", "O")],
    ]


def test_words_taken_counts_the_words_gone_from_texts_with_no_person() -> None:
    cases = [
        Case("x-fi", "1", "dev", "Kiina ja Intia sopivat", ()),
        Case("x-fi", "2", "dev", "Matti tuli", ((0, 5, "PERSON"),)),
    ]
    assert words_taken(cases, lambda texts: [t.replace("Intia", "[NAME]") for t in texts]) == (1, 4)


@pytest.mark.slow
def test_dev_sample_scores_no_worse_than_measured(scored: dict[tuple[str, str], Result]) -> None:
    for src, (positives, right, survived, negatives, flagged, _predicted, spurious) in MEASURED.items():
        assert_group_no_worse(scored[(src, "dev")], src, "name", positives, right, survived)
        assert_names_no_worse(scored[(src, "dev")], src, negatives, flagged, spurious)
