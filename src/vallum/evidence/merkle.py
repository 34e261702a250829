"""RFC 9162 Merkle trees: leaf and node hashing, roots, inclusion and consistency proofs.

Pure functions over bytes, no storage: the log keeps the hashes of complete subtrees
(`tree_store`) and hands a `SubtreeHash` lookup to the proof builders here, so a proof costs
O(log n) lookups and never a pass over the leaves. Verification follows RFC 9162 sections
2.1.3.2 and 2.1.4.2 step by step.

    >>> leaves = [leaf_hash(bytes([i])) for i in range(5)]
    >>> root = root_of(leaves)
    >>> proof = inclusion_proof(3, 5, lambda a, b: root_of(leaves[a:b]))
    >>> verify_inclusion(3, 5, leaves[3], proof, root)
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

SubtreeHash = Callable[[int, int], bytes]
"""The Merkle tree hash of leaves [start, end)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The root of a tree over these leaf hashes (RFC 9162 MTH), by folding a frontier."""
    frontier: list[bytes] = []
    for index, leaf in enumerate(leaves):
        push(frontier, index, leaf)
    return fold(frontier)


def push(frontier: list[bytes], index: int, leaf: bytes) -> list[bytes]:
    """Add leaf `index` to `frontier` (the roots of the complete subtrees covering leaves
    [0, index), largest first); return the subtree roots this leaf completed, lowest level
    first (level 1 upwards)."""
    completed: list[bytes] = []
    h, k = leaf, index
    while k & 1:
        h = node_hash(frontier.pop(), h)
        completed.append(h)
        k >>= 1
    frontier.append(h)
    return completed


def fold(frontier: Sequence[bytes]) -> bytes:
    """The root of the tree whose complete subtrees are `frontier` (largest first)."""
    if not frontier:
        return EMPTY_ROOT
    h = frontier[-1]
    for left in reversed(frontier[:-1]):
        h = node_hash(left, h)
    return h


def inclusion_proof(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start += k
    proof.reverse()
    return proof


def consistency_proof(old: int, new: int, subtree: SubtreeHash) -> list[bytes]:
    """The proof that the tree of `new` leaves extends the tree of `old` (RFC 9162 2.1.4.1)."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from {old} to {new} leaves")
    if old in (0, new):
        return []
    proof: list[bytes] = []
    start, end, m, whole = 0, new, old, True
    while m != end:
        k = split_point(end - start)
        if m - start <= k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start += k
            whole = False
    if not whole:
        proof.append(subtree(start, end))
    proof.reverse()
    return proof


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size:
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


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2."""
    if old > new:
        return False
    if old == 0:
        return not proof
    if old == new:
        return not proof and old_root == new_root
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the first node of the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old - 1, new - 1
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


def subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) as complete aligned subtrees, largest first: (level, index) of each.

    The hash of [start, end) is then `fold` of their hashes (for the ranges proofs ask for,
    whose start is aligned to the size of the range's largest subtree)."""
    out: list[tuple[int, int]] = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start % (1 << level):
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out
