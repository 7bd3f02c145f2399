"""A learned score of how likely a word of running text is part of a person's name (issue 15, session 12).

Why: eleven sessions of hand-written context rules plateaued on names no frame holds (public figures, names in
lower case, listed words with no verb of saying beside them). A logistic regression over hashed features weighs the
same evidence the rules read (names-dataset ranks, common-word bands, the gazetteer, titles, capitals, the
neighbours' words and shapes, sentence position, quotes, the column's language) with weights fitted on openly
licensed annotated text (``benchmarks/train_name_scorer.py``; the model card is in ``docs/privacy-pii.md``).

Tokens are the column's whitespace-separated pieces, cut in one Polars query (no Python loop over cells); the
features of each distinct word are computed once in Python, then every token's features are numpy gathers of
integer ids, and its score one sum of weights. ``learned_names`` gives the words whose mean score over their
occurrences in the column passes the threshold chosen on held-apart development documents.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from mlsecure.privacy.pii.dict_names import words as dictionary
from mlsecure.privacy.pii.frame import polars
from mlsecure.privacy.pii.lexicons import TITLES
from mlsecure.privacy.pii.local_words import country_names
from mlsecure.privacy.pii.name_data import fold, is_rare_name, lexicon
from mlsecure.privacy.pii.name_parts import is_place
from mlsecure.privacy.pii.word_bands import common_band, frequent_band

WEIGHTS = Path(__file__).parent / "data" / "name_scorer.npz"
# a column that declines names in Finnish or Hungarian is scored by its own weights, fitted on Turku NER and NerKor
# (CC BY-SA 4.0, so that file carries their share-alike terms; the model card names them); Norwegian stays unscored:
# NorNE's texts are excluded from its CC0 grant, so no weights derived from them may ship
DECLINING_WEIGHTS = Path(__file__).parent / "data" / "name_scorer_fi_hu.npz"
SCORED_DECLINING = frozenset(("fi", "hu"))
BITS = 18  # 262,144 hashed feature slots: few collisions for the ~200,000 distinct features of the training text
BUCKETS = 1 << BITS
TOKEN = r"\S+"
# the word inside a whitespace piece: letters with inner apostrophes, hyphens and dots, no possessive ``'s``
WORD = r"\p{L}(?:[\p{L}\p{M}'’.\-]*[\p{L}\p{M}])?"
_POSSESSIVE = r"['’]s$"
SENTENCE_END = r"[.!?:;]['\"”’)]*$"
QUOTES = "\"'“”‘’«»„"
COMMON = 10000  # the ``common`` band of ``word_bands``
FREQUENT = 1000
REPEATED_OPENER = 3  # a dictionary word opening this many sentences of a column, and no other, is not scored
PROSE_SHARE = 0.7  # below this share of plain words a column is no prose (``prose_share``): not scored
PUNCTUATION = "()[]{}\"'“”‘’«»,.;:!?"
BAND_LANGS = ("en", "es", "fr", "de", "pt", "it", "nl")
# word features (for the token itself) and the few read of its neighbours, as named slots of the hash
SELF_SLOTS = ("w", "shape", "pre3", "suf3", "given", "surname", "band", "place", "title", "case")
NEIGHBOUR_SLOTS = ("w", "shape", "title", "band")
NEIGHBOURS = ("p2", "p1", "n1", "n2")


def stable_hash(text: str) -> int:
    """A feature's slot: CRC-32 of its UTF-8 bytes (Python's ``hash`` changes with every process)."""
    return zlib.crc32(text.encode("utf-8")) & (BUCKETS - 1)


@dataclass(frozen=True)
class Scorer:
    """The fitted weights (one per hashed slot), the bias and the threshold on a word's mean probability."""

    weights: np.ndarray
    bias: float
    threshold: float

    def probabilities(self, ids: np.ndarray) -> np.ndarray:
        """The probability of each row of feature ids (rows x features, int64)."""
        logits = self.weights[ids].sum(axis=1) + self.bias
        out: np.ndarray = 1.0 / (1.0 + np.exp(-logits))
        return out


