"""`EvidenceLog.verify`: the chain, the tree, payloads and checkpoints, in one pass over raw rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from vallum.evidence.chain import GENESIS_HASH, link_hash
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.integrity import Head, missing_records
from vallum.evidence.rows import brief, loads, matches
from vallum.evidence.walk import TreeWalk
from vallum.exceptions import ChainBrokenError, EvidenceError
from vallum.storage.tables import evidence, evidence_head

if TYPE_CHECKING:
    from vallum.evidence.log import EvidenceLog, VerifyReport

STREAM_BATCH = 20_000  # rows per query when verifying


def verify_log(
    log: EvidenceLog, expect_head: Head | None, checkpoints: Sequence[Checkpoint]
) -> VerifyReport:
    from vallum.evidence.log import NO_HEAD, VerifyReport

    walk = TreeWalk(checkpoints)
    prev = GENESIS_HASH
    expected_seq = 1
    for batch in log.raw_batches(STREAM_BATCH):
        for row in batch:
            seq, rid = int(row.seq), str(row.id)
            if seq != expected_seq:
                raise ChainBrokenError(
                    expected_seq, rid, f"record #{expected_seq} is missing (next is #{seq})"
                )
            if row.prev_hash != prev:
                raise ChainBrokenError(
                    seq, rid, "link to the previous record is broken (deleted or reordered)"
                )
            try:
                body = loads(row.record)
            except ValueError:
                raise ChainBrokenError(seq, rid, "content is not valid JSON") from None
            if not isinstance(body, dict) or body.get("seq") != seq:
                raise ChainBrokenError(seq, rid, "indexed columns do not match the record")
            # The stored text itself is hashed, never a re-serialisation of `body`: records
            # written by any encoder verify, and any change to the text changes its hash.
            data = row.record.encode()
            if link_hash(prev, data) != row.hash:
                raise ChainBrokenError(seq, rid, "content does not match its hash (edited)")
            if not matches(row, body):
                raise ChainBrokenError(seq, rid, "indexed columns do not match the record")
            walk.add(seq, rid, data, body, row.payload, row.tree, check_tree=True)
            prev, expected_seq = str(row.hash), seq + 1
    count = walk.size
    head = _head(log)
    if head is None:
        raise ChainBrokenError(count, "-", NO_HEAD)
    if head[0] != count or head[1] != prev:
        raise ChainBrokenError(
            count,
            "-",
            f"log ends at #{count} but its head says #{head[0]}: records were removed from the end",
        )
    walk.finish()
    if head[2] != walk.frontier_hex:
        raise ChainBrokenError(
            count, "-", "the head's Merkle tree frontier does not match the records (edited)"
        )
    _check_held(log, count, expect_head)
    from vallum.evidence.proofs import check_consistency

    for cp in checkpoints:  # what a remote auditor checks, from the stored tree: it must agree
        check_consistency(log, cp, count, walk.root)
    return VerifyReport(count, prev, walk.root, len(walk.checked))


def _check_held(log: EvidenceLog, count: int, expect: Head | None) -> None:
    try:
        with log.db.engine.connect() as conn:
            removed = missing_records(conn)
            found = None
            if expect is not None and 0 < expect.seq <= count:
                query = select(evidence.c.hash).where(evidence.c.seq == expect.seq)
                found = conn.execute(query).scalar_one()
    except SQLAlchemyError as exc:
        raise EvidenceError(f"cannot read evidence: {brief(exc)}") from exc
    if removed is not None:
        raise ChainBrokenError(count, "-", removed)
    if expect is None:
        return
    if expect.seq > count:
        raise ChainBrokenError(
            count, "-", f"log ends at #{count} but held #{expect.seq}: records were removed"
        )
    if (found or GENESIS_HASH) != expect.hash:
        raise ChainBrokenError(
            expect.seq,
            "-",
            f"record #{expect.seq} is not the one recorded: the log was rewritten",
        )


def _head(log: EvidenceLog) -> tuple[int, str, str | None] | None:
    try:
        with log.db.engine.connect() as conn:
            row = conn.execute(
                select(evidence_head.c.seq, evidence_head.c.hash, evidence_head.c.frontier)
            ).first()
    except SQLAlchemyError as exc:
        raise EvidenceError(f"cannot read evidence head: {brief(exc)}") from exc
    return None if row is None else (int(row.seq), str(row.hash), row.frontier)
