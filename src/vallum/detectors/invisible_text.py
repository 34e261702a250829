"""Text a human reviewer cannot see but a model reads: tag characters, bidi controls,
zero-width runs, and words that mix scripts to impersonate another word.

Unicode tag characters (U+E0000-U+E007F) mirror ASCII and are invisible in most renderers, so
they smuggle whole instructions ("ASCII smuggling"); the finding's detail shows what they spell,
truncated. Legitimate uses are recognised and left alone: a zero-width joiner inside an emoji
sequence, tag characters in a subdivision flag such as England's, a plain Russian or Greek sentence.
"""

from __future__ import annotations

import re
import unicodedata
from typing import ClassVar

from vallum.detectors.base import Detector
from vallum.model import Finding, Stage

DETAIL_MAX = 80

_TAG_RUN = re.compile("[\U000e0000-\U000e007f]+")
_BLACK_FLAG = "\U0001f3f4"
_CANCEL_TAG = "\U000e007f"
_SUBDIVISION = re.compile("[\U000e0061-\U000e007a\U000e0030-\U000e0039]{2,6}\U000e007f")

_BIDI_OVERRIDE = re.compile("[\u202d\u202e]")
_BIDI_OTHER = re.compile("[\u202a\u202b\u202c\u2066\u2067\u2068\u2069]")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"
_ZERO_WIDTH_RUN = re.compile(f"[{_ZERO_WIDTH}]+")
_WORD = re.compile(r"[^\W\d_]+")

SCATTERED_ZERO_WIDTH_MIN = 4
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")


def _script(ch: str) -> str | None:
    if ch.isascii():
        return "LATIN"
    name = unicodedata.name(ch, "")
    for script in _SCRIPTS:
        if name.startswith(script):
            return script
    return None


class _Scripts(dict[str, str | None]):
    """`_script` of each character, computed the first time it is asked for (a C-level
    look-up after that: a word of a long CJK or Cyrillic text costs no Python per letter)."""

    def __missing__(self, ch: str) -> str | None:
        script = self[ch] = _script(ch)
        return script


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2600 <= cp <= 0x27BF
        or 0x2300 <= cp <= 0x23FF
        or cp in (0xFE0F, 0x2640, 0x2642, 0x2695, 0x2708, 0x2764)
    )


class InvisibleTextDetector(Detector):
    """Finds invisible or deceptive characters that hide instructions from human reviewers."""

    id: ClassVar[str] = "invisible_text"
    version: ClassVar[str] = "1"
    stages: ClassVar[frozenset[Stage]] = frozenset(
        {Stage.INPUT, Stage.RETRIEVAL, Stage.TOOL_RESULT, Stage.OUTPUT}
    )
    description: ClassVar[str] = (
        "Unicode tag characters, bidi overrides, zero-width runs and mixed-script homoglyph words"
    )
    normalized: ClassVar[bool] = False  # reads the text as it is delivered

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        if text.isascii():
            return []
        findings = [
            *self._tags(text),
            *self._bidi(text),
            *self._zero_width(text),
            *self._mixed_script(text),
        ]
        findings.sort(key=lambda f: (f.start, f.end))
        return findings

    def _finding(self, kind: str, score: float, start: int, end: int, detail: str) -> Finding:
        return Finding(
            detector=self.id,
            type=f"invisible_text.{kind}",
            score=score,
            start=start,
            end=end,
            labels=("invisible_text",),
            detail=detail,
        )

    def _tags(self, text: str) -> list[Finding]:
        found = []
        for m in _TAG_RUN.finditer(text):
            run = m.group()
            if text[m.start() - 1 : m.start()] == _BLACK_FLAG and _SUBDIVISION.fullmatch(run):
                continue  # a subdivision flag such as England's
            decoded = "".join(chr(ord(ch) - 0xE0000) for ch in run if 0xE0020 <= ord(ch) <= 0xE007E)
            shown = decoded[:DETAIL_MAX] + ("..." if len(decoded) > DETAIL_MAX else "")
            found.append(
                self._finding(
                    "tag_characters",
                    1.0 if len(run) > 2 else 0.6,
                    m.start(),
                    m.end(),
                    f"{len(run)} tag characters decoding to {shown!r}",
                )
            )
        return found

    def _bidi(self, text: str) -> list[Finding]:
        found = [
            self._finding("bidi_override", 0.9, m.start(), m.end(), f"U+{ord(m.group()):04X}")
            for m in _BIDI_OVERRIDE.finditer(text)
        ]
        others = list(_BIDI_OTHER.finditer(text))
        # Embeddings and isolates are ordinary in right-to-left text; inside otherwise
        # left-to-right text they reorder what a reviewer sees (Trojan Source).
        if others and not any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in set(text)):
            first, last = others[0], others[-1]
            found.append(
                self._finding(
                    "bidi_control",
                    0.6,
                    first.start(),
                    last.end(),
                    f"{len(others)} bidi embedding/isolate controls in left-to-right text",
                )
            )
        return found

    def _zero_width(self, text: str) -> list[Finding]:
        found = []
        singles: list[int] = []
        for m in _ZERO_WIDTH_RUN.finditer(text):
            start, end = m.span()
            if start == 0 and m.group() == "\ufeff":
                continue  # byte order mark
            if end - start == 1:
                before, after = text[start - 1 : start], text[end : end + 1]
                if m.group() == "\u200d" and (_is_emoji(before) or _is_emoji(after)):
                    continue  # emoji ZWJ sequence
                if m.group() == "\u200c" and before and not before.isascii():
                    continue  # ZWNJ in Persian, Indic scripts
                singles.append(start)
                continue
            found.append(
                self._finding(
                    "zero_width",
                    0.9 if end - start >= 3 else 0.6,
                    start,
                    end,
                    f"run of {end - start} zero-width characters",
                )
            )
        if len(singles) >= SCATTERED_ZERO_WIDTH_MIN:
            found.append(
                self._finding(
                    "zero_width",
                    0.7,
                    singles[0],
                    singles[-1] + 1,
                    f"{len(singles)} scattered zero-width characters",
                )
            )
        return found

    def _mixed_script(self, text: str) -> list[Finding]:
        found: list[Finding] = []
        script_of = _Scripts()  # each distinct character looked up once per text
        # The scripts of every letter a word can hold (`_WORD`: alphanumeric, not a decimal
        # digit): with at most one of them in the whole text, no word mixes two.
        letters = [ch for ch in set(text) if ch.isalnum() and not ch.isdecimal()]
        if len(set(map(script_of.__getitem__, letters)) - {None}) < 2:
            return found
        for m in _WORD.finditer(text):
            word = m.group()
            if word.isascii() or len(word) < 3:
                continue
            scripts = set(map(script_of.__getitem__, set(word)))
            scripts.discard(None)
            if len(scripts) > 1:
                names = "+".join(sorted(s.title() for s in scripts if s))
                found.append(
                    self._finding(
                        "mixed_script", 0.8, m.start(), m.end(), f"word mixes {names} letters"
                    )
                )
        return found
