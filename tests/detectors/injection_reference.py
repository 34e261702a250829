"""The injection detector as it was before the one-window fast path (commit b23dcaa), kept as the
reference the fast path is held to: `featurise` with positions for every text, every text scored
by `score_features` (the windowed path, itself unchanged), and the old way of typing a finding.

Frozen on purpose: do not "fix" or speed up this file, or it stops being the reference. (Model v4
added features: the intent lexicon's, the line structure's and the quoted strong pattern's, taken as `featurise` gives
them; everything else is as it was.)
"""

from __future__ import annotations

import unicodedata

import numpy as np
import numpy.typing as npt

from vallum.detectors import injection_features as F
from vallum.detectors.injection import (
    _PERSONA_SLOT,
    STRONG_PATTERN_SCORE,
    InjectionDetector,
    score_features,
)
from vallum.detectors.injection_patterns import STRONG_SLOTS, match_heuristics
from vallum.detectors.injection_structure import structure_lines
from vallum.model import Finding, Stage

_STRONG_INDICES = np.array(sorted(F.HEURISTIC_BASE + slot for slot in STRONG_SLOTS), dtype=np.int64)


def normalise(text: str) -> str:
    """`injection_features.normalise` as it was."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.lower().translate(F._CONFUSABLES)


def _index(salted: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    with np.errstate(over="ignore"):
        mixed = salted * F._MIX
    idx = (mixed >> F._SHIFT).astype(np.int64)
    return np.where(idx >= F.LEXICON_BASE, idx - F.RESERVED, idx)


def featurise(text: str) -> F.Features:
    """`injection_features.featurise` as it was."""
    norm = normalise(text)
    if len(norm) > F.MAX_SEGMENT:
        norm = norm[: F.MAX_SEGMENT]
    n = len(norm)
    raw = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32)
    codes = raw.astype(np.uint64)
    salted: list[npt.NDArray[np.uint64]] = []
    positions: list[npt.NDArray[np.int64]] = []
    with np.errstate(over="ignore"):
        h = codes
        every = np.arange(n, dtype=np.int64)
        for size in range(2, max(F.CHAR_NGRAMS) + 1):
            if n < size:
                break
            h = h[: n - size + 1] * F._P + codes[size - 1 :]
            if size in F.CHAR_NGRAMS:
                salted.append(h ^ F._SALTS[size])
                positions.append(every[: n - size + 1])
        leet = norm.translate(F._LEET)
        lraw = raw if leet == norm else np.frombuffer(leet.encode("utf-32-le"), dtype=np.uint32)
        word = np.take(F._WORD_CHAR, lraw, mode="clip")
        if word.any():
            lcodes = codes if lraw is raw else lraw.astype(np.uint64)
            edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
            starts = np.flatnonzero(edges == 1)
            ends = np.flatnonzero(edges == -1)
            prefix = np.concatenate(
                ([np.uint64(0)], np.cumsum(lcodes * F._POW[:n], dtype=np.uint64))
            )
            words = (prefix[ends] - prefix[starts]) * F._INV_POW[starts]
            salted.append(words ^ F._SALTS[1])
            positions.append(starts.astype(np.int64))
            if len(words) > 1:
                pairs = words[:-1] * F._MIX + words[1:]
                salted.append(pairs ^ F._SALTS[2])
                positions.append(starts[:-1].astype(np.int64))
    indices = [_index(np.concatenate(salted))] if salted else []
    concepts, concept_starts = F.lexicon.lexicon_features(norm, F._LEXICON)
    if concepts:
        indices.append(F.LEXICON_BASE + np.array(concepts, dtype=np.int64))
        positions.append(np.array(concept_starts, dtype=np.int64))
    kinds, line_starts = structure_lines(norm)
    if kinds:
        indices.append(F.STRUCTURE_BASE + np.array(kinds, dtype=np.int64))
        positions.append(np.array(line_starts, dtype=np.int64))
    matches = match_heuristics(norm)
    if matches:
        slots = [
            F.QUOTED_SLOT if slot in STRONG_SLOTS and F.quoted(norm, s) else F.HEURISTIC_BASE + slot
            for slot, s in matches
        ]
        indices.append(np.array(slots, dtype=np.int64))
        positions.append(np.array([start for _, start in matches], dtype=np.int64))
    if not indices:
        empty = np.zeros(0, dtype=np.int64)
        return F.Features(empty, empty, n)
    return F.Features(np.concatenate(indices), np.concatenate(positions), n, len(matches))


def _logit(detector: InjectionDetector, feats: F.Features, stage: Stage) -> tuple[float, int, int]:
    group = 1 if stage in (Stage.RETRIEVAL, Stage.TOOL_RESULT) else 0
    return score_features(
        feats, detector._weights[group], detector._bias[group], detector._window, detector._stride
    )


def _probability(detector: InjectionDetector, z: float, feats: F.Features) -> float:
    a, b = detector._platt
    p = float(1.0 / (1.0 + np.exp(-(a * z + b))))
    if (
        p < STRONG_PATTERN_SCORE
        and feats.heuristics
        and np.isin(feats.index[-feats.heuristics :], _STRONG_INDICES).any()
    ):
        return STRONG_PATTERN_SCORE
    return p


def outcome(
    detector: InjectionDetector, text: str, feats: F.Features, stage: Stage
) -> tuple[list[Finding], float]:
    """What `InjectionDetector.detect` and `.score` gave for `text`, featurised as `feats`."""
    z, start, end = _logit(detector, feats, stage)
    value = _probability(detector, z, feats)
    if not text.strip() or value < detector.REPORT_FLOOR:
        return [], value
    assert feats.position is not None
    if feats.length != len(text) or (start == 0 and end >= len(text)):
        start, end = 0, 0
    in_window = (feats.position >= start) & (feats.position < (end or feats.length))
    persona = bool(np.any(feats.index[in_window] == _PERSONA_SLOT))
    kind = "jailbreak" if stage is Stage.INPUT and persona else "injection"
    where = f"chars {start}-{end}" if end else "whole text"
    finding = Finding(
        detector=detector.id,
        type=kind,
        score=value,
        start=start,
        end=end,
        labels=(),
        detail=f"{kind} model score {value:.2f} at stage {stage.value} ({where})",
    )
    return [finding], value


def detect(detector: InjectionDetector, text: str, stage: Stage) -> list[Finding]:
    """`InjectionDetector.detect` as it was."""
    return outcome(detector, text, featurise(text), stage)[0]


def score(detector: InjectionDetector, text: str, stage: Stage) -> float:
    """`InjectionDetector.score` as it was."""
    return outcome(detector, text, featurise(text), stage)[1]
