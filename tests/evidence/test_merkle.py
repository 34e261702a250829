"""RFC 9162 trees: roots, inclusion and consistency proofs against a reference written from the
RFC's recursive definitions, and every forged proof refused."""

from __future__ import annotations

import hashlib

import pytest

from vallum.evidence import merkle


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, recursively, as the reference."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split_point(len(leaves))
    return merkle.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


LEAVES = [merkle.leaf_hash(f"record {i}".encode()) for i in range(70)]


def _oracle(a: int, b: int) -> bytes:
    return _mth(LEAVES[a:b])


def _stored(a: int, b: int) -> bytes:
    """What the log does: only complete aligned subtrees, folded."""
    return merkle.fold([_mth(LEAVES[i << lv : (i + 1) << lv]) for lv, i in merkle.subtrees(a, b)])


def test_leaf_and_node_prefixes() -> None:
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert merkle.leaf_hash(b"") != merkle.EMPTY_ROOT  # the second-preimage separation


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 70])
def test_root_matches_the_recursive_definition(n: int) -> None:
    assert merkle.root_of(LEAVES[:n]) == _mth(LEAVES[:n])


def test_stored_subtrees_give_every_range_proofs_ask_for() -> None:
    for n in range(1, 71):
        for m in range(n):
            assert merkle.inclusion_proof(m, n, _stored) == merkle.inclusion_proof(m, n, _oracle)


def test_every_inclusion_proof_verifies_and_a_forged_one_does_not() -> None:
    for n in range(1, 40):
        root = _mth(LEAVES[:n])
        for m in range(n):
            proof = merkle.inclusion_proof(m, n, _oracle)
            assert merkle.verify_inclusion(m, n, LEAVES[m], proof, root)
            assert not merkle.verify_inclusion(m, n, LEAVES[m + 1], proof, root)  # other leaf
            if proof:
                assert not merkle.verify_inclusion(m, n, LEAVES[m], proof[:-1], root)  # short
                bent = [bytes(32), *proof[1:]]
                assert not merkle.verify_inclusion(m, n, LEAVES[m], bent, root)
            assert not merkle.verify_inclusion(m, n, LEAVES[m], [*proof, bytes(32)], root)
            if n > 1:  # the same path claimed for another position
                assert not merkle.verify_inclusion((m + 1) % n, n, LEAVES[m], proof, root)


def test_every_consistency_proof_verifies_and_a_forged_one_does_not() -> None:
    for n in range(1, 40):
        new_root = _mth(LEAVES[:n])
        for m in range(1, n + 1):
            old_root = _mth(LEAVES[:m])
            proof = merkle.consistency_proof(m, n, _stored)
            assert proof == merkle.consistency_proof(m, n, _oracle)
            assert merkle.verify_consistency(m, n, old_root, new_root, proof), (m, n)
            # a rewritten past: the old root of a different first m leaves
            other = _mth([merkle.leaf_hash(b"forged"), *LEAVES[1:m]])
            assert not merkle.verify_consistency(m, n, other, new_root, proof)
            if proof:
                assert not merkle.verify_consistency(m, n, old_root, new_root, proof[:-1])
                assert not merkle.verify_consistency(
                    m, n, old_root, new_root, [bytes(32), *proof[1:]]
                )


def test_consistency_of_a_shrunk_tree_is_refused() -> None:
    with pytest.raises(ValueError):
        merkle.consistency_proof(5, 3, _oracle)
    assert not merkle.verify_consistency(5, 3, _mth(LEAVES[:5]), _mth(LEAVES[:3]), [])
