"""Verification in chunks on real processes (spawned, each with its own connection) finds and
names what one pass does; `test_tamper` runs its whole matrix in chunks too (in process)."""

from __future__ import annotations

import pytest

from vallum.evidence import chunks
from vallum.storage.database import Database

from . import attacker
from .test_tamper import _fails, _log, _rewrite


def test_chunks_on_processes(any_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    log, cp = _log(any_db)
    monkeypatch.setattr(chunks, "PARALLEL_FROM", 1)
    monkeypatch.setattr(chunks, "WORKERS", 3)
    assert 12 == log.verify(checkpoints=[cp]).records
    attacker.rechain(any_db, _rewrite([(r.record, r.payload) for r in attacker.rows(any_db)]))
    _fails(log, cp, "rewritten after that checkpoint")


def test_plan() -> None:
    assert [(0, 4, 2), (4, 8, 2), (8, None, 2)] == chunks.plan(12, 3, parallel_from=1)
    assert [(0, None, 0)] == chunks.plan(12, 1, parallel_from=1)
    assert [(0, None, 0)] == chunks.plan(12, 3)  # small logs: one pass
    big = chunks.plan(1_000_000, 2)
    assert [(0, 524288, 19), (524288, None, 19)] == big
