"""A Guard on the example bundle with its own SQLite database, for the framework tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from vallum.guard import Guard

ATTACKER = "attacker@evil.example"


@pytest.fixture
def guard(example_dir: Path, tmp_path: Path) -> Guard:
    return Guard(
        example_dir, principal="agent:support-bot", database_url=f"sqlite:///{tmp_path / 'v.db'}"
    )
