"""Optional back ends run as subprocesses: bandit (extra), semgrep and checkov (if on PATH)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

from vallum.review.files import SourceFile
from vallum.review.findings import Finding, Problem, Severity

_LEVELS = {
    "LOW": Severity.LOW,
    "MEDIUM": Severity.MEDIUM,
    "HIGH": Severity.HIGH,
    "INFO": Severity.INFO,
    "WARNING": Severity.MEDIUM,
    "ERROR": Severity.HIGH,
    "CRITICAL": Severity.CRITICAL,
}


def _run(argv: list[str], cwd: Path) -> tuple[object, str]:
    # A fixed argv and no shell: the paths are arguments, never parsed as a command line.
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, check=False)  # noqa: S603
    try:
        return json.loads(proc.stdout), ""
    except json.JSONDecodeError:
        return None, f"{argv[0]} failed (exit {proc.returncode}): {proc.stderr.strip()[:300]}"


def _rel(root: Path, name: str) -> str:
    path = Path(name)
    try:
        return (
            (path if path.is_absolute() else (root / path))
            .resolve()
            .relative_to(root.resolve())
            .as_posix()
        )
    except ValueError:
        return name


def bandit(root: Path, files: list[SourceFile]) -> tuple[list[Finding], list[Problem]]:
    python = [str(f.path) for f in files if f.kind == "python"]
    if not python:
        return [], []
    if importlib.util.find_spec("bandit") is None:
        return [], [
            Problem(str(root), "bandit is not installed (pip install 'vallum[review]'); skipped")
        ]
    data, error = _run([sys.executable, "-m", "bandit", "-q", "-f", "json", *python], root)
    if not isinstance(data, dict):
        return [], [Problem(str(root), error)]
    out = []
    for r in data.get("results", []):
        cwe = (r.get("issue_cwe") or {}).get("id", 0)
        out.append(
            Finding(
                f"bandit.{r['test_id']}",
                int(cwe or 0),
                _LEVELS.get(r["issue_severity"], Severity.MEDIUM),
                _rel(root, r["filename"]),
                int(r["line_number"]),
                r["issue_text"],
                tool="bandit",
            )
        )
    return out, []


def semgrep(root: Path, files: list[SourceFile]) -> tuple[list[Finding], list[Problem]]:
    binary = shutil.which("semgrep")
    if binary is None:
        return [], []
    data, error = _run(
        [binary, "scan", "--json", "--metrics=off", "--quiet", "--config", "auto", str(root)], root
    )
    if not isinstance(data, dict):
        return [], [Problem(str(root), error)]
    out = []
    for r in data.get("results", []):
        extra = r.get("extra", {})
        cwes = extra.get("metadata", {}).get("cwe") or []
        first = cwes[0] if isinstance(cwes, list) and cwes else str(cwes)
        digits = "".join(ch for ch in str(first).split(":")[0] if ch.isdigit())
        out.append(
            Finding(
                f"semgrep.{r['check_id'].rsplit('.', 1)[-1]}",
                int(digits or 0),
                _LEVELS.get(extra.get("severity", ""), Severity.MEDIUM),
                _rel(root, r["path"]),
                int(r["start"]["line"]),
                extra.get("message", r["check_id"]),
                tool="semgrep",
            )
        )
    return out, []


def checkov(root: Path, files: list[SourceFile]) -> tuple[list[Finding], list[Problem]]:
    binary = shutil.which("checkov")
    if binary is None or not any(f.kind in {"terraform", "dockerfile", "yaml"} for f in files):
        return [], []
    data, error = _run([binary, "-d", str(root), "-o", "json", "--quiet", "--compact"], root)
    if data is None:
        return [], [Problem(str(root), error)]
    reports = data if isinstance(data, list) else [data]
    out = []
    for report in reports:
        if not isinstance(report, dict):
            continue
        for r in report.get("results", {}).get("failed_checks", []):
            lines = r.get("file_line_range") or [1, 1]
            out.append(
                Finding(
                    f"checkov.{r['check_id']}",
                    0,
                    _LEVELS.get(str(r.get("severity") or "MEDIUM"), Severity.MEDIUM),
                    _rel(root, r["file_path"].lstrip("/")),
                    int(lines[0]),
                    r.get("check_name", r["check_id"]),
                    end_line=int(lines[1]),
                    tool="checkov",
                )
            )
    return out, []
