"""The evidence log: append-only, hash-chained, tamper-evident on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from rampart.evidence.log import EvidenceLog
from rampart.evidence.record import utc_now
from rampart.exceptions import ChainBrokenError, EvidenceError
from rampart.storage.database import Database


def _record(n: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "created_at": utc_now(),
        "kind": "decision",
        "principal": "user:test",
        "session": "s",
        "stage": "input",
        "action": "allow",
        "n": n,
    }


def _filled(db: Database, count: int = 5) -> EvidenceLog:
    log = EvidenceLog(db)
    for n in range(count):
        log.append(_record(n))
    return log


def test_intact_chain_verifies(any_db: Database) -> None:
    """An untouched log verifies and reports every record."""
    log = _filled(any_db, 7)
    assert 7 == log.verify().records


def test_empty_log_verifies(any_db: Database) -> None:
    """A log with no records is intact."""
    assert 0 == EvidenceLog(any_db).verify().records


def test_edited_record_is_named(any_db: Database) -> None:
    """Changing a record's content breaks verification at exactly that record."""
    log = _filled(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE rampart_evidence SET record = replace(record, '\"allow\"', '\"block\"') WHERE seq = 3"
            )
        )
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert (3, "content does not match its hash (edited)") == (info.value.seq, info.value.problem)


def test_deleted_record_is_detected(any_db: Database) -> None:
    """Deleting a record in the middle names the first missing one."""
    log = _filled(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM rampart_evidence WHERE seq = 2"))
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert 2 == info.value.seq


def test_deleted_tail_is_detected(any_db: Database) -> None:
    """Deleting the newest records is caught by the chain head."""
    log = _filled(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM rampart_evidence WHERE seq >= 4"))
    with pytest.raises(ChainBrokenError, match="removed from the end"):
        log.verify()


def test_reordered_records_are_detected(any_db: Database) -> None:
    """Swapping two records' content and hashes breaks the links."""
    log = _filled(any_db)
    with any_db.engine.begin() as conn:
        rows = {
            r.seq: r
            for r in conn.execute(
                text("SELECT seq, id, record, hash, prev_hash FROM rampart_evidence")
            )
        }
        for a, b in ((2, 3), (3, 2)):
            conn.execute(
                text(
                    "UPDATE rampart_evidence SET id = :id, record = :record, hash = :hash, prev_hash = :prev WHERE seq = :seq"
                ),
                {
                    "id": f"tmp-{a}",
                    "record": rows[b].record,
                    "hash": rows[b].hash,
                    "prev": rows[b].prev_hash,
                    "seq": a,
                },
            )
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert 2 == info.value.seq


def test_concurrent_appends_keep_one_chain(any_db: Database) -> None:
    """Appends from many threads at once still form one unbroken chain."""
    log = EvidenceLog(any_db)

    def work() -> None:
        for n in range(25):
            log.append(_record(n))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 100 == log.verify().records


def test_get_by_id_and_prefix(sqlite_db: Database) -> None:
    """A record is found by its id and by a unique prefix."""
    log = EvidenceLog(sqlite_db)
    stored = log.append(_record(1))
    assert stored.record == log.get(stored.id).record  # type: ignore[union-attr]
    assert stored.id == log.get(stored.id[:12]).id  # type: ignore[union-attr]
    assert log.get("does-not-exist") is None


def test_record_without_id_is_refused(sqlite_db: Database) -> None:
    """A malformed record raises and writes nothing."""
    log = EvidenceLog(sqlite_db)
    with pytest.raises(EvidenceError, match="lacks 'id'"):
        log.append({"created_at": utc_now(), "kind": "decision"})
    assert 0 == log.verify().records


def test_corrupted_database_file_is_a_clear_error(tmp_path: Path) -> None:
    """A file that is not a database gives a typed error, not a crash."""
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(EvidenceError, match="cannot open database"):
        EvidenceLog(Database(f"sqlite:///{bad}"))


def test_locked_database_is_a_clear_error(tmp_path: Path) -> None:
    """A database locked by another writer raises EvidenceError and writes no record."""
    path = tmp_path / "locked.db"
    log = EvidenceLog(Database(f"sqlite:///{path}", busy_timeout_s=0.05))
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(EvidenceError, match="cannot append evidence"):
            log.append(_record(1))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert 0 == log.verify().records
