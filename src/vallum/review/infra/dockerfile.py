"""Dockerfile rules: root user, unpinned bases, piped installers, remote ADD, secrets in ENV."""

from __future__ import annotations

import re

from vallum.review.findings import Finding, Severity
from vallum.review.infra.base import SECRET_KEY, line_finding

PIPE_TO_SHELL = re.compile(r"(curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba|z|da)?sh\b")
ENV_SECRET = re.compile(r"^\s*(ENV|ARG)\s+(\w+)\s*[= ]\s*(\S+)", re.IGNORECASE)


def check(path: str, text: str) -> list[Finding]:
    lines = text.splitlines()
    out: list[Finding] = []
    user: tuple[int, str] | None = None
    last_from = -1
    for i, raw in enumerate(lines):
        line = raw.strip()
        word = line.split(None, 1)[0].upper() if line else ""
        rest = line.split(None, 1)[1] if " " in line else ""
        if word == "FROM":
            last_from, user = i, None
            image = rest.split()[0] if rest else ""
            if (
                image.lower() != "scratch"
                and "@sha256:" not in image
                and (":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"))
                and not image.startswith("$")
            ):
                out.append(
                    line_finding(
                        path,
                        lines,
                        i,
                        "docker.unpinned-base",
                        829,
                        Severity.LOW,
                        f"base image {image!r} is not pinned",
                    )
                )
        elif word == "USER":
            user = (i, rest.strip())
        elif word == "ADD" and re.search(r"\bhttps?://", rest):
            out.append(
                line_finding(
                    path,
                    lines,
                    i,
                    "docker.remote-add",
                    494,
                    Severity.MEDIUM,
                    "ADD from a URL downloads without integrity checking",
                )
            )
        elif word == "RUN":
            if PIPE_TO_SHELL.search(rest):
                out.append(
                    line_finding(
                        path,
                        lines,
                        i,
                        "docker.pipe-to-shell",
                        494,
                        Severity.HIGH,
                        "downloaded script piped into a shell",
                    )
                )
            if re.search(r"chmod\s+(-R\s+)?777\b", rest):
                out.append(
                    line_finding(
                        path,
                        lines,
                        i,
                        "docker.world-writable",
                        732,
                        Severity.MEDIUM,
                        "chmod 777 makes files world-writable",
                    )
                )
        match = ENV_SECRET.match(raw)
        if match and SECRET_KEY.search(match.group(2)) and not match.group(3).startswith("$"):
            out.append(
                line_finding(
                    path,
                    lines,
                    i,
                    "secrets.hard-coded",
                    798,
                    Severity.HIGH,
                    f"secret {match.group(2)} baked into the image",
                )
            )
    if last_from >= 0 and (user is None or user[1] in {"root", "0", "0:0"}):
        index = user[0] if user is not None else last_from
        out.append(
            line_finding(
                path,
                lines,
                index,
                "docker.root-user",
                250,
                Severity.MEDIUM,
                "container runs as root; add a USER instruction",
            )
        )
    return out
