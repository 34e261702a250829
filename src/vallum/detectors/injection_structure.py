"""Structure features of the injection model: which lines look like code and which like records.

Benign code, logs, configs, tables and data records are full of words attacks also use
("ignore", "override", "system", "password", "admin"), and a family of such text the model has
not seen is where it raised most false alarms. What such text shares is not its words but its
shape: lines that end in `;` or `{`, indented lines with brackets or `=`, shell prompts and
keywords that open a statement; table rows between `|`, `key: value` lines, comma-separated
values. One feature per such line (at the line's start) lets the model weigh a window by how
much of it is code, whatever the words inside. Found by one RE2 pass.

Record-like lines (kind 1) are defined but not emitted: in the first v4 run, with them on,
BIPIA tables with a planted instruction, left out of training, were caught 7% of the time (v3:
31%); tables are where instructions get planted, so "looks like a record" must not read as
benign.
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
    for kind, pattern in enumerate((_CODE,)):  # record lines: off (see the module's docstring)
        for m in pattern.finditer(norm):
            kinds.append(kind)
            starts.append(m.start())
    return kinds, starts
