"""Spans a detector has already reported, so a later match that overlaps one is dropped.

Detectors find candidates pattern by pattern; within one pattern's pass (`finditer`) matches
come in order of their start. The spans of earlier passes are kept sorted (an overlap test is
two bisections); the current pass only needs its last span (its spans are disjoint and in
order), and is merged in when the pass ends. So every test and every insert is cheap and a text
dense in findings costs linearly, where inserting into a sorted list would move every later
span each time.

`match_spans` lists where a compiled RE2 pattern matches in bytes, as its `finditer` would, but
without the Python `Match` object and generator step the binding builds per match (about half
the cost of a match on text dense in findings).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

import re2

_UNANCHORED: Any = re2._re2.RE2.Anchor.UNANCHORED


def match_spans(regex: Any, data: bytes) -> list[tuple[int, int]]:
    """The spans of `regex`'s (a `re2.compile`d pattern of bytes) successive matches in `data`,
    exactly those of `regex.finditer(data)`, empty matches included."""
    match = getattr(getattr(regex, "_regexp", None), "Match", None)
    if match is None:  # another binding version: its public, slower way
        return [m.span() for m in regex.finditer(data)]
    out: list[tuple[int, int]] = []
    pos, end = 0, len(data)
    while True:
        start, stop = match(_UNANCHORED, data, pos, end)[0]
        if start == -1:
            return out
        out.append((start, stop))
        if pos == end:
            return out
        pos = pos + 1 if pos == stop else stop  # past an empty match, as `finditer` steps


class TakenSpans:
    """Disjoint half-open spans `[start, end)`: test for overlap, add, one pass at a time."""

    __slots__ = ("_ends", "_pass", "_starts")

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._pass: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        """Whether `[start, end)` overlaps a span added before."""
        i = bisect_right(self._starts, start)
        if (i and self._ends[i - 1] > start) or (i < len(self._starts) and self._starts[i] < end):
            return True
        if not self._pass:
            return False
        last_start, last_end = self._pass[-1]
        if start >= last_start:  # in order, as a pass's matches come: only the last can overlap
            return start < last_end
        return any(start < e and s < end for s, e in self._pass)  # out of order: look at all

    def add(self, start: int, end: int) -> None:
        """Add a span that overlaps none added before (test with `overlaps` first)."""
        if self._pass and start < self._pass[-1][0]:
            self.end_pass()  # keep the current pass in order
        self._pass.append((start, end))

    def end_pass(self) -> None:
        """Merge the current pass into the sorted spans (two sorted runs: a linear merge)."""
        if not self._pass:
            return
        merged = sorted([*zip(self._starts, self._ends, strict=True), *self._pass])
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]
        self._pass = []