def declining_model(declining: Sequence[str]) -> Scorer | None:
    """The weights for a column declining names in ``declining`` (``declined_names.declining_languages``): the
    Finnish and Hungarian model, or None where the column declines in a language no licensed corpus taught."""
    return scorer(DECLINING_WEIGHTS) if declining and set(declining) <= SCORED_DECLINING else None


@cache
def scorer(path: Path = WEIGHTS) -> Scorer:
    """The shipped weights, read without pickle."""
    with np.load(path, allow_pickle=False) as data:
        weights = np.asarray(data["weights"], dtype=np.float32)
        if weights.shape != (BUCKETS,):
            raise ValueError(f"{path}: expected {BUCKETS} weights, found shape {weights.shape}")
        return Scorer(weights, float(data["bias"]), float(data["threshold"]))


def token_table(cells: Any) -> Any:
    """One row per whitespace piece of each cell: ``row``, ``raw``, ``word`` and the raw neighbours (Polars)."""
    return with_context(pieces(cells))


def pieces(cells: Any) -> Any:
    """One row per whitespace piece of each cell: ``row``, ``raw`` (Polars), in text order."""
    pl = polars()
    series = cells if isinstance(cells, pl.Series) else pl.Series("t", list(cells), dtype=pl.Utf8)
    return (
        pl.DataFrame({"t": series})
        .with_row_index("row")
        .select("row", pl.col("t").str.extract_all(TOKEN).alias("raw"))
        .explode("raw")
        .drop_nulls("raw")
    )


def with_context(frame: Any) -> Any:
    """``frame`` (``row``, ``raw``, in text order) with the word, its neighbours, sentence start and quotes."""
    return with_neighbours(with_words(frame))


def with_words(frame: Any) -> Any:
    """``frame`` (``row``, ``raw``) with the ``word`` inside each piece ("" where none): all ``learned_names`` needs
    to know whether the column has candidates before it builds the neighbours."""
    pl = polars()
    word = pl.col("raw").str.extract(f"({WORD})", 1).str.replace(_POSSESSIVE, "")
    return frame.with_columns(word.fill_null("").alias("word"))


def with_neighbours(frame: Any) -> Any:
    """``frame`` (``with_words``, in text order) with the neighbours' words, sentence start and quotes."""
    pl = polars()

    def near(column: str, k: int) -> Any:  # ``shift(k).over("row")`` without a window: a cell's pieces are adjacent
        return pl.when(pl.col("row").shift(k) == pl.col("row")).then(pl.col(column).shift(k))

    prev_raw = near("raw", 1)
    return frame.with_columns(
        *(near("word", k).fill_null("").alias(f"p{k}") for k in (1, 2)),
        *(near("word", -k).fill_null("").alias(f"n{k}") for k in (1, 2)),
        (prev_raw.is_null() | prev_raw.str.contains(SENTENCE_END)).fill_null(True).alias("start"),
        (
            pl.col("raw").str.slice(0, 1).is_in(list(QUOTES))
            | prev_raw.str.slice(-1, 1).is_in(list(QUOTES)).fill_null(False)
        ).alias("quoted"),
    )


def is_candidate(word: str) -> bool:
    """A capitalised word, or a lower-case one that names-dataset lists as a given name or surname and no
    language's common words hold."""
    if len(word) < 2 or not word[0].isalpha():
        return False
    if word[0].isupper():
        return not word.isupper() or len(word) > 3
    if not word.islower() or len(word) < 3 or _band(word, ()) != "none":  # ``will``, ``the``: listed surnames too
        return False
    return fold(word) in lexicon().given or fold(word) in lexicon().surname


def shape(word: str) -> str:
    """``Xx``, ``x``, ``X``, ``Xx-Xx``: case runs, with ``-``, ``.`` and apostrophes kept."""
    out: list[str] = []
    for ch in word:
        code = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch
        if not out or out[-1] != code:
            out.append(code)
    return "".join(out)[:6]


def _rank_band(rank: int | None) -> str:
    if rank is None:
        return "none"
    return "50" if rank <= 50 else "200" if rank <= 200 else "1000" if rank <= 1000 else "2000"


