"""WAL checkpoints off the commit path: the checkpointer thread copies what writers committed."""

from __future__ import annotations

import threading
from pathlib import Path

from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import utc_now
from vallum.storage.checkpoint import WalCheckpointer
from vallum.storage.database import Database


def test_notify_checkpoints_on_the_checkpointer_thread(tmp_path: Path) -> None:
    """After a commit on a connection without automatic checkpoints, `notify` gets the WAL
    copied into the database file by the checkpointer's own thread."""
    db = Database(f"sqlite:///{tmp_path / 'e.db'}")
    log = EvidenceLog(db)
    conn = db.dedicated_connection(autocheckpoint=False)
    log.append_many([{"id": "r1", "kind": "test", "created_at": utc_now()}], connection=conn)
    seen: list[str] = []
    done = threading.Event()

    class Watched(WalCheckpointer):
        def checkpoint(self) -> tuple[int, int, int]:
            result = super().checkpoint()
            seen.append(threading.current_thread().name)
            done.set()
            return result

    checkpointer = Watched(db, interval_s=0.0)
    checkpointer.notify()
    assert done.wait(10)
    checkpointer.close()
    conn.close()
    assert "vallum-wal-checkpoint" == seen[0]
    busy, frames, copied = WalCheckpointer(db).checkpoint()
    assert (0, frames) == (busy, copied)
    assert ["r1"] == [r.id for r in log.iter_records()]


def test_close_without_writes_does_nothing(tmp_path: Path) -> None:
    """A checkpointer never notified starts no thread and opens no connection on close."""
    checkpointer = WalCheckpointer(Database(f"sqlite:///{tmp_path / 'e.db'}"))
    checkpointer.close()
    assert checkpointer._thread is None and checkpointer._conn is None
