"""Cedar policy text split into statements, each with its file and line.

cedarpy reports parse errors without positions, so Vallum parses one statement at a time to say
which policy (file and line) is wrong, and keeps each policy's origin for every later message.
Effect and annotations come from Cedar's own parse (`policies_to_json_str`), never a regex.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import cedarpy


@dataclass(frozen=True, slots=True)
class PolicyStatement:
    """One Cedar policy as written: its text, where it starts, its effect and annotations."""

    file: str
    line: int
    text: str
    effect: str = "permit"
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def policy_id(self) -> str:
        """The `@id` annotation, else `file:line`."""
        return self.annotations.get("id") or f"{self.file}:{self.line}"


def split_statements(text: str, file: str) -> list[tuple[int, str]]:
    """Split on top-level `;` (not inside strings or `//` comments); return (line, text) pairs."""
    pieces: list[tuple[int, str]] = []
    start, start_line, line, i, n = 0, 0, 1, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        elif ch == '"':
            start_line = start_line or line
            i += 1
            while i < n and text[i] != '"':
                if text[i] == "\\":
                    i += 1
                elif text[i] == "\n":
                    line += 1
                i += 1
        elif ch == ";":
            pieces.append((start_line or line, text[start : i + 1].strip()))
            start, start_line = i + 1, 0
        elif not ch.isspace():
            start_line = start_line or line
        i += 1
    if start_line:
        pieces.append((start_line, text[start:].strip()))
    return pieces


def parse_statement(file: str, line: int, text: str) -> PolicyStatement:
    """Parse one policy with Cedar; raise `ValueError` with Cedar's message when it is invalid."""
    parsed = json.loads(cedarpy.policies_to_json_str(text))
    policies = list(parsed.get("staticPolicies", {}).values())
    if len(policies) != 1 or parsed.get("templates"):
        raise ValueError("expected exactly one static policy (templates are not supported)")
    policy = policies[0]
    annotations = {
        str(k): "" if v is None else str(v) for k, v in policy.get("annotations", {}).items()
    }
    return PolicyStatement(file, line, text, policy["effect"], annotations)
