"""What the review tests share: the taint CWEs a set of sources gives at every confidence."""

from __future__ import annotations

from vallum.review import ReviewOptions, review_sources


def taint_cwes(sources: dict[str, str]) -> set[int]:
    """The CWEs of the taint findings `review_sources` reports on `sources` (path: code)."""
    report = review_sources(
        {k: v.encode() for k, v in sources.items()}, ReviewOptions(min_confidence=0.0)
    )
    return {f.cwe for f in report.findings if f.rule.startswith("taint.") and f.cwe}
