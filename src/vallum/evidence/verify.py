"""`EvidenceLog.verify`: the chain, the tree, payloads and checkpoints, in one pass over raw rows.

A large log is verified in chunks on several processes (`chunks`): each chunk is a run of
2**k leaves starting at a multiple of 2**k, a complete subtree of the Merkle tree, so the
chunks' results join into exactly the tree one pass would build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from vallum.evidence.chain import GENESIS_HASH
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.chunks import ChunkResult, join, plan, run_chunks
from vallum.evidence.integrity import Head, missing_records
from vallum.evidence.rows import Row, brief, loads, matches
from vallum.evidence.walk import TreeWalk
from vallum.exceptions import ChainBrokenError, EvidenceError
from vallum.storage.tables import evidence, evidence_head

if TYPE_CHECKING:
    from vallum.evidence.log import EvidenceLog, VerifyReport

STREAM_BATCH = 20_000  # rows per query when verifying
_sha256 = hashlib.sha256


def verify_log(
    log: EvidenceLog, expect_head: Head | None, checkpoints: Sequence[Checkpoint]
) -> VerifyReport:
    from vallum.evidence.log import NO_HEAD, VerifyReport

    head = _head(log)
    chunks = plan(head[0] if head else 0)
    results = run_chunks(log, chunks, [cp.size for cp in checkpoints], walk_chunk)
    walk, prev = join(results, checkpoints)  # raises the first problem, as one pass would
    count = walk.size
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


def walk_chunk(
    log: EvidenceLog, lo: int, hi: int | None, level: int, sizes: Sequence[int]
) -> ChunkResult:
    """Verify the rows of leaves lo..hi-1 (seq lo+1..hi; to the end when hi is None)."""
    walk = TreeWalk(start=lo, chunk_level=level, snapshots=[s for s in sizes if s > lo])
    result = ChunkResult(lo=lo, walk=walk)
    try:
        _walk_rows(log, lo, hi, walk, result)
    except ChainBrokenError as exc:
        result.error = (exc.seq, exc.record_id, exc.problem)
    return result


def _walk_rows(
    log: EvidenceLog, lo: int, hi: int | None, walk: TreeWalk, result: ChunkResult
) -> None:
    add = walk.add
    prev: str | None = None
    expected_seq = lo + 1
    for batch in _raw_rows(log, lo, hi):
        for row in batch:
            # (seq, id, created_at, kind, principal, session, stage, action, bundle_version,
            #  record as bytes, prev_hash, hash, payload, tree): plain tuples, for speed
            seq, data = row[0], row[9]
            if seq != expected_seq:
                raise ChainBrokenError(
                    expected_seq, row[1], f"record #{expected_seq} is missing (next is #{seq})"
                )
            if prev is None:
                prev = result.first_prev = row[10]
                if lo == 0 and prev != GENESIS_HASH:
                    raise ChainBrokenError(
                        seq, row[1], "link to the previous record is broken (deleted or reordered)"
                    )
            elif row[10] != prev:
                raise ChainBrokenError(
                    seq, row[1], "link to the previous record is broken (deleted or reordered)"
                )
            try:
                body = loads(data)
            except ValueError:
                raise ChainBrokenError(seq, row[1], "content is not valid JSON") from None
            if type(body) is not dict or body.get("seq") != seq:
                raise ChainBrokenError(seq, row[1], "indexed columns do not match the record")
            # The stored bytes themselves are hashed, never a re-serialisation of `body`:
            # records written by any encoder verify, and any change to the text changes its hash.
            if _sha256(prev.encode() + b"\n" + data).hexdigest() != row[11]:
                raise ChainBrokenError(seq, row[1], "content does not match its hash (edited)")
            if not _columns_match(row, body):
                raise ChainBrokenError(seq, row[1], "indexed columns do not match the record")
            add(seq, row[1], data, body, row[12], row[13], check_tree=True)
            prev, expected_seq = row[11], seq + 1
            result.last_hash = prev
    if hi is not None and expected_seq <= hi:
        raise ChainBrokenError(expected_seq, "-", f"record #{expected_seq} is missing")


def _raw_rows(log: EvidenceLog, lo: int, hi: int | None) -> Iterator[list[Any]]:
    """The rows after seq `lo` up to `hi`, the record column as its stored UTF-8 bytes (what is
    hashed): no decoding into str and encoding back per row."""
    as_bytes = "CAST(record AS BLOB)" if log.db.is_sqlite else "convert_to(record, 'UTF8')"
    return log.raw_batches(
        STREAM_BATCH, after=lo, until=hi, columns={"record": as_bytes}, plain=True
    )


def _columns_match(row: tuple[Any, ...], body: dict[str, Any]) -> bool:
    """The copied columns are what the record says (`rows.indexed`, inlined for speed)."""
    try:
        return (
            row[1] == body["id"]
            and row[2] == body["created_at"]
            and row[3] == body["kind"]
            and row[4] == str(body.get("principal", ""))[:256]
            and row[5] == str(body.get("session", ""))[:256]
            and row[6] == str(body.get("stage", ""))
            and row[7] == str(body.get("action", ""))
            and row[8] == str((body.get("bundle") or {}).get("version", ""))
        ) or matches(Row._make(row), body)  # other types in the record: compare as text
    except (KeyError, AttributeError, TypeError):
        return False


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
