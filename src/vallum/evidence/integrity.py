"""What shows an evidence log once held more than it holds now.

An intact chain proves nothing about records cut from its end: whoever can write the database
can delete the last records and rewind the head row, or empty both tables. Three things still
show it, and `EvidenceLog.verify` checks each:

- the head row is created with the table (`storage.tables`), never later, so a log with no head
  row was emptied (or its tables are missing altogether);
- every approval row was written in one transaction with its `approval.requested` record (and a
  used approval with its `approval.used` record), so the approvals table cannot hold more of
  them than the log does;
- a head recorded elsewhere (`vallum audit head`, kept outside the database) must still be in
  the chain at the same position: a log that only grew since verifies, a cut one does not.

Signed checkpoints that leave the machine are the stronger form of the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from vallum.storage.tables import approvals, evidence

_HEAD = re.compile(r"^(\d+):([0-9a-f]{64})$")


@dataclass(frozen=True, slots=True)
class Head:
    """A position in the chain: record `seq` has hash `hash` (seq 0 is the empty log)."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """`SEQ:HASH` as `vallum audit head` prints it; raise ValueError otherwise."""
        match = _HEAD.match(text.strip().lower())
        if match is None:
            raise ValueError(f"head {text!r} must be SEQ:HASH (as `vallum audit head` prints)")
        return cls(int(match.group(1)), match.group(2))


def missing_records(conn: Connection) -> str | None:
    """Why the approvals table shows records the log no longer holds, or None."""
    held = conn.execute(
        select(func.count()).select_from(approvals).where(approvals.c.used_at.is_not(None))
    ).scalar_one()
    total = conn.execute(select(func.count()).select_from(approvals)).scalar_one()
    if not total:
        return None
    kinds: dict[str, int] = dict(
        conn.execute(
            select(evidence.c.kind, func.count())
            .where(evidence.c.kind.in_(("approval.requested", "approval.used")))
            .group_by(evidence.c.kind)
        ).all()
    )
    if kinds.get("approval.requested", 0) < total:
        return (
            f"{total} approvals were requested but the log records "
            f"{kinds.get('approval.requested', 0)}: records were removed"
        )
    if kinds.get("approval.used", 0) < held:
        return (
            f"{held} approvals were used but the log records "
            f"{kinds.get('approval.used', 0)}: records were removed"
        )
    return None
