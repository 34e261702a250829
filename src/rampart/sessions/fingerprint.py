"""Content fingerprints for argument-level taint.

Untrusted content is remembered as hashes of its tokens and token pairs, never as text. A tool
argument "appears in" that content when its single token, or nearly all of its token pairs, are
among those hashes: enough to say the recipient address or the amount came from a web page,
without keeping the page.
"""

from __future__ import annotations

import hashlib
import re
from itertools import pairwise

MIN_TOKEN_CHARS = 3
MAX_FINGERPRINTS = 20_000
PAIR_MATCH_RATIO = 0.8
_STRIP = ".,;:!?\"'()[]{}<>*`"


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


def _hash(piece: str) -> int:
    # Signed 64-bit so it fits a BIGINT column.
    return int.from_bytes(
        hashlib.blake2b(piece.encode(), digest_size=8).digest(), "big", signed=True
    )


def fingerprints(text: str) -> set[int]:
    """Hashes of the text's tokens (of at least MIN_TOKEN_CHARS) and consecutive token pairs."""
    toks = tokens(text)
    out = {_hash(t) for t in toks if len(t) >= MIN_TOKEN_CHARS}
    out.update(_hash(f"{a} {b}") for a, b in pairwise(toks))
    if len(out) > MAX_FINGERPRINTS:
        out = set(sorted(out)[:MAX_FINGERPRINTS])
    return out


def value_fingerprints(value: str) -> tuple[list[int], bool]:
    """The hashes a value must match, and whether it is a single token."""
    toks = tokens(value)
    if len(toks) == 1:
        return ([_hash(toks[0])] if len(toks[0]) >= MIN_TOKEN_CHARS else []), True
    return [_hash(f"{a} {b}") for a, b in pairwise(toks)], False
