"""Fit ``name_scorer``'s weights on the DEV halves of openly licensed annotated corpora (issue 15, session 12).

Training text (each source's own person tags are the labels; the licences allow shipping derived weights):
wikigold (CC BY 4.0), the Broad Twitter Corpus (CC BY 4.0), WNUT-17 (CC BY 4.0) from ``tests/pii/peers2``, and
Europeana's German, French and Dutch newspapers (CC0 1.0) from ``tests/pii/peers3``. Never read: any report half,
the SEC filings (it tags ``Borrower`` and ``Lender`` as persons), the CC BY-SA corpora (Turku, NerKor, CrossNER,
GUM's Wikipedia genres), everything of ``tests/pii/peers4`` (held out whole: the out-of-domain measure) and the
mirror-only corpora (CoNLL, NorNE: not redistributable).

With ``--declining`` (session 13b) it fits instead the SEPARATE weights for columns that decline names in Finnish or
Hungarian (``name_scorer.DECLINING_WEIGHTS``) on the dev halves of the Turku NER corpus and NYTK-NerKor, both CC BY-SA
4.0: those weights carry the share-alike terms (the model card in ``docs/privacy-pii.md`` names the corpora); the
English/German/French/Dutch weights above take nothing from them.

Documents are split 80/20 by a CRC-32 of their id: the model is fitted on the 80, the threshold on a word's mean
probability is the lowest that keeps word-level precision >= ``PRECISION`` on the 20, then the model is refitted on
all of them with the same settings. Deterministic: fixed seed, fixed order, a deterministic solver.

With ``--mirrors`` (session 14), also every document of the sources ``name_scorer_sources.py`` reads from their
mirrors (``--extra``, default LitBank and UNER English-EWT), less the sentences any measured corpus holds; their
documents take part in the 80/20 split like the others. Not used for the shipped weights (``benchmarks/pii.md`` 0z24).

    PYTHONPATH=src python benchmarks/train_name_scorer.py [--out src/mlsecure/privacy/pii/data/name_scorer.npz]
    PYTHONPATH=src python benchmarks/train_name_scorer.py --mirrors /work/.mirror [--extra litbank re3d]
    PYTHONPATH=src python benchmarks/train_name_scorer.py --declining   # -> data/name_scorer_fi_hu.npz
"""

from __future__ import annotations

import argparse
import re
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "pii" / "peers2"))
sys.path.insert(0, str(ROOT / "tests" / "pii" / "peers3"))

from name_scorer_sources import Extra as Doc  # noqa: E402  (one training document, as the mirrors' loader builds it)

from mlsecure.privacy.pii.declined_names import FUNCTION_WORD_RUN, declining_languages  # noqa: E402
from mlsecure.privacy.pii.dict_names import STOP_RUN, languages  # noqa: E402
from mlsecure.privacy.pii.frame import polars  # noqa: E402
from mlsecure.privacy.pii.name_scorer import (  # noqa: E402
    BUCKETS,
    DECLINING_WEIGHTS,
    SCORED_DECLINING,
    TOKEN,
    WEIGHTS,
    feature_ids,
    is_candidate,
    with_context,
)

SOURCES = {"peers2": ("wikigold", "btc", "wnut17"), "peers3": ("europeana-de", "europeana-fr", "europeana-nl")}
DECLINING_SOURCES = {"peers2": (), "peers3": ("turku-fi", "nerkor-hu")}  # CC BY-SA 4.0: their own weights file
PRECISION = 0.80
TUNE_SHARE = 20  # percent of documents held apart to choose the threshold
C = 0.5
SEED = 12


def load_docs(
    sources: dict[str, tuple[str, ...]] = SOURCES, mirrors: Path | None = None, extra: Sequence[str] = ()
) -> list[Doc]:
    """The dev halves of ``sources`` and the ``extra`` mirror-read sources, in a fixed order."""
    import pii_peer_corpus2
    import pii_peer_corpus3

    docs: list[Doc] = []
    for module, names in ((pii_peer_corpus2, sources["peers2"]), (pii_peer_corpus3, sources["peers3"])):
        if not names:
            continue
        docs.extend(
            Doc(case.source, case.doc, case.text, tuple((s, e) for s, e, t in case.spans if t == "PERSON"))
            for case in module.load("dev")
            if case.source in names
        )
    if mirrors is not None and extra:
        from name_scorer_sources import load_extra

        for name, loaded in load_extra(mirrors).items():
            if name in extra:
                docs.extend(loaded.docs)
                print(
                    f"{name}: {len(loaded.docs)} documents, {loaded.sentences} sentences, {loaded.dropped} dropped "
                    f"(in a measured corpus), {loaded.short_kept} under 5 words kept"
                )
    return sorted(docs, key=lambda d: (d.source, d.doc))


def tokens(docs: Sequence[Doc]) -> tuple[Any, np.ndarray]:
    """The token table of ``docs`` (``with_context``) and each token's label: it overlaps a person span."""
    pl = polars()
    rows: list[int] = []
    raws: list[str] = []
    labels: list[int] = []
    for i, doc in enumerate(docs):
        for m in re.finditer(TOKEN, doc.text):
            rows.append(i)
            raws.append(m.group(0))
            labels.append(int(any(s < m.end() and m.start() < e for s, e in doc.persons)))
    frame = with_context(pl.DataFrame({"row": rows, "raw": raws}, schema={"row": pl.UInt32, "raw": pl.Utf8}))
    return frame, np.asarray(labels, dtype=np.int8)


