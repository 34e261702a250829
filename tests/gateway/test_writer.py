"""The evidence writer: group commit on one thread, failures reach every waiter."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

from vallum.evidence.log import EvidenceLog, StoredRecord
from vallum.evidence.record import utc_now
from vallum.exceptions import EvidenceError
from vallum.gateway.writer import EvidenceWriter
from vallum.storage.database import Database

pytestmark = pytest.mark.asyncio


class CountingLog(EvidenceLog):
    """An evidence log that counts transactions and can be made slow or failing."""

    def __init__(self, db: Database):
        super().__init__(db)
        self.batches: list[int] = []
        self.threads: set[str] = set()
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()  # set once a commit has started (before the gate)
        self.fail = False
        self.connections: set[int] = set()

    def append_many(
        self, records: Sequence[dict[str, Any]], *, connection: Any | None = None
    ) -> list[StoredRecord]:
        self.entered.set()
        self.gate.wait()
        self.threads.add(threading.current_thread().name)
        self.batches.append(len(records))
        if self.fail:
            raise EvidenceError("disk full")
        self.connections.add(id(connection))
        return super().append_many(records, connection=connection)


async def until(condition: Callable[[], bool]) -> None:
    """Let the loop and the writer thread run until `condition` holds, however loaded the
    machine (no fixed sleep to race against)."""
    while not condition():
        await asyncio.sleep(0.001)


def record(n: int) -> dict[str, Any]:
    return {"id": f"r{n}", "kind": "test", "created_at": utc_now()}


async def test_concurrent_requests_share_transactions_in_order() -> None:
    """Requests that arrive while a commit runs are committed together, each request's records
    contiguous, on the one writer thread."""
    log = CountingLog(Database("sqlite://"))
    writer = EvidenceWriter(log)
    log.gate.clear()  # hold the first commit so the rest queue up behind it
    first = asyncio.create_task(writer.write([record(0)]))
    await until(log.entered.is_set)  # the writer thread holds the first commit
    rest = [
        asyncio.create_task(writer.write([record(2 * i + 1), record(2 * i + 2)])) for i in range(20)
    ]
    await until(lambda: writer._queue.qsize() == 20)  # every other request waits behind it
    log.gate.set()
    await asyncio.gather(first, *rest)
    writer.close()
    assert [1, 40] == log.batches
    assert {"vallum-evidence-writer"} == log.threads
    assert [f"r{n}" for n in range(41)] == [r.id for r in log.iter_records()]
    assert 41 == log.verify().records


async def test_a_failed_commit_fails_every_request_in_the_batch() -> None:
    """No evidence, no answer: each waiter of a failed batch gets the error."""
    log = CountingLog(Database("sqlite://"))
    log.fail = True
    writer = EvidenceWriter(log)
    results = await asyncio.gather(
        *(writer.write([record(i)]) for i in range(5)), return_exceptions=True
    )
    writer.close()
    assert all(isinstance(r, EvidenceError) for r in results)
    assert [] == list(log.iter_records())


async def test_a_cancelled_request_still_waits_for_its_records() -> None:
    """A request cancelled (client gone) still waits until its records are committed."""
    log = CountingLog(Database("sqlite://"))
    writer = EvidenceWriter(log)
    log.gate.clear()

    async def request() -> None:
        with anyio.CancelScope() as scope:
            scope.cancel()
            await writer.write([record(1)])

    task = asyncio.create_task(request())
    await asyncio.sleep(0.05)
    assert not task.done()
    log.gate.set()
    await task
    await writer.idle()
    writer.close()
    assert ["r1"] == [r.id for r in log.iter_records()]


async def test_close_writes_what_was_handed_over_then_stops() -> None:
    """`idle` waits for outstanding writes; `close` stops the thread; a later write restarts it."""
    log = CountingLog(Database("sqlite://"))
    writer = EvidenceWriter(log)
    await asyncio.gather(*(writer.write([record(i)]) for i in range(3)))
    await writer.idle()
    writer.close()
    await writer.write([record(3)])
    writer.close()
    assert 4 == len(list(log.iter_records()))


def wal_frames(db: Database) -> tuple[int, int]:
    """(frames in the WAL, frames of it already copied into the database file)."""
    conn = db.dedicated_connection()
    try:
        cursor = conn.cursor()
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        _, frames, done = cursor.fetchone()
        return int(frames), int(done)
    finally:
        conn.close()


def pragma(conn: Any, name: str) -> int:
    cursor = conn.cursor()
    try:
        cursor.execute(f"PRAGMA {name}")
        return int(cursor.fetchone()[0])
    finally:
        cursor.close()


async def test_a_lone_request_commits_on_the_event_loop(tmp_path: Path) -> None:
    """On SQLite on disk, a request with nothing else in flight is committed before `write`
    returns, on the caller's thread and connection (no hand-over); that connection never waits
    for SQLite's lock nor checkpoints; the checkpointer copies the WAL on close."""
    db = Database(f"sqlite:///{tmp_path / 'e.db'}")
    log = CountingLog(db)
    writer = EvidenceWriter(log)
    for i in range(5):
        await writer.write([record(i)])
        assert [f"r{n}" for n in range(i + 1)] == [r.id for r in log.iter_records()]
    assert writer._thread is None
    assert {threading.current_thread().name} == log.threads and 1 == len(log.connections)
    assert (0, 0) == (pragma(writer._inline, "wal_autocheckpoint"), pragma(writer._inline, "busy_timeout"))  # fmt: skip
    writer.close()
    frames, done = wal_frames(db)
    assert frames == done
    assert 5 == log.verify().records


