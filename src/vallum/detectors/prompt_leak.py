"""System prompt leakage in model output.

Two signals. Canary tokens planted in prompts (`setup.canaries`) are unique strings: any
appearance in output is a leak (score 1.0). Without a canary, the output is compared with every
prompt template (`setup.prompts`) by word 8-gram shingles after lower-casing and collapsing
whitespace and punctuation, so a verbatim or lightly edited copy is found while an answer that
shares a few common words with the prompt is not. Shingles are computed once at construction;
output is tokenised once (ASCII text by one byte translation, not a regex match per word), and a
shingle is only built where a template's shingle could start (its first word is one of that
template's first words), and only inside a run of at least a shingle's length of words the
template uses: which words it uses is one C-level pass (`map` into bytes), the runs one regex
search over those bytes, so prose that shares only scattered common words with a template costs
no Python per word.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import BaseModel

from vallum.detectors.base import Detector, DetectorSetup
from vallum.model import Finding, Stage

SHINGLE_WORDS = 8
MIN_MATCHED_SHINGLES = 3
# Score reaches 1.0 when half of a template, or this many shingles, appear in the output.
FULL_COVERAGE = 0.5
FULL_SHINGLES = 25

_WORD = re.compile(r"\w+")
# For ASCII text, where `\w` is [A-Za-z0-9_]: upper case to lower, every other non-word byte to a
# space, so `split` gives the lower-cased words of `\w+` without a regex match per word.
_ASCII_WORDS = bytes(
    c + 32 if 65 <= c <= 90 else c if c < 128 and (chr(c).isalnum() or c == 95) else 32
    for c in range(256)
)


# A template: its id, shingle size, shingles, their first words, all its words, and the regex
# finding runs of at least `size` of its words (as bytes: one per word of the output, 1 if used).
_Template = tuple[
    str, int, frozenset[tuple[str, ...]], frozenset[str], frozenset[str], re.Pattern[bytes]
]


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text))


def _tokens(text: str) -> list[str]:
    r"""The lower-cased words of `text`, as `\w+` finds them."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()
    return [word.lower() for word in _WORD.findall(text)]  # strings: no `Match` per word


def _shingles(tokens: list[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


class PromptLeakDetector(Detector):
    """Finds canary tokens and verbatim or near-verbatim copies of prompt templates in output."""

    id: ClassVar[str] = "prompt_leak"
    version: ClassVar[str] = "1"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.OUTPUT})
    description: ClassVar[str] = "Canary tokens and system prompt text appearing in model output"

    def __init__(self, options: BaseModel | None = None, setup: DetectorSetup | None = None):
        super().__init__(options, setup)
        self._canaries = tuple(c for c in self.setup.canaries if c)
        self._templates: list[_Template] = []
        for prompt_id, template in sorted(self.setup.prompts.items()):
            tokens = _tokens(template)
            size = min(SHINGLE_WORDS, len(tokens))
            if size < 4:
                continue  # too short to tell a copy from a coincidence
            shingles = frozenset(_shingles(tokens, size))
            firsts = frozenset(shingle[0] for shingle in shingles)
            runs = re.compile(b"\x01{%d,}" % size)  # `size` words in a row, each the template's
            self._templates.append((prompt_id, size, shingles, firsts, frozenset(tokens), runs))

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        findings = []
        for canary in self._canaries:
            start = text.find(canary)
            if start >= 0:
                findings.append(
                    Finding(
                        detector=self.id,
                        type="prompt_leak.canary",
                        score=1.0,
                        start=start,
                        end=start + len(canary),
                        labels=("prompt_leak",),
                        detail="canary token found in output",
                    )
                )
        if self._templates:
            findings.extend(self._overlaps(text))
        return findings

    def _overlaps(self, text: str) -> list[Finding]:
        tokens = _tokens(text)
        matches: list[re.Match[str]] | None = None
        findings = []
        for prompt_id, size, shingles, firsts, words, runs in self._templates:
            if len(tokens) < size:
                continue
            # A shingle can start at i only where the `size` words from i are all the template's
            used = bytes(map(words.__contains__, tokens))
            hits = [
                i
                for run in runs.finditer(used)
                for i in range(run.start(), run.end() - size + 1)
                if tokens[i] in firsts and tuple(tokens[i : i + size]) in shingles
            ]
            if not hits:
                continue
            matched = len({tuple(tokens[i : i + size]) for i in hits})
            needed = MIN_MATCHED_SHINGLES if len(shingles) >= MIN_MATCHED_SHINGLES else 1
            if matched < needed:
                continue
            coverage = matched / len(shingles)
            score = min(1.0, max(coverage / FULL_COVERAGE, matched / FULL_SHINGLES))
            if matches is None:
                matches = _words(text)
            start = matches[hits[0]].start()
            end = matches[hits[-1] + size - 1].end()
            findings.append(
                Finding(
                    detector=self.id,
                    type="prompt_leak.system_prompt",
                    score=score,
                    start=start,
                    end=end,
                    labels=("prompt_leak",),
                    detail=(
                        f"prompt {prompt_id!r}: {coverage:.0%} of its {size}-word shingles "
                        f"({matched}) appear in output"
                    ),
                )
            )
        return findings
