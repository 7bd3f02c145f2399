"""The MLSENC v1 streaming format: round trips, every STREAM tamper case, atomic output, constant memory."""

from __future__ import annotations

import io
import os
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.encryption.keys import KeyUnwrapError, LocalKey, PassphraseKey
from mlsecure.encryption.stream import (
    TAG_BYTES,
    Algorithm,
    AuthenticationError,
    decrypt_file,
    decrypt_stream,
    encrypt_file,
    encrypt_stream,
    read_header,
    rewrap_file,
    verify_file,
)
from mlsecure.errors import InputError

KEK = LocalKey(bytes(range(32)))
OTHER = LocalKey(bytes(range(1, 33)))
SEG = 64


def _encrypt(data: bytes, *, kek: LocalKey | PassphraseKey = KEK, segment_size: int = SEG,
             algorithm: Algorithm = Algorithm.AES_256_GCM) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, kek=kek, segment_size=segment_size, algorithm=algorithm)
    return out.getvalue()


def _decrypt(blob: bytes, *, kek: LocalKey | PassphraseKey = KEK) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), out, kek=kek, name="blob")
    return out.getvalue()


def _split(blob: bytes) -> tuple[bytes, list[bytes]]:
    header = read_header(io.BytesIO(blob)).raw
    body = blob[len(header):]
    stride = SEG + TAG_BYTES
    return header, [body[i:i + stride] for i in range(0, len(body), stride)]


PLAIN = os.urandom(5 * SEG)  # exactly five full segments: the last one is full and flagged last


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG, 3 * SEG + 5])
@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_round_trip_at_segment_boundaries(size: int, algorithm: Algorithm) -> None:
    data = os.urandom(size)
    blob = _encrypt(data, algorithm=algorithm)
    segments = max(1, -(-size // SEG))
    header = read_header(io.BytesIO(blob))
    assert len(blob) == len(header.raw) + size + segments * TAG_BYTES
    assert _decrypt(blob) == data


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=3000), segment_size=st.integers(16, 700),
       algorithm=st.sampled_from(list(Algorithm)))
def test_round_trip_property(data: bytes, segment_size: int, algorithm: Algorithm) -> None:
    assert _decrypt(_encrypt(data, segment_size=segment_size, algorithm=algorithm)) == data


def test_same_plaintext_encrypts_differently() -> None:
    assert _encrypt(PLAIN) != _encrypt(PLAIN)  # fresh data key and nonce prefix per file


