"""The tamper matrix against a checkpoint that left the machine: each attack by someone who can
write the database, done naively and done properly (every hash, link, tree entry and head
consistent: `attacker`), is detected and named; the log that only grew, and erasure, verify."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete

from vallum.evidence import chunks
from vallum.evidence.checkpoint import Checkpoint, open_checkpoint
from vallum.evidence.export import export_lines
from vallum.evidence.keys import SigningKey
from vallum.evidence.log import EvidenceLog
from vallum.evidence.proofs import checkpoint, erase, inclusion
from vallum.evidence.record import utc_now
from vallum.evidence.verify_export import verify_export
from vallum.exceptions import ChainBrokenError, CheckpointError, EvidenceError
from vallum.storage.database import Database
from vallum.storage.tables import evidence, evidence_head

from . import attacker

KEY = SigningKey.generate("vallum.test/tamper")


@pytest.fixture(autouse=True, params=["one pass", "chunks"])
def verify_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every case twice: verified in one pass, and in chunks of 4 records joined (as a log of a
    million records is, there on several processes), which must find and name the same
    things. The chunks run in this process here; `test_chunks_on_processes` runs real ones."""
    if request.param == "chunks":
        monkeypatch.setattr(chunks, "PARALLEL_FROM", 1)
        monkeypatch.setattr(chunks, "WORKERS", 3)
        monkeypatch.setattr(chunks, "USE_PROCESSES", False)
    return str(request.param)


def _record(n: int) -> dict[str, Any]:
    said = f"message {n}: call me on +1 415 555 01{n:02d}"
    return {
        "id": str(uuid.uuid4()), "created_at": utc_now(), "kind": "decision",
        "principal": "user:a", "session": "s", "stage": "input", "action": "allow", "n": n,
        "content": {"policy": "full", "sha256": hashlib.sha256(said.encode()).hexdigest(),
                    "text": said},
    }  # fmt: skip


def _log(db: Database, count: int = 9) -> tuple[EvidenceLog, Checkpoint]:
    """`count` records, a checkpoint of them that leaves the machine, then three more."""
    log = EvidenceLog(db)
    log.append_many([_record(n) for n in range(count)])
    cp = checkpoint(log, KEY)
    log.append_many([_record(n) for n in range(100, 103)])
    return log, open_checkpoint(cp.text, KEY.verifier)


def _sql(db: Database, *statements: str) -> None:
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _fails(log: EvidenceLog, cp: Checkpoint, match: str) -> ChainBrokenError:
    with pytest.raises(ChainBrokenError, match=match) as info:
        log.verify(checkpoints=[cp])
    return info.value


def _export_fails(log: EvidenceLog, cp: Checkpoint, match: str) -> None:
    """The stand-alone verifier, from an export alone, names the same attack."""
    import json

    lines = [json.dumps(line) for line in export_lines(log)]
    with pytest.raises(EvidenceError, match=match):
        verify_export(lines, [cp])


SWAP = "UPDATE vallum_evidence SET seq = -seq WHERE seq IN (3, 4)"

NAIVE: list[tuple[str, list[str], str]] = [
    ("edit", ["UPDATE vallum_evidence SET record = replace(record, '\"n\":4', '\"n\":5')"
              " WHERE seq = 5"], r"#5 .*edited"),
    ("delete middle", ["DELETE FROM vallum_evidence WHERE seq = 4"], "record #4 is missing"),
    ("delete tail", ["DELETE FROM vallum_evidence WHERE seq > 6"], "removed from the end"),
    ("reorder", [SWAP, "UPDATE vallum_evidence SET seq = 7 + seq WHERE seq IN (-3, -4)"],
     "#3 .*link to the previous record is broken"),
    ("edit content", ["UPDATE vallum_evidence SET payload = replace(payload, '555', '556')"
                      " WHERE seq = 2"], r"#2 .*content does not match the hash"),
    ("delete content", ["UPDATE vallum_evidence SET payload = NULL WHERE seq = 2"],
     r"#2 .*deleted without an erasure record"),
    # the first hex digit changed, whatever it was (an 'f' replaced by 'f' would change nothing)
    ("edit tree", ["UPDATE vallum_evidence SET tree = (CASE WHEN substr(tree, 1, 1) = 'f'"
                   " THEN '0' ELSE 'f' END) || substr(tree, 2) WHERE seq = 2"],
     r"#2 .*Merkle tree entry"),
    ("empty", ["DELETE FROM vallum_evidence", "DELETE FROM vallum_evidence_head"],
     "head row is missing"),
]  # fmt: skip


@pytest.mark.parametrize(("attack", "statements", "match"), NAIVE, ids=[a for a, _, _ in NAIVE])
def test_naive_tampering_is_named(
    any_db: Database, attack: str, statements: list[str], match: str
) -> None:
    log, cp = _log(any_db)
    _sql(any_db, *statements)
    _fails(log, cp, match)


