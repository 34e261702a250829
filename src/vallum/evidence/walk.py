"""One pass over the records in order: the Merkle tree recomputed from their stored bytes,
payload commitments, erasures, and the roots signed by earlier checkpoints.

Shared by `EvidenceLog.verify` (rows from the database) and `verify_export` (lines of an
export): neither needs anything but the records' stored canonical bytes, which are hashed as
stored, never re-serialised.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Sequence
from typing import Any

from vallum.evidence import merkle, payload
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.tree_store import frontier_text
from vallum.exceptions import ChainBrokenError

_sha256 = hashlib.sha256
_unhex = binascii.unhexlify
ABSENT = object()  # a payload not stored at all (a legacy row), as opposed to erased (None)


def check_payload(seq: int, rid: str, body: dict[str, Any], stored: Any) -> bool:
    """Whether the record's committed content was erased (True) or is there and matches
    (False); ChainBrokenError when it was changed."""
    if "payload" not in body:
        return False
    if stored is None:
        return True
    if (
        type(stored) not in (str, bytes)  # absent (a legacy row), or an odd type in the column
        or _sha256(stored.encode() if type(stored) is str else stored).hexdigest()
        != body["payload"]
    ):
        raise ChainBrokenError(
            seq, rid, "its content does not match the hash the record commits to (edited)"
        )
    return False


def _tree_ok(stored: str | bytes | None, expected: bytes) -> bool:
    try:
        return stored is not None and _unhex(stored) == expected
    except (binascii.Error, ValueError):
        return False


class TreeWalk:
    """Feed `add` every record in leaf order, then call `finish`; each raises
    `ChainBrokenError` naming what is wrong."""

    def __init__(
        self, checkpoints: Sequence[Checkpoint] = (), *, start: int = 0, chunk_level: int = 0,
        snapshots: Sequence[int] = (),
    ):  # fmt: skip
        """`start`, `chunk_level`: walk only leaves from `start` (a multiple of 2**chunk_level,
        at most that many), building the tree of that chunk alone (`verify_parallel` joins
        chunks); `snapshots`: sizes at which to keep a copy of the chunk's frontier."""
        self.size = self.start = start
        self.chunk_level = chunk_level
        self._last_local = (1 << chunk_level) - 1 if chunk_level else -1
        self.extra = b""  # tree entries of the chunk's last leaf above the chunk (chunked walk)
        self.snapshots: dict[int, list[bytes]] = {size: [] for size in snapshots}
        self.frontier: list[bytes] = []
        self._due = sorted(checkpoints, key=lambda cp: cp.size)
        self._erased: dict[int, tuple[str, str]] = {}  # seq -> (id, commitment) missing payload
        self._erasures: dict[int, str] = {}  # seq -> commitment named by an erasure record
        self.checked: list[Checkpoint] = []
        self._stops = {cp.size for cp in self._due} | set(self.snapshots)
        self._check_due()

    def add(
        self, seq: int, rid: str, data: bytes, body: dict[str, Any], stored_payload: Any,
        stored_tree: str | bytes | None = None, *, check_tree: bool = False,
    ) -> None:  # fmt: skip
        """One record, by its stored bytes and parsed body (the hot loop of verification:
        hashing inlined)."""
        size = self.size
        if seq != size + 1:
            raise ChainBrokenError(size + 1, rid, f"leaf #{size + 1} is missing (next is #{seq})")
        frontier = self.frontier
        h = leaf = _sha256(b"\x00" + data).digest()
        completed = b""
        k = size - self.start
        while k & 1:
            h = _sha256(b"\x01" + frontier.pop() + h).digest()
            completed += h
            k >>= 1
        frontier.append(h)
        if check_tree:
            self.check_tree(seq, rid, stored_tree, leaf + completed)
        self.note_content(seq, rid, body, stored_payload)
        self.size = seq
        if seq in self.stops:
            self.reached(seq)

    def check_tree(self, seq: int, rid: str, stored: str | bytes | None, local: bytes) -> None:
        """The row's stored tree entry is `local` (the leaf hash, then the subtree roots it
        completed), or for a chunk's last leaf starts with it (the rest checked by the join)."""
        if not _tree_ok(stored, local) and (
            seq - 1 - self.start != self._last_local or not self._keep_extra(stored, local)
        ):
            raise ChainBrokenError(
                seq, rid, "its Merkle tree entry does not match the record (the tree was edited)"
            )

    def note_content(self, seq: int, rid: str, body: dict[str, Any], stored_payload: Any) -> None:
        """Check the committed content, and remember erasures to match them up in `finish`."""
        if "payload" in body and check_payload(seq, rid, body, stored_payload):
            self._erased[seq] = (rid, str(body["payload"]))
        if body.get("kind") == payload.KIND_ERASED:
            target = body.get("erased") or {}
            self._erasures[int(target.get("seq", 0))] = str(target.get("payload", ""))

    @property
    def stops(self) -> set[int]:
        """The sizes at which `reached` must be called (checkpoints due, snapshots)."""
        return self._stops

    def reached(self, size: int) -> None:
        """The walk holds `size` leaves (`self.size` already set): check the checkpoints of
        that size, keep the snapshot."""
        if size == self._next_due:
            self._check_due()
        if size in self.snapshots:
            self.snapshots[size] = list(self.frontier)

    @classmethod
    def joined(
        cls, size: int, frontier: list[bytes], erased: dict[int, tuple[str, str]],
        erasures: dict[int, str], checked: list[Checkpoint], due: list[Checkpoint],
    ) -> TreeWalk:  # fmt: skip
        """The walk of a whole log put together from chunks (`chunks.join`)."""
        walk = cls()
        walk.size, walk.frontier, walk.checked, walk._due = size, frontier, checked, due
        walk._erased, walk._erasures = erased, erasures
        return walk

    def _keep_extra(self, stored: str | bytes | None, local: bytes) -> bool:
        """The last leaf of a chunk also completes subtrees above it, which only the joined
        tree knows: keep them to be checked there."""
        try:
            raw = _unhex(stored or "")
        except (binascii.Error, ValueError):
            return False
        if not raw.startswith(local):
            return False
        self.extra = raw[len(local) :]
        return True

    @property
    def erased(self) -> dict[int, tuple[str, str]]:
        return self._erased

    @property
    def erasures(self) -> dict[int, str]:
        return self._erasures

    def _check_due(self) -> None:
        while self._due and self._due[0].size <= self.size:
            cp = self._due.pop(0)
            if merkle.fold(self.frontier) != cp.root:
                raise ChainBrokenError(
                    cp.size,
                    "-",
                    f"the first {cp.size} records are not those the checkpoint of size "
                    f"{cp.size} signed: the log was rewritten after that checkpoint",
                )
            self.checked.append(cp)
        self._next_due = self._due[0].size if self._due else -1

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
