"""Structure features of the injection model: which lines look like code and which like records.

Benign code, logs, configs, tables and data records are full of words attacks also use
("ignore", "override", "system", "password", "admin"), and a family of such text the model has
not seen is where it raised most false alarms. What such text shares is not its words but its
shape: lines that end in `;` or `{`, indented lines with brackets or `=`, shell prompts and
keywords that open a statement; table rows between `|`, `key: value` lines, comma-separated
values. One feature per such line (at the line's start) lets the model weigh a window by how
much of it is code or records, whatever the words inside. Found by two RE2 passes.
"""

from __future__ import annotations

import re2

_CODE = re2.compile(
    r"(?m)^(?:[ \t]{2,}\S[^\n]*[=(){}\[\];][^\n]*"
    r"|[^\n]*[;{}][ \t]*$"
    r"|[ \t]*(?:def|class|import|from|return|const|let|var|function|public|private|func|"
    r"package|select|insert|update|delete|create|alter|#include|\$|>>>|```|//|/\*|--|@@|diff|"
    r"if ?\(|for ?\(|while ?\(|\}|<\?|<[a-z]+[ >])[^\n]*)"
)
_RECORD = re2.compile(
    r"(?m)^[ \t]*(?:\|[^\n]*\|[^\n]*\|[^\n]*"
    r"|[^\n:|]{1,30}:[ \t]+\S[^\n]{0,60}$"
    r"|[^\n,]{1,40}(?:,[^\n,]{0,40}){2,}$)"
)


def structure_lines(norm: str) -> tuple[list[int], list[int]]:
    """(kind, line start) of every code-like (kind 0) and record-like (kind 1) line."""
    kinds: list[int] = []
    starts: list[int] = []
    for kind, pattern in enumerate((_CODE, _RECORD)):
        for m in pattern.finditer(norm):
            kinds.append(kind)
            starts.append(m.start())
    return kinds, starts
