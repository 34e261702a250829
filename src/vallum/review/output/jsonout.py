"""Machine-readable report with a schema version."""

from __future__ import annotations

import json

from vallum.review.runner import Report


def render_json(report: Report) -> str:
    data = {
        "schema_version": report.schema_version,
        "root": report.root,
        "files": report.files,
        "findings": [f.to_dict() for f in report.findings],
        "problems": [
            {"path": p.path, "line": p.line or None, "message": p.message} for p in report.problems
        ],
    }
    return json.dumps(data, indent=2) + "\n"
