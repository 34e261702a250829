"""A database from before the Merkle tree and content commitments gains both on open, and its
old records verify and prove like new ones."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text

from vallum.evidence import merkle
from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import utc_now
from vallum.storage.database import Database


def _record(n: int) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "created_at": utc_now(), "kind": "decision", "n": n}


def _as_before_the_tree(db: Database, count: int) -> list[str]:
    """A log written, then its new columns dropped: the shape an earlier version left."""
    log = EvidenceLog(db)
    log.append_many([_record(n) for n in range(count)])
    with db.engine.begin() as conn:
        texts = [
            r[0] for r in conn.execute(text("SELECT record FROM vallum_evidence ORDER BY seq"))
        ]
        conn.execute(text("ALTER TABLE vallum_evidence DROP COLUMN payload"))
        conn.execute(text("ALTER TABLE vallum_evidence DROP COLUMN tree"))
        conn.execute(text("ALTER TABLE vallum_evidence_head DROP COLUMN frontier"))
    return texts


def test_old_database_gains_the_tree(any_db: Database) -> None:
    texts = _as_before_the_tree(any_db, 11)
    reopened = Database(any_db.url.render_as_string(hide_password=False))
    try:
        log = EvidenceLog(reopened)
        expected = merkle.root_of([merkle.leaf_hash(t.encode()) for t in texts])
        assert (11, expected) == log.tree_head()
        log.append(_record(99))
        report = log.verify()
        assert 12 == report.records
        assert report.root == log.tree_head()[1]
        EvidenceLog(reopened)  # a second open builds nothing again and changes nothing
        assert report.root == log.verify().root
    finally:
        reopened.dispose()


def test_new_columns_are_added_once(any_db: Database) -> None:
    from vallum.storage.migrate import add_missing_columns

    _as_before_the_tree(any_db, 1)
    assert {
        "vallum_evidence.payload",
        "vallum_evidence.tree",
        "vallum_evidence_head.frontier",
    } == set(add_missing_columns(any_db.engine))
    assert [] == add_missing_columns(any_db.engine)
