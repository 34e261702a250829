"""A witness: co-signs a log's checkpoint only once it is shown to extend the last one it signed.

A witness keeps, outside the log's reach, the last checkpoint it co-signed (`WitnessState`, a
small JSON file). Shown a new checkpoint, it checks the log's signature, then that the new tree
extends the old one (an RFC 9162 consistency proof between the two sizes, verified against the
old root it kept and the new root signed): a smaller tree, another root at the same size, or no
valid proof is a log that rewrote or forked its history, and the witness refuses. Otherwise it
adds its cosignature (c2sp.org/tlog-cosignature: Ed25519 over `cosignature/v1`, the time and the
checkpoint body; key id with type byte 0x04) and keeps the new checkpoint. A verifier who
requires the witness's cosignature knows the log showed the witness, and so everyone else it
shows, one history.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vallum.evidence import merkle
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.keys import SigningKey, VerifierKey
from vallum.exceptions import CheckpointError

COSIGNATURE_V1 = 0x04
_DASH = "\u2014 "
Prove = Callable[[int, int], list[bytes]]  # (old size, new size) -> consistency proof


@dataclass(frozen=True, slots=True)
class WitnessState:
    """The last checkpoint this witness co-signed: its origin, size and root."""

    origin: str
    size: int
    root: bytes

    @classmethod
    def load(cls, path: Path) -> WitnessState | None:
        """The state kept at `path`, None when the witness has signed nothing yet."""
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(str(data["origin"]), int(data["size"]), base64.b64decode(data["root"]))
        except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise CheckpointError(f"{path}: not a witness state file: {exc}") from exc

    def save(self, path: Path) -> None:
        """Written whole or not at all (a temporary file renamed over the old one)."""
        text = json.dumps(
            {"origin": self.origin, "size": self.size, "root": base64.b64encode(self.root).decode()}
        )
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text + "\n", encoding="utf-8")
        os.replace(temporary, path)


def cosignature_key_id(key: VerifierKey) -> bytes:
    return hashlib.sha256(
        key.name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + key.public
    ).digest()[:4]


def _message(cp: Checkpoint, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{_body(cp)}".encode()


def _body(cp: Checkpoint) -> str:
    return cp.text.rpartition("\n\n")[0] + "\n"


def witness(
    cp: Checkpoint, key: SigningKey, state_path: Path, prove: Prove, *, now: int | None = None
) -> str:
    """Co-sign `cp` (already opened with the log's key) if it extends the last checkpoint this
    witness signed, keep it as the new state and return the checkpoint with the cosignature
    line added; CheckpointError naming why not."""
    last = WitnessState.load(state_path)
    if last is not None:
        if last.origin != cp.origin:
            raise CheckpointError(
                f"this witness follows {last.origin!r}, not {cp.origin!r} (another state file)"
            )
        if cp.size < last.size:
            raise CheckpointError(
                f"checkpoint of size {cp.size} is smaller than the {last.size} already co-signed: "
                "the log was cut or rolled back"
            )
        if cp.size == last.size and cp.root != last.root:
            raise CheckpointError(
                f"another root at size {cp.size} than the one co-signed: the log forked"
            )
        if cp.size > last.size and not merkle.verify_consistency(
            last.size, cp.size, last.root, cp.root, prove(last.size, cp.size)
        ):
            raise CheckpointError(
                f"no consistency proof from the co-signed size {last.size} to {cp.size}: the "
                "log was rewritten"
            )
    timestamp = int(time.time()) if now is None else now
    signature = key.sign(_message(cp, timestamp))
    blob = cosignature_key_id(key.verifier) + timestamp.to_bytes(8, "big") + signature
    line = f"{_DASH}{key.name} {base64.b64encode(blob).decode()}\n"
    WitnessState(cp.origin, cp.size, cp.root).save(state_path)
    return cp.text + line


def cosigned_by(cp: Checkpoint, key: VerifierKey) -> int | None:
    """The time at which witness `key` co-signed this checkpoint, None when it did not."""
    wanted = cosignature_key_id(key)
    for line in cp.text.rpartition("\n\n")[2].splitlines():
        name, _, encoded = line.removeprefix(_DASH).partition(" ")
        if name != key.name:
            continue
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
        if len(blob) != 4 + 8 + 64 or blob[:4] != wanted:
            continue
        timestamp = int.from_bytes(blob[4:12], "big")
        if key.verify(_message(cp, timestamp), blob[12:]):
            return timestamp
    return None
