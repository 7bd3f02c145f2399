"""RFC 6962 Merkle tree hashes against the Certificate Transparency reference vectors, and proofs
against brute force."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlsecure.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

# The reference leaves and tree heads of Certificate Transparency's Merkle tree tests
# (google/certificate-transparency merkle_tree_test.cc; transparency-dev/merkle testonly/constants.go).
CT_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                        "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index 1-based, tree size, audit path) from the same test suites
CT_INCLUSION = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
HASHES = [leaf_hash(leaf) for leaf in CT_LEAVES]


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_small_trees_by_hand() -> None:
    """MTH written out from RFC 6962 2.1 for n = 0..3 with hashlib alone."""
    a, b, c = b"a", b"b", b"c"
    la, lb, lc = _sha(b"\x00a"), _sha(b"\x00b"), _sha(b"\x00c")
    assert merkle_root([]) == EMPTY_ROOT == _sha(b"")
    assert merkle_root([leaf_hash(a)]) == la
    assert merkle_root([leaf_hash(a), leaf_hash(b)]) == _sha(b"\x01" + la + lb)
    # n = 3 splits at k = 2: MTH = H(1 || H(1 || la || lb) || lc)
    assert merkle_root(map(leaf_hash, (a, b, c))) == _sha(b"\x01" + _sha(b"\x01" + la + lb) + lc)


@pytest.mark.parametrize("size", range(9))
def test_ct_reference_roots(size: int) -> None:
    assert merkle_root(HASHES[:size]).hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("leaf", "size", "path"), CT_INCLUSION)
def test_ct_reference_inclusion_proofs(leaf: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(leaf - 1, HASHES[:size])
    assert [p.hex() for p in proof] == path
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(leaf - 1, size, HASHES[leaf - 1], proof, root)
    assert not verify_inclusion(leaf - 1, size, HASHES[leaf % size], proof, root) or size == 1


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_ct_reference_consistency_proofs(old: int, new: int, path: list[str]) -> None:
    proof = consistency_proof(old, HASHES[:new])
    assert [p.hex() for p in proof] == path
    assert verify_consistency(old, new, bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new]), proof)


def _recursive_mth(hashes: list[bytes]) -> bytes:
    """RFC 6962's recursive definition, independent of the Frontier."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_recursive_mth(hashes[:k]), _recursive_mth(hashes[k:]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40), st.data())
def test_proofs_against_the_recursive_definition(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [leaf_hash(x) for x in leaves]
    n = len(hashes)
    root = _recursive_mth(hashes)
    assert merkle_root(hashes) == root
    m = data.draw(st.integers(1, n))
    old_root = _recursive_mth(hashes[:m])
    proof = consistency_proof(m, hashes)
    assert verify_consistency(m, n, old_root, root, proof)
    if m < n:  # a rewritten old leaf breaks consistency with the signed old head
        forged = [leaf_hash(b"forged"), *hashes[1:]]
        assert not verify_consistency(m, n, old_root, _recursive_mth(forged), consistency_proof(m, forged))
        assert not verify_consistency(m, n, old_root, root, proof[:-1])
    i = data.draw(st.integers(0, n - 1))
    path = inclusion_proof(i, hashes)
    assert verify_inclusion(i, n, hashes[i], path, root)
    assert not verify_inclusion(i, n, leaf_hash(b"other" + leaves[i]), path, root)


def test_frontier_resumes_from_a_stored_state() -> None:
    half = Frontier()
    half.extend(HASHES[:5])
    resumed = Frontier(half.size, list(half.roots))
    resumed.extend(HASHES[5:])
    assert resumed.root().hex() == CT_ROOTS[8]
    with pytest.raises(ValueError):
        Frontier(5, half.roots[:1])
