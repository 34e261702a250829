"""Hashed n-gram features for the prompt-injection model, shared by training and detection.

Text is normalised (NFKC, lower case, look-alike Cyrillic and Greek letters folded to Latin),
then turned into positioned feature indices in a 2^18 space:

- character 3-, 4- and 5-grams of the normalised text;
- word unigrams and bigrams of the text with leetspeak folded (`1gn0r3` reads as `ignore`);
- one feature per heuristic pattern match (see `injection_patterns`);
- one length-bucket feature per scored window (`length_slots`), so the model has an explicit,
  stage-crossed prior per length and need not read "short" into the n-gram weights.

Everything is vectorised with numpy: n-gram hashes are polynomial rolling hashes over the
code points (fixed constants, so the same on every machine, unlike Python's `hash()`), and
word hashes come from sums of code points times powers. Features carry the position where they
start, so the detector can score any window of a long text from prefix sums without
re-featurising; a text scored as one window needs no positions, and is featurised without them.

The detector runs this on every chat message, so the cost of a short text is mostly the number
of numpy calls (each costs about as much as hashing a hundred characters): the code below keeps
that number small rather than the arithmetic.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vallum.detectors import injection_lexicon as lexicon
from vallum.detectors.injection_patterns import HEURISTICS, STRONG_SLOTS, match_heuristics
from vallum.detectors.injection_structure import KINDS, structure_lines

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
_LEET_FROM, _LEET_TO = "0134578@$|!", "oieastbasii"
_LEET = str.maketrans(_LEET_FROM, _LEET_TO)
_LEET_BYTES = bytes.maketrans(_LEET_FROM.encode(), _LEET_TO.encode())
# Word characters of the leet-folded text: a-z, 0-9 and every code point from 192 up (the last
# entry stands for all of those: lookups clip to it).
_WORD_CHAR = np.zeros(193, dtype=bool)
_WORD_CHAR[ord("a") : ord("z") + 1] = True
_WORD_CHAR[ord("0") : ord("9") + 1] = True
_WORD_CHAR[192] = True

Codes = npt.NDArray[np.unsignedinteger[Any]]  # code points: uint8 for ASCII text, else uint32


def _powers(base: np.uint64, count: int) -> npt.NDArray[np.uint64]:
    out = np.empty(count, dtype=np.uint64)
    out[0] = 1
    out[1:] = base
    return np.cumprod(out, dtype=np.uint64)  # array arithmetic wraps modulo 2^64, silently


def _inverse(a: int) -> int:
    return pow(a, -1, 1 << 64)


_POW = _powers(_P, MAX_SEGMENT + 1)
_INV_POW = _powers(np.uint64(_inverse(int(_P))), MAX_SEGMENT + 1)
_MIN_GRAM, _MAX_GRAM = min(CHAR_NGRAMS), max(CHAR_NGRAMS)
# Row k: the weight of each of an n-gram's first _MAX_GRAM characters in the rolling hash of a
# CHAR_NGRAMS[k]-gram (h = h * P + code: the first weighs P^(size-1), the last 1, then zeros).
_GRAM_POWERS = np.array(
    [[pow(int(_P), size - 1 - j, 1 << 64) if j < size else 0 for j in range(_MAX_GRAM)]
     for size in CHAR_NGRAMS],
    dtype=np.uint64,
)  # fmt: skip
_GRAM_SALTS = np.array([[_SALTS[size]] for size in CHAR_NGRAMS], dtype=np.uint64)
_GRAM_TAIL = np.zeros(_MAX_GRAM - _MIN_GRAM, dtype=np.uint64)
# Up to this length one matrix product hashes every n-gram size (few numpy calls); above it,
# rolling (two array operations a size) does less arithmetic a character. Measured crossover.
_PRODUCT_MAX = 640
_EMPTY = np.zeros(0, dtype=np.int64)
_EMPTY_HASHES = np.zeros(0, dtype=np.uint64)
for _constant in (_POW, _INV_POW, _GRAM_POWERS, _GRAM_SALTS, _GRAM_TAIL, _EMPTY, _EMPTY_HASHES):
    _constant.flags.writeable = False  # shared by every call (and returned, for _EMPTY)

HEURISTIC_BASE = DIM - len(HEURISTICS)  # the last indices are reserved for heuristics
# Upper bounds (exclusive) of the window-length buckets, in characters; one more bucket above.
LENGTH_EDGES = (24, 48, 96, 192, 384)
LENGTH_BASE = HEURISTIC_BASE - len(LENGTH_EDGES) - 1  # then for length buckets
QUOTED_SLOT = LENGTH_BASE - 1  # a strong pattern inside quotes
STRUCTURE_BASE = QUOTED_SLOT - KINDS  # a code-like line, a record-like line, a planted one
LEXICON_BASE = STRUCTURE_BASE - lexicon.SLOTS  # then the intent lexicon's concepts and pairs
RESERVED = DIM - LEXICON_BASE


def feature_groups(index: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.bool_], ...]:
    """Masks of the groups a window's features are scaled in, each by 1/sqrt(its count):
    hashed n-grams; structure (code-like lines, planted instructions); the other intent
    features (lexicon, quoted and heuristic patterns)."""
    structure = (index >= STRUCTURE_BASE) & (index < QUOTED_SLOT)
    intent = index >= LEXICON_BASE
    intent &= ~structure
    return ~(intent | structure), structure, intent


def length_slots(lengths: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The feature index of each window length's bucket."""
    edges = np.array(LENGTH_EDGES, dtype=np.int64)
    return LENGTH_BASE + np.searchsorted(edges, lengths, side="right").astype(np.int64)


