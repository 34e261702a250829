"""Content fingerprints for argument-level taint.

Content is remembered as hashes of its tokens and token pairs, never as text. A tool argument
"appears in" that content when its single token, or nearly all of its token pairs, are among
those hashes: enough to say the recipient address or the amount came from a web page, without
keeping the page.

Hashes come in three kinds, salted apart so one store holds all three without collisions:

- `TEXT`: free text of untrusted content (a web page, an e-mail body, a review);
- `RECORD`: a value of an identifier field of a structured untrusted result that the bundle
  declares (`record_fields`: a sender, an account number, a channel, a file id), one token;
- `USER`: what the user wrote. A value the user named is the user's, wherever else it appears;
- `TRUSTED`: what a trusted source or tool returned (the user's own account, a directory).

Text is compared in canonical form (`canonical_forms`: NFKC, invisible characters out, look-alikes
folded, links without scheme, numbers in words as digits), and besides its tokens every run of up
to `SQUASH_WINDOW` tokens is remembered separator-free (salted apart): a value matches the text
that split it (`DE89 3704 0044 ...`, `name at host dot com`) as it matches the text that wrote it
whole. Only salted hashes are stored, never the text.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from vallum.sessions.canonical_forms import (
    SCALES,
    drop_thousands,
    fold,
    phone_forms,
    squash,
    squash_all,
    token_form,
)

MAX_FINGERPRINTS = 20_000
SQUASH_WINDOW = 12  # tokens a split value may be spread over (an IBAN in pairs: 11)
MIN_SQUASH_CHARS = 6  # shorter separator-free runs name nothing on their own
MAX_SQUASH_CHARS = 64
_CHUNK_CHARS = 4  # a part this short (an IBAN's group, a phone's) may be a chunk of a value
PAIR_MATCH_RATIO = 0.8
_STRIP = ".,;:!?\"'()[]{}<>*`"


class Kind(StrEnum):
    TEXT = "text"
    RECORD = "record"
    USER = "user"
    TRUSTED = "trusted"


_KINDS = tuple(Kind)


# Quotes, brackets and separators split tokens too, so a value glued to its neighbours
# ('x@evil.example'.The, ["x@evil.example"]) is still the token it is.
_SEPARATORS = re.compile(r"[\s\"'`()\[\]{}<>,;|]+")


def tokens(text: str) -> list[str]:
    """The canonical tokens of `text` (`canonical_forms`): `Forty two` -> `42`, `two thousand
    five hundred` -> `2500`, `2,500.00` -> `2500`."""
    out: list[str] = []
    worded = False  # whether out[-1] is a number written (at least partly) in words
    # Text repeats its words: each distinct piece is stripped and put in canonical form once.
    known: dict[str, tuple[str, str, bool, int | None]] = {}
    keep = out.append
    for raw in _SEPARATORS.split(drop_thousands(fold(text))):
        seen = known.get(raw)
        if seen is None:
            token = raw.strip(_STRIP)
            form = token_form(token) if token else ""
            spelled = form != token and form.isdigit()
            seen = known[raw] = (token, form, spelled, SCALES.get(token))
        token, form, spelled, scale = seen
        if not token:
            continue
        if scale is not None and out and out[-1].isdigit() and len(out[-1]) < 16:
            out[-1] = str(_scaled(int(out[-1]), scale))  # "five hundred", "2 thousand"
            worded = True
            continue
        # "twenty two", "two thousand five": the words of one number are one number
        if spelled and worded and _joins(out[-1], form):
            out[-1] = str(int(out[-1]) + int(form))
            continue
        keep(form)
        worded = spelled
    return out


def _scaled(value: int, scale: int) -> int:
    """`value` followed by a scale word: the part below the scale's group is multiplied
    (2005 hundred -> 2500, 2000300 thousand -> 2300000)."""
    group = 1000 if scale == 100 else scale * 1000
    high, low = divmod(value, group)
    return high * group + low * scale


def _joins(previous: str, part: str) -> bool:
    """Whether a spelled `part` continues the spelled number `previous` (20 + 2, 2000 + 5)."""
    p, n = int(previous), int(part)
    return 0 < n < p and p % (10 ** len(part)) == 0


# What each kind's pieces are salted with. TEXT is unsalted (what earlier versions stored);
# separator-free runs have salts of their own.
_SALT = {kind: b"" if kind is Kind.TEXT else f"{kind.value}\x00".encode() for kind in Kind}
_SQUASH_SALT = {kind: f"squash-{kind.value}\x00".encode() for kind in Kind}
# The hash states after each salt, copied for every piece (never updated themselves).
_SALTED = {kind: hashlib.blake2b(salt, digest_size=8) for kind, salt in _SALT.items()}
_SQUASH_SALTED = {kind: hashlib.blake2b(salt, digest_size=8) for kind, salt in _SQUASH_SALT.items()}


def hashes(pieces: Iterable[str], kind: Kind, *, squashed: bool = False) -> list[int]:
    """Salted hashes of `pieces` (see `_hashes`), for other session keys built the same way."""
    return _hashes(pieces, kind, squashed=squashed)


def _hash(piece: str, kind: Kind) -> int:
    return _hashes([piece], kind)[0]


def _hashes(pieces: Iterable[str], kind: Kind, *, squashed: bool = False) -> list[int]:
    """Signed 64-bit hashes (they fit a BIGINT column), in order: BLAKE2b-64 of the salt and
    the piece. One loop for all pieces, each hashed from a copy of the salted state (a third
    cheaper than a fresh hash of salt + piece): this runs on every message the gateway sees."""
    salted = (_SQUASH_SALTED if squashed else _SALTED)[kind]
    digests: list[bytes] = []
    keep = digests.append
    for piece in pieces:
        state = salted.copy()
        state.update(piece.encode())
        keep(state.digest())
    return list(struct.unpack(f">{len(digests)}q", b"".join(digests)))


def _squashed_runs(toks: list[str]) -> set[str]:
    """The separator-free forms of every run (`_parts`, `_runs`)."""
    parts, joins = _parts(toks)
    return _runs(parts, joins, 0, len(parts))


def _parts(toks: list[str]) -> tuple[list[str], list[bool]]:
    """The parts runs are made of (each token's separator-free form, spelled separators left
    out) and whether each part continues a run begun two or more parts before.

    The separator-free forms of the runs of up to SQUASH_WINDOW tokens that can spell one
    value, long enough to name something.

    A value an attacker splits is written as chunks (`DE89 3704 0044`, `+1 (555) 010-2030`: each
    part short or with a digit) or glued by spelled separators (`name at host dot com`, `x - y`).
    A run continues past its first two parts only through such joints: prose (`the invoice of
    account`) spells no value, and hashing every run of it was most of the cost of fingerprinting
    a long text. Any two neighbouring parts still form a run (`evil . com/collect`)."""
    parts: list[str] = []
    chunky: list[bool] = []
    glued: list[bool] = []
    separated = False
    known: dict[str, tuple[str, bool]] = {}  # each distinct token squashed once
    for token in toks:
        seen = known.get(token)
        if seen is None:
            part = squash(token)
            seen = known[token] = (part, len(part) <= _CHUNK_CHARS or not part.isalpha())
        part, chunk = seen
        if not part:
            separated = True  # a spelled separator (`at`, `dot`, `-`) glues its neighbours
            continue
        parts.append(part)
        chunky.append(chunk)
        glued.append(separated)
        separated = False
    # whether part j continues a run past its first two parts (j > i + 1)
    joins = [
        g or (a and b) for g, a, b in zip(glued, chunky[:1] + chunky[:-1], chunky, strict=True)
    ]
    return parts, joins


def _runs(parts: list[str], joins: list[bool], first: int, last: int) -> set[str]:
    """The runs starting at parts `first` to `last` (exclusive), reaching as far as they go."""
    out: set[str] = set()
    add, n = out.add, len(parts)
    low, high, window = MIN_SQUASH_CHARS, MAX_SQUASH_CHARS, SQUASH_WINDOW
    for i in range(first, min(last, n)):
        run = parts[i]
        if len(run) >= low:
            add(run)
        j = i + 1
        if j >= n:
            continue
        run += parts[j]  # any two neighbours
        size = len(run)
        if size > high:
            continue
        if size >= low:
            add(run)
        stop = i + window if i + window < n else n
        j += 1
        while j < stop and joins[j]:  # further only through chunks or spelled separators
            run += parts[j]
            size = len(run)
            if size > high:
                break
            if size >= low:
                add(run)
            j += 1
    return out


def squash_value(value: str) -> str:
    """A value's separator-free form ("" when too short to match on its own)."""
    run = squash_all(tokens(value))
    return run if MIN_SQUASH_CHARS <= len(run) <= MAX_SQUASH_CHARS else ""


