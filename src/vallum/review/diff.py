"""`--diff REV`: keep findings on lines the change adds or touches (`git diff -U0`)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from vallum.exceptions import ReviewError
from vallum.review.findings import Finding

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def changed_lines(root: Path, rev: str) -> dict[str, set[int]]:
    """Lines added or modified since `rev`, by path relative to `root` (working tree included)."""
    if rev.startswith("-"):
        raise ReviewError(f"--diff {rev!r}: a revision cannot start with '-'")
    git = shutil.which("git")
    if git is None:
        raise ReviewError("--diff needs git on PATH")
    try:
        top = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, "-C", str(root), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        out = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, "-C", str(root), "diff", "-U0", "--no-color", "--no-ext-diff", rev, "--", "."],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except FileNotFoundError as exc:
        raise ReviewError("--diff needs git on PATH") from exc
    except subprocess.CalledProcessError as exc:
        raise ReviewError(f"git diff {rev} failed: {exc.stderr.strip()}") from exc
    prefix = Path(root).resolve().relative_to(Path(top).resolve()).as_posix()
    return parse_diff(out, "" if prefix == "." else prefix)


def parse_diff(text: str, prefix: str = "") -> dict[str, set[int]]:
    lines: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:].strip()
            if target == "/dev/null":
                current = None
                continue
            path = target[2:] if target.startswith("b/") else target
            if prefix:
                if not path.startswith(prefix + "/"):
                    current = None
                    continue
                path = path[len(prefix) + 1 :]
            current = lines.setdefault(path, set())
        elif current is not None:
            match = HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or "1")
                current.update(range(start, start + count))
    return lines


def filter_diff(findings: list[Finding], changed: dict[str, set[int]]) -> list[Finding]:
    kept = []
    for f in findings:
        touched = changed.get(f.path, set())
        span = range(f.line, max(f.end_line, f.line) + 1)
        if any(line in touched for line in span):
            kept.append(f)
    return kept
