"""`vallum mcp scan` reports: a table for people, JSON for scripts, SARIF 2.1.0 for code
scanning (each finding located at the server's line in its configuration file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vallum.mcp.scan import ScanFinding, ScanReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES = {
    "injection": "Tool description carries instructions (prompt injection)",
    "invisible_text": "Tool description hides text from a reviewer",
    "poisoning": "Tool description shows the tells of tool poisoning",
    "shadowing": "Tool description steers how other servers' tools are used",
    "changed-pin": "Tool changed since it was approved (rug pull)",
    "toxic-flow": "Untrusted content, private data and a way out in one configuration",
    "server-not-scanned": "Server could not be scanned",
    "config-unreadable": "Configuration file could not be read",
}


def to_json(report: ScanReport) -> str:
    return json.dumps(
        {
            "configs": [str(p) for p in report.configs],
            "servers": [
                {
                    "config": str(s.entry.config),
                    "name": s.entry.name,
                    "tools": [t.name for t in s.tools],
                    "error": s.error,
                }
                for s in report.servers
            ],
            "findings": [f.to_dict() for f in report.findings],
        },
        indent=2,
        ensure_ascii=False,
    )


def to_sarif(report: ScanReport) -> str:
    used = sorted({f.rule for f in report.findings})
    run = {
        "tool": {
            "driver": {
                "name": "vallum-mcp-scan",
                "informationUri": "https://github.com/vallum/vallum",
                "rules": [
                    {"id": rule, "shortDescription": {"text": RULES.get(rule, rule)}}
                    for rule in used
                ],
            }
        },
        "results": [_result(f) for f in report.findings],
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)


def _result(finding: ScanFinding) -> dict[str, Any]:
    where = f"{finding.server}.{finding.tool}" if finding.tool else finding.server
    text = f"{where}: {finding.message}" if where else finding.message
    region = {"startLine": _line_of(finding.config, finding.server)}
    return {
        "ruleId": finding.rule,
        "level": finding.severity.value,
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.config.as_posix()},
                    "region": region,
                }
            }
        ],
    }


def _line_of(path: Path, server: str) -> int:
    """The line naming `server` in `path` (1 when not found)."""
    if not server:
        return 1
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    key = json.dumps(server)
    return next((i for i, line in enumerate(lines, 1) if f"{key}:" in line.replace(" ", "")), 1)


def rows(report: ScanReport) -> list[tuple[str, str, str, str, str]]:
    """Table rows: severity, rule, where, config, message."""
    out = []
    for f in report.findings:
        where = f"{f.server}.{f.tool}" if f.tool else f.server or "-"
        out.append((f.severity.value, f.rule, where, str(f.config), f.message))
    return out
