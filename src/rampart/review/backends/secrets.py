"""detect-secrets over every reviewed text file; the secret itself is never stored."""

from __future__ import annotations

from pathlib import Path

from rampart.review.files import SourceFile
from rampart.review.findings import Finding, Problem, Severity


def detect_secrets_backend(
    root: Path, files: list[SourceFile]
) -> tuple[list[Finding], list[Problem]]:
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    collection = SecretsCollection()
    by_path = {str(f.path): f.relpath for f in files}
    with default_settings():
        for f in files:
            collection.scan_file(str(f.path))
    findings: list[Finding] = []
    for filename, secret in collection:
        rel = by_path.get(filename, filename)
        findings.append(
            Finding(
                "secrets.detected",
                798,
                Severity.HIGH,
                rel,
                int(secret.line_number or 1),
                f"{secret.type} (detect-secrets)",
                tool="detect-secrets",
            )
        )
    return findings, []
