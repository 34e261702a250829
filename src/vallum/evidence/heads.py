"""The signed note of many writers' heads (see `writers`): written and opened with no database,
so the stand-alone verifier (`verify_export --writer`) can use it."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

from vallum.evidence import merkle
from vallum.evidence.checkpoint import Checkpoint, open_checkpoint
from vallum.evidence.keys import SigningKey, VerifierKey
from vallum.exceptions import CheckpointError

WRITER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LINE = re.compile(r"writer (\S+) (0|[1-9][0-9]{0,18}) ([A-Za-z0-9+/]{43}=)")


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
