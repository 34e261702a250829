"""WAL checkpoints for SQLite, on a background thread instead of inside a commit.

By default SQLite checkpoints the write-ahead log from within whichever commit pushes it past
1000 pages: that commit copies the pages into the database file and syncs it, several
milliseconds, once every hundred-odd gateway requests (the whole p99 at concurrency 1). The
gateway's evidence writer commits on a connection with automatic checkpoints off and tells a
`WalCheckpointer` it wrote; the checkpointer runs a PASSIVE checkpoint (it never blocks
readers or writers) at most once per interval, on its own thread and connection.

Durability is unchanged: a commit is as durable in the WAL as it was (the same `synchronous`
setting); checkpointing only moves committed pages into the main file.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from vallum.exceptions import EvidenceError
from vallum.storage.database import Database

log = logging.getLogger("vallum.storage")
# Fewer, larger checkpoints cost less in all: pages written again and again (the chain head,
# the last page of the log, index pages) are copied once per checkpoint, and each checkpoint
# syncs once. At 500 requests/s two seconds is a WAL of a few tens of MB.
CHECKPOINT_INTERVAL_S = 2.0


class WalCheckpointer:
    """Checkpoints `db` (SQLite on disk) after writes, at most once per `interval_s`."""

    def __init__(self, db: Database, interval_s: float = CHECKPOINT_INTERVAL_S):
        self._db = db
        self._interval = interval_s
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # the connection
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None
        self._conn: Any = None

    def notify(self) -> None:
        """Something was committed: checkpoint soon (cheap; called after every commit)."""
        if self._dirty.is_set():
            return
        self._ensure_thread()
        self._dirty.set()

    def checkpoint(self) -> tuple[int, int, int]:
        """Run a PASSIVE checkpoint now: (busy, frames in the WAL, frames checkpointed)."""
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self._db.dedicated_connection()
                cursor = self._conn.cursor()
                try:
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    busy, frames, done = cursor.fetchone()
                finally:
                    cursor.close()
            except Exception as exc:
                self._drop_connection()
                raise EvidenceError(
                    f"WAL checkpoint of {self._db.display_url} failed: {exc}"
                ) from exc
            return int(busy), int(frames), int(done)

    def close(self) -> None:
        """Stop the thread after a last checkpoint of what was written."""
        thread = self._thread
        if thread is None:
            return  # never notified: nothing written
        if thread.is_alive():
            self._stop.set()
            self._dirty.set()
            thread.join()
        self._thread = None
        self._stop.clear()
        self._dirty.clear()
        with contextlib.suppress(EvidenceError):
            self.checkpoint()
        with self._lock:
            self._drop_connection()

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="vallum-wal-checkpoint", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.is_set():
                return
            self._dirty.clear()
            try:
                self.checkpoint()
            except EvidenceError as exc:  # the next commit's notify tries again
                log.warning("%s", exc)
            self._stop.wait(self._interval)

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()
