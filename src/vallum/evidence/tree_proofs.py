"""Consistency proofs read from the tree stored beside the records (`tree_store`): O(log n)
rows in one query. Below the log (they take a `LogReader`), so verification can use them."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from vallum.evidence import merkle
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.reader import LogReader, fetch_all
from vallum.evidence.tree_store import prove
from vallum.exceptions import ChainBrokenError
from vallum.storage.tables import evidence


def fetch_trees(log: LogReader, seqs: Sequence[int]) -> dict[int, str | None]:
    """The `tree` column of these rows (one query)."""
    if not seqs:
        return {}
    marks = ", ".join([log.mark] * len(seqs))
    sql = f"SELECT seq, tree FROM {evidence.name} WHERE seq IN ({marks})"  # noqa: S608
    return {int(s): t for s, t in fetch_all(log.db, sql, tuple(seqs))}


def consistency(log: LogReader, old: int, new: int) -> list[bytes]:
    """The proof that the tree of `new` leaves extends the one of `old`."""
    return prove(partial(merkle.consistency_proof, old, new), partial(fetch_trees, log))


def check_consistency(log: LogReader, cp: Checkpoint, size: int, root: bytes) -> None:
    """The stored tree proves the log of `size` leaves and `root` extends `cp`; else
    ChainBrokenError naming it."""
    if cp.size > size:
        raise ChainBrokenError(
            size, "-", f"the log holds {size} records but a checkpoint signed {cp.size}: "
            "records were removed after it",
        )  # fmt: skip
    proof = consistency(log, cp.size, size)
    if not merkle.verify_consistency(cp.size, size, cp.root, root, proof):
        raise ChainBrokenError(
            cp.size, "-", f"no consistency proof from the checkpoint of size {cp.size}: "
            "the log was rewritten after it",
        )  # fmt: skip