@dataclass(frozen=True, slots=True)
class Forms:
    """What matching one value needs, computed once per value: its canonical tokens, its
    separator-free forms (its own, an international phone number's others) and their hashes of
    every kind (a store looks them all up, then matches on them)."""

    toks: tuple[str, ...]
    squashed: tuple[str, ...]
    prints: Mapping[tuple[Kind, bool], tuple[int, ...]]  # by kind and separator-free or not

    def hashed(self, kind: Kind, *, squashed: bool) -> tuple[int, ...]:
        """The hashes of `kind` of the value's token pairs (its one token when single; none
        for a record of several tokens), or of its separator-free forms."""
        return self.prints[kind, squashed]


def forms(value: str | Forms) -> Forms:
    if isinstance(value, Forms):
        return value
    toks = tokens(value)
    run = squash_all(toks)
    found = [run] if MIN_SQUASH_CHARS <= len(run) <= MAX_SQUASH_CHARS else []
    found.extend(f for f in phone_forms(value) if f not in found and MIN_SQUASH_CHARS <= len(f))
    return Forms(tuple(toks), tuple(found), _value_prints(toks, found))


def _value_prints(toks: list[str], squashed: list[str]) -> dict[tuple[Kind, bool], tuple[int, ...]]:
    """Every kind's hashes of a value's pieces, in one loop (each piece encoded once)."""
    single = len(toks) == 1
    pieces = [t.encode() for t in (toks if single else map(" ".join, pairwise(toks)))]
    runs = [r.encode() for r in squashed]
    digests: list[bytes] = []
    keep = digests.append
    counts: list[int] = []
    for kind in _KINDS:
        whole = pieces if single or kind is not Kind.RECORD else []
        for salted, encoded in ((_SALTED[kind], whole), (_SQUASH_SALTED[kind], runs)):
            for piece in encoded:
                state = salted.copy()
                state.update(piece)
                keep(state.digest())
            counts.append(len(encoded))
    values = struct.unpack(f">{len(digests)}q", b"".join(digests))
    out: dict[tuple[Kind, bool], tuple[int, ...]] = {}
    at = 0
    keys = [(kind, squash) for kind in _KINDS for squash in (False, True)]
    for key, count in zip(keys, counts, strict=True):
        out[key] = values[at : at + count]
        at += count
    return out


