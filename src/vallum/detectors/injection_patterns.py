"""Heuristic patterns of prompt injection, run on normalised (lower-cased) text.

Each pattern is one feature of the injection model: the model learns how much a match counts, and
how much at each stage (a fake `assistant:` turn means little in a pasted chat log from the user,
a lot inside a retrieved web page). They generalise where n-grams do not: gaps of any words
between "ignore" and "instructions", tags of any chat template, requests aimed at "your reply".

Compiled with RE2: linear time, and about ten times faster than `re` on these alternations.
An RE2 set of all patterns first says, in one pass, which of them match at all; only those are
run for their positions (most text matches none or one).
"""

from __future__ import annotations

from typing import Any

import re2

_INSTRUCTIONS = (
    r"(?:instructions?|prompts?|rules|directions?|directives?|guidelines|commands?|context|"
    r"constraints|restrictions|programming|orders|policies|tasks?)"
)

HEURISTICS: tuple[tuple[str, Any], ...] = tuple(
    (name, re2.compile("(?m)" + pattern))
    for name, pattern in (
        (
            "ignore_previous",
            r"\b(?:ignore|disregard|forget|skip|override|bypass|neglect|overlook|omit|drop|abandon)"
            r"\b[^.\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|all|any|your|the|system|"
            r"original|initial|those|these|everything)\b[^.\n]{0,30}?\b" + _INSTRUCTIONS,
        ),
        (
            "new_instructions",
            r"\b(?:new|updated|real|actual|true|important|additional|secret|hidden|revised|urgent)"
            r"\s+(?:instructions?|tasks?|directives?|objectives?|system prompt|orders|rules)\s*[:\-!]",
        ),
        (
            "role_tag",
            r"<\|?(?:im_start|im_end|system|endoftext|eot_id|start_header_id|end_header_id)\|?>"
            r"|\[/?(?:system|inst|sys|admin)\]|<</?sys>>|</?(?:system|instructions?|admin)>"
            r"|^\s*#{2,}\s*(?:system|instruction|new instruction|admin)"
            r"|\b(?:system|admin|developer)\s*(?:prompt|message|override|note|notice)\s*:",
        ),
        (
            "fake_turn",
            r"^\s*(?:assistant|ai|system|user|human|gpt|chatgpt|model|bot)\s*:\s*\S",
        ),
        (
            "prompt_leak_request",
            r"\b(?:reveal|print|show|repeat|output|tell me|display|leak|dump|write out|recite|spell out)"
            r"\b[^.\n]{0,30}?\b(?:system prompt|your (?:instructions|prompt|rules|guidelines|"
            r"initial prompt|system message)|(?:the )?(?:text|words|instructions) above|"
            r"hidden prompt|pre-?prompt|initial instructions)",
        ),
        (
            "persona",
            r"\b(?:you are now|from now on,? you|pretend (?:to be|you are)|act as (?:an? )?"
            r"(?:unrestricted|unfiltered|evil|different)|roleplay as|developer mode|"
            r"do anything now|jailbr(?:ea|o)k|unfiltered|without (?:any )?(?:restrictions|filters|"
            r"censorship|limitations|ethical)|no (?:ethical|moral) (?:guidelines|restrictions|limits)|"
            r"stay in character)",
        ),
        (
            "addressed_to_ai",
            r"\b(?:ai|assistant|language model|llm|chatbot|gpt|claude|copilot|agent|bot)s?\b"
            r"[^.\n]{0,25}?\b(?:must|should|needs? to|have to|are instructed|is instructed|will now|"
            r"shall)\b|\b(?:dear|attention|note to (?:the )?|hey|hi) ?(?:ai|assistant|model|llm|"
            r"chatbot|agent)\b|\bif you are an? (?:ai|assistant|language model|llm)\b",
        ),
        (
            "your_response",
            r"\b(?:in|to|into|with(?:in)?) your (?:response|reply|answer|output|summary|message)\b"
            r"|\byour (?:response|reply|answer|output) (?:must|should|needs)\b"
            r"|\b(?:respond|reply|answer) (?:only )?(?:with|in|using)\b",
        ),
        (
            "exfil_action",
            r"\b(?:send|forward|email|e-mail|post|upload|exfiltrate|transmit|leak|share)\b[^.\n]{0,50}?"
            r"(?:https?://|www\.|\b[\w.-]+@[\w-]+\.|!\[)"
            r"|!\[[^\]\n]*\]\(https?://[^)\s]*\?[^)\s]*\)",
        ),
        (
            "encoded_payload",
            r"\b(?:decode|base64|rot13|rot-13|hex-?encoded|reversed?|cipher)\b"
            r"|[a-z0-9+/]{40,}={0,2}",
        ),
        (
            "instead",
            r"\binstead(?: of)?\b[^.\n]{0,30}?\b(?:summar|translat|answer|respond|reply|do)"
            r"|\b(?:do not|don't|never|stop)\b[^.\n]{0,20}?\b(?:summari[sz]|translat)",
        ),
        (
            "foreign_ignore",
            r"(?:ignorez|ignore[sz]? toutes|oubliez|ignora|ignoriere|vergiss|olvida|ignorar|"
            r"игнорируй|забудь|忽略|无视|無視|무시)[^\n]{0,60}?(?:instructions|instrucciones|"
            r"anweisungen|istruzioni|instruções|инструкции|指令|指示|命令|지시)",
        ),
        (
            "imperative_start",
            r"^\s*(?:please |now |then |also )?(?:write|generate|create|compose|draft|list|explain|"
            r"describe|provide|tell|give|translate|summari[sz]e|add|include|insert|append|modify|"
            r"change|replace|rewrite|say|output|print|respond|reply|answer|convert|use|remove|"
            r"delete|send|visit|click|open|run|execute|download|install|integrate|enhance|augment|"
            r"introduce|scramble|misspell|group|combine|render|substitute)\b",
        ),
    )
)


# Patterns precise enough to stand on their own (see the model card for their precision on the
# training data): a match raises the score to at least `injection.STRONG_PATTERN_SCORE`.
STRONG = frozenset(
    {"ignore_previous", "new_instructions", "role_tag", "prompt_leak_request", "foreign_ignore"}
)
STRONG_SLOTS = frozenset(i for i, (name, _) in enumerate(HEURISTICS) if name in STRONG)


def _any_of() -> Any:
    patterns = re2.Set.SearchSet()
    for _, pattern in HEURISTICS:
        patterns.Add(pattern.pattern)
    patterns.Compile()
    return patterns


_ANY_OF = _any_of()


def match_heuristics(norm: str) -> list[tuple[int, int]]:
    """(heuristic slot, start position) for every match in normalised text."""
    data = norm.encode("utf-8", "surrogatepass")
    slots = _ANY_OF.Match(data)
    if not slots:
        return []
    found = []
    for slot in sorted(slots):
        for m in HEURISTICS[slot][1].finditer(norm):
            found.append((slot, m.start()))
    return found