def _band(low: str, langs: Sequence[str]) -> str:
    """Which common-word band holds the word: the column's languages first, then any other language."""
    for lang in langs:
        if low in (frequent_band(lang, FREQUENT) or frozenset()):
            return "freq"
        if low in (common_band(lang, COMMON) or frozenset()):
            return "common"
    if any(low in (common_band(lang, COMMON) or frozenset()) for lang in BAND_LANGS if lang not in langs):
        return "other"
    return "none"


def word_features(word: str, langs: Sequence[str]) -> dict[str, str]:
    """The named features of one word (the values hashed with their slot names)."""
    low = word.lower()
    key = fold(word)
    lex = lexicon()
    given = lex.given.get(key)
    surname = lex.surname.get(key)
    rare = given is None and surname is None and is_rare_name(word)
    case = "lower" if word.islower() else "upper" if word.isupper() else "cap" if word[:1].isupper() else "mixed"
    return {
        "w": low,
        "shape": shape(word),
        "pre3": low[:3],
        "suf3": low[-3:],
        "given": "rare" if rare else _rank_band(given),
        "surname": "rare" if rare else _rank_band(surname),
        "band": _band(low, langs),
        "place": str(bool(word) and is_place(word)),
        "title": str(low.rstrip(".") in TITLES),
        "case": case,
    }