def squash_fingerprints(value: str | Forms, kind: Kind) -> list[int]:
    """The separator-free hashes of `kind` a value may match."""
    return list(forms(value).hashed(kind, squashed=True))


def fingerprints(text: str, kind: Kind = Kind.TEXT) -> set[int]:
    """Hashes of the text's tokens and consecutive token pairs (a record: its one token).

    Every token counts, however short: a file id `13` or an account `7` is a destination too.
    """
    toks = tokens(text)
    if kind is Kind.RECORD:
        if len(toks) != 1:
            return set()
        run = squash_value(toks[0])
        return {_hash(toks[0], kind), *(_hashes([run], kind, squashed=True) if run else [])}
    # A long text is taken a batch of tokens at a time, each distinct token, pair and run of a
    # batch hashed once (text repeats its words and phrases), and only the MAX_FINGERPRINTS
    # smallest hashes are kept: once that many are held, a hash above the largest of them can
    # never be kept and is dropped at once. The strings and the set stay bounded whatever the
    # size of the text, so the cost per KB stays flat (one set of every run of a megabyte was
    # a million strings, and sorting every hash to keep the smallest grew as n log n).
    kept = _Smallest(MAX_FINGERPRINTS)
    for start in range(0, len(toks), _BATCH):
        batch = toks[start : start + _BATCH + 1]  # the pair across the cut too
        kept.add(_hashes({*batch[:_BATCH], *map(" ".join, pairwise(batch))}, kind))
    parts, joins = _parts(toks)
    for start in range(0, len(parts), _BATCH):
        kept.add(_hashes(_runs(parts, joins, start, start + _BATCH), kind, squashed=True))
    return kept.values()


_BATCH = 2048  # tokens (or parts) hashed together


class _Smallest:
    """The `size` smallest distinct integers of those added, in bounded memory (at most
    `_SLACK` times `size` held)."""

    def __init__(self, size: int):
        self._size = size
        self._held: set[int] = set()
        self._bound: int | None = None  # the largest of `size` held: nothing above it is kept

    def add(self, found: list[int]) -> None:
        bound = self._bound
        self._held.update(found if bound is None else [h for h in found if h < bound])
        if len(self._held) > _SLACK * self._size:
            self._prune()

    def values(self) -> set[int]:
        if len(self._held) > self._size:
            self._prune()
        return self._held

    def _prune(self) -> None:
        # Hashes are uniform over the signed 64-bit range, so the `size` smallest of n lie below
        # about size/n of it: only those (with a margin) are sorted, not all n. Should fewer
        # than `size` fall below the estimate, all are sorted: the result is exact either way.
        held, size = self._held, self._size
        estimate = -(2**63) + int(2**64 * min(1.0, 1.25 * size / len(held)))
        below = [h for h in held if h < estimate]
        smallest = sorted(below if len(below) >= size else held)[:size]
        self._held, self._bound = set(smallest), smallest[-1]


_SLACK = 4


def value_fingerprints(value: str | Forms, kind: Kind = Kind.TEXT) -> tuple[list[int], bool]:
    """The hashes of `kind` a value must match, and whether it is a single token."""
    f = forms(value)
    return list(f.hashed(kind, squashed=False)), len(f.toks) == 1


def all_value_fingerprints(value: str | Forms) -> set[int]:
    """Every hash, of any kind, that matching `value` may need to look up."""
    f = forms(value)
    return {h for found in f.prints.values() for h in found}
