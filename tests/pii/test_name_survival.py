"""Names surviving ``anonymize_frame`` of free text, on a small fixed sample of the two held-out note sets:
mimesis notes of 30 locales (``heldout_notes_text.py``) and faker notes of 24 locales
(``heldout_locales_text.py``), seed 50 (used by no development or report run; see benchmarks/pii.md 0g).
Issue 15 asks for at most 5% of names surviving. Measured on this sample: mimesis 8/1,110 = 0.7% with the
session-7 rules (96/1,110 = 8.6% on main before them), faker 2/480 = 0.4% (the same before); the thresholds sit a
little above, so a name rule that stops working fails here. Slow: ~54 anonymizations (about 10 s)."""

from __future__ import annotations

import heldout_locales_text
import heldout_notes_text
import pytest
from heldout_locales import LOCALES as FAKER_LOCALES

from mlsecure.privacy.pii import PiiType

pytestmark = pytest.mark.slow
SEED = 50


def test_names_surviving_mimesis_notes() -> None:
    put = kept = 0
    for locale in heldout_notes_text.LOCALES:
        planted, survived = heldout_notes_text.survival(*heldout_notes_text.notes(locale, 20, seed=SEED))
        put, kept = put + planted["name"], kept + survived["name"]
        assert survived["phone"] == 0 and survived["email"] == 0, locale
    assert put == 1110
    assert kept / put <= MIMESIS_MAX, f"{kept}/{put}"


def test_names_surviving_faker_notes() -> None:
    put = kept = 0
    for locale in FAKER_LOCALES:
        planted, survived = heldout_locales_text.survival(locale, 20, SEED)
        put, kept = put + planted[PiiType.NAME], kept + survived[PiiType.NAME]
        assert survived[PiiType.PHONE] == 0 and survived[PiiType.EMAIL] == 0, locale
    assert put == 480
    assert kept / put <= FAKER_MAX, f"{kept}/{put}"


MIMESIS_MAX = 0.02  # 0.7% measured
FAKER_MAX = 0.015  # 0.4% measured