def hashed_word_features(words: Sequence[str], langs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct word: its own feature ids (words x SELF_SLOTS) and the raw hashes its neighbours salt."""
    own = np.zeros((len(words), len(SELF_SLOTS)), dtype=np.int64)
    near = np.zeros((len(words), len(NEIGHBOUR_SLOTS)), dtype=np.int64)
    for i, word in enumerate(words):
        if not word:
            near[i] = [stable_hash(f"{slot}=<none>") for slot in NEIGHBOUR_SLOTS]
            continue
        feats = word_features(word, langs)
        own[i] = [stable_hash(f"self.{slot}={feats[slot]}") for slot in SELF_SLOTS]
        near[i] = [stable_hash(f"{slot}={feats[slot]}") for slot in NEIGHBOUR_SLOTS]
    return own, near


def feature_ids(table: Any, langs: Sequence[str]) -> np.ndarray:
    """The feature ids of each row of ``table`` (from ``with_context``): rows x features, int64."""
    pl = polars()
    columns = ("word", *NEIGHBOURS)
    every = pl.concat([table[c] for c in columns])  # one lookup for the word and its four neighbours
    vocab = sorted(set(every.unique().to_list()) | {""})
    own, near = hashed_word_features(vocab, langs)
    lookup = pl.DataFrame({"key": vocab, "idx": np.arange(len(vocab), dtype=np.int64)})
    joined = every.to_frame("key").join(lookup, on="key", how="left", maintain_order="left")
    at = joined["idx"].fill_null(vocab.index("")).to_numpy().reshape(len(columns), table.height)
    word_at = at[0]
    parts = [own[word_at]]
    for n, name in enumerate(NEIGHBOURS):  # a neighbour's feature salted by its place: ``p1.w=mr`` != ``n1.w=mr``
        salt = np.int64(stable_hash(name) * (n + 1))
        parts.append((near[at[n + 1]] * np.int64(31) + salt) % BUCKETS)
    start = table["start"].to_numpy().astype(bool)
    quoted = table["quoted"].to_numpy().astype(bool)
    lang = langs[0] if langs else "none"
    flags = np.stack(
        [
            np.where(start, stable_hash("start=1"), stable_hash("start=0")),
            np.where(quoted, stable_hash("quoted=1"), stable_hash("quoted=0")),
            np.full(len(start), stable_hash(f"lang={lang}")),
            # the sentence's first word is capitalised whatever it is: its own case read together with its place
            np.where(start, stable_hash("start.case") + own[word_at, SELF_SLOTS.index("case")], 0) % BUCKETS,
        ],
        axis=1,
    ).astype(np.int64)
    return np.concatenate([*parts, flags], axis=1)


def prose_share(table: Any) -> float:
    """The share of ``table``'s pieces (``pieces`` or ``token_table``) that are words with at most punctuation
    around them (``Chrome/120.0``, ``13_5_1``, ``(KHTML,`` are not): tweets 0.83-0.86, news 0.94, user agents 0.52."""
    pl = polars()
    bare = pl.col("raw").str.strip_chars(PUNCTUATION).str.replace_all("[-'’]", "")
    share = table.select(bare.str.contains(r"^\p{L}+$").mean()).item()
    return float(share or 0.0)


def learned_names(
    cells: Any,
    langs: Sequence[str],
    taken: Iterable[str],
    *,
    model: Scorer | None = None,
    repeats: Sequence[int] | Callable[[], Sequence[int] | None] | None = None,
) -> set[str]:
    """The candidate words of ``cells`` no value of ``taken`` holds whose mean probability passes the threshold
    (none where ``dict_names`` reads none of its languages in the column: the model learnt no other).
    ``repeats``: how many cells of the column write each of ``cells`` where they are its distinct texts (a span
    batch keeps each text once), so that a template's opener is counted in every cell that repeats it; a callable is
    asked only once the column is known to have candidates (a column that is no prose pays nothing)."""
    if not langs:
        return set()
    pl = polars()
    raw = pieces(cells)
    if raw.height == 0 or prose_share(raw) < PROSE_SHARE:  # user agents, paths, code: the model learnt prose
        return set()
    table = with_words(raw)  # the neighbours wait until the column is known to have candidates
    held = {w for value in taken for w in value.split()}
    seen = set(table["word"].unique().to_list())
    # a word the column writes both capitalised and in lower case is an everyday word that starts sentences
    # (lorem ipsum's ``Maxime`` and ``maxime``): neither form is scored (held-out prose lost 14% more words)
    both = {w.lower() for w in seen if w[:1].isupper() and w.lower() in seen}
    countries = frozenset().union(*(country_names(lang) for lang in langs))  # ``Frankreich``, ``Schweiz``
    distinct = [
        w
        for w in seen
        if w and w.lower() not in both and w not in held and w.lower() not in countries and is_candidate(w)
    ]
    if not distinct:
        return set()
    table = with_neighbours(table).filter(pl.col("word").is_in(distinct))
    # a dictionary word that the column writes again and again, and only to open a sentence, is a word of a form
    # or template (``Callback 555-0199.`` closing every note: mimesis notes lost it 13 times a locale), not a
    # person named each time; a name opens sentences too, but not as the same dictionary word every time
    # (``Dr. Holm``, ``Pt. Anna``: after a title's abbreviation is no sentence's opening here)
    opening = pl.col("start") & ~pl.col("p1").str.to_lowercase().is_in(list(TITLES))
    if callable(repeats):
        repeats = repeats()
    counted = table if repeats is None else table.join(_row_repeats(repeats), on="row", how="left")
    times = pl.len() if repeats is None else pl.col("times").sum()
    openers = counted.group_by("word").agg(opening.all().alias("always"), times.alias("n"))
    # Finnish and Hungarian have no spelling list: there any such word is taken for a template's
    unlisted = not SCORED_DECLINING.isdisjoint(langs)
    listed = [lang for lang in langs if lang not in SCORED_DECLINING]
    template = {
        word
        for word, always, n in openers.iter_rows()
        if always and n >= REPEATED_OPENER and (unlisted or any(word.lower() in dictionary(lang) for lang in listed))
    }
    if template:
        table = table.filter(~pl.col("word").is_in(list(template)))
        if table.height == 0:
            return set()
    fitted = model or scorer()
    probs = fitted.probabilities(feature_ids(table, langs))
    means = pl.DataFrame({"word": table["word"], "p": probs}).group_by("word").agg(pl.col("p").mean())
    return set(means.filter(pl.col("p") >= fitted.threshold)["word"].to_list())


def _row_repeats(repeats: Sequence[int]) -> Any:
    """``row`` (a cell's index, as ``pieces`` numbers it) and ``times``: the cells writing that text."""
    pl = polars()
    return pl.DataFrame({"times": pl.Series(list(repeats), dtype=pl.UInt32)}).with_row_index("row")
