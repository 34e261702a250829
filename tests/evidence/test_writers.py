"""Many writers: a tree per writer, all heads in one signed checkpoint (evidence.writers)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from vallum.evidence import merkle
from vallum.evidence.checkpoint import open_checkpoint
from vallum.evidence.export import export_lines
from vallum.evidence.heads import check_later, heads_root, open_heads, sign_heads
from vallum.evidence.keys import SigningKey
from vallum.evidence.log import EvidenceLog
from vallum.evidence.proofs import erase, inclusion
from vallum.evidence.record import utc_now
from vallum.evidence.verify_export import verify_export
from vallum.evidence.writers import checkpoint_logs, verify_writers
from vallum.exceptions import ChainBrokenError, CheckpointError, EvidenceError
from vallum.storage.database import Database

from . import attacker

KEY = SigningKey.generate("vallum.test/writers")


def _record(n: int, writer: str = "a") -> dict[str, Any]:
    said = f"{writer} message {n}"
    return {
        "id": str(uuid.uuid4()), "created_at": utc_now(), "kind": "decision",
        "principal": "user:a", "session": writer, "stage": "input", "action": "allow", "n": n,
        "content": {"policy": "full", "sha256": hashlib.sha256(said.encode()).hexdigest(),
                    "text": said},
    }  # fmt: skip


@pytest.fixture
def pg_dbs(postgres_db: Database) -> Iterator[dict[str, Database]]:
    """Two writers' databases on the real PostgreSQL server: the fixture's schema and one more."""
    base = postgres_db.url.render_as_string(hide_password=False).split("?")[0]
    schema = f"vallum_test_wb_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    other = Database(f"{base}?options=-csearch_path%3D{schema}")
    try:
        yield {"a": postgres_db, "b": other}
    finally:
        other.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def dbs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Database]]:
    """Two writers' databases: SQLite files, or two schemas on the real PostgreSQL server."""
    if request.param == "postgres":
        yield request.getfixturevalue("pg_dbs")
        return
    made = {w: Database(f"sqlite:///{tmp_path}/{w}.db") for w in ("a", "b")}
    yield made
    for db in made.values():
        db.dispose()


def _logs(dbs: dict[str, Database], counts: tuple[int, int] = (5, 7)) -> dict[str, EvidenceLog]:
    logs = {w: EvidenceLog(db) for w, db in dbs.items()}
    for (w, log), count in zip(logs.items(), counts, strict=True):
        log.append_many([_record(n, w) for n in range(count)])
    return logs


def test_two_writers_appending_concurrently_verify_against_one_checkpoint(
    pg_dbs: dict[str, Database],
) -> None:
    logs = {w: EvidenceLog(db) for w, db in pg_dbs.items()}
    failures: list[BaseException] = []

    def work(writer: str) -> None:
        try:
            for n in range(30):
                logs[writer].append_many([_record(10 * n + i, writer) for i in range(4)])
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in logs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    note = checkpoint_logs(KEY.name, logs, KEY)
    heads = open_heads(note, KEY.verifier)
    assert {w: cp.size for w, cp in heads.items()} == {"a": 120, "b": 120}
    reports = verify_writers(logs, [heads])
    assert {w: r.root for w, r in reports.items()} == {w: cp.root for w, cp in heads.items()}
    for writer, log in logs.items():  # proofs and the stand-alone verifier, per writer
        last = log.tail(1)[0]
        proof = inclusion(log, last.id, heads[writer].size)
        leaf = merkle.leaf_hash(proof.record.encode())
        assert merkle.verify_inclusion(119, 120, leaf, proof.proof, heads[writer].root)
        other = "b" if writer == "a" else "a"
        assert not merkle.verify_inclusion(119, 120, leaf, proof.proof, heads[other].root)
        lines = [json.dumps(line) for line in export_lines(log)]
        verify_export(lines, [heads[writer]])
        with pytest.raises(EvidenceError):
            verify_export(lines, [heads[other]])


def test_tamper_on_one_writer_is_named_with_its_writer(dbs: dict[str, Database]) -> None:
    logs = _logs(dbs)
    heads = open_heads(checkpoint_logs(KEY.name, logs, KEY), KEY.verifier)
    with dbs["b"].engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE vallum_evidence SET record = replace(record, '\"n\":3', '\"n\":4') "
            "WHERE seq = 4"
        )
    with pytest.raises(ChainBrokenError, match=r"#4 .*writer b: .*edited"):
        verify_writers(logs, [heads])
    verify_writers({"a": logs["a"]}, [{"a": heads["a"]}])  # writer a is untouched


