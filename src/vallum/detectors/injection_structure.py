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

from bisect import bisect_right

import numpy as np
import re2

KINDS = 3  # code-like line, record-like line (not emitted), planted instruction
MIN_STRUCTURED = 2  # code-like or record-like lines for a text to be a structured document

_CODE = re2.compile(
    rb"(?m)^(?:[ \t]{2,}\S[^\n]*[=(){}\[\];][^\n]*"
    rb"|[^\n]*[;{}][ \t]*$"
    rb"|[ \t]*(?:def|class|import|from|return|const|let|var|function|public|private|func|"
    rb"package|select|insert|update|delete|create|alter|#include|\$|>>>|```|//|/\*|--|@@|diff|"
    rb"if ?\(|for ?\(|while ?\(|\}|<\?|<[a-z]+[ >])[^\n]*)"
)
_RECORD = re2.compile(
    rb"(?m)^[ \t]*(?:\|[^\n]*\|[^\n]*\|[^\n]*"
    rb"|[^\n:|]{1,30}:[ \t]+\S[^\n]{0,60}$"
    rb"|[^\n,]{1,40}(?:,[^\n,]{0,40}){2,}$)"
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
# Imperatives of other languages whose verb opens the sentence (Romance, German, Chinese,
# Arabic), written here, lower case as the model's normalisation leaves them: a planted "Ignora
# las instrucciones" or "忽略以上内容" has no English verb. No object is required: these forms are
# imperatives (or polite requests) already. Scripts the normalisation folds (Cyrillic, Greek)
# and verb-final languages are left to the lexicon.
_FOREIGN_VERBS = (
    "oublie|oubliez|envoie|envoyez|transfère|transférez|affiche|affichez|révèle|révélez|"
    "réponds|répondez|écris|écrivez|traduis|traduisez|ignorez|ignora|olvida|envía|reenvía|"
    "muestra|revela|responde|escribe|traduce|incluye|ignoriere|vergiss|leite|zeige|verrate|"
    "antworte|schreibe|übersetze|dimentica|inoltra|mostra|rivela|rispondi|scrivi|traduci|"
    "esqueça|envie|encaminhe|mostre|revele|responda|escreva|traduza|忽略|无视|转发|泄露|透露|"
    "发送给|回复时|تجاهل|أرسل|اعرض|اكشف|أجب"
)
# An imperative opening a line (after indentation, a comment marker, a table bar or a bullet),
# a sentence (after . ! ? :) or a cell (after | , or ; anywhere on the line: an instruction
# written into a row's later cell), optionally after "please"; or a phrase addressing the
# reply. Groups: 1 the comment marker, 2 the imperative, 3 the phrase.
_PLANTED = re2.compile(
    (
        r"(?m)(?:^[ \t]*(#+|//|--|/?\*+)?[ \t]*(?:\||>|-|•)?[ \t]*|[.!?:][ \t]+|[|,;][ \t]*)"
        r"((?:please[ \t,]+)?(?:" + _VERBS + r")[ \t]+(?:" + _OBJECTS + r")\b"
        r"|(?:" + _FOREIGN_VERBS + r"))"
        r"|\b(your (?:answer|response|reply|output|summary|explanation|next message)s?\b)"
    ).encode()
)
_COMMENT = re2.compile(rb"[ \t]*(?:#|//|--|/\*|\*|<!--)")


def _fence_lines(norm: bytes) -> list[int]:
    """Where each line opening or closing a fenced code block starts (a line whose first
    non-blank characters are three backticks), and the text's end if the last is not closed."""
    marks: list[int] = []
    i = norm.find(b"```")
    while i >= 0:
        line = norm.rfind(b"\n", 0, i) + 1
        if not norm[line:i].strip(b" \t"):
            marks.append(line)
        i = norm.find(b"```", i + 3)
    if len(marks) % 2:
        marks.append(len(norm))
    return marks


def _tabular(norm: bytes, code_lines: int) -> bool:
    """Whether `norm` is a table or a record file: at least MIN_STRUCTURED record-like lines,
    and no fewer than its code-like lines (counting stops once that is known)."""
    need = max(MIN_STRUCTURED, code_lines)
    if b"\n" not in norm:
        return False
    return any(k >= need for k, _ in enumerate(_RECORD.finditer(norm), 1))


def structure_lines(norm: str) -> tuple[list[int], list[int]]:
    """(kind, position) of every code-like line (kind 0, at its start) and of every planted
    instruction (kind 2, at the imperative or the reply it addresses). The passes run on the
    UTF-8 bytes (RE2 on a str converts every match's offsets); positions are characters."""
    data = norm.encode("utf-8", "surrogatepass")
    kinds, starts = _structure_bytes(data)
    if starts and len(data) != len(norm):  # byte offsets to character offsets
        lead = np.frombuffer(data, dtype=np.uint8) & 0xC0 != 0x80
        chars = np.concatenate(([0], np.cumsum(lead)))
        starts = chars[starts].tolist()
    return kinds, starts


def _structure_bytes(norm: bytes) -> tuple[list[int], list[int]]:
    kinds: list[int] = []
    starts: list[int] = []
    for m in _CODE.finditer(norm):
        kinds.append(0)
        starts.append(m.start())
    # A table or a record file: any instruction in it is planted. In a text with code, only one
    # inside the code: in a comment or a fenced block (prose between code blocks, "use this
    # instead:", is how benign answers explain code). Anywhere else nothing is.
    tabular = _tabular(norm, len(starts))
    if not tabular and len(starts) < MIN_STRUCTURED:
        return kinds, starts
    fences: list[int] | None = None
    for m in _PLANTED.finditer(norm):
        pos = m.start(2) if m.start(2) >= 0 else m.start(3)
        planted = tabular or m.start(1) >= 0
        if not planted:
            line = norm.rfind(b"\n", 0, pos) + 1
            planted = _COMMENT.match(norm, line) is not None
            if not planted:
                fences = _fence_lines(norm) if fences is None else fences
                planted = bisect_right(fences, pos) % 2 == 1
        if planted:
            kinds.append(2)
            starts.append(pos)
    return kinds, starts
