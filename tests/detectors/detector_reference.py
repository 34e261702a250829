"""The secrets, PII and prompt-leak detectors' `detect` as they were before their
per-call overhead was cut (commit b23dcaa) and before their cost was made linear (issue 20), over
the same rules, kept as the reference the faster code is held to. Frozen on purpose: do not "fix"
or speed up this file, or it stops being the reference (it is quadratic on dense text).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from vallum.detectors import pii, prompt_leak, secrets
from vallum.model import Finding, Stage


def secrets_detect(detector: secrets.SecretsDetector, text: str, stage: Stage) -> list[Finding]:
    lowered = text.lower()
    present = {hint for hint in secrets._HINTS if hint in lowered}
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for rule in secrets._RULES:
        if present.isdisjoint(rule.hints):
            continue
        for pattern, gate in zip(rule.patterns, rule.gates, strict=True):
            if gate is not None and gate.search(text) is None:
                continue
            for match in pattern.finditer(text):
                start, end = match.span(rule.group)
                if end <= start:
                    continue
                value = text[start:end]
                if rule.boundary and not secrets._bounded(text, start, end):
                    continue
                if rule.check is not None and not rule.check(value):
                    continue
                if rule.type == "secret.private_key":
                    end = _pem_end(text, start)
                if any(start < e and s < end for s, e in taken):
                    continue
                taken.append((start, end))
                findings.append(
                    Finding(
                        detector=detector.id,
                        type=rule.type,
                        score=rule.score,
                        start=start,
                        end=end,
                        labels=("secret", rule.type),
                        detail=f"{rule.type.removeprefix('secret.')} ({end - start} chars)",
                    )
                )
    findings.sort(key=lambda f: (f.start, f.end))
    return findings


def _pem_end(text: str, start: int) -> int:
    match = secrets._PEM_END.search(text, start)
    return match.end() if match else len(text)


class _Taken:
    __slots__ = ("ends", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start)
        if i and self.ends[i - 1] > start:
            return True
        return i < len(self.starts) and self.starts[i] < end

    def add(self, start: int, end: int) -> None:
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def _custom_findings(matcher: pii._CustomMatcher, text: str, detector_id: str) -> list[Finding]:
    return [
        Finding(
            detector=detector_id,
            type=matcher.type,
            score=1.0,
            start=m.start(),
            end=m.end(),
            labels=matcher.labels,
            detail=f"data class {matcher.name}",
        )
        for m in matcher.regex.finditer(text)
        if m.end() > m.start()
    ]


def pii_detect(detector: pii.PiiDetector, text: str, stage: Stage) -> list[Finding]:
    findings: list[Finding] = []
    data = text.encode("utf-8", "surrogatepass")
    digits = len(data) - len(data.translate(None, pii._DIGITS))
    taken = _Taken()
    for name in detector._active:
        for candidates in pii._BUILTINS[name]:
            possible = digits >= candidates.min_digits and (
                not candidates.needs or candidates.needs in data
            )
            if not possible:
                continue
            for start, end in candidates.spans(text, data):
                if taken.overlaps(start, end) or not candidates.valid(text, start, end):
                    continue
                taken.add(start, end)
                findings.append(detector._finding(name, text, start, end))
    for matcher in detector._custom:
        findings.extend(_custom_findings(matcher, text, detector.id))
    findings.sort(key=lambda f: (f.start, f.end))
    return findings


_WORD = re.compile(r"\w+")


def _words(text: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(text))


def _shingles(tokens: list[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


def old_tokens(text: str) -> list[str]:
    """How `_overlaps` tokenised output."""
    if text.isascii():
        return _WORD.findall(text.lower())
    return [m.group().lower() for m in _words(text)]


Template = tuple[str, int, frozenset[tuple[str, ...]], frozenset[str]]


def prompt_leak_templates(detector: prompt_leak.PromptLeakDetector) -> list[Template]:
    """What the detector's constructor computed from its prompts."""
    templates = []
    for prompt_id, template in sorted(detector.setup.prompts.items()):
        tokens = [m.group().lower() for m in _words(template)]
        size = min(prompt_leak.SHINGLE_WORDS, len(tokens))
        if size < 4:
            continue
        shingles = frozenset(_shingles(tokens, size))
        firsts = frozenset(shingle[0] for shingle in shingles)
        templates.append((prompt_id, size, shingles, firsts))
    return templates


def prompt_leak_detect(
    detector: prompt_leak.PromptLeakDetector, templates: list[Template], text: str, stage: Stage
) -> list[Finding]:
    findings = []
    for canary in detector._canaries:
        start = text.find(canary)
        if start >= 0:
            findings.append(
                Finding(
                    detector=detector.id,
                    type="prompt_leak.canary",
                    score=1.0,
                    start=start,
                    end=start + len(canary),
                    labels=("prompt_leak",),
                    detail="canary token found in output",
                )
            )
    if templates:
        findings.extend(_overlaps(detector, templates, text))
    return findings


def _overlaps(
    detector: prompt_leak.PromptLeakDetector,
    templates: list[Template],
    text: str,
) -> list[Finding]:
    tokens = old_tokens(text)
    matches: list[re.Match[str]] | None = None
    findings = []
    for prompt_id, size, shingles, firsts in templates:
        last = len(tokens) - size + 1
        if last <= 0:
            continue
        hits = [
            i
            for i, token in enumerate(tokens[:last])
            if token in firsts and tuple(tokens[i : i + size]) in shingles
        ]
        if not hits:
            continue
        matched = len({tuple(tokens[i : i + size]) for i in hits})
        needed = (
            prompt_leak.MIN_MATCHED_SHINGLES
            if len(shingles) >= prompt_leak.MIN_MATCHED_SHINGLES
            else 1
        )
        if matched < needed:
            continue
        coverage = matched / len(shingles)
        score = min(
            1.0,
            max(coverage / prompt_leak.FULL_COVERAGE, matched / prompt_leak.FULL_SHINGLES),
        )
        if matches is None:
            matches = _words(text)
        start = matches[hits[0]].start()
        end = matches[hits[-1] + size - 1].end()
        findings.append(
            Finding(
                detector=detector.id,
                type="prompt_leak.system_prompt",
                score=score,
                start=start,
                end=end,
                labels=("prompt_leak",),
                detail=(
                    f"prompt {prompt_id!r}: {coverage:.0%} of its {size}-word shingles "
                    f"({matched}) appear in output"
                ),
            )
        )
    return findings
