"""The column classifier: one PII type (or none) per column, with a confidence.

Evidence combined per recognizer on a sample of the column's non-null values:

* the share of cells matching the recognizer's full-cell pattern (one Polars regex kernel over the
  column's distinct values),
* the share passing its validator (checksum/parser, run in Python on distinct matches only),
* keywords in the column name (``dob``, ``zip``...), which count for the whole column, and
  negative keywords (``product_name`` is not a person's name),
* distribution features: a strictly increasing all-digit column is a sequence id (an order number
  that happens to look like a phone number), a column of valid EAN-13 codes is barcodes, and a
  pattern that matches but fails its checksum is evidence *against* the type.

The highest-scoring recognizer wins; its confidence is its valid share, boosted by a header keyword
and by a checksum. Long multi-word cells with no single type are free text, scanned for spans.
A first pass looks at ``early_sample`` values and stops there when it is already confident.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from mlsecure.privacy.pii.address_shape import address_words
from mlsecure.privacy.pii.frame import polars
from mlsecure.privacy.pii.gazetteer import CITY_SHARE, MIN_CITIES, fold, known_cities
from mlsecure.privacy.pii.lexicons import ORGANISATION_WORDS
from mlsecure.privacy.pii.masking import masked_examples
from mlsecure.privacy.pii.names import is_name
from mlsecure.privacy.pii.phones import PROBE as PHONE_PROBE
from mlsecure.privacy.pii.phones import column_phone_validator
from mlsecure.privacy.pii.places import (
    area_and_long_postcodes,
    is_neutral_header,
    one_country_postcodes,
    place_verdict,
    postcode_family,
    towns_beside_streets,
)
from mlsecure.privacy.pii.places import header_kinds as header_kinds_of_place
from mlsecure.privacy.pii.recognizers import Recognizer, recognizers
from mlsecure.privacy.pii.regex_threads import BLOCK, run_blocks
from mlsecure.privacy.pii.script_names import alphabet_name_cells, cjk_name_cells
from mlsecure.privacy.pii.spans import OTHER_DIGIT, SpanScan, ascii_digits, scan_spans, scan_spans_many
from mlsecure.privacy.pii.types import PiiType
from mlsecure.privacy.pii.validators import age, ean13, phone_any_region

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# What pandas, R and SQL exports write for a missing value: evidence of nothing ("NaN" is also a given
# name, so a column of nothing but "NaN" was read as names). Cells keep their text; only the verdict ignores them.
MISSING_MARKERS = ("nan", "NaN", "NAN", "-nan", "-NaN", "null", "NULL", "Null", "None", "none", "NONE", "N/A",
                   "n/a", "#N/A", "<NA>", "NA", "<null>", "(null)")
MAX_VALIDATE = 300  # distinct candidates validated per recognizer and column
_DIGIT_RECOGNIZERS = {"ssn_plain", "credit_card", "phone", "npi", "aba_routing", "account_number", "mrn",
                      "zip", "age", "license", "device_id", "passport", "health_plan_id", "postcode_any", "ssn",
                      "in_aadhaar", "br_cpf", "de_idnr", "au_medicare", "gb_nhs", "ca_sin", "au_tfn", "nl_bsn",
                      "personal_number"}


@dataclass(frozen=True)
class ColumnVerdict:
    """What one column holds. ``share`` is the fraction of sampled non-null cells that are valid
    instances of ``pii_type``; ``confidence`` in [0, 1]; ``examples`` are masked shapes."""

    column: str
    pii_type: PiiType | None
    confidence: float
    share: float
    recognizer: str | None = None
    sampled: int = 0
    null_share: float = 0.0
    kind: str = "structured"  # or "free_text", "empty"
    reasons: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    spans: SpanScan | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "column": self.column,
            "pii_type": self.pii_type.value if self.pii_type else None,
            "share": round(self.share, 4),
            "confidence": round(self.confidence, 4),
            "recognizer": self.recognizer,
            "kind": self.kind,
            "sampled": self.sampled,
            "null_share": round(self.null_share, 4),
            "examples": list(self.examples),
            "reasons": list(self.reasons),
        }
        if self.spans is not None:
            out["spans"] = self.spans.to_dict()
        out.update(self.detail)
        return out


def classify_column(name: str, values: Any, *, sample_size: int = 1000, early_sample: int = 200,
                    region: str = "US", pool: Sequence[Recognizer] | None = None, text: bool = False) -> ColumnVerdict:
    """Classify one column (a Polars Series of strings, as ``frame.to_strings`` makes them). With ``text``
    the column is read as running text whatever its cells look like: span findings only."""
    return classify_columns([(name, values)], sample_size=sample_size, early_sample=early_sample, region=region,
                            pool=pool, text_columns=(name,) if text else ())[0]


def classify_columns(columns: Sequence[tuple[str, Any]], *, sample_size: int = 1000, early_sample: int = 200,
                     region: str = "US", pool: Sequence[Recognizer] | None = None,
                     text_columns: Collection[str] = ()) -> list[ColumnVerdict]:
    """Classify many columns at once, with the verdict ``classify_column`` gives each.

    The columns' distinct values are stacked into one frame, so each recognizer's pattern is compiled and
    run once for the whole table rather than once per column (a regular expression costs more to compile
    than to run over a thousand short cells), and the free-text scans of all columns share one query."""
    pool = tuple(pool) if pool is not None else recognizers()
    verdicts: dict[int, ColumnVerdict] = {}
    samples: dict[int, tuple[str, Any, float]] = {}
    texts: dict[int, _SpanStep] = {}
    for i, ((name, _), (non_null, null_share)) in enumerate(zip(columns, _non_empty(columns, sample_size),
                                                                strict=True)):
        if len(non_null) == 0:
            verdicts[i] = ColumnVerdict(name, None, 1.0, 0.0, null_share=null_share, kind="empty",
                                        reasons=("no non-empty cells (missing-value markers such as NaN or NULL "
                                                 "count as empty)",))
        elif "*" in text_columns or name in text_columns:
            texts[i] = _SpanStep(name, non_null, null_share)
        else:
            samples[i] = (name, non_null, null_share)
    first = _classify_samples({i: (name, sample.head(early_sample), null_share)
                               for i, (name, sample, null_share) in samples.items()}, pool, region)
    again = {}
    for i, outcome in first.items():
        if len(samples[i][1]) <= early_sample or (
                isinstance(outcome, ColumnVerdict) and outcome.confidence >= 0.95 and outcome.pii_type is not None
                and outcome.kind == "structured"):
            if isinstance(outcome, ColumnVerdict):
                verdicts[i] = outcome
            else:
                texts[i] = outcome
        else:
            again[i] = samples[i]
    for i, outcome in _classify_samples(again, pool, region).items():
        if isinstance(outcome, ColumnVerdict):
            verdicts[i] = outcome
        else:
            texts[i] = outcome
    verdicts.update(_span_verdicts(texts, region))
    _towns_beside_streets(verdicts, samples)
    _postcodes_beside_addresses(verdicts, samples)
    return [verdicts[i] for i in range(len(columns))]


def _non_empty(columns: Sequence[tuple[str, Any]], sample_size: int) -> list[tuple[Any, float]]:
    """Per column: its first ``sample_size`` cells that are neither null nor a missing-value marker, and the
    share of cells that are. String columns are filtered together (one query over the stacked cells, each
    column's sample a zero-copy slice of the result) rather than by two queries per column."""
    pl = polars()
    if len(columns) < 2 or any(values.dtype != pl.Utf8 for _, values in columns):
        out = []
        for _, values in columns:
            non_null = values.drop_nulls()
            non_null = non_null.filter(~non_null.is_in(MISSING_MARKERS))
            total = len(values)
            out.append((non_null.head(sample_size), 1.0 - len(non_null) / total if total else 1.0))
        return out
    lengths = [len(values) for _, values in columns]
    v = pl.col("v")
    stacked = pl.DataFrame({"c": np.repeat(np.arange(len(columns), dtype=np.int32), lengths),
                            "v": pl.concat([values for _, values in columns], rechunk=True).rename("v")})
    kept = stacked.filter(v.is_not_null() & ~v.is_in(MISSING_MARKERS))
    found = np.bincount(kept.get_column("c").to_numpy(), minlength=len(columns))
    starts = np.concatenate([[0], np.cumsum(found)])
    cells = kept.get_column("v")
    return [(cells.slice(int(starts[k]), int(min(found[k], sample_size))).rename(values.name),
             1.0 - int(found[k]) / lengths[k] if lengths[k] else 1.0) for k, (_, values) in enumerate(columns)]


def _towns_beside_streets(verdicts: dict[int, ColumnVerdict], samples: dict[int, tuple[str, Any, float]]) -> None:
    """Villages the gazetteer partly misses are a city column beside a street column
    (``places.towns_beside_streets``). Updates ``verdicts`` in place."""
    if not any(v.pii_type is PiiType.STREET_ADDRESS for v in verdicts.values()):
        return
    for i, (name, sample, null_share) in samples.items():
        verdict = verdicts[i]
        if verdict.pii_type is not None or verdict.kind != "structured" or sample.dtype != polars().Utf8:
            continue
        counts = sample.value_counts(sort=True)
        values, freq = counts.get_column(counts.columns[0]).to_list(), counts.get_column("count").to_list()
        found = towns_beside_streets(name, [v for v in values if v is not None],
                                     [c for v, c in zip(values, freq, strict=True) if v is not None])
        if found is not None:
            verdicts[i] = ColumnVerdict(name, PiiType.CITY, found.share * 0.9, found.share, found.recognizer,
                                        len(sample), null_share, "structured", (*verdict.reasons, found.why),
                                        masked_examples(values[:20]))


def _postcodes_beside_addresses(verdicts: dict[int, ColumnVerdict], samples: dict[int, tuple[str, Any, float]]) -> None:
    """Postcodes of one country (``1010``, ``75008``) look like any number of their width; beside a city or
    street column they are the address's postcode when they also spread over their width's whole range
    and do not count up (``places.one_country_postcodes``). Updates ``verdicts`` in place."""
    if not any(v.pii_type in (PiiType.CITY, PiiType.STREET_ADDRESS) for v in verdicts.values()):
        return
    for i, (name, sample, null_share) in samples.items():
        verdict = verdicts[i]
        if verdict.pii_type is not None or verdict.kind != "structured":
            continue
        head = sample.head(PROBE_ROWS).cast(polars().Utf8).to_list()
        area = is_neutral_header(name) and all(v is not None and v.isdigit() and len(v) in (3, 5, 6) for v in head) \
            and any(len(v) == 3 for v in head)  # ``115`` beside ``10732``: Taiwan's areas and their long codes
        known = not area and sum(postcode_family(v) is not None for v in head if v is not None) >= 0.6 * len(head)
        if not (known or area) or _strictly_increasing(sample):
            continue
        counts = sample.cast(polars().Utf8).value_counts(sort=True)
        values, freq = counts.get_column(counts.columns[0]).to_list(), counts.get_column("count").to_list()
        found = (one_country_postcodes(name, values, freq) if known else
                 area_and_long_postcodes(name, [v for v in values if v is not None],
                                         [c for v, c in zip(values, freq, strict=True) if v is not None]))
        if found is not None:
            verdicts[i] = ColumnVerdict(name, PiiType.ZIP_CODE, found.share * 0.9, found.share, found.recognizer,
                                        len(sample), null_share, "structured", (*verdict.reasons, found.why),
                                        masked_examples(values[:20]))


@dataclass(frozen=True)
class _SpanStep:
    """A column whose verdict waits for its span scan: running text, or short texts mixed with values."""

    name: str
    sample: Any
    null_share: float
    reasons: tuple[str, ...] = ()
    mixed: bool = False
    blocked: frozenset[PiiType] = frozenset()


def _span_verdicts(steps: dict[int, _SpanStep], region: str) -> dict[int, ColumnVerdict]:
    """Verdicts of the columns that need a span scan, all scanned in one batch."""
    order = sorted(steps)
    scans = scan_spans_many([steps[i].sample for i in order], region=region)
    out: dict[int, ColumnVerdict] = {}
    for i, spans in zip(order, scans, strict=True):
        step = steps[i]
        if step.mixed:
            out[i] = _mixed_verdict(step, spans)
        else:
            out[i] = _text_verdict(step.name, len(step.sample), step.null_share, spans, step.reasons)
    return out


def _classify_samples(samples: dict[int, tuple[str, Any, float]], pool: Sequence[Recognizer],
                      region: str) -> dict[int, ColumnVerdict | _SpanStep]:
    """One verdict (or a span step) per sample, from one stacked pattern query over all their distinct values.

    What every column needs is computed for all of them at once: the header keyword hits, the pattern
    matches and their cell counts, the counter statistics of the digit columns (one group-by), and the
    gazetteer lookups of the columns that reach the city rule (one fold of their values)."""
    if not samples:
        return {}
    pl = polars()
    order = sorted(samples)
    headers = {i: _Header.of(samples[i][0], pool) for i in order}
    wanted_at = [j for j in range(len(pool)) if any(headers[i].applies[j] for i in order)]
    wanted = [pool[j] for j in wanted_at]
    stacked = pl.DataFrame({"c": np.repeat(np.arange(len(order), dtype=np.int32), [len(samples[i][1]) for i in order]),
                            "v": pl.concat([samples[i][1].cast(pl.Utf8) for i in order], rechunk=True).rename("v")})
    uniq = (stacked.group_by(["c", "v"], maintain_order=True).len("count")
            .sort(["c", "count"], descending=[False, True], maintain_order=True))
    v = pl.col("v")
    # A recognizer that applies to every column runs over all distinct values; one that needs a header
    # keyword runs over the values of the columns whose header has it.
    where = {j: [k for k, i in enumerate(order) if headers[i].applies[at]] for j, at in enumerate(wanted_at)}
    partial_rows = {j: ks for j, ks in where.items() if len(ks) < len(order)}
    c = pl.col("c")
    # ``[0-9]`` for ``\d`` where no value holds another decimal digit: the same matches, compiled faster
    only_ascii = not run_blocks([lambda: uniq.select_seq(v.str.contains(OTHER_DIGIT).any()).item()],
                                lane="cells")[0]
    patterns = [ascii_digits(rec.pattern) if only_ascii else rec.pattern for rec in wanted]
    # Each recognizer's pattern runs on the thread of its block of the pool (``regex_threads``), where it stays
    # compiled from one audit to the next.
    blocks: dict[int, tuple[list[Any], list[Any]]] = {}  # block -> (row-aligned, per-column-filtered) queries
    for j, at in enumerate(wanted_at):
        aligned, filtered = blocks.setdefault(at // BLOCK, ([], []))
        if j in partial_rows:
            filtered.append(v.filter(c.is_in(partial_rows[j])).str.contains(patterns[j]).implode().alias(f"r{j}"))
        else:
            aligned.append(v.str.contains(patterns[j]).alias(f"r{j}"))
    shared = [v.str.contains(r"^\d+$").alias("digits"), v.str.len_chars().alias("length"),
              (v.str.count_matches(r"\s+") + 1).alias("words")]
    blocks.setdefault(0, ([], []))[0][:0] = shared
    done = run_blocks([_block_query(uniq, *blocks[b]) if b in blocks else None for b in range(max(blocks) + 1)],
                      lane="cells")
    bounds = np.searchsorted(uniq.get_column("c").to_numpy(), np.arange(len(order) + 1))
    values = uniq.get_column("v").to_list()
    counts = uniq.get_column("count").to_numpy()
    arrays = {name: result[0].get_column(name).to_numpy() for result in done if result is not None
              for name in result[0].columns}
    arrays["ean"] = arrays["digits"] & (arrays["length"] == 13)  # ``^\d{13}$``: 13 characters, all digits
    if partial_rows:
        some_of = {name: found for result in done if result is not None and result[1] is not None
                   for name, found in result[1].items()}
        some = [some_of[f"r{j}"] for j in partial_rows]
        for (j, ks), found in zip(partial_rows.items(), some, strict=True):
            full = np.zeros(len(values), dtype=bool)
            found_at = 0
            for k in ks:  # the filtered rows are these columns' blocks, in order
                size = int(bounds[k + 1] - bounds[k])
                full[bounds[k]:bounds[k + 1]] = found[found_at:found_at + size]
                found_at += size
            arrays[f"r{j}"] = full
    columns = {rec.name: f"r{j}" for j, rec in enumerate(wanted)}
    # cells matching each recognizer's pattern, per column: one sum per recognizer over all columns
    weights = counts.astype(np.int64)
    starts = bounds[:-1]
    matched = {name: np.add.reduceat(np.where(arrays[col], weights, 0), starts).tolist()
               for name, col in columns.items()}
    sizes = [len(samples[i][1]) for i in order]
    digit_cells = np.add.reduceat(np.where(arrays["digits"], weights, 0), starts)
    counters = _counter_statistics(stacked, [k for k, n in enumerate(sizes) if _digit_column(digit_cells[k], n)])
    out: dict[int, ColumnVerdict | _SpanStep] = {}
    tails: dict[int, _Tail] = {}
    for k, i in enumerate(order):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        name, sample, null_share = samples[i]
        cols = _Distinct(values[lo:hi], counts[lo:hi], arrays, columns, lo, hi, matched, k, counters.get(k))
        outcome = _classify_sample(name, sample, cols, pool, region, null_share, headers[i])
        if isinstance(outcome, _Tail):
            tails[i] = outcome
        else:
            out[i] = outcome
    cities = _known_cities_of([tail for tail in tails.values() if tail.city_rule])
    for i, tail in tails.items():
        out[i] = _finish(tail, cities.get(id(tail)))
    return out


def _block_query(uniq: Any, full: list[Any], partial: list[Any]) -> Callable[[], tuple[Any, dict[str, Any] | None]]:
    """One block's pattern queries over the distinct values: the row-aligned columns, and the per-column
    filtered ones (name -> matches of the filtered rows)."""

    def run() -> tuple[Any, dict[str, Any] | None]:
        aligned = uniq.select_seq(full) if full else polars().DataFrame()
        filtered = uniq.select_seq(partial).row(0, named=True) if partial else None
        return aligned, filtered

    return run


def _digit_column(digit_cells: float, n: int) -> bool:
    """The columns whose counter statistics ``_classify_sample`` reads (the test it makes, the same numbers)."""
    return float(digit_cells) / n >= 0.9 and n >= 20


def _counter_statistics(stacked: Any, ks: list[int]) -> dict[int, tuple[bool, float | None]]:
    """``(_strictly_increasing, _dense_range)`` of the stacked columns ``ks``, in one group-by."""
    if not ks:
        return {}
    pl = polars()
    v = pl.col("v")
    floats = v.cast(pl.Float64, strict=False).drop_nulls()
    ints = v.cast(pl.Int64, strict=False).drop_nulls()
    stats = (stacked.filter(pl.col("c").is_in(ks)).group_by("c")
             .agg(floats.len().alias("floats"), (floats.diff().drop_nulls() > 0).all().alias("increasing"),
                  ints.len().alias("ints"), ints.n_unique().alias("distinct"), ints.min().alias("low"),
                  ints.max().alias("high")))
    out: dict[int, tuple[bool, float | None]] = {}
    for k, n_floats, increasing, n_ints, distinct, low, high in stats.iter_rows():
        density: float | None = None
        if n_ints >= 20 and distinct >= 0.95 * n_ints:
            density = distinct / (float(high) - float(low) + 1.0)
            density = density if density >= DENSE_RANGE else None
        out[int(k)] = (n_floats >= 20 and bool(increasing), density)
    return out


@dataclass(frozen=True)
class _Header:
    """A column name's tokens and, per recognizer of the pool, whether its header keywords, its negative
    keywords, and so the recognizer itself apply to the column (asked once per column, not per use)."""

    tokens: frozenset[str]
    compound: str
    hits: tuple[bool, ...]
    negative: tuple[bool, ...]
    applies: tuple[bool, ...]

    @classmethod
    def of(cls, name: str, pool: Sequence[Recognizer]) -> _Header:
        tokens, compound = header_tokens(name)
        frozen = frozenset(tokens)
        hits = tuple(_header_hit_cached(tuple(rec.header), frozen, compound) for rec in pool)
        negative = tuple(bool(rec.negative_header) and _header_hit_cached(tuple(rec.negative_header), frozen, compound)
                         for rec in pool)
        applies = tuple(not (rec.needs_header and not hit) and not neg
                        for rec, hit, neg in zip(pool, hits, negative, strict=True))
        return cls(frozen, compound, hits, negative, applies)


@dataclass(frozen=True)
class _Distinct:
    """A sample's distinct values (most frequent first), their counts, and its rows ``lo:hi`` of the
    stacked per-value features and per-recognizer pattern matches; the cells each recognizer's pattern
    matches, and the counter statistics (digit columns only)."""

    values: list[str]
    freq: Any
    arrays: dict[str, Any]
    columns: dict[str, str]  # recognizer name -> its column in ``arrays``
    lo: int
    hi: int
    matched: dict[str, list[int]] = field(default_factory=dict)  # recognizer name -> cells matching, per column
    column: int = -1  # this sample's place in ``matched``
    counter: tuple[bool, float | None] | None = None  # (strictly increasing, dense range) when computed

    def feature(self, name: str) -> Any:
        return self.arrays[name][self.lo:self.hi]

    def matches(self, recognizer: str) -> Any:
        return self.arrays[self.columns[recognizer]][self.lo:self.hi]

    def cells_matching(self, recognizer: str) -> float:
        if recognizer in self.matched:
            return float(self.matched[recognizer][self.column])
        return float(self.freq[self.matches(recognizer)].sum())


def _classify_sample(name: str, sample: Any, distinct: _Distinct, pool: Sequence[Recognizer], region: str,
                     null_share: float, header: _Header) -> ColumnVerdict | _SpanStep | _Tail:
    n = len(sample)
    uniq_list, freq = distinct.values, distinct.freq
    reasons: list[str] = []
    excluded: set[str] = set()

    digit_share = float(freq[distinct.feature("digits")].sum()) / n
    counter = distinct.counter
    if counter is None and digit_share >= 0.9 and n >= 20:  # not computed with the other columns
        increasing = _strictly_increasing(sample)
        counter = (increasing, None if increasing else _dense_range(sample))
    if digit_share >= 0.9 and n >= 20 and counter is not None and counter[0]:
        excluded |= _DIGIT_RECOGNIZERS - {"age"}
        reasons.append("strictly increasing digits: a sequence id, not a phone/card/account number")
    elif digit_share >= 0.9 and n >= 20 and counter is not None and (density := counter[1]) is not None:
        excluded |= _DIGIT_RECOGNIZERS - {"age"}
        reasons.append(f"distinct numbers filling {density:.1%} of their range: ids from a counter (in any order, "
                       "with gaps), not phone/card/account numbers")
    ean_mask = distinct.feature("ean")
    if ean_mask.any():
        ean_valid = sum(int(freq[j]) for j in np.flatnonzero(ean_mask) if ean13(uniq_list[j]))
        if ean_valid / n >= 0.5:
            excluded |= _DIGIT_RECOGNIZERS | {"credit_card"}
            reasons.append(f"{ean_valid / n:.0%} valid EAN-13 check digits: product barcodes")

    blocked = frozenset(rec.pii_type for rec, negative in zip(pool, header.negative, strict=True) if negative)
    candidates = []  # (potential score, pool position, recognizer, header hit, match mask, matched cells)
    for position, rec in enumerate(pool):
        has_header = header.hits[position]
        if rec.name in excluded and not has_header:  # a header keyword outweighs the distribution
            continue
        if not header.applies[position]:
            continue
        matched = distinct.cells_matching(rec.name)
        threshold = 0.3 if has_header else rec.min_share
        if matched == 0 or (matched / n < threshold and not rec.checksum):
            continue
        match = distinct.matches(rec.name)
        potential = matched / n + (0.3 if has_header else 0.0)
        candidates.append((potential, position, rec, has_header, match, matched))
    # Most promising first: a recognizer that cannot beat the best so far (its score is at most its share of
    # pattern matches plus the header bonus) is not validated at all. Ties go to the earlier recognizer.
    candidates.sort(key=lambda item: (-item[0], item[1]))
    union: dict[PiiType, dict[int, Recognizer]] = {}  # per type: distinct values valid under a checksum
    best: _Candidate | None = None
    for potential, position, rec, has_header, match, matched in candidates:
        if best is not None and (potential < best.score - 1e-9
                                 or (potential <= best.score + 1e-9 and position > best.position)):
            continue
        threshold = 0.3 if has_header else rec.min_share
        validator = rec.validator
        if rec.pii_type is PiiType.PHONE:  # a phone header admits the national numbers of many countries
            validator = phone_any_region if has_header else column_phone_validator(
                [uniq_list[j] for j in np.flatnonzero(match)[:PHONE_PROBE]], region)
        checked, ok = _validate(np.flatnonzero(match), uniq_list, freq, validator)
        checked_freq = freq[checked]
        if rec.checksum:
            union.setdefault(rec.pii_type, {}).update({int(j): rec for j in checked[ok]})
        pass_rate = float(checked_freq[ok].sum()) / float(checked_freq.sum())
        share = matched / n * pass_rate
        if rec.checksum and matched / n >= 0.5 and pass_rate < 0.5:
            reasons.append(f"{matched / n:.0%} match {rec.name} but only {pass_rate:.0%} pass its checksum")
            continue
        if share < threshold:
            continue
        confidence = share * (1.0 if rec.checksum else 0.9)
        if has_header:
            confidence = 1.0 - (1.0 - confidence) * 0.5
        score = share + (0.3 if has_header else 0.0)
        why = [f"{share:.0%} of sampled cells are valid {rec.name}"]
        if has_header:
            why.append("column name suggests it")
        if best is None or score > best.score + 1e-9 or (score >= best.score - 1e-9 and position < best.position):
            valid_values = [uniq_list[j] for j, good in zip(checked, ok, strict=True) if good]
            best = _Candidate(score, confidence, rec, share, tuple(why), valid_values, position)
    if best is None:
        best = _union_candidate(union, freq, n, uniq_list)
    if best is not None and best.recognizer.pii_type is PiiType.NAME and \
            organisation_share(uniq_list, freq) >= ORGANISATION_SHARE:
        reasons.append("names of organisations (legal forms, institution words), not of people")
        best = None
    if best is not None and best.recognizer.pii_type is PiiType.NAME and \
            shared_last_word(uniq_list, freq) >= SHARED_LAST:
        reasons.append("most cells end in the same word (``... Ville``, ``... Hall``): not people's names")
        best = None
    if best is not None:
        rec = best.recognizer
        detail: dict[str, Any] = {}
        if rec.pii_type is PiiType.AGE:
            detail["over_89"] = any(int(v) > 89 for v in best.values if age(v))
        return ColumnVerdict(name, rec.pii_type, min(best.confidence, 1.0), best.share, rec.name, n, null_share,
                             "structured", (*reasons, *best.why), masked_examples(best.values), detail=detail)
    # a region column (``province``: Italy's are named after their capital cities) is not a city column
    regional = "region" in header_kinds_of_place(name) and "city" not in header_kinds_of_place(name)
    city_rule = PiiType.CITY not in blocked and not regional and _city_candidate(distinct, n)
    return _Tail(name, sample, distinct, n, null_share, reasons, blocked, bool(excluded), city_rule)


@dataclass(frozen=True)
class _Tail:
    """A column no recognizer claimed, waiting for the rules that read its values as a whole (city,
    place statistics, names in other scripts, free text); ``city_rule``: the gazetteer is asked."""

    name: str
    sample: Any
    distinct: _Distinct
    n: int
    null_share: float
    reasons: list[str]
    blocked: frozenset[PiiType]
    sequence: bool
    city_rule: bool


def _finish(tail: _Tail, cities: list[bool] | None) -> ColumnVerdict | _SpanStep:
    """The verdict of a ``_Tail`` column; ``cities``: which of its distinct values are gazetteer cities
    (looked up for all such columns together), when ``tail.city_rule``."""
    name, sample, distinct, n, null_share, reasons = (tail.name, tail.sample, tail.distinct, tail.n, tail.null_share,
                                                      tail.reasons)
    if tail.city_rule:
        city = _city_verdict(name, distinct, n, null_share, reasons,
                             cities if cities is not None else known_cities(distinct.values))
        if city is not None:
            return city
    place = _place_verdict(name, distinct, n, null_share, reasons, tail.blocked, sequence=tail.sequence)
    if place is not None:
        return place
    names = _script_names(name, distinct, n, null_share, reasons) if PiiType.NAME not in tail.blocked else None
    if names is not None:
        return names
    return _fallback(name, sample, distinct, n, null_share, reasons, sequence=tail.sequence, blocked=tail.blocked)


def _known_cities_of(tails: Sequence[_Tail]) -> dict[int, list[bool]]:
    """``known_cities`` of each tail's distinct values (by ``id``), in one call for all of them."""
    if not tails:
        return {}
    hits = known_cities([value for tail in tails for value in tail.distinct.values])
    out: dict[int, list[bool]] = {}
    at = 0
    for tail in tails:
        out[id(tail)] = hits[at:at + len(tail.distinct.values)]
        at += len(tail.distinct.values)
    return out


def _city_candidate(distinct: _Distinct, n: int) -> bool:
    """Enough distinct values, mostly not digits: the gazetteer is worth asking."""
    return len(distinct.values) >= MIN_CITIES and float(distinct.freq[distinct.feature("digits")].sum()) / n <= 0.5


def _city_verdict(name: str, distinct: _Distinct, n: int, null_share: float, reasons: list[str],
                  cities: list[bool]) -> ColumnVerdict | None:
    """A column no recognizer claimed whose distinct values are mostly gazetteer cities (the header
    need not say so); the rule is column-level because many single names are also some town's.
    ``cities``: which distinct values are known (``gazetteer.known_cities``)."""
    hits = np.array(cities, dtype=bool)
    found = int(hits.sum())
    if found < MIN_CITIES or found / len(distinct.values) < CITY_SHARE:
        return None
    share = float(distinct.freq[hits].sum()) / n
    why = f"{found} of {len(distinct.values)} distinct values are known city names (GeoNames)"
    return ColumnVerdict(name, PiiType.CITY, share * 0.9, share, "city_gazetteer", n, null_share, "structured",
                         (*reasons, why), masked_examples([v for v, h in zip(distinct.values, hits, strict=True)
                                                           if h]))


def _place_verdict(name: str, distinct: _Distinct, n: int, null_share: float, reasons: list[str],
                   blocked: frozenset[PiiType], *, sequence: bool) -> ColumnVerdict | None:
    """A city, postcode or street column told by its values' statistics (``places``), for headers in
    other languages or none; never for a column already read as a counter or barcodes."""
    if sequence:
        return None
    verdict = place_verdict(name, distinct.values, [int(c) for c in distinct.freq])
    if verdict is None or verdict.pii_type in blocked:
        return None
    examples = masked_examples(distinct.values[:20])
    return ColumnVerdict(name, verdict.pii_type, verdict.share * 0.9, verdict.share, verdict.recognizer, n,
                         null_share, "structured", (*reasons, verdict.why), examples)


def _script_names(name: str, distinct: _Distinct, n: int, null_share: float,
                  reasons: list[str]) -> ColumnVerdict | None:
    """Names in scripts the name recognizer's pattern does not read (Cyrillic, Greek, accented Latin,
    Han, Hangul, kana): the same ``is_name`` check and share, on cells of 1-4 words without digits."""
    values, freq = distinct.values, distinct.freq
    # scripts without case, or capitalised words with letters the ASCII pattern does not read (``Ödmund``)
    other = float(freq[np.array([not v.isascii() for v in values], dtype=bool)].sum()) / n
    if other < 0.5 and (other < ACCENTED or
                        float(freq[np.array([v[:1].isupper() for v in values], dtype=bool)].sum()) / n < CAPITALISED):
        return None
    valid = np.array([not any(map(str.isdigit, v)) and 1 <= len(v.split()) <= 4 and is_name(v)
                      for v in values], dtype=bool)
    share = float(freq[valid].sum()) / n
    if share < NAME_SHARE and (cjk := cjk_name_cells(values, freq, n)) is not None:
        valid, share = np.array(cjk, dtype=bool), float(freq[np.array(cjk, dtype=bool)].sum()) / n
    if share < NAME_SHARE and other >= 0.5 and \
            (alphabet := alphabet_name_cells(values, freq, n, list(valid))) is not None:
        valid, share = np.array(alphabet, dtype=bool), float(freq[np.array(alphabet, dtype=bool)].sum()) / n
    if share < NAME_SHARE or organisation_share(values, freq) >= ORGANISATION_SHARE:
        return None
    why = f"{share:.0%} of sampled cells are names (given names or surnames of names-dataset), in any script"
    return ColumnVerdict(name, PiiType.NAME, share * 0.9, share, "name_any_script", n, null_share, "structured",
                         (*reasons, why), masked_examples([v for v, ok in zip(values, valid, strict=True) if ok]))


NAME_SHARE = 0.6  # as the name recognizer's share without a header keyword
CAPITALISED = 0.9  # share of cells starting with a capital for a mostly-ASCII column to be read as names
ACCENTED = 0.1  # and of its cells with a letter beyond ASCII (the name recognizer's pattern missed them)


def _validate(idx: Any, values: list[str], freq: Any, validator: Any) -> tuple[Any, Any]:
    """Validate the distinct matches ``idx`` (most frequent first): the first ``FIRST_VALIDATE``, and up to
    ``MAX_VALIDATE`` only when those leave the pass rate in doubt (neither nearly all nor nearly none)."""
    checked = idx[:FIRST_VALIDATE]
    ok = np.array([validator(values[j]) for j in checked], dtype=bool)
    if len(idx) > FIRST_VALIDATE:
        rate = float(freq[checked][ok].sum()) / float(freq[checked].sum())
        if CLEAR_RATE < rate < 1.0 - CLEAR_RATE:
            more = idx[FIRST_VALIDATE:MAX_VALIDATE]
            checked = idx[:MAX_VALIDATE]
            ok = np.concatenate([ok, np.array([validator(values[j]) for j in more], dtype=bool)])
    return checked, ok


FIRST_VALIDATE = 100  # a pass rate of 0 or 1 in 100 draws puts the true rate within about 3% of it
CLEAR_RATE = 0.03
UNION_SHARE = 0.6


def _union_candidate(union: dict[PiiType, dict[int, Recognizer]], freq: Any, n: int,
                     uniq_list: list[str]) -> _Candidate | None:
    """A column of one type in several formats (NIR, NIF, NIE, codice fiscale and BSN in one
    ``national_id`` column): no single format reaches its share, the checksummed formats together do."""
    best: _Candidate | None = None
    for pii_type, valid in union.items():
        share = float(freq[list(valid)].sum()) / n if valid else 0.0
        formats = sorted({rec.name for rec in valid.values()})
        if len(formats) < 2 or share < UNION_SHARE or (best is not None and share <= best.share):
            continue
        why = (f"{share:.0%} of sampled cells are valid {pii_type.value} in {len(formats)} checked formats "
               f"({', '.join(formats)})",)
        first = next(iter(valid.values()))
        best = _Candidate(share, share, first, share, why, [uniq_list[j] for j in valid])
    return best


@dataclass(frozen=True)
class _Candidate:
    score: float
    confidence: float
    recognizer: Recognizer
    share: float
    why: tuple[str, ...]
    values: list[str]
    position: int = -1  # the recognizer's place in the pool (ties go to the earlier one)


def _fallback(name: str, sample: Any, distinct: _Distinct, n: int, null_share: float, reasons: list[str], *,
              sequence: bool = False, blocked: frozenset[PiiType] = frozenset()) -> ColumnVerdict | _SpanStep:
    """No single full-cell type: free text (scanned for spans), a column mixing bare values with short
    sentences (typed by its dominant span type), or a non-PII column."""
    freq = distinct.freq
    words = distinct.feature("words")
    mean_length = float((distinct.feature("length") * freq).sum()) / n
    mean_words = float((words * freq).sum()) / n
    if mean_length >= 20 and mean_words >= 4:
        if organisation_share(distinct.values, freq) >= 0.5:  # ``Universidade de Lisboa``: names, not text
            return ColumnVerdict(name, None, 0.9, 0.0, None, n, null_share, "structured",
                                 (*reasons, "names of organisations (legal forms, institution words)"))
        return _SpanStep(name, sample, null_share, tuple(reasons))
    sentences = float(freq[words >= 2].sum()) / n
    if sentences < 0.1 or sequence:  # no short sentences among the values: nothing to scan for spans
        return ColumnVerdict(name, None, 0.9 if not reasons else 0.95, 0.0, None, n, null_share, "structured",
                             tuple(reasons) or ("no recognizer matched",))
    return _SpanStep(name, sample, null_share, tuple(reasons), mixed=True, blocked=blocked)


def _mixed_verdict(step: _SpanStep, spans: SpanScan) -> ColumnVerdict:
    """Short texts mixed with bare values: the dominant span type when enough cells have one."""
    n = len(step.sample)
    share = spans.cells_with_pii / n if n else 0.0
    typed = {t: c for t, c in spans.by_type.items() if PiiType(t) not in step.blocked}
    cells = step.sample.to_list()
    if PiiType.NAME.value in typed and (organisation_share(cells) >= ORGANISATION_SHARE or
                                        shared_last_word(cells, [1] * len(cells)) >= SHARED_LAST):
        del typed[PiiType.NAME.value]  # ``Johannes Kepler Universität Linz``: a person's name inside an organisation's
    share = min(share, sum(typed.values()) / n) if n else 0.0  # blocked or dropped types lend no share
    if typed and share >= MIXED_SHARE:
        dominant, cells = max(typed.items(), key=lambda item: item[1])
        return ColumnVerdict(step.name, PiiType(dominant), min(1.0, cells / n), cells / n, "spans", n,
                             step.null_share, "mixed", (*step.reasons, f"mixed values and short texts; "
                                                         f"{cells / n:.0%} of cells contain a {dominant} span"),
                             spans.examples, spans)
    return ColumnVerdict(step.name, None, 0.9 if not step.reasons else 0.95, 0.0, None, n, step.null_share,
                         "structured", step.reasons or ("no recognizer matched",))


def text_verdict(name: str, sample: Any, null_share: float, *, region: str = "US",
                 reasons: Sequence[str] = ()) -> ColumnVerdict:
    """A text column's verdict: free text with the PII spans found in it (masked examples only)."""
    return _text_verdict(name, len(sample), null_share, scan_spans(sample, region=region), tuple(reasons))


def _text_verdict(name: str, n: int, null_share: float, spans: SpanScan, reasons: tuple[str, ...]) -> ColumnVerdict:
    share = spans.cells_with_pii / n if n else 0.0
    if spans.cells_with_pii:
        return ColumnVerdict(name, PiiType.FREE_TEXT, min(1.0, 0.5 + share), share, "spans", n, null_share,
                             "free_text", (*reasons, f"free text; {share:.0%} of cells contain PII spans"),
                             spans.examples, spans)
    return ColumnVerdict(name, None, 0.8, 0.0, None, n, null_share, "free_text",
                         (*reasons, "free text without detected PII spans"), spans=spans)


MIXED_SHARE = 0.5  # share of cells with a span for a short-text column to take the spans' type
ORGANISATION_SHARE = 0.2  # share of cells with an organisation word that makes a column organisations' names
ORGANISATION_SAMPLE = 200
PROBE_ROWS = 50  # cells a column shows before its values are counted as possible postcodes


SHARED_LAST = 0.5  # people's surnames vary: the commonest is ~1-2% of a country (Korea's Kim, one word, ~21%)


def shared_last_word(values: Sequence[str], freq: Any) -> float:
    """Share of the multi-word cells (of the most frequent distinct values) ending in their commonest word."""
    counts: dict[str, int] = {}
    total = 0
    for value, count in zip(values[:ORGANISATION_SAMPLE], freq[:ORGANISATION_SAMPLE], strict=False):
        words = value.split()
        if len(words) >= 2:
            counts[words[-1].casefold()] = counts.get(words[-1].casefold(), 0) + int(count)
            total += int(count)
    return max(counts.values()) / total if total >= MIN_SHARED else 0.0


MIN_SHARED = 20


def organisation_share(values: Sequence[str], freq: Any = None) -> float:
    """Share of cells (weighted by ``freq`` when given) holding a word of ``ORGANISATION_WORDS``."""
    values = values[:ORGANISATION_SAMPLE]  # the most frequent distinct values estimate the share well enough
    counts = [1] * len(values) if freq is None else [int(c) for c in freq[:ORGANISATION_SAMPLE]]
    total = sum(counts)
    hits = sum(c for v, c in zip(values, counts, strict=True) if _organisation(fold(v)))
    return hits / total if total else 0.0


def _organisation(folded: str) -> bool:
    return any(w in _ORG_WORDS for w in _ORG_SPLIT.split(folded)) or any(w in folded for w in _ORG_UNSPACED)


_ORG_SPLIT = re.compile(r"[\s.,&()/-]+")
_ORG_WORDS = frozenset(fold(w) for w in ORGANISATION_WORDS) | address_words().company_types
# Japanese, Chinese and Korean write a legal form or institution word without a space before it; Vietnamese
# writes its legal forms in two words (công ty: company, tập đoàn: group)
_ORG_UNSPACED = tuple(fold(w) for w in ("株式会社", "有限会社", "有限公司", "公司", "大学", "주식회사", "대학교",
                                        "công ty", "tập đoàn"))


def header_tokens(name: str) -> tuple[set[str], str]:
    """Lower-case tokens of a column name (split on punctuation and camelCase) and their concatenation."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", _CAMEL.sub(" ", name)) if p]
    tokens = [p.lower() for p in parts]
    return set(tokens), "".join(tokens)


@lru_cache(maxsize=1 << 14)  # asked for every recognizer of every column
def _header_hit_cached(keywords: tuple[str, ...], tokens: frozenset[str], compound: str) -> bool:
    for keyword in keywords:
        kw = keyword.replace("_", "")
        if kw in tokens or (len(kw) >= 4 and kw in compound):
            return True
    return False


DENSE_RANGE = 1e-3  # share of [min, max] that distinct values fill; phone numbers and SSNs fill ~1e-6


def _dense_range(sample: Any) -> float | None:
    """How densely distinct integers fill their range, when they do so far more than identifiers drawn
    from a national numbering plan can: counters (row numbers, order ids) with gaps, in any order."""
    pl = polars()
    numbers = sample.cast(pl.Int64, strict=False).drop_nulls()
    if len(numbers) < 20 or numbers.n_unique() < 0.95 * len(numbers):
        return None
    span = float(numbers.max()) - float(numbers.min()) + 1.0
    density = numbers.n_unique() / span
    return density if density >= DENSE_RANGE else None


def _strictly_increasing(sample: Any) -> bool:
    pl = polars()
    numbers = sample.cast(pl.Float64, strict=False).drop_nulls()
    if len(numbers) < 20:
        return False
    return bool((numbers.diff().drop_nulls() > 0).all())