def test_a_consistent_rewrite_of_one_writer_is_named(dbs: dict[str, Database]) -> None:
    logs = _logs(dbs)
    heads = open_heads(checkpoint_logs(KEY.name, logs, KEY), KEY.verifier)
    logs["a"].append_many([_record(50, "a")])
    rows = attacker.rows(dbs["a"])
    attacker.rechain(dbs["a"], [(r.record, r.payload) for r in [rows[1], rows[0], *rows[2:]]])
    logs["a"].verify()  # alone, nothing shows
    with pytest.raises(ChainBrokenError, match=r"writer a: .*rewritten after that checkpoint"):
        verify_writers(logs, [heads])


def test_a_rewound_writer_head_is_detected(dbs: dict[str, Database]) -> None:
    logs = _logs(dbs)
    first = open_heads(checkpoint_logs(KEY.name, logs, KEY), KEY.verifier)
    attacker.rewind(dbs["b"], 3)  # cut b's tail, its head rewound to match
    logs["b"].verify()
    with pytest.raises(ChainBrokenError, match=r"writer b: .*removed after it"):
        verify_writers(logs, [first])
    # the key holder, signing what the database now says, signs the rewound head: named too
    later = open_heads(checkpoint_logs(KEY.name, logs, KEY), KEY.verifier)
    with pytest.raises(CheckpointError, match=r"writer b: head rewound or forked \(7 then 3\)"):
        verify_writers(logs, [first, later])


def test_a_forked_writer_head_at_the_same_size_is_detected(dbs: dict[str, Database]) -> None:
    logs = _logs(dbs)
    first = open_heads(checkpoint_logs(KEY.name, logs, KEY), KEY.verifier)
    rows = attacker.rows(dbs["a"])
    attacker.rechain(dbs["a"], [(r.record, r.payload) for r in [rows[1], rows[0], *rows[2:]]])
    later = open_heads(checkpoint_logs(KEY.name, logs, KEY), KEY.verifier)
    with pytest.raises(CheckpointError, match=r"writer a: head rewound or forked \(5 then 5\)"):
        check_later(first, later)


def test_a_checkpoint_missing_a_writer_is_detected(dbs: dict[str, Database]) -> None:
    logs = _logs(dbs)
    note = checkpoint_logs(KEY.name, logs, KEY)
    first = open_heads(note, KEY.verifier)
    # a line taken out of a signed note: the signature no longer holds
    cut = "".join(line for line in note.splitlines(True) if not line.startswith("writer b "))
    with pytest.raises(CheckpointError, match="does not verify"):
        open_heads(cut, KEY.verifier)
    # a later checkpoint signed without writer b (its log hidden from the signer)
    later = open_heads(checkpoint_logs(KEY.name, {"a": logs["a"]}, KEY), KEY.verifier)
    with pytest.raises(CheckpointError, match="writer b: in the checkpoint of size 7, gone"):
        verify_writers(logs, [first, later])
    # the writer's log withheld from the verifier
    with pytest.raises(ChainBrokenError, match="writer b: signed in a checkpoint, no log"):
        verify_writers({"a": logs["a"]}, [first])


def test_logs_that_only_grew_verify_and_a_new_writer_may_join(dbs: dict[str, Database]) -> None:
    logs = _logs(dbs)
    first = open_heads(checkpoint_logs(KEY.name, {"a": logs["a"]}, KEY), KEY.verifier)
    second = open_heads(checkpoint_logs(KEY.name, logs, KEY), KEY.verifier)
    logs["a"].append_many([_record(n, "a") for n in range(60, 64)])
    stored = logs["b"].tail(3)[-1]
    erase(logs["b"], stored.id, reason="data-subject request", by="test")
    third = open_heads(checkpoint_logs(KEY.name, logs, KEY), KEY.verifier)
    reports = verify_writers(logs, [first, second, third])
    assert {w: (r.records, r.checkpoints) for w, r in reports.items()} == {"a": (9, 3), "b": (8, 2)}


def _hand_signed(lines: list[str], size: int, root: bytes) -> str:
    """A note signed with the right key but not written by `sign_heads`."""
    body = f"{KEY.name}\n{size}\n{base64.b64encode(root).decode()}\n" + "".join(
        f"{line}\n" for line in lines
    )
    sig = base64.b64encode(KEY.verifier.id + KEY.sign(body.encode())).decode()
    return f"{body}\n\u2014 {KEY.name} {sig}\n"


