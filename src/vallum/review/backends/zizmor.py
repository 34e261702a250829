"""zizmor over GitHub Actions workflows (template injection, dangerous triggers, pinning)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from vallum.review.files import SourceFile
from vallum.review.findings import Finding, Problem, Severity

# zizmor audits -> CWE; unknown audits keep CWE 0.
CWE = {
    "template-injection": 94,
    "dangerous-triggers": 829,
    "unpinned-uses": 829,
    "excessive-permissions": 250,
    "artipacked": 522,
    "cache-poisoning": 349,
    "github-env": 94,
    "hardcoded-container-credentials": 798,
    "insecure-commands": 94,
    "self-hosted-runner": 250,
    "known-vulnerable-actions": 1395,
    "ref-confusion": 829,
    "secrets-inherit": 250,
    "unpinned-images": 829,
    "overprovisioned-secrets": 250,
    "bot-conditions": 290,
    "unredacted-secrets": 532,
    "forbidden-uses": 829,
}
SEVERITY = {
    "Unknown": Severity.INFO,
    "Informational": Severity.INFO,
    "Low": Severity.LOW,
    "Medium": Severity.MEDIUM,
    "High": Severity.HIGH,
}


def _binary() -> str | None:
    local = Path(sys.executable).with_name("zizmor")
    return str(local) if local.exists() else shutil.which("zizmor")


def zizmor(root: Path, files: list[SourceFile]) -> tuple[list[Finding], list[Problem]]:
    workflows = [f for f in files if f.kind == "workflow"]
    if not workflows:
        return [], []
    binary = _binary()
    if binary is None:
        return [], [
            Problem(
                w.relpath, "zizmor is not installed (pip install 'vallum[review]'); not audited"
            )
            for w in workflows
        ]
    by_path = {
        w.path.resolve().relative_to(root.resolve()).as_posix(): w.relpath for w in workflows
    }
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            binary,
            "--offline",
            "--format",
            "json",
            "--no-progress",
            *[str(w.path.resolve().relative_to(root.resolve())) for w in workflows],
        ],
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    try:
        results = json.loads(proc.stdout or "null")
    except json.JSONDecodeError:
        results = None
    if not isinstance(results, list):
        message = f"zizmor failed (exit {proc.returncode}): {proc.stderr.strip()[:300]}"
        return [], [Problem(w.relpath, message) for w in workflows]
    return [f for r in results if (f := _finding(r, by_path)) is not None], []


def _finding(result: dict[str, object], by_path: dict[str, str]) -> Finding | None:
    locations = result.get("locations")
    if not isinstance(locations, list) or not locations:
        return None
    primary = locations[0]
    try:
        key = primary["symbolic"]["key"]["Local"]
        path = key.get("verbatim_path") or key.get("given_path") or ""
        point = primary["concrete"]["location"]["start_point"]
        end = primary["concrete"]["location"]["end_point"]
        annotation = primary["symbolic"].get("annotation", "")
    except (KeyError, TypeError):
        return None
    ident = str(result.get("ident", "zizmor"))
    determinations = result.get("determinations")
    level = determinations.get("severity", "Unknown") if isinstance(determinations, dict) else ""
    return Finding(
        f"zizmor.{ident}",
        CWE.get(ident, 0),
        SEVERITY.get(str(level), Severity.MEDIUM),
        by_path.get(path, path),
        int(point["row"]) + 1,
        f"{result.get('desc', ident)}: {annotation}".rstrip(": "),
        column=int(point["column"]) + 1,
        end_line=int(end["row"]) + 1,
        tool="zizmor",
    )
