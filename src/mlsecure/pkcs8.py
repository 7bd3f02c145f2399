"""Read the key-derivation parameters of a passphrase-wrapped PKCS#8 key before handing it to OpenSSL.

An ``ENCRYPTED PRIVATE KEY`` PEM (RFC 5958 EncryptedPrivateKeyInfo) names its own KDF and cost: PBES2
(RFC 8018) with PBKDF2 (iteration count) or scrypt (RFC 7914 section 7: N, r, p). OpenSSL derives with
whatever the file says, so a hostile file costs minutes of CPU before a wrong passphrase is reported.
``check_encrypted_key`` walks just enough DER to find those numbers and applies ``kdf_bounds``. Other
encryption schemes (PKCS#12 PBE, PBES1) carry an iteration count in the same place and are bounded too.
"""

from __future__ import annotations

import base64
import binascii
import re

from mlsecure.errors import InputError
from mlsecure.kdf_bounds import check_pbkdf2, check_scrypt

_PEM = re.compile(rb"-----BEGIN ENCRYPTED PRIVATE KEY-----(.*?)-----END ENCRYPTED PRIVATE KEY-----", re.S)
OID_PBES2 = "1.2.840.113549.1.5.13"
OID_PBKDF2 = "1.2.840.113549.1.5.12"
OID_SCRYPT = "1.3.6.1.4.1.11591.4.11"
_SEQUENCE, _INTEGER, _OCTETS, _OID = 0x30, 0x02, 0x04, 0x06


def check_encrypted_key(pem: bytes, *, what: str) -> None:
    """Refuse a passphrase-wrapped key whose KDF costs more than ``kdf_bounds`` allows (no-op otherwise)."""
    match = _PEM.search(pem)
    if match is None:
        return
    try:
        der = base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{what}: the encrypted key's PEM body is not base64") from None
    try:
        outer = _children(der, 0, len(der), expect=_SEQUENCE)  # EncryptedPrivateKeyInfo
        algorithm = _children(der, *outer[0][1:], expect=_SEQUENCE)  # AlgorithmIdentifier
        oid = _oid(der, algorithm[0])
        if oid != OID_PBES2:
            _check_pbes1(der, algorithm, what)
            return
        params = _children(der, *algorithm[1][1:], expect=_SEQUENCE)  # PBES2-params
        kdf = _children(der, *params[0][1:], expect=_SEQUENCE)
        kdf_oid = _oid(der, kdf[0])
        kdf_params = _children(der, *kdf[1][1:], expect=_SEQUENCE)
        if kdf_oid == OID_PBKDF2:
            check_pbkdf2(_int(der, kdf_params[1]), what=what)
        elif kdf_oid == OID_SCRYPT:
            n, r, p = (_int(der, kdf_params[i]) for i in (1, 2, 3))
            check_scrypt(n, r, p, what=what)
        else:
            raise InputError(f"{what}: unsupported key-derivation function {kdf_oid} in the encrypted key")
    except (IndexError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{what}: the encrypted key is not well-formed DER ({exc})") from None


def _check_pbes1(der: bytes, algorithm: list[tuple[int, int, int]], what: str) -> None:
    """PBES1 / PKCS#12 PBE: params are SEQUENCE { salt OCTET STRING, iterations INTEGER }."""
    if len(algorithm) < 2 or algorithm[1][0] != _SEQUENCE:
        return
    params = _children(der, *algorithm[1][1:], expect=_SEQUENCE)
    if len(params) >= 2 and params[0][0] == _OCTETS and params[1][0] == _INTEGER:
        check_pbkdf2(_int(der, params[1]), what=what)


def _children(der: bytes, start: int, end: int, *, expect: int) -> list[tuple[int, int, int]]:
    """The (tag, content start, content end) of each element inside the TLV at ``der[start:end]``."""
    tag, body_start, body_end = _tlv(der, start, end)
    if tag != expect:
        raise ValueError(f"expected tag 0x{expect:02x} at offset {start}, found 0x{tag:02x}")
    out: list[tuple[int, int, int]] = []
    pos = body_start
    while pos < body_end:
        child_tag, _, child_end = _tlv(der, pos, body_end)
        out.append((child_tag, pos, child_end))
        pos = child_end
    return out


def _tlv(der: bytes, start: int, end: int) -> tuple[int, int, int]:
    """Tag, content start and element end of the DER element at ``start`` (definite lengths only)."""
    if start + 2 > end:
        raise ValueError(f"truncated element at offset {start}")
    tag, first = der[start], der[start + 1]
    pos = start + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise ValueError(f"bad length at offset {start}")
        length = int.from_bytes(der[pos:pos + count], "big")
        pos += count
    if pos + length > end:
        raise ValueError(f"element at offset {start} runs past its parent")
    return tag, pos, pos + length


def _oid(der: bytes, element: tuple[int, int, int]) -> str:
    tag, start, end = element
    _, body, stop = _tlv(der, start, end)
    if tag != _OID or stop <= body:
        raise ValueError("expected an OBJECT IDENTIFIER")
    raw = der[body:stop]
    parts = [raw[0] // 40, raw[0] % 40]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(map(str, parts))


def _int(der: bytes, element: tuple[int, int, int]) -> int:
    tag, start, end = element
    _, body, stop = _tlv(der, start, end)
    if tag != _INTEGER or stop <= body or stop - body > 16:
        raise ValueError("expected a small INTEGER")
    return int.from_bytes(der[body:stop], "big", signed=True)
