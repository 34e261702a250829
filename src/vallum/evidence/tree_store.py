"""The Merkle tree kept beside the records, so tree heads and proofs cost O(log n).

Leaf i (record seq i+1) is RFC 9162's leaf hash of the record's stored canonical bytes. When it
is appended it completes the subtrees of levels 1..t (t = the trailing one-bits of i); its row's
`tree` column holds, in hex, its leaf hash then those subtree roots, lowest level first. So the
root of the complete subtree (level L, index j) is in the row of leaf (j+1)*2^L - 1, at position
L. The head row's `frontier` holds the roots of the complete subtrees covering the whole log,
largest first: the current root is their fold. Nothing here is trusted by verification (which
recomputes everything from the records): a wrong stored hash only yields a proof that fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from vallum.evidence import merkle
from vallum.exceptions import EvidenceError

HASH_HEX = 64


def tree_text(leaf: bytes, completed: Iterable[bytes]) -> str:
    return leaf.hex() + "".join(h.hex() for h in completed)


def frontier_text(frontier: Iterable[bytes]) -> str:
    return "".join(h.hex() for h in frontier)


def parse_frontier(text: str, size: int) -> list[bytes]:
    """The frontier stored in the head row; EvidenceError when it cannot be that of `size`."""
    try:
        hashes = [bytes.fromhex(text[i : i + HASH_HEX]) for i in range(0, len(text), HASH_HEX)]
    except ValueError:
        hashes = []
    if len(text) % HASH_HEX or len(hashes) != size.bit_count():
        raise EvidenceError(
            f"the evidence head's tree frontier does not fit {size} records: the head was edited"
        )
    return hashes


def leaf_of(index: int, level: int) -> tuple[int, int]:
    """(seq of the row holding node (level, index), position in its `tree` column)."""
    return ((index + 1) << level), level


def nodes_needed(ranges: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for start, end in ranges:
        out.update(merkle.subtrees(start, end))
    return out


def make_lookup(
    fetch: Callable[[list[int]], dict[int, str | None]], ranges: list[tuple[int, int]]
) -> merkle.SubtreeHash:
    """A `SubtreeHash` answering for `ranges` from rows fetched once (`fetch(seqs)` returns each
    row's `tree` column)."""
    needed = nodes_needed(ranges)
    rows = fetch(sorted({leaf_of(i, lv)[0] for lv, i in needed}))
    found: dict[tuple[int, int], bytes] = {}
    for level, index in needed:
        seq, pos = leaf_of(index, level)
        text = rows.get(seq)
        part = (text or "")[pos * HASH_HEX : (pos + 1) * HASH_HEX]
        if len(part) != HASH_HEX:
            raise EvidenceError(
                f"the Merkle tree entry of record #{seq} is missing: run `vallum audit verify`"
            )
        found[level, index] = bytes.fromhex(part)

    def lookup(start: int, end: int) -> bytes:
        return merkle.fold([found[node] for node in merkle.subtrees(start, end)])

    return lookup


def ranges_of(build: Callable[[merkle.SubtreeHash], Any]) -> list[tuple[int, int]]:
    """The subtree ranges a proof builder asks for (it is run once with a recording lookup)."""
    asked: list[tuple[int, int]] = []

    def record(start: int, end: int) -> bytes:
        asked.append((start, end))
        return b""

    build(record)
    return asked


def prove(
    build: Callable[[merkle.SubtreeHash], list[bytes]],
    fetch: Callable[[list[int]], dict[int, str | None]],
) -> list[bytes]:
    """Run a proof builder (`merkle.inclusion_proof` / `consistency_proof` with its sizes bound)
    against the stored subtree roots: O(log n) rows read in one query."""
    return build(make_lookup(fetch, ranges_of(build)))
