"""Terraform rules over HCL text: public exposure, missing encryption, public ACLs, secrets."""

from __future__ import annotations

import re

from vallum.review.findings import Finding, Severity
from vallum.review.infra.base import SECRET_KEY, line_finding

RULES: tuple[tuple[re.Pattern[str], str, int, Severity, str], ...] = (
    (
        re.compile(r'cidr_blocks\s*=\s*\[[^\]]*"0\.0\.0\.0/0"'),
        "tf.open-ingress",
        284,
        Severity.MEDIUM,
        "ingress open to the whole internet (0.0.0.0/0)",
    ),
    (
        re.compile(r'ipv6_cidr_blocks\s*=\s*\[[^\]]*"::/0"'),
        "tf.open-ingress",
        284,
        Severity.MEDIUM,
        "ingress open to the whole internet (::/0)",
    ),
    (
        re.compile(r'\bacl\s*=\s*"public-read(-write)?"'),
        "tf.public-bucket",
        732,
        Severity.HIGH,
        "bucket ACL grants public access",
    ),
    (
        re.compile(r"\b(storage_)?encrypted\s*=\s*false"),
        "tf.unencrypted",
        311,
        Severity.HIGH,
        "storage is not encrypted at rest",
    ),
    (
        re.compile(r"\bpublicly_accessible\s*=\s*true"),
        "tf.public-database",
        284,
        Severity.HIGH,
        "database is publicly accessible",
    ),
    (
        re.compile(r'\bprotocol\s*=\s*"HTTP"'),
        "tf.plain-http",
        319,
        Severity.MEDIUM,
        "listener accepts plain HTTP",
    ),
    (
        re.compile(r'\bhttp_tokens\s*=\s*"optional"'),
        "tf.imdsv1",
        918,
        Severity.MEDIUM,
        "instance metadata v1 allowed (SSRF credential theft)",
    ),
)
ASSIGN = re.compile(r'^\s*(\w+)\s*=\s*"([^"$]{4,})"')


def check(path: str, text: str) -> list[Finding]:
    lines = text.splitlines()
    out: list[Finding] = []
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("#", "//")):
            continue
        for pattern, rule, cwe, severity, message in RULES:
            if pattern.search(line):
                out.append(line_finding(path, lines, i, rule, cwe, severity, message))
        match = ASSIGN.match(line)
        if (
            match
            and SECRET_KEY.search(match.group(1))
            and not match.group(1).endswith(("_name", "_arn", "_id", "_length"))
        ):
            out.append(
                line_finding(
                    path,
                    lines,
                    i,
                    "secrets.hard-coded",
                    798,
                    Severity.HIGH,
                    f"hard-coded credential in '{match.group(1)}'",
                )
            )
    return out
