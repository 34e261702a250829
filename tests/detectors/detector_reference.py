"""The secrets, PII and prompt-leak detectors' `detect` as they were before their
per-call overhead was cut (commit b23dcaa) and before their cost was made linear (issue 20), over
the same rules, kept as the reference the faster code is held to. Frozen on purpose: do not "fix"
or speed up this file, or it stops being the reference (it is quadratic on dense text).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right

from vallum.detectors import normalize, pii, prompt_leak, secrets
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


# The normal form as it was built before runs were checked whole and in pieces (issue 20): one
# cluster at a time through every run that is not in normal form as a whole.
class NormalizedBefore:
    """A text in the form detectors read, and the map back to the original's offsets.

    >>> n = normalize("card ４１１１\u200b1111")
    >>> n.text
    'card 41111111'
    >>> n.span(5, 13)
    (5, 14)
    """

    __slots__ = ("_identity", "_norm", "_orig", "_orig_end", "original", "text")

    def __init__(self, original: str):
        self.original = original
        # Segments, in order: each starts at _norm[k] in the normal form and _orig[k] in the
        # original; a segment copied as it is has _orig_end[k] == -1 (offsets move together),
        # a rewritten cluster maps every character it produced to [_orig[k], _orig_end[k]).
        self._norm: list[int] = []
        self._orig: list[int] = []
        self._orig_end: list[int] = []
        self._identity = original.isascii() and "%" not in original
        self.text = original if self._identity else self._build(original)

    @property
    def changed(self) -> bool:
        """Whether the normal form differs from the original (offsets then need mapping)."""
        return not self._identity

    def _build(self, original: str) -> str:
        out: list[str] = []
        size = 0  # length of the normal form so far
        forms: dict[str, str] = {}  # cluster -> form, for this text only
        copied_from = 0  # original offset where the pending copied run starts

        def copy(upto: int) -> None:
            nonlocal size
            if upto > copied_from:
                self._add(size, copied_from, -1)
                out.append(original[copied_from:upto])
                size += upto - copied_from

        for match in normalize._RUNS.finditer(original):
            i, end = match.span()
            if original[i] == "%":
                decoded = normalize._unescape(match.group())
                if decoded is not None:
                    copy(i)
                    self._add(size, i, end)
                    out.append(decoded)
                    size += len(decoded)
                    copied_from = end
                continue
            # A combining mark right after an ASCII letter belongs to its cluster.
            if i > copied_from and unicodedata.combining(original[i]):
                i -= 1
            run = original[i:end]
            if (
                run.isprintable()  # no format character (Cf), no odd space
                and normalize._DIGIT_OR_IGNORABLE.search(run) is None
                and unicodedata.is_normalized("NFKC", run)
            ):
                continue  # copied with the ASCII around it
            copy(i)
            while i < end:
                j = i + 1
                while j < end and unicodedata.combining(original[j]):
                    j += 1
                cluster = original[i:j]
                form = forms.get(cluster)
                if form is None:
                    form = forms[cluster] = normalize._form(cluster)
                if form != cluster:
                    self._add(size, i, j)
                    out.append(form)
                    size += len(form)
                elif not self._norm or self._orig_end[-1] != -1 or self._end_of_last(size) != i:
                    self._add(size, i, -1)
                    out.append(cluster)
                    size += len(cluster)
                else:  # extends the copied run just before it
                    out.append(cluster)
                    size += len(cluster)
                i = j
            copied_from = end
        copy(len(original))
        return "".join(out)

    def _add(self, norm: int, orig: int, orig_end: int) -> None:
        self._norm.append(norm)
        self._orig.append(orig)
        self._orig_end.append(orig_end)

    def _end_of_last(self, size: int) -> int:
        """Original offset just after the last (copied) segment, given the form's `size`."""
        return self._orig[-1] + size - self._norm[-1]

    def position(self, index: int) -> tuple[int, int]:
        """The original span the normal form's character at `index` was read from."""
        if self._identity:
            return index, index + 1
        k = bisect_right(self._norm, index) - 1
        if self._orig_end[k] == -1:
            at = self._orig[k] + index - self._norm[k]
            return at, at + 1
        return self._orig[k], self._orig_end[k]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normal form's `[start, end)`; empty spans stay as they are
        (a finding about the whole text)."""
        if self._identity or end <= start:
            return start, end
        return self.position(start)[0], self.position(end - 1)[1]
