"""Incremental output scanning with a bounded hold-back window (docs/gateway-streaming.md).

Any enforcement point that delivers model output piece by piece (the gateway's streams today)
uses this scanner, so a stream is held to the same controls as a whole answer.

The scanner keeps everything the model produced and releases it to the client only once it has
been scanned with at least `holdback` characters of what follows (or the stream has ended), and
never a piece of a token the model is still writing:

    produced:  |---------- released ----------|--- held back (>= holdback) ---|
    scanned:                        |<-- holdback -->|<------- new ------------|

Each scan looks at a window starting `holdback` characters before the release point, so a
finding that needs left context (a secret after `password=`) is still seen. A release never cuts
through a finding: the cut moves back to the finding's start. Nor does it cut into the run of
non-space characters that reaches the end of what was produced: a key, a token or a JWT is
recognised only once whole, and one longer than the window would otherwise leave in part before
it is. So a run is held until it ends (a space, or the end of the answer) however long it grows;
it is then scanned whole. The window counts characters a reader sees: invisible ones (zero-width
spaces, soft hyphens, which detectors read through) do not count, so a value padded with them
is still whole in the window when it is scanned. (A private key's armour is multi-line: the secrets detector reports an
opened block to the end of the text, so the same rule holds it.) When a scan blocks, nothing more
is released and the stream ends. At the end, the whole output is evaluated once more, by the
recording engine: that is the output decision in the evidence log, whatever the windows said.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import replace

from vallum.detectors.normalize import invisible
from vallum.model import Action, Decision, Finding
from vallum.redaction import redact

STOPPING = (Action.BLOCK, Action.REQUIRE_APPROVAL)
_SPACE = re.compile(r"\s")


def _clip(findings: Iterable[Finding], offset: int, start: int, end: int) -> list[Finding]:
    """Findings at `offset` in the text, clipped to [start, end) and moved to its coordinates."""
    out = []
    for f in findings:
        s, e = max(f.start + offset, start), min(f.end + offset, end)
        if f.has_span and s < e:
            out.append(replace(f, start=s - start, end=e - start))
    return out


class _Visible:
    """Where a text's visible characters are (not `invisible`: what a reader and the detectors
    see), as runs, so `back` finds the offset `n` visible characters before a point by
    bisection, however many invisible characters an attacker pads a value with."""

    __slots__ = ("_before", "_ends", "_starts")

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._before: list[int] = []  # visible characters before each run

    def add(self, piece: str, at: int) -> None:
        """Note `piece`, which starts at offset `at` of the text."""
        if piece.isascii():  # every character visible: extend the last run, the usual case
            if self._ends and self._ends[-1] == at:
                self._ends[-1] = at + len(piece)
            else:
                self._run(at, at + len(piece))
            return
        for i, ch in enumerate(piece, at):
            if ch.isascii() or not invisible(ch):
                self._run(i, i + 1)

    def _run(self, start: int, end: int) -> None:
        if end <= start:
            return
        if self._ends and self._ends[-1] == start:
            self._ends[-1] = end
            return
        count = self._before[-1] + self._ends[-1] - self._starts[-1] if self._ends else 0
        self._starts.append(start)
        self._ends.append(end)
        self._before.append(count)

    def back(self, point: int, n: int) -> int:
        """The offset from which the text up to `point` holds `n` visible characters (0 when
        it holds fewer)."""
        k = bisect_right(self._starts, point) - 1
        if k < 0:
            return 0
        seen = self._before[k] + min(point, self._ends[k]) - self._starts[k]
        target = seen - n  # index of the first visible character to keep
        if target <= 0:
            return 0
        k = bisect_right(self._before, target) - 1
        return self._starts[k] + target - self._before[k]


class OutputScanner:
    """Decides, piece by piece, what of a streamed output may be delivered.

    `probe(text)` evaluates a window without recording it; `record(text)` evaluates and records
    (called exactly once per stream, by `finish`, `stop` or `abandon`).
    """

    def __init__(
        self,
        probe: Callable[[str], Decision],
        record: Callable[[str], Decision],
        *,
        holdback: int,
        step: int,
    ):
        self._probe = probe
        self._record = record
        self.holdback = holdback
        self.step = step
        self.text = ""
        self.released = 0
        self._open = 0  # where the run of non-space characters that ends the text begins
        self._visible = _Visible()
        self.delivered: list[str] = []
        self.decision: Decision | None = None  # the recorded output decision
        self.stopped_by: Decision | None = None  # the decision that ended delivery early
        self.delivered_violation = False  # the final scan found something already delivered

    @property
    def delivered_text(self) -> str:
        return "".join(self.delivered)

    def feed(self, piece: str) -> str:
        """Add model output; return what may be delivered now ('' when nothing)."""
        if self.stopped_by is not None:
            return ""
        space = _SPACE.search(piece[::-1])  # the piece's last space, found from its end
        if space is not None:
            self._open = len(self.text) + len(piece) - space.start()
        self._visible.add(piece, len(self.text))
        self.text += piece
        if len(self.text) - self.released < self.holdback + self.step:
            return ""
        start = self._visible.back(self.released, self.holdback)
        window = self.text[start:]
        decision = self._probe(window)
        if decision.action in STOPPING:
            self.stopped_by = decision
            self.decision = self._record(window)
            return ""
        cut = min(
            self._visible.back(len(self.text), self.holdback), self._open
        )  # a token still growing stays
        spans = sorted((start + f.start, start + f.end) for f in decision.findings if f.has_span)
        for s, e in reversed(spans):  # never cut through a finding
            if s < cut < e:
                cut = s
        return self._release(cut, decision, start)

    def _release(self, cut: int, decision: Decision, offset: int) -> str:
        if cut <= self.released:
            return ""
        segment = self.text[self.released : cut]
        if decision.action is Action.REDACT:
            segment = redact(
                segment,
                _clip(decision.redactions, offset, self.released, cut),
            )
        self.released = cut
        self.delivered.append(segment)
        return segment

    def finish(self) -> str:
        """The model is done: evaluate (and record) the whole output; return the rest to deliver."""
        if self.stopped_by is not None:
            return ""
        decision = self.decision = self._record(self.text)
        if decision.action is not Action.ALLOW:
            before = self.released
            self.delivered_violation = any(
                f.has_span and f.start < before for f in decision.findings
            ) and (decision.action in STOPPING or bool(_clip(decision.redactions, 0, 0, before)))
        if decision.action in STOPPING:
            self.stopped_by = decision
            return ""
        return self._release(len(self.text), decision, 0)

    def abandon(self) -> None:
        """The stream ended abnormally: record what the model produced, deliver nothing more."""
        if self.decision is None and self.text:
            self.decision = self._record(self.text)
