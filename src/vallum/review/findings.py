"""One finding schema for every analysis, with CWE ids, severities and de-duplication.

Every source of findings (taint tracking, pattern checks, threat-model requirements, infra
rules, detect-secrets, zizmor, bandit, semgrep, checkov, the LLM reviewer) produces `Finding`
objects, so output formats, baselines, `--diff` filtering and `--fail-on` treat them the same.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

SCHEMA_VERSION = 1
# Below this a finding is usually noise (the operator's own input to a CLI tool, a weak hash
# used as a checksum or cache key, a framework's defaults module, a credential in a test) and is
# reported only on request (`--min-confidence 0`); at 0.6 and above it usually needs a fix.
DEFAULT_MIN_CONFIDENCE = 0.6


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that `--fail-on` compares with `>=`."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Read a severity name case-insensitively (`high`, `HIGH`)."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {value!r}; expected one of {names}") from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place in one file.

    `rule` is a stable id (`taint.sql-injection`, `tm.route-auth`); `cwe` is the CWE number
    (0 when none applies); `tool` names the analysis that found it (`vallum`, `zizmor`, ...).
    """

    rule: str
    cwe: int
    severity: Severity
    path: str
    line: int
    message: str
    column: int = 1
    end_line: int = 0
    snippet: str = ""
    tool: str = "vallum"
    confidence: float = 1.0
    fingerprint: str = field(default="", compare=False)

    def with_fingerprint(self) -> Finding:
        """Return a copy carrying a fingerprint that survives line moves (rule, file, code)."""
        if self.fingerprint:
            return self
        basis = f"{self.rule}\0{self.path}\0{' '.join(self.snippet.split())}\0{self.message}"
        digest = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:24]
        return replace(self, fingerprint=digest)

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "cwe": f"CWE-{self.cwe}" if self.cwe else None,
            "severity": self.severity.label,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line or self.line,
            "message": self.message,
            "snippet": self.snippet,
            "tool": self.tool,
            "confidence": self.confidence,
            "fingerprint": self.with_fingerprint().fingerprint,
        }


@dataclass(frozen=True, slots=True)
class Problem:
    """A file that could not be analysed (fully), reported rather than silently skipped."""

    path: str
    message: str
    line: int = 0


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """Merge findings that name the same weakness at the same place, keeping the most severe.

    Two tools reporting the same CWE on the same line (bandit and the taint engine on one
    `subprocess` call, say) become one finding; the sort order is stable for output and tests.
    """
    best: dict[tuple[str, int, int | str], Finding] = {}
    for finding in findings:
        # Without a CWE, the rule id is the identity; with one, the CWE is.
        identity: int | str = finding.cwe if finding.cwe else finding.rule
        key = (finding.path, finding.line, identity)
        kept = best.get(key)
        if kept is None or _rank(finding) > _rank(kept):
            best[key] = finding
    return sorted(best.values(), key=lambda f: (f.path, f.line, f.column, f.rule))


def _rank(finding: Finding) -> tuple[int, int, int, float]:
    # On ties prefer threat-model findings (they name the requirement), then our own findings
    # (their messages explain the flow) over other tools'.
    return (
        int(finding.severity),
        int(finding.rule.startswith("tm.")),
        int(finding.tool == "vallum"),
        finding.confidence,
    )