def test_every_header_byte_is_authenticated() -> None:
    blob = _encrypt(PLAIN)
    header, _ = _split(blob)
    for index in range(len(header)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(InputError):
            _decrypt(bytes(tampered))


@pytest.mark.parametrize("position", [0, 17, SEG - 1, SEG, SEG + TAG_BYTES - 1])  # ciphertext and tag bytes
@pytest.mark.parametrize("segment", range(5))
def test_flipped_segment_byte_names_the_segment(segment: int, position: int) -> None:
    header, segments = _split(_encrypt(PLAIN))
    bad = bytearray(segments[segment])
    bad[position] ^= 0x80
    segments[segment] = bytes(bad)
    with pytest.raises(AuthenticationError, match=f"segment {segment} ") as info:
        _decrypt(header + b"".join(segments))
    assert info.value.segment == segment


@pytest.mark.parametrize("keep", [1, 2, 4])
def test_truncation_at_a_segment_boundary_is_detected(keep: int) -> None:
    """The classic attack on naive chunked AEAD: drop whole trailing segments. The last-segment flag stops it."""
    header, segments = _split(_encrypt(PLAIN))
    with pytest.raises(AuthenticationError, match="truncated") as info:
        _decrypt(header + b"".join(segments[:keep]))
    assert info.value.segment == keep - 1


def test_truncation_to_the_header_only_is_detected() -> None:
    header, _ = _split(_encrypt(PLAIN))
    with pytest.raises(AuthenticationError, match="ends inside segment 0"):
        _decrypt(header)


@pytest.mark.parametrize("cut", [1, TAG_BYTES - 1, TAG_BYTES, SEG])
def test_truncation_mid_segment_is_detected(cut: int) -> None:
    blob = _encrypt(PLAIN)
    with pytest.raises(AuthenticationError):
        _decrypt(blob[:-cut])


def test_truncation_inside_the_header_is_an_input_error() -> None:
    blob = _encrypt(PLAIN)
    for cut in (3, 10, 30, 60):
        with pytest.raises(InputError, match=r"file ends inside the header|not an mlsecure"):
            _decrypt(blob[:cut])


def test_swapped_segments_are_detected() -> None:
    header, segments = _split(_encrypt(PLAIN))
    segments[1], segments[2] = segments[2], segments[1]
    with pytest.raises(AuthenticationError, match="segment 1 ") as info:
        _decrypt(header + b"".join(segments))
    assert info.value.segment == 1


def test_duplicated_segment_is_detected() -> None:
    header, segments = _split(_encrypt(PLAIN))
    with pytest.raises(AuthenticationError, match="segment 2 "):
        _decrypt(header + b"".join([*segments[:2], segments[1], *segments[2:]]))


@pytest.mark.parametrize("extra", [b"\x00", os.urandom(SEG + TAG_BYTES), os.urandom(3 * SEG)])
def test_appended_data_is_detected(extra: bytes) -> None:
    blob = _encrypt(PLAIN)
    with pytest.raises(AuthenticationError, match="appended after the final segment 4"):
        _decrypt(blob + extra)


def test_appending_a_copy_of_the_final_segment_is_detected() -> None:
    header, segments = _split(_encrypt(PLAIN))
    with pytest.raises(AuthenticationError, match="appended"):
        _decrypt(header + b"".join(segments) + segments[-1])


def test_segments_from_another_file_under_the_same_key_are_rejected() -> None:
    header_a, _ = _split(_encrypt(PLAIN))
    _, segments_b = _split(_encrypt(PLAIN))
    with pytest.raises(AuthenticationError, match="segment 0 "):
        _decrypt(header_a + b"".join(segments_b))


def test_wrong_key_is_rejected_before_any_plaintext() -> None:
    out = io.BytesIO()
    with pytest.raises(KeyUnwrapError, match="wrong key"):
        decrypt_stream(io.BytesIO(_encrypt(PLAIN)), out, kek=OTHER)
    assert out.getvalue() == b""


def test_wrong_passphrase_is_rejected() -> None:
    blob = _encrypt(PLAIN, kek=PassphraseKey("correct horse", log2_n=4))
    with pytest.raises(KeyUnwrapError, match="passphrase"):
        _decrypt(blob, kek=PassphraseKey("battery staple", log2_n=4))
    assert _decrypt(blob, kek=PassphraseKey("correct horse", log2_n=4)) == PLAIN
    with pytest.raises(KeyUnwrapError, match="passphrase"):
        _decrypt(blob, kek=KEK)  # a raw key cannot open a passphrase envelope


def test_not_an_encrypted_file() -> None:
    with pytest.raises(InputError, match="not an mlsecure encrypted file"):
        _decrypt(b"PK\x03\x04" + bytes(100))


def test_segment_size_bounds() -> None:
    for bad in (0, 15, (1 << 26) + 1):
        with pytest.raises(InputError, match="segment size"):
            _encrypt(b"x", segment_size=bad)


def test_decrypt_file_writes_nothing_on_failure(tmp_path: Path) -> None:
    source = tmp_path / "model.bin"
    source.write_bytes(PLAIN)
    sealed = tmp_path / "model.bin.mlse"
    encrypt_file(source, sealed, kek=KEK, segment_size=SEG)
    header, segments = _split(sealed.read_bytes())
    sealed.write_bytes(header + b"".join(segments[:3]))  # truncated
    target = tmp_path / "restored.bin"
    with pytest.raises(AuthenticationError, match=r"model\.bin\.mlse: file truncated"):
        decrypt_file(sealed, target, kek=KEK)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin", "model.bin.mlse"]


def test_file_round_trip_overwrite_and_mode(tmp_path: Path) -> None:
    source = tmp_path / "data.csv"
    source.write_bytes(PLAIN)
    sealed, restored = tmp_path / "data.csv.mlse", tmp_path / "out.csv"
    result = encrypt_file(source, sealed, kek=KEK, segment_size=SEG)
    assert (result.plaintext_bytes, result.segments, result.ciphertext_bytes) == (
        len(PLAIN), 5, sealed.stat().st_size)
    with pytest.raises(InputError, match="already exists"):
        encrypt_file(source, sealed, kek=KEK)
    with pytest.raises(InputError, match="overwrite the input"):
        encrypt_file(source, source, kek=KEK, overwrite=True)
    decrypt_file(sealed, restored, kek=KEK)
    assert restored.read_bytes() == PLAIN
    assert restored.stat().st_mode & 0o077 == 0  # plaintext lands private (mkstemp, 0600)
    assert verify_file(sealed, kek=KEK).segments == 5


def test_rewrap_rotates_the_kek_without_touching_the_payload(tmp_path: Path) -> None:
    source = tmp_path / "ckpt.pt"
    source.write_bytes(PLAIN)
    sealed = tmp_path / "ckpt.pt.mlse"
    encrypt_file(source, sealed, kek=KEK, segment_size=SEG)
    before_header, before_segments = _split(sealed.read_bytes())
    rewrap_file(sealed, old=KEK, new=OTHER)
    after_header, after_segments = _split(sealed.read_bytes())
    assert after_segments == before_segments and after_header != before_header
    assert after_header[:19] == before_header[:19]  # the fixed part (segment AAD) is unchanged
    with pytest.raises(KeyUnwrapError):
        verify_file(sealed, kek=KEK)
    assert _decrypt(sealed.read_bytes(), kek=OTHER) == PLAIN
    passphrase = PassphraseKey("rotate me", log2_n=4)
    rewrap_file(sealed, old=OTHER, new=passphrase, target=tmp_path / "p.mlse")
    assert _decrypt((tmp_path / "p.mlse").read_bytes(), kek=passphrase) == PLAIN


def test_constant_memory(tmp_path: Path) -> None:
    """Encrypting 16 MiB with 64 KiB segments allocates a few buffers, not the file."""
    source = tmp_path / "big.bin"
    with source.open("wb") as handle:
        for _ in range(16):
            handle.write(os.urandom(1 << 20))
    sealed, restored = tmp_path / "big.mlse", tmp_path / "big.out"
    tracemalloc.start()
    try:
        encrypt_file(source, sealed, kek=KEK, segment_size=1 << 16)
        decrypt_file(sealed, restored, kek=KEK)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20, peak
    assert restored.read_bytes() == source.read_bytes()


class _Trickle(io.RawIOBase):
    """A pipe-like reader that returns at most 7 bytes per call (short reads)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(min(7, len(buffer)))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def test_short_reads_are_handled() -> None:
    out = io.BytesIO()
    encrypt_stream(_Trickle(PLAIN), out, kek=KEK, segment_size=SEG)
    restored = io.BytesIO()
    decrypt_stream(_Trickle(out.getvalue()), restored, kek=KEK)
    assert restored.getvalue() == PLAIN