def _rewrite(texts: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    return [(t.replace('"n":4', '"n":5'), p) if '"n":4,' in t else (t, p) for t, p in texts]


CONSISTENT: list[tuple[str, Callable[[list[Any]], list[tuple[str, str | None]]], str]] = [
    ("consistent edit", lambda rows: _rewrite([(r.record, r.payload) for r in rows]),
     "rewritten after that checkpoint"),
    ("consistent delete middle", lambda rows: [(r.record, r.payload) for r in rows if r.seq != 4],
     "rewritten after that checkpoint"),
    ("consistent reorder",
     lambda rows: [(r.record, r.payload) for r in [rows[0], rows[2], rows[1], *rows[3:]]],
     "rewritten after that checkpoint"),
    ("cut tail, head rewound", lambda rows: [(r.record, r.payload) for r in rows[:6]],
     "records were removed after it"),
    ("emptied, head re-created", lambda rows: [], "records were removed after it"),
    ("cut and refilled to the same size",
     lambda rows: [(r.record, r.payload) for r in rows[:5]]
     + [(r.record, r.payload) for r in rows[9:]] + [(r.record, r.payload) for r in rows[5:6]],
     "rewritten after that checkpoint"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("attack", "change", "match"), CONSISTENT, ids=[a for a, _, _ in CONSISTENT]
)
def test_consistent_tampering_fails_against_the_checkpoint(
    any_db: Database, attack: str, change: Callable[[list[Any]], Any], match: str
) -> None:
    """Each rewrite leaves an internally perfect log (verify without the checkpoint passes),
    which the checkpoint signed earlier refutes, and so does the stand-alone verifier."""
    log, cp = _log(any_db)
    attacker.rechain(any_db, change(attacker.rows(any_db)))
    log.verify()  # alone, nothing shows
    _fails(log, cp, match)
    _export_fails(log, cp, match)


def test_dropped_tables_fail_to_open_and_recreated_ones_fail_the_checkpoint(
    any_db: Database,
) -> None:
    _, cp = _log(any_db)
    _sql(any_db, "DROP TABLE vallum_evidence", "DROP TABLE vallum_evidence_head")
    url = any_db.url.render_as_string(hide_password=False)
    bare = Database(url, create=False)
    try:
        with pytest.raises(EvidenceError, match="cannot open evidence log"):
            EvidenceLog(bare)
    finally:
        bare.dispose()
    recreated = Database(url)
    try:
        fresh = EvidenceLog(recreated)
        fresh.append(_record(1))
        _fails(fresh, cp, "records were removed after it")
    finally:
        recreated.dispose()


def test_forged_checkpoint_of_the_rewritten_log(any_db: Database) -> None:
    """The attacker signs a checkpoint of the rewritten log with a key of their own (same name):
    it is refused, and the real one still fails the log."""
    log, cp = _log(any_db)
    attacker.rechain(any_db, _rewrite([(r.record, r.payload) for r in attacker.rows(any_db)]))
    forged = checkpoint(log, SigningKey.generate("vallum.test/tamper"))
    with pytest.raises(CheckpointError, match="not signed by"):
        open_checkpoint(forged.text, KEY.verifier)
    _fails(log, cp, "rewritten")


def test_checkpoint_of_another_log(any_db: Database) -> None:
    log, _ = _log(any_db)
    other = SigningKey.generate("vallum.test/other-log")
    with pytest.raises(CheckpointError, match="different log"):
        open_checkpoint(checkpoint(log, other).text, KEY.verifier)


def test_a_log_that_only_grew_verifies_against_every_earlier_checkpoint(any_db: Database) -> None:
    log = EvidenceLog(any_db)
    cps = [checkpoint(log, KEY)]  # size 0
    for n in range(17):
        log.append_many([_record(n)] * 1 if n % 3 else [_record(n), _record(n + 50)])
        cps.append(checkpoint(log, KEY))
    report = log.verify(checkpoints=cps)
    assert (len(cps), 0) == (report.checkpoints, report.records - cps[-1].size)
    import json

    lines = [json.dumps(line) for line in export_lines(log)]
    assert f"tree over {report.records} records" in verify_export(lines, cps)[0]


def test_erasure_keeps_every_proof_valid(any_db: Database) -> None:
    log, cp = _log(any_db)
    target = log.tail(12)[-3]  # record #3, inside the checkpoint
    before = inclusion(log, target.id, cp.size)
    erase(log, target.id, reason="data-subject request 42", by="user:dpo")
    kept = log.get(target.id)
    assert kept is not None and kept.record["erased"] is True
    assert "text" not in kept.record["content"] and "call me on" not in str(kept.record)
    assert before == inclusion(log, target.id, cp.size) and before.verify(cp.root)
    log.verify(checkpoints=[cp, checkpoint(log, KEY)])
    erasure = log.tail(1)[0].record
    assert ("evidence.erased", "data-subject request 42") == (erasure["kind"], erasure["reason"])
    with pytest.raises(EvidenceError, match="already erased"):
        erase(log, target.id, reason="again", by="user:dpo")


def test_an_erasure_record_for_other_content_does_not_cover_a_deletion(any_db: Database) -> None:
    """Adaptive: delete record 2's content and point a forged erasure record at it with another
    commitment: still named."""
    log, _ = _log(any_db)
    erase(log, log.tail(12)[-3].id, reason="r", by="u")  # a genuine one for #3
    _sql(any_db, "UPDATE vallum_evidence SET payload = NULL WHERE seq = 2")
    with pytest.raises(ChainBrokenError, match=r"#2 .*without an erasure record"):
        log.verify()


def test_inclusion_proofs_at_every_position(any_db: Database) -> None:
    log, cp = _log(any_db, 13)
    for stored in log.iter_records(limit=13):
        proof = inclusion(log, stored.id, cp.size)
        assert proof.verify(cp.root)
        assert not proof.verify(bytes(32))


def test_a_proof_from_an_edited_tree_fails(any_db: Database) -> None:
    """The stored tree is not trusted: a proof built from an edited node does not verify."""
    log, cp = _log(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(evidence.update().where(evidence.c.seq == 2).values(tree="0" * 128))
    assert not inclusion(log, log.iter_records(limit=1).__next__().id, cp.size).verify(cp.root)


def test_records_after_the_last_checkpoint_can_be_rewritten_undetected(any_db: Database) -> None:
    """The limit, stated as a test: what was appended after the last checkpoint that left the
    machine can be rewritten consistently, and nothing shows it. Checkpoint often."""
    log, cp = _log(any_db)
    rows = attacker.rows(any_db)
    texts = [(r.record, r.payload) for r in rows]
    texts[10] = (texts[10][0].replace('"n":101', '"n":999'), texts[10][1])
    attacker.rechain(any_db, texts)
    assert 12 == log.verify(checkpoints=[cp]).records


def test_head_frontier_rewound_alone_is_named(any_db: Database) -> None:
    log, cp = _log(any_db)
    with any_db.engine.begin() as conn:
        conn.execute(evidence_head.update().values(frontier=""))
    with pytest.raises(EvidenceError, match="frontier"):
        log.verify(checkpoints=[cp])
    with any_db.engine.begin() as conn:
        conn.execute(delete(evidence_head))
    with pytest.raises(ChainBrokenError, match="head row is missing"):
        log.verify(checkpoints=[cp])


def test_chunks_join_into_the_tree_of_one_pass(any_db: Database, verify_mode: str) -> None:
    assert [(0, 4, 2), (4, 8, 2), (8, None, 2)] == chunks.plan(12, 3, parallel_from=1)
    assert [(0, None, 0)] == chunks.plan(12, 1, parallel_from=1)
    log = EvidenceLog(any_db)
    cps = []
    for n in range(37):
        log.append(_record(n))
        if n % 5 == 0:
            cps.append(checkpoint(log, KEY))
    report = log.verify(checkpoints=cps)
    assert (37, log.tree_head()[1], len(cps)) == (report.records, report.root, report.checkpoints)


def test_a_tree_entry_above_a_chunk_is_checked(any_db: Database, verify_mode: str) -> None:
    """Record #8 completes the subtree of leaves 0-7, above the chunk of leaves 4-7: editing
    only that entry is named in one pass and when chunks are joined."""
    log, cp = _log(any_db)
    with any_db.engine.begin() as conn:
        tree = conn.execute(evidence.select().where(evidence.c.seq == 8)).one().tree
        assert len(tree) == 4 * 64  # leaf, levels 1, 2 and 3
        conn.execute(
            evidence.update().where(evidence.c.seq == 8).values(tree=tree[:-64] + "0" * 64)
        )
    with pytest.raises(ChainBrokenError, match=r"#8 .*Merkle tree entry"):
        log.verify(checkpoints=[cp])


@pytest.mark.parametrize(
    "change",
    ["drop a line", "duplicate a line", "swap two lines", "renumber a line", "other type"],
)
def test_an_altered_export_fails_the_standalone_verifier(
    any_db: Database, verify_mode: str, change: str
) -> None:
    """Adaptive: the export itself edited (a line dropped, repeated, moved, renumbered, or its
    record given as an object instead of its stored text)."""
    import json

    log, cp = _log(any_db)
    lines = [dict(line) for line in export_lines(log)]
    if change == "drop a line":
        del lines[4]
    elif change == "duplicate a line":
        lines.insert(4, lines[3])
    elif change == "swap two lines":
        lines[3], lines[4] = lines[4], lines[3]
    elif change == "renumber a line":
        lines[4]["index"] = 3
    else:
        lines[4]["record"] = json.loads(lines[4]["record"])
    with pytest.raises(EvidenceError):
        verify_export([json.dumps(line) for line in lines], [cp])
