"""`EvidenceLog.verify`: the chain, the tree, payloads and checkpoints, in one pass over raw rows.

A large log is verified in chunks on several processes (`chunks`): each chunk is a run of
2**k leaves starting at a multiple of 2**k, a complete subtree of the Merkle tree, so the
chunks' results join into exactly the tree one pass would build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from vallum.evidence.chain import GENESIS_HASH
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.chunks import ChunkResult, join, plan, run_chunks
from vallum.evidence.integrity import Head, missing_records
from vallum.evidence.payload import KIND_ERASED
from vallum.evidence.reader import NO_HEAD, LogReader, VerifyReport
from vallum.evidence.rows import INDEXED, Indexed, brief, indexed, loads
from vallum.evidence.tree_proofs import check_consistency
from vallum.evidence.walk import TreeWalk
from vallum.exceptions import ChainBrokenError, EvidenceError
from vallum.storage.tables import evidence, evidence_head

STREAM_BATCH = 20_000  # rows per query when verifying
_sha256 = hashlib.sha256
EDITED = "content does not match its hash (edited)"
CONTENT_EDITED = "its content does not match the hash the record commits to (edited)"
BROKEN_LINK = "link to the previous record is broken (deleted or reordered)"
COLUMNS_DIFFER = "indexed columns do not match the record"


def verify_log(
    log: LogReader, expect_head: Head | None, checkpoints: Sequence[Checkpoint]
) -> VerifyReport:
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
    for cp in checkpoints:  # what a remote auditor checks, from the stored tree: it must agree
        check_consistency(log, cp, count, walk.root)
    return VerifyReport(count, prev, walk.root, len(walk.checked))


def walk_chunk(
    log: LogReader, lo: int, hi: int | None, level: int, sizes: Sequence[int]
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
    log: LogReader, lo: int, hi: int | None, walk: TreeWalk, result: ChunkResult
) -> None:
    """The hot loop of verification, one pass over plain tuples with everything common inlined:
    the chain link and hash, the JSON, the copied columns, the leaf and the subtrees it
    completes, the stored tree entry. What is rare (content commitments, erasures, checkpoint
    sizes, a tree entry that is not plain lowercase hex) goes to `walk`'s own checks."""
    sha256, decode, unset = _sha256, INDEXED.decode, msgspec.UNSET
    frontier = walk.frontier
    push, pop, stops, start = frontier.append, frontier.pop, walk.stops, walk.start
    prev: str | None = None
    expected_seq = lo + 1
    try:
        for batch in _raw_rows(log, lo, hi):
            for (
                seq, rid, created, kind, principal, session, stage, action, version, data,
                link, digest, kept, tree,
            ) in batch:  # fmt: skip
                if seq != expected_seq:
                    raise ChainBrokenError(
                        expected_seq, rid, f"record #{expected_seq} is missing (next is #{seq})"
                    )
                if prev is None:
                    prev = result.first_prev = link
                    if type(prev) is not str or (lo == 0 and prev != GENESIS_HASH):
                        raise ChainBrokenError(seq, rid, BROKEN_LINK)
                elif link != prev:
                    raise ChainBrokenError(seq, rid, BROKEN_LINK)
                try:
                    fields: Indexed | None = decode(data)
                except msgspec.MsgspecError:  # not JSON, or fields of other types: see below
                    fields = None
                # The stored bytes themselves are hashed, never a re-serialisation of the
                # record: records written by any encoder verify, and any change to the text
                # changes its hash.
                whole = None
                if fields is None or fields.seq != seq or kind == KIND_ERASED:
                    whole = _whole_record(seq, rid, data, prev, digest, (
                        rid, created, kind, principal, session, stage, action, version
                    ))  # fmt: skip  # the rare and the odd: checks on the dict
                elif sha256(prev.encode() + b"\n" + data).hexdigest() != digest:
                    raise ChainBrokenError(seq, rid, EDITED)
                elif not (
                    rid == fields.id
                    and created == fields.created_at
                    and kind == fields.kind
                    and principal == fields.principal[:256]
                    and session == fields.session[:256]
                    and stage == fields.stage
                    and action == fields.action
                    and version == ("" if fields.bundle is None else fields.bundle.version)
                ):
                    raise ChainBrokenError(seq, rid, COLUMNS_DIFFER)
                h = leaf = sha256(b"\x00" + data).digest()
                completed = b""
                k = seq - 1 - start
                while k & 1:
                    h = sha256(b"\x01" + pop() + h).digest()
                    completed += h
                    k >>= 1
                push(h)
                if tree != (leaf + completed).hex():
                    walk.check_tree(seq, rid, tree, leaf + completed)
                if whole is not None:
                    walk.note_content(seq, rid, whole, kept)
                elif fields is not None and fields.payload is not unset:
                    if type(kept) is not str:  # erased (None), or an odd type: walk's checks
                        walk.note_content(seq, rid, {"payload": fields.payload}, kept)
                    elif sha256(kept.encode()).hexdigest() != fields.payload:
                        raise ChainBrokenError(seq, rid, CONTENT_EDITED)
                if seq in stops:
                    walk.size = seq
                    walk.reached(seq)
                prev, expected_seq = digest, seq + 1
            walk.size = expected_seq - 1
            result.last_hash = prev
    except ChainBrokenError:
        # `join` carries on after a chunk cut short: it needs the last record that passed
        walk.size = expected_seq - 1
        result.last_hash = prev if expected_seq > lo + 1 else None
        raise
    if hi is not None and expected_seq <= hi:
        raise ChainBrokenError(expected_seq, "-", f"record #{expected_seq} is missing")


def _whole_record(
    seq: int, rid: str, data: bytes, prev: str, digest: str, columns: tuple[Any, ...]
) -> dict[str, Any]:
    """Every check of one row on its whole parsed record: for erasure records, and records
    whose indexed fields are of other types or whose JSON only the standard library reads
    (`NaN` in records written before orjson)."""
    try:
        body = loads(data)
    except ValueError:
        raise ChainBrokenError(seq, rid, "content is not valid JSON") from None
    if type(body) is not dict or body.get("seq") != seq:
        raise ChainBrokenError(seq, rid, COLUMNS_DIFFER)
    if _sha256(prev.encode() + b"\n" + data).hexdigest() != digest:
        raise ChainBrokenError(seq, rid, EDITED)
    try:
        expected: tuple[str, ...] | None = indexed(body)
    except (KeyError, AttributeError):  # a record without its required fields
        expected = None
    if tuple(map(str, columns)) != expected:
        raise ChainBrokenError(seq, rid, COLUMNS_DIFFER)
    return body


def _raw_rows(log: LogReader, lo: int, hi: int | None) -> Iterator[list[Any]]:
    """The rows after seq `lo` up to `hi`, the record column as its stored UTF-8 bytes (what is
    hashed): no decoding into str and encoding back per row."""
    as_bytes = "CAST(record AS BLOB)" if log.db.is_sqlite else "convert_to(record, 'UTF8')"
    return log.raw_batches(
        STREAM_BATCH, after=lo, until=hi, columns={"record": as_bytes}, plain=True
    )


def _check_held(log: LogReader, count: int, expect: Head | None) -> None:
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


def _head(log: LogReader) -> tuple[int, str, str | None] | None:
    try:
        with log.db.engine.connect() as conn:
            row = conn.execute(
                select(evidence_head.c.seq, evidence_head.c.hash, evidence_head.c.frontier)
            ).first()
    except SQLAlchemyError as exc:
        raise EvidenceError(f"cannot read evidence head: {brief(exc)}") from exc
    return None if row is None else (int(row.seq), str(row.hash), row.frontier)
