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

import base64
import itertools
import re
from collections.abc import Mapping

from vallum.evidence import merkle
from vallum.evidence.checkpoint import Checkpoint, open_checkpoint
from vallum.evidence.keys import SigningKey, VerifierKey
from vallum.evidence.log import EvidenceLog
from vallum.evidence.reader import VerifyReport
from vallum.exceptions import ChainBrokenError, CheckpointError

WRITER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LINE = re.compile(r"writer (\S+) (0|[1-9][0-9]{0,18}) (\S{44})")


def head_line(writer: str, size: int, root: bytes) -> str:
    if not WRITER.fullmatch(writer):
        raise CheckpointError(f"writer id {writer!r}: letters, digits, '.', '_', '-' (1-64)")
    return f"writer {writer} {size} {base64.b64encode(root).decode()}"


def heads_root(lines: list[str]) -> bytes:
    return merkle.root_of([merkle.leaf_hash(line.encode()) for line in lines])


def sign_heads(origin: str, heads: Mapping[str, tuple[int, bytes]], key: SigningKey) -> str:
    """One signed note over every writer's (size, root), writers sorted by id."""
    if not heads:
        raise CheckpointError("no writers to sign")
    if key.name != origin:
        raise CheckpointError(f"key {key.name!r} cannot sign for origin {origin!r}")
    lines = [head_line(w, size, root) for w, (size, root) in sorted(heads.items())]
    root = base64.b64encode(heads_root(lines)).decode()
    body = f"{origin}\n{len(lines)}\n{root}\n" + "".join(f"{line}\n" for line in lines)
    signature = base64.b64encode(key.verifier.id + key.sign(body.encode())).decode()
    return f"{body}\n\u2014 {key.name} {signature}\n"


def checkpoint_logs(origin: str, logs: Mapping[str, EvidenceLog], key: SigningKey) -> str:
    """Sign the heads of these writers' logs now."""
    return sign_heads(origin, {w: log.tree_head() for w, log in logs.items()}, key)


def open_heads(text: str, key: VerifierKey, *, source: str = "checkpoint") -> dict[str, Checkpoint]:
    """Each writer's signed head, from a note `sign_heads` wrote; CheckpointError naming what
    is wrong (signature, origin, a malformed, unsorted or repeated writer line, a root that
    does not match the lines)."""
    note = _checked_signature(text, key, source)
    lines = note.split("\n")[3:-1]
    heads: dict[str, Checkpoint] = {}
    for line in lines:
        match = _LINE.fullmatch(line)
        if match is None or not WRITER.fullmatch(match[1]):
            raise CheckpointError(f"{source}: malformed writer line {line[:80]!r}")
        writer, size, root = match[1], int(match[2]), base64.b64decode(match[3])
        if heads and writer <= max(heads):
            raise CheckpointError(f"{source}: writer {writer!r} repeated or out of order")
        heads[writer] = Checkpoint(f"{key.name}#{writer}", size, root, text)
    if not heads:
        raise CheckpointError(f"{source}: no writer lines (a single-writer checkpoint?)")
    first = note.split("\n")[:3]
    if int(first[1]) != len(lines) or base64.b64decode(first[2]) != heads_root(lines):
        raise CheckpointError(f"{source}: the root does not commit to the writer lines")
    return heads


def _checked_signature(text: str, key: VerifierKey, source: str) -> str:
    """The signed note body (with its extension lines) once `open_checkpoint` accepts it."""
    open_checkpoint(text, key, source=source)  # signature, origin, size and root lines
    return text.rpartition("\n\n")[0] + "\n"


def check_later(earlier: Mapping[str, Checkpoint], later: Mapping[str, Checkpoint]) -> None:
    """A later multi-writer checkpoint keeps every writer of an earlier one, at a size no
    smaller (the root's consistency needs the writer's tree: `verify_writers`)."""
    for writer, cp in earlier.items():
        now = later.get(writer)
        if now is None:
            raise CheckpointError(f"writer {writer}: in the checkpoint of size {cp.size}, gone")
        if now.size < cp.size or (now.size == cp.size and now.root != cp.root):
            raise CheckpointError(
                f"writer {writer}: head rewound or forked ({cp.size} then {now.size})"
            )


def verify_writers(
    logs: Mapping[str, EvidenceLog], checkpoints: list[Mapping[str, Checkpoint]]
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
