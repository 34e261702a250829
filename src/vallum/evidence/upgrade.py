"""A database from before the Merkle tree gets its tree, once, when a log first opens it.

Its records keep their stored text (with content inline: they were written before content
commitments, so they cannot be erased without breaking the chain); each becomes a leaf exactly
like a new record, and the head row gains the frontier. Runs under the head lock, so two
processes opening the same old database build it once.
"""

from __future__ import annotations

import logging
from typing import Any

from vallum.evidence import merkle
from vallum.evidence.reader import LogReader
from vallum.evidence.tree_store import frontier_text, tree_text
from vallum.storage.tables import evidence, evidence_head

log = logging.getLogger("vallum.evidence")
_BATCH = 5000


def build_tree(evidence_log: LogReader, cursor: Any) -> int:
    """Fill in `tree` for every record and the head's `frontier`; return the records done."""
    mark, lock = evidence_log.mark, evidence_log.lock
    cursor.execute(f"SELECT seq, frontier FROM {evidence_head.name} WHERE id = 1{lock}")  # noqa: S608
    head = cursor.fetchone()
    if head is None or head[1] is not None:
        return 0  # emptied (verify says so), or another process built it meanwhile
    frontier: list[bytes] = []
    size, after = 0, 0
    select_sql = (
        f"SELECT seq, record FROM {evidence.name} WHERE seq > {mark} "  # noqa: S608
        f"ORDER BY seq LIMIT {_BATCH}"
    )
    update_sql = f"UPDATE {evidence.name} SET tree = {mark} WHERE seq = {mark}"  # noqa: S608
    while True:
        cursor.execute(select_sql, (after,))
        rows = cursor.fetchall()
        if not rows:
            break
        updates = []
        for seq, text in rows:
            leaf = merkle.leaf_hash(str(text).encode())
            updates.append((tree_text(leaf, merkle.push(frontier, size, leaf)), int(seq)))
            size += 1
        cursor.executemany(update_sql, updates)
        after = int(rows[-1][0])
    cursor.execute(
        f"UPDATE {evidence_head.name} SET frontier = {mark} WHERE id = 1",  # noqa: S608
        (frontier_text(frontier),),
    )
    if size:
        log.info("built the Merkle tree over %d existing evidence records", size)
    return size