def test_malformed_multi_writer_notes_are_refused() -> None:
    root = base64.b64encode(merkle.EMPTY_ROOT).decode()
    unsorted = [f"writer b 1 {root}", f"writer a 2 {root}"]
    with pytest.raises(CheckpointError, match="repeated or out of order"):
        open_heads(_hand_signed(unsorted, 2, heads_root(unsorted)), KEY.verifier)
    twice = [f"writer a 1 {root}", f"writer a 2 {root}"]
    with pytest.raises(CheckpointError, match="repeated or out of order"):
        open_heads(_hand_signed(twice, 2, heads_root(twice)), KEY.verifier)
    one = [f"writer a 1 {root}"]
    with pytest.raises(CheckpointError, match="root does not commit"):
        open_heads(_hand_signed(one, 2, heads_root(one)), KEY.verifier)
    with pytest.raises(CheckpointError, match="root does not commit"):
        open_heads(_hand_signed(one, 1, merkle.EMPTY_ROOT), KEY.verifier)
    for bad in (f"writer a 01 {root}", f"writer a -1 {root}", f"writer ../x 1 {root}",
                f"writer a 1 {root} extra", f"writer a 1 {root[:-2]}", f"writer a 1 {root[:-2]}.=",
                f"writer a 1 {root[:-1]}A", f"writer  a 1 {root}"):  # fmt: skip
        with pytest.raises(CheckpointError, match="malformed writer line"):
            open_heads(_hand_signed([bad], 1, heads_root([bad])), KEY.verifier)
    single = _hand_signed([], 3, merkle.EMPTY_ROOT)  # a one-log checkpoint is not a multi one
    with pytest.raises(CheckpointError, match="no writer lines"):
        open_heads(single, KEY.verifier)


@pytest.mark.parametrize("writer", ["", "a b", "../x", "-a", "\u00e9", "a" * 65, "a\nb"])
def test_writer_ids_are_tokens(writer: str) -> None:
    with pytest.raises(CheckpointError, match="writer id"):
        sign_heads(KEY.name, {writer: (0, merkle.EMPTY_ROOT)}, KEY)


def test_wrong_key_and_wrong_origin_are_refused(dbs: dict[str, Database]) -> None:
    logs = _logs(dbs)
    note = checkpoint_logs(KEY.name, logs, KEY)
    other = SigningKey.generate(KEY.name)  # same name, another key: forged
    with pytest.raises(CheckpointError, match="not signed by"):
        open_heads(note, other.verifier)
    elsewhere = SigningKey.generate("vallum.test/elsewhere")
    with pytest.raises(CheckpointError, match="different log"):
        open_heads(checkpoint_logs(elsewhere.name, logs, elsewhere), KEY.verifier)
    with pytest.raises(CheckpointError, match="cannot sign for origin"):
        checkpoint_logs("vallum.test/other", logs, KEY)


def test_a_multi_writer_note_is_no_single_log_checkpoint(dbs: dict[str, Database]) -> None:
    """Given where one log's checkpoint is expected it opens (extension lines are allowed)
    but its size and root are the writers' tree: verification fails, never passes."""
    logs = _logs(dbs, (2, 2))
    cp = open_checkpoint(checkpoint_logs(KEY.name, logs, KEY), KEY.verifier)
    assert cp.size == 2
    with pytest.raises(ChainBrokenError):
        logs["a"].verify(checkpoints=[cp])


def test_the_standalone_verifier_checks_one_writer_export(
    dbs: dict[str, Database], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vallum.evidence.verify_export import main

    logs = _logs(dbs)
    note = tmp_path / "cp.txt"
    note.write_text(checkpoint_logs(KEY.name, logs, KEY))
    pub = tmp_path / "log.pub"
    pub.write_text(KEY.verifier.encode())
    export = tmp_path / "b.jsonl"
    export.write_text("".join(json.dumps(line) + "\n" for line in export_lines(logs["b"])))
    args = [str(export), str(note), "--key", str(pub)]
    assert 0 == main([*args, "--writer", "b"])
    assert "size 7" in capsys.readouterr().out
    assert 1 == main([*args, "--writer", "a"])  # b's records against a's head
    assert 1 == main([*args, "--writer", "c"])
    assert "no head of writer 'c'" in capsys.readouterr().err
    assert 1 == main(args)  # read as one log's checkpoint it does not match
    lines = export.read_text().splitlines()
    export.write_text("\n".join(lines[:-1]) + "\n")  # b's last record held back
    assert 1 == main([*args, "--writer", "b"])
