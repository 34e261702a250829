"""`vallum review`: security review of (AI-generated) code against a threat model.

Deterministic analysis first (taint tracking across functions and modules, pattern checks,
threat-model requirements, infrastructure rules, detect-secrets and zizmor), then optionally
an LLM reviewer. Every result is one `Finding` with a CWE id.

    from vallum.review import review_path
    report = review_path(Path("app/"))
    [f.rule for f in report.findings]
"""

from __future__ import annotations

from vallum.extras import require_all

# tree-sitter comes with `vallum[review]`: checked before any review module imports it, so a
# missing extra is one line naming the pip install, whichever review module is imported first.
require_all("review", feature="vallum review")

from vallum.review.findings import Finding, Problem, Severity, dedupe  # noqa: E402
from vallum.review.runner import Report, ReviewOptions, review_path, review_sources  # noqa: E402
from vallum.review.threatmodel.schema import ThreatModel, load_threat_model  # noqa: E402

__all__ = [
    "Finding",
    "Problem",
    "Report",
    "ReviewOptions",
    "Severity",
    "ThreatModel",
    "dedupe",
    "load_threat_model",
    "review_path",
    "review_sources",
]
