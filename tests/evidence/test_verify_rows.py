"""Verification's hot loop decodes only a record's indexed fields and hands anything odd to the
checks on the whole parsed record: odd types, long values, duplicate keys, odd column types and
tree entries written otherwise must give the same answers either way, and never a crash."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text, update

from vallum.evidence import chunks
from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import utc_now
from vallum.exceptions import ChainBrokenError
from vallum.storage.database import Database
from vallum.storage.tables import evidence

from . import attacker

COLUMNS_DIFFER = "indexed columns do not match the record"


@pytest.fixture(autouse=True, params=["one pass", "chunks"])
def verify_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each case in one pass and in chunks of 4 records joined (in process)."""
    if request.param == "chunks":
        monkeypatch.setattr(chunks, "PARALLEL_FROM", 1)
        monkeypatch.setattr(chunks, "WORKERS", 3)
        monkeypatch.setattr(chunks, "USE_PROCESSES", False)
    return str(request.param)


def _record(**fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()), "created_at": utc_now(), "kind": "decision",
        "principal": "user:a", "session": "s", "stage": "input", "action": "allow",
        "bundle": {"name": "b", "version": "v1"}, **fields,
    }  # fmt: skip


def _log(db: Database, odd: dict[str, Any], at: int = 6, count: int = 9) -> EvidenceLog:
    log = EvidenceLog(db)
    log.append_many([_record(**(odd if n + 1 == at else {})) for n in range(count)])
    return log


def _set(db: Database, seq: int, **values: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(evidence).where(evidence.c.seq == seq).values(values))


def _problem(log: EvidenceLog) -> tuple[int, str]:
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    return info.value.seq, info.value.problem


@pytest.mark.parametrize(
    "odd",
    [{"principal": 5}, {"session": None}, {"stage": ["input"]}, {"bundle": {"version": 3}},
     {"bundle": None}, {"principal": "p" * 300}, {"session": "é✓" * 200}, {"action": True}],
)  # fmt: skip
def test_fields_of_other_types_verify_and_their_columns_are_checked(
    any_db: Database, odd: dict[str, Any]
) -> None:
    """A record whose indexed fields are not plain short strings verifies (checked on the whole
    record, as text, truncated as written), and an edit of its copied columns is still named."""
    log = _log(any_db, odd)
    assert 9 == log.verify().records
    name = next(iter(odd))
    column = "bundle_version" if name == "bundle" else name
    _set(any_db, 6, **{column: "edited"})
    assert (6, COLUMNS_DIFFER) == _problem(log)


def test_a_column_holding_the_untruncated_value_is_named(sqlite_db: Database) -> None:
    """Columns hold the first 256 characters: a column holding the whole long value is not what
    the log writes, in the fast loop and on the whole record alike."""
    log = _log(sqlite_db, {"principal": "p" * 300})
    _set(sqlite_db, 6, principal="p" * 300)
    assert (6, COLUMNS_DIFFER) == _problem(log)


def test_duplicate_keys_are_read_as_the_dashboard_reads_them(sqlite_db: Database) -> None:
    """A record text with a key twice (written by someone who rewrote the chain consistently)
    counts its last value, as orjson (the dashboard's reader) does: a column holding the first
    value is named."""
    log = _log(sqlite_db, {})
    attacker.edit(sqlite_db, 6, '"principal":"user:a"', '"principal":"user:x","principal":"user:a"')
    assert 9 == log.verify().records
    _set(sqlite_db, 6, principal="user:x")
    assert (6, COLUMNS_DIFFER) == _problem(log)


def test_tree_entry_in_capitals_is_the_same_entry(sqlite_db: Database) -> None:
    """A stored tree entry is compared by value: the same hashes in capitals verify, and one
    changed hex digit does not."""
    log = _log(sqlite_db, {})
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("UPDATE vallum_evidence SET tree = upper(tree) WHERE seq = 4"))
    assert 9 == log.verify().records
    with sqlite_db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE vallum_evidence SET tree = "
                "(CASE substr(tree, 1, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(tree, 2) "
                "WHERE seq = 4"
            )
        )
    assert (4, "its Merkle tree entry does not match the record (the tree was edited)") == (
        _problem(log)
    )


@pytest.mark.parametrize("value", ["x'00ff'", "42", "'not the content'"])
def test_kept_content_of_another_type_is_named_not_a_crash(sqlite_db: Database, value: str) -> None:
    """SQLite keeps any type in any column: kept content replaced by a blob, a number or other
    text is named as edited content."""
    log = _log(sqlite_db, {"content": {"policy": "full", "sha256": "-", "text": "secret"}})
    with sqlite_db.engine.begin() as conn:
        conn.execute(text(f"UPDATE vallum_evidence SET payload = {value} WHERE seq = 6"))
    assert (6, "its content does not match the hash the record commits to (edited)") == (
        _problem(log)
    )


@pytest.mark.parametrize("seq", [1, 5, 6])
def test_a_link_of_another_type_is_a_broken_link(sqlite_db: Database, seq: int) -> None:
    """A previous-hash column holding a number (at the first record, the first of a chunk, or
    inside one) is a broken link, never a crash."""
    log = _log(sqlite_db, {})
    with sqlite_db.engine.begin() as conn:
        conn.execute(text(f"UPDATE vallum_evidence SET prev_hash = 7 WHERE seq = {seq}"))
    assert (seq, "link to the previous record is broken (deleted or reordered)") == (_problem(log))
