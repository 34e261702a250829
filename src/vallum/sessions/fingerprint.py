"""Content fingerprints for argument-level taint.

Content is remembered as hashes of its tokens and token pairs, never as text. A tool argument
"appears in" that content when its single token, or nearly all of its token pairs, are among
those hashes: enough to say the recipient address or the amount came from a web page, without
keeping the page.

Hashes come in three kinds, salted apart so one store holds all three without collisions:

- `TEXT`: free text of untrusted content (a web page, an e-mail body, a review);
- `RECORD`: a value of an identifier field of a structured untrusted result that the bundle
  declares (`record_fields`: a sender, an account number, a channel, a file id), one token;
- `USER`: what the user wrote. A value the user named is the user's, wherever else it appears.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from enum import StrEnum
from itertools import pairwise

MAX_FINGERPRINTS = 20_000
PAIR_MATCH_RATIO = 0.8
_STRIP = ".,;:!?\"'()[]{}<>*`"


class Kind(StrEnum):
    TEXT = "text"
    RECORD = "record"
    USER = "user"


# Quotes, brackets and separators split tokens too, so a value glued to its neighbours
# ('x@evil.example'.The, ["x@evil.example"]) is still the token it is.
_SEPARATORS = re.compile(r"[\s\"'`()\[\]{}<>,;|]+")


def tokens(text: str) -> list[str]:
    out = []
    for raw in _SEPARATORS.split(text.casefold()):
        token = raw.strip(_STRIP)
        if token:
            out.append(token)
    return out


# What each kind's pieces are salted with. TEXT is unsalted (what earlier versions stored).
_SALT = {kind: b"" if kind is Kind.TEXT else f"{kind.value}\x00".encode() for kind in Kind}


def _hash(piece: str, kind: Kind) -> int:
    return _hashes([piece], kind)[0]


def _hashes(pieces: Iterable[str], kind: Kind) -> list[int]:
    """Signed 64-bit hashes (they fit a BIGINT column), in order. One loop for all pieces: this
    runs on every message the gateway sees."""
    salt, blake2b, from_bytes = _SALT[kind], hashlib.blake2b, int.from_bytes
    return [
        from_bytes(blake2b(salt + p.encode(), digest_size=8).digest(), "big", signed=True)
        for p in pieces
    ]


def fingerprints(text: str, kind: Kind = Kind.TEXT) -> set[int]:
    """Hashes of the text's tokens and consecutive token pairs (a record: its one token).

    Every token counts, however short: a file id `13` or an account `7` is a destination too.
    """
    toks = tokens(text)
    if kind is Kind.RECORD:
        return {_hash(toks[0], kind)} if len(toks) == 1 else set()
    out = set(_hashes([*toks, *(f"{a} {b}" for a, b in pairwise(toks))], kind))
    if len(out) > MAX_FINGERPRINTS:
        out = set(sorted(out)[:MAX_FINGERPRINTS])
    return out


def value_fingerprints(value: str, kind: Kind = Kind.TEXT) -> tuple[list[int], bool]:
    """The hashes of `kind` a value must match, and whether it is a single token."""
    toks = tokens(value)
    if len(toks) == 1:
        return [_hash(toks[0], kind)], True
    if kind is Kind.RECORD:
        return [], False
    return _hashes([f"{a} {b}" for a, b in pairwise(toks)], kind), False


def all_value_fingerprints(value: str) -> set[int]:
    """Every hash, of any kind, that matching `value` may need to look up."""
    return {h for kind in Kind for h in value_fingerprints(value, kind)[0]}
