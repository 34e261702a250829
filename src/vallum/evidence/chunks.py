"""Verification of a large log in chunks, on several processes, joined into one answer.

A chunk is the leaves [lo, lo + 2**k) with lo a multiple of 2**k: a complete subtree of the
Merkle tree, whose root becomes one leaf of the tree of chunks above it. Each chunk checks its
own rows (chain links inside it, hashes, columns, payloads, its subtree and the tree entries in
it) on its own process and connection; `join` checks the links between chunks, builds the top
of the tree from the chunk roots (checking the entries of each chunk's last leaf that reach
above it), the roots at checkpoint sizes, and erasures across chunks, and reports the first
problem in log order, as one pass would. Small logs are one chunk, walked in process.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from vallum.evidence import merkle
from vallum.evidence.chain import GENESIS_HASH
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.reader import LogReader, RawReader
from vallum.evidence.walk import TreeWalk
from vallum.exceptions import ChainBrokenError
from vallum.storage.database import Database

PARALLEL_FROM = 200_000  # records; below this one process is faster than starting others
MAX_WORKERS = 4
WORKERS: int | None = None  # None: one per CPU (up to MAX_WORKERS)
USE_PROCESSES = True  # False: chunks walked one after the other in this process (tests)
Chunk = tuple[int, int | None, int]  # lo, hi (None: to the end), level (2**level leaves)
WalkChunk = Callable[[LogReader, int, int | None, int, Sequence[int]], "ChunkResult"]


@dataclass
class ChunkResult:
    lo: int
    walk: TreeWalk
    first_prev: str | None = None
    last_hash: str | None = None
    error: tuple[int, str, str] | None = None
    extra: list[bytes] = field(default_factory=list)


def plan(size: int, workers: int | None = None, parallel_from: int | None = None) -> list[Chunk]:
    """Chunks for a log of `size` records: one below `PARALLEL_FROM` or on one CPU."""
    workers = workers or WORKERS or min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or size < (parallel_from or PARALLEL_FROM):
        return [(0, None, 0)]
    level = max(1, (math.ceil(size / workers) - 1).bit_length())
    step = 1 << level
    chunks: list[Chunk] = []
    lo = 0
    while lo + step < size:
        chunks.append((lo, lo + step, level))
        lo += step
    chunks.append((lo, None, level))
    return chunks


def run_chunks(
    log: LogReader, chunks: list[Chunk], sizes: Sequence[int], walk: WalkChunk
) -> list[ChunkResult]:
    if len(chunks) == 1 or not USE_PROCESSES:
        return [walk(log, *chunk, sizes) for chunk in chunks]
    url = log.db.url.render_as_string(hide_password=False)
    # spawn, not fork: a fresh interpreter per worker, safe whatever threads this process runs
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(chunks), mp_context=context) as pool:
        futures = [pool.submit(_in_worker, url, chunk, list(sizes), walk) for chunk in chunks]
        return [f.result() for f in futures]


def _in_worker(url: str, chunk: Chunk, sizes: list[int], walk: WalkChunk) -> ChunkResult:
    db = Database(url, create=False)
    try:
        return walk(RawReader(db), *chunk, sizes)
    finally:
        db.dispose()


def join(results: list[ChunkResult], checkpoints: Sequence[Checkpoint]) -> tuple[TreeWalk, str]:
    """The whole log's walk and last hash; ChainBrokenError for the first problem in order."""
    top: list[bytes] = []  # the frontier of the complete chunks
    due = sorted(checkpoints, key=lambda cp: cp.size)
    checked: list[Checkpoint] = []
    for cp in [cp for cp in due if cp.size == 0]:
        if not _root_is(cp, []):
            raise ChainBrokenError(0, "-", "the checkpoint of size 0 is not of an empty log")
        checked.append(cp)
    due = [cp for cp in due if cp.size > 0]
    erased: dict[int, tuple[str, str]] = {}
    erasures: dict[int, str] = {}
    size, prev, frontier = 0, GENESIS_HASH, top
    for i, result in enumerate(sorted(results, key=lambda r: r.lo)):
        walk = result.walk
        if result.first_prev is None:  # no row of this chunk passed its first checks
            if result.error is not None and result.lo == size:
                raise ChainBrokenError(*result.error)
            if result.error is not None:  # rows after a gap: the gap is the first problem
                raise ChainBrokenError(size + 1, "-", f"record #{size + 1} is missing")
            break  # nothing from here on: the log ends here (the head check says if it should)
        if result.lo != size:
            raise ChainBrokenError(
                size + 1, "-", f"record #{size + 1} is missing (next is #{result.lo + 1})"
            )
        if i and result.first_prev != prev:
            raise ChainBrokenError(
                result.lo + 1, "-", "link to the previous record is broken (deleted or reordered)"
            )
        if result.error is not None and not _is_short(result):
            raise ChainBrokenError(*result.error)
        for cp in [cp for cp in due if cp.size <= walk.size]:
            if not _root_is(cp, top + walk.snapshots[cp.size]):
                raise ChainBrokenError(
                    cp.size, "-", f"the first {cp.size} records are not those the checkpoint of "
                    f"size {cp.size} signed: the log was rewritten after that checkpoint",
                )  # fmt: skip
            checked.append(cp)
            due.remove(cp)
        erased.update(walk.erased)
        erasures.update(walk.erasures)
        size, prev = walk.size, result.last_hash or prev
        level = walk.chunk_level
        if level and walk.size - walk.start == 1 << level and len(walk.frontier) == 1:
            above = merkle.push(top, walk.start >> level, walk.frontier[0])
            if walk.extra != b"".join(above):
                raise ChainBrokenError(
                    walk.size, "-", "its Merkle tree entry does not match the record "
                    "(the tree was edited)",
                )  # fmt: skip
            frontier = top
        else:
            frontier = top + walk.frontier
    return TreeWalk.joined(size, frontier, erased, erasures, checked, due), prev


def _is_short(result: ChunkResult) -> bool:
    """The chunk's rows ended before its end (the last rows of the log cut, or a gap)."""
    return result.error is not None and result.error[1] == "-" and "missing" in result.error[2]


def _root_is(cp: Checkpoint, frontier: list[bytes]) -> bool:
    return merkle.fold(frontier) == cp.root