def design(docs: Sequence[Doc]) -> tuple[Any, np.ndarray, Any]:
    """Sparse features, labels and the candidate rows (``word``, ``row``) of ``docs``, source by source (each
    source is one column: its languages are read from its own function words, as ``spans`` reads a column's)."""
    import pii_peer_corpus3
    from scipy.sparse import csr_matrix, vstack

    pl = polars()
    mats, labs, frames = [], [], []
    for source in sorted({d.source for d in docs}):
        mine = [d for d in docs if d.source == source]
        langs = column_languages([d.text for d in mine])
        if source in DECLINING_SOURCES["peers3"] and langs[:1] != (pii_peer_corpus3.language(source),):
            raise SystemExit(f"{source}: read as {langs}, not as its own declining language; the scorer would skip it")
        frame, labels = tokens(mine)
        keep = np.asarray([is_candidate(w) for w in frame["word"].to_list()], dtype=bool)
        frame = frame.filter(pl.Series(keep))
        ids = feature_ids(frame, langs)
        n, k = ids.shape
        mats.append(
            csr_matrix((np.ones(n * k, dtype=np.float64), ids.ravel(), np.arange(0, n * k + 1, k)), shape=(n, BUCKETS))
        )
        labs.append(labels[keep])
        frames.append(frame.select(pl.lit(source).alias("source"), "row", "word"))
    return vstack(mats).tocsr(), np.concatenate(labs), pl.concat(frames)


def column_languages(texts: Sequence[str]) -> tuple[str, ...]:
    """The languages ``spans`` scores a column in: its declining one first where the model for it is trained
    (``name_scorer.declining_model``), then those ``dict_names`` reads."""
    langs = languages({w for t in texts for w in re.findall(STOP_RUN, t)})
    stops = {w for t in texts for w in re.findall(FUNCTION_WORD_RUN, t)}
    declining = declining_languages(stops, stops)  # as ``spans._confirmed`` reads a column's
    return (*declining, *langs) if declining and set(declining) <= SCORED_DECLINING else langs


def fit(x: Any, y: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, solver="liblinear", random_state=SEED, max_iter=200)
    model.fit(x, y)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def choose_threshold(frame: Any, probs: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    """The lowest threshold on a word's mean probability (per source) whose words are >= PRECISION names
    (a word is a name where most of its occurrences are tagged); with its precision and name-word recall."""
    pl = polars()
    words = (
        frame.with_columns(pl.Series("p", probs), pl.Series("y", labels))
        .group_by("source", "word")
        .agg(pl.col("p").mean(), pl.col("y").mean())
    )
    p = words["p"].to_numpy()
    y = words["y"].to_numpy() >= 0.5
    for threshold in np.arange(0.30, 0.99, 0.01):
        hit = p >= threshold
        if hit.sum() and y[hit].mean() >= PRECISION:
            return float(threshold), float(y[hit].mean()), float((hit & y).sum() / max(y.sum(), 1))
    return 0.99, float("nan"), 0.0


def tune_split(doc: Doc) -> bool:
    return zlib.crc32(f"{doc.source}/{doc.doc}".encode()) % 100 < TUNE_SHARE


def train(docs: Sequence[Doc]) -> tuple[np.ndarray, float, float, dict[str, float]]:
    """Weights, bias, threshold and the tuning figures, from ``docs``."""
    fit_docs = [d for d in docs if not tune_split(d)]
    tune_docs = [d for d in docs if tune_split(d)]
    x, y, _ = design(fit_docs)
    weights, bias = fit(x, y)
    tx, ty, tframe = design(tune_docs)
    logits = np.asarray(tx @ weights.astype(np.float64)).ravel() + bias
    threshold, precision, recall = choose_threshold(tframe, 1 / (1 + np.exp(-logits)), ty)
    ax, ay, _ = design(docs)
    weights, bias = fit(ax, ay)
    stats = {
        "tokens": float(ay.size),
        "name_tokens": float(ay.sum()),
        "tune_precision": precision,
        "tune_recall": recall,
    }
    return weights, bias, threshold, stats


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="default: the shipped file of the model chosen")
    parser.add_argument("--mirrors", type=Path, help="read the extra sources from these mirrors")
    parser.add_argument("--extra", nargs="*", default=["litbank", "uner-ewt"], choices=["litbank", "re3d", "uner-ewt"])
    parser.add_argument(
        "--declining",
        action="store_true",
        help="fit the Finnish/Hungarian weights on Turku NER and NerKor (CC BY-SA 4.0) instead",
    )
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = DECLINING_WEIGHTS if args.declining else WEIGHTS
    docs = load_docs(DECLINING_SOURCES if args.declining else SOURCES, args.mirrors, args.extra)
    weights, bias, threshold, stats = train(docs)
    tmp = args.out.with_name(args.out.name + ".tmp.npz")
    np.savez_compressed(tmp, weights=weights, bias=np.float64(bias), threshold=np.float64(threshold))
    tmp.replace(args.out)
    print(
        f"documents {len(docs)}; candidate tokens {stats['tokens']:.0f}, of names {stats['name_tokens']:.0f}; "
        f"threshold {threshold:.2f} (tune precision {stats['tune_precision']:.3f}, word recall "
        f"{stats['tune_recall']:.3f}); wrote {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
