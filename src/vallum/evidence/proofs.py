"""Checkpoints, inclusion and consistency proofs from the stored tree, and erasure.

Every proof reads O(log n) rows (`tree_store`) in one query; `checkpoint` reads only the head.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from vallum.evidence import merkle, payload
from vallum.evidence.checkpoint import Checkpoint, sign
from vallum.evidence.keys import SigningKey
from vallum.evidence.log import EvidenceLog, StoredRecord
from vallum.evidence.reader import fetch_all
from vallum.evidence.record import RECORD_SCHEMA_VERSION, utc_now
from vallum.evidence.tree_proofs import check_consistency, consistency, fetch_trees
from vallum.evidence.tree_store import prove
from vallum.exceptions import EvidenceError
from vallum.storage.tables import evidence

__all__ = [
    "Inclusion",
    "check_consistency",
    "checkpoint",
    "consistency",
    "erase",
    "fetch_trees",
    "inclusion",
]


@dataclass(frozen=True, slots=True)
class Inclusion:
    """Record `seq` (leaf `seq - 1`) is in the tree of `size` leaves: `proof` from its leaf hash
    (RFC 9162 leaf hash of `record`, its stored bytes) to the root."""

    seq: int
    id: str
    size: int
    record: str
    proof: list[bytes]

    @property
    def leaf(self) -> bytes:
        return merkle.leaf_hash(self.record.encode())

    def verify(self, root: bytes) -> bool:
        return merkle.verify_inclusion(self.seq - 1, self.size, self.leaf, self.proof, root)


def checkpoint(log: EvidenceLog, key: SigningKey) -> Checkpoint:
    """A checkpoint of the log as it is now, signed by `key` (its name is the origin)."""
    size, root = log.tree_head()
    return sign(key.name, size, root, key)


def inclusion(log: EvidenceLog, record_id: str, size: int | None = None) -> Inclusion:
    """The inclusion proof of a record (id or unique 8+ character prefix) in the tree of `size`
    leaves (default: the tree now)."""
    stored = log.get(record_id)
    if stored is None:
        raise EvidenceError(f"no evidence record {record_id!r}")
    size = log.tree_head()[0] if size is None else size
    if not 0 < stored.seq <= size:
        raise EvidenceError(f"record #{stored.seq} is not in a tree of {size} records")
    text = _record_text(log, stored.seq)
    proof = prove(partial(merkle.inclusion_proof, stored.seq - 1, size), partial(fetch_trees, log))
    return Inclusion(stored.seq, stored.id, size, text, proof)


def _record_text(log: EvidenceLog, seq: int) -> str:
    sql = f"SELECT record FROM {evidence.name} WHERE seq = {log.mark}"  # noqa: S608
    rows = fetch_all(log.db, sql, (seq,))
    if not rows:
        raise EvidenceError(f"record #{seq} is missing")
    return str(rows[0][0])


def erase(log: EvidenceLog, record_id: str, *, reason: str, by: str) -> StoredRecord:
    """Delete a record's erasable content (kept text, tool arguments) and append an
    `evidence.erased` record naming it, in one transaction. The chain, the tree, every
    checkpoint and proof stay valid: the record commits to the content by hash only."""
    if not reason.strip():
        raise EvidenceError("an erasure needs a reason")
    target = log.get(record_id)
    if target is None:
        raise EvidenceError(f"no evidence record {record_id!r}")
    body = target.record
    if "payload" not in body:
        raise EvidenceError(
            f"record #{target.seq} holds no erasable content (none was kept, or it was written "
            "before content commitments and erasing it would break the chain)"
        )
    if body.get("erased"):
        raise EvidenceError(f"record #{target.seq} was already erased")
    note = {
        "schema": RECORD_SCHEMA_VERSION,
        "kind": payload.KIND_ERASED,
        "id": str(uuid.uuid4()),
        "created_at": utc_now(),
        "principal": by,
        "erased": {"id": target.id, "seq": target.seq, "payload": body["payload"]},
        "reason": reason,
    }

    def work(cursor: Any) -> StoredRecord:
        stored = log.write(cursor, [note])[0]  # takes the head lock first
        cursor.execute(
            f"UPDATE {evidence.name} SET payload = NULL WHERE seq = {log.mark}",  # noqa: S608
            (target.seq,),
        )
        return stored

    return log.transaction(work)
