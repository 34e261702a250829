"""Prompt injection and jailbreaks, direct (from the user) and planted in documents and tool results.

The stage matters: "What is the capital of Brazil?" is a fine question from the user and an
injection when it sits inside an e-mail the assistant was asked to summarise. The model is a
logistic regression over hashed character and word n-grams plus heuristic pattern features
(`injection_patterns`), with one weight vector shared by all stages and one per stage group
(the user's input; data: retrieval and tool results), and a prior per window-length bucket
crossed with the stage group the same way. A gibberish head (`injection_gibberish`: a
character bigram model of benign text) adds the excess surprisal of the text's most surprising
stretch, so optimiser-made adversarial suffixes count even when none of their words were seen.
Trained by `training/train_injection.py`; calibration, the head's weight and the threshold are
fitted on leave-one-family-out scores. See models/INJECTION_MODEL_CARD.md.

Long texts are scored in overlapping windows and the most suspicious window wins, so an
injection buried in 8 KB of ordinary text still stands out; the finding spans that window.
Features are computed once per text and windows are scored from prefix sums, so the cost is
linear in the text and there is no per-window Python loop over the feature space. A text that
fits in one window (most chat messages) is the window: its features need no positions and its
logit is one sum (`score_whole`), which is most of the detector's cost on the hot path.
"""

from __future__ import annotations

import math
from importlib.resources import files
from io import BytesIO
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from vallum.detectors import injection_features as F
from vallum.detectors.base import Detector, DetectorSetup
from vallum.detectors.injection_gibberish import gibberish
from vallum.detectors.injection_patterns import HEURISTICS, STRONG_SLOTS
from vallum.exceptions import DetectorError
from vallum.model import Finding, Stage

MODEL_RESOURCE = "injection.npz"
DATA_STAGES = frozenset({Stage.RETRIEVAL, Stage.TOOL_RESULT})
_PERSONA_SLOT = F.HEURISTIC_BASE + [name for name, _ in HEURISTICS].index("persona")
_STRONG_INDICES = frozenset(F.HEURISTIC_BASE + slot for slot in STRONG_SLOTS)
# A strong pattern ("ignore previous instructions", chat-template tags, ...) is rare in benign
# text whatever surrounds it, while the n-gram model dilutes it in a long benign window.
STRONG_PATTERN_SCORE = 0.9


def score_features(
    feats: F.Features, weights: npt.NDArray[np.float32], bias: float, window: int, stride: int
) -> tuple[float, int, int]:
    """The highest window logit of a featurised text, and that window's bounds.

    A window's logit: bias + its length prior + the hashed n-grams' weights summed over the
    square root of their count + the structure features' (code lines, planted instructions)
    over the square root of theirs + the other intent features' (lexicon, heuristics) over the
    square root of theirs, so a handful of intent features is diluted neither by the hundreds
    of n-grams nor by the code lines of the same window.
    """
    n = feats.length
    if feats.position is None:
        raise ValueError("score_features needs features with positions")
    if len(feats.index) == 0:
        return bias + float(weights[F.length_slots(np.array([n]))[0]]), 0, n
    contrib = weights[feats.index]
    bounds = np.array(F.windows(n, window, stride), dtype=np.int64)
    a, b = bounds[:, 0], bounds[:, 1]
    logits = bias + weights[F.length_slots(b - a)]
    for part in F.feature_groups(feats.index):
        pos = feats.position[part]
        sums = np.concatenate(([0.0], np.cumsum(np.bincount(pos, contrib[part], n + 1)[:n])))
        counts = np.concatenate(([0], np.cumsum(np.bincount(pos, minlength=n + 1)[:n])))
        logits = logits + (sums[b] - sums[a]) / np.sqrt(np.maximum(counts[b] - counts[a], 1))
    best = int(np.argmax(logits))
    return float(logits[best]), int(a[best]), int(b[best])


def score_whole(feats: F.Features, weights: npt.NDArray[np.float32], bias: float) -> float:
    """The logit of a text scored as one window (it fits in one), positions or not.

    What `score_features` gives for such a text without its prefix sums: the window is the whole
    text, so its sums are every feature's weight (each feature starts inside the text). The sums
    are taken in another order, so the two agree to the last bits of a float64, not bit for bit.
    """
    slot = F.length_slot(feats.length)
    if len(feats.index) == 0:
        return bias + float(weights[slot])
    # As score_features adds them: in float32 (a Python float takes the weights' type there).
    prior = float(np.float32(bias) + weights[slot])
    values = weights.take(feats.index)
    logit = prior
    for mask in F.feature_groups(feats.index):
        part = values[mask]
        if len(part):
            logit += float(np.add.reduce(part, dtype=np.float64)) / math.sqrt(len(part))
    return logit


