"""Session 6, round 2: a token after a credential word that holds a typed run (``_12345678``) is a stand-in
only when nothing machine-drawn is left outside its runs. A value with a drawn piece of 16+ characters
beside the run is a key (padded, or issued with a counter) and fails a scan; typed patterns - runs, runs
interleaved (``ab12cd34ef56``), one unit repeated - stay info stand-ins."""

from __future__ import annotations

import hashlib
import random
import string

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.detectors.context import drawn_beyond_filler, typed_filler
from mlsecure.secrets.interface import FileKind

# made-up drawn pieces: sha256-derived, so no real credential
HEX20 = hashlib.sha256(b"round2-hex").hexdigest()[:20]
B36 = "".join("abcdefghijklmnopqrstuvwxyz0123456789"[b % 36] for b in hashlib.sha256(b"round2-b36").digest()[:23])


def _severities(text: str) -> list[Severity]:
    findings = SecretScanner().scan_text(text + "\n", path="notes.txt", kind=FileKind.TEXT)
    return [f.severity for f in findings if f.rule_id == "SEC-024"]


@pytest.mark.parametrize("value", [
    f"{B36}_12345678",            # a drawn key with a typed counter after it
    f"{HEX20}{B36[:4]}-abcdefghij",  # a drawn hex piece, then a run
    f"987654-{B36}",              # a run first
    f"{B36}0000000",              # a drawn piece, then equal characters
])
def test_a_drawn_piece_beside_a_typed_run_is_a_key(value: str) -> None:
    assert typed_filler(value)  # before round 2 these were info stand-ins
    assert drawn_beyond_filler(value)
    assert _severities(f"boxSECRET {value}") == [Severity.MEDIUM]


@pytest.mark.parametrize("value", [
    "abcdef1234567890abcdef1234567890",          # runs only
    "ab12cd34ef56gh78ij90kl12mn34op56_uvwxyz",  # letters and digits each run, interleaved
    "abc123def456ghi789jkl0123456",
    "d1e2c3b4a5f6078901234567890abcdef",         # the digits run when read apart
    "zyxwvutsrqponmlk9876543210",
    "abcd1234abcd1234abcd1234",                  # one unit repeated
    "k4dj9sk2jd8f_12345678",                     # the piece beside the run is under 16 characters
    f"{B36[:15]}_123456",
])
def test_typed_patterns_stay_info_stand_ins(value: str) -> None:
    assert typed_filler(value) and not drawn_beyond_filler(value)
    assert all(severity is Severity.INFO for severity in _severities(f"boxSECRET {value}"))


def test_drawn_pieces_with_a_run_appended_are_promoted_and_typed_ones_never() -> None:
    """Property over seeded draws: any 16+ character base36 draw with no run of its own, followed by
    ``_`` and a counter, is found beyond the filler; the same length of interleaved runs never is."""
    rng = random.Random(20261207)
    alphabet = string.ascii_lowercase + string.digits
    promoted = tried = 0
    for _ in range(300):
        piece = "".join(rng.choice(alphabet) for _ in range(rng.randint(16, 40)))
        if typed_filler(piece) or sum(c.isdigit() for c in piece) == 0:
            continue
        value = f"{piece}_{rng.choice(['12345678', '000000', 'abcdefgh'])}"
        tried += 1
        promoted += drawn_beyond_filler(value)
    # a draw can fail drawn_shape (word-like by chance, low entropy): nearly all must pass
    assert tried >= 250 and promoted >= 0.9 * tried, (promoted, tried)
    for n in range(3, 12):
        interleaved = "".join(f"{string.ascii_lowercase[i]}{i % 10}" for i in range(n * 2))
        assert not drawn_beyond_filler(interleaved + "_123456")
