"""`vallum audit checkpoint-writers | verify-writers` end to end through the CLI: two writers,
a SQLite file each, one signed note; tamper and a rewound writer named; the stand-alone verifier
checks one writer's export against the note."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vallum.cli.main import app

runner = CliRunner()


def _fill(url: str, count: int, tag: str) -> None:
    from vallum.evidence.log import EvidenceLog
    from vallum.evidence.record import utc_now
    from vallum.storage.database import Database

    db = Database(url)
    EvidenceLog(db).append_many(
        [{"id": f"{tag}-{n}-0000-0000", "created_at": utc_now(), "kind": "decision", "n": n}
         for n in range(count)]
    )  # fmt: skip
    db.dispose()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def writers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    key = tmp_path / "log.key"
    code, out = _run("audit", "keygen", "--name", "vallum.test/writers", "--out", str(key))
    assert 0 == code, out
    monkeypatch.setenv("VALLUM_SIGNING_KEY_FILE", str(key))
    args = []
    for name, count in (("gw-a", 4), ("gw-b", 6)):
        url = f"sqlite:///{tmp_path / name}.db"
        _fill(url, count, name)
        args += ["--writer", f"{name}={url}"]
    return args, Path(f"{key}.pub")


def test_sign_and_verify_many_writers(writers: tuple[list[str], Path], tmp_path: Path) -> None:
    args, pub = writers
    cp = tmp_path / "cp1.txt"
    code, out = _run("audit", "checkpoint-writers", *args, "--out", str(cp))
    assert 0 == code, out
    assert "writer gw-a 4 " in out and "writer gw-b 6 " in out and cp.read_text() == out
    code, out = _run("audit", "verify-writers", *args, "--checkpoint", str(cp), "--key", str(pub))
    assert (
        0,
        [
            "ok: writer gw-a: 4 records, 1 checkpoint(s)",
            "ok: writer gw-b: 6 records, 1 checkpoint(s)",
        ],
    ) == (code, out.splitlines()), out
    # gw-b's export, checked alone against the note by the stand-alone verifier
    from vallum.evidence.verify_export import main

    url_b = args[3].partition("=")[2]
    code, export = _run("audit", "export", "--db", url_b)
    assert 0 == code, export
    (tmp_path / "b.jsonl").write_text(export)
    assert 0 == main([str(tmp_path / "b.jsonl"), str(cp), "--key", str(pub), "--writer", "gw-b"])
    assert 1 == main([str(tmp_path / "b.jsonl"), str(cp), "--key", str(pub), "--writer", "gw-a"])


def test_tamper_rewind_and_a_missing_writer_are_named(
    writers: tuple[list[str], Path], tmp_path: Path
) -> None:
    args, pub = writers
    cp1 = tmp_path / "cp1.txt"
    assert 0 == _run("audit", "checkpoint-writers", *args, "--out", str(cp1))[0]
    # a later note signed without gw-b: gw-b is gone
    cp2 = tmp_path / "cp2.txt"
    assert 0 == _run("audit", "checkpoint-writers", *args[:2], "--out", str(cp2))[0]
    code, out = _run(
        "audit", "verify-writers", *args, "--checkpoint", str(cp1), "--checkpoint", str(cp2),
        "--key", str(pub),
    )  # fmt: skip
    assert 1 == code and "writer gw-b: in the checkpoint of size 6, gone" in out, out
    # gw-b's log withheld from the verifier
    code, out = _run("audit", "verify-writers", *args[:2], "--checkpoint", str(cp1))
    assert 1 == code and "writer gw-b: signed in a checkpoint, no log" in out, out
    # gw-b's tail cut (a naive cut: the head says more)
    with sqlite3.connect(tmp_path / "gw-b.db") as conn:
        conn.execute("DELETE FROM vallum_evidence WHERE seq > 4")
    code, out = _run("audit", "verify-writers", *args, "--checkpoint", str(cp1))
    assert 1 == code and "writer gw-b:" in out and "removed from the end" in out, out
    # a malformed --writer
    code, out = _run("audit", "verify-writers", "--writer", "gw-a", "--checkpoint", str(cp1))
    assert 1 == code and "WRITER=DATABASE_URL" in out, out