def _heuristic_indices(feats: F.Features) -> list[int]:
    """The feature indices of the heuristic matches (they come last)."""
    return feats.index[len(feats.index) - feats.heuristics :].tolist() if feats.heuristics else []


class InjectionDetector(Detector):
    """Scores text for prompt injection with a calibrated, stage-aware model."""

    id: ClassVar[str] = "injection"
    version: ClassVar[str] = "6"
    stages: ClassVar[frozenset[Stage]] = frozenset(
        {Stage.INPUT, Stage.RETRIEVAL, Stage.TOOL_RESULT}
    )
    description: ClassVar[str] = (
        "Prompt injection and jailbreaks, direct and planted in documents and tool results"
    )
    # Chosen on leave-one-family-out scores (see the model card), not on an in-distribution split.
    DEFAULT_THRESHOLD: ClassVar[float] = 0.58
    # Scores below this are not reported at all, to keep evidence small.
    REPORT_FLOOR: ClassVar[float] = 0.05

    def __init__(self, options: BaseModel | None = None, setup: DetectorSetup | None = None):
        super().__init__(options, setup)
        try:
            raw = files("vallum.detectors.models").joinpath(MODEL_RESOURCE).read_bytes()
            with np.load(BytesIO(raw)) as model:
                shared = model["w_shared"].astype(np.float32)
                self._weights = {
                    0: shared + model["w_input"].astype(np.float32),
                    1: shared + model["w_data"].astype(np.float32),
                }
                self._bias = [float(x) for x in model["bias"]]
                self._platt = (float(model["platt"][0]), float(model["platt"][1]))
                # The gibberish head: weight and floor of the surprisal score, and its table.
                self._gib_weight, self._gib_floor = (float(x) for x in model["gibberish"])
                self._lm = model["lm"].astype(np.float32)
                self._window, self._stride = (int(x) for x in model["window"])
                bits = int(model["bits"])
        except (OSError, KeyError, ValueError) as exc:
            raise DetectorError(f"injection: cannot load model {MODEL_RESOURCE}: {exc}") from exc
        if bits != F.BITS:
            raise DetectorError(f"injection: model has 2^{bits} features, code expects 2^{F.BITS}")

    def _logit(self, text: str, stage: Stage) -> tuple[float, int, int, F.Features]:
        group = 1 if stage in DATA_STAGES else 0
        weights, bias = self._weights[group], self._bias[group]
        norm = F.model_text(text)
        if len(norm) <= self._window:  # one window: no positions, no prefix sums
            feats = F.featurise_normalised(norm, positions=False)
            return score_whole(feats, weights, bias), 0, feats.length, feats
        feats = F.featurise_normalised(norm)
        z, a, b = score_features(feats, weights, bias, self._window, self._stride)
        return z, a, b, feats

    def _stacked(self, z: float, text: str) -> float:
        """The n-gram logit plus the gibberish head's excess, as calibrated in training."""
        if self._gib_weight <= 0.0:
            return z
        excess = gibberish(text, self._lm) - self._gib_floor
        return z + (self._gib_weight / self._platt[0]) * excess if excess > 0 else z

    def _probability(self, z: float, feats: F.Features) -> float:
        a, b = self._platt
        p = float(1.0 / (1.0 + np.exp(-(a * z + b))))
        if p < STRONG_PATTERN_SCORE and not _STRONG_INDICES.isdisjoint(_heuristic_indices(feats)):
            return STRONG_PATTERN_SCORE
        return p

    def score(self, text: str, stage: Stage) -> float:
        """The calibrated probability that `text` at `stage` is an injection."""
        z, _, _, feats = self._logit(text, stage)
        return self._probability(self._stacked(z, text), feats)

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        if not text.strip():
            return []
        z, start, end, feats = self._logit(text, stage)
        score = self._probability(self._stacked(z, text), feats)
        if score < self.REPORT_FLOOR:
            return []
        if feats.length != len(text) or (start == 0 and end >= len(text)):
            start, end = 0, 0  # whole text (normalisation changed offsets, or one window)
        if feats.position is None:  # one window: every feature is in it
            # Only a heuristic match has a heuristic's index (hashed features are kept off them).
            persona = _PERSONA_SLOT in _heuristic_indices(feats)
        else:
            in_window = (feats.position >= start) & (feats.position < (end or feats.length))
            persona = bool(np.any(feats.index[in_window] == _PERSONA_SLOT))
        kind = "jailbreak" if stage is Stage.INPUT and persona else "injection"
        where = f"chars {start}-{end}" if end else "whole text"
        return [
            Finding(
                detector=self.id,
                type=kind,
                score=score,
                start=start,
                end=end,
                labels=(),
                detail=f"{kind} model score {score:.2f} at stage {stage.value} ({where})",
            )
        ]