async def test_a_locked_database_sends_requests_to_the_thread(tmp_path: Path) -> None:
    """While another connection holds SQLite's write lock, the event loop is never blocked: the
    lone request goes to the writer thread (which waits for the lock), requests arriving
    meanwhile queue behind it, and all commit, in order, once the lock is released."""
    db = Database(f"sqlite:///{tmp_path / 'e.db'}")
    log = CountingLog(db)
    writer = EvidenceWriter(log)
    await writer.write([record(0)])  # inline
    holder = db.dedicated_connection()
    holder.cursor().execute("BEGIN IMMEDIATE")
    first = asyncio.create_task(writer.write([record(1)]))
    await asyncio.sleep(0.05)  # the loop runs while the lock is held
    rest = [asyncio.create_task(writer.write([record(n)])) for n in (2, 3)]
    await asyncio.sleep(0.05)
    assert not first.done() and not any(t.done() for t in rest)
    holder.rollback()
    holder.close()
    await asyncio.gather(first, *rest)
    assert "vallum-evidence-writer" in log.threads
    writer.close()
    assert ["r0", "r1", "r2", "r3"] == [r.id for r in log.iter_records()]
    assert 4 == log.verify().records


async def test_a_failed_inline_commit_fails_the_request(tmp_path: Path) -> None:
    """No evidence, no answer on the inline path too: the error reaches the request."""
    log = CountingLog(Database(f"sqlite:///{tmp_path / 'e.db'}"))
    log.fail = True
    writer = EvidenceWriter(log)
    with pytest.raises(EvidenceError):
        await writer.write([record(0)])
    writer.close()
    assert [] == list(log.iter_records())


async def test_a_dedicated_connection_does_not_change_the_pools_connections(tmp_path: Path) -> None:
    """Turning automatic checkpoints off on a dedicated connection leaves pooled ones as they
    were: other writers of the database still checkpoint as SQLite does by default."""
    db = Database(f"sqlite:///{tmp_path / 'e.db'}")
    dedicated = db.dedicated_connection(autocheckpoint=False)
    dedicated.close()
    for _ in range(3):
        with db.engine.connect() as conn:
            assert 1000 == conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()


async def test_event_loops_in_several_threads_share_one_writer(tmp_path: Path) -> None:
    """Loops in other threads writing at once (each may commit inline) lose nothing and keep
    the chain linear."""
    db = Database(f"sqlite:///{tmp_path / 'e.db'}")
    log = EvidenceLog(db)
    writer = EvidenceWriter(log)

    def loop_thread(base: int) -> None:
        async def main() -> None:
            for i in range(50):
                await writer.write([record(base + i)])

        asyncio.run(main())

    threads = [threading.Thread(target=loop_thread, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert 200 == log.verify().records
    assert {f"r{k * 1000 + i}" for k in range(4) for i in range(50)} == {
        r.id for r in log.iter_records()
    }
