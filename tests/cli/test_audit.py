"""`vallum audit head` and `vallum audit verify --expect-head`: a cut log fails against a head
recorded outside it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from vallum.cli.main import app

runner = CliRunner()


def _db(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "v.db"
    return f"sqlite:///{path}", path


def _fill(url: str, tmp_path: Path, count: int) -> None:
    from vallum.evidence.log import EvidenceLog
    from vallum.evidence.record import utc_now
    from vallum.storage.database import Database

    log = EvidenceLog(Database(url))
    for n in range(count):
        log.append({"id": f"r-{tmp_path.name}-{n}", "created_at": utc_now(), "kind": "decision"})


def _head(url: str) -> str:
    result = runner.invoke(app, ["audit", "head", "--db", url])
    assert 0 == result.exit_code, result.output
    return result.stdout.strip()


def test_head_then_expect_head_round_trip(tmp_path: Path) -> None:
    """The printed head verifies now and after more records; after a rewound tail it fails."""
    url, path = _db(tmp_path)
    _fill(url, tmp_path, 4)
    head = _head(url)
    assert head.startswith("4:")
    assert (
        0 == runner.invoke(app, ["audit", "verify", "--db", url, "--expect-head", head]).exit_code
    )
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM vallum_evidence WHERE seq = 4")
        conn.execute(
            "UPDATE vallum_evidence_head SET seq = 3, "
            "hash = (SELECT hash FROM vallum_evidence WHERE seq = 3)"
        )
    # A rewind that forgets the Merkle tree's frontier is caught even without the recorded head
    # (one that recomputes it is not: tests/evidence/test_truncation.py, test_tamper.py).
    plain = runner.invoke(app, ["audit", "verify", "--db", url])
    assert 1 == plain.exit_code
    assert "frontier" in plain.output
    result = runner.invoke(app, ["audit", "verify", "--db", url, "--expect-head", head, "--json"])
    assert 1 == result.exit_code
    assert False is json.loads(result.stdout)["ok"]


def test_verify_fails_on_dropped_tables(tmp_path: Path) -> None:
    """Dropping both evidence tables makes verify fail rather than report an empty log (it
    does not create them again)."""
    url, path = _db(tmp_path)
    _fill(url, tmp_path, 2)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE vallum_evidence")
        conn.execute("DROP TABLE vallum_evidence_head")
    result = runner.invoke(app, ["audit", "verify", "--db", url, "--json"])
    assert 1 == result.exit_code
    assert False is json.loads(result.stdout)["ok"]
    assert 1 == runner.invoke(app, ["audit", "verify", "--db", url]).exit_code


def test_verify_fails_on_emptied_tables(tmp_path: Path) -> None:
    """Deleting every row of both evidence tables fails verify ("intact: 0 records" was the bug)."""
    url, path = _db(tmp_path)
    _fill(url, tmp_path, 2)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM vallum_evidence")
        conn.execute("DELETE FROM vallum_evidence_head")
    result = runner.invoke(app, ["audit", "verify", "--db", url])
    assert 1 == result.exit_code
    assert "head row is missing" in result.output


def test_malformed_expect_head_is_refused(tmp_path: Path) -> None:
    """An --expect-head that is not SEQ:HASH exits 1 naming the option."""
    url, _ = _db(tmp_path)
    _fill(url, tmp_path, 1)
    result = runner.invoke(app, ["audit", "verify", "--db", url, "--expect-head", "1:zz"])
    assert 1 == result.exit_code
    assert "--expect-head" in result.output
