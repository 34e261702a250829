"""Line-oriented helpers shared by the infrastructure rules."""

from __future__ import annotations

import re

from vallum.review.findings import Finding, Severity

SECRET_KEY = re.compile(
    r"(pass(word)?|pwd|secret|token|api_?key|access_?key|private_?key)", re.IGNORECASE
)


def line_finding(
    path: str, lines: list[str], index: int, rule: str, cwe: int, severity: Severity, message: str
) -> Finding:
    """A finding on 0-based line `index` of `lines`."""
    return Finding(
        rule,
        cwe,
        severity,
        path,
        index + 1,
        message,
        snippet=lines[index].strip() if index < len(lines) else "",
        tool="vallum",
    )


def first_line(lines: list[str], pattern: re.Pattern[str], start: int = 0) -> int:
    """0-based index of the first line at or after `start` matching `pattern`, else `start`."""
    for i in range(start, len(lines)):
        if pattern.search(lines[i]):
            return i
    return start
