"""Format-preserving encryption: FF3-1 (NIST SP 800-38G Rev. 1, section 5.2, Algorithms 9 and 10).

FF3-1 is a Feistel cipher over numeral strings of radix ``r`` with 8 rounds, a 56-bit tweak and AES as
the round function (``CIPH_REVB(K)``, AES with the byte-reversed key). It maps a string of ``n`` digits
to another string of ``n`` digits, so a 16-digit card number stays a 16-digit number and a column keeps
its format and joins. Domain: ``r**n >= 1_000_000`` and ``2 <= n <= 2*floor(log_r(2**96))``.

``ff3_encrypt``/``ff3_decrypt`` also accept a 64-bit tweak: that is the original FF3 (whose NIST sample
vectors the tests use); a 56-bit tweak is FF3-1 (checked against the ACVP FF3-1 vectors).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mlsecure.errors import InputError

DIGITS = "0123456789"
ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def ff3_encrypt(key: bytes, tweak: bytes, text: str, alphabet: str = DIGITS) -> str:
    """Encrypt ``text`` (characters from ``alphabet``, radix ``len(alphabet)``) with FF3-1/FF3."""
    numerals = _to_numerals(text, alphabet)
    return _from_numerals(_ff3(key, tweak, numerals, len(alphabet), decrypt=False), alphabet)


def ff3_decrypt(key: bytes, tweak: bytes, text: str, alphabet: str = DIGITS) -> str:
    """Invert ``ff3_encrypt``."""
    numerals = _to_numerals(text, alphabet)
    return _from_numerals(_ff3(key, tweak, numerals, len(alphabet), decrypt=True), alphabet)


def max_length(radix: int) -> int:
    """The longest numeral string FF3-1 accepts: ``2 * floor(log_radix(2**96))``."""
    return 2 * math.floor(96 / math.log2(radix))


def min_length(radix: int) -> int:
    """The shortest numeral string FF3-1 accepts: ``radix**n >= 10**6``."""
    return math.ceil(6 / math.log10(radix))


def _ff3(key: bytes, tweak: bytes, x: Sequence[int], radix: int, *, decrypt: bool) -> list[int]:
    n = len(x)
    if len(key) not in (16, 24, 32):
        raise InputError(f"FF3-1 needs an AES key of 16, 24 or 32 bytes, got {len(key)}")
    if not 2 <= radix <= 2**16:
        raise InputError(f"FF3-1 radix must be in [2, 65536], got {radix}")
    if n < min_length(radix) or n > max_length(radix):
        raise InputError(
            f"FF3-1 with radix {radix} needs {min_length(radix)}..{max_length(radix)} characters, got {n}"
        )
    t_left, t_right = _split_tweak(tweak)
    encryptor = Cipher(algorithms.AES(key[::-1]), modes.ECB()).encryptor()  # CIPH_REVB(K)
    u = (n + 1) // 2
    v = n - u
    a, b = list(x[:u]), list(x[u:])
    rounds = range(7, -1, -1) if decrypt else range(8)
    for i in rounds:
        m, w = (u, t_right) if i % 2 == 0 else (v, t_left)
        source = a if decrypt else b
        p = bytes(wb ^ ib for wb, ib in zip(w, i.to_bytes(4, "big"), strict=True))
        p += _num_rev(source, radix).to_bytes(12, "big")
        s = encryptor.update(p[::-1])[::-1]
        y = int.from_bytes(s, "big")
        modulus = radix**m
        if decrypt:
            c = (_num_rev(b, radix) - y) % modulus
            b, a = a, _str_rev(c, radix, m)
        else:
            c = (_num_rev(a, radix) + y) % modulus
            a, b = b, _str_rev(c, radix, m)
    return a + b


def _split_tweak(tweak: bytes) -> tuple[bytes, bytes]:
    """FF3-1: 56-bit tweak -> (T_L, T_R) per SP 800-38G Rev.1 Alg. 9 step 3; FF3: 64-bit halves."""
    if len(tweak) == 8:
        return tweak[:4], tweak[4:]
    if len(tweak) != 7:
        raise InputError(f"FF3-1 tweak must be 7 bytes (56 bits; 8 for FF3), got {len(tweak)}")
    t_left = tweak[:3] + bytes([tweak[3] & 0xF0])
    t_right = tweak[4:] + bytes([(tweak[3] & 0x0F) << 4])
    return t_left, t_right


def _num_rev(digits: Sequence[int], radix: int) -> int:
    value = 0
    for d in reversed(digits):
        value = value * radix + d
    return value


def _str_rev(value: int, radix: int, length: int) -> list[int]:
    out = []
    for _ in range(length):
        value, d = divmod(value, radix)
        out.append(d)
    return out  # least significant first == REV(STR_radix^m(value))


def _to_numerals(text: str, alphabet: str) -> list[int]:
    index = {c: i for i, c in enumerate(alphabet)}
    try:
        return [index[c] for c in text]
    except KeyError as exc:
        raise InputError(f"FF3-1: character {exc.args[0]!r} is not in the alphabet") from None


def _from_numerals(numerals: Sequence[int], alphabet: str) -> str:
    return "".join(alphabet[d] for d in numerals)
