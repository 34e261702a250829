"""Human-readable report: findings grouped by file, each with its code excerpt."""

from __future__ import annotations

from itertools import groupby

from vallum.review.findings import Severity
from vallum.review.runner import Report


def render_text(report: Report) -> str:
    lines: list[str] = []
    for path, group in groupby(report.findings, key=lambda f: f.path):
        lines.append(path)
        for f in group:
            cwe = f" CWE-{f.cwe}" if f.cwe else ""
            lines.append(
                f"  {f.line}:{f.column} {f.severity.label.upper()} [{f.rule}]{cwe} "
                f"{f.message}" + (f" ({f.tool})" if f.tool != "vallum" else "")
            )
            if f.snippet:
                lines.append(f"      | {f.snippet}")
        lines.append("")
    for problem in report.problems:
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        lines.append(f"NOT ANALYSED {where}: {problem.message}")
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in Severity}
    summary = ", ".join(f"{n} {s.label}" for s, n in sorted(counts.items(), reverse=True) if n)
    lines.append(
        f"{len(report.findings)} finding(s) in {report.files} file(s)"
        + (f": {summary}" if summary else "")
        + (f"; {len(report.problems)} file problem(s)" if report.problems else "")
    )
    return "\n".join(lines) + "\n"
