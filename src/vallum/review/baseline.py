"""Baseline files: accept the findings that exist today, report only new ones.

A baseline stores fingerprints (rule, file, normalised code, message), never the code, so a
finding that moves to another line stays accepted.
"""

from __future__ import annotations

import json
from pathlib import Path

from vallum.exceptions import ReviewError
from vallum.review.findings import Finding

BASELINE_VERSION = 1


def write_baseline(path: Path, findings: list[Finding]) -> None:
    entries = sorted({(f.with_fingerprint().fingerprint, f.rule, f.path) for f in findings})
    data = {
        "version": BASELINE_VERSION,
        "findings": [{"fingerprint": fp, "rule": rule, "path": p} for fp, rule, p in entries],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def read_baseline(path: Path) -> frozenset[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise ReviewError(f"{path}:{exc.lineno}: baseline is not JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise ReviewError(f"{path} [version]: expected baseline version {BASELINE_VERSION}")
    try:
        return frozenset(str(entry["fingerprint"]) for entry in data["findings"])
    except (KeyError, TypeError) as exc:
        raise ReviewError(f"{path} [findings]: each entry needs a 'fingerprint'") from exc


def filter_baseline(findings: list[Finding], accepted: frozenset[str]) -> list[Finding]:
    return [f for f in findings if f.with_fingerprint().fingerprint not in accepted]
