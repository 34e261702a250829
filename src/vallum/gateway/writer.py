"""Group commit for evidence: concurrent requests share one transaction, on one writer thread.

Each request hands over its records and waits. A dedicated thread takes everything waiting
(up to `MAX_BATCH_RECORDS`), appends it with one `append_many` (one transaction), and wakes the
batch's waiters with a single call into the event loop. 64 concurrent requests cost a handful
of commits rather than 64, the chain stays linear, and no request pays a thread-pool round trip
of its own. A failed batch fails every request in it: no evidence, no answer.

No coalescing delay is added: while one batch commits, the next one accumulates, which is
exactly when there is something to coalesce. A lone request is committed at once.

On SQLite on disk the thread keeps one connection of its own (no pool checkout per batch) whose
commits never checkpoint the WAL: a `WalCheckpointer` does that on another thread, so no
request waits for a checkpoint. Durability is the same: a commit is in the WAL before its
waiters are woken.

A lone request on SQLite on disk (nothing handed over and not yet committed) is committed right
away on the event loop instead: in WAL mode a commit is a few page writes and no sync, cheaper
than the two thread switches of a hand-over. That connection never waits for SQLite's lock
(busy timeout 0): when another connection holds it, the records go to the thread, which waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from typing import Any

import anyio

from vallum.evidence.log import EvidenceLog
from vallum.exceptions import EvidenceError
from vallum.storage.checkpoint import WalCheckpointer

MAX_BATCH_RECORDS = 2000

_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]
_Item = tuple[list[dict[str, Any]], _Waiter] | None  # None: stop


class EvidenceWriter:
    def __init__(self, log: EvidenceLog):
        self._log = log
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._outstanding = 0  # handed over, not yet answered (event-loop side)
        self._idle = asyncio.Event()
        self._idle.set()
        db = log.db
        self._dedicated = db.is_sqlite_file
        self._checkpointer = WalCheckpointer(db) if self._dedicated else None
        self._conn: Any = None  # the writer thread's own connection (SQLite on disk)
        self._inline: Any = None  # the event loop's, for lone requests (never waits for a lock)
        self._inline_lock = threading.Lock()

    async def write(self, records: list[dict[str, Any]]) -> None:
        """Append `records` (in order, together); return once they are committed."""
        if self._dedicated and not self._outstanding and self._inline_lock.acquire(blocking=False):
            try:  # the lock: another event loop's thread may be committing inline right now
                if self._commit_inline(records):
                    return
            finally:
                self._inline_lock.release()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._ensure_thread()
        self._outstanding += 1
        self._idle.clear()
        self._queue.put((records, (loop, future)))
        with anyio.CancelScope(shield=True):  # a cancelled request still waits for its record
            await future

    def _commit_inline(self, records: list[dict[str, Any]]) -> bool:
        """Commit on the caller's thread; False (nothing written) if SQLite's lock is taken.
        Any other failure raises `EvidenceError`, as a failed batch would."""
        try:
            if self._inline is None:
                self._inline = self._log.db.dedicated_connection(
                    autocheckpoint=False, busy_timeout_s=0.0
                )
            self._log.append_many(records, connection=self._inline)
        except EvidenceError as exc:
            if _is_busy(exc.__cause__):
                return False  # rolled back: the thread will wait for the lock
            self._drop_inline()
            raise
        except Exception:
            self._drop_inline()
            raise
        if self._checkpointer is not None:
            self._checkpointer.notify()
        return True

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="vallum-evidence-writer", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        carry: _Item = None
        stopping = False
        while not stopping:
            item = carry if carry is not None else self._queue.get()
            carry = None
            if item is None:
                break
            batch, size = [item], len(item[0])
            while size < MAX_BATCH_RECORDS:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True  # write what was handed over first
                    break
                if size + len(nxt[0]) > MAX_BATCH_RECORDS:
                    carry = nxt
                    break
                batch.append(nxt)
                size += len(nxt[0])
            error = self._append([r for records, _ in batch for r in records])
            self._wake([waiter for _, waiter in batch], error)
            if error is None and self._checkpointer is not None:
                self._checkpointer.notify()
        self._close_connection()

    def _append(self, records: list[dict[str, Any]]) -> Exception | None:
        """Commit `records`; the error, if any, for every waiter of the batch."""
        try:
            if self._dedicated and self._conn is None:
                self._conn = self._log.db.dedicated_connection(autocheckpoint=False)
            self._log.append_many(records, connection=self._conn)
        except Exception as exc:  # every waiter learns that its records were not written
            self._close_connection()  # a broken connection is not reused
            return exc
        return None

    def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        _close(conn)

    def _drop_inline(self) -> None:
        conn, self._inline = self._inline, None
        _close(conn)

    async def idle(self) -> None:
        """Wait until everything handed over so far is written."""
        await self._idle.wait()

    def close(self) -> None:
        """Stop the thread once what it holds is written (the gateway calls it on close)."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join()
        self._thread = None
        self._drop_inline()
        if self._checkpointer is not None:
            self._checkpointer.close()

    def _wake(self, waiters: list[_Waiter], error: Exception | None) -> None:
        """One call into each loop involved (usually one), settling all its futures."""
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for loop, future in waiters:
            by_loop.setdefault(loop, []).append(future)
        for loop, futures in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
                loop.call_soon_threadsafe(self._settle, futures, error)

    def _settle(self, futures: list[asyncio.Future[None]], error: Exception | None) -> None:
        self._outstanding -= len(futures)
        if not self._outstanding:
            self._idle.set()
        for future in futures:
            if future.done():
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)


def _is_busy(exc: BaseException | None) -> bool:
    """SQLite said another connection holds the lock (SQLITE_BUSY or SQLITE_LOCKED)."""
    code = getattr(exc, "sqlite_errorcode", None) if isinstance(exc, sqlite3.Error) else None
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _close(conn: Any) -> None:
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()
