"""Merkle tree hashes, RFC 6962 section 2.1 (Certificate Transparency), as pure functions.

For leaves ``d[0:n]`` with SHA-256 ``H``::

    MTH({})        = H()                                   (the hash of the empty string)
    MTH({d0})      = H(0x00 || d0)                         (leaf hash)
    MTH(D[n])      = H(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  k = largest power of two < n

The audit log's leaves are the records' canonical event bytes in sequence order, so a tree head
``(tree_size, root)`` commits to the content *and* the order of the first ``tree_size`` records.
``consistency_proof``/``verify_consistency`` are RFC 6962 2.1.2 / RFC 9162 2.1.4: a witness holding an
old tree head checks that a newer one extends it (no record rewritten, removed or reordered) with
``O(log n)`` hashes and without the log itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """``H(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``H(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """The compact state of a growing tree: the roots of its perfect subtrees, largest first.

    ``n`` leaves decompose into perfect subtrees of sizes given by the binary digits of ``n``; folding
    their roots right to left yields ``MTH`` (which is exactly RFC 6962's largest-power-of-two split).
    Appending costs amortised O(1) hashes, memory is ``O(log n)``.
    """

    def __init__(self, size: int = 0, roots: Sequence[bytes] = ()) -> None:
        if size < 0 or len(roots) != bin(size).count("1") or any(len(r) != HASH_SIZE for r in roots):
            raise ValueError(f"a frontier of {size} leaves needs {bin(size).count('1')} 32-byte roots")
        self.size = size
        self.roots = list(roots)

    def append_leaf_hash(self, value: bytes) -> None:
        node = value
        size = self.size
        while size & 1:
            node = node_hash(self.roots.pop(), node)
            size >>= 1
        self.roots.append(node)
        self.size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for value in leaf_hashes:
            self.append_leaf_hash(value)

    def root(self) -> bytes:
        if not self.roots:
            return EMPTY_ROOT
        node = self.roots[-1]
        for left in reversed(self.roots[:-1]):
            node = node_hash(left, node)
        return node

    def copy(self) -> Frontier:
        return Frontier(self.size, self.roots)


def merkle_root(leaf_hashes: Iterable[bytes]) -> bytes:
    """``MTH`` of a stream of leaf hashes in O(log n) memory."""
    frontier = Frontier()
    frontier.extend(leaf_hashes)
    return frontier.root()


def _mth(hashes: Sequence[bytes]) -> bytes:
    return merkle_root(hashes)


def _split(n: int) -> int:
    """Largest power of two strictly less than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 2.1.1 audit path for leaf ``index`` in the tree of ``leaf_hashes``."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} outside a tree of {n} leaves")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, leaf_hashes[:k]), _mth(leaf_hashes[k:])]
    return [*inclusion_proof(index - k, leaf_hashes[k:]), _mth(leaf_hashes[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` show leaf hash ``leaf`` at ``index`` under ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """RFC 6962 2.1.2 ``PROOF(m, D[n])`` for ``m = old_size``, ``n = len(leaf_hashes)``."""
    n = len(leaf_hashes)
    if not 0 < old_size <= n:
        raise ValueError(f"old tree size {old_size} must be in 1..{n}")
    return _subproof(old_size, leaf_hashes, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 2.1.4.2: does ``proof`` show the tree ``(new_size, new_root)`` extends
    ``(old_size, old_root)``?"""
    if old_size < 1 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node of the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
