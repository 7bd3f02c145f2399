"""The second peer corpus (real text labelled by people: wikigold, SEC filings, BTC, WNUT-17, libpostal's addresses)
as a regression check.

The corpus facts pin the extraction (``extract_peers2.py``): documents, tagged persons per half, the half of every
document. ``MEASURED`` is what main ``c56238d`` scored on a fixed dev-half sample, in process (the full corpus and
both halves are measured by ``benchmarks/bench_pii_peers2.py``, benchmarks/pii.md section 0m): a change that finds
fewer names or places (beyond 2%), lets more names survive redaction, or predicts more spurious name spans (beyond
10%) fails here; improvements pass (raise the figures when they land).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from extract_peers2 import SOURCES, detokenize, half, shipped_names
from pii_peer_corpus2 import (
    Case,
    Result,
    assert_group_no_worse,
    assert_names_no_worse,
    corpus,
    load,
    mlsecure_redact,
    mlsecure_spans,
    score_by_source,
    survives,
)

DOCUMENTS = {"wikigold": 145, "sec-filings": 8, "btc": 9319, "wnut17": 5559, "libpostal": 144}
PERSONS = {"wikigold": (502, 432), "sec-filings": (340, 623), "btc": (1164, 1267), "wnut17": (678, 707)}
SAMPLE = (("wikigold", 8), ("btc", 200), ("wnut17", 200), ("libpostal", 81))  # the first n dev-half documents
# (source, group): (labelled spans, found with a right type, survived redaction whole)
MEASURED = {
    ("wikigold", "name"): (68, 66, 2), ("wikigold", "location"): (74, 7, 45),
    ("btc", "name"): (33, 19, 13), ("btc", "location"): (29, 0, 27),
    ("wnut17", "name"): (26, 14, 13), ("wnut17", "location"): (28, 0, 23),
    # s8b-pii-addr: USPS/UK conventions; one location more survives (``Douglas`` had been taken inside a name
    # ``Square, Douglas`` that ``Peveril Square``, now a street, ends before)
    ("libpostal", "address"): (59, 42, 11), ("libpostal", "zip"): (45, 35, 9), ("libpostal", "location"): (70, 2, 59),
}
# source: (texts with no person, of those flagged, predicted name spans, of those spurious)
MEASURED_NAMES = {"wikigold": (2, 1, 140, 2), "btc": (173, 23, 56, 31), "wnut17": (177, 16, 44, 22),
                  "libpostal": (81, 0, 31, 0)}


@pytest.fixture(scope="module")
def data() -> dict[str, object]:
    return corpus()


@pytest.fixture(scope="module")
def dev() -> list[Case]:
    return load("dev")


@pytest.fixture(scope="module")
def sample(dev: list[Case]) -> list[Case]:
    return [c for src, n in SAMPLE for c in [c for c in dev if c.source == src][:n]]


@pytest.fixture(scope="module")
def scored(sample: list[Case]) -> dict[tuple[str, str], Result]:
    return score_by_source(sample, mlsecure_spans, mlsecure_redact)


def test_corpus_holds_the_shipped_sources_with_their_licences(data: dict[str, object]) -> None:
    sources = data["sources"]
    assert isinstance(sources, dict)
    assert sorted(sources) == sorted(shipped_names())
    assert not any(SOURCES[n]["shipped"] for n in ("conll2003",))  # Reuters text is never stored here
    for name, info in sources.items():
        assert info["documents"] == DOCUMENTS[name]
        assert info["license"] in ("CC-BY-4.0", "CC-BY-3.0", "MIT")
        assert len(info["commit"]) == 40


def test_halves_are_the_document_hash_and_persons_per_half_are_pinned() -> None:
    cases = load()
    assert all(c.half == half(f"{c.source}:{c.doc}") for c in cases)
    for name, (n_dev, n_report) in PERSONS.items():
        mine = [c for c in cases if c.source == name]
        assert sum(t == "PERSON" for c in mine if c.half == "dev" for _, _, t in c.spans) == n_dev
        assert sum(t == "PERSON" for c in mine if c.half == "report" for _, _, t in c.spans) == n_report
    assert half("wikigold:x") == "report" and half("btc:y") == "dev"  # sha256 first byte: 0x09 odd, 0x36 even


def test_spans_are_the_tagged_tokens(dev: list[Case]) -> None:
    doc = next(c for c in dev if c.source == "wikigold" and "Wren sat" in c.text)
    assert {doc.text[s:e] for s, e, t in doc.spans if t == "PERSON"} >= {"Albert Wren", "Wren"}
    tweet = next(c for c in dev if c.text.startswith("How did Dorothy Gale"))
    assert [(tweet.text[s:e], t) for s, e, t in tweet.spans] == [("Dorothy Gale", "PERSON")]
    for case in dev:
        for s, e, t in case.spans:
            value = case.text[s:e]
            assert value == value.strip() and value
            if t in ("HANDLE", "PERSON"):
                assert (t == "HANDLE") == (value[0] in "@#"), value


def test_detokenize_rebuilds_text_and_spans() -> None:
    tokens = [("``", "O"), ("Hi", "O"), ("''", "O"), (",", "O"), ("said", "O"), ("John", "B-PER"), ("Smith", "I-PER"),
              ("'s", "O"), ("dog", "O"), ("(", "O"), ("@", "B-PER"), ("rex", "B-PER"), (")", "O"), ("&", "O"),
              ("gt", "O"), (";", "O"), ("Ann", "I-PER"), ("Lee", "B-PER"), (".", "O")]
    built = detokenize([tokens, [("Paris", "I-LOC")]], "\n")
    assert built.text == '"Hi", said John Smith\'s dog (@rex) > Ann Lee.\nParis'
    assert [(built.text[s:e], t) for s, e, t in built.spans] == [
        ("John Smith", "PERSON"), ("@rex", "HANDLE"), ("Ann", "PERSON"), ("Lee", "PERSON"), ("Paris", "LOCATION")]


def test_dev_sample_scores_no_worse_than_measured(scored: dict[tuple[str, str], Result]) -> None:
    for (src, group), (positives, right, survived) in MEASURED.items():
        assert_group_no_worse(scored[(src, "dev")], src, group, positives, right, survived)
    for src, (negatives, flagged, _predicted, spurious) in MEASURED_NAMES.items():
        assert_names_no_worse(scored[(src, "dev")], src, negatives, flagged, spurious)


@pytest.mark.slow
def test_cli_redacts_the_corpus_like_the_library(dev: list[Case], tmp_path: Path) -> None:
    """The benchmark's survival goes through the CLI: the same texts, the same output as ``transform_text``."""
    texts = [c.text for c in dev if c.source == "btc" and any(t == "PERSON" for _, _, t in c.spans)][:40]
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    run = subprocess.run([sys.executable, "-m", "mlsecure", "privacy", "anonymize", "--input", str(src), "--output",
                          str(dst), "--text-columns", "text"], capture_output=True, text=True, timeout=120)
    assert run.returncode in (0, 1), run.stderr[-500:]
    out = [json.loads(line)["text"] for line in dst.read_text().splitlines()]
    assert out == mlsecure_redact(texts)
    gale = texts.index("How did Dorothy Gale come back * younger * in Return to Oz??")
    assert out[gale] == "How did [NAME] come back * younger * in Return to Oz??"
    assert not survives("Dorothy Gale", out[gale]) and survives("Dorothy Gale", texts[gale])


