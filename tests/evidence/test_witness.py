"""A witness co-signs a checkpoint only when it extends the last one it co-signed: a log that
grew is co-signed; a rollback, a fork at the same size, a rewrite after the co-signed size and a
checkpoint of another log are refused and named; cosignatures verify only with the witness key."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from vallum.cli.main import app
from vallum.evidence.checkpoint import open_checkpoint
from vallum.evidence.keys import SigningKey
from vallum.evidence.log import EvidenceLog
from vallum.evidence.proofs import checkpoint
from vallum.evidence.record import utc_now
from vallum.evidence.tree_proofs import consistency
from vallum.evidence.witness import WitnessState, cosigned_by, witness
from vallum.exceptions import CheckpointError
from vallum.storage.database import Database

from . import attacker

LOG_KEY = SigningKey.generate("vallum.test/witnessed")
WITNESS = SigningKey.generate("witness.test/w1")


def _record(n: int) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "created_at": utc_now(), "kind": "decision", "n": n}


def _grown(log: EvidenceLog, count: int) -> Any:
    log.append_many([_record(n) for n in range(count)])
    return open_checkpoint(checkpoint(log, LOG_KEY).text, LOG_KEY.verifier)


def _cosign(log: EvidenceLog, cp: Any, state: Path) -> str:
    return witness(cp, WITNESS, state, lambda old, new: consistency(log, old, new), now=1700000000)


def test_a_growing_log_is_cosigned_at_every_step(any_db: Database, tmp_path: Path) -> None:
    """Each checkpoint of a log that only grew is co-signed; the cosignature verifies with the
    witness key, is ignored by the log's own signature check, and not taken for another key's."""
    log, state = EvidenceLog(any_db), tmp_path / "w1.json"
    for count in (3, 0, 5, 1):
        cp = _grown(log, count)
        cosigned = open_checkpoint(_cosign(log, cp, state), LOG_KEY.verifier)
        assert 1700000000 == cosigned_by(cosigned, WITNESS.verifier)
        assert cosigned_by(cosigned, SigningKey.generate("witness.test/w1").verifier) is None
        assert cosigned_by(cp, WITNESS.verifier) is None
        assert WitnessState(cp.origin, cp.size, cp.root) == WitnessState.load(state)


def test_rollback_fork_and_rewrite_are_refused(sqlite_db: Database, tmp_path: Path) -> None:
    """A smaller tree, another root at the co-signed size, and a rewrite before the co-signed
    size that grew past it are each refused and named; the state keeps the last good one."""
    log, state = EvidenceLog(sqlite_db), tmp_path / "w1.json"
    good = _grown(log, 6)
    _cosign(log, good, state)
    attacker.rewind(sqlite_db, 4)
    with pytest.raises(CheckpointError, match="rolled back"):
        _cosign(log, open_checkpoint(checkpoint(log, LOG_KEY).text, LOG_KEY.verifier), state)
    forked = _grown(log, 2)  # six records again, the last two others
    with pytest.raises(CheckpointError, match="forked"):
        _cosign(log, forked, state)
    grown = _grown(log, 3)
    with pytest.raises(CheckpointError, match="rewritten"):
        _cosign(log, grown, state)
    assert WitnessState(good.origin, good.size, good.root) == WitnessState.load(state)


def test_another_logs_checkpoint_is_refused(sqlite_db: Database, tmp_path: Path) -> None:
    """A state file follows one origin: another log's checkpoint is refused."""
    log, state = EvidenceLog(sqlite_db), tmp_path / "w1.json"
    _cosign(log, _grown(log, 2), state)
    other = SigningKey.generate("vallum.test/other")
    cp = open_checkpoint(checkpoint(log, other).text, other.verifier)
    with pytest.raises(CheckpointError, match=r"follows 'vallum\.test/witnessed'"):
        _cosign(log, cp, state)


def test_cli_witness(tmp_path: Path) -> None:
    """`vallum audit witness` prints the cosigned checkpoint and refuses a rollback."""
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'v.db'}"
    db = Database(url)
    log = EvidenceLog(db)
    (tmp_path / "log.pub").write_text(LOG_KEY.verifier.encode() + "\n")
    (tmp_path / "w.key").write_text(WITNESS.encode() + "\n")
    args = ["audit", "witness", str(tmp_path / "cp.txt"), "--log-key", str(tmp_path / "log.pub"),
            "--key", str(tmp_path / "w.key"), "--state", str(tmp_path / "w.json"), "--db", url]  # fmt: skip
    (tmp_path / "cp.txt").write_text(_grown(log, 4).text)
    result = runner.invoke(app, args)
    assert 0 == result.exit_code, result.output
    cosigned = open_checkpoint(result.stdout, LOG_KEY.verifier)
    assert cosigned_by(cosigned, WITNESS.verifier) is not None
    attacker.rewind(db, 2)
    (tmp_path / "cp.txt").write_text(checkpoint(log, LOG_KEY).text)
    result = runner.invoke(app, args)
    assert 1 == result.exit_code
    assert "rolled back" in result.output
    db.dispose()
