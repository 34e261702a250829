"""One pass over the records in order: the Merkle tree recomputed from their stored bytes,
payload commitments, erasures, and the roots signed by earlier checkpoints.

Shared by `EvidenceLog.verify` (rows from the database) and `verify_export` (lines of an
export): neither needs anything but the records' stored canonical bytes, which are hashed as
stored, never re-serialised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vallum.evidence import merkle, payload
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.tree_store import frontier_text, tree_text
from vallum.exceptions import ChainBrokenError

ABSENT = object()  # a payload not stored at all (a legacy row), as opposed to erased (None)


def check_payload(seq: int, rid: str, body: dict[str, Any], stored: Any) -> bool:
    """Whether the record's committed content was erased (True) or is there and matches
    (False); ChainBrokenError when it was changed."""
    if "payload" not in body:
        return False
    if stored is None:
        return True
    if stored is ABSENT or not payload.matches(body, stored):
        raise ChainBrokenError(
            seq, rid, "its content does not match the hash the record commits to (edited)"
        )
    return False


class TreeWalk:
    """Feed `add` every record in leaf order, then call `finish`; each raises
    `ChainBrokenError` naming what is wrong."""

    def __init__(self, checkpoints: Sequence[Checkpoint] = ()):
        self.size = 0
        self.frontier: list[bytes] = []
        self._due = sorted(checkpoints, key=lambda cp: cp.size)
        self._erased: dict[int, tuple[str, str]] = {}  # seq -> (id, commitment) missing payload
        self._erasures: dict[int, str] = {}  # seq -> commitment named by an erasure record
        self.checked: list[Checkpoint] = []
        self._check_due()

    def add(
        self, seq: int, rid: str, data: bytes, body: dict[str, Any], stored_payload: Any,
        stored_tree: str | None = None, *, check_tree: bool = False,
    ) -> None:  # fmt: skip
        if seq != self.size + 1:
            raise ChainBrokenError(
                self.size + 1, rid, f"leaf #{self.size + 1} is missing (next is #{seq})"
            )
        leaf = merkle.leaf_hash(data)
        completed = merkle.push(self.frontier, self.size, leaf)
        if check_tree and stored_tree != tree_text(leaf, completed):
            raise ChainBrokenError(
                seq, rid, "its Merkle tree entry does not match the record (the tree was edited)"
            )
        if check_payload(seq, rid, body, stored_payload):
            self._erased[seq] = (rid, str(body["payload"]))
        if body.get("kind") == payload.KIND_ERASED:
            target = body.get("erased") or {}
            self._erasures[int(target.get("seq", 0))] = str(target.get("payload", ""))
        self.size = seq
        self._check_due()

    def _check_due(self) -> None:
        while self._due and self._due[0].size == self.size:
            cp = self._due.pop(0)
            if merkle.fold(self.frontier) != cp.root:
                raise ChainBrokenError(
                    cp.size,
                    "-",
                    f"the first {cp.size} records are not those the checkpoint of size "
                    f"{cp.size} signed: the log was rewritten after that checkpoint",
                )
            self.checked.append(cp)

    @property
    def root(self) -> bytes:
        return merkle.fold(self.frontier)

    @property
    def frontier_hex(self) -> str:
        return frontier_text(self.frontier)

    def finish(self) -> None:
        """Every checkpoint was reached; every missing payload was erased by a record."""
        if self._due:
            cp = self._due[-1]
            raise ChainBrokenError(
                self.size,
                "-",
                f"the log holds {self.size} records but a checkpoint signed {cp.size}: "
                "records were removed after it (a cut tail with the head rewound, or an "
                "emptied, dropped or replaced table)",
            )
        for seq, (rid, commitment) in self._erased.items():
            if self._erasures.get(seq) != commitment:
                raise ChainBrokenError(
                    seq, rid, "its content was deleted without an erasure record"
                )
