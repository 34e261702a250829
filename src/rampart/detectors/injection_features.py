"""Hashed n-gram features for the prompt-injection model, shared by training and detection.

Text is normalised (NFKC, lower case, look-alike Cyrillic and Greek letters folded to Latin),
then turned into positioned feature indices in a 2^18 space:

- character 3-, 4- and 5-grams of the normalised text;
- word unigrams and bigrams of the text with leetspeak folded (`1gn0r3` reads as `ignore`);
- one feature per heuristic pattern match (see `injection_patterns`);
- one length-bucket feature per scored window (`length_slots`), so the model has an explicit,
  stage-crossed prior per length and need not read "short" into the n-gram weights.

Everything is vectorised with numpy: n-gram hashes are polynomial rolling hashes over the
UTF-32 code points (fixed constants, so the same on every machine, unlike Python's `hash()`), and
word hashes come from prefix hashes. Features carry the position where they start, so the
detector can score any window of a long text from prefix sums without re-featurising.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rampart.detectors.injection_patterns import HEURISTICS, match_heuristics

BITS = 18
DIM = 1 << BITS
CHAR_NGRAMS = (3, 4, 5)
MAX_SEGMENT = 1 << 16

_P = np.uint64(0x100000001B3)  # FNV prime: odd, so invertible modulo 2^64
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SALTS = {n: np.uint64(0x51ED270B27D1A3C5 * n & 0xFFFFFFFFFFFFFFFF) for n in (1, 2, 3, 4, 5)}
_SHIFT = np.uint64(64 - BITS)

# Look-alike letters folded to the Latin letter they imitate.
_CONFUSABLE_PAIRS = (
    "аa еe оo рp сc уy хx іi јj ѕs ԁd һh кk мm тt вb нh ɡg αa οo ρp τt υu νv κk ιi εe ζz ηn χx"
)
_CONFUSABLES = str.maketrans({pair[0]: pair[1] for pair in _CONFUSABLE_PAIRS.split()})
_LEET = str.maketrans("0134578@$|!", "oieastbasii")
# Word characters of the leet-folded text: a-z, 0-9 and every code point from 192 up (the last
# entry stands for all of those: lookups clip to it).
_WORD_CHAR = np.zeros(193, dtype=bool)
_WORD_CHAR[ord("a") : ord("z") + 1] = True
_WORD_CHAR[ord("0") : ord("9") + 1] = True
_WORD_CHAR[192] = True


def _powers(base: np.uint64, count: int) -> npt.NDArray[np.uint64]:
    with np.errstate(over="ignore"):
        out = np.empty(count, dtype=np.uint64)
        out[0] = 1
        out[1:] = base
        return np.cumprod(out, dtype=np.uint64)


def _inverse(a: int) -> int:
    return pow(a, -1, 1 << 64)


_POW = _powers(_P, MAX_SEGMENT + 1)
_INV_POW = _powers(np.uint64(_inverse(int(_P))), MAX_SEGMENT + 1)
HEURISTIC_BASE = DIM - len(HEURISTICS)  # the last indices are reserved for heuristics
# Upper bounds (exclusive) of the window-length buckets, in characters; one more bucket above.
LENGTH_EDGES = (24, 48, 96, 192, 384)
LENGTH_BASE = HEURISTIC_BASE - len(LENGTH_EDGES) - 1  # then for length buckets
RESERVED = DIM - LENGTH_BASE


def length_slots(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The feature index of each window length's bucket."""
    edges = np.array(LENGTH_EDGES, dtype=np.int64)
    return LENGTH_BASE + np.searchsorted(edges, lengths, side="right").astype(np.int64)


def normalise(text: str) -> str:
    """The text the model sees. Same length as `text` when `text` is ASCII."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.lower().translate(_CONFUSABLES)


@dataclass(frozen=True, slots=True)
class Features:
    """Feature indices and where each starts in the normalised text of length `length`."""

    index: npt.NDArray[np.int64]
    position: npt.NDArray[np.int64]
    length: int
    heuristics: int = 0  # how many of the trailing features are heuristic matches


def _finish(h: npt.NDArray[np.uint64], salt: np.uint64) -> npt.NDArray[np.int64]:
    with np.errstate(over="ignore"):
        return _index(h ^ salt)


def _index(salted: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Feature indices of salted hashes (elementwise, so one call may cover every n-gram size)."""
    with np.errstate(over="ignore"):
        mixed = salted * _MIX
    idx = (mixed >> _SHIFT).astype(np.int64)
    # Keep hashed features off the slots reserved for length buckets and heuristics.
    return np.where(idx >= LENGTH_BASE, idx - RESERVED, idx)


def featurise(text: str) -> Features:
    """Positioned hashed features of `text` (already normalised or not: it is normalised here)."""
    norm = normalise(text)
    if len(norm) > MAX_SEGMENT:
        norm = norm[:MAX_SEGMENT]
    n = len(norm)
    raw = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)
    codes = raw.astype(np.uint64)
    # Salted hashes of every hashed feature, mixed into indices in one pass at the end (the mix
    # is elementwise, so this is the same as mixing each n-gram size on its own, only cheaper).
    salted: list[npt.NDArray[np.uint64]] = []
    positions: list[npt.NDArray[np.int64]] = []
    with np.errstate(over="ignore"):
        # Rolling: the hash of an (n+1)-gram extends the n-gram's, so each size costs one pass.
        h = codes
        every = np.arange(n, dtype=np.int64)
        for size in range(2, max(CHAR_NGRAMS) + 1):
            if n < size:
                break
            h = h[: n - size + 1] * _P + codes[size - 1 :]
            if size in CHAR_NGRAMS:
                salted.append(h ^ _SALTS[size])
                positions.append(every[: n - size + 1])
        leet = norm.translate(_LEET)
        lraw = raw if leet == norm else np.frombuffer(leet.encode("utf-32-le"), dtype=np.uint32)
        word = np.take(_WORD_CHAR, lraw, mode="clip")
        if word.any():
            lcodes = codes if lraw is raw else lraw.astype(np.uint64)
            edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
            starts = np.flatnonzero(edges == 1)
            ends = np.flatnonzero(edges == -1)
            prefix = np.concatenate(([np.uint64(0)], np.cumsum(lcodes * _POW[:n], dtype=np.uint64)))
            words = (prefix[ends] - prefix[starts]) * _INV_POW[starts]
            salted.append(words ^ _SALTS[1])
            positions.append(starts.astype(np.int64))
            if len(words) > 1:
                pairs = words[:-1] * _MIX + words[1:]
                salted.append(pairs ^ _SALTS[2])
                positions.append(starts[:-1].astype(np.int64))
    indices = [_index(np.concatenate(salted))] if salted else []
    matches = match_heuristics(norm)
    if matches:
        indices.append(np.array([HEURISTIC_BASE + slot for slot, _ in matches], dtype=np.int64))
        positions.append(np.array([start for _, start in matches], dtype=np.int64))
    if not indices:
        empty = np.zeros(0, dtype=np.int64)
        return Features(empty, empty, n)
    return Features(np.concatenate(indices), np.concatenate(positions), n, len(matches))


def windows(length: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Window bounds covering `length` characters: one window if it fits, else overlapping."""
    if length <= size:
        return [(0, length)]
    starts = list(range(0, length - size + 1, stride))
    if starts[-1] + size < length:
        starts.append(length - size)
    return [(s, s + size) for s in starts]