def test_libpostal_components_become_spans() -> None:
    from extract_peers2 import libpostal_addresses

    source = '''
    CHECK_CALL(test_parse_result_equals(
        // a comment line
        "Cafe X, Storgatan 12, 114 51 Stockholm\\nSweden",
        options,
        5,
        (labeled_component_t){"house", "cafe x"},
        (labeled_component_t){"road", "storgatan"},
        (labeled_component_t){"house_number", "12"},
        (labeled_component_t){"postcode", "114 51"},
        (labeled_component_t){"city", "stockholm"}
    ));
    CHECK_CALL(test_parse_result_equals("Nowhere 1", options, 1, (labeled_component_t){"road", "elsewhere"}));
    '''
    (built,) = libpostal_addresses(source)  # the second call's component is not in its input: left out
    assert built.text == "Cafe X, Storgatan 12, 114 51 Stockholm\nSweden"
    assert [(built.text[s:e], t) for s, e, t in built.spans] == [
        ("Cafe X", "MISC"), ("Storgatan 12", "STREET_ADDRESS"), ("114 51", "ZIP_CODE"), ("Stockholm", "LOCATION")]


def test_spans_cutting_a_word_are_told_apart() -> None:
    from pii_peer_corpus2 import _inside_word

    text = "Pride and Prejudice, Pre drinks"
    assert _inside_word(text, 10, 13)  # "Pre" of "Prejudice"
    assert not _inside_word(text, 21, 24)  # the word "Pre"
    assert _inside_word(text, 0, 1) and not _inside_word(text, 0, 5)
