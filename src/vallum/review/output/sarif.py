"""SARIF 2.1.0 for GitHub code scanning; every rule carries `external/cwe/cwe-NNN` tags."""

from __future__ import annotations

import json
from typing import Any

from vallum import __version__
from vallum.review.findings import Finding, Severity
from vallum.review.rules import describe
from vallum.review.runner import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.INFO: "note",
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}
# GitHub orders alerts by this numeric string.
_SCORE = {
    Severity.INFO: "1.0",
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}


def render_sarif(report: Report) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for f in report.findings:
        if f.rule not in rules:
            rules[f.rule] = _rule(f)
        results.append(_result(f, list(rules).index(f.rule)))
    notifications = [
        {
            "level": "warning",
            "message": {"text": p.message},
            "locations": [_location(p.path, max(p.line, 1))],
        }
        for p in report.problems
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "vallum-review",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://github.com/vallum/vallum",
                "rules": list(rules.values()),
            }
        },
        "results": results,
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)


def _rule(f: Finding) -> dict[str, Any]:
    tags = ["security"]
    if f.cwe:
        tags.append(f"external/cwe/cwe-{f.cwe}")
    text = describe(f.rule, f.cwe, f.message)
    cwe = f" (CWE-{f.cwe})" if f.cwe else ""
    return {
        "id": f.rule,
        "name": f.rule.replace(".", "/"),
        "shortDescription": {"text": text.short},
        "fullDescription": {"text": text.full + cwe},
        "help": {"text": text.help, "markdown": f"**{text.short}**{cwe}\n\n{text.help}"},
        "defaultConfiguration": {"level": _LEVEL[f.severity]},
        "properties": {"tags": tags, "security-severity": _SCORE[f.severity]},
    }


def _result(f: Finding, index: int) -> dict[str, Any]:
    return {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [_location(f.path, f.line, f.column, f.end_line)],
        "partialFingerprints": {"vallum/v1": f.with_fingerprint().fingerprint},
        "properties": {"tool": f.tool, "confidence": f.confidence},
    }


def _location(path: str, line: int, column: int = 1, end_line: int = 0) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path},
            "region": {"startLine": line, "startColumn": column, "endLine": end_line or line},
        }
    }
