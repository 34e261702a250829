"""Structure features of the injection model: code-like lines, and instructions planted among them.

Benign code, logs, configs, tables and data records are full of words attacks also use
("ignore", "override", "system", "password", "admin"), and a family of such text the model has
not seen is where it raised most false alarms. What such text shares is not its words but its
shape: lines that end in `;` or `{`, indented lines with brackets or `=`, shell prompts and
keywords that open a statement. One feature per such line (kind 0, at the line's start) lets
the model weigh a window by how much of it is code, whatever the words inside.

Record-like lines (table rows between `|`, `key: value` lines, comma-separated values) are
found but not emitted as a feature of their own: in the first v4 run, with them on, BIPIA tables
with a planted instruction, left out of training, were caught 7% of the time (v3: 31%); tables
are where instructions get planted, so "looks like a record" must not read as benign.

What is planted in such a document is an instruction to whoever reads it: a sentence that opens
with an imperative ("provide", "translate", "forward", "ignore", ...), or that addresses the
responder's output ("in your answer", "your response"), inside a text with at least
`MIN_STRUCTURED` code-like or record-like lines. Each such sentence is one feature (kind 2, at
its start): code and tables stay benign context, an instruction placed among them does not.
The features are scaled in their own group by the detector (see `injection.score_features`), so
a long file's code lines neither dilute the lexicon's intent features nor the planted ones.
Found by RE2 passes.
"""

from __future__ import annotations

import re2

KINDS = 3  # code-like line, record-like line (not emitted), planted instruction
MIN_STRUCTURED = 2  # code-like or record-like lines for a text to be a structured document

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
# General English instruction verbs (what a task asked of a reader opens with), written from
# the language, not from any evaluated family; other languages reach the model through the
# lexicon's concepts.
_VERBS = (
    "add|answer|append|analy[sz]e|begin|calculate|call|change|click|compose|compute|convert|"
    "create|decode|delete|describe|disregard|display|do not|don't|download|draft|email|encode|"
    "encrypt|ensure|execute|explain|export|forget|forward|generate|give|ignore|include|"
    "incorporate|insert|integrate|list|make|mention|modify|never|open|output|override|pay|"
    "post|print|promote|provide|recommend|remove|replace|reply|respond|reveal|reverse|rewrite|"
    "run|say|send|share|show|start|stop|substitute|summari[sz]e|tell|transfer|translate|"
    "upload|use|visit|write"
)
# What an imperative's object opens with ("provide an example", "forward the e-mails", "tell
# me"): "run useradd", "print(x)" or "create role" in code are not instructions to a reader.
_OBJECTS = (
    "a|all|an|any|each|every|following|her|him|it|its|me|my|no|our|that|the|their|them|these|"
    "this|those|to|us|what|your"
)
# An imperative opening a line (after indentation, a comment marker, a table bar or a bullet),
# or a sentence (after . ! ? :), optionally after "please"; or a phrase addressing the reply.
# Groups: 1 the comment marker, 2 the imperative, 3 the phrase.
_PLANTED = re2.compile(
    r"(?m)(?:^[ \t]*(#+|//|--|/?\*+)?[ \t]*(?:\||>|-|•)?[ \t]*|[.!?:][ \t]+)"
    r"((?:please[ \t,]+)?(?:" + _VERBS + r")[ \t]+(?:" + _OBJECTS + r")\b)"
    r"|\b(your (?:answer|response|reply|output|summary|explanation|next message)s?\b)"
)
_FENCE = re2.compile(r"(?m)^[ \t]*```")
_COMMENT = re2.compile(r"[ \t]*(?:#|//|--|/\*|\*|<!--)")


def _inside_fences(norm: str) -> list[tuple[int, int]]:
    """(start, end) of every fenced code block (an unclosed fence runs to the end)."""
    marks = [m.start() for m in _FENCE.finditer(norm)]
    if len(marks) % 2:
        marks.append(len(norm))
    return [(marks[i], marks[i + 1]) for i in range(0, len(marks), 2)]


def structure_lines(norm: str) -> tuple[list[int], list[int]]:
    """(kind, position) of every code-like line (kind 0, at its start) and of every planted
    instruction (kind 2, at the imperative or the reply it addresses)."""
    kinds: list[int] = []
    starts: list[int] = []
    for m in _CODE.finditer(norm):
        kinds.append(0)
        starts.append(m.start())
    code_lines = set(starts)
    records = sum(1 for _ in _RECORD.finditer(norm)) if "\n" in norm else 0
    # A table or a record file: any instruction in it is planted. Elsewhere only one inside the
    # code: in a fenced block or in a comment (prose between code blocks,
    # "use this instead:", is how benign answers explain code).
    tabular = records >= MIN_STRUCTURED and records >= len(code_lines)
    fences: list[tuple[int, int]] | None = None
    for m in _PLANTED.finditer(norm):
        pos = m.start(2) if m.start(2) >= 0 else m.start(3)
        planted = tabular or m.start(1) >= 0
        if not planted and len(code_lines) >= MIN_STRUCTURED:
            line = norm.rfind("\n", 0, pos) + 1
            if fences is None:
                fences = _inside_fences(norm)
            planted = _COMMENT.match(norm, line) is not None or any(a < pos < b for a, b in fences)
        if planted:
            kinds.append(2)
            starts.append(pos)
    return kinds, starts
