"""The evidence log: append-only, hash-chained, tamper-evident on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import insert, select, text, update

from vallum.evidence import merkle
from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import RECORD_SCHEMA_VERSION, utc_now
from vallum.evidence.tree_store import frontier_text, parse_frontier, tree_text
from vallum.exceptions import ChainBrokenError, EvidenceError
from vallum.storage.database import Database
from vallum.storage.tables import evidence, evidence_head


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
                "UPDATE vallum_evidence SET record = replace(record, '\"allow\"', '\"block\"') WHERE seq = 3"
            )
        )
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert (3, "content does not match its hash (edited)") == (info.value.seq, info.value.problem)


@pytest.mark.parametrize(
    ("column", "value"),
    [("principal", "user:someone-else"), ("action", "block"), ("session", "other"),
     ("stage", "output"), ("kind", "request"), ("created_at", "2020-01-01T00:00:00+00:00"),
     ("bundle_version", "v0")],
)  # fmt: skip
def test_an_edited_column_is_named(any_db: Database, column: str, value: str) -> None:
    """The columns the dashboard filters on are copies of the record: editing one (to hide a
    record from a filter) is caught even though the record and its hash are untouched."""
    log = _filled(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(update(evidence).where(evidence.c.seq == 4).values({column: value}))
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert (4, "indexed columns do not match the record") == (
        info.value.seq,
        info.value.problem,
    )


def test_deleted_record_is_detected(any_db: Database) -> None:
    """Deleting a record in the middle names the first missing one."""
    log = _filled(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM vallum_evidence WHERE seq = 2"))
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert 2 == info.value.seq


def test_deleted_tail_is_detected(any_db: Database) -> None:
    """Deleting the newest records is caught by the chain head."""
    log = _filled(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM vallum_evidence WHERE seq >= 4"))
    with pytest.raises(ChainBrokenError, match="removed from the end"):
        log.verify()


def test_reordered_records_are_detected(any_db: Database) -> None:
    """Swapping two records' content and hashes breaks the links."""
    log = _filled(any_db)
    with any_db.engine.begin() as conn:
        rows = {
            r.seq: r
            for r in conn.execute(
                text("SELECT seq, id, record, hash, prev_hash FROM vallum_evidence")
            )
        }
        for a, b in ((2, 3), (3, 2)):
            conn.execute(
                text(
                    "UPDATE vallum_evidence SET id = :id, record = :record, hash = :hash, prev_hash = :prev WHERE seq = :seq"
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


def _json_encoder(body: dict[str, Any]) -> str:
    """Schema 1 before orjson: the standard library's encoder (`1e-05`, `NaN`, `0.0`)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _orjson_encoder(body: dict[str, Any]) -> str:
    """Schema 1 after it: orjson with sorted keys (`0.0`, `1e-6`, `1e+16`)."""
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode()


def _append_as_before_orjson(
    db: Database, record: dict[str, Any], encode: Callable[[dict[str, Any]], str] = _json_encoder
) -> None:
    """Append the way the log did with an earlier encoder (by default, the standard library's)."""
    with db.engine.begin() as conn:
        seq, prev, front = conn.execute(
            select(evidence_head.c.seq, evidence_head.c.hash, evidence_head.c.frontier)
        ).one()
        body = {**record, "seq": seq + 1}
        stored = encode(body)
        digest = hashlib.sha256(f"{prev}\n{stored}".encode()).hexdigest()
        frontier = parse_frontier(front, seq)  # the tree is kept as the log keeps it
        leaf = merkle.leaf_hash(stored.encode())
        tree = tree_text(leaf, merkle.push(frontier, seq, leaf))
        columns = ("id", "created_at", "kind", "principal", "session", "stage", "action")
        conn.execute(
            insert(evidence).values(
                seq=seq + 1, bundle_version="", record=stored, prev_hash=prev, hash=digest,
                tree=tree, **{c: body[c] for c in columns},
            )
        )  # fmt: skip
        conn.execute(
            update(evidence_head).values(seq=seq + 1, hash=digest, frontier=frontier_text(frontier))
        )


def _mixed(db: Database) -> EvidenceLog:
    """Six records: #1-2 and #5-6 written with orjson, #3-4 as before it."""
    log = _filled(db, 2)
    _append_as_before_orjson(db, {**_record(3), "score": 1e-05, "text": "café ✓ 注文"})
    _append_as_before_orjson(db, {**_record(4), "score": math.nan, "latency": 2.5e-05})
    log.append_many([{**_record(5), "score": 1e-05, "text": "café ✓ 注文"}, _record(6)])
    return log


def _stored(db: Database) -> dict[int, str]:
    with db.engine.connect() as conn:
        return {int(r.seq): str(r.record) for r in conn.execute(select(evidence))}


def test_records_from_both_encoders_verify(any_db: Database) -> None:
    """A chain holding records written before orjson (tiny floats as `1e-05`, `NaN`, non-ASCII)
    and after it verifies whole."""
    log = _mixed(any_db)
    stored = _stored(any_db)
    fragments = [
        (3, '"score":1e-05'), (3, "café ✓ 注文"), (4, '"score":NaN'),
        (5, '"score":0.00001'), (5, "café ✓ 注文"),
    ]  # fmt: skip
    assert fragments == [(seq, part) for seq, part in fragments if part in stored[seq]]
    assert 6 == log.verify().records


def test_a_chain_of_schema_1_records_verifies_under_schema_2(any_db: Database) -> None:
    """Records written by both schema-1 encoders (whole floats as `0.0`, `1e-6`, `1e+16`,
    `1e-05`) and then RFC 8785 records verify as one chain: the stored text is hashed as stored."""
    log = EvidenceLog(any_db)
    old = {"schema": 1, "scores": [0.0, 1.0, 1e-06, 1e16, 1e-05], "text": "café ✓ 😀"}
    _append_as_before_orjson(any_db, {**_record(1), **old})
    _append_as_before_orjson(any_db, {**_record(2), **old}, _orjson_encoder)
    log.append({**_record(3), **old, "schema": RECORD_SCHEMA_VERSION})
    stored = _stored(any_db)
    fragments = [
        (1, '"scores":[0.0,1.0,1e-06,1e+16,1e-05]'),
        (2, '"scores":[0.0,1.0,1e-6,1e+16,0.00001]'),
        (3, '"scores":[0,1,0.000001,10000000000000000,0.00001]'),
    ]
    assert fragments == [(seq, part) for seq, part in fragments if part in stored[seq]]
    assert (3, 2) == (log.verify().records, RECORD_SCHEMA_VERSION)


@pytest.mark.parametrize(
    ("seq", "old", "new"),
    [
        (3, "café", "cafe"),  # one character of a record written before orjson
        (5, "café", "cafe"),  # one character of a record written with orjson
        (3, "1e-05", "0.00001"),  # the same value, as orjson would write it
        (5, "0.00001", "1e-05"),  # the same value, as the old encoder would write it
        (4, "NaN", "null"),
        (6, '"kind":', '"kind": '),  # a space: the same JSON, other text
    ],
)
def test_any_change_to_the_stored_text_is_an_edit(
    any_db: Database, seq: int, old: str, new: str
) -> None:
    """The stored text is what is hashed: any change to it, even one that parses to the same
    values, breaks verification at that record."""
    log = _mixed(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE vallum_evidence SET record = replace(record, :old, :new) WHERE seq = :seq"
            ),
            {"old": old, "new": new, "seq": seq},
        )
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert (seq, "content does not match its hash (edited)") == (info.value.seq, info.value.problem)


def test_mixed_chain_deletion_in_the_middle_is_detected(any_db: Database) -> None:
    """Deleting a record written before orjson, between newer ones, names it."""
    log = _mixed(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM vallum_evidence WHERE seq = 4"))
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert (4, "record #4 is missing (next is #5)") == (info.value.seq, info.value.problem)


def test_mixed_chain_deleted_tail_is_detected(any_db: Database) -> None:
    """Deleting the newest record of a mixed chain is caught by the head."""
    log = _mixed(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(text("DELETE FROM vallum_evidence WHERE seq = 6"))
    with pytest.raises(ChainBrokenError, match="log ends at #5 but its head says #6"):
        log.verify()


def test_mixed_chain_reordering_is_detected(any_db: Database) -> None:
    """Swapping a record written before orjson with one written after breaks the link."""
    log = _mixed(any_db)
    with any_db.engine.begin() as conn:
        rows = {
            r.seq: r
            for r in conn.execute(text("SELECT seq, record, hash, prev_hash FROM vallum_evidence"))
        }
        for a, b in ((3, 5), (5, 3)):
            conn.execute(
                text(
                    "UPDATE vallum_evidence SET id = :id, record = :record, hash = :hash, "
                    "prev_hash = :prev WHERE seq = :seq"
                ),
                {"id": f"tmp-{a}", "record": rows[b].record, "hash": rows[b].hash,
                 "prev": rows[b].prev_hash, "seq": a},
            )  # fmt: skip
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert 3 == info.value.seq


def test_a_record_that_is_not_an_object_is_named(sqlite_db: Database) -> None:
    """Stored text that is JSON but not an object is a broken record, not a crash."""
    log = _filled(sqlite_db, 3)
    with sqlite_db.engine.begin() as conn:
        conn.execute(text("UPDATE vallum_evidence SET record = '[2]' WHERE seq = 2"))
    with pytest.raises(ChainBrokenError) as info:
        log.verify()
    assert (2, "indexed columns do not match the record") == (info.value.seq, info.value.problem)


def test_non_finite_numbers_are_stored_as_null(sqlite_db: Database) -> None:
    """NaN and infinities are written as JSON null (orjson's form) and the chain verifies."""
    log = EvidenceLog(sqlite_db)
    stored = log.append({**_record(1), "scores": [math.nan, math.inf, -math.inf, 0.5]})
    assert [None, None, None, 0.5] == log.get(stored.id).record["scores"]  # type: ignore[union-attr]
    assert 1 == log.verify().records


def test_huge_integers_are_stored_exactly(sqlite_db: Database) -> None:
    """An integer beyond 64 bits (RFC 8785 refuses those) is written as its exact digits, read
    back exactly and verifies."""
    log = EvidenceLog(sqlite_db)
    stored = log.append({**_record(1), "big": 2**70, "tiny": 1e-05})
    assert '"big":1180591620717411303424' in _stored(sqlite_db)[1]
    assert 2**70 == log.get(stored.id).record["big"]  # type: ignore[union-attr]
    assert 1 == log.verify().records


def test_a_record_that_is_not_json_is_refused(sqlite_db: Database) -> None:
    """A record neither encoder can write raises EvidenceError and writes nothing."""
    log = EvidenceLog(sqlite_db)
    with pytest.raises(EvidenceError, match="is not JSON"):
        log.append({**_record(1), "when": object()})
    assert 0 == log.verify().records