def length_slot(length: int) -> int:
    """The feature index of one window length's bucket (`length_slots` for a single length)."""
    return LENGTH_BASE + bisect_right(LENGTH_EDGES, length)


def normalise(text: str) -> str:
    """The text the model sees. Same length as `text` when `text` is ASCII."""
    if text.isascii():
        return text.lower()  # the look-alikes are all outside ASCII
    return unicodedata.normalize("NFKC", text).lower().translate(_CONFUSABLES)


def model_text(text: str) -> str:
    """What the model reads of `text`: normalised, then cut to MAX_SEGMENT characters."""
    norm = normalise(text)
    return norm[:MAX_SEGMENT] if len(norm) > MAX_SEGMENT else norm


_LEXICON = lexicon.compile_lexicon(normalise)


@dataclass(frozen=True, slots=True)
class Features:
    """Feature indices and where each starts in the normalised text of length `length`."""

    index: npt.NDArray[np.int64]
    position: npt.NDArray[np.int64] | None  # None when featurised without positions
    length: int
    heuristics: int = 0  # how many of the trailing features are heuristic matches


def _finish(h: npt.NDArray[np.uint64], salt: np.uint64) -> npt.NDArray[np.int64]:
    return _index(h ^ salt)


def _index(salted: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Feature indices of salted hashes (elementwise, so one call may cover every n-gram size)."""
    mixed = salted * _MIX
    mixed >>= _SHIFT
    idx = mixed.view(np.int64)  # the same values: all below 2^BITS
    # Keep hashed features off the slots reserved for the lexicon, length buckets, heuristics.
    np.subtract(idx, RESERVED, out=idx, where=idx >= LEXICON_BASE)
    return idx


def featurise(text: str) -> Features:
    """Positioned hashed features of `text` (already normalised or not: it is normalised here)."""
    return featurise_normalised(model_text(text))


def featurise_normalised(norm: str, positions: bool = True) -> Features:
    """Hashed features of `norm`, the output of `model_text`, in the order `featurise` gives.

    With `positions=False` the features are the same and `position` is None: for a text scored
    as one window, where every feature counts whatever its position.
    """
    n = len(norm)
    if norm.isascii():  # one byte a character: cheaper to encode, fold and read
        data = norm.encode("ascii")
        raw: Codes = np.frombuffer(data, dtype=np.uint8)
        leet = data.translate(_LEET_BYTES)
        lraw = raw if leet == data else np.frombuffer(leet, dtype=np.uint8)
    else:
        raw = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)
        folded = norm.translate(_LEET)
        lraw = raw if folded == norm else np.frombuffer(folded.encode("utf-32-le"), np.uint32)
    # Salted hashes of every hashed feature, mixed into indices in one pass at the end (the mix
    # is elementwise, so this is the same as mixing each family on its own, only cheaper).
    salted = _char_grams(raw, n)
    starts, words = _words(lraw, n)
    if len(words):
        salted.append(words ^ _SALTS[1])
        if len(words) > 1:
            salted.append((words[:-1] * _MIX + words[1:]) ^ _SALTS[2])
    index = _index(np.concatenate(salted)) if salted else _EMPTY
    concepts, concept_starts = lexicon.lexicon_features(norm, _LEXICON)
    if concepts:
        index = np.concatenate((index, LEXICON_BASE + np.array(concepts, dtype=np.int64)))
    kinds, line_starts = structure_lines(norm)
    if kinds:
        index = np.concatenate((index, STRUCTURE_BASE + np.array(kinds, dtype=np.int64)))
    matches = match_heuristics(norm)
    if matches:
        slots = np.array(
            [QUOTED_SLOT if slot in STRONG_SLOTS and quoted(norm, start) else HEURISTIC_BASE + slot
             for slot, start in matches],
            dtype=np.int64,
        )  # fmt: skip
        index = np.concatenate((index, slots))
    if not positions:
        return Features(index, None, n, len(matches))
    every = np.arange(n, dtype=np.int64)
    parts = [every[: n - size + 1] for size in CHAR_NGRAMS if n >= size]
    if len(words):
        parts += [starts, starts[:-1]]
    parts.append(np.array(concept_starts, dtype=np.int64))
    parts.append(np.array(line_starts, dtype=np.int64))
    parts.append(np.array([start for _, start in matches], dtype=np.int64))
    return Features(index, np.concatenate(parts), n, len(matches))


_OPENING = {'"': '"', "`": "`", "“": "”", "«": "»", "„": "“", "「": "」", "『": "』", "‘": "’"}
_DATA_STRING = frozenset(":=[{,(")  # before an opening quote: a data string, not a quotation
QUOTE_CONTEXT = 12  # letters and digits outside the quote for it to count as a mention


def quoted(norm: str, start: int) -> bool:
    """Whether position `start` is inside a quotation on its line, within a text that has at
    least QUOTE_CONTEXT letters or digits outside it (a text that is only a quotation uses it).
    A string after `:`, `=`, `[`, `{`, `,` or `(` is a value (JSON, a call, "do this: '...'"),
    not a quotation."""
    line_start = norm.rfind("\n", 0, start) + 1
    closing = ""
    opened = -1
    for i in range(line_start, start):
        ch = norm[i]
        if closing:
            if ch == closing and (ch != "'" or i + 1 >= len(norm) or not norm[i + 1].isalnum()):
                closing, opened = "", -1
        elif ch in _OPENING:
            closing, opened = _OPENING[ch], i
        elif ch == "'" and (i == line_start or not norm[i - 1].isalnum()):
            closing, opened = "'", i
    if opened < 0:
        return False
    before = norm[line_start:opened].rstrip()
    if before and before[-1] in _DATA_STRING:  # a value in JSON, a call or an assignment
        return False
    end = norm.find(closing, start)
    end = len(norm) if end < 0 else end
    outside = norm[:opened] + norm[end + 1 :]
    return sum(ch.isalnum() for ch in outside) >= QUOTE_CONTEXT


def _char_grams(raw: Codes, n: int) -> list[npt.NDArray[np.uint64]]:
    """Salted hashes of the character n-grams, one array per size, in CHAR_NGRAMS order."""
    if n < _MIN_GRAM:
        return []
    if n > _PRODUCT_MAX:
        grams = []
        h = raw.astype(np.uint64)
        for size in range(2, _MAX_GRAM + 1):
            h = h[: n - size + 1] * _P + raw[size - 1 :]  # the (size-1)-gram's hash, extended
            if size in CHAR_NGRAMS:
                grams.append(h ^ _SALTS[size])
        return grams
    # The same hashes as one product: column i of the view holds the codes from i on (zeros
    # past the end), row k of _GRAM_POWERS the powers of a CHAR_NGRAMS[k]-gram's rolling hash.
    # Values past a size's last full n-gram hash the zeros in, and are dropped.
    padded = np.concatenate((raw, _GRAM_TAIL))
    view = np.ndarray((_MAX_GRAM, n - _MIN_GRAM + 1), np.uint64, padded, strides=(8, 8))
    hashes = _GRAM_POWERS @ view
    hashes ^= _GRAM_SALTS
    return [hashes[k, : n - size + 1] for k, size in enumerate(CHAR_NGRAMS) if n >= size]


def _words(lraw: Codes, n: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    """Where each word of the leet-folded code points starts, and its (unsalted) hash."""
    word = np.zeros(n + 2, dtype=bool)
    _WORD_CHAR.take(lraw, out=word[1:-1], mode="clip")
    bounds = (word[1:] != word[:-1]).nonzero()[0]  # start, end, start, end, ...
    if not len(bounds):
        return _EMPTY, _EMPTY_HASHES
    # A word's hash is the sum of code * P^i over its characters, i counted from the text's
    # start, times P^-start. Summing from each bound to the next (the last one: to the end)
    # gives the words' sums at even places, the gaps' at odd ones.
    sums = np.add.reduceat(lraw * _POW[:n], bounds[:-1] if bounds[-1] == n else bounds)
    starts = bounds[0::2]
    return starts, sums[0::2] * _INV_POW[starts]


def windows(length: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Window bounds covering `length` characters: one window if it fits, else overlapping."""
    if length <= size:
        return [(0, length)]
    starts = list(range(0, length - size + 1, stride))
    if starts[-1] + size < length:
        starts.append(length - size)
    return [(s, s + size) for s in starts]
