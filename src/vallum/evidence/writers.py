"""Many writers: one tree per writer, every writer's head signed in one checkpoint.

Each writer appends to a log of its own (an `EvidenceLog` on its own tables: another schema on
the same PostgreSQL server, or another SQLite file), so no append waits for another writer's
head lock. One signed note commits to all of them:

    vallum.example/log
    2
    <base64 RFC 9162 root over the writer lines below, sorted by writer>
    writer gw-a 1042 <base64 root of gw-a's tree>
    writer gw-b 977 <base64 root of gw-b's tree>

    — vallum.example/log <signature>

It is a c2sp.org/tlog-checkpoint whose tree has one leaf per writer (the leaf is the writer's
line, UTF-8) and whose extension lines are those leaves, so the signature covers every writer's
(size, root). `open_heads` checks the signature, the lines and the root, and gives each writer's
head as a `Checkpoint` that the existing checks take unchanged: `EvidenceLog.verify(checkpoints=)`
on the writer's log, `verify_export` on the writer's export, proofs against the writer's tree.
A writer named in an earlier checkpoint must be in every later one, at a size no smaller, with
a consistency proof (`verify_writers`, `check_later`). Not yet wired into the CLI or gateway.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.heads import check_later, sign_heads
from vallum.evidence.keys import SigningKey
from vallum.evidence.log import EvidenceLog
from vallum.evidence.reader import VerifyReport
from vallum.exceptions import ChainBrokenError

__all__ = ["checkpoint_logs", "verify_writers"]


def checkpoint_logs(origin: str, logs: Mapping[str, EvidenceLog], key: SigningKey) -> str:
    """Sign the heads of these writers' logs now."""
    return sign_heads(origin, {w: log.tree_head() for w, log in logs.items()}, key)


def verify_writers(
    logs: Mapping[str, EvidenceLog], checkpoints: Sequence[Mapping[str, Checkpoint]]
) -> dict[str, VerifyReport]:
    """Verify each writer's log against its head in every checkpoint (opened by `open_heads`,
    oldest first); ChainBrokenError naming the writer, or a writer a checkpoint has and the
    logs do not."""
    for earlier, later in itertools.pairwise(checkpoints):
        check_later(earlier, later)
    reports = {}
    for writer in sorted({w for cps in checkpoints for w in cps} | set(logs)):
        log = logs.get(writer)
        if log is None:
            raise ChainBrokenError(0, "-", f"writer {writer}: signed in a checkpoint, no log")
        mine = [cps[writer] for cps in checkpoints if writer in cps]
        try:
            reports[writer] = log.verify(checkpoints=mine)
        except ChainBrokenError as exc:
            raise ChainBrokenError(
                exc.seq, exc.record_id, f"writer {writer}: {exc.problem}"
            ) from exc
    return reports
