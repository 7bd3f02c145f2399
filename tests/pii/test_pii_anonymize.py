"""Anonymization properties: idempotence, keyed determinism, date shifts, frame types, key handling."""

from __future__ import annotations

from datetime import date

import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.errors import ConfigError
from mlsecure.privacy.pii import Method, PiiType, SecretKey, anonymize_frame
from mlsecure.privacy.pii.anonymize import date_shift, pseudonym, transform, transform_text
from mlsecure.privacy.pii.keys import key_from_env

KEY = SecretKey(b"0123456789abcdef0123456789abcdef")
OTHER = SecretKey(b"fedcba9876543210fedcba9876543210")
values = st.lists(st.one_of(st.none(), st.text(min_size=1, max_size=20)), min_size=1, max_size=20)


def _series(items: list[str | None]) -> pl.Series:
    return pl.Series("c", items, dtype=pl.Utf8)


@settings(max_examples=50, deadline=None)
@given(values, st.sampled_from([PiiType.CREDIT_CARD, PiiType.EMAIL, PiiType.NAME]),
       st.sampled_from([Method.MASK, Method.REDACT]))
def test_mask_and_redact_are_idempotent(items: list[str | None], pii_type: PiiType, method: Method) -> None:
    once = transform(_series(items), method, pii_type)
    assert transform(once, method, pii_type).to_list() == once.to_list()
    assert once.null_count() == _series(items).null_count()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.from_regex(r"\A[0-9]{5}\Z"), min_size=1, max_size=10),
       st.lists(st.dates(date(1900, 1, 1), date(2100, 1, 1)).map(lambda d: d.isoformat()), min_size=1, max_size=10),
       st.lists(st.integers(0, 120).map(str), min_size=1, max_size=10))
def test_generalize_is_idempotent(zips: list[str], dates: list[str], ages: list[str]) -> None:
    for items, pii_type in ((zips, PiiType.ZIP_CODE), (dates, PiiType.DATE), (ages, PiiType.AGE)):
        once = transform(_series(list(items)), Method.GENERALIZE, pii_type)
        assert transform(once, Method.GENERALIZE, pii_type).to_list() == once.to_list()


def test_generalize_safe_harbor_rules() -> None:
    zips = transform(_series(["02139", "03601", "89301"]), Method.GENERALIZE, PiiType.ZIP_CODE)
    assert zips.to_list() == ["021", "000", "000"]  # 036 and 893 are restricted three-digit areas
    ages = transform(_series(["34", "89", "90", "104"]), Method.GENERALIZE, PiiType.AGE)
    assert ages.to_list() == ["34", "89", "90+", "90+"]
    dates = transform(_series(["1980-03-04", "03/15/1975", "May 3, 1990"]), Method.GENERALIZE, PiiType.DATE)
    assert dates.to_list() == ["1980", "1975", "1990"]


def test_mask_keeps_last_four_of_cards() -> None:
    out = transform(_series(["4111-1111-1111-1111", "jane@x.org"]), Method.MASK, PiiType.CREDIT_CARD)
    assert out.to_list() == ["****-****-****-1111", "****@*.org"]


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_pseudonyms_deterministic_per_key(a: str, b: str) -> None:
    assert pseudonym(a, PiiType.NAME, KEY) == pseudonym(a, PiiType.NAME, KEY)
    assert pseudonym(a, PiiType.NAME, KEY) != pseudonym(a, PiiType.NAME, OTHER)
    if a.strip() != b.strip():
        assert pseudonym(a, PiiType.NAME, KEY) != pseudonym(b, PiiType.NAME, KEY)
    token = pseudonym(a, PiiType.NAME, KEY)
    assert pseudonym(token, PiiType.NAME, KEY) == token  # pseudonymizing twice changes nothing


def test_pseudonyms_join_across_formats_and_files() -> None:
    a = transform(_series(["Jane.Doe@Example.com", "(202) 456-1111"]), Method.PSEUDONYMIZE, PiiType.EMAIL, key=KEY)
    b = transform(_series(["jane.doe@example.com"]), Method.PSEUDONYMIZE, PiiType.EMAIL, key=KEY)
    assert a[0] == b[0] and a[0].endswith("@pseudonym.invalid")
    p1 = transform(_series(["(202) 456-1111"]), Method.PSEUDONYMIZE, PiiType.PHONE, key=KEY)
    p2 = transform(_series(["202-456-1111"]), Method.PSEUDONYMIZE, PiiType.PHONE, key=KEY)
    assert p1.to_list() == p2.to_list()


def test_hash_is_keyed_hmac() -> None:
    import hashlib
    import hmac

    out = transform(_series(["536-22-1234"]), Method.HASH, PiiType.SSN, key=KEY)[0]
    assert out == hmac.new(KEY.derive("hash"), b"536221234", hashlib.sha256).hexdigest()
    assert out != hashlib.sha256(b"536221234").hexdigest()


def test_date_shift_keeps_intervals_within_a_subject() -> None:
    dates = _series(["2020-01-01", "2020-01-31", "2020-01-01", None])
    subject = _series(["alice", "alice", "bob", "bob"])
    out = date_shift(dates, KEY, subject, 30).to_list()
    d = [pd.Timestamp(x) for x in out[:3]]
    assert (d[1] - d[0]).days == 30  # same subject: same shift
    assert abs((d[0] - pd.Timestamp("2020-01-01")).days) <= 30
    assert out[3] is None
    assert date_shift(dates, KEY, subject, 30).to_list() == out


def test_free_text_spans_are_replaced() -> None:
    texts = _series(["Call John Smith at (202) 456-1111 or jsmith@example.com.", "Nothing to see."])
    out = transform_text(texts, Method.REDACT, key=None).to_list()
    assert out[0] == "Call [NAME] at [PHONE] or [EMAIL]."
    assert out[1] == "Nothing to see."


def test_frame_types_round_trip() -> None:
    df = pd.DataFrame({"email": ["a.b@example.com", "c.d@example.org"] * 30, "x": [1.5, 2.5] * 30})
    out = anonymize_frame(df).frame
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["email", "x"]
    assert set(out["email"]) == {"[EMAIL]"}
    out_pl = anonymize_frame(pl.from_pandas(df), key=KEY).frame
    assert isinstance(out_pl, pl.DataFrame)
    assert out_pl["email"].str.ends_with("@pseudonym.invalid").all()


def test_keyed_methods_need_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLSECURE_PII_KEY", raising=False)
    assert key_from_env() is None
    with pytest.raises(ConfigError):
        transform(_series(["x"]), Method.PSEUDONYMIZE, PiiType.NAME)
    monkeypatch.setenv("MLSECURE_PII_KEY", "short")
    with pytest.raises(ConfigError):
        key_from_env()
    monkeypatch.setenv("MLSECURE_PII_KEY", "00" * 32)
    key = key_from_env()
    assert key is not None and key.material == bytes(32)
