"""Signed checkpoints: a tree head (origin, size, root) as a C2SP signed note.

    vallum.example/log
    1042
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — vallum.example/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5...

c2sp.org/tlog-checkpoint (note text: origin, decimal size, base64 RFC 9162 root) signed as
c2sp.org/signed-note says (the text up to and including its last newline is signed; each
signature line is an em dash, a space, the key name, a space and base64(key id || signature)).
Signatures from other keys (witness cosignatures) are kept and ignored, as the spec requires.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from vallum.evidence.keys import SigningKey, VerifierKey
from vallum.exceptions import CheckpointError

_DASH = "\u2014 "
MAX_NOTE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str  # the signed note as written

    @property
    def root_b64(self) -> str:
        return base64.b64encode(self.root).decode()

    def __str__(self) -> str:
        return f"{self.origin} size {self.size} root {self.root_b64}"


def sign(origin: str, size: int, root: bytes, key: SigningKey) -> Checkpoint:
    """A checkpoint signed by `key` (whose name must be the origin)."""
    if key.name != origin:
        raise CheckpointError(f"key {key.name!r} cannot sign for origin {origin!r}")
    body = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    signature = base64.b64encode(key.verifier.id + key.sign(body.encode())).decode()
    return Checkpoint(origin, size, root, f"{body}\n{_DASH}{key.name} {signature}\n")


def open_checkpoint(text: str, key: VerifierKey, *, source: str = "checkpoint") -> Checkpoint:
    """Parse a signed checkpoint and verify its signature by `key`; CheckpointError naming what
    is wrong: not a checkpoint, not signed by this key (forged or another log's), bad signature,
    or an origin that is not the key's (a checkpoint of a different log)."""
    if len(text.encode()) > MAX_NOTE_BYTES:
        raise CheckpointError(f"{source}: larger than {MAX_NOTE_BYTES} bytes")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise CheckpointError(f"{source}: control characters are not allowed in a signed note")
    body, sep, sigs = text.rpartition("\n\n")
    if not sep or not body:
        raise CheckpointError(f"{source}: no blank line before the signatures")
    body += "\n"
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise CheckpointError(f"{source}: expected origin, size and root hash lines")
    origin, size_text, root_text = lines[:3]
    if (
        not size_text.isascii()
        or not size_text.isdigit()
        or (size_text.startswith("0") and size_text != "0")
    ):
        raise CheckpointError(f"{source}: tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        root = b""
    if len(root) != 32:
        raise CheckpointError(f"{source}: root hash {root_text!r} is not 32 bytes of base64")
    if origin != key.name:
        raise CheckpointError(
            f"{source}: checkpoint of a different log: origin {origin!r}, this log is {key.name!r}"
        )
    verdict = _signature(body.encode(), sigs, key, source)
    if verdict is not None:
        raise CheckpointError(verdict)
    return Checkpoint(origin, int(size_text), root, text)


def _signature(message: bytes, sigs: str, key: VerifierKey, source: str) -> str | None:
    """None when a signature line by `key` verifies; else why not."""
    if not sigs.endswith("\n"):
        return f"{source}: the signature block must end with a newline"
    found = False
    for line in sigs[:-1].split("\n"):
        if not line.startswith(_DASH):
            return f"{source}: malformed signature line {line[:60]!r}"
        name, _, blob = line[len(_DASH) :].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error:
            return f"{source}: signature of {name!r} is not base64"
        if len(raw) < 5:
            return f"{source}: signature of {name!r} is too short"
        if name != key.name or raw[:4] != key.id:
            continue  # another key's (a witness cosignature): ignored
        if not key.verify(message, raw[4:]):
            return (
                f"{source}: the signature by {key.name} (key {key.id.hex()}) does not verify: "
                "the checkpoint was altered or forged"
            )
        found = True
    if not found:
        return (
            f"{source}: not signed by {key.name} (key {key.id.hex()}): forged, or signed with "
            "another key"
        )
    return None
