"""FF3-1 against the NIST vectors, plus round-trip and format-preservation properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.errors import InputError
from mlsecure.privacy.pii.anonymize import fpe_encrypt
from mlsecure.privacy.pii.fpe import ALNUM, ff3_decrypt, ff3_encrypt
from mlsecure.privacy.pii.keys import SecretKey
from mlsecure.privacy.pii.types import PiiType

# NIST "FF3 samples" (csrc.nist.gov, examples/FF3samples.pdf), AES-128/192/256, 64-bit tweaks.
FF3_SAMPLES = [
    ("EF4359D8D580AA4F7F036D6F04FC6A94", "D8E7920AFA330A73", "890121234567890000", "750918814058654607"),
    ("EF4359D8D580AA4F7F036D6F04FC6A94", "9A768A92F60E12D8", "890121234567890000", "018989839189395384"),
    ("EF4359D8D580AA4F7F036D6F04FC6A94", "D8E7920AFA330A73", "89012123456789000000789000000",
     "48598367162252569629397416226"),
    ("EF4359D8D580AA4F7F036D6F04FC6A94", "0000000000000000", "89012123456789000000789000000",
     "34695224821734535122613701434"),
    ("EF4359D8D580AA4F7F036D6F04FC6A942B7E151628AED2A6", "D8E7920AFA330A73", "890121234567890000",
     "646965393875028755"),
    ("EF4359D8D580AA4F7F036D6F04FC6A942B7E151628AED2A6ABF7158809CF4F3C", "9A768A92F60E12D8",
     "890121234567890000", "504149865578056140"),
]
# NIST ACVP FF3-1 vectors (56-bit tweaks), radix 10.
FF3_1_ACVP = [
    ("2DE79D232DF5585D68CE47882AE256D6", "CBD09280979564", "3992520240", "8901801106"),
    ("01C63017111438F7FC8E24EB16C71AB5", "C4E822DCD09F27",
     "60761757463116869318437658042297305934914824457484538562",
     "35637144092473838892796702739628394376915177448290847293"),
    ("F62EDB777A671075D47563F3A1E9AC797AA706A2D8E02FC8", "493B8451BF6716", "4406616808", "1807744762"),
    ("1FAA03EFF55A06F8FAB3F1DC57127D493E2F8F5C365540467A3A055BDBE6481D", "4D67130C030445", "3679409436",
     "1735794859"),
]


@pytest.mark.parametrize(("key", "tweak", "plain", "cipher"), FF3_SAMPLES + FF3_1_ACVP)
def test_nist_vectors(key: str, tweak: str, plain: str, cipher: str) -> None:
    k, t = bytes.fromhex(key), bytes.fromhex(tweak)
    assert ff3_encrypt(k, t, plain) == cipher
    assert ff3_decrypt(k, t, cipher) == plain


def test_radix26_sample() -> None:
    # NIST FF3 sample 5: radix 26 over 0-9a-p.
    alphabet = "0123456789abcdefghijklmnop"
    key, tweak = bytes.fromhex("EF4359D8D580AA4F7F036D6F04FC6A94"), bytes.fromhex("9A768A92F60E12D8")
    assert ff3_encrypt(key, tweak, "0123456789abcdefghi", alphabet) == "g2pk40i992fn20cjakb"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789", min_size=6, max_size=56), st.binary(min_size=16, max_size=16),
       st.binary(min_size=7, max_size=7))
def test_round_trip_digits(text: str, key: bytes, tweak: bytes) -> None:
    cipher = ff3_encrypt(key, tweak, text)
    assert len(cipher) == len(text) and cipher.isdigit()
    assert ff3_decrypt(key, tweak, cipher) == text


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=ALNUM, min_size=4, max_size=32), st.binary(min_size=32, max_size=32))
def test_round_trip_alnum(text: str, key: bytes) -> None:
    tweak = b"\x01" * 7
    assert ff3_decrypt(key, tweak, ff3_encrypt(key, tweak, text, ALNUM), ALNUM) == text


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"\A[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}\Z"))
def test_value_level_fpe_preserves_format(card: str) -> None:
    key = SecretKey(b"k" * 32)
    out = fpe_encrypt(card, PiiType.CREDIT_CARD, key)
    assert len(out) == len(card) and [c == "-" for c in out] == [c == "-" for c in card]
    assert out.replace("-", "").isdigit()
    assert fpe_encrypt(out, PiiType.CREDIT_CARD, key, decrypt=True) == card


def test_domain_limits() -> None:
    key = bytes(16)
    with pytest.raises(InputError):
        ff3_encrypt(key, bytes(7), "12345")  # 10**5 < 10**6
    with pytest.raises(InputError):
        ff3_encrypt(key, bytes(6), "123456")  # tweak must be 56 or 64 bits
    with pytest.raises(InputError):
        fpe_encrypt("123", PiiType.ZIP_CODE, SecretKey(b"k" * 32))
