"""Secrets in every reviewed text file, with Vallum's own `secrets` detector.

The detector is built on detect-secrets' high-signal plugins with a cheap prefilter, so the review
sees the same secret types the run-time controls do, at a fraction of detect-secrets' own file
scanning cost. The secret value itself is never stored: findings carry the type and the line.
"""

from __future__ import annotations

import bisect
from pathlib import Path

from vallum.detectors.normalize import normalize
from vallum.detectors.secrets import SecretsDetector
from vallum.model import Stage
from vallum.review.examples import DocRanges, example_url, example_value
from vallum.review.files import MAX_BYTES, SourceFile
from vallum.review.findings import Finding, Problem, Severity

# Secret kinds that are documentation when they appear in a docstring or a comment (a
# connection string, a keyword assignment); provider tokens stay findings there too.
DOC_KINDS = frozenset({"basic_auth"})


def detect_secrets_backend(
    root: Path, files: list[SourceFile]
) -> tuple[list[Finding], list[Problem]]:
    detector = SecretsDetector()
    findings: list[Finding] = []
    problems: list[Problem] = []
    for f in files:
        try:
            raw = f.path.read_bytes()[:MAX_BYTES]
        except OSError as exc:
            problems.append(Problem(f.relpath, f"cannot read for secrets: {exc.strerror}"))
            continue
        text = raw.decode("utf-8", errors="replace")
        line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        normal = normalize(text)  # read as the run-time controls read it (obfuscation and all)
        docs: DocRanges | None = None
        for hit in normal.restore(detector.detect(normal.text, Stage.INPUT)):
            line = bisect.bisect_right(line_starts, hit.start)
            kind = hit.type.removeprefix("secret.")
            value = text[hit.start : hit.end]
            around = text[line_starts[line - 1] : hit.end + 200].split("\n", 1)[0]
            if example_value(value) or (kind == "basic_auth" and example_url(around)):
                continue
            if kind in DOC_KINDS and f.kind in {"python", "javascript"}:
                docs = docs or DocRanges(f.relpath, text.encode("utf-8"))
                if docs.contains(len(text[: hit.start].encode("utf-8"))):
                    continue
            findings.append(
                Finding(
                    "secrets.detected",
                    798,
                    Severity.HIGH,
                    f.relpath,
                    line,
                    f"{kind} (secrets detector)",
                    tool="vallum-secrets",
                )
            )
    return findings, problems
