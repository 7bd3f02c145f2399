"""Anonymization methods and plans, applied column by column to Polars/pandas frames.

Methods (``Method``): ``mask`` (characters to ``*``, keeping the last 4 of card/account numbers as PCI DSS
allows), ``redact`` (``[EMAIL]``), ``hash`` (keyed HMAC-SHA256, hex), ``pseudonymize`` (keyed HMAC-SHA256
to a stable token, so joins across files still work; tokens already produced are left as they are),
``fpe`` (FF3-1 format-preserving encryption, reversible with the key), ``generalize`` (dates to year,
ages over 89 to ``90+``, ZIP codes to 3 digits or ``000``, other numbers to 5-wide intervals, other
values to ``*``), ``dateshift``
(a keyed per-subject shift of up to ``max_shift_days``, which keeps intervals within a subject),
``drop`` and ``keep``. On a free-text column a method applies to each detected PII span.

Vectorised: ``mask``/``redact``/``generalize``/``dateshift`` are Polars expressions; keyed methods run
once per *distinct* value and are mapped back with one join-like kernel.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlsecure.errors import ConfigError, InputError
from mlsecure.privacy.pii.audit import AuditResult, audit_frame
from mlsecure.privacy.pii.fpe import ALNUM, DIGITS, ff3_decrypt, ff3_encrypt, max_length, min_length
from mlsecure.privacy.pii.frame import polars, text_as_read, to_strings
from mlsecure.privacy.pii.generalize import (
    generalize,
    hierarchy_for,
    parse_dates,
    safe_harbor_age,
    safe_harbor_date,
    safe_harbor_zip,
)
from mlsecure.privacy.pii.keys import SecretKey
from mlsecure.privacy.pii.spans import confirmed_strings, replace_spans
from mlsecure.privacy.pii.types import TYPE_INFO, PiiType


class Method(StrEnum):
    MASK = "mask"
    REDACT = "redact"
    HASH = "hash"
    PSEUDONYMIZE = "pseudonymize"
    FPE = "fpe"
    GENERALIZE = "generalize"
    DATESHIFT = "dateshift"
    DROP = "drop"
    KEEP = "keep"


KEYED = frozenset({Method.HASH, Method.PSEUDONYMIZE, Method.FPE, Method.DATESHIFT})
_PSEUDONYM = re.compile(r"^(?:[A-Z_]+_[0-9a-f]{16}|[0-9a-f]{16}@pseudonym\.invalid)$")


@dataclass(frozen=True)
class ColumnPlan:
    column: str
    method: Method
    pii_type: PiiType | None = None
    reason: str = ""


@dataclass(frozen=True)
class Plan:
    """What to do with each column (columns not listed are kept)."""

    columns: tuple[ColumnPlan, ...]
    subject_column: str | None = None  # per-subject date shifts; default: the first direct identifier
    max_shift_days: int = 365

    def method(self, column: str) -> Method:
        for c in self.columns:
            if c.column == column:
                return c.method
        return Method.KEEP

    def needs_key(self) -> bool:
        return any(c.method in KEYED for c in self.columns)


@dataclass(frozen=True)
class AnonymizeResult:
    frame: Any  # same library as the input (pandas or Polars)
    plan: Plan
    audit: AuditResult
    changed_cells: dict[str, int] = field(default_factory=dict)


def auto_plan(audit: AuditResult, *, key_available: bool, overrides: Mapping[str, Method] | None = None,
              default: Method | None = None) -> Plan:
    """A method per PII column: keyed pseudonyms for direct identifiers when a key is set (joins still
    work), else redaction; generalization for dates, ages and ZIP codes; span redaction for free text.
    ``default`` replaces the choice for every PII column; ``overrides`` set single columns."""
    overrides = dict(overrides or {})
    plans = []
    for v in audit.columns:
        if v.column in overrides:
            plans.append(ColumnPlan(v.column, overrides[v.column], v.pii_type, "chosen explicitly"))
            continue
        if v.pii_type is None:
            continue
        method = default or _auto_method(v.pii_type, key_available)
        plans.append(ColumnPlan(v.column, method, v.pii_type, "default" if default else "automatic"))
    unknown = set(overrides) - {v.column for v in audit.columns}
    if unknown:
        raise InputError(f"no such column(s): {', '.join(sorted(unknown))}")
    return Plan(tuple(plans))


def _auto_method(pii_type: PiiType, key_available: bool) -> Method:
    if pii_type in (PiiType.DATE, PiiType.AGE, PiiType.ZIP_CODE):
        return Method.GENERALIZE
    if pii_type in (PiiType.GENDER, PiiType.HEALTH, PiiType.ABA_ROUTING):
        return Method.KEEP  # quasi-identifier / likely the label: k-anonymity and DP handle these
    if pii_type is PiiType.FREE_TEXT:
        return Method.REDACT
    return Method.PSEUDONYMIZE if key_available else Method.REDACT


def anonymize_frame(frame: Any, plan: Plan | None = None, *, key: SecretKey | None = None,
                    audit: AuditResult | None = None, overrides: Mapping[str, Method] | None = None,
                    default: Method | None = None, region: str = "US") -> AnonymizeResult:
    """Anonymize a pandas or Polars DataFrame; the result has the input's type.

    Detection sees stripped strings; the result keeps every cell the plan did not change as it was (value,
    whitespace, and the column's type where no cell of the column changed); see ``apply_plan``."""
    pl = polars()
    strings = to_strings(frame)
    audit = audit or audit_frame(strings, region=region)
    plan = plan or auto_plan(audit, key_available=key is not None, overrides=overrides, default=default)
    polars_in = isinstance(frame, pl.DataFrame)
    original = frame if polars_in else text_as_read(frame)
    out, changed = apply_plan(strings, plan, audit=audit, key=key, region=region, raw=original,
                              keep_unchanged_type=polars_in)
    if polars_in:
        return AnonymizeResult(out, plan, audit, changed)
    # pandas: unchanged columns are the input's own (dtype and index kept); changed ones come from ``out``
    result = frame[[c for c in frame.columns if str(c) in out.columns]].copy()
    for c in result.columns:
        if changed.get(str(c), 0):
            result[c] = out.get_column(str(c)).to_pandas().set_axis(frame.index)
    return AnonymizeResult(result, plan, audit, changed)


def apply_plan(strings: Any, plan: Plan, *, audit: AuditResult, key: SecretKey | None,
               region: str = "US", raw: Any = None, keep_unchanged_type: bool = False) -> tuple[Any, dict[str, int]]:
    """Apply ``plan`` to a Polars frame of strings; returns the new frame and changed cells per column.

    ``raw``: the same rows as read (a Polars frame, any types; ``strings`` is its stripped text). Then every
    cell the plan does not change is written as read: kept columns are ``raw``'s own, a transformed column
    becomes strings where changed cells take the new value and the others their original text, and free
    text is transformed on the unstripped text. ``keep_unchanged_type``: a transformed column in which no
    cell changed is ``raw``'s own column (only where the whole table is one frame: batches must agree)."""
    if plan.needs_key() and key is None:
        raise ConfigError("the plan uses a keyed method (hash, pseudonymize, fpe, dateshift) but no key was given; "
                          "set MLSECURE_PII_KEY")
    types = audit.types()
    subject = _subject(strings, plan, types)
    columns: dict[str, Any] = {}
    changed: dict[str, int] = {}
    for name in strings.columns:
        values = strings.get_column(name)
        method = plan.method(name)
        if method is Method.DROP:
            continue
        pii_type = types.get(name)
        original = None if raw is None else raw.get_column(name)
        if method is Method.KEEP:
            columns[name] = values if original is None else original
            continue
        text = None if original is None else _text(original, values)
        if pii_type is PiiType.FREE_TEXT:
            new = transform_text(values, method, key=key, region=region, raw=text)
        else:
            new = transform(values, method, pii_type, key=key, subject=subject, max_shift_days=plan.max_shift_days)
        # a free-text cell changed where a span was replaced in its text as read; any other cell where the
        # method changed its stripped value; with ``raw`` the rest keep their text as read
        is_changed = new.ne_missing(text if text is not None and pii_type is PiiType.FREE_TEXT else values)
        if text is not None:
            new = polars().select(polars().when(is_changed).then(new).otherwise(text).alias(name)).to_series()
        changed[name] = int(is_changed.sum())
        keep = original is not None and keep_unchanged_type and changed[name] == 0
        columns[name] = original if keep else new.alias(name)
    return polars().DataFrame(columns), changed


def enforced_as_read(original: Any, enforcement: Any) -> Any:
    """The rows ``kanon.enforce_k`` kept, as read in ``original`` (the frame it was given, any types), with
    only the cells its generalization changed replaced by their generalized text (those columns become
    strings); ``enforcement.frame`` itself is all stripped strings."""
    import numpy as np

    pl = polars()
    kept = np.ones(original.height, dtype=bool)
    kept[list(enforcement.suppressed_rows)] = False
    rows = original.filter(pl.Series(kept))
    columns = []
    for name in rows.columns:
        column = rows.get_column(name)
        if enforcement.levels.get(name, 0) > 0:  # only generalized columns need their stripped text
            stripped = to_strings(rows.select(name)).get_column(name)
            generalized = enforcement.frame.get_column(name)
            is_changed = generalized.ne_missing(stripped)
            if is_changed.any():
                text = _text(column, stripped)
                column = pl.select(pl.when(is_changed).then(generalized).otherwise(text).alias(name)).to_series()
        columns.append(column)
    return pl.DataFrame(columns)


def _text(original: Any, stripped: Any) -> Any:
    """A column's cells as read, as text: strings as they are, numbers and dates in Polars' text (which
    has no surrounding whitespace to keep); a type with no text form (nested) falls back to ``stripped``."""
    pl = polars()
    if original.dtype == pl.Utf8:
        return original
    try:
        return original.cast(pl.Utf8)
    except pl.exceptions.PolarsError:
        return stripped


def transform(values: Any, method: Method, pii_type: PiiType | None, *, key: SecretKey | None = None,
              subject: Any = None, max_shift_days: int = 365) -> Any:
    """One column (Polars Series of strings) through one method."""
    pl = polars()
    frame = pl.DataFrame({"v": values})
    v = pl.col("v")
    tag = (pii_type.value if pii_type else "value").upper()
    match method:
        case Method.KEEP:
            return values
        case Method.DROP:
            raise InputError("drop removes the column; it has no per-value transform")
        case Method.MASK:
            keep = TYPE_INFO[pii_type].keep_last if pii_type else 0
            stars = r"[\p{L}\p{N}]"
            expr = (v.str.replace_all(stars, "*") if keep == 0 else
                    pl.when(v.str.len_chars() > keep).then(v.str.head(-keep).str.replace_all(stars, "*")
                                                           + v.str.tail(keep)).otherwise(v.str.replace_all(stars, "*")))
            return frame.select(expr.alias(values.name)).to_series()
        case Method.REDACT:
            return frame.select(pl.when(v.is_null()).then(None).otherwise(pl.lit(f"[{tag}]")).alias(values.name)
                                ).to_series()
        case Method.GENERALIZE:
            if pii_type is PiiType.ZIP_CODE:
                return safe_harbor_zip(values)
            if pii_type is PiiType.DATE:
                return safe_harbor_date(values)
            if pii_type is PiiType.AGE:
                return safe_harbor_age(values)
            return generalize(values, hierarchy_for(pii_type, values), 1)  # numbers to 5-wide bins, else "*"
        case Method.DATESHIFT:
            return date_shift(values, _need(key), subject if subject is not None else values, max_shift_days)
        case Method.HASH | Method.PSEUDONYMIZE | Method.FPE:
            fn = scalar_function(method, pii_type, _need(key))
            return map_distinct(values, fn)


def transform_text(values: Any, method: Method, *, key: SecretKey | None, region: str = "US",
                   raw: Any = None) -> Any:
    """A free-text column: ``method`` applied to each confirmed PII span, the rest of the text kept.

    Spans are found in ``values`` (stripped); ``raw``, the same cells unstripped, is the text they are
    replaced in when given, so leading and trailing whitespace survive."""
    found = confirmed_strings(values, region=region)
    if method is Method.MASK:
        def replace(value: str, pii_type: PiiType) -> str:
            return re.sub(r"\w", "*", value)
    elif method is Method.REDACT or method is Method.GENERALIZE:
        def replace(value: str, pii_type: PiiType) -> str:
            return f"[{pii_type.value.upper()}]"
    elif method in (Method.HASH, Method.PSEUDONYMIZE, Method.FPE):
        k = _need(key)

        def replace(value: str, pii_type: PiiType) -> str:
            return scalar_function(method if method is not Method.FPE else Method.PSEUDONYMIZE, pii_type, k)(value)
    else:
        raise InputError(f"method {method.value} does not apply to free text; use redact, mask or pseudonymize")
    return replace_spans(values if raw is None else raw, found, replace)


def scalar_function(method: Method, pii_type: PiiType | None, key: SecretKey) -> Callable[[str], str]:
    """The per-value function of a keyed method (run once per distinct value)."""
    (pii_type.value if pii_type else "value").upper()
    if method is Method.HASH:
        hash_key = key.derive("hash")
        return lambda value: hmac.new(hash_key, _normalize(value, pii_type).encode(), hashlib.sha256).hexdigest()
    if method is Method.PSEUDONYMIZE:
        return lambda value: pseudonym(value, pii_type, key)
    if method is Method.FPE:
        return lambda value: fpe_encrypt(value, pii_type, key)
    raise InputError(f"{method.value} is not a keyed per-value method")


def pseudonym(value: str, pii_type: PiiType | None, key: SecretKey) -> str:
    """``TYPE_<16 hex>`` from HMAC-SHA256(key, type || value): the same value gets the same token under one
    key (in any column or file of that type) and an unrelated token under another key."""
    if _PSEUDONYM.match(value):
        return value
    tag = (pii_type.value if pii_type else "value").upper()
    digest = hmac.new(key.derive("pseudonym"), f"{tag}\x00{_normalize(value, pii_type)}".encode(),
                      hashlib.sha256).hexdigest()[:16]
    return f"{digest}@pseudonym.invalid" if pii_type is PiiType.EMAIL else f"{tag}_{digest}"


def fpe_encrypt(value: str, pii_type: PiiType | None, key: SecretKey, *, decrypt: bool = False) -> str:
    """FF3-1 over the value's letters and digits (digits only: radix 10, else radix 62), separators kept
    in place; an email keeps its domain. The tweak is per PII type, so joins on the ciphertext work."""
    if pii_type is PiiType.EMAIL and "@" in value:
        local, domain = value.split("@", 1)
        return fpe_encrypt(local, None, key, decrypt=decrypt) + "@" + domain
    chars = [c for c in value if c.isascii() and c.isalnum()]
    alphabet = DIGITS if all(c.isdigit() for c in chars) else ALNUM
    radix = len(alphabet)
    if not min_length(radix) <= len(chars) <= max_length(radix):
        raise InputError(f"fpe needs {min_length(radix)}-{max_length(radix)} letters/digits per value, got "
                         f"{len(chars)} (value shape {re.sub(r'[A-Za-z0-9]', 'x', value)}); use pseudonymize")
    tag = (pii_type.value if pii_type else "").encode()
    tweak = hmac.new(key.derive("fpe-tweak"), tag, hashlib.sha256).digest()[:7]
    fn = ff3_decrypt if decrypt else ff3_encrypt
    out = iter(fn(key.derive("fpe", 32), tweak, "".join(chars), alphabet))
    return "".join(next(out) if (c.isascii() and c.isalnum()) else c for c in value)


def map_distinct(values: Any, fn: Callable[[str], str]) -> Any:
    """Apply ``fn`` once per distinct non-null value and map the results back (vectorised)."""
    pl = polars()
    distinct = values.drop_nulls().unique()
    mapping = {v: fn(v) for v in distinct.to_list()}
    return values.replace_strict(mapping, default=None, return_dtype=pl.Utf8)


def date_shift(values: Any, key: SecretKey, subject: Any, max_shift_days: int) -> Any:
    """Shift every date of a subject by the same keyed offset in [-max, +max] days (ISO output)."""
    pl = polars()
    shift_key = key.derive("dateshift")
    span = 2 * max_shift_days + 1

    def offset(s: str) -> int:
        digest = hmac.new(shift_key, s.encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big") % span - max_shift_days

    offsets = map_distinct(subject.fill_null(""), lambda s: str(offset(s))).cast(pl.Int64)
    frame = pl.DataFrame({"v": values, "o": offsets})
    d = parse_dates(pl.col("v"))
    shifted = (d + pl.duration(days=pl.col("o"))).dt.strftime("%Y-%m-%d")
    expr = pl.when(pl.col("v").is_null()).then(None).when(d.is_null()).then(pl.lit("[DATE]")).otherwise(shifted)
    return frame.select(expr.alias(values.name)).to_series()


def _subject(strings: Any, plan: Plan, types: Mapping[str, PiiType | None]) -> Any:
    if plan.subject_column is not None:
        if plan.subject_column not in strings.columns:
            raise InputError(f"subject column {plan.subject_column!r} is not in the table")
        return strings.get_column(plan.subject_column)
    for preferred in (PiiType.MRN, PiiType.SSN, PiiType.EMAIL, PiiType.NAME):
        for name, t in types.items():
            if t is preferred:
                return strings.get_column(name)
    return None


def _normalize(value: str, pii_type: PiiType | None) -> str:
    """Canonical form before keyed hashing, so formatting differences do not break joins."""
    v = value.strip()
    if pii_type is PiiType.EMAIL:
        return v.lower()
    if pii_type in (PiiType.PHONE, PiiType.SSN, PiiType.CREDIT_CARD, PiiType.ACCOUNT_NUMBER, PiiType.NPI):
        return re.sub(r"\D", "", v)
    if pii_type is PiiType.IBAN:
        return re.sub(r"\s", "", v).upper()
    return v


def _need(key: SecretKey | None) -> SecretKey:
    if key is None:
        raise ConfigError("this method is keyed: set MLSECURE_PII_KEY (at least 16 random bytes)")
    return key


FORMAT_KEEPING = frozenset({Method.PSEUDONYMIZE, Method.FPE, Method.DATESHIFT, Method.GENERALIZE})


@dataclass(frozen=True)
class ColumnOutcome:
    """What an anonymization did to one column, judged by auditing the *output* again.

    ``status``: ``removed`` (no PII detected in the output column), ``dropped``, ``replaced`` (a
    format-keeping method: the output still looks like the type, by design, and values changed),
    ``unchanged`` (a format-keeping method whose own rule left every value as it was),
    ``kept`` (the plan kept it: PII is still there), ``survived`` (the plan meant to remove it but PII
    is still detected in the output)."""

    column: str
    method: Method
    pii_type_before: PiiType | None
    pii_type_after: PiiType | None
    cells_changed: int
    status: str
    spans_after: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "method": self.method.value,
                "pii_type_before": self.pii_type_before.value if self.pii_type_before else None,
                "pii_type_after": self.pii_type_after.value if self.pii_type_after else None,
                "cells_changed": self.cells_changed, "status": self.status, "spans_after": dict(self.spans_after)}


def verify_anonymized(plan: Plan, before: AuditResult, after: AuditResult | None,
                      changed: Mapping[str, int]) -> list[ColumnOutcome]:
    """One outcome per column that held PII before or holds PII after (``after`` is the audit of the
    output table; None when nothing was written, e.g. every column dropped)."""
    after_types = after.types() if after is not None else {}
    outcomes = []
    for v in before.columns:
        method = plan.method(v.column)
        after_verdict = _verdict(after, v.column)
        t_after = after_types.get(v.column)
        if v.pii_type is None and t_after is None and method is Method.KEEP:
            continue
        spans = dict(after_verdict.spans.by_type) if after_verdict and after_verdict.spans else {}
        n = changed.get(v.column, 0)
        if method is Method.DROP:
            status = "dropped"
        elif (t_after is None or t_after is PiiType.FREE_TEXT) and not spans:
            status = "removed" if v.pii_type is not None else "unchanged"
        elif method is Method.KEEP:
            status = "kept"
        elif method in FORMAT_KEEPING and t_after is not PiiType.FREE_TEXT:
            # the output keeps the type's shape by design; no change at all means the method's own rule
            # kept the values (Safe Harbor keeps ages up to 89, for instance)
            status = "replaced" if n > 0 else "unchanged"
        else:
            status = "survived"
        outcomes.append(ColumnOutcome(v.column, method, v.pii_type, t_after, n, status, spans))
    return outcomes


def _verdict(audit: AuditResult | None, column: str) -> Any:
    if audit is None:
        return None
    try:
        return audit.verdict(column)
    except KeyError:
        return None
