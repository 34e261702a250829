"""Reporting for the taint engine: a tainted value at a sink becomes a finding or a summary hit.

A label that is a parameter of the function being analysed is not a finding yet: it is recorded
as a hit in the function's summary, and becomes a finding where a caller passes real input.
"""

from __future__ import annotations

from vallum.review.findings import Finding
from vallum.review.parse import Module, Node
from vallum.review.taint.flows import make_finding
from vallum.review.taint.labels import Label, SinkHit, Taint, dangerous


class Reporter:
    """Mixin turning sink uses into findings (real input) or summary hits (parameters)."""

    m: Module
    hits: set[tuple[int, SinkHit]]
    findings: list[Finding]

    def report(self, kind: str, labels: list[Label], where: Node, callee: str) -> None:
        line = where.start_point[0] + 1
        snippet = self.m.snippet(line)
        for label in labels:
            index = label.param
            if index is not None:
                field = label.field
                hit = SinkHit(kind, self.m.path, line, callee, snippet, label.cleared, field)
                self.hits.add((index, hit))
        real = [label for label in labels if label.param is None]
        if real:
            self.findings.append(
                make_finding(
                    kind, real[0], self.m.path, line, callee, snippet, where.start_point[1] + 1
                )
            )

    def report_hit(self, hit: SinkHit, taint: Taint, via: str, where: Node) -> None:
        labels = [label for label in dangerous(taint, hit.kind) if hit.kind not in hit.cleared]
        for label in labels:
            index = label.param
            if index is not None:
                moved = SinkHit(
                    hit.kind,
                    hit.path,
                    hit.line,
                    hit.callee,
                    hit.snippet,
                    hit.cleared | label.cleared,
                    label.field,  # the caller's field holding it, else the whole
                )
                self.hits.add((index, moved))
        real = [label for label in labels if label.param is None]
        if real:
            line = where.start_point[0] + 1
            self.findings.append(
                make_finding(
                    hit.kind,
                    real[0],
                    hit.path,
                    hit.line,
                    hit.callee,
                    hit.snippet,
                    1,
                    via=f"{via}() called at {self.m.path}:{line}",
                )
            )
