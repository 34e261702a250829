"""Truncating the log (tail cut with the head rewound, a table emptied or dropped) fails verify."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import delete, text

from vallum.approvals.model import HeldAction, RuleRef
from vallum.approvals.store import ApprovalStore
from vallum.evidence.chain import GENESIS_HASH
from vallum.evidence.integrity import Head
from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import utc_now
from vallum.exceptions import ChainBrokenError, EvidenceError
from vallum.storage.database import Database
from vallum.storage.tables import evidence, evidence_head

from .attacker import rewind


def _record(n: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "created_at": utc_now(), "kind": "decision",
        "principal": "user:test", "session": "s", "stage": "input", "action": "allow", "n": n,
    }  # fmt: skip


def _filled(db: Database, count: int = 5) -> tuple[EvidenceLog, Head]:
    log = EvidenceLog(db)
    for n in range(count):
        log.append(_record(n))
    report = log.verify()
    return log, Head(report.records, report.head_hash)


def _rewind(db: Database, keep: int) -> None:
    """What an attacker with write access does: cut the tail and rewind the head row to match
    (its hash and its tree frontier)."""
    rewind(db, keep)


def test_new_log_starts_with_its_head_row(any_db: Database) -> None:
    """The head row is created with the table, so a new log verifies with 0 records."""
    assert 0 == EvidenceLog(any_db).verify().records


@pytest.mark.parametrize("keep", [4, 2, 0])
def test_rewound_head_fails_against_the_recorded_head(any_db: Database, keep: int) -> None:
    """Cutting the last records (one, several, all) and rewinding the head passes the chain
    check alone but fails against a head recorded before the cut."""
    log, recorded = _filled(any_db)
    _rewind(any_db, keep)
    assert keep == log.verify().records  # the chain alone cannot tell
    with pytest.raises(ChainBrokenError, match="records were removed"):
        log.verify(recorded)


def test_a_log_that_only_grew_verifies_against_an_older_head(any_db: Database) -> None:
    """The recorded head is a prefix of today's chain: later appends do not fail it."""
    log, recorded = _filled(any_db, 3)
    log.append(_record(9))
    assert 4 == log.verify(recorded).records
    assert 4 == log.verify(Head(0, GENESIS_HASH)).records


def test_rewritten_chain_of_the_same_length_fails_the_recorded_head(any_db: Database) -> None:
    """A log emptied and refilled to the same length has other hashes: the recorded head fails."""
    _log, recorded = _filled(any_db, 3)
    _rewind(any_db, 0)
    log, _ = _filled(any_db, 3)
    with pytest.raises(ChainBrokenError, match="not the one recorded"):
        log.verify(recorded)


def test_emptying_both_tables_fails(any_db: Database) -> None:
    """Deleting every record and the head row is not a new empty log: verify fails and the log
    does not start a new chain on open."""
    log, _ = _filled(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(delete(evidence))
        conn.execute(delete(evidence_head))
    with pytest.raises(ChainBrokenError, match="head row is missing"):
        log.verify()
    with pytest.raises(EvidenceError, match="head row is missing"):
        EvidenceLog(any_db)


def test_emptying_only_the_head_table_fails(any_db: Database) -> None:
    """Deleting the head row alone is caught (the records stay)."""
    log, _ = _filled(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(delete(evidence_head))
    with pytest.raises(ChainBrokenError, match="head row is missing"):
        log.verify()


def test_emptying_only_the_records_table_fails(any_db: Database) -> None:
    """Deleting every record but leaving the head is caught by the head."""
    log, _ = _filled(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(delete(evidence))
    with pytest.raises(ChainBrokenError, match="removed from the end"):
        log.verify()


def test_dropped_tables_fail_to_open(sqlite_db: Database) -> None:
    """With both evidence tables dropped, opening the log without creating tables fails."""
    _filled(sqlite_db)
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("DROP TABLE vallum_evidence"))
        conn.execute(text("DROP TABLE vallum_evidence_head"))
    with pytest.raises(EvidenceError, match="cannot open evidence log"):
        EvidenceLog(Database(sqlite_db.url, create=False))


def _approved_and_used(db: Database) -> ApprovalStore:
    store = ApprovalStore(db, bundle_name="t")
    action = HeldAction("user:a", "s", "refund", {"amount": 1}, "dec-1")
    approval, _ = store.request(action, (RuleRef("r", ("approver",)),), 60)
    store.decide(approval.id, approver="user:b", roles=frozenset({"approver"}), approve=True)
    store.consume(approval.id, action.action_hash, used_by="dec-2")
    return store


@pytest.mark.parametrize("keep", [0, 1, 2])
def test_approvals_show_records_that_were_removed(any_db: Database, keep: int) -> None:
    """Approval rows are written with their records: a log cut below them (head rewound, or
    tables dropped and recreated) fails even without a recorded head."""
    store = _approved_and_used(any_db)
    assert 3 == store.evidence.verify().records
    _rewind(any_db, keep)
    with pytest.raises(ChainBrokenError, match=r"approvals were (requested|used)"):
        store.evidence.verify()


def test_approvals_with_all_their_records_verify(any_db: Database) -> None:
    """Hard negative: an intact log with approvals in it verifies."""
    store = _approved_and_used(any_db)
    EvidenceLog(any_db).append(_record(1))
    assert 4 == store.evidence.verify().records


@pytest.mark.parametrize("text_", ["5", "5:abc", ":" + "a" * 64, "x:" + "a" * 64])
def test_bad_expected_head_is_refused(text_: str) -> None:
    """An expected head that is not SEQ:HASH is an error, not silently ignored."""
    with pytest.raises(ValueError, match="SEQ:HASH"):
        Head.parse(text_)
