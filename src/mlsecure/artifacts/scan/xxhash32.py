"""XXH32, the checksum of LZ4 frames (header, block and content checksums), in pure Python.

``lz4.frame`` refuses a frame whose checksum fails, so the LZ4 reader checks them the same way: what it scans is
then what a loader reads. Algorithm of github.com/Cyan4973/xxHash ``doc/xxhash_spec.md`` (seed 0 in LZ4), checked
against its published values (``XXH32(b"") == 0x02CC5D05``). About 12 MB/s here: a frame pays for it only when its
writer asked for block or content checksums (``lz4.frame`` and joblib do not by default).
"""

from __future__ import annotations

import struct

P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
MASK = 0xFFFFFFFF
STRIPE = 16


def xxh32(data: bytes, seed: int = 0) -> int:
    """The XXH32 digest of ``data``."""
    state = XXH32(seed)
    state.update(data)
    return state.digest()


class XXH32:
    """Streaming XXH32: ``update`` with pieces of any size, then ``digest``."""

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._lanes = [(seed + P1 + P2) & MASK, (seed + P2) & MASK, seed & MASK, (seed - P1) & MASK]
        self._pending = b""  # less than one 16-byte stripe not yet mixed in
        self._length = 0

    def update(self, data: bytes) -> None:
        self._length += len(data)
        data = self._pending + data
        whole = len(data) // STRIPE * STRIPE
        if whole:
            v1, v2, v3, v4 = self._lanes
            words = struct.unpack_from(f"<{whole // 4}I", data)
            for j in range(0, len(words), 4):
                v1 = _rotl((v1 + words[j] * P2) & MASK, 13) * P1 & MASK
                v2 = _rotl((v2 + words[j + 1] * P2) & MASK, 13) * P1 & MASK
                v3 = _rotl((v3 + words[j + 2] * P2) & MASK, 13) * P1 & MASK
                v4 = _rotl((v4 + words[j + 3] * P2) & MASK, 13) * P1 & MASK
            self._lanes = [v1, v2, v3, v4]
        self._pending = bytes(data[whole:])

    def digest(self) -> int:
        if self._length >= STRIPE:
            v1, v2, v3, v4 = self._lanes
            h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & MASK
        else:
            h = (self._seed + P5) & MASK
        h = (h + self._length) & MASK
        tail, i = self._pending, 0
        while i + 4 <= len(tail):
            (word,) = struct.unpack_from("<I", tail, i)
            h = _rotl((h + word * P3) & MASK, 17) * P4 & MASK
            i += 4
        for byte in tail[i:]:
            h = _rotl((h + byte * P5) & MASK, 11) * P1 & MASK
        h ^= h >> 15
        h = h * P2 & MASK
        h ^= h >> 13
        h = h * P3 & MASK
        return h ^ (h >> 16)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & MASK
