"""Spans a detector has already reported, so a later match that overlaps one is dropped.

Detectors find candidates pattern by pattern; within one pattern's pass (`finditer`) matches
come in order of their start. The spans of earlier passes are kept sorted (an overlap test is
two bisections); the current pass only needs its last span (its spans are disjoint and in
order), and is merged in when the pass ends. So every test and every insert is cheap and a text
dense in findings costs linearly, where inserting into a sorted list would move every later
span each time.
"""

from __future__ import annotations

from bisect import bisect_right


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
